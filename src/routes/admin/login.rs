use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    admin_lang, failure, message, render, same_origin, see_other, session_cookie, SESSION_COOKIE,
};
use crate::app::{AppState, Db};
use crate::auth::login::{self as admin, LoginOutcome};
use crate::auth::sessions;
use crate::db::now;
use crate::i18n::{AdminWords, Lang};
use crate::routes::truncated_ip;

/// A login form older than this is refused (it also defeats login CSRF: the form
/// token is signed by this instance).
const LOGIN_FORM_MAX_AGE: i64 = 3600;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage<'a> {
    lang: Lang,
    w: &'static AdminWords,
    error: Option<&'a str>,
    name: &'a str,
    form_token: String,
}

fn page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
    name: &str,
) -> HttpResponse {
    render(
        status,
        &LoginPage {
            lang,
            w: AdminWords::of(lang),
            error,
            name,
            form_token: state.secret.sign("login", &now().to_string()),
        },
    )
}

/// `GET /admin/login`
pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = admin_lang(&req, None);
    let expired = req.query_string().contains("expired=1");
    let w = AdminWords::of(lang);
    page(
        &state,
        lang,
        StatusCode::OK,
        expired.then_some(w.session_expired),
        "",
    )
}

/// `POST /admin/login`: throttled per account and per address; on success a new
/// session (a fresh token, so no fixation) and a redirect to the queue.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let form = form.into_inner();
    let lang = admin_lang(&req, form.get("lang").map(String::as_str));
    let w = AdminWords::of(lang);
    let name = form.get("name").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let fresh = form
        .get("form_token")
        .and_then(|t| state.secret.verify("login", t))
        .and_then(|ts| ts.parse::<i64>().ok())
        .is_some_and(|ts| now() - ts <= LOGIN_FORM_MAX_AGE);
    if !fresh || !same_origin(&req, &state) {
        return page(&state, lang, StatusCode::FORBIDDEN, Some(w.forged), &name);
    }
    let ip = truncated_ip(&req).unwrap_or_default();
    let who = name.clone();
    let outcome = state
        .db(move |conn, st| admin::login(conn, &st.config, &who, &password, &ip, now()))
        .await;
    match outcome {
        Ok(LoginOutcome::LoggedIn { token }) => {
            tracing::info!(moderator = %name, "moderator logged in");
            HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &token, false))
                .insert_header((header::LOCATION, format!("/admin?lang={}", lang.code())))
                .finish()
        }
        Ok(LoginOutcome::WrongCredentials) => {
            tracing::warn!(moderator = %name, "failed login");
            page(
                &state,
                lang,
                StatusCode::UNAUTHORIZED,
                Some(w.wrong_credentials),
                &name,
            )
        }
        Ok(LoginOutcome::Throttled { retry_after }) => {
            let mut r = page(
                &state,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                Some(w.throttled),
                &name,
            );
            if let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(e) => failure(lang, e),
    }
}

/// `POST /admin/logout`
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let lang = admin_lang(&req, None);
    let session = match super::require_session(&req, &state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if super::forged(&req, &state, &session, &form) {
        return message(StatusCode::FORBIDDEN, lang, AdminWords::of(lang).forged);
    }
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        if let Err(e) = state
            .db(move |conn, _| sessions::logout(conn, &token))
            .await
        {
            return failure(lang, e);
        }
    }
    let mut r = see_other(&format!("/admin/login?lang={}", lang.code()));
    let _ = r.add_cookie(&session_cookie(&state, "", true));
    r
}
