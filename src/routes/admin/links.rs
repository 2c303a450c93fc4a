//! `/admin/act/{token}`: the one-click links of notification emails. A GET only
//! shows what the link will do, with a button; the POST does it. Mail scanners that
//! fetch every link therefore change nothing.
//!
//! The token is the credential: it is mailed only to its site's `notify_to`, so the
//! pages need no session. A request that carries the session of a moderator limited
//! to other sites is refused (`403`, `LinkState::OtherSite`) and the link stays
//! unused.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{action_label, admin_lang, optional_session, says, status_label};
use crate::app::{AppState, Db};
use crate::db::{now, queries};
use crate::i18n::{AdminWords, Lang};
use crate::moderation::links::{self as admin, LinkState};
use crate::routes::html::{admin_message, render, thread_href, Look, OnPage, PageError};

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

fn refusal(lang: Lang, state: &LinkState) -> PageError {
    let w = AdminWords::of(lang);
    match state {
        LinkState::Used => says(StatusCode::GONE, lang, w.link_used),
        LinkState::Expired => says(StatusCode::GONE, lang, w.link_expired),
        LinkState::OtherSite => says(StatusCode::FORBIDDEN, lang, w.link_other_site),
        _ => says(StatusCode::NOT_FOUND, lang, w.link_unknown),
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
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let token = path.into_inner();
    if !plausible(&token) {
        return Err(refusal(lang, &LinkState::Unknown));
    }
    let scope = optional_session(&req, &state)
        .await
        .on_page(Look::Admin, lang)?
        .map(|s| s.sites);
    let t = token.clone();
    let (link, thread, allowed) = state
        .db(move |conn, _| -> Result<_, crate::error::ApiError> {
            let link = admin::inspect_link(conn, &t, now())?;
            let LinkState::Valid { comment, .. } = &link else {
                return Ok((link, None, true));
            };
            let thread = queries::threads::find(conn, comment.thread_id)?;
            let allowed = match &scope {
                Some(scope) => admin::link_allowed(conn, scope, comment)?,
                None => true,
            };
            Ok((link, thread, allowed))
        })
        .await
        .on_page(Look::Admin, lang)?;
    let LinkState::Valid { action, comment } = link else {
        return Err(refusal(lang, &link));
    };
    if !allowed {
        return Err(refusal(lang, &LinkState::OtherSite));
    }
    let w = AdminWords::of(lang);
    let title = thread
        .as_ref()
        .map(|t| super::queue::title_for_moderators(w, t, &comment))
        .unwrap_or_default();
    let (site, page) = thread.map(|t| (t.site, t.page)).unwrap_or_default();
    Ok(render(
        Look::Admin,
        lang,
        StatusCode::OK,
        &ConfirmPage {
            lang,
            w,
            token,
            action_label: action_label(w, action),
            author: comment.author,
            thread_href: thread_href(&site, &page, lang),
            title,
            status: status_label(w, comment.status),
            body: comment.body_html,
        },
    ))
}

/// The confirmation's form: the link's token is the credential, so no CSRF token.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    lang: Option<String>,
}

/// `POST /admin/act/{token}`: acts once; a second use is refused.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, form.lang.as_deref());
    let token = path.into_inner();
    if !plausible(&token) {
        return Err(refusal(lang, &LinkState::Unknown));
    }
    let scope = optional_session(&req, &state)
        .await
        .on_page(Look::Admin, lang)?
        .map(|s| s.sites);
    let followed = state
        .write(move |tx, st| {
            admin::follow_link_within(tx, &st.config, scope.as_ref(), &token, now())
        })
        .await
        .on_page(Look::Admin, lang)?;
    let LinkState::Valid { action, comment } = followed else {
        return Err(refusal(lang, &followed));
    };
    tracing::info!(
        comment = comment.id,
        action = action.as_str(),
        "moderated by one-click link"
    );
    Ok(admin_message(
        StatusCode::OK,
        lang,
        AdminWords::of(lang).done,
    ))
}
