//! `/t/report?comment=ID`: reporting a comment without JavaScript (SPEC section 14).
//! `GET` shows the comment and the form; `POST /t/report` records the report and
//! says so, or shows the form again with each field's error and what was typed.
//! The form's token (signed for the comment's page) is its proof of origin, with
//! the `Origin` check.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::abuse::FormToken;
use crate::app::{AppState, Db};
use crate::db::models::{Comment, Thread};
use crate::db::{now, queries};
use crate::domain::{PageKey, Status};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg, RightsWords};
use crate::reports::REASONS;
use crate::routes::html::{
    human_date, reader_form, reader_page, render, thread_href, with_retry_after, Look, OnPage,
    PageError,
};
use crate::routes::{query_map, truncated_ip};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    lang: Lang,
    w: &'static RightsWords,
    site: String,
    comment: i64,
    author: String,
    date: String,
    iso: String,
    body: String,
    form_token: String,
    reasons: Vec<(&'static str, &'static str)>,
    reason: String,
    detail: String,
    email: String,
    reason_error: Option<String>,
    detail_error: Option<String>,
    email_error: Option<String>,
    notice: Option<String>,
    done: Option<String>,
    back: String,
}

/// The published comment `id` of `site`, with its thread.
async fn published(
    state: &web::Data<AppState>,
    site: &str,
    id: i64,
    lang: Lang,
) -> Result<Option<(Comment, Thread)>, PageError> {
    let site = site.to_owned();
    state
        .db(move |conn, _| -> Result<_, ApiError> {
            let Some(c) =
                queries::comments::find(conn, id)?.filter(|c| c.status == Status::Approved)
            else {
                return Ok(None);
            };
            let t = queries::threads::find(conn, c.thread_id)?.filter(|t| t.site == site);
            Ok(t.map(|t| (c, t)))
        })
        .await
        .on_page(Look::Reader, lang)
}

fn view(state: &AppState, lang: Lang, c: &Comment, t: &Thread) -> ReportPage {
    let w = RightsWords::of(lang);
    let page = PageKey::parse(&t.page).ok();
    ReportPage {
        lang,
        w,
        site: t.site.clone(),
        comment: c.id,
        author: c.author.clone(),
        date: human_date(c.created_at),
        iso: crate::comments::rfc3339(c.created_at),
        body: c.body_html.clone(),
        form_token: page
            .map(|p| crate::abuse::form_token(&state.secret, &t.site, &p, now()))
            .unwrap_or_default(),
        reasons: REASONS.iter().map(|r| (*r, w.reason_name(r))).collect(),
        reason: String::new(),
        detail: String::new(),
        email: String::new(),
        reason_error: None,
        detail_error: None,
        email_error: None,
        notice: None,
        done: None,
        back: format!("{}#causerie-c{}", thread_href(&t.site, &t.page, lang), c.id),
    }
}

fn not_found(lang: Lang) -> PageError {
    PageError::says(
        Look::Reader,
        lang,
        StatusCode::NOT_FOUND,
        Msg::UnknownComment.text(lang),
    )
}

/// `GET /t/report?site=S&comment=ID`
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let q = query_map(&req);
    let (site, lang) = reader_page(
        &req,
        &state.config,
        q.get("site").map(String::as_str),
        q.get("lang").map(String::as_str),
    )?;
    let id = q.get("comment").and_then(|c| c.parse::<i64>().ok());
    let Some(id) = id else {
        return Err(not_found(lang));
    };
    let Some((c, t)) = published(&state, site.id.as_str(), id, lang).await? else {
        return Err(not_found(lang));
    };
    Ok(render(
        Look::Reader,
        lang,
        StatusCode::OK,
        &view(&state, lang, &c, &t),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    site: Option<String>,
    comment: Option<String>,
    lang: Option<String>,
    form_token: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    email: Option<String>,
}

/// `POST /t/report` (form-encoded)
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (site, lang) = reader_form(
        &req,
        &state.config,
        form.site.as_deref(),
        form.lang.as_deref(),
    )?;
    let Some(id) = form.comment.as_deref().and_then(|c| c.parse::<i64>().ok()) else {
        return Err(not_found(lang));
    };
    let Some((c, t)) = published(&state, site.id.as_str(), id, lang).await? else {
        return Err(not_found(lang));
    };
    let mut page = view(&state, lang, &c, &t);
    page.reason = form.reason.clone().unwrap_or_default();
    page.detail = form.detail.clone().unwrap_or_default();
    page.email = form.email.clone().unwrap_or_default();
    let token_ok = PageKey::parse(&t.page).is_ok_and(|p| {
        matches!(
            FormToken::read(
                &state.secret,
                form.form_token.as_deref(),
                &t.site,
                &p,
                now()
            ),
            FormToken::Issued(_)
        )
    });
    if !token_ok {
        page.notice = Some(Msg::FormExpired.text(lang));
        return Ok(render(
            Look::Reader,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        ));
    }
    let mut obj = serde_json::Map::new();
    for (k, v) in [
        ("reason", &form.reason),
        ("detail", &form.detail),
        ("email", &form.email),
    ] {
        if let Some(v) = v {
            obj.insert(k.into(), serde_json::Value::String(v.clone()));
        }
    }
    let input = match super::api::rights::parse_report(&obj) {
        Ok(i) => i,
        Err(errors) => {
            let say = |k: &str| errors.get(k).map(|m| m.text(lang));
            page.reason_error = say("reason");
            page.detail_error = say("detail");
            page.email_error = say("email");
            page.notice = Some(Msg::CheckFields.text(lang));
            return Ok(render(
                Look::Reader,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            ));
        }
    };
    let block = truncated_ip(&req);
    let site_id = site.id.to_string();
    let done = state
        .write(move |tx, st| {
            crate::reports::report(
                tx,
                &st.config,
                Some(&site_id),
                id,
                block.as_deref(),
                &input,
                now(),
            )
            .map_err(ApiError::from)
        })
        .await;
    match done {
        Ok(_) => {
            page.done = Some(Msg::ReportReceived.text(lang));
            Ok(render(Look::Reader, lang, StatusCode::OK, &page))
        }
        Err(ApiError::TooMany { retry_after, msg }) => {
            page.notice = Some(msg.text(lang));
            let r = render(Look::Reader, lang, StatusCode::TOO_MANY_REQUESTS, &page);
            Ok(with_retry_after(r, retry_after))
        }
        Err(ApiError::NotFound(_)) => Err(not_found(lang)),
        Err(e) => Err(PageError::from_api(Look::Reader, lang, e)),
    }
}
