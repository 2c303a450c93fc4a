//! The public JSON API under `/api/v1` (SPEC section 5).

//!
//! Every route is a handler with `#[utoipa::path]`, registered through
//! `utoipa_actix_web` in [`scope`]: it is in `GET /api/v1/openapi.json`
//! ([`openapi`]) by construction, and `tests/api/openapi.rs` holds the real answers
//! against it.

pub mod comments;
pub mod config;
pub mod counts;
pub mod openapi;
pub mod rights;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{HttpServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{Map, Value};
use utoipa_actix_web::OpenApiFactory;

use crate::comments::{AuthorActionError, PostError};
use crate::domain::{CommentInput, FieldErrors, NewComment};
use crate::error::ApiError;
use crate::i18n::Msg;

use super::request_lang;

/// 128 KiB, SPEC section 9.
pub const MAX_BODY: usize = 128 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(scope());
}

/// The API: its routes, each one documented (`service` takes only handlers with
/// `#[utoipa::path]`), and what they share.
pub fn scope() -> impl HttpServiceFactory + OpenApiFactory + 'static {
    utoipa_actix_web::scope("/api/v1")
        .wrap(from_fn(in_reader_lang))
        .app_data(json_config())
        .service(comments::list)
        .service(comments::create)
        .service(comments::edit)
        .service(comments::delete)
        .service(rights::report)
        .service(rights::my_data)
        .service(counts::counts)
        .service(config::config)
        .service(openapi::openapi_json)
        .default_service(web::to(not_found))
}

/// `?site=`, which every route of the API that reads a site takes (SPEC section 10).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read from the query string by `routes::site_param`
pub struct SiteParam {
    /// The site's id; without it, the site whose origins hold the request's
    /// `Origin`, else the first site.
    #[param(example = "default")]
    site: Option<String>,
}

/// No route answers: a documented path with another method is `405` with `Allow`
/// (as actix answers for a resource that has no route for the method), anything
/// else SPEC's `404`.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    match openapi::description().methods_at(req.path()) {
        Some(methods) => Ok(HttpResponse::MethodNotAllowed()
            .insert_header(header::Allow(methods))
            .finish()),
        None => Err(ApiError::NotFound(Msg::NotFound)),
    }
}

/// Says an [`ApiError`] again in the reader's language (`Accept-Language`, else the
/// site's): it became a response where no request was at hand. Status, headers and
/// the error itself (which the request's span records) stay.
async fn in_reader_lang(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let lang = request_lang(res.request());
    let Some(body) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.json_body(lang))
    else {
        return Ok(res.map_into_boxed_body());
    };
    Ok(res.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_LANGUAGE,
            header::HeaderValue::from_static(lang.code()),
        );
        BoxBody::new(body)
    }))
}

/// Malformed JSON, a wrong content type and an oversized body each get SPEC's error
/// shape and a status that says which.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY)
        .error_handler(|err, _| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::TooLarge,
                JsonPayloadError::Payload(e) if super::connection::is_timeout(e) => {
                    ApiError::TooSlow
                }
                JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
                JsonPayloadError::Deserialize(e) => ApiError::BadRequest {
                    code: "malformed_json",
                    msg: Msg::MalformedJson {
                        detail: e.to_string(),
                    },
                },
                _ => ApiError::BadRequest {
                    code: "malformed_json",
                    msg: Msg::MalformedJson {
                        detail: "the body could not be read".into(),
                    },
                },
            };
            api.into()
        })
}

/// The API's request parser: a JSON object into a comment to post, with every
/// field's error at once. A field of the wrong type is reported as such, not as
/// missing. Public so that the fuzz target exercises the parser requests go through.
pub fn parse_comment(obj: &Map<String, Value>) -> Result<NewComment, FieldErrors> {
    let mut errors = FieldErrors::new();
    let input = CommentInput {
        page: text_field(obj, "page", &mut errors),
        title: text_field(obj, "title", &mut errors),
        parent: text_field(obj, "parent", &mut errors),
        author: text_field(obj, "author", &mut errors),
        email: text_field(obj, "email", &mut errors),
        website: text_field(obj, "website", &mut errors),
        body: text_field(obj, "body", &mut errors),
        notify_replies: bool_field(obj, "notify_replies", &mut errors),
    };
    match input.parse() {
        Ok(c) if errors.is_empty() => Ok(c),
        Ok(_) => Err(errors),
        Err(mut more) => {
            more.extend(errors);
            Err(more)
        }
    }
}

/// A JSON object's field as text: absent or `null` is `None`; numbers are accepted
/// (as for `parent`); any other type is that field's error.
pub fn text_field(
    obj: &Map<String, Value>,
    name: &'static str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match obj.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.insert(name, Msg::WrongType);
            None
        }
    }
}

pub fn bool_field(obj: &Map<String, Value>, name: &'static str, errors: &mut FieldErrors) -> bool {
    match obj.get(name) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if matches!(s.as_str(), "on" | "true" | "1") => true,
        Some(Value::String(s)) if matches!(s.as_str(), "" | "off" | "false" | "0") => false,
        Some(_) => {
            errors.insert(name, Msg::WrongType);
            false
        }
    }
}

impl From<PostError> for ApiError {
    fn from(e: PostError) -> ApiError {
        match e {
            PostError::ThreadClosed => ApiError::Forbidden {
                code: "thread_closed",
                msg: Msg::ThreadClosed,
            },
            PostError::UnknownParent => ApiError::NotFound(Msg::UnknownParent),
            PostError::Duplicate => ApiError::Conflict(Msg::Duplicate),
            PostError::Limited(l) => ApiError::TooMany {
                retry_after: l.retry_after,
                msg: l.msg,
            },
            PostError::Db(e) => e.into(),
        }
    }
}

impl From<crate::moderation::AdminError> for ApiError {
    fn from(e: crate::moderation::AdminError) -> ApiError {
        match e {
            crate::moderation::AdminError::NotFound => ApiError::NotFound(Msg::UnknownComment),
            crate::moderation::AdminError::Db(e) => e.into(),
        }
    }
}

impl From<AuthorActionError> for ApiError {
    fn from(e: AuthorActionError) -> ApiError {
        match e {
            AuthorActionError::NotFound => ApiError::NotFound(Msg::UnknownComment),
            AuthorActionError::WrongToken => ApiError::Forbidden {
                code: "token_invalid",
                msg: Msg::TokenWrong,
            },
            AuthorActionError::WindowClosed => ApiError::Forbidden {
                code: "edit_window_closed",
                msg: Msg::EditWindowClosed,
            },
            AuthorActionError::OtherSite => ApiError::Forbidden {
                code: "site_mismatch",
                msg: Msg::SiteMismatch,
            },
            AuthorActionError::Db(e) => e.into(),
        }
    }
}
