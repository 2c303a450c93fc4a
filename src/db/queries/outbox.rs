//! The outbox: notifications waiting to be sent, sent, or given up on. Claims are
//! conditional UPDATEs, so that several workers (several instances sharing one
//! database) never take the same message at once.
//!
//! A message's life: `draft` (decided, in the transaction of the comment that causes
//! it, but not yet written: no subject nor body), `queued` (written, waiting to be
//! sent, perhaps after failed attempts), then `sent`, or `failed` when given up.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use crate::db::schema::{comments, outbox, threads};
use crate::db::{DbConn, MultiBackend};

/// Enums stored as their name in a Text column, on both backends and through
/// `MultiConnection` (which hands a custom type to the backend's own `ToSql` and
/// `FromSql`, hence the three of each).
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal,)* }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)*
                }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($text => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> diesel::serialize::Result {
                <str as ToSql<Text, Sqlite>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut Output<'b, '_, MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl $ty {
            fn from_text(s: String) -> diesel::deserialize::Result<$ty> {
                $ty::parse(&s).ok_or_else(|| {
                    format!("`{s}` is no {}", stringify!($ty)).into()
                })
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(
                bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<$ty> {
                $ty::from_text(<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(
                bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<$ty> {
                $ty::from_text(<String as FromSql<Text, Pg>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<$ty> {
                bytes.from_sql::<$ty, Text>()
            }
        }
    };
}

/// Whom a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum OutboxKind {
    /// The moderators (`notify_to`), of a new comment.
    Moderator,
    /// A commenter, of a reply to their comment.
    Reply,
    /// A commenter, the link to their data (`/my-data`).
    MyData,
    /// The moderators, of a reported comment.
    Reported,
    /// A reporter, of the decision taken on what they reported.
    Decision,
    /// A commenter, of the removal of their reported comment, with the reasons.
    Removal,
}

text_enum!(OutboxKind {
    Moderator => "moderator",
    Reply => "reply",
    MyData => "my_data",
    Reported => "reported",
    Decision => "report_decision",
    Removal => "removal_reasons",
});

impl OutboxKind {
    pub const ALL: [OutboxKind; 6] = [
        OutboxKind::Moderator,
        OutboxKind::Reply,
        OutboxKind::MyData,
        OutboxKind::Reported,
        OutboxKind::Decision,
        OutboxKind::Removal,
    ];
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum OutboxStatus {
    /// Decided, not yet written: the worker renders it before sending.
    Draft,
    Queued,
    Sent,
    Failed,
    /// Never to be sent: what it told of went away first (the reply removed or held,
    /// the recipient unsubscribed).
    Withdrawn,
}

text_enum!(OutboxStatus {
    Draft => "draft",
    Queued => "queued",
    Sent => "sent",
    Failed => "failed",
    Withdrawn => "withdrawn",
});

impl OutboxStatus {
    /// Waiting for the worker: to be written and sent, or to be sent.
    pub const WAITING: [OutboxStatus; 2] = [OutboxStatus::Draft, OutboxStatus::Queued];
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: OutboxKind,
    pub comment_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub list_unsubscribe: Option<String>,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub claimed_until: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A draft: who hears of which comment, and why. Its text comes later
/// (`fill`); until then subject, body and Message-ID are empty.
pub fn insert_draft(
    conn: &mut DbConn,
    kind: OutboxKind,
    comment_id: i64,
    recipient: &str,
    now: i64,
) -> QueryResult<()> {
    let empty = Filling {
        subject: "",
        body_text: "",
        body_html: "",
        list_unsubscribe: None,
        message_id: "",
    };
    insert(
        conn,
        kind,
        Some(comment_id),
        recipient,
        OutboxStatus::Draft,
        &empty,
        now,
    )
}

/// A message written at once (its text is known in the unit of work that decides
/// it), queued for the worker to send.
pub fn insert_queued(
    conn: &mut DbConn,
    kind: OutboxKind,
    comment_id: Option<i64>,
    recipient: &str,
    m: &Filling<'_>,
    now: i64,
) -> QueryResult<()> {
    insert(
        conn,
        kind,
        comment_id,
        recipient,
        OutboxStatus::Queued,
        m,
        now,
    )
}

fn insert(
    conn: &mut DbConn,
    kind: OutboxKind,
    comment_id: Option<i64>,
    recipient: &str,
    status: OutboxStatus,
    m: &Filling<'_>,
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(kind),
            outbox::comment_id.eq(comment_id),
            outbox::recipient.eq(recipient),
            outbox::subject.eq(m.subject),
            outbox::body_text.eq(m.body_text),
            outbox::body_html.eq(m.body_html),
            outbox::list_unsubscribe.eq(m.list_unsubscribe),
            outbox::message_id.eq(m.message_id),
            outbox::status.eq(status),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Withdraws the reply notifications still waiting about comment `id` (it was just
/// removed, held or marked spam): they are kept, marked, and never sent.
pub fn withdraw_replies_about(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    let waiting: [OutboxStatus; 2] = OutboxStatus::WAITING;
    diesel::update(
        outbox::table
            .filter(outbox::comment_id.eq(id))
            .filter(outbox::kind.eq(OutboxKind::Reply))
            .filter(outbox::status.eq_any(waiting)),
    )
    .set(outbox::status.eq(OutboxStatus::Withdrawn))
    .execute(conn)
}

/// Withdraws the reply notifications still waiting for `recipient`, about the
/// replies of thread `thread_id` (`None`: of every thread): they unsubscribed.
pub fn withdraw_replies_to(
    conn: &mut DbConn,
    recipient: &str,
    thread_id: Option<i64>,
) -> QueryResult<usize> {
    let waiting: [OutboxStatus; 2] = OutboxStatus::WAITING;
    let mut q = outbox::table
        .filter(outbox::recipient.eq(recipient))
        .filter(outbox::kind.eq(OutboxKind::Reply))
        .filter(outbox::status.eq_any(waiting))
        .select(outbox::id)
        .into_boxed();
    if let Some(t) = thread_id {
        q = q.filter(
            outbox::comment_id.eq_any(
                comments::table
                    .filter(comments::thread_id.eq(t))
                    .select(comments::id.nullable()),
            ),
        );
    }
    let ids: Vec<i64> = q.load(conn)?;
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::status.eq(OutboxStatus::Withdrawn))
        .execute(conn)
}

/// Removes every message about one of `comment_ids`, whatever its state: they are
/// being removed for good (the messages hold the name or the text).
pub fn forget_about(conn: &mut DbConn, comment_ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(outbox::table.filter(outbox::comment_id.eq_any(comment_ids))).execute(conn)
}

/// Removes every message to `recipient` about a comment of `site` or about none
/// (its data link), whatever its state: an erasure.
pub fn forget_to(conn: &mut DbConn, recipient: &str, site: &str) -> QueryResult<usize> {
    let of_site = comments::table
        .inner_join(threads::table)
        .filter(threads::site.eq(site))
        .select(comments::id.nullable());
    diesel::delete(
        outbox::table
            .filter(outbox::recipient.eq(recipient))
            .filter(
                outbox::comment_id
                    .is_null()
                    .or(outbox::comment_id.eq_any(of_site)),
            ),
    )
    .execute(conn)
}

/// A draft's text, written by the worker that holds its claim (`ticket`).
pub struct Filling<'a> {
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub list_unsubscribe: Option<&'a str>,
    pub message_id: &'a str,
}

/// Writes the text of draft `id` and queues it, still claimed by `ticket`; returns
/// whether this worker did (the claim may have run out and passed to another).
pub fn fill(conn: &mut DbConn, id: i64, ticket: i64, m: &Filling<'_>) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(OutboxStatus::Draft))
            .filter(outbox::claimed_until.eq(Some(ticket))),
    )
    .set((
        outbox::subject.eq(m.subject),
        outbox::body_text.eq(m.body_text),
        outbox::body_html.eq(m.body_html),
        outbox::list_unsubscribe.eq(m.list_unsubscribe),
        outbox::message_id.eq(m.message_id),
        outbox::status.eq(OutboxStatus::Queued),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Forgets draft `id` (claimed by `ticket`): there is nothing left to tell, the
/// comment it was about having been deleted for good before its email was written.
pub fn drop_draft(conn: &mut DbConn, id: i64, ticket: i64) -> QueryResult<usize> {
    diesel::delete(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq(OutboxStatus::Draft))
            .filter(outbox::claimed_until.eq(Some(ticket))),
    )
    .execute(conn)
}

/// Whether a message of `kind` about `comment_id` was ever written for `recipient`.
pub fn exists_for(
    conn: &mut DbConn,
    kind: OutboxKind,
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
pub fn count_since(
    conn: &mut DbConn,
    kind: OutboxKind,
    recipient: &str,
    since: i64,
) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .filter(outbox::kind.eq(kind))
        .filter(outbox::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// What a worker may take at `now`: waiting, due, and claimed by no live worker.
/// The one definition, for the look (`due`) and for the claim itself.
#[diesel::dsl::auto_type(no_type_alias)]
fn takeable(now: i64) -> _ {
    let waiting: [OutboxStatus; 2] = OutboxStatus::WAITING;
    outbox::status
        .eq_any(waiting)
        .and(outbox::next_attempt_at.le(now))
        .and(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(now)),
        )
}

/// Waiting messages (drafts and queued) that are due and not claimed by a live
/// worker, oldest first.
pub fn due(conn: &mut DbConn, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
    outbox::table
        .filter(takeable(now))
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
            .filter(takeable(now)),
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
        outbox::status.eq(OutboxStatus::Sent),
        outbox::sent_at.eq(Some(now)),
        outbox::claimed_until.eq(None::<i64>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// A failed attempt: counted, its error kept, and the message either rescheduled
/// (`status` as it was) or given up (`status` failed).
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    id: i64,
    ticket: i64,
    error: &str,
    status: OutboxStatus,
    next_attempt_at: i64,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_until.eq(Some(ticket)))
            // Withdrawn while its attempt ran: it stays withdrawn.
            .filter(outbox::status.ne(OutboxStatus::Withdrawn)),
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

/// When the next waiting message falls due, if any waits.
pub fn next_due_at(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    outbox::table
        .filter(outbox::status.eq_any(OutboxStatus::WAITING))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)
}

/// After a success the SMTP server is evidently back: messages waiting out a
/// back-off because no server answered them (`last_error` begins with
/// `unanswered`) are tried now rather than hours later. A message that a server did
/// answer (a temporary refusal, such as a greylisting `451`) keeps its own schedule:
/// others' successes say nothing about its recipient, and trying it at each of them
/// would hammer that recipient's server and use up its attempts within minutes.
pub fn hurry_unanswered(conn: &mut DbConn, now: i64, unanswered: &str) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::status.eq_any(OutboxStatus::WAITING))
            .filter(outbox::attempts.gt(0))
            .filter(outbox::next_attempt_at.gt(now))
            .filter(outbox::last_error.like(format!("{unanswered}%"))),
    )
    .set(outbox::next_attempt_at.eq(now))
    .execute(conn)
}

/// A moderator's "retry now": a waiting or failed message is due at once. One that
/// failed before it was ever written (its template failed) becomes a draft again.
pub fn retry_now(conn: &mut DbConn, id: i64, now: i64) -> QueryResult<usize> {
    let written = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq_any([OutboxStatus::Queued, OutboxStatus::Failed]))
            .filter(outbox::message_id.ne("")),
    )
    .set((
        outbox::status.eq(OutboxStatus::Queued),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    let unwritten = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::status.eq_any([OutboxStatus::Draft, OutboxStatus::Failed]))
            .filter(outbox::message_id.eq("")),
    )
    .set((
        outbox::status.eq(OutboxStatus::Draft),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(written + unwritten)
}

/// The messages a moderator of `scope` may see (`None`: every site). A limited
/// moderator sees the messages about comments of their sites; a message whose comment
/// was deleted for good (`comment_id` null) belongs to no known site, and only
/// moderators of every site see it.
fn visible_to(scope: Option<&[String]>) -> outbox::BoxedQuery<'_, MultiBackend> {
    let q = outbox::table.into_boxed();
    match scope {
        None => q,
        Some(sites) => q.filter(
            outbox::comment_id.eq_any(
                comments::table
                    .filter(
                        comments::thread_id.eq_any(
                            threads::table
                                .filter(threads::site.eq_any(sites))
                                .select(threads::id),
                        ),
                    )
                    .select(comments::id.nullable()),
            ),
        ),
    }
}

/// How many messages a moderator of `scope` may see are in each status.
pub fn counts(
    conn: &mut DbConn,
    scope: Option<&[String]>,
) -> QueryResult<Vec<(OutboxStatus, i64)>> {
    // One count per status: a boxed query cannot be grouped.
    [
        OutboxStatus::Draft,
        OutboxStatus::Queued,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
        OutboxStatus::Withdrawn,
    ]
    .into_iter()
    .map(|status| {
        let n = visible_to(scope)
            .filter(outbox::status.eq(status))
            .count()
            .get_result(conn)?;
        Ok((status, n))
    })
    .collect()
}

/// How many messages wait to be sent (drafts and queued), by kind: the outbox's
/// depth, for the metrics.
pub fn waiting_by_kind(conn: &mut DbConn) -> QueryResult<Vec<(OutboxKind, i64)>> {
    outbox::table
        .filter(outbox::status.eq_any(OutboxStatus::WAITING))
        .group_by(outbox::kind)
        .select((outbox::kind, diesel::dsl::count_star()))
        .load(conn)
}

/// The latest messages a moderator of `scope` may see, newest first.
pub fn latest(
    conn: &mut DbConn,
    scope: Option<&[String]>,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    visible_to(scope)
        .order(outbox::id.desc())
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Whether message `id` exists and a moderator of `scope` may see it.
pub fn is_visible(conn: &mut DbConn, scope: Option<&[String]>, id: i64) -> QueryResult<bool> {
    visible_to(scope)
        .filter(outbox::id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
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
            .filter(outbox::status.eq(OutboxStatus::Sent))
            .filter(outbox::sent_at.lt(before)),
    )
    .execute(conn)
}
