//! `/admin/act/{token}`: the one-click links of notification emails. A GET only
//! shows what the link will do, with a button; the POST does it. Mail scanners that
//! fetch every link therefore change nothing.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{action_label, admin_lang, failure, message, render, status_label};
use crate::app::{AppState, Db};
use crate::db::{now, queries};
use crate::i18n::{AdminWords, Lang};
use crate::moderation::links::{self as admin, LinkState};
use crate::routes::html::thread_href;

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmPage {
    lang: Lang,
    w: &'static AdminWords,
    token: String,
    action_label: &'static str,
    author: String,
    title: String,
    thread_href: String,
    status: &'static str,
    body: String,
}

fn refusal(lang: Lang, state: &LinkState) -> HttpResponse {
    let w = AdminWords::of(lang);
    match state {
        LinkState::Used => message(StatusCode::GONE, lang, w.link_used),
        LinkState::Expired => message(StatusCode::GONE, lang, w.link_expired),
        _ => message(StatusCode::NOT_FOUND, lang, w.link_unknown),
    }
}

/// Tokens are URL-safe base64 of 32 bytes; anything else is not worth a query.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /admin/act/{token}`
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let lang = admin_lang(&req, None);
    let token = path.into_inner();
    if !plausible(&token) {
        return refusal(lang, &LinkState::Unknown);
    }
    let t = token.clone();
    let loaded = state
        .db(move |conn, _| -> Result<_, crate::error::ApiError> {
            let link = admin::inspect_link(conn, &t, now())?;
            let thread = match &link {
                LinkState::Valid { comment, .. } => {
                    queries::threads::find(conn, comment.thread_id)?
                }
                _ => None,
            };
            Ok((link, thread))
        })
        .await;
    let w = AdminWords::of(lang);
    match loaded {
        Ok((LinkState::Valid { action, comment }, thread)) => {
            let (page, title) = thread.map(|t| (t.page, t.title)).unwrap_or_default();
            render(
                StatusCode::OK,
                &ConfirmPage {
                    lang,
                    w,
                    token,
                    action_label: action_label(w, action),
                    author: comment.author,
                    thread_href: thread_href(&page, lang),
                    title,
                    status: status_label(w, &comment.status),
                    body: comment.body_html,
                },
            )
        }
        Ok((other, _)) => refusal(lang, &other),
        Err(e) => failure(lang, e),
    }
}

/// `POST /admin/act/{token}`: acts once; a second use is refused.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let lang = admin_lang(&req, form.get("lang").map(String::as_str));
    let token = path.into_inner();
    if !plausible(&token) {
        return refusal(lang, &LinkState::Unknown);
    }
    let res = state
        .write(move |tx, st| admin::follow_link(tx, &st.config, &token, now()))
        .await;
    match res {
        Ok(LinkState::Valid { action, comment }) => {
            tracing::info!(
                comment = comment.id,
                action = action.as_str(),
                "moderated by one-click link"
            );
            message(StatusCode::OK, lang, AdminWords::of(lang).done)
        }
        Ok(other) => refusal(lang, &other),
        Err(e) => failure(lang, e),
    }
}
