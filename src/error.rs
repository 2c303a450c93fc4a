//! The application error and the error policy.
//!
//! Queries return `QueryResult`; services return their own small enums; handlers turn
//! both into an [`ApiError`] with `?`. It is an actix `ResponseError`: SPEC's JSON
//! shape `{"error", "message", "fields"}`, said in the reader's language by the API's
//! middleware (`routes::api`). The server-rendered pages say the same error as HTML
//! through `routes::html::PageError`. A cause that is not the reader's fault (a
//! database error, a panic in a blocking task) is logged once, when it becomes a
//! response or a page, and answered with a generic message: no SQL, stack or path
//! ever reaches a client. An exhausted connection pool is a 503, so clients know to
//! retry.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::i18n::{Lang, Msg};

#[derive(Debug)]
pub enum ApiError {
    /// 422: the input was understood, and these fields are wrong.
    Invalid(FieldErrors),
    /// 400: the request itself is malformed.
    BadRequest { code: &'static str, msg: Msg },
    /// 404
    NotFound(Msg),
    /// 403
    Forbidden { code: &'static str, msg: Msg },
    /// 409
    Conflict(Msg),
    /// 403: the form token is too old; the answer carries a fresh one.
    FormExpired { form_token: String },
    /// 413
    TooLarge,
    /// 408: the body came too slowly (`routes::connection`).
    TooSlow,
    /// 429, with the seconds to wait.
    TooMany { retry_after: i64, msg: Msg },
    /// 415
    UnsupportedMediaType,
    /// 503: no database connection could be had in time.
    Unavailable,
    /// 503: the database has no room left to write (its disk is full).
    NoRoom,
    /// 500: logged, never shown.
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn internal(e: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(e.into())
    }

    /// An internal error whose cause is a database with no room to write becomes
    /// [`ApiError::NoRoom`], whichever service wrapped it.
    pub fn seen_through(self) -> ApiError {
        match self {
            ApiError::Internal(cause) if no_room_in(&cause) => ApiError::NoRoom,
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Forbidden { .. } | ApiError::FormExpired { .. } => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable | ApiError::NoRoom => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "invalid_input",
            ApiError::BadRequest { code, .. } | ApiError::Forbidden { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "duplicate",
            ApiError::TooLarge => "payload_too_large",
            ApiError::TooSlow => "request_timeout",
            ApiError::FormExpired { .. } => "token_expired",
            ApiError::TooMany { .. } => "too_many_requests",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Unavailable => "unavailable",
            ApiError::NoRoom => "storage_full",
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// What the reader is told (a page says it beside the form).
    pub fn message(&self) -> Msg {
        match self {
            ApiError::Invalid(_) => Msg::CheckFields,
            ApiError::BadRequest { msg, .. }
            | ApiError::Forbidden { msg, .. }
            | ApiError::NotFound(msg)
            | ApiError::Conflict(msg)
            | ApiError::TooMany { msg, .. } => msg.clone(),
            ApiError::TooLarge => Msg::BodyTooLarge,
            ApiError::TooSlow => Msg::BodyTooSlow,
            ApiError::FormExpired { .. } => Msg::FormExpired,
            ApiError::UnsupportedMediaType => Msg::WrongContentType,
            ApiError::Unavailable => Msg::Unavailable,
            ApiError::NoRoom => Msg::NoRoom,
            ApiError::Internal(_) => Msg::Internal,
        }
    }

    /// The message in `lang`, for pages that show errors as HTML. An internal cause
    /// is logged here, since it is not shown.
    pub fn text(&self, lang: Lang) -> String {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        self.message().text(lang)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        if crate::health::is_no_room_error(&e) {
            return ApiError::NoRoom;
        }
        ApiError::Internal(e.into())
    }
}

impl From<r2d2_error::PoolError> for ApiError {
    fn from(e: r2d2_error::PoolError) -> ApiError {
        // Said by `db::checkout`: once per outage, or per request when the pool is
        // exhausted.
        tracing::debug!(error = %e, "no database connection available");
        ApiError::Unavailable
    }
}

impl From<crate::db::writer::WriteError> for ApiError {
    fn from(e: crate::db::writer::WriteError) -> ApiError {
        use crate::db::writer::WriteError;
        match e {
            WriteError::Busy | WriteError::NoConnection(_) => {
                tracing::warn!(error = %e, "the writer cannot take this unit now");
                ApiError::Unavailable
            }
            WriteError::Commit(ref cause) if crate::health::is_no_room(cause) => ApiError::NoRoom,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

fn no_room_in(cause: &anyhow::Error) -> bool {
    cause.chain().any(|e| {
        e.downcast_ref::<diesel::result::Error>()
            .is_some_and(crate::health::is_no_room_error)
            || e.downcast_ref::<crate::db::writer::WriteError>()
                .is_some_and(|w| matches!(w, crate::db::writer::WriteError::Commit(c) if crate::health::is_no_room(c)))
    })
}

/// Re-exported under a name that says what it is: the pool's timeout error.
pub mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

/// Seconds a client is asked to wait after a `503`.
pub const UNAVAILABLE_RETRY_AFTER: &str = "5";
/// `Retry-After` of a 503 because the database's disk is full, in seconds.
pub const NO_ROOM_RETRY_AFTER: &str = "60";

/// SPEC's error shape, as every `/api/v1` route answers an error.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// What went wrong, for programs: `invalid_input`, `malformed_json`, `not_found`,
    /// `origin_not_allowed`, `site_mismatch`, `thread_closed`, `token_missing`,
    /// `token_invalid`, `token_expired`, `edit_window_closed`, `duplicate`,
    /// `payload_too_large`, `request_timeout`, `unsupported_media_type`,
    /// `too_many_requests`, `unavailable`, `storage_full`.
    #[schema(example = "invalid_input")]
    error: &'a str,
    /// The same for people, in the reader's language (`Content-Language`).
    message: String,
    /// With `invalid_input`: each wrong field and what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(required = false)]
    fields: BTreeMap<&'a str, String>,
    /// With `token_expired`: a fresh form token to send the comment again with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    form_token: Option<&'a str>,
}

impl ApiError {
    /// SPEC's JSON body in `lang`. Logs nothing: the cause was logged when the error
    /// first became a response.
    pub fn json_body(&self, lang: Lang) -> Vec<u8> {
        let fields = match self {
            ApiError::Invalid(fields) => fields.iter().map(|(k, m)| (*k, m.text(lang))).collect(),
            _ => BTreeMap::new(),
        };
        let body = ErrorBody {
            error: self.code(),
            message: self.message().text(lang),
            fields,
            form_token: match self {
                ApiError::FormExpired { form_token } => Some(form_token),
                _ => None,
            },
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message().text(Lang::En))
    }
}

/// The response has no request to read a language from, so it speaks the default
/// one; the API's middleware (`routes::api::in_reader_lang`) says it again in the
/// reader's.
impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let lang = Lang::default();
        let mut response = HttpResponse::build(self.status());
        response
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .insert_header((header::CONTENT_LANGUAGE, lang.code()));
        match self {
            ApiError::TooMany { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            // Busy for a moment (an import holds the database, the writer's queue
            // is full): the embed keeps the text and tries again.
            ApiError::Unavailable => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER));
            }
            // Space is freed by a person, not in a moment.
            ApiError::NoRoom => {
                response.insert_header((header::RETRY_AFTER, NO_ROOM_RETRY_AFTER));
            }
            _ => {}
        }
        response.body(self.json_body(lang))
    }
}
