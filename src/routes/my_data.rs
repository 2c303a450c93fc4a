//! `/my-data`: a reader's comments and data (SPEC section 14), without JavaScript.
//!
//! - `GET /my-data?site=S` asks for the address; `POST /my-data` sends the link (the
//!   same answer whether or not the address commented).
//! - `GET /my-data/{token}` lists the comments of the link's address on its site;
//!   `GET /my-data/{token}/download` is their JSON; `POST /my-data/{token}` erases
//!   them. The signed token is the credential (as the unsubscribe links'); the POST
//!   is also checked to come from our own pages. Pages holding a token are never
//!   cached and send no `Referer`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::{AppState, Db};
use crate::config::{Config, Site};
use crate::db::now;
use crate::domain::{AuthorEmail, Status};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg, RightsWords};
use crate::rights::{self, Holder, TheirComment};
use crate::routes::html::{
    human_date, page_lang, reader_form, reader_page, render, with_retry_after, Look, OnPage,
    PageError,
};
use crate::routes::{origin_allowed, query_map, Senders};

pub struct CommentRow {
    pub page: String,
    pub title: Option<String>,
    pub date: String,
    pub iso: String,
    pub status: &'static str,
    pub text: String,
}

pub enum DataState {
    Ask {
        sent: Option<String>,
        email: String,
        error: Option<String>,
    },
    List {
        email: String,
        token: String,
        comments: Vec<CommentRow>,
        backups_note: Option<String>,
    },
    Erased,
    Invalid,
}

#[derive(Template)]
#[template(path = "my_data.html")]
struct DataPage {
    lang: Lang,
    w: &'static RightsWords,
    site: String,
    site_name: String,
    state: DataState,
}

fn page(status: StatusCode, lang: Lang, site: &Site, state: DataState) -> HttpResponse {
    let page = DataPage {
        lang,
        w: RightsWords::of(lang),
        site: site.id.to_string(),
        site_name: site.display_name(),
        state,
    };
    private(render(Look::Reader, lang, status, &page))
}

/// A page or file that holds a reader's token or data: kept by no cache, and its
/// address sent to no other site. (`same-origin`, not `no-referrer`: with the
/// latter, browsers send `Origin: null` on the page's own form, which the origin
/// check rightly refuses.)
fn private(mut r: HttpResponse) -> HttpResponse {
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    r
}

/// `GET /my-data?site=S`
pub async fn ask(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let q = query_map(&req);
    let (site, lang) = reader_page(
        &req,
        &state.config,
        q.get("site").map(String::as_str),
        q.get("lang").map(String::as_str),
    )?;
    Ok(page(
        StatusCode::OK,
        lang,
        site,
        DataState::Ask {
            sent: None,
            email: String::new(),
            error: None,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AskForm {
    site: Option<String>,
    email: Option<String>,
    lang: Option<String>,
}

/// `POST /my-data` (form-encoded)
pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<AskForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (site, lang) = reader_form(
        &req,
        &state.config,
        form.site.as_deref(),
        form.lang.as_deref(),
    )?;
    let typed = form.email.unwrap_or_default();
    let email = match AuthorEmail::parse(&typed) {
        Ok(e) => e,
        Err(m) => {
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                site,
                DataState::Ask {
                    sent: None,
                    email: typed,
                    error: Some(m.text(lang)),
                },
            ))
        }
    };
    let done = send_link(&state, &req, site, email).await;
    match done {
        Ok(()) => Ok(page(
            StatusCode::OK,
            lang,
            site,
            DataState::Ask {
                sent: Some(Msg::DataRequested.text(lang)),
                email: String::new(),
                error: None,
            },
        )),
        Err(ApiError::TooMany { retry_after, msg }) => {
            let r = page(
                StatusCode::TOO_MANY_REQUESTS,
                lang,
                site,
                DataState::Ask {
                    sent: None,
                    email: typed,
                    error: Some(msg.text(lang)),
                },
            );
            Ok(with_retry_after(r, retry_after))
        }
        Err(e) => Err(PageError::from_api(Look::Reader, lang, e)),
    }
}

/// Records a reader's request for their data on `site` from the client of `req`,
/// and mails the link if the address commented there (the API's request too).
pub async fn send_link(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    site: &Site,
    email: AuthorEmail,
) -> Result<(), ApiError> {
    let site_id = site.id.clone();
    let block = crate::routes::truncated_ip(req);
    state
        .write(move |tx, st| {
            let site = st.config.sites.of_thread(site_id.as_str());
            rights::request(
                tx,
                &st.config,
                &st.secret,
                site,
                &email,
                block.as_deref(),
                now(),
            )
        })
        .await
}

/// The link's holder and the site, if the link is valid.
async fn holder_of(
    state: &web::Data<AppState>,
    token: &str,
    lang: Lang,
) -> Result<Option<Holder>, PageError> {
    if !crate::routes::plausible_token(token) {
        return Ok(None);
    }
    let t = token.to_owned();
    state
        .db(move |conn, st| rights::holder(conn, &st.secret, &t, now()))
        .await
        .on_page(Look::Reader, lang)
}

fn invalid(config: &Config, lang: Lang) -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        lang,
        config.sites.first(),
        DataState::Invalid,
    )
}

/// How long backups keep what was erased, if the instance makes backups.
fn backups_note(config: &Config, w: &RightsWords) -> Option<String> {
    let b = &config.database.backups;
    b.dir.as_ref()?;
    let days = (b.every.as_secs() * u64::from(b.keep)).div_ceil(86_400);
    Some(w.backups_note.replace("{days}", &days.to_string()))
}

fn status_word(w: &RightsWords, s: Status) -> &'static str {
    match s {
        Status::Approved => w.published,
        Status::Pending => w.awaiting,
        Status::Spam => w.spam,
        Status::Deleted => w.deleted,
    }
}

/// `GET /my-data/{token}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let q = query_map(&req);
    let lang0 = crate::routes::request_lang(&req);
    let Some(holder) = holder_of(&state, &token, lang0).await? else {
        return Ok(invalid(&state.config, lang0));
    };
    let site = state.config.sites.of_thread(&holder.site);
    let lang = page_lang(&req, site, q.get("lang").map(String::as_str));
    let w = RightsWords::of(lang);
    let theirs = their_comments(&state, &holder.site, &holder.email, Look::Reader, lang).await?;
    let comments = theirs
        .into_iter()
        .map(|c: TheirComment| CommentRow {
            page: c.page,
            title: c.title,
            date: time_of(&c.created_at),
            iso: c.created_at,
            status: status_word(w, c.status),
            text: c.text,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        lang,
        site,
        DataState::List {
            email: holder.email,
            token,
            comments,
            backups_note: backups_note(&state.config, w),
        },
    ))
}

fn time_of(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| human_date(t.unix_timestamp()))
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// `GET /my-data/{token}/download`
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let lang = crate::routes::request_lang(&req);
    let Some(holder) = holder_of(&state, &token, lang).await? else {
        return Ok(invalid(&state.config, lang));
    };
    download_of(&state, &holder.site, &holder.email, Look::Reader, lang).await
}

/// Every comment of `email` on `site`, for its owner's page or a moderator's.
pub async fn their_comments(
    state: &web::Data<AppState>,
    site: &str,
    email: &str,
    look: Look,
    lang: Lang,
) -> Result<Vec<TheirComment>, PageError> {
    let (s, e) = (site.to_owned(), email.to_owned());
    state
        .db(move |conn, _| rights::their_comments(conn, &s, &e))
        .await
        .on_page(look, lang)
}

/// The download of every comment of `email` on `site`: what its owner's link gives,
/// and a moderator's copy of it.
pub async fn download_of(
    state: &web::Data<AppState>,
    site: &str,
    email: &str,
    look: Look,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let comments = their_comments(state, site, email, look, lang).await?;
    let data = rights::TheirData {
        site: site.to_owned(),
        email: email.to_owned(),
        exported_at: crate::comments::rfc3339(now()),
        comments,
    };
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| PageError::from_api(look, lang, ApiError::internal(e)))?;
    Ok(private(
        HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"causerie-{site}-comments.json\""),
            ))
            .body(body),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EraseForm {
    lang: Option<String>,
}

/// `POST /my-data/{token}`: erases.
pub async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EraseForm>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let lang0 = form
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| crate::routes::request_lang(&req));
    // The page that holds the button is ours; no other page may press it.
    if !origin_allowed(&req, &state.config, Senders::OwnPages) {
        return Err(PageError::from_api(
            Look::Reader,
            lang0,
            ApiError::Forbidden {
                code: "origin_not_allowed",
                msg: Msg::OriginNotAllowed,
            },
        ));
    }
    if !crate::routes::plausible_token(&token) {
        return Ok(invalid(&state.config, lang0));
    }
    let done = state
        .write(move |tx, st| rights::erase_by_link(tx, &st.secret, &token, now()))
        .await
        .on_page(Look::Reader, lang0)?;
    let Some((holder, erased)) = done else {
        return Ok(invalid(&state.config, lang0));
    };
    tracing::info!(
        site = %holder.site,
        removed = erased.removed,
        emptied = erased.emptied,
        "a reader erased their comments and data"
    );
    let site = state.config.sites.of_thread(&holder.site);
    Ok(page(StatusCode::OK, lang0, site, DataState::Erased))
}
