use diesel::prelude::*;

use crate::db::models::{Comment, NewCommentRow};
use crate::db::schema::{comments, threads};
use crate::db::DbConn;
use crate::domain::Status;

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Comment>> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()
}

/// The comment, locked on PostgreSQL until the transaction ends, so that two
/// moderators acting on it at once (from two instances) act one after the other, each
/// on what the other left. On SQLite a writing transaction already runs alone.
pub fn find_for_update(conn: &mut DbConn, id: i64) -> QueryResult<Option<Comment>> {
    if let DbConn::Pg(c) = conn {
        return comments::table
            .find(id)
            .select(Comment::as_select())
            .for_update()
            .first(c)
            .optional();
    }
    find(conn, id)
}

pub fn insert(conn: &mut DbConn, row: &NewCommentRow<'_>) -> QueryResult<Comment> {
    // RETURNING of a `Selectable` is compiled per backend (not for diesel's
    // multi-backend).
    crate::per_backend!(conn, |c| diesel::insert_into(comments::table)
        .values(row)
        .returning(Comment::as_returning())
        .get_result(c))
}

/// Approved comments of a thread after `after_id`, oldest first, at most `limit`.
pub fn list_approved(
    conn: &mut DbConn,
    thread_id: i64,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::thread_id.eq(thread_id))
        .filter(comments::status.eq(Status::Approved))
        .filter(comments::id.gt(after_id))
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)
}

pub fn count_approved(conn: &mut DbConn, thread_id: i64) -> QueryResult<i64> {
    comments::table
        .filter(comments::thread_id.eq(thread_id))
        .filter(comments::status.eq(Status::Approved))
        .count()
        .get_result(conn)
}

/// Approved comments per page, in one query, for the pages that have any.
pub fn count_approved_by_page(
    conn: &mut DbConn,
    site: &str,
    pages: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    threads::table
        .inner_join(comments::table)
        .filter(threads::site.eq(site))
        .filter(threads::page.eq_any(pages))
        .filter(comments::status.eq(Status::Approved))
        .group_by(threads::page)
        .select((threads::page, diesel::dsl::count(comments::id)))
        .load(conn)
}

/// `first_time` moderation: has this (normalized) email an approved comment already?
pub fn email_has_approved(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::email.eq(email))
            .filter(comments::status.eq(Status::Approved)),
    ))
    .get_result(conn)
}

/// The same text from the same address on the same page, not deleted: a double post.
pub fn is_duplicate(
    conn: &mut DbConn,
    thread_id: i64,
    email: &str,
    body_raw: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::thread_id.eq(thread_id))
            .filter(comments::email.eq(email))
            .filter(comments::body_raw.eq(body_raw))
            .filter(comments::status.ne(Status::Deleted)),
    ))
    .get_result(conn)
}

pub fn update_body(
    conn: &mut DbConn,
    id: i64,
    raw: &str,
    html: &str,
    now: i64,
) -> QueryResult<Comment> {
    crate::per_backend!(conn, |c| diesel::update(comments::table.find(id))
        .set((
            comments::body_raw.eq(raw),
            comments::body_html.eq(html),
            comments::edited_at.eq(Some(now)),
        ))
        .returning(Comment::as_returning())
        .get_result(c))
}

/// Gives comment `id` its status. A comment published this way (a moderator's
/// approval, a one-click link) gives its thread the page title its request sent, if
/// the thread has none yet: held, it named nothing publicly.
pub fn set_status(conn: &mut DbConn, id: i64, status: Status) -> QueryResult<usize> {
    let n = diesel::update(comments::table.find(id))
        .set(comments::status.eq(status))
        .execute(conn)?;
    if n > 0 && status == Status::Approved {
        let found: Option<(i64, Option<String>)> = comments::table
            .find(id)
            .select((comments::thread_id, comments::page_title))
            .first(conn)
            .optional()?;
        if let Some((thread_id, Some(title))) = found {
            crate::db::queries::threads::adopt_title(conn, thread_id, &title)?;
        }
    }
    Ok(n)
}

/// Forgets the truncated IP of comments older than `before`; returns how many.
pub fn purge_ips(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::update(
        comments::table
            .filter(comments::created_at.lt(before))
            .filter(comments::ip.is_not_null()),
    )
    .set(comments::ip.eq(None::<String>))
    .execute(conn)
}
