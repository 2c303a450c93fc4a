//! `/admin`: the moderators' pages. Server-rendered, no script, a strict CSP that
//! forbids framing; sessions in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//! when Causerie is served over https) backed by the database; every form that
//! changes something carries the session's CSRF token and must come from our origin.
//!
//! A moderator limited to some sites (`causerie admin add NAME --site ID`) sees and
//! acts on nothing else: the queue, its counts and search, the edit and reply pages,
//! the actions and the outbox are all filtered by the session's `SiteScope`. Another
//! site's comment asked for by its number is `404`, as one that does not exist (not
//! `403`, which would tell that it exists); a bulk action skips such numbers as it
//! skips comments purged meanwhile, and says some were left unchanged. A one-click
//! link is its own credential and works without a session, but a session of a
//! moderator of other sites is refused (`403`): that moderator was not sent the link.

mod links;
mod login;
mod move_page;
mod outbox;
mod queue;
mod rights;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, FromRequest, HttpRequest};
use serde::{Deserialize, Deserializer};

use crate::app::{AppState, Db};
use crate::auth::{self, Session};
use crate::crypto::same_hash;
use crate::db::now;
use crate::domain::{Action, Status};
use crate::i18n::{AdminWords, Lang};
use crate::routes::html::{Look, OnPage, PageError, ADMIN_CSP};
use crate::routes::{origin_allowed, request_lang, Senders};

pub const SESSION_COOKIE: &str = "causerie_session";

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
            .route("/threads/move", web::post().to(move_page::move_thread))
            .route("/threads/title", web::post().to(queue::rename))
            .route("/comments/{id}", web::get().to(queue::edit_form))
            .route("/comments/{id}", web::post().to(queue::edit_save))
            .route("/comments/{id}/reply", web::post().to(queue::reply))
            .route("/act/{token}", web::get().to(links::confirm))
            .route("/act/{token}", web::post().to(links::act))
            .route("/reports", web::get().to(rights::reports))
            .route("/reports/dismiss", web::post().to(rights::dismiss))
            .route("/data", web::get().to(rights::data))
            .route("/data/download", web::get().to(rights::download))
            .route("/data/erase", web::post().to(rights::erase))
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

/// Whether the query says `name=1` (`?done=1` after an action): the parameter
/// itself, so `undone=1` is not `done=1`.
fn flag(req: &HttpRequest, name: &str) -> bool {
    flag_in(req.query_string(), name)
}

/// [`flag`] of a query string.
fn flag_in(query: &str, name: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == name && v == "1")
}

/// An error said on the admin's message page.
fn says(status: StatusCode, lang: Lang, text: &str) -> PageError {
    PageError::says(Look::Admin, lang, status, text)
}

/// The cookie carrying a session token (or removing it, with an empty value).
fn session_cookie(state: &AppState, value: &str, remove: bool) -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, value.to_owned())
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.server.public_url.scheme() == "https")
        .finish();
    if remove {
        c.make_removal();
    }
    c
}

/// The moderator's session, from the cookie; without one (or after it expired) the
/// answer is the login page.
impl FromRequest for Session {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Session, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let lang = admin_lang(&req, None);
            let login = |expired: &str| {
                PageError::SeeOther(format!("/admin/login?lang={}{expired}", lang.code()))
            };
            let token = req
                .cookie(SESSION_COOKIE)
                .map(|c| c.value().to_owned())
                .ok_or_else(|| login(""))?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| {
                    let e = anyhow::anyhow!("no application state");
                    PageError::from_api(Look::Admin, lang, crate::error::ApiError::Internal(e))
                })?;
            state
                .db(move |conn, st| auth::sessions::session(conn, &st.config, &token, now()))
                .await
                .on_page(Look::Admin, lang)?
                .ok_or_else(|| login("&expired=1"))
        })
    }
}

/// The moderator's session if the request carries a live one, for the pages that
/// also serve visitors without a session (the one-click links).
async fn optional_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<Session>, crate::error::ApiError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    state
        .db(move |conn, st| auth::sessions::session(conn, &st.config, &token, now()))
        .await
}

/// A state-changing admin request must come from Causerie's own pages: the
/// session's CSRF token in the form (every admin form has its `csrf` field), and no
/// foreign `Origin`.
fn forged(req: &HttpRequest, state: &AppState, session: &Session, csrf: &str) -> bool {
    !same_hash(csrf, &session.csrf) || !origin_allowed(req, &state.config, Senders::OwnPages)
}

/// A form's number that is not one reads as absent: the handler then does nothing,
/// as for a missing field, instead of refusing the whole form.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
{
    Ok(Option::<String>::deserialize(d)?.and_then(|s| s.parse().ok()))
}

/// Where to go back after an action: a path of the admin, never another site.
fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with("/admin")
                && !b.starts_with("//")
                && !b.contains(['\r', '\n', '\\']) =>
        {
            b.to_owned()
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
