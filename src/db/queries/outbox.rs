//! The outbox: notifications waiting to be sent, sent, or given up on. Claims are
//! conditional UPDATEs, so that several workers (several instances sharing one
//! database) never take the same message at once.

use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::DbConn;

pub const QUEUED: &str = "queued";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub comment_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub list_unsubscribe: Option<String>,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub claimed_until: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxRow<'a> {
    pub kind: &'a str,
    pub comment_id: Option<i64>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub list_unsubscribe: Option<&'a str>,
    pub message_id: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

pub fn insert(conn: &mut DbConn, row: &NewOutboxRow<'_>) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Whether a message of `kind` about `comment_id` was ever written for `recipient`.
pub fn exists_for(
    conn: &mut DbConn,
    kind: &str,
    comment_id: i64,
    recipient: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table
            .filter(outbox::comment_id.eq(comment_id))
            .filter(outbox::kind.eq(kind))
            .filter(outbox::recipient.eq(recipient)),
    ))
    .get_result(conn)
}

/// Messages of `kind` written for `recipient` since `since`.
pub fn count_since(conn: &mut DbConn, kind: &str, recipient: &str, since: i64) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .filter(outbox::kind.eq(kind))
        .filter(outbox::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Queued messages that are due and not claimed by a live worker, oldest first.
pub fn due(conn: &mut DbConn, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
    outbox::table
        .filter(outbox::status.eq(QUEUED))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(now)),
        )
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .select(outbox::id)
        .load(conn)
}

/// Takes message `id` until `until`, unless another worker holds it; returns whether
/// this call did. The condition is in the UPDATE itself, so two workers racing for
/// one message cannot both succeed, on SQLite as on PostgreSQL.
pub fn claim(conn: &mut DbConn, id: i64, now: i64, until: i64) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(QUEUED))
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.lt(now)),
            ),
    )
    .set(outbox::claimed_until.eq(Some(until)))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OutboxMessage>> {
    outbox::table
        .find(id)
        .select(OutboxMessage::as_select())
        .first(conn)
        .optional()
}

/// The SMTP server took the message. Only the holder of the claim (`ticket`, the
/// `claimed_until` it set) records it.
pub fn mark_sent(conn: &mut DbConn, id: i64, ticket: i64, now: i64) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_until.eq(Some(ticket))),
    )
    .set((
        outbox::status.eq(SENT),
        outbox::sent_at.eq(Some(now)),
        outbox::claimed_until.eq(None::<i64>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// A failed attempt: counted, its error kept, and the message either rescheduled
/// (`status` queued) or given up (`status` failed).
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    id: i64,
    ticket: i64,
    error: &str,
    status: &str,
    next_attempt_at: i64,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_until.eq(Some(ticket))),
    )
    .set((
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(Some(error)),
        outbox::status.eq(status),
        outbox::next_attempt_at.eq(next_attempt_at),
        outbox::claimed_until.eq(None::<i64>),
    ))
    .execute(conn)
}

/// When the next queued message falls due, if any is queued.
pub fn next_due_at(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    outbox::table
        .filter(outbox::status.eq(QUEUED))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)
}

/// After a success the server is evidently back: messages waiting out a back-off
/// are tried now rather than hours later.
pub fn hurry_retries(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::status.eq(QUEUED))
            .filter(outbox::attempts.gt(0))
            .filter(outbox::next_attempt_at.gt(now)),
    )
    .set(outbox::next_attempt_at.eq(now))
    .execute(conn)
}

/// A moderator's "retry now": a queued or failed message is due at once.
pub fn retry_now(conn: &mut DbConn, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq_any([QUEUED, FAILED])),
    )
    .set((outbox::status.eq(QUEUED), outbox::next_attempt_at.eq(now)))
    .execute(conn)
}

/// How many messages are in each status.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count(outbox::id)))
        .load(conn)
}

/// The latest messages, newest first.
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table
        .order(outbox::id.desc())
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Gives a claimed message back, untried (the worker is stopping).
pub fn release(conn: &mut DbConn, id: i64, ticket: i64) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_until.eq(Some(ticket))),
    )
    .set(outbox::claimed_until.eq(None::<i64>))
    .execute(conn)
}

/// Forgets messages sent before `before`: they hold addresses and comments' text,
/// and have done their work.
pub fn purge_sent(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(
        outbox::table
            .filter(outbox::status.eq("sent"))
            .filter(outbox::sent_at.lt(before)),
    )
    .execute(conn)
}
