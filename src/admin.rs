//! What moderators do, independent of HTTP: log in (throttled), keep a session,
//! change a comment's status, edit it, reply as moderator, close a thread, and act
//! through the signed one-click links sent by email.

use diesel::prelude::*;

use crate::config::Config;
use crate::crypto::{hash_token, new_token, Secret};
use crate::db::models::{Comment, NewCommentRow};
use crate::db::queries::{
    action_links, admin as q, comments, login_failures, moderators, sessions, threads,
};
use crate::db::DbConn;
use crate::domain::{AuthorName, CommentBody, Status, Website};
use crate::moderators::verify_password;
use crate::sanitize::sanitize;

/// The window over which failed logins are counted.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;

/// A status change a moderator can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Unapprove,
    Spam,
    Delete,
    Restore,
    /// Delete for ever: the row goes; replies stay, as top-level comments.
    Purge,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Approve,
        Action::Unapprove,
        Action::Spam,
        Action::Delete,
        Action::Restore,
        Action::Purge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Unapprove => "unapprove",
            Action::Spam => "spam",
            Action::Delete => "delete",
            Action::Restore => "restore",
            Action::Purge => "purge",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The status the comment ends in (`None` for a purge).
    fn target(self) -> Option<Status> {
        match self {
            Action::Approve | Action::Restore => Some(Status::Approved),
            Action::Unapprove => Some(Status::Pending),
            Action::Spam => Some(Status::Spam),
            Action::Delete => Some(Status::Deleted),
            Action::Purge => None,
        }
    }

    /// Whether the action means something for a comment in `status` (the queue
    /// offers only those).
    pub fn applies_to(self, status: &str) -> bool {
        match self {
            Action::Approve => status == "pending",
            Action::Unapprove => status == "approved",
            Action::Spam => status == "pending" || status == "approved",
            Action::Delete => status != "deleted",
            Action::Restore => status == "spam" || status == "deleted",
            Action::Purge => status == "spam" || status == "deleted",
        }
    }
}

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
fn became_approved(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    before: &Comment,
    status: Status,
    now: i64,
) -> QueryResult<()> {
    if status != Status::Approved || before.status == Status::Approved.as_str() {
        return Ok(());
    }
    let mut approved = before.clone();
    approved.status = Status::Approved.as_str().to_owned();
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
        if parent.status == Status::Pending.as_str() {
            comments::set_status(conn, parent.id, Status::Approved)?;
            became_approved(conn, config, secret, &parent, Status::Approved, now)?;
        }
        let max = config.settings.max_depth as i32;
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
            status: Status::Approved.as_str(),
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

// ---------------------------------------------------------------------------
// Logging in

#[derive(Debug)]
pub enum LoginOutcome {
    /// The cookie value (the session token) and the CSRF token.
    LoggedIn {
        token: String,
    },
    WrongCredentials,
    /// Too many failures recently; try again after this many seconds.
    Throttled {
        retry_after: i64,
    },
}

/// A hash that verifies nothing, so that an unknown name costs as much time as a
/// known one and the answer's timing does not tell which names exist.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::moderators::hash_password("no moderator has this password").unwrap_or_default()
});

pub fn login(
    conn: &mut DbConn,
    config: &Config,
    name: &str,
    password: &str,
    ip: &str,
    now: i64,
) -> QueryResult<LoginOutcome> {
    let since = now - THROTTLE_WINDOW_SECS;
    let max = i64::from(config.settings.login_max_failures);
    let account = name.trim().to_lowercase();
    if login_failures::count_for_account(conn, &account, since)? >= max
        || login_failures::count_for_ip(conn, ip, since)? >= max * 4
    {
        return Ok(LoginOutcome::Throttled {
            retry_after: THROTTLE_WINDOW_SECS,
        });
    }
    let found = moderators::find(conn, name.trim())?;
    let stored = found
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |m| m.password_hash.as_str());
    let ok = verify_password(password, stored) && found.is_some();
    let Some(moderator) = found.filter(|_| ok) else {
        login_failures::record(conn, &account, ip, now)?;
        return Ok(LoginOutcome::WrongCredentials);
    };
    login_failures::clear_account(conn, &account)?;
    let token = new_token();
    sessions::insert(conn, &hash_token(&token), moderator.id, &new_token(), now)?;
    Ok(LoginOutcome::LoggedIn { token })
}

/// A moderator's session, as every admin page sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub moderator_id: i64,
    pub name: String,
    pub csrf: String,
}

/// The session of a cookie token, if it exists and has not been idle too long.
pub fn session(
    conn: &mut DbConn,
    config: &Config,
    token: &str,
    now: i64,
) -> QueryResult<Option<Session>> {
    let hash = hash_token(token);
    let Some(row) = sessions::find(conn, &hash)? else {
        return Ok(None);
    };
    let idle = i64::from(config.settings.session_idle_minutes) * 60;
    if now - row.last_seen_at > idle {
        sessions::delete(conn, &hash)?;
        return Ok(None);
    }
    // One write a minute at most: a session need not be exact to the second.
    if now - row.last_seen_at >= 60 {
        sessions::touch(conn, &hash, now)?;
    }
    Ok(Some(Session {
        moderator_id: row.moderator_id,
        name: row.name,
        csrf: row.csrf_token,
    }))
}

pub fn logout(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    sessions::delete(conn, &hash_token(token))
}

// ---------------------------------------------------------------------------
// One-click links

/// Creates one link token for each of approve, spam and delete on a comment; the
/// notification email carries them. Only their hashes are stored.
pub fn create_links(
    conn: &mut DbConn,
    comment_id: i64,
    now: i64,
    days: u32,
) -> QueryResult<Vec<(Action, String)>> {
    let expires = now + i64::from(days) * 86_400;
    [Action::Approve, Action::Spam, Action::Delete]
        .into_iter()
        .map(|action| {
            let token = new_token();
            action_links::insert(
                conn,
                &hash_token(&token),
                comment_id,
                action.as_str(),
                expires,
            )?;
            Ok((action, token))
        })
        .collect()
}

#[derive(Debug)]
pub enum LinkState {
    Valid {
        action: Action,
        comment: Box<Comment>,
    },
    Unknown,
    Used,
    Expired,
}

/// What a link token stands for, without using it.
pub fn inspect_link(conn: &mut DbConn, token: &str, now: i64) -> QueryResult<LinkState> {
    let Some(link) = action_links::find(conn, &hash_token(token))? else {
        return Ok(LinkState::Unknown);
    };
    if link.used_at.is_some() {
        return Ok(LinkState::Used);
    }
    if now > link.expires_at {
        return Ok(LinkState::Expired);
    }
    let (Some(action), Some(comment)) = (
        Action::parse(&link.action),
        comments::find(conn, link.comment_id)?,
    ) else {
        return Ok(LinkState::Unknown);
    };
    Ok(LinkState::Valid {
        action,
        comment: Box::new(comment),
    })
}

/// Uses a link: checks it, claims it (once, even under concurrent clicks), acts.
pub fn follow_link(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    token: &str,
    now: i64,
) -> Result<LinkState, AdminError> {
    crate::db::write_transaction(conn, |conn| {
        let state = inspect_link(conn, token, now)?;
        if let LinkState::Valid { action, comment } = &state {
            if !action_links::claim(conn, &hash_token(token), now)? {
                return Ok(LinkState::Used);
            }
            // As it is now, locked: a moderator may have acted on it meanwhile.
            let Some(comment) = comments::find_for_update(conn, comment.id)? else {
                return Ok(LinkState::Unknown);
            };
            action_links::retire_for_comment(conn, comment.id, now)?;
            match action.target() {
                Some(status) => {
                    comments::set_status(conn, comment.id, status)?;
                    became_approved(conn, config, secret, &comment, status, now)?;
                }
                None => {
                    q::delete_forever(conn, comment.id)?;
                }
            }
        }
        Ok(state)
    })
}

/// Forgets what is past its use: idle sessions, old login failures, expired links.
pub fn purge(conn: &mut DbConn, config: &Config, now: i64) -> QueryResult<usize> {
    let idle = i64::from(config.settings.session_idle_minutes) * 60;
    Ok(sessions::purge_idle(conn, now - idle)?
        + login_failures::purge(conn, now - THROTTLE_WINDOW_SECS)?
        + action_links::purge_expired(conn, now)?)
}
