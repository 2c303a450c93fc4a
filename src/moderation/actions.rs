//! What moderators do to comments, independent of HTTP: change a comment's status,
//! edit it, reply as moderator, close a thread.
//!
//! The admin pages act through the `…_within` functions and `edit`, which take the
//! moderator's [`SiteScope`]: a comment of a site they do not moderate is
//! [`AdminError::NotFound`], exactly as one that does not exist, so that its
//! existence does not leak. The check is made in the action's own transaction, on
//! the locked comment. `apply` and `reply` act for a moderator of every site.

use diesel::prelude::*;

use crate::auth::SiteScope;
use crate::config::Config;
use crate::db::models::{Comment, NewCommentRow};
use crate::db::queries::{action_links, admin as q, comments, threads};
use crate::db::Tx;
use crate::domain::{Action, AuthorName, Status, Website};
use crate::sanitize::SanitizedBody;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no such comment")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Comment `id`, locked, if it exists on one of the sites of `scope`.
fn find_in_scope(tx: &mut Tx<'_>, scope: &SiteScope, id: i64) -> Result<Comment, AdminError> {
    let comment = comments::find_for_update(tx, id)?
        .filter(|c| c.erased_at.is_none())
        .ok_or(AdminError::NotFound)?;
    if let SiteScope::Only(_) = scope {
        let site = threads::find(tx, comment.thread_id)?.map(|t| t.site);
        if !site.is_some_and(|s| scope.allows(&s)) {
            return Err(AdminError::NotFound);
        }
    }
    Ok(comment)
}

/// Applies `action` to comment `id`, as a moderator of every site.
pub fn apply(
    tx: &mut Tx<'_>,
    config: &Config,
    id: i64,
    action: Action,
    now: i64,
) -> Result<Comment, AdminError> {
    apply_within(tx, config, &SiteScope::All, id, action, now)
}

/// Applies `action` to comment `id` if it is on a site of `scope`. Every one-click
/// link of the comment is retired, since the decision has been taken. A reply that
/// becomes approved notifies its parent's author (in this transaction).
pub fn apply_within(
    tx: &mut Tx<'_>,
    config: &Config,
    scope: &SiteScope,
    id: i64,
    action: Action,
    now: i64,
) -> Result<Comment, AdminError> {
    let comment = find_in_scope(tx, scope, id)?;
    act(tx, config, &comment, action, now)?;
    Ok(comment)
}

/// What `action` does to `comment` (locked, as it is now), whoever takes it: the
/// queue or a one-click link. Its one-click links are retired, its open reports
/// resolved (their reporters told; a removed comment's author told why), and a
/// reply that becomes approved notifies its parent's author.
pub(super) fn act(
    tx: &mut Tx<'_>,
    config: &Config,
    comment: &Comment,
    action: Action,
    now: i64,
) -> QueryResult<()> {
    action_links::retire_for_comment(tx, comment.id, now)?;
    if let Some(decision) = crate::reports::Decision::of_status(action.target()) {
        crate::reports::decided(tx, config, comment, decision, now)?;
    }
    match action.target() {
        Some(status) => {
            comments::set_status(tx, comment.id, status)?;
            became_approved(tx, config, comment, status, now)?;
        }
        None => {
            q::delete_forever(tx, comment.id)?;
        }
    }
    Ok(())
}

/// A moderator of `scope` dismissed the reports of comment `id`: it stays (published
/// again if the reports held it); the reporters are told.
pub fn dismiss_reports_within(
    tx: &mut Tx<'_>,
    config: &Config,
    scope: &SiteScope,
    id: i64,
    now: i64,
) -> Result<Comment, AdminError> {
    let comment = find_in_scope(tx, scope, id)?;
    crate::reports::dismiss(tx, config, &comment, now)?;
    Ok(comment)
}

/// Notifies the parent's author when `before` (the comment as it was) is now approved.
pub(super) fn became_approved(
    tx: &mut Tx<'_>,
    config: &Config,
    before: &Comment,
    status: Status,
    now: i64,
) -> QueryResult<()> {
    if status != Status::Approved || before.status == Status::Approved {
        return Ok(());
    }
    let mut approved = before.clone();
    approved.status = Status::Approved;
    crate::notify::comment_approved(tx, config, &approved, now)
}

/// A moderator's edit of a comment of a site of `scope`: name, website and text
/// (sanitized by the caller, before the write lock).
pub fn edit(
    tx: &mut Tx<'_>,
    scope: &SiteScope,
    id: i64,
    author: &AuthorName,
    website: Option<&Website>,
    body: &SanitizedBody,
    now: i64,
) -> Result<(), AdminError> {
    find_in_scope(tx, scope, id)?;
    let n = q::update_content(
        tx,
        id,
        author.as_str(),
        website.map(|w| w.as_str()),
        body.raw.as_str(),
        &body.html,
        now,
    )?;
    if n == 0 {
        return Err(AdminError::NotFound);
    }
    Ok(())
}

/// A reply by a moderator of every site.
pub fn reply(
    tx: &mut Tx<'_>,
    config: &Config,
    parent_id: i64,
    moderator: &str,
    body: &SanitizedBody,
    now: i64,
) -> Result<Comment, AdminError> {
    reply_within(tx, config, &SiteScope::All, parent_id, moderator, body, now)
}

/// A moderator's reply to a comment of a site of `scope`: published at once, with the
/// moderator badge. Replying to a held comment approves it, as WordPress does: one
/// does not answer in public a comment the public cannot see.
pub fn reply_within(
    tx: &mut Tx<'_>,
    config: &Config,
    scope: &SiteScope,
    parent_id: i64,
    moderator: &str,
    body: &SanitizedBody,
    now: i64,
) -> Result<Comment, AdminError> {
    let parent = find_in_scope(tx, scope, parent_id)?;
    if parent.status == Status::Pending {
        comments::set_status(tx, parent.id, Status::Approved)?;
        became_approved(tx, config, &parent, Status::Approved, now)?;
    }
    let site = match threads::find(tx, parent.thread_id)? {
        Some(thread) => config.sites.of_thread(&thread.site),
        None => config.sites.first(),
    };
    let max = site.settings.max_depth as i32;
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
        body_raw: body.raw.as_str(),
        body_html: &body.html,
        status: Status::Approved,
        hold_reason: None,
        moderator: true,
        notify_replies: false,
        ip: None,
        edit_token_hash: None,
        created_at: now,
        page_title: None,
    };
    let inserted = comments::insert(tx, &row)?;
    crate::notify::comment_approved(tx, config, &inserted, now)?;
    Ok(inserted)
}

/// Opens or closes the thread of `page` on `site`; returns whether it has a thread.
pub fn set_thread_closed(
    tx: &mut Tx<'_>,
    site: &str,
    page: &str,
    closed: bool,
) -> QueryResult<bool> {
    threads::set_closed(tx, site, page, closed).map(|n| n > 0)
}
