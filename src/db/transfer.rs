//! `causerie migrate-data --from sqlite://… --to postgres://…`: moves a whole site
//! from one database to another, every row of every table as it is (ids, statuses,
//! timestamps, the instance secret, sessions, the outbox), so that nothing a reader or
//! a moderator holds (a comment's link, an edit token, an email's one-click link, an
//! avatar, a session cookie) changes meaning.
//!
//! Both databases are migrated first. The target must be empty (`force` empties it),
//! the copy is one transaction on the target (all or nothing), PostgreSQL's id
//! sequences are then moved past the largest id copied, and the row counts of both
//! sides are compared at the end.

use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

use super::models::{Comment, Moderator, Thread};
use super::queries::action_links::ActionLink;
use super::queries::comment_sources::CommentSource;
use super::queries::data_requests::DataRequest;
use super::queries::outbox::OutboxMessage;
use super::queries::reports::Report as ReportRow;
use super::schema::{
    action_links, comment_sources, comments, data_requests, instance_settings, login_failures,
    moderator_sites, moderators, outbox, reports, sessions, threads, unsubscribed,
};
use super::DbConn;

/// Rows read and written at a time: well under both backends' bind-parameter limits.
const BATCH: i64 = 500;

/// Every table, parents before children: the order rows are copied in.
pub const TABLES: [&str; 13] = [
    "threads",
    "moderators",
    "moderator_sites",
    "instance_settings",
    "comments",
    "comment_sources",
    "sessions",
    "login_failures",
    "action_links",
    "outbox",
    "unsubscribed",
    "reports",
    "data_requests",
];

/// Tables whose `id` PostgreSQL numbers from a sequence.
const SERIAL_TABLES: [&str; 8] = [
    "threads",
    "comments",
    "moderators",
    "login_failures",
    "outbox",
    "unsubscribed",
    "reports",
    "data_requests",
];

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = instance_settings)]
pub struct InstanceSettingRow {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = moderator_sites)]
pub struct ModeratorSiteRow {
    pub moderator_id: i64,
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub moderator_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_failures)]
pub struct LoginFailureRow {
    pub id: i64,
    pub account: String,
    pub ip: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = unsubscribed)]
pub struct UnsubscribedRow {
    pub id: i64,
    pub email: String,
    pub thread_id: Option<i64>,
    pub created_at: i64,
}

/// Rows per table, in `TABLES` order.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(&'static str, i64)>> {
    let n = [
        threads::table.count().get_result(conn)?,
        moderators::table.count().get_result(conn)?,
        moderator_sites::table.count().get_result(conn)?,
        instance_settings::table.count().get_result(conn)?,
        comments::table.count().get_result(conn)?,
        comment_sources::table.count().get_result(conn)?,
        sessions::table.count().get_result(conn)?,
        login_failures::table.count().get_result(conn)?,
        action_links::table.count().get_result(conn)?,
        outbox::table.count().get_result(conn)?,
        unsubscribed::table.count().get_result(conn)?,
        reports::table.count().get_result(conn)?,
        data_requests::table.count().get_result(conn)?,
    ];
    Ok(TABLES.into_iter().zip(n).collect())
}

/// What was copied, per table.
#[derive(Debug)]
pub struct Report {
    pub rows: Vec<(&'static str, i64)>,
}

/// Copies every table of `from` into `to`. `progress` shows a bar on standard error.
pub fn migrate_data(
    from: &mut DbConn,
    to: &mut DbConn,
    force: bool,
    progress: bool,
) -> anyhow::Result<Report> {
    super::migrate(from)?;
    super::migrate(to)?;
    let source = counts(from)?;
    let total: i64 = source.iter().map(|(_, n)| n).sum();
    let bar = if progress {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg:>18} [{bar:40}] {pos}/{len} rows ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    to.transaction(|to| -> anyhow::Result<()> {
        let present: Vec<_> = counts(to)?.into_iter().filter(|(_, n)| *n > 0).collect();
        if !present.is_empty() {
            if !force {
                anyhow::bail!(
                    "the target database is not empty ({}): migrate-data copies into an \
                     empty database only; --force deletes what the target holds first",
                    describe(&present)
                );
            }
            for table in TABLES.iter().rev() {
                diesel::sql_query(format!("DELETE FROM {table}")).execute(to)?;
            }
        }
        macro_rules! copy {
            ($table:ident, $row:ty, $order:expr) => {{
                bar.set_message(stringify!($table));
                let mut offset = 0;
                loop {
                    let rows: Vec<$row> = $table::table
                        .order($order)
                        .limit(BATCH)
                        .offset(offset)
                        .select(<$row>::as_select())
                        .load(from)?;
                    if rows.is_empty() {
                        break;
                    }
                    crate::per_backend!(&mut *to, |c| diesel::insert_into($table::table)
                        .values(&rows)
                        .execute(c))?;
                    offset += rows.len() as i64;
                    bar.inc(rows.len() as u64);
                }
            }};
        }
        copy!(threads, Thread, threads::id.asc());
        copy!(moderators, Moderator, moderators::id.asc());
        copy!(
            moderator_sites,
            ModeratorSiteRow,
            (
                moderator_sites::moderator_id.asc(),
                moderator_sites::site.asc()
            )
        );
        copy!(
            instance_settings,
            InstanceSettingRow,
            instance_settings::name.asc()
        );
        // By id: a reply's parent always has a smaller id, so it is there first.
        copy!(comments, Comment, comments::id.asc());
        copy!(
            comment_sources,
            CommentSource,
            comment_sources::comment_id.asc()
        );
        copy!(sessions, SessionRow, sessions::token_hash.asc());
        copy!(login_failures, LoginFailureRow, login_failures::id.asc());
        copy!(action_links, ActionLink, action_links::token_hash.asc());
        copy!(outbox, OutboxMessage, outbox::id.asc());
        copy!(unsubscribed, UnsubscribedRow, unsubscribed::id.asc());
        copy!(reports, ReportRow, reports::id.asc());
        copy!(data_requests, DataRequest, data_requests::id.asc());
        // Ids were given, not drawn: the next drawn id must come after them.
        move_sequences_past_ids(to)?;
        Ok(())
    })?;
    bar.finish_and_clear();
    let copied = counts(to)?;
    if copied != source {
        anyhow::bail!(
            "the copy does not match its source: source {}, target {}",
            describe(&source),
            describe(&copied)
        );
    }
    Ok(Report { rows: copied })
}

/// On PostgreSQL, moves each id sequence past the largest id its table holds: for
/// after rows were inserted with their ids given (a copy, a `causerie` import that
/// keeps ids). SQLite needs nothing: its next rowid follows the largest.
pub fn move_sequences_past_ids(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        for table in SERIAL_TABLES {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}

fn describe(counts: &[(&str, i64)]) -> String {
    counts
        .iter()
        .map(|(t, n)| format!("{t}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
