//! `/admin`: the moderators' pages. Server-rendered, no script, a strict CSP that
//! forbids framing; sessions in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//! when Causerie is served over https) backed by the database; every form that
//! changes something carries the session's CSRF token and must come from our origin.

mod links;
mod login;
mod outbox;
mod queue;

use std::collections::HashMap;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::{AppState, Db};
use crate::auth::{self, Session};
use crate::crypto::same_hash;
use crate::db::now;
use crate::domain::{Action, Status};
use crate::i18n::{AdminWords, Lang};
use crate::routes::request_lang;

pub const SESSION_COOKIE: &str = "causerie_session";

const ADMIN_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                         form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(
                DefaultHeaders::new()
                    .add((header::CONTENT_SECURITY_POLICY, ADMIN_CSP))
                    .add((header::CACHE_CONTROL, "no-store"))
                    .add((header::X_FRAME_OPTIONS, "DENY")),
            )
            .route("", web::get().to(queue::queue))
            .route("/", web::get().to(queue::queue))
            .route("/login", web::get().to(login::form))
            .route("/login", web::post().to(login::submit))
            .route("/logout", web::post().to(login::logout))
            .route("/moderate", web::post().to(queue::moderate))
            .route("/threads", web::post().to(queue::thread))
            .route("/comments/{id}", web::get().to(queue::edit_form))
            .route("/comments/{id}", web::post().to(queue::edit_save))
            .route("/comments/{id}/reply", web::post().to(queue::reply))
            .route("/act/{token}", web::get().to(links::confirm))
            .route("/act/{token}", web::post().to(links::act))
            .route("/outbox", web::get().to(outbox::page))
            .route("/outbox/retry", web::post().to(outbox::retry)),
    );
}

/// The admin pages' language: `?lang=` or a form's `lang`, else the browser's.
fn admin_lang(req: &HttpRequest, form_lang: Option<&str>) -> Lang {
    let query_lang = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(&v));
    query_lang
        .or_else(|| form_lang.and_then(Lang::from_tag))
        .unwrap_or_else(|| request_lang(req))
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

fn render(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "admin template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage<'a> {
    lang: Lang,
    w: &'static AdminWords,
    message: &'a str,
    is_error: bool,
}

fn message(status: StatusCode, lang: Lang, text: &str) -> HttpResponse {
    render(
        status,
        &MessagePage {
            lang,
            w: AdminWords::of(lang),
            message: text,
            is_error: status.is_client_error() || status.is_server_error(),
        },
    )
}

/// An error page for a failed unit of work.
fn failure(lang: Lang, e: crate::error::ApiError) -> HttpResponse {
    message(e.status(), lang, &e.text(lang))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The cookie carrying a session token (or removing it, with an empty value).
fn session_cookie(state: &AppState, value: &str, remove: bool) -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, value.to_owned())
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.public_url.scheme() == "https")
        .finish();
    if remove {
        c.make_removal();
    }
    c
}

/// The moderator's session, or the redirect to the login page.
async fn require_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Session, HttpResponse> {
    let lang = admin_lang(req, None);
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(see_other(&format!("/admin/login?lang={}", lang.code())));
    };
    match state
        .db(move |conn, st| auth::sessions::session(conn, &st.config, &token, now()))
        .await
    {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(see_other(&format!(
            "/admin/login?lang={}&expired=1",
            lang.code()
        ))),
        Err(e) => Err(failure(lang, e)),
    }
}

/// A state-changing admin request must come from Causerie's own pages: the
/// session's CSRF token in the form, and no foreign `Origin`.
fn forged(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    form: &HashMap<String, String>,
) -> bool {
    let token_ok = form
        .get("csrf")
        .is_some_and(|t| same_hash(t, &session.csrf));
    !token_ok || !same_origin(req, state)
}

/// `Origin` (sent by browsers on every POST) names our public origin or our host.
fn same_origin(req: &HttpRequest, state: &AppState) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    if origin == state.config.public_url.origin().ascii_serialization() {
        return true;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    match (url::Url::parse(origin), host) {
        (Ok(o), Some(host)) => {
            let authority = match o.port() {
                Some(p) => format!("{}:{p}", o.host_str().unwrap_or("")),
                None => o.host_str().unwrap_or("").to_owned(),
            };
            authority == host
        }
        _ => false,
    }
}

/// Where to go back after an action: a path of the admin, never another site.
fn safe_back(back: Option<&String>) -> String {
    match back {
        Some(b)
            if b.starts_with("/admin")
                && !b.starts_with("//")
                && !b.contains(['\r', '\n', '\\']) =>
        {
            b.clone()
        }
        _ => "/admin".to_owned(),
    }
}

fn action_label(w: &AdminWords, a: Action) -> &'static str {
    match a {
        Action::Approve => w.approve,
        Action::Unapprove => w.unapprove,
        Action::Spam => w.mark_spam,
        Action::Delete => w.delete,
        Action::Restore => w.restore,
        Action::Purge => w.purge,
    }
}

fn status_label(w: &AdminWords, status: Status) -> &'static str {
    match status {
        Status::Pending => w.pending,
        Status::Approved => w.approved,
        Status::Spam => w.spam,
        Status::Deleted => w.deleted,
    }
}
