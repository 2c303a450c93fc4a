//! Readers' rights in the API (SPEC section 14): reporting a comment, and asking for
//! one's data by email.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::app::{AppState, Db};
use crate::db::now;
use crate::domain::{AuthorEmail, FieldErrors};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Msg;
use crate::reports::{ReportError, ReportInput, DETAIL_MAX, REASONS};
use crate::rights::RequestError;
use crate::routes::{check_origin, origin_site, request_lang, request_site, truncated_ip};

use super::text_field;

/// What `POST /api/v1/comments/{id}/report` reads.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportRequest {
    /// Why the comment should not be there.
    #[schema(example = "abuse")]
    reason: ReportReason,
    /// What the moderators should know; at most 1,000 bytes.
    detail: Option<String>,
    /// The reporter's address, to be told the decision (then forgotten). Never
    /// shown to anyone, the reported author included.
    #[schema(format = Email)]
    email: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "lowercase")]
enum ReportReason {
    Spam,
    Abuse,
    Illegal,
    Other,
}

/// A report or a request, received.
#[derive(Serialize, ToSchema)]
pub struct Received {
    /// Always `received`.
    #[schema(example = "received")]
    status: &'static str,
    /// What to tell the reader, in their language.
    message: String,
}

/// The report's fields, each wrong one said.
pub fn parse_report(obj: &Map<String, Value>) -> Result<ReportInput, FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = text_field(obj, "reason", &mut errors);
    let detail = text_field(obj, "detail", &mut errors);
    let email = text_field(obj, "email", &mut errors);
    let reason = match reason.as_deref().map(str::trim) {
        None | Some("") => {
            errors.entry("reason").or_insert(Msg::Required);
            None
        }
        Some(r) => match REASONS.iter().find(|k| **k == r) {
            Some(k) => Some(*k),
            None => {
                errors.insert("reason", Msg::InvalidReason);
                None
            }
        },
    };
    let detail = detail
        .map(|d| crate::domain::strip_controls(d.trim()))
        .filter(|d| !d.is_empty());
    if detail.as_ref().is_some_and(|d| d.len() > DETAIL_MAX) {
        errors.insert("detail", Msg::TooLong { max: DETAIL_MAX });
    }
    let email = match email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(e) => match AuthorEmail::parse(e) {
            Ok(e) => Some(e),
            Err(m) => {
                errors.insert("email", m);
                None
            }
        },
    };
    match reason {
        Some(reason) if errors.is_empty() => Ok(ReportInput {
            reason,
            detail,
            email,
        }),
        _ => Err(errors),
    }
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> ApiError {
        match e {
            ReportError::NotFound => ApiError::NotFound(Msg::UnknownComment),
            ReportError::Limited(l) => ApiError::TooMany {
                retry_after: l.retry_after,
                msg: l.msg,
            },
            ReportError::Db(e) => e.into(),
        }
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> ApiError {
        match e {
            RequestError::Limited(l) => ApiError::TooMany {
                retry_after: l.retry_after,
                msg: l.msg,
            },
            RequestError::Db(e) => e.into(),
        }
    }
}

/// `POST /api/v1/comments/{id}/report`
#[utoipa::path(
    operation_id = "reportComment",
    tag = "comments",
    params(("id" = i64, Path, minimum = 1, description = "The comment's id.")),
    request_body(content = ReportRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Received; a repeat from the same network is received too, and counted once.", body = Received),
        (status = 400, description = "`malformed_json`: the body is not a JSON object.", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`: sent from a page of no site.", body = ErrorBody),
        (status = 404, description = "`not_found`: no published comment has this id (or it is another site's).", body = ErrorBody),
        (status = 408, description = "`request_timeout`: the body came too slowly; the connection is closed.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over 128 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `reason` missing or unknown, `detail` too long, `email` not an address.", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: wait `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
        (status = 503, description = "`unavailable`, `storage_full`: try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[post("/comments/{id}/report")]
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let from_site = origin_site(&req, &state.config)?;
    let id = path
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound(Msg::UnknownComment))?;
    let input = parse_report(&body.into_inner()).map_err(ApiError::Invalid)?;
    let block = truncated_ip(&req);
    let outcome = state
        .write(move |tx, st| {
            crate::reports::report(
                tx,
                &st.config,
                from_site.as_deref(),
                id,
                block.as_deref(),
                &input,
                now(),
            )
        })
        .await?;
    tracing::info!(comment = id, outcome = ?outcome, "comment reported");
    Ok(HttpResponse::Accepted().json(Received {
        status: "received",
        message: Msg::ReportReceived.text(request_lang(&req)),
    }))
}

/// What `POST /api/v1/my-data` reads.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DataRequestBody {
    /// The address the reader commented with.
    #[schema(format = Email)]
    email: String,
    /// The site's id; default: the site whose origins hold `Origin`, else the first.
    site: Option<String>,
}

/// `POST /api/v1/my-data`
#[utoipa::path(
    operation_id = "requestMyData",
    tag = "readers",
    request_body(content = DataRequestBody, content_type = "application/json"),
    responses(
        (status = 202, description = "Received, whether or not the address commented: if it did, a link valid 24 hours is emailed to it.", body = Received),
        (status = 400, description = "`malformed_json`: the body is not a JSON object.", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`, `site_mismatch`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no site has this id.", body = ErrorBody),
        (status = 408, description = "`request_timeout`: the body came too slowly; the connection is closed.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over 128 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `email` missing or not an address.", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: too many requests for this address or network; wait `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
        (status = 503, description = "`unavailable`, `storage_full`: try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[post("/my-data")]
pub async fn my_data(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let obj = body.into_inner();
    let asked = obj.get("site").and_then(Value::as_str);
    let site = request_site(&req, &state.config, asked, false)?;
    check_origin(&req, &state.config, site)?;
    let mut errors = FieldErrors::new();
    let email = text_field(&obj, "email", &mut errors).unwrap_or_default();
    let email = match AuthorEmail::parse(&email) {
        Ok(e) if errors.is_empty() => e,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(m) => {
            errors.entry("email").or_insert(m);
            return Err(ApiError::Invalid(errors));
        }
    };
    crate::routes::my_data::send_link(&state, &req, site, email).await?;
    Ok(HttpResponse::Accepted().json(Received {
        status: "received",
        message: Msg::DataRequested.text(request_lang(&req)),
    }))
}
