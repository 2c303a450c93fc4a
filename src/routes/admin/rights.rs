//! The admin's side of readers' rights (SPEC section 14): the reported comments with
//! their reasons, dismissing reports, and a commenter's data (download, erase) for a
//! moderator who acts on a reader's request by mail.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::queue::with_flag;
use super::{action_label, admin_lang, flag, forged, says, status_label};
use crate::app::{AppState, Db};
use crate::auth::Session;
use crate::comments::rfc3339;
use crate::db::{now, queries};
use crate::domain::Action;
use crate::error::ApiError;
use crate::i18n::{AdminWords, Lang, RightsWords};
use crate::moderation::{actions as admin, AdminError};
use crate::rights::TheirComment;
use crate::routes::html::{human_date, render, see_other, thread_href, Look, OnPage, PageError};
use crate::routes::my_data::{download_of, their_comments};

pub struct ReportLine {
    reason: &'static str,
    detail: Option<String>,
    date: String,
    iso: String,
}

pub struct Reported {
    id: i64,
    author: String,
    email: String,
    date: String,
    iso: String,
    status_label: &'static str,
    site: Option<String>,
    title: String,
    thread_href: String,
    body: String,
    reports: Vec<ReportLine>,
    actions: Vec<(Action, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ReportsPage {
    lang: Lang,
    w: &'static AdminWords,
    r: &'static RightsWords,
    session_name: String,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    items: Vec<Reported>,
}

/// `GET /admin/reports`: the comments with open reports, most reported first.
pub async fn reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let (w, r) = (AdminWords::of(lang), RightsWords::of(lang));
    // `?site=`: one site of those the moderator sees (the queue's filter, kept).
    let asked = crate::routes::site_param(&req)
        .filter(|s| state.config.sites.get(s).is_some() && session.sites.allows(s));
    let scope = asked
        .map(|s| vec![s])
        .or_else(|| session.sites.limited_to().map(<[String]>::to_vec));
    let rows = state
        .db(move |conn, _| -> Result<_, ApiError> {
            let mut out = Vec::new();
            for (id, reports) in queries::reports::reported_comments(conn, scope.as_deref(), 200)? {
                let Some(c) = queries::comments::find(conn, id)? else {
                    continue;
                };
                let Some(t) = queries::threads::find(conn, c.thread_id)? else {
                    continue;
                };
                out.push((c, t, reports));
            }
            Ok(out)
        })
        .await
        .on_page(Look::Admin, lang)?;
    let several = state.config.sites.len() > 1;
    let items = rows
        .into_iter()
        .map(|(c, t, reports)| Reported {
            id: c.id,
            title: super::queue::title_for_moderators(w, &t, &c),
            thread_href: thread_href(&t.site, &t.page, lang),
            site: several.then(|| {
                state
                    .config
                    .sites
                    .get(&t.site)
                    .map_or_else(|| t.site.clone(), |s| s.name.clone())
            }),
            actions: Action::ALL
                .into_iter()
                .filter(|a| a.applies_to(c.status))
                .map(|a| (a, action_label(w, a)))
                .collect(),
            author: c.author,
            email: c.email,
            date: human_date(c.created_at),
            iso: rfc3339(c.created_at),
            status_label: status_label(w, c.status),
            body: c.body_html,
            reports: reports
                .into_iter()
                .map(|rep| ReportLine {
                    reason: r.reason_name(&rep.reason),
                    detail: rep.detail,
                    date: human_date(rep.created_at),
                    iso: rfc3339(rep.created_at),
                })
                .collect(),
        })
        .collect();
    Ok(render(
        Look::Admin,
        lang,
        StatusCode::OK,
        &ReportsPage {
            lang,
            w,
            r,
            session_name: session.name,
            csrf: session.csrf,
            notice: flag(&req, "done").then_some(w.done),
            error: flag(&req, "forged").then_some(w.forged),
            items,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DismissForm {
    csrf: String,
    lang: Option<String>,
    id: Option<String>,
}

/// `POST /admin/reports/dismiss`
pub async fn dismiss(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<DismissForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, form.lang.as_deref());
    let back = format!("/admin/reports?lang={}", lang.code());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let Some(id) = form.id.as_deref().and_then(|i| i.parse::<i64>().ok()) else {
        return Ok(see_other(&back));
    };
    let scope = session.sites.clone();
    let who = session.name.clone();
    let done = state
        .write(move |tx, st| admin::dismiss_reports_within(tx, &st.config, &scope, id, now()))
        .await;
    match done {
        Ok(_) => {
            tracing::info!(comment = id, moderator = %who, "reports dismissed");
            Ok(see_other(&with_flag(&back, "done")))
        }
        Err(ApiError::NotFound(_)) => Err(says(
            StatusCode::NOT_FOUND,
            lang,
            AdminWords::of(lang).not_found,
        )),
        Err(e) => Err(PageError::from_api(Look::Admin, lang, e)),
    }
}

#[derive(Template)]
#[template(path = "admin/data.html")]
struct DataPage {
    lang: Lang,
    w: &'static AdminWords,
    r: &'static RightsWords,
    session_name: String,
    csrf: String,
    notice: Option<String>,
    error: Option<&'static str>,
    sites: Vec<(String, String)>,
    site: String,
    email: String,
    email_enc: String,
    comments: Option<Vec<TheirComment>>,
}

/// The site asked for, if the moderator may see it; else the first they may.
fn chosen_site(state: &AppState, session: &Session, asked: Option<&str>) -> Option<String> {
    let visible = |id: &str| session.sites.allows(id) && state.config.sites.get(id).is_some();
    asked.filter(|s| visible(s)).map(str::to_owned).or_else(|| {
        state
            .config
            .sites
            .iter()
            .find(|s| session.sites.allows(s.id.as_str()))
            .map(|s| s.id.to_string())
    })
}

/// `GET /admin/data?email=E&site=S`
pub async fn data(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let (w, r) = (AdminWords::of(lang), RightsWords::of(lang));
    let q = crate::routes::query_map(&req);
    let site = chosen_site(&state, &session, q.get("site").map(String::as_str));
    let email = q
        .get("email")
        .map(|e| e.trim().to_lowercase())
        .unwrap_or_default();
    let comments = match (&site, email.is_empty()) {
        (Some(s), false) => Some(their_comments(&state, s, &email, Look::Admin, lang).await?),
        _ => None,
    };
    let notice = q
        .get("erased")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| format!("{}{}{n}", r.erased_admin, w.colon));
    let sites = state
        .config
        .sites
        .iter()
        .filter(|s| session.sites.allows(s.id.as_str()))
        .map(|s| (s.id.to_string(), s.name.clone()))
        .collect();
    Ok(render(
        Look::Admin,
        lang,
        StatusCode::OK,
        &DataPage {
            lang,
            w,
            r,
            session_name: session.name,
            csrf: session.csrf,
            notice,
            error: flag(&req, "forged").then_some(w.forged),
            sites,
            site: site.unwrap_or_default(),
            email_enc: url::form_urlencoded::byte_serialize(email.as_bytes()).collect(),
            email,
            comments,
        },
    ))
}

/// `GET /admin/data/download?email=E&site=S`: the reader's download, as their link
/// gives it.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let q = crate::routes::query_map(&req);
    let Some(site) = chosen_site(&state, &session, q.get("site").map(String::as_str)) else {
        return Err(says(
            StatusCode::NOT_FOUND,
            lang,
            AdminWords::of(lang).not_found,
        ));
    };
    let email = q
        .get("email")
        .map(|e| e.trim().to_lowercase())
        .unwrap_or_default();
    download_of(&state, &site, &email, Look::Admin, lang).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EraseForm {
    csrf: String,
    lang: Option<String>,
    site: Option<String>,
    email: Option<String>,
}

/// `POST /admin/data/erase`
pub async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<EraseForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, form.lang.as_deref());
    let email = form
        .email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .unwrap_or_default();
    let enc: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    let back = format!("/admin/data?lang={}&email={enc}", lang.code());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let Some(site) = chosen_site(&state, &session, form.site.as_deref())
        .filter(|s| form.site.as_deref() == Some(s.as_str()))
    else {
        return Err(says(
            StatusCode::NOT_FOUND,
            lang,
            AdminWords::of(lang).not_found,
        ));
    };
    if email.is_empty() {
        return Ok(see_other(&back));
    }
    let who = session.name.clone();
    let s = site.clone();
    let erased = state
        .write(move |tx, _| crate::rights::erase(tx, &s, &email, now()).map_err(AdminError::from))
        .await
        .on_page(Look::Admin, lang)?;
    tracing::info!(site = %site, moderator = %who, removed = erased.removed, emptied = erased.emptied, "a commenter's data erased by a moderator");
    Ok(see_other(&format!(
        "{back}&site={site}&erased={}",
        erased.removed + erased.emptied
    )))
}
