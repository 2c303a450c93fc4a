//! The `causerie` format (SPEC section 11): one JSON document, the records below,
//! written as a stream, one record a line. The same record types are what
//! `import::causerie` reads, so the two cannot drift apart.

use std::io::Write;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{each_batch, ExportSummary, Scope, BATCH};
use crate::comments::rfc3339;
use crate::db::models::{Comment, Thread};
use crate::db::queries::export as q;
use crate::db::transfer::UnsubscribedRow;
use crate::db::DbConn;
use crate::domain::Status;

/// The value of `"format"`.
pub const FORMAT: &str = "causerie-export";
/// The value of `"version"` this release writes, and the only one it reads.
pub const VERSION: u64 = 1;

/// An instant: written in RFC 3339, UTC (`2024-03-01T12:00:00Z`); read from RFC 3339
/// with any offset (turned into UTC) or from whole seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub i64);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match rfc3339(self.0) {
            // Past year 9999 RFC 3339 has no form: the seconds, which we read too.
            s if s.is_empty() => serializer.serialize_i64(self.0),
            s => serializer.serialize_str(&s),
        }
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Time, D::Error> {
        struct TimeVisitor;
        impl Visitor<'_> for TimeVisitor {
            type Value = Time;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a time in RFC 3339 (2024-03-01T12:00:00Z)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Time, E> {
                OffsetDateTime::parse(s, &Rfc3339)
                    .map(|t| Time(t.unix_timestamp()))
                    .map_err(|_| E::custom(format!("`{s}` is not a time in RFC 3339")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Time, E> {
                Ok(Time(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Time, E> {
                i64::try_from(n)
                    .map(Time)
                    .map_err(|_| E::custom("a time out of range"))
            }
        }
        deserializer.deserialize_any(TimeVisitor)
    }
}

/// One element of `"sites"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub origins: Vec<String>,
}

/// One element of `"threads"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadRecord {
    pub id: i64,
    #[serde(default)]
    pub site: String,
    pub page: String,
    /// The public title; '' while no published comment has given one.
    #[serde(default)]
    pub title: String,
    /// A moderator named the thread: requests no longer change its title. Written
    /// only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub title_locked: bool,
    #[serde(default)]
    pub closed: bool,
    pub created_at: Time,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<Thread> for ThreadRecord {
    fn from(t: Thread) -> ThreadRecord {
        ThreadRecord {
            id: t.id,
            site: t.site,
            page: t.page,
            title: t.title,
            title_locked: t.title_locked,
            closed: t.closed,
            created_at: Time(t.created_at),
        }
    }
}

/// One element of `"comments"`. The edit token's hash is not exported: it only lets
/// the author edit for a few minutes, and is a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: i64,
    pub thread: i64,
    #[serde(default)]
    pub parent: Option<i64>,
    /// How deep it was shown; the importer computes its own from `parent`.
    #[serde(default)]
    pub depth: Option<i32>,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    pub body_raw: String,
    #[serde(default)]
    pub body_html: String,
    #[serde(deserialize_with = "status")]
    pub status: Status,
    #[serde(default)]
    pub hold_reason: Option<String>,
    #[serde(default)]
    pub moderator: bool,
    #[serde(default)]
    pub notify_replies: bool,
    #[serde(default)]
    pub ip: Option<String>,
    pub created_at: Time,
    #[serde(default)]
    pub edited_at: Option<Time>,
    /// Where the comment was imported from, if it was (`causerie import`): kept so
    /// that importing the same file again, on another Causerie, adds nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRecord>,
    /// The page title the comment's request sent: a held comment gives it to its
    /// thread when approved. Written only when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    /// Its author erased their data: an empty row kept for its replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Time>,
    /// When its status last changed, if known (spam and deleted comments are kept
    /// `spam_retention_days` from then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_at: Option<Time>,
}

/// One source of an imported comment: its format and its id there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub format: String,
    pub id: String,
}

impl From<Comment> for CommentRecord {
    fn from(c: Comment) -> CommentRecord {
        CommentRecord {
            id: c.id,
            thread: c.thread_id,
            parent: c.parent_id,
            depth: Some(c.depth),
            author: c.author,
            // Stored as "" when a source gave none: written as null.
            email: Some(c.email).filter(|e| !e.is_empty()),
            website: c.website,
            body_raw: c.body_raw,
            body_html: c.body_html,
            status: c.status,
            hold_reason: c.hold_reason.map(|r| r.code()),
            moderator: c.moderator,
            notify_replies: c.notify_replies,
            ip: c.ip,
            created_at: Time(c.created_at),
            edited_at: c.edited_at.map(Time),
            sources: Vec::new(),
            page_title: c.page_title,
            erased_at: c.erased_at.map(Time),
            status_at: c.status_at.map(Time),
        }
    }
}

fn status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Status, D::Error> {
    let s = String::deserialize(deserializer)?;
    s.parse().map_err(|_| {
        de::Error::custom(format!(
            "unknown status `{s}` (approved, pending, spam or deleted)"
        ))
    })
}

/// One element of `"unsubscribed"`: an address that wants no more reply
/// notifications, from one thread or (`thread` null) from every one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsubscribedRecord {
    pub email: String,
    #[serde(default)]
    pub thread: Option<i64>,
    pub created_at: Time,
}

impl From<UnsubscribedRow> for UnsubscribedRecord {
    fn from(u: UnsubscribedRow) -> UnsubscribedRecord {
        UnsubscribedRecord {
            email: u.email,
            thread: u.thread_id,
            created_at: Time(u.created_at),
        }
    }
}

/// One element of `"reports"`: a reader's report of a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub comment: i64,
    pub reason: String,
    #[serde(default)]
    pub detail: Option<String>,
    /// The reporter's, to be told the decision: only while the report is open.
    #[serde(default)]
    pub email: Option<String>,
    pub created_at: Time,
    #[serde(default)]
    pub resolved_at: Option<Time>,
    #[serde(default)]
    pub resolution: Option<String>,
}

impl From<crate::db::queries::reports::Report> for ReportRecord {
    fn from(r: crate::db::queries::reports::Report) -> ReportRecord {
        ReportRecord {
            comment: r.comment_id,
            reason: r.reason,
            detail: r.detail,
            email: r.email,
            created_at: Time(r.created_at),
            resolved_at: r.resolved_at.map(Time),
            resolution: r.resolution,
        }
    }
}

/// Writes the JSON elements of one array, one a line, as they come.
struct Array<'w> {
    out: &'w mut dyn Write,
    written: u64,
}

impl<'w> Array<'w> {
    fn open(out: &'w mut dyn Write, key: &str) -> std::io::Result<Array<'w>> {
        write!(out, ",\n\"{key}\":[")?;
        Ok(Array { out, written: 0 })
    }

    fn push(&mut self, record: &impl Serialize) -> anyhow::Result<()> {
        self.out
            .write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *self.out, record)?;
        self.written += 1;
        Ok(())
    }

    fn close(self) -> std::io::Result<u64> {
        self.out.write_all(b"\n]")?;
        Ok(self.written)
    }
}

/// Writes the whole document; the caller holds the reading transaction.
pub(super) fn write(
    conn: &mut DbConn,
    scope: &Scope,
    out: &mut dyn Write,
) -> anyhow::Result<ExportSummary> {
    let site = scope.filter.as_deref();
    write!(
        out,
        "{{\"format\":{},\"version\":{VERSION},\"generator\":{},\"exported_at\":{}",
        serde_json::to_string(FORMAT)?,
        serde_json::to_string(&super::generator())?,
        serde_json::to_string(&Time(scope.exported_at))?,
    )?;

    let mut sites = Array::open(out, "sites")?;
    for s in &scope.sites {
        sites.push(&SiteRecord {
            id: s.id.clone(),
            name: s.name.clone(),
            origins: s.origins.clone(),
        })?;
    }
    sites.close()?;

    let mut threads = Array::open(out, "threads")?;
    each_batch(
        conn,
        |conn, after| q::threads_after(conn, site, after, BATCH),
        |t| t.id,
        |_, t| threads.push(&ThreadRecord::from(t)),
    )?;
    let threads = threads.close()?;

    let mut comments = Array::open(out, "comments")?;
    each_batch(
        conn,
        |conn, after| q::comments_after(conn, site, after, BATCH),
        |c| c.id,
        |conn, c| {
            let sources = crate::db::queries::comment_sources::of_comment(conn, c.id)?;
            let mut record = CommentRecord::from(c);
            record.sources = sources
                .into_iter()
                .map(|(format, id)| SourceRecord { format, id })
                .collect();
            comments.push(&record)
        },
    )?;
    let comments = comments.close()?;

    let mut unsubscribed = Array::open(out, "unsubscribed")?;
    each_batch(
        conn,
        |conn, after| q::unsubscribed_after(conn, site, after, BATCH),
        |u| u.id,
        |_, u| unsubscribed.push(&UnsubscribedRecord::from(u)),
    )?;
    let unsubscribed = unsubscribed.close()?;

    let mut reports = Array::open(out, "reports")?;
    each_batch(
        conn,
        |conn, after| q::reports_after(conn, site, after, BATCH),
        |r| r.id,
        |_, r| reports.push(&ReportRecord::from(r)),
    )?;
    let reports = reports.close()?;
    out.write_all(b"}\n")?;

    Ok(ExportSummary {
        sites: scope.sites.len() as u64,
        threads,
        comments,
        unsubscribed,
        reports,
    })
}
