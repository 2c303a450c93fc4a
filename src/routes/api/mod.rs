//! The public JSON API under `/api/v1` (SPEC section 5).

pub mod comments;
pub mod config;
pub mod counts;

use actix_web::error::JsonPayloadError;
use actix_web::{web, HttpRequest};
use serde_json::{Map, Value};

use crate::comments::{AuthorActionError, PostError};
use crate::domain::FieldErrors;
use crate::error::ApiError;
use crate::i18n::Msg;

use super::request_lang;

/// 128 KiB, SPEC section 9.
pub const MAX_BODY: usize = 128 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(json_config())
            .route("/comments", web::get().to(comments::list))
            .route("/comments", web::post().to(comments::create))
            .route("/comments/{id}", web::put().to(comments::edit))
            .route("/comments/{id}", web::delete().to(comments::delete))
            .route("/counts", web::get().to(counts::counts))
            .route("/config", web::get().to(config::config))
            .default_service(web::to(not_found)),
    );
}

async fn not_found(
    req: HttpRequest,
) -> Result<actix_web::HttpResponse, crate::error::LocalizedError> {
    Err(ApiError::NotFound(Msg::NotFound).in_lang(request_lang(&req)))
}

/// Malformed JSON, a wrong content type and an oversized body each get SPEC's error
/// shape and a status that says which.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY)
        .error_handler(|err, req| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::TooLarge,
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
            api.in_lang(request_lang(req)).into()
        })
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
            AuthorActionError::Db(e) => e.into(),
        }
    }
}
