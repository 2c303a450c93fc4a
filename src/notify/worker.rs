//! The background worker that empties the outbox. It wakes when a unit of work has
//! just committed a message (`Signal::wake`) and otherwise every few seconds, claims
//! the messages that are due, writes those still drafts (`outbox::render`, outside
//! any lock), sends them, and records each outcome.
//!
//! It is given what it needs (the pool, the `Signal`, the settings, the secret, the
//! mailer) rather than the application, and runs its database work on the blocking
//! threads itself.
//!
//! Once only: a message is claimed by a conditional UPDATE (`claimed_until` set only
//! if nobody holds an unexpired claim), so several instances sharing a database never
//! send it twice; it is marked `sent` only after the SMTP server accepted it, and only
//! by the holder of the claim. A worker that dies leaves a claim that expires, and the
//! message is sent by whoever comes next (a restart resumes). A draft is written by
//! the holder of its claim only (`fill` is conditional on it, like `mark_sent`), in
//! one transaction with its link tokens. The one window left is
//! a crash between the server's acceptance and the `sent` mark: the message then goes
//! again, with the same `Message-ID`, so mail clients show it once.
//!
//! Failures are retried with exponential back-off, `smtp_retry_base_secs` × 2^(n−1)
//! after the n-th, capped at six hours, each message on its own schedule; only those
//! that no server answered (the relay was down) are tried early, once a message has
//! gone through again. After `MAX_ATTEMPTS` (or at once for a permanent refusal) the
//! message is `failed`, and a moderator can retry it from the admin's outbox page.

use std::sync::Arc;
use std::time::Duration;

use diesel::QueryResult;

use crate::config::Config;
use crate::crypto::Secret;
use crate::db::queries::action_links;
use crate::db::queries::outbox::{self as q, Filling, OutboxMessage, OutboxStatus};
use crate::db::{now, DbConn, DbPool};

use super::mailer::{Mailer, SendFailure};
use super::outbox::{render, Render};
use super::Signal;

pub const MAX_ATTEMPTS: i32 = 10;
pub const MAX_DELAY: std::time::Duration = crate::clock::hours(6);
const BATCH: i64 = 20;
const POLL: Duration = Duration::from_secs(5);

/// Seconds to wait after the `failures`-th failed attempt.
pub fn retry_delay(base_secs: i64, failures: i32) -> i64 {
    let doublings = (failures - 1).clamp(0, 30) as u32;
    base_secs
        .saturating_mul(1_i64 << doublings)
        .min(crate::clock::secs(MAX_DELAY))
}

/// The outbox worker; clones share it.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    pool: DbPool,
    signal: Arc<Signal>,
    config: Config,
    secret: Secret,
    mailer: Mailer,
    /// Counts each delivery's outcome.
    metrics: Arc<crate::metrics::Metrics>,
    /// Held for each batch, so that `run_once` and the background loop take turns
    /// and `run_once` returns with nothing of its own still in flight.
    turn: tokio::sync::Mutex<()>,
}

impl Worker {
    pub fn new(
        pool: DbPool,
        signal: Arc<Signal>,
        config: Config,
        secret: Secret,
        mailer: Mailer,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Worker {
        Worker {
            inner: Arc::new(Inner {
                pool,
                signal,
                config,
                secret,
                mailer,
                metrics,
                turn: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Starts the worker on the current runtime; it ends when the `Signal` is
    /// stopped.
    pub fn spawn(&self) -> actix_web::rt::task::JoinHandle<()> {
        if self.inner.mailer.logs_only() {
            tracing::warn!("no smtp_url: notifications are written to the log, not sent");
        }
        actix_web::rt::spawn(self.clone().run())
    }

    /// Claims, writes and sends every message due now, in turn with the background
    /// loop; returns how many it tried (sent or not). For tests and tools: the
    /// background loop does the same by itself.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let _turn = self.inner.turn.lock().await;
        let mut tried = 0;
        loop {
            let (n, full) = self.batch().await?;
            tried += n;
            if !full {
                return Ok(tried);
            }
        }
    }

    async fn run(self) {
        let signal = self.inner.signal.clone();
        loop {
            if signal.stopped() {
                break;
            }
            let done = {
                let _turn = self.inner.turn.lock().await;
                self.batch().await
            };
            match done {
                Ok((_, true)) => continue,
                Ok((_, false)) => {}
                Err(e) => {
                    tracing::warn!(error = ?e, "outbox: cannot claim messages; will retry");
                    signal.wait(POLL).await;
                    continue;
                }
            }
            let next = self.db(|conn, _| q::next_due_at(conn)).await;
            let wait = match next {
                Ok(Some(at)) => {
                    Duration::from_secs((at - now()).clamp(1, POLL.as_secs() as i64) as u64)
                }
                _ => POLL,
            };
            signal.wait(wait).await;
        }
    }

    /// One batch: how many messages were tried, and whether the batch was full.
    async fn batch(&self) -> anyhow::Result<(usize, bool)> {
        // A claim outlives the longest send (four SMTP timeouts) with room to spare.
        let lease = crate::clock::secs(self.inner.config.mail.timeout) * 6 + 30;
        let batch = self
            .db(move |conn, _| claim_batch(conn, now(), lease))
            .await?;
        let full = batch.len() as i64 == BATCH;
        let mut tried = 0;
        for (message, ticket) in batch {
            if self.inner.signal.stopped() {
                // Hand it back rather than let the claim run out.
                let id = message.id;
                let _ = self.db(move |conn, _| q::release(conn, id, ticket)).await;
                continue;
            }
            let message = match message.status {
                OutboxStatus::Draft => match self.write_draft(message, ticket).await {
                    Some(m) => m,
                    None => continue,
                },
                _ => message,
            };
            let inner = &self.inner;
            let result = inner.mailer.send(&inner.config.mail.from, &message).await;
            self.record(&message, ticket, result).await;
            tried += 1;
        }
        Ok((tried, full))
    }

    /// Writes a draft claimed with `ticket`; the message ready to send, or `None` if
    /// there is nothing to send (it was dropped, given up, or the claim was lost).
    async fn write_draft(&self, draft: OutboxMessage, ticket: i64) -> Option<OutboxMessage> {
        let id = draft.id;
        let res = self
            .db(move |conn, inner| -> QueryResult<Option<OutboxMessage>> {
                let at = now();
                match render(conn, &inner.config, &inner.secret, &draft, at)? {
                    Render::Written(w) => {
                        let stored = crate::db::transaction(conn, |tx| {
                            for (hash, comment_id, action, expires) in &w.links {
                                action_links::insert(tx, hash, *comment_id, *action, *expires)?;
                            }
                            let filling = Filling {
                                subject: &w.rendered.subject,
                                body_text: &w.rendered.text,
                                body_html: &w.rendered.html,
                                list_unsubscribe: w.list_unsubscribe.as_deref(),
                                message_id: &w.message_id,
                            };
                            if q::fill(tx, id, ticket, &filling)? {
                                Ok(true)
                            } else {
                                // The claim passed to another worker: its links go too.
                                Err(diesel::result::Error::RollbackTransaction)
                            }
                        });
                        match stored {
                            Ok(_) => q::find(conn, id),
                            Err(diesel::result::Error::RollbackTransaction) => Ok(None),
                            Err(e) => Err(e),
                        }
                    }
                    Render::Gone => {
                        q::drop_draft(conn, id, ticket)?;
                        tracing::info!(outbox_id = id, "email not written: its comment is gone");
                        Ok(None)
                    }
                    Render::Broken(error) => {
                        q::mark_attempt_failed(conn, id, ticket, &error, OutboxStatus::Failed, at)?;
                        inner.metrics.delivery(crate::metrics::Delivery::Failed);
                        Ok(None)
                    }
                }
            })
            .await;
        match res {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(outbox_id = id, error = ?e, "outbox: cannot write a draft; will retry");
                None
            }
        }
    }

    /// Database work on the blocking threads.
    async fn db<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut DbConn, &Inner) -> QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<T> {
            let mut conn = inner.pool.get()?;
            Ok(work(&mut conn, &inner)?)
        })
        .await?
    }

    async fn record(&self, m: &OutboxMessage, ticket: i64, result: Result<(), SendFailure>) {
        let id = m.id;
        let kind = m.kind;
        use crate::metrics::Delivery;
        match result {
            Ok(()) => {
                self.inner.metrics.delivery(Delivery::Sent);
                let smtp = !self.inner.mailer.logs_only();
                let res = self
                    .db(move |conn, _| -> QueryResult<usize> {
                        let at = now();
                        let n = q::mark_sent(conn, id, ticket, at)?;
                        if smtp {
                            q::hurry_unanswered(conn, at, super::mailer::UNANSWERED)?;
                        }
                        Ok(n)
                    })
                    .await;
                match res {
                    Ok(_) if smtp => tracing::info!(outbox_id = id, kind = %kind, "email sent"),
                    // The mailer has just logged it: say it is done, not that it left.
                    Ok(_) => tracing::debug!(outbox_id = id, kind = %kind, "email done (logged)"),
                    Err(e) => {
                        tracing::error!(outbox_id = id, error = ?e, "email sent but not marked sent")
                    }
                }
            }
            Err(failure) => {
                let failures = m.attempts + 1;
                let give_up = failure.permanent || failures >= MAX_ATTEMPTS;
                let status = if give_up {
                    OutboxStatus::Failed
                } else {
                    OutboxStatus::Queued
                };
                self.inner.metrics.delivery(if give_up {
                    Delivery::Failed
                } else {
                    Delivery::Retry
                });
                let base = crate::clock::secs(self.inner.config.mail.retry_base);
                let next = now() + retry_delay(base, failures);
                let error = failure.error.clone();
                let res = self
                    .db(move |conn, _| {
                        q::mark_attempt_failed(conn, id, ticket, &error, status, next)
                    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        assert_eq!(retry_delay(30, 1), 30);
        assert_eq!(retry_delay(30, 2), 60);
        assert_eq!(retry_delay(30, 5), 480);
        assert_eq!(retry_delay(30, 10), 30 * 512);
        assert_eq!(retry_delay(30, 40), 6 * 3600);
    }
}
