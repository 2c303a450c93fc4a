use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin_lang, flag, forged, says, session_cookie, SESSION_COOKIE};
use crate::app::{AppState, Db};
use crate::auth::login::{self as admin, LoginOutcome};
use crate::auth::{sessions, Session};
use crate::db::now;
use crate::i18n::{AdminWords, Lang};
use crate::routes::html::{render, see_other, Look, OnPage, PageError};
use crate::routes::{origin_allowed, truncated_ip, Senders};

/// A login form older than this is refused (it also defeats login CSRF: the form
/// token is signed by this instance).
const LOGIN_FORM_MAX_AGE: std::time::Duration = crate::clock::hours(1);

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
        Look::Admin,
        lang,
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
    let w = AdminWords::of(lang);
    page(
        &state,
        lang,
        StatusCode::OK,
        flag(&req, "expired").then_some(w.session_expired),
        "",
    )
}

/// The login form. Before a session there is no CSRF token: the signed, recent
/// `form_token` stands for it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    name: String,
    password: String,
    form_token: String,
    lang: Option<String>,
}

/// `POST /admin/login`: throttled per account and per address; on success a new
/// session (a fresh token, so no fixation) and a redirect to the queue.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let LoginForm {
        name,
        password,
        form_token,
        lang,
    } = form.into_inner();
    let lang = admin_lang(&req, lang.as_deref());
    let w = AdminWords::of(lang);
    let fresh = state
        .secret
        .verify("login", &form_token)
        .and_then(|ts| ts.parse::<i64>().ok())
        .is_some_and(|ts| now() - ts <= crate::clock::secs(LOGIN_FORM_MAX_AGE));
    if !fresh || !origin_allowed(&req, &state.config, Senders::OwnPages) {
        return Ok(page(
            &state,
            lang,
            StatusCode::FORBIDDEN,
            Some(w.forged),
            &name,
        ));
    }
    let ip = truncated_ip(&req).unwrap_or_default();
    let who = name.clone();
    let outcome = state
        .db(move |conn, st| admin::login(conn, &st.config, &who, &password, &ip, now()))
        .await
        .on_page(Look::Admin, lang)?;
    Ok(match outcome {
        LoginOutcome::LoggedIn { token } => {
            tracing::info!(moderator = %name, "moderator logged in");
            HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &token, false))
                .insert_header((header::LOCATION, format!("/admin?lang={}", lang.code())))
                .finish()
        }
        LoginOutcome::WrongCredentials => {
            tracing::warn!(moderator = %name, "failed login");
            page(
                &state,
                lang,
                StatusCode::UNAUTHORIZED,
                Some(w.wrong_credentials),
                &name,
            )
        }
        LoginOutcome::Throttled { retry_after } => {
            let r = page(
                &state,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                Some(w.throttled),
                &name,
            );
            crate::routes::html::with_retry_after(r, retry_after)
        }
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /admin/logout`
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    if forged(&req, &state, &session, &form.csrf) {
        return Err(says(
            StatusCode::FORBIDDEN,
            lang,
            AdminWords::of(lang).forged,
        ));
    }
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        state
            .db(move |conn, _| sessions::logout(conn, &token))
            .await
            .on_page(Look::Admin, lang)?;
    }
    let mut r = see_other(&format!("/admin/login?lang={}", lang.code()));
    let _ = r.add_cookie(&session_cookie(&state, "", true));
    Ok(r)
}
