use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::abuse::FormToken;
use crate::app::{AppState, Db};
use crate::cache::{Key, Rendered};
use crate::comments::{self as service, rfc3339, PublicComment};
use crate::db::{now, queries};
use crate::domain::{CommentBody, FieldErrors, PageKey, ThreadKey};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Msg;
use crate::routes::{
    check_origin, if_none_match, origin_site, request_site, site_param, truncated_ip,
};

use super::{parse_comment, text_field};

const MAX_LIMIT: i64 = 500;

/// A thread's approved comments, oldest first, one page of them.
#[derive(Serialize, ToSchema)]
pub struct ThreadPage {
    site: String,
    /// The page's key: its URL path, normalized (`/a/` is `/a`).
    page: String,
    /// `null` until a comment of the thread is published.
    #[schema(required = true)]
    title: Option<String>,
    /// Whether new comments are taken.
    open: bool,
    /// Approved comments in the whole thread.
    count: i64,
    /// Oldest first; among them, where a comment's author erased their data and
    /// replies hang under it, its placeholder.
    comments: Vec<Listed>,
    /// Whether more comments follow this page of them.
    more: bool,
    /// Pass as `cursor` to get the next page; `null` on the last.
    #[schema(required = true)]
    cursor: Option<String>,
}

/// An entry of a thread's list: a comment, or the placeholder of an erased one that
/// replies answer.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Listed {
    Comment(PublicComment),
    Erased(Placeholder),
}

/// Where a comment was whose author erased their data: its replies hang under it.
/// Not counted in `count`.
#[derive(Serialize, ToSchema)]
pub struct Placeholder {
    #[schema(minimum = 1)]
    id: i64,
    #[schema(required = true, minimum = 1)]
    parent: Option<i64>,
    /// Always `true`.
    deleted: bool,
}

/// The query of `GET /api/v1/comments`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read from the query string by hand, every wrong one at once
struct ListParams {
    /// The page's URL path, without query string or fragment (a full URL stands
    /// for its path).
    #[param(example = "/2024/hello", pattern = r"^\s*(/|https?://)")]
    page: String,
    /// Comments per answer (default: `page_size` of `GET /api/v1/config`).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `cursor` of the previous answer, for the next page.
    cursor: Option<String>,
}

/// `GET /api/v1/comments?[site=S&]page=P[&limit=N][&cursor=C]`
#[utoipa::path(
    operation_id = "listComments",
    tag = "comments",
    params(super::SiteParam, ListParams),
    responses(
        (status = 200, description = "The thread, an empty one for a page without comments.", body = ThreadPage,
            headers(("ETag" = String, description = "Send it back in `If-None-Match`."))),
        (status = 304, description = "Nothing changed since the `ETag` sent in `If-None-Match`.",
            headers(("ETag" = String))),
        (status = 403, description = "`site_mismatch`: the request's `Origin` belongs to another site than `site`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no site has this id.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `page` missing or not a path, `limit` or `cursor` out of range.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[get("/comments")]
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
    // Browsers ask for gzip: a fifth of the bytes, sent and held per connection.
    let gzip = crate::routes::accepts_gzip(&req);
    let etag = if gzip {
        rendered.gzip_etag()
    } else {
        rendered.etag.clone()
    };
    // Readers' browsers ask again each time, and get 304 while nothing changed.
    let unchanged = if_none_match(&req, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if unchanged {
        return Ok(response.finish());
    }
    response.content_type("application/json");
    if gzip {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        return Ok(response.body(rendered.gzipped()));
    }
    Ok(response.body(rendered.body.clone()))
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
    // Those of this page's range of ids; on the last page, every later one.
    let upto = if more {
        rows.last().map(|c| c.id)
    } else {
        None
    };
    let placeholders = queries::comments::placeholders(conn, thread.id, after, upto)?;
    let rules = &st.config.sites.of_thread(&thread.site).settings;
    let open = service::thread_open(&thread, rules, now());
    // An open thread that closes by itself changes at that time without a write.
    let valid_until = service::closes_at(&thread, rules)
        .filter(|_| open)
        .unwrap_or(i64::MAX);
    let title = thread.public_title().map(str::to_owned);
    let body = ThreadPage {
        site: thread.site,
        page: thread.page,
        title,
        open,
        count,
        cursor: if more {
            rows.last().map(|c| c.id.to_string())
        } else {
            None
        },
        comments: listed(&rows, placeholders, st),
        more,
    };
    Ok(Rendered::new(
        serde_json::to_vec(&body).map_err(ApiError::internal)?,
        valid_until,
    ))
}

/// The page's comments and placeholders, by id.
fn listed(
    rows: &[crate::db::models::Comment],
    placeholders: Vec<(i64, Option<i64>)>,
    st: &AppState,
) -> Vec<Listed> {
    let mut out: Vec<(i64, Listed)> = rows
        .iter()
        .map(|c| {
            let public = PublicComment::new(c, &st.secret, &st.config.server.public_url);
            (c.id, Listed::Comment(public))
        })
        .collect();
    out.extend(placeholders.into_iter().map(|(id, parent)| {
        let p = Placeholder {
            id,
            parent,
            deleted: true,
        };
        (id, Listed::Erased(p))
    }));
    out.sort_by_key(|(id, _)| *id);
    out.into_iter().map(|(_, l)| l).collect()
}

/// A comment as posted: `approved` (published) or `pending` (held for moderation).
#[derive(Serialize, ToSchema)]
pub struct Created {
    comment: PublicComment,
    status: crate::domain::Status,
    /// Secret: `Authorization: Bearer EDIT_TOKEN` edits or removes the comment
    /// until `editable_until`.
    edit_token: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    editable_until: String,
}

/// What `POST /api/v1/comments` reads. The handler reads these fields one by one
/// (`parse_comment`), so that every wrong field is reported at once.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewCommentRequest {
    /// The site's id; default: the site whose origins hold `Origin`, else the first.
    site: Option<String>,
    /// The page's URL path, without query string or fragment (a full URL stands
    /// for its path).
    #[schema(example = "/2024/hello", pattern = r"^\s*(/|https?://)")]
    page: String,
    /// The page's title, which the thread takes from its first published comment
    /// (a held comment's names nothing until it is approved).
    title: Option<String>,
    /// The id of the comment replied to.
    #[schema(minimum = 1)]
    parent: Option<i64>,
    /// Not blank; at most 245 bytes.
    #[schema(pattern = r"\S")]
    author: String,
    /// Private, never shown; at most 100 bytes.
    #[schema(format = Email, pattern = r"\S")]
    email: String,
    /// An absolute `http(s)` URL, at most 200 bytes.
    #[schema(format = "uri")]
    website: Option<String>,
    /// Not blank: text with the whitelist's HTML, at most 65,525 bytes.
    #[schema(pattern = r"\S")]
    body: String,
    /// Email the author when an approved reply appears.
    notify_replies: Option<bool>,
    /// The `form_token` of `GET /api/v1/config?page=…` for this page. Without one
    /// the comment is not timed (every other limit applies).
    form_token: Option<String>,
}

/// `POST /api/v1/comments`
#[utoipa::path(
    operation_id = "postComment",
    tag = "comments",
    request_body(content = NewCommentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Posted: published, or held for moderation.", body = Created),
        (status = 400, description = "`malformed_json`: the body is not a JSON object.", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`: `Origin` is none of the site's; `site_mismatch`: it is another site's; `thread_closed`; `token_expired`: the `form_token` is over 24 hours old, send again with the fresh `form_token` of this answer.", body = ErrorBody),
        (status = 404, description = "`not_found`: no site has this id, or no comment of the thread is `parent`.", body = ErrorBody),
        (status = 409, description = "`duplicate`: the same comment was just posted.", body = ErrorBody),
        (status = 408, description = "`request_timeout`: the body came too slowly (10 s, plus a second per KiB); the connection is closed.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over 128 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: every wrong field in `fields`.", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: wait `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
        (status = 503, description = "`unavailable`: the database is busy; `storage_full`: its disk is full, nothing was saved. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[post("/comments")]
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
    // One time for the token's age, a fresh token and the form's timing.
    let at = now();
    let token = FormToken::read(
        &state.secret,
        obj.get("form_token").and_then(Value::as_str),
        site.id.as_str(),
        &comment.page,
        at,
    );
    if token == FormToken::Expired {
        return Err(ApiError::FormExpired {
            form_token: crate::abuse::form_token(
                &state.secret,
                site.id.as_str(),
                &comment.page,
                at,
            ),
        });
    }
    comment.bot_signal = crate::abuse::bot_signal(
        &state.config.limits,
        obj.get(crate::abuse::HONEYPOT).and_then(Value::as_str),
        &token,
        at,
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

/// What `PUT /api/v1/comments/{id}` reads.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EditRequest {
    /// The new text, as `body` of a new comment.
    #[schema(pattern = r"\S")]
    body: String,
}

/// A comment as edited, and where it stands.
#[derive(Serialize, ToSchema)]
pub struct Edited {
    comment: PublicComment,
    status: crate::domain::Status,
}

/// `PUT /api/v1/comments/{id}` with `Authorization: Bearer TOKEN` and `{"body"}`.
#[utoipa::path(
    operation_id = "editComment",
    tag = "comments",
    params(("id" = i64, Path, minimum = 1, description = "The comment's id.")),
    request_body(content = EditRequest, content_type = "application/json"),
    security(("edit_token" = [])),
    responses(
        (status = 200, description = "Edited.", body = Edited),
        (status = 400, description = "`malformed_json`: the body is not a JSON object.", body = ErrorBody),
        (status = 403, description = "`token_missing`, `token_invalid`, `edit_window_closed`; `origin_not_allowed`, `site_mismatch`: sent from another site's page.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such comment.", body = ErrorBody),
        (status = 408, description = "`request_timeout`: the body came too slowly (10 s, plus a second per KiB); the connection is closed.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over 128 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `body` missing or wrong.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; `storage_full`: its disk is full, nothing was saved. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[put("/comments/{id}")]
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
    Ok(HttpResponse::Ok().json(Edited {
        comment: PublicComment::new(&updated, &state.secret, &state.config.server.public_url),
        status: updated.status,
    }))
}

/// `DELETE /api/v1/comments/{id}` with `Authorization: Bearer TOKEN`.
#[utoipa::path(
    operation_id = "deleteComment",
    tag = "comments",
    params(("id" = i64, Path, minimum = 1, description = "The comment's id.")),
    security(("edit_token" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "`token_missing`, `token_invalid`, `edit_window_closed`; `origin_not_allowed`, `site_mismatch`: sent from another site's page.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such comment.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; `storage_full`: its disk is full, nothing was saved. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[delete("/comments/{id}")]
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
