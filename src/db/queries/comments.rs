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

/// The comments `ids`, by id.
pub fn find_all(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)
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
        .set((
            comments::status.eq(status),
            comments::status_at.eq(Some(crate::db::now())),
        ))
        .execute(conn)?;
    // Out of view (removed, held, spam): what its reply notifications would tell
    // is no longer there; those still waiting are withdrawn.
    if n > 0 && status != Status::Approved {
        crate::db::queries::outbox::withdraw_replies_about(conn, id)?;
    }
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

/// Says why comment `id` waits.
pub fn set_hold_reason(
    conn: &mut DbConn,
    id: i64,
    reason: &crate::domain::HoldReason,
) -> QueryResult<usize> {
    diesel::update(comments::table.find(id))
        .set(comments::hold_reason.eq(Some(reason)))
        .execute(conn)
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

/// Erased comments of a thread after `after_id` (up to `upto`, if given) under which
/// an approved reply hangs: the placeholders of the public list, as (id, parent).
pub fn placeholders(
    conn: &mut DbConn,
    thread_id: i64,
    after_id: i64,
    upto: Option<i64>,
) -> QueryResult<Vec<(i64, Option<i64>)>> {
    let mut q = comments::table
        .filter(comments::thread_id.eq(thread_id))
        .filter(comments::erased_at.is_not_null())
        .filter(comments::id.gt(after_id))
        .order(comments::id.asc())
        .select((comments::id, comments::parent_id))
        .into_boxed();
    if let Some(upto) = upto {
        q = q.filter(comments::id.le(upto));
    }
    let erased: Vec<(i64, Option<i64>)> = q.load(conn)?;
    if erased.is_empty() {
        return Ok(erased);
    }
    let ids: Vec<i64> = erased.iter().map(|(id, _)| *id).collect();
    let answered: Vec<Option<i64>> = comments::table
        .filter(comments::parent_id.eq_any(ids))
        .filter(comments::status.eq(Status::Approved))
        .select(comments::parent_id)
        .distinct()
        .load(conn)?;
    Ok(erased
        .into_iter()
        .filter(|(id, _)| answered.contains(&Some(*id)))
        .collect())
}

/// Every comment of `email` (normalized) on `site`, but erased ones, oldest first,
/// with its thread's page and public title.
pub fn of_author(
    conn: &mut DbConn,
    site: &str,
    email: &str,
) -> QueryResult<Vec<(Comment, String, String)>> {
    comments::table
        .inner_join(threads::table)
        .filter(threads::site.eq(site))
        .filter(comments::email.eq(email))
        .filter(comments::erased_at.is_null())
        .order(comments::id.asc())
        .select((Comment::as_select(), threads::page, threads::title))
        .load(conn)
}

/// Whether `email` (normalized) has a comment on `site` that is not erased.
pub fn author_has_comments(conn: &mut DbConn, site: &str, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table
            .inner_join(threads::table)
            .filter(threads::site.eq(site))
            .filter(comments::email.eq(email))
            .filter(comments::erased_at.is_null()),
    ))
    .get_result(conn)
}

/// Whether any comment replies to comment `id`.
pub fn has_replies(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table.filter(comments::parent_id.eq(id)),
    ))
    .get_result(conn)
}

/// Empties comment `id` of everything about its author and of its text, and takes it
/// out of every public view: what stays is its place in the thread, for its replies.
pub fn blank(conn: &mut DbConn, id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(comments::table.find(id))
        .set((
            comments::author.eq(""),
            comments::email.eq(""),
            comments::website.eq(None::<String>),
            comments::body_raw.eq(""),
            comments::body_html.eq(""),
            comments::status.eq(Status::Deleted),
            comments::hold_reason.eq(None::<crate::domain::HoldReason>),
            comments::notify_replies.eq(false),
            comments::ip.eq(None::<String>),
            comments::edit_token_hash.eq(None::<String>),
            comments::page_title.eq(None::<String>),
            comments::erased_at.eq(Some(now)),
            comments::status_at.eq(Some(now)),
        ))
        .execute(conn)
}

/// Deletes emptied comments that no reply answers any more; returns how many.
pub fn purge_unanswered_placeholders(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM comments WHERE erased_at IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id)",
    )
    .execute(conn)
}

/// Spam and deleted comments whose status is older than `before`, by id descending
/// (replies before the comments they answer), at most `limit`.
pub fn expired_removed(conn: &mut DbConn, before: i64, limit: i64) -> QueryResult<Vec<i64>> {
    comments::table
        .filter(comments::status.eq_any([Status::Spam, Status::Deleted]))
        .filter(comments::erased_at.is_null())
        .filter(
            comments::status_at.lt(before).or(comments::status_at
                .is_null()
                .and(comments::created_at.lt(before))),
        )
        .order(comments::id.desc())
        .limit(limit)
        .select(comments::id)
        .load(conn)
}
