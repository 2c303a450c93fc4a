//! What moderators do to comments, independent of HTTP: change a comment's status,
//! edit it, reply as moderator, close a thread.

use diesel::prelude::*;

use crate::config::Config;
use crate::crypto::Secret;
use crate::db::models::{Comment, NewCommentRow};
use crate::db::queries::{action_links, admin as q, comments, threads};
use crate::db::DbConn;
use crate::domain::{Action, AuthorName, CommentBody, Status, Website};
use crate::sanitize::sanitize;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no such comment")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Applies `action` to comment `id`. Every one-click link of the comment is retired,
/// since the decision has been taken. A reply that becomes approved notifies its
/// parent's author (in this transaction).
pub fn apply(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    id: i64,
    action: Action,
    now: i64,
) -> Result<Comment, AdminError> {
    crate::db::write_transaction(conn, |conn| {
        let comment = comments::find_for_update(conn, id)?.ok_or(AdminError::NotFound)?;
        action_links::retire_for_comment(conn, id, now)?;
        match action.target() {
            Some(status) => {
                comments::set_status(conn, id, status)?;
                became_approved(conn, config, secret, &comment, status, now)?;
            }
            None => {
                q::delete_forever(conn, id)?;
            }
        }
        Ok(comment)
    })
}

/// Notifies the parent's author when `before` (the comment as it was) is now approved.
pub(super) fn became_approved(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    before: &Comment,
    status: Status,
    now: i64,
) -> QueryResult<()> {
    if status != Status::Approved || before.status == Status::Approved {
        return Ok(());
    }
    let mut approved = before.clone();
    approved.status = Status::Approved;
    crate::notify::comment_approved(conn, config, secret, &approved, now)
}

/// A moderator's edit: name, website and text, re-sanitized.
pub fn edit(
    conn: &mut DbConn,
    id: i64,
    author: &AuthorName,
    website: Option<&Website>,
    body: &CommentBody,
    now: i64,
) -> Result<(), AdminError> {
    let html = sanitize(body.as_str());
    let n = q::update_content(
        conn,
        id,
        author.as_str(),
        website.map(|w| w.as_str()),
        body.as_str(),
        &html,
        now,
    )?;
    if n == 0 {
        return Err(AdminError::NotFound);
    }
    Ok(())
}

/// A moderator's reply: published at once, with the moderator badge. Replying to a
/// held comment approves it, as WordPress does: one does not answer in public a
/// comment the public cannot see.
pub fn reply(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    parent_id: i64,
    moderator: &str,
    body: &CommentBody,
    now: i64,
) -> Result<Comment, AdminError> {
    let html = sanitize(body.as_str());
    crate::db::write_transaction(conn, |conn| {
        let parent = comments::find_for_update(conn, parent_id)?.ok_or(AdminError::NotFound)?;
        if parent.status == Status::Pending {
            comments::set_status(conn, parent.id, Status::Approved)?;
            became_approved(conn, config, secret, &parent, Status::Approved, now)?;
        }
        let max = config.site.max_depth as i32;
        let (parent_ref, depth) = if parent.depth >= max {
            (parent.parent_id, parent.depth)
        } else {
            (Some(parent.id), parent.depth + 1)
        };
        let row = NewCommentRow {
            thread_id: parent.thread_id,
            parent_id: parent_ref,
            depth,
            author: moderator,
            email: "",
            website: None,
            body_raw: body.as_str(),
            body_html: &html,
            status: Status::Approved,
            hold_reason: None,
            moderator: true,
            notify_replies: false,
            ip: None,
            edit_token_hash: None,
            created_at: now,
        };
        let inserted = comments::insert(conn, &row)?;
        crate::notify::comment_approved(conn, config, secret, &inserted, now)?;
        Ok(inserted)
    })
}

/// Opens or closes the thread of `page`; returns whether the page has a thread.
pub fn set_thread_closed(conn: &mut DbConn, page: &str, closed: bool) -> QueryResult<bool> {
    threads::set_closed(conn, page, closed).map(|n| n > 0)
}
