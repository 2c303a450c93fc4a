//! Readers' reports of published comments (SPEC section 14).

use diesel::prelude::*;

use crate::db::schema::{comments, reports, threads};
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub comment_id: i64,
    /// The reporter's address block (`192.0.2.0/24`), `''` when unknown.
    pub block: String,
    pub reason: String,
    pub detail: Option<String>,
    /// The reporter's address, to tell them the decision; `None` once told.
    pub email: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    /// `kept` (dismissed, or approved again), `removed` or `erased` (by its author).
    pub resolution: Option<String>,
}

/// Records a report unless this block already has an open one on the comment;
/// returns whether it was recorded.
pub fn insert_once(
    conn: &mut DbConn,
    comment_id: i64,
    block: &str,
    reason: &str,
    detail: Option<&str>,
    email: Option<&str>,
    now: i64,
) -> QueryResult<bool> {
    let values = (
        reports::comment_id.eq(comment_id),
        reports::block.eq(block),
        reports::reason.eq(reason),
        reports::detail.eq(detail),
        reports::email.eq(email),
        reports::created_at.eq(now),
    );
    // The partial unique index (one open report per block and comment) decides.
    let n = crate::per_backend!(conn, |c| diesel::insert_into(reports::table)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Reports written from `block` since `since` (its rate limit).
pub fn count_from_block(conn: &mut DbConn, block: &str, since: i64) -> QueryResult<i64> {
    reports::table
        .filter(reports::block.eq(block))
        .filter(reports::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// The open reports of a comment, oldest first.
pub fn open_of(conn: &mut DbConn, comment_id: i64) -> QueryResult<Vec<Report>> {
    reports::table
        .filter(reports::comment_id.eq(comment_id))
        .filter(reports::resolved_at.is_null())
        .order(reports::id.asc())
        .select(Report::as_select())
        .load(conn)
}

/// Every report of a comment, open or resolved (the statement of reasons).
pub fn all_of(conn: &mut DbConn, comment_id: i64) -> QueryResult<Vec<Report>> {
    reports::table
        .filter(reports::comment_id.eq(comment_id))
        .order(reports::id.asc())
        .select(Report::as_select())
        .load(conn)
}

/// Resolves the open reports of a comment; the reporters' addresses are forgotten
/// (the caller has written to them first).
pub fn resolve(
    conn: &mut DbConn,
    comment_id: i64,
    resolution: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        reports::table
            .filter(reports::comment_id.eq(comment_id))
            .filter(reports::resolved_at.is_null()),
    )
    .set((
        reports::resolved_at.eq(Some(now)),
        reports::resolution.eq(Some(resolution)),
        reports::email.eq(None::<String>),
    ))
    .execute(conn)
}

/// Comments with open reports, on the sites of `sites` (`None`: every site), most
/// reported first, then oldest report first; with their open reports.
pub fn reported_comments(
    conn: &mut DbConn,
    sites: Option<&[String]>,
    limit: i64,
) -> QueryResult<Vec<(i64, Vec<Report>)>> {
    let mut q = reports::table
        .inner_join(comments::table.inner_join(threads::table))
        .filter(reports::resolved_at.is_null())
        .select(Report::as_select())
        .order(reports::id.asc())
        .into_boxed();
    if let Some(sites) = sites {
        q = q.filter(threads::site.eq_any(sites.to_vec()));
    }
    let rows: Vec<Report> = q.load(conn)?;
    // Grouped by comment, in the order of each comment's first open report.
    let mut by_comment: Vec<(i64, Vec<Report>)> = Vec::new();
    let mut at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for r in rows {
        let i = *at.entry(r.comment_id).or_insert_with(|| {
            by_comment.push((r.comment_id, Vec::new()));
            by_comment.len() - 1
        });
        by_comment[i].1.push(r);
    }
    by_comment.sort_by_key(|(_, list)| std::cmp::Reverse(list.len()));
    by_comment.truncate(limit as usize);
    Ok(by_comment)
}

/// Comments with open reports on the sites of `sites` (the queue's count).
pub fn count_reported(conn: &mut DbConn, sites: Option<&[String]>) -> QueryResult<i64> {
    let mut q = reports::table
        .inner_join(comments::table.inner_join(threads::table))
        .filter(reports::resolved_at.is_null())
        .select(diesel::dsl::count(reports::comment_id).aggregate_distinct())
        .into_boxed();
    if let Some(sites) = sites {
        q = q.filter(threads::site.eq_any(sites.to_vec()));
    }
    q.get_result(conn)
}

/// Forgets the reporters' address blocks of resolved reports older than `before`.
pub fn purge_blocks(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::update(
        reports::table
            .filter(reports::created_at.lt(before))
            .filter(reports::resolved_at.is_not_null())
            .filter(reports::block.ne("")),
    )
    .set(reports::block.eq(""))
    .execute(conn)
}

/// Forgets a reporter's address on their reports of `site`'s comments (their
/// erasure).
pub fn forget_reporter(conn: &mut DbConn, email: &str, site: &str) -> QueryResult<usize> {
    let of_site = comments::table
        .inner_join(threads::table)
        .filter(threads::site.eq(site))
        .select(comments::id);
    diesel::update(
        reports::table
            .filter(reports::email.eq(email))
            .filter(reports::comment_id.eq_any(of_site)),
    )
    .set(reports::email.eq(None::<String>))
    .execute(conn)
}

/// Every report after `after_id`, by id (export and migrate-data).
pub fn after(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<Report>> {
    reports::table
        .filter(reports::id.gt(after_id))
        .order(reports::id.asc())
        .limit(limit)
        .select(Report::as_select())
        .load(conn)
}
