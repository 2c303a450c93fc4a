//! `/unsubscribe/{token}`: the link of every reply notification. `GET` shows a page
//! with two buttons (this page's thread, or everything); `POST` acts. A mail client's
//! RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) unsubscribes from the
//! thread at once. The signed token is the credential, so no other check is needed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::{AppState, Db};
use crate::db::now;
use crate::i18n::{Lang, MailWords};
use crate::notify::unsubscribe::{self, Scope};
use crate::routes::html::html_headers;
use crate::routes::request_lang;

pub enum UnsubscribeState {
    Ask { title: String, token: String },
    DoneThread { title: String },
    DoneAll,
    Invalid,
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    lang: Lang,
    w: &'static MailWords,
    state: UnsubscribeState,
}

fn page(status: StatusCode, lang: Lang, state: UnsubscribeState) -> HttpResponse {
    let body = UnsubscribePage {
        lang,
        w: MailWords::of(lang),
        state,
    }
    .render();
    match body {
        Ok(body) => html_headers(&mut HttpResponse::build(status))
            .insert_header(("cache-control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn failure(lang: Lang, e: crate::error::ApiError) -> HttpResponse {
    HttpResponse::build(e.status())
        .content_type("text/plain; charset=utf-8")
        .body(e.text(lang))
}

/// Tokens are `ID.SIGNATURE`; anything longer or stranger is not worth a query.
fn plausible(token: &str) -> bool {
    token.len() <= 80
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `GET /unsubscribe/{token}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let lang = request_lang(&req);
    let token = path.into_inner();
    if !plausible(&token) {
        return page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid);
    }
    let t = token.clone();
    match state
        .db(move |conn, st| unsubscribe::lookup(conn, &st.secret, &t))
        .await
    {
        Ok(Some(sub)) => page(
            StatusCode::OK,
            lang,
            UnsubscribeState::Ask {
                title: sub.title,
                token,
            },
        ),
        Ok(None) => page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid),
        Err(e) => failure(lang, e),
    }
}

/// `POST /unsubscribe/{token}`: `scope=all` for everything; otherwise (the page's
/// first button, or a mail client's `List-Unsubscribe=One-Click`) this thread.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let token = path.into_inner();
    // Read as bytes: mail clients send the one-click body as urlencoded or multipart.
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let form_lang = fields
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(v));
    let lang = form_lang.unwrap_or_else(|| request_lang(&req));
    let scope = if fields.iter().any(|(k, v)| k == "scope" && v == "all") {
        Scope::All
    } else {
        Scope::Thread
    };
    if !plausible(&token) {
        return page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid);
    }
    let res = state
        .write(move |tx, st| unsubscribe::unsubscribe(tx, &st.secret, &token, scope, now()))
        .await;
    match res {
        Ok(Some(sub)) => {
            tracing::info!(scope = ?scope, "reply notifications turned off");
            let done = match scope {
                Scope::Thread => UnsubscribeState::DoneThread { title: sub.title },
                Scope::All => UnsubscribeState::DoneAll,
            };
            page(StatusCode::OK, lang, done)
        }
        Ok(None) => page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid),
        Err(e) => failure(lang, e),
    }
}
