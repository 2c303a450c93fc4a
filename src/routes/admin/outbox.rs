//! `/admin/outbox`: what the notification worker has sent, is trying to send, and
//! gave up on, with the last error; a waiting or failed message can be retried now.
//! A draft (decided, not yet written by the worker: a matter of moments, or of a
//! restart) is shown among the queued, with no subject yet.
//!
//! A moderator limited to some sites sees, and retries, only the messages about
//! comments of those sites.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin_lang, flag, forged, lenient};
use crate::app::{AppState, Db};
use crate::auth::Session;
use crate::db::now;
use crate::db::queries::outbox::{self as q, OutboxMessage, OutboxStatus};
use crate::error::ApiError;
use crate::i18n::{AdminWords, Lang};
use crate::routes::html::{human_date, render, see_other, Look, OnPage, PageError};

const SHOWN: i64 = 100;

pub struct Row {
    id: i64,
    kind: &'static str,
    recipient: String,
    subject: String,
    /// The message as sent, so that its links can be followed from here (without
    /// SMTP there is no other way to read them).
    body: String,
    status: &'static str,
    status_label: &'static str,
    attempts: i32,
    last_error: Option<String>,
    next_attempt: Option<String>,
    written: String,
    retryable: bool,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    lang: Lang,
    w: &'static AdminWords,
    session_name: String,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    logs_only: bool,
    counts: Vec<(&'static str, i64)>,
    rows: Vec<Row>,
}

fn label(w: &AdminWords, status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Sent => w.sent,
        OutboxStatus::Failed => w.failed,
        OutboxStatus::Draft | OutboxStatus::Queued => w.queued,
        OutboxStatus::Withdrawn => w.withdrawn,
    }
}

fn row(w: &AdminWords, m: OutboxMessage) -> Row {
    let waiting = OutboxStatus::WAITING.contains(&m.status);
    Row {
        retryable: !matches!(m.status, OutboxStatus::Sent | OutboxStatus::Withdrawn),
        next_attempt: waiting.then(|| human_date(m.next_attempt_at)),
        status_label: label(w, m.status),
        id: m.id,
        kind: m.kind.as_str(),
        recipient: m.recipient,
        // A draft has no subject yet; an ellipsis says it is coming.
        subject: if m.status == OutboxStatus::Draft {
            "…".into()
        } else {
            m.subject
        },
        body: m.body_text,
        status: m.status.as_str(),
        attempts: m.attempts,
        last_error: m.last_error,
        written: human_date(m.created_at),
    }
}

/// `GET /admin/outbox`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let w = AdminWords::of(lang);
    let scope = session.sites.limited_to().map(<[String]>::to_vec);
    let (counts, latest) = state
        .db(move |conn, _| -> Result<_, ApiError> {
            let scope = scope.as_deref();
            Ok((q::counts(conn, scope)?, q::latest(conn, scope, SHOWN)?))
        })
        .await
        .on_page(Look::Admin, lang)?;
    let count = |wanted: &[OutboxStatus]| -> i64 {
        counts
            .iter()
            .filter(|(status, _)| wanted.contains(status))
            .map(|(_, n)| *n)
            .sum()
    };
    Ok(render(
        Look::Admin,
        lang,
        StatusCode::OK,
        &OutboxPage {
            lang,
            w,
            session_name: session.name,
            csrf: session.csrf,
            notice: flag(&req, "done").then_some(w.done),
            error: flag(&req, "forged").then_some(w.forged),
            logs_only: state.config.mail.smtp_url.is_none(),
            counts: vec![
                (w.queued, count(&OutboxStatus::WAITING)),
                (w.sent, count(&[OutboxStatus::Sent])),
                (w.failed, count(&[OutboxStatus::Failed])),
                (w.withdrawn, count(&[OutboxStatus::Withdrawn])),
            ],
            rows: latest.into_iter().map(|m| row(w, m)).collect(),
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetryForm {
    csrf: String,
    lang: Option<String>,
    #[serde(deserialize_with = "lenient")]
    id: Option<i64>,
}

/// `POST /admin/outbox/retry`: `id` is due now (queued again if it had failed).
pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, form.lang.as_deref());
    let back = format!("/admin/outbox?lang={}", lang.code());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&format!("{back}&forged=1")));
    }
    let Some(id) = form.id else {
        return Ok(see_other(&back));
    };
    let scope = session.sites.limited_to().map(<[String]>::to_vec);
    state
        .write(move |tx, _| -> Result<usize, ApiError> {
            // Another site's message is as one that does not exist: nothing to do.
            if !q::is_visible(tx, scope.as_deref(), id)? {
                return Ok(0);
            }
            Ok(q::retry_now(tx, id, now())?)
        })
        .await
        .on_page(Look::Admin, lang)?;
    // Not a new message, so the unit does not say so: wake the worker here.
    state.outbox.wake();
    tracing::info!(outbox_id = id, moderator = %session.name, "email retry requested");
    Ok(see_other(&format!("{back}&done=1")))
}
