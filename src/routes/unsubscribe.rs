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
use crate::routes::html::{render, Look, OnPage, PageError};
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
    let page = UnsubscribePage {
        lang,
        w: MailWords::of(lang),
        state,
    };
    let mut r = render(Look::Reader, lang, status, &page);
    // The page holds a token that works without a session: no cache should keep it.
    r.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    r
}

/// `GET /unsubscribe/{token}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let lang = request_lang(&req);
    let token = path.into_inner();
    if !crate::routes::plausible_token(&token) {
        return Ok(page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid));
    }
    let t = token.clone();
    let found = state
        .db(move |conn, st| unsubscribe::lookup(conn, &st.secret, &t))
        .await
        .on_page(Look::Reader, lang)?;
    Ok(match found {
        Some(sub) => page(
            StatusCode::OK,
            lang,
            UnsubscribeState::Ask {
                title: sub.title,
                token,
            },
        ),
        None => page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid),
    })
}

/// `POST /unsubscribe/{token}`: `scope=all` for everything; otherwise (the page's
/// first button, or a mail client's `List-Unsubscribe=One-Click`) this thread.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
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
    if !crate::routes::plausible_token(&token) {
        return Ok(page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid));
    }
    let res = state
        .write(move |tx, st| unsubscribe::unsubscribe(tx, &st.secret, &token, scope, now()))
        .await
        .on_page(Look::Reader, lang)?;
    let Some(sub) = res else {
        return Ok(page(StatusCode::NOT_FOUND, lang, UnsubscribeState::Invalid));
    };
    tracing::info!(scope = ?scope, "reply notifications turned off");
    let done = match scope {
        Scope::Thread => UnsubscribeState::DoneThread { title: sub.title },
        Scope::All => UnsubscribeState::DoneAll,
    };
    Ok(page(StatusCode::OK, lang, done))
}
