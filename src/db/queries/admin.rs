//! The moderation queue: comments of any status, filtered and searched.

use diesel::prelude::*;

use crate::db::models::{Comment, Thread};
use crate::db::schema::{comments, threads};
use crate::db::DbConn;
use crate::domain::Status;

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// One site's comments only.
    pub site: Option<String>,
    /// The sites the moderator may see (`None`: every site).
    pub scope: Option<Vec<String>>,
    /// A page key, exactly.
    pub page: Option<String>,
    /// Words looked for in the text, the author's name and email.
    pub search: Option<String>,
}

type Boxed<'a> = comments::BoxedQuery<'a, crate::db::MultiBackend>;

diesel::define_sql_function! {
    /// Lower case, so that search ignores case on both backends (PostgreSQL's LIKE
    /// does not ignore it, SQLite's does for ASCII).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

fn filtered<'a>(filter: &'a QueueFilter, with_status: bool) -> Boxed<'a> {
    // An erased comment is nobody's any more: only its place in the thread is left,
    // and nothing to moderate.
    let mut q = comments::table
        .filter(comments::erased_at.is_null())
        .into_boxed();
    if with_status {
        if let Some(status) = filter.status {
            q = q.filter(comments::status.eq(status));
        }
    }
    if let Some(page) = &filter.page {
        q = q.filter(
            comments::thread_id.eq_any(
                threads::table
                    .filter(threads::page.eq(page))
                    .select(threads::id),
            ),
        );
    }
    if let Some(site) = &filter.site {
        q = q.filter(
            comments::thread_id.eq_any(
                threads::table
                    .filter(threads::site.eq(site))
                    .select(threads::id),
            ),
        );
    }
    if let Some(scope) = &filter.scope {
        q = q.filter(
            comments::thread_id.eq_any(
                threads::table
                    .filter(threads::site.eq_any(scope))
                    .select(threads::id),
            ),
        );
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // Both sides lowered by the database's own `lower`, so that they agree
        // (SQLite's folds ASCII only, PostgreSQL's every letter).
        let pattern = format!("%{}%", escape_like(search));
        q = q.filter(
            lower(comments::body_raw)
                .like(lower(pattern.clone()))
                .escape('\\')
                .or(lower(comments::author)
                    .like(lower(pattern.clone()))
                    .escape('\\'))
                .or(comments::email.like(lower(pattern)).escape('\\')),
        );
    }
    q
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A page of the queue, newest first, each comment with its thread.
pub fn list(
    conn: &mut DbConn,
    filter: &QueueFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Comment, Thread)>> {
    let rows: Vec<Comment> = filtered(filter, true)
        .order(comments::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|c| c.thread_id).collect();
    let found: Vec<Thread> = threads::table
        .filter(threads::id.eq_any(ids))
        .select(Thread::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let t = found.iter().find(|t| t.id == c.thread_id)?.clone();
            Some((c, t))
        })
        .collect())
}

/// How many comments of each status match the filter's page and search.
pub fn counts(conn: &mut DbConn, filter: &QueueFilter) -> QueryResult<Vec<(Status, i64)>> {
    [
        Status::Pending,
        Status::Approved,
        Status::Spam,
        Status::Deleted,
    ]
    .into_iter()
    .map(|status| {
        let n = filtered(filter, false)
            .filter(comments::status.eq(status))
            .count()
            .get_result(conn)?;
        Ok((status, n))
    })
    .collect()
}

pub fn delete_forever(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    crate::db::queries::outbox::withdraw_replies_about(conn, id)?;
    diesel::delete(comments::table.find(id)).execute(conn)
}

pub fn update_content(
    conn: &mut DbConn,
    id: i64,
    author: &str,
    website: Option<&str>,
    raw: &str,
    html: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(comments::table.find(id))
        .set((
            comments::author.eq(author),
            comments::website.eq(website),
            comments::body_raw.eq(raw),
            comments::body_html.eq(html),
            comments::edited_at.eq(Some(now)),
        ))
        .execute(conn)
}
