use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::{AppState, Db};
use crate::cache::{Key, Rendered};
use crate::comments::{self as service, rfc3339, PublicComment};
use crate::db::{now, queries};
use crate::domain::{CommentBody, FieldErrors, PageKey, ThreadKey};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::routes::{
    check_origin, if_none_match, origin_site, request_site, site_param, truncated_ip,
};

use super::{parse_comment, text_field};

const MAX_LIMIT: i64 = 500;

#[derive(Serialize)]
struct ThreadPage {
    site: String,
    page: String,
    title: Option<String>,
    open: bool,
    count: i64,
    comments: Vec<PublicComment>,
    /// Whether more comments follow this page of them.
    more: bool,
    /// Pass as `cursor` to get the next page; `null` on the last.
    cursor: Option<String>,
}

/// `GET /api/v1/comments?[site=S&]page=P[&limit=N][&cursor=C]`
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let site = request_site(&req, &state.config, site_param(&req).as_deref(), false)?;
    let site_id = site.id.to_string();
    let mut errors = FieldErrors::new();
    let mut page = None;
    let mut limit = i64::from(state.config.server.page_size);
    let mut after = 0i64;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match k.as_ref() {
            "page" => match PageKey::parse(&v) {
                Ok(p) => page = Some(p),
                Err(m) => {
                    errors.insert("page", m);
                }
            },
            "limit" => match v.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => limit = n,
                _ => {
                    errors.insert("limit", Msg::InvalidLimit);
                }
            },
            "cursor" => match v.parse::<i64>() {
                Ok(n) if n >= 0 => after = n,
                _ => {
                    errors.insert("cursor", Msg::InvalidCursor);
                }
            },
            _ => {}
        }
    }
    if page.is_none() && !errors.contains_key("page") {
        errors.insert("page", Msg::Required);
    }
    let page = match page {
        Some(p) if errors.is_empty() => p,
        _ => return Err(ApiError::Invalid(errors)),
    };
    let key = Key {
        thread: ThreadKey::new(&site_id, page.as_str()),
        limit,
        after,
    };
    let rendered = match state.cache.get(&key, now()) {
        Some(hit) => hit,
        None => {
            let generation = state.cache.generation(&key.thread);
            let rendered = state
                .db(move |conn, st| read_thread(conn, st, &site_id, &page, limit, after))
                .await?;
            let rendered = std::sync::Arc::new(rendered);
            state.cache.fill(key, generation, rendered.clone());
            rendered
        }
    };
    // Readers' browsers ask again each time, and get 304 while nothing changed.
    let unchanged = if_none_match(&req, &rendered.etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, rendered.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response
        .content_type("application/json")
        .body(rendered.body.clone()))
}

/// One page of a thread, rendered: the thread, its approved comments after the
/// cursor, and their count.
fn read_thread(
    conn: &mut crate::db::DbConn,
    st: &AppState,
    site: &str,
    page: &PageKey,
    limit: i64,
    after: i64,
) -> Result<Rendered, ApiError> {
    let Some(thread) = queries::threads::find_by_page(conn, site, page.as_str())? else {
        let empty = ThreadPage {
            site: site.to_owned(),
            page: page.as_str().to_owned(),
            title: None,
            open: true,
            count: 0,
            comments: Vec::new(),
            more: false,
            cursor: None,
        };
        return Ok(Rendered::new(
            serde_json::to_vec(&empty).map_err(ApiError::internal)?,
            i64::MAX,
        ));
    };
    let mut rows = queries::comments::list_approved(conn, thread.id, after, limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let count = queries::comments::count_approved(conn, thread.id)?;
    let rules = &st.config.sites.of_thread(&thread.site).settings;
    let open = service::thread_open(&thread, rules, now());
    // An open thread that closes by itself changes at that time without a write.
    let valid_until = service::closes_at(&thread, rules)
        .filter(|_| open)
        .unwrap_or(i64::MAX);
    let body = ThreadPage {
        site: thread.site,
        page: thread.page,
        title: Some(thread.title),
        open,
        count,
        cursor: if more {
            rows.last().map(|c| c.id.to_string())
        } else {
            None
        },
        comments: rows
            .iter()
            .map(|c| PublicComment::new(c, &st.secret, &st.config.server.public_url))
            .collect(),
        more,
    };
    Ok(Rendered::new(
        serde_json::to_vec(&body).map_err(ApiError::internal)?,
        valid_until,
    ))
}

#[derive(Serialize)]
struct Created {
    comment: PublicComment,
    status: crate::domain::Status,
    edit_token: String,
    editable_until: String,
}

/// `POST /api/v1/comments`
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let obj = body.into_inner();
    let asked = obj.get("site").and_then(Value::as_str);
    let site = request_site(&req, &state.config, asked, false)?;
    check_origin(&req, &state.config, site)?;
    let site_id = site.id.clone();
    let mut comment = parse_comment(&obj).map_err(ApiError::Invalid)?;
    comment.bot_signal = crate::abuse::bot_signal(
        &state.config.limits,
        &state.secret,
        obj.get(crate::abuse::HONEYPOT).and_then(Value::as_str),
        obj.get("form_token").and_then(Value::as_str),
        now(),
    );
    let ip = truncated_ip(&req);
    let submission = service::Submission::new(comment);
    let posted = state
        .write(move |tx, st| {
            let site = st.config.sites.of_thread(site_id.as_str());
            service::post(tx, &st.config, site, &submission, ip.as_deref(), now())
                .inspect_err(|e| st.metrics.comment_refused(e))
        })
        .await?;
    // Committed: counted with the status it really got (spam too).
    state.metrics.comment_written(posted.comment.status);
    let status = posted.status;
    tracing::info!(comment = posted.comment.id, %status, "comment posted");
    Ok(HttpResponse::Created().json(Created {
        comment: PublicComment::new(
            &posted.comment,
            &state.secret,
            &state.config.server.public_url,
        ),
        status,
        edit_token: posted.edit_token,
        editable_until: rfc3339(posted.editable_until),
    }))
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Forbidden {
            code: "token_missing",
            msg: Msg::TokenMissing,
        })
}

fn comment_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound(Msg::UnknownComment))
}

/// `PUT /api/v1/comments/{id}` with `Authorization: Bearer TOKEN` and `{"body"}`.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let from_site = origin_site(&req, &state.config)?;
    let id = comment_id(&path)?;
    let token = bearer(&req)?;
    let obj = body.into_inner();
    let mut errors = FieldErrors::new();
    let raw = text_field(&obj, "body", &mut errors).unwrap_or_default();
    let body = match CommentBody::parse(&raw) {
        Ok(b) if errors.is_empty() => b,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(m) => {
            errors.entry("body").or_insert(m);
            return Err(ApiError::Invalid(errors));
        }
    };
    let body = crate::sanitize::SanitizedBody::new(body);
    let updated = state
        .write(move |tx, st| {
            service::edit(
                tx,
                &st.config,
                from_site.as_deref(),
                id,
                &token,
                &body,
                now(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "comment": PublicComment::new(&updated, &state.secret, &state.config.server.public_url),
        "status": updated.status,
    })))
}

/// `DELETE /api/v1/comments/{id}` with `Authorization: Bearer TOKEN`.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let from_site = origin_site(&req, &state.config)?;
    let id = comment_id(&path)?;
    let token = bearer(&req)?;
    state
        .write(move |tx, st| {
            service::remove(tx, &st.config, from_site.as_deref(), id, &token, now())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
