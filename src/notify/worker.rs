//! The background worker that empties the outbox. It wakes when a request has just
//! written a message (`Signal::wake`) and otherwise every few seconds, claims the
//! messages that are due, sends them, and records each outcome.
//!
//! Once only: a message is claimed by a conditional UPDATE (`claimed_until` set only
//! if nobody holds an unexpired claim), so several instances sharing a database never
//! send it twice; it is marked `sent` only after the SMTP server accepted it, and only
//! by the holder of the claim. A worker that dies leaves a claim that expires, and the
//! message is sent by whoever comes next (a restart resumes). The one window left is
//! a crash between the server's acceptance and the `sent` mark: the message then goes
//! again, with the same `Message-ID`, so mail clients show it once.
//!
//! Failures are retried with exponential back-off, `smtp_retry_base_secs` × 2^(n−1)
//! after the n-th, capped at six hours; after `MAX_ATTEMPTS` (or at once for a
//! permanent refusal) the message is `failed`, and a moderator can retry it from the
//! admin's outbox page.

use std::time::Duration;

use actix_web::web;
use diesel::QueryResult;

use crate::app::{AppState, Db};
use crate::db::queries::outbox::{self as q, OutboxMessage};
use crate::db::{now, DbConn};

use super::mailer::{Mailer, SendFailure};

pub const MAX_ATTEMPTS: i32 = 10;
pub const MAX_DELAY_SECS: i64 = 6 * 3600;
const BATCH: i64 = 20;
const POLL: Duration = Duration::from_secs(5);

/// Seconds to wait after the `failures`-th failed attempt.
pub fn retry_delay(base_secs: i64, failures: i32) -> i64 {
    let doublings = (failures - 1).clamp(0, 30) as u32;
    base_secs
        .saturating_mul(1_i64 << doublings)
        .min(MAX_DELAY_SECS)
}

/// Starts the worker on the current runtime; it ends when `state.outbox.stop()` is
/// called.
pub fn spawn(state: web::Data<AppState>, mailer: Mailer) -> actix_web::rt::task::JoinHandle<()> {
    if mailer.logs_only() {
        tracing::warn!("no smtp_url: notifications are written to the log, not sent");
    }
    actix_web::rt::spawn(run(state, mailer))
}

async fn run(state: web::Data<AppState>, mailer: Mailer) {
    // A claim outlives the longest send (four SMTP timeouts) with room to spare.
    let lease = crate::clock::secs(state.config.mail.timeout) * 6 + 30;
    loop {
        if state.outbox.stopped() {
            break;
        }
        let claimed = state
            .db(move |conn, _| claim_batch(conn, now(), lease))
            .await;
        let batch = match claimed {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = ?e, "outbox: cannot claim messages; will retry");
                state.outbox.wait(POLL).await;
                continue;
            }
        };
        let full = batch.len() as i64 == BATCH;
        for (message, ticket) in batch {
            if state.outbox.stopped() {
                // Hand it back rather than let the claim run out.
                let id = message.id;
                let _ = state.db(move |conn, _| q::release(conn, id, ticket)).await;
                continue;
            }
            let result = mailer.send(&state.config.mail.from, &message).await;
            record(&state, &mailer, &message, ticket, result).await;
        }
        if full {
            continue;
        }
        let next = state.db(|conn, _| q::next_due_at(conn)).await;
        let wait = match next {
            Ok(Some(at)) => {
                Duration::from_secs((at - now()).clamp(1, POLL.as_secs() as i64) as u64)
            }
            _ => POLL,
        };
        state.outbox.wait(wait).await;
    }
}

/// The due messages this worker could take, each with its claim ticket.
fn claim_batch(conn: &mut DbConn, now: i64, lease: i64) -> QueryResult<Vec<(OutboxMessage, i64)>> {
    let until = now + lease;
    let mut mine = Vec::new();
    for id in q::due(conn, now, BATCH)? {
        // 0 rows: another worker got there first.
        if q::claim(conn, id, now, until)? {
            if let Some(m) = q::find(conn, id)? {
                mine.push((m, until));
            }
        }
    }
    Ok(mine)
}

async fn record(
    state: &web::Data<AppState>,
    mailer: &Mailer,
    m: &OutboxMessage,
    ticket: i64,
    result: Result<(), SendFailure>,
) {
    let id = m.id;
    let kind = m.kind.clone();
    match result {
        Ok(()) => {
            let smtp = !mailer.logs_only();
            let res = state
                .db(move |conn, _| -> QueryResult<usize> {
                    let at = now();
                    let n = q::mark_sent(conn, id, ticket, at)?;
                    if smtp {
                        q::hurry_retries(conn, at)?;
                    }
                    Ok(n)
                })
                .await;
            match res {
                Ok(_) => tracing::info!(outbox_id = id, kind = %kind, "email sent"),
                Err(e) => {
                    tracing::error!(outbox_id = id, error = ?e, "email sent but not marked sent")
                }
            }
        }
        Err(failure) => {
            let failures = m.attempts + 1;
            let give_up = failure.permanent || failures >= MAX_ATTEMPTS;
            let status = if give_up { q::FAILED } else { q::QUEUED };
            let base = crate::clock::secs(state.config.mail.retry_base);
            let next = now() + retry_delay(base, failures);
            let error = failure.error.clone();
            let res = state
                .db(move |conn, _| q::mark_attempt_failed(conn, id, ticket, &error, status, next))
                .await;
            if let Err(e) = res {
                tracing::error!(outbox_id = id, error = ?e, "cannot record a failed attempt");
            }
            if give_up {
                tracing::warn!(outbox_id = id, kind = %kind, attempts = failures, error = %failure.error, "email failed; given up (retry it from /admin/outbox)");
            } else {
                tracing::warn!(outbox_id = id, kind = %kind, attempts = failures, error = %failure.error, "email not sent; will retry");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        assert_eq!(retry_delay(30, 1), 30);
        assert_eq!(retry_delay(30, 2), 60);
        assert_eq!(retry_delay(30, 5), 480);
        assert_eq!(retry_delay(30, 10), MAX_DELAY_SECS.min(30 * 512));
        assert_eq!(retry_delay(30, 40), MAX_DELAY_SECS);
    }
}
