//! What happens to a comment, independent of HTTP: posting (thread creation, reply
//! depth, moderation decision, sanitizing), the author's edit and removal by token,
//! and the public view of a stored comment (which has no email in it).

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::clock::secs;
use crate::config::{Config, Site, SiteSettings};
use crate::crypto::{hash_token, new_token, same_hash, Secret};
use crate::db::models::{Comment, NewCommentRow, Thread};
use crate::db::queries::{comments as q, threads};
use crate::db::{DbConn, Tx};
use crate::domain::{NewComment, Status};
use crate::sanitize::{sanitize, SanitizedBody};

#[derive(Debug)]
pub struct Posted {
    pub comment: Comment,
    /// What the author is told: `approved` or `pending` (spam is reported as pending).
    pub status: Status,
    pub edit_token: String,
    pub editable_until: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("thread closed")]
    ThreadClosed,
    #[error("unknown parent")]
    UnknownParent,
    #[error("duplicate comment")]
    Duplicate,
    #[error("too many comments")]
    Limited(crate::abuse::Limited),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorActionError {
    #[error("unknown comment")]
    NotFound,
    #[error("wrong token")]
    WrongToken,
    #[error("edit window closed")]
    WindowClosed,
    /// The request came from a page of another site than the comment's.
    #[error("another site's comment")]
    OtherSite,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A comment ready to store: the reader's input with what is computed from it alone
/// (the sanitized text, the edit token), done before the write lock rather than
/// under it.
#[derive(Debug)]
pub struct Submission {
    input: NewComment,
    body_html: String,
    edit_token: String,
    edit_token_hash: String,
}

impl Submission {
    pub fn new(input: NewComment) -> Submission {
        let body_html = sanitize(input.body.as_str());
        let edit_token = new_token();
        let edit_token_hash = hash_token(&edit_token);
        Submission {
            input,
            body_html,
            edit_token,
            edit_token_hash,
        }
    }
}

/// Stores a reader's comment. One unit of work, so that two first comments of a
/// page cannot create two threads, two posts of one author cannot both pass the
/// limits, and the `201` comes only after the commit.
pub fn post(
    tx: &mut Tx<'_>,
    config: &Config,
    site: &Site,
    submission: &Submission,
    ip: Option<&str>,
    now: i64,
) -> Result<Posted, PostError> {
    let input = &submission.input;
    let body_html = &submission.body_html;
    let email = input.email.normalized();
    crate::abuse::serialize_author(tx, ip, &email)?;
    // The request's title is not the thread's yet: only a published comment's is
    // (SPEC section 5), so a held spammer cannot name the page.
    let thread = threads::find_or_create(tx, site.id.as_str(), input.page.as_str(), "", now)?;
    let rules = &site.settings;
    if !thread_open(&thread, rules, now) {
        return Err(PostError::ThreadClosed);
    }
    // "You already said that" before "slow down": a double submit is the same
    // comment again, and is told so rather than to wait (WordPress's order too).
    if q::is_duplicate(tx, thread.id, &email, input.body.as_str())? {
        return Err(PostError::Duplicate);
    }
    crate::abuse::check(tx, &config.limits, thread.id, ip, &email, now)?
        .map_err(PostError::Limited)?;
    let (parent_id, depth) = match input.parent {
        None => (None, 0),
        Some(pid) => attach_point(tx, thread.id, pid, rules.max_depth as i32)?,
    };
    let verdict = crate::moderation::rules::judge(rules, input, body_html, || {
        q::email_has_approved(tx, &email)
    })?;
    let comment = q::insert(
        tx,
        &NewCommentRow {
            thread_id: thread.id,
            parent_id,
            depth,
            author: input.author.as_str(),
            email: &email,
            website: input.website.as_ref().map(|w| w.as_str()),
            body_raw: input.body.as_str(),
            body_html,
            status: verdict.status,
            hold_reason: verdict.reason.as_ref(),
            moderator: false,
            notify_replies: input.notify_replies,
            ip,
            edit_token_hash: Some(&submission.edit_token_hash),
            created_at: now,
            page_title: input.title.as_deref(),
        },
    )?;
    if verdict.status == Status::Approved {
        if let Some(title) = input.title.as_deref() {
            threads::adopt_title(tx, thread.id, title)?;
        }
    }
    // Its emails are decided with it, in this transaction (written and sent later,
    // outside).
    crate::notify::comment_posted(tx, config, site, &comment, now)?;
    // A spammer is told the comment waits, like anyone held: telling would
    // teach them which words to avoid.
    let shown = match verdict.status {
        Status::Spam => Status::Pending,
        other => other,
    };
    Ok(Posted {
        comment,
        status: shown,
        edit_token: submission.edit_token.clone(),
        editable_until: now + secs(rules.edit_window),
    })
}

/// A thread takes comments unless a moderator closed it or it is past its site's
/// `close_after_days`.
pub fn thread_open(thread: &Thread, site: &SiteSettings, now: i64) -> bool {
    !thread.closed && closes_at(thread, site).is_none_or(|at| now < at)
}

/// When a thread closes by itself, if its site closes threads.
pub fn closes_at(thread: &Thread, site: &SiteSettings) -> Option<i64> {
    site.close_after.map(|d| thread.created_at + secs(d))
}

/// Where a reply hangs: the comment replied to, or, past the allowed depth, the
/// deepest ancestor that may still take replies.
fn attach_point(
    conn: &mut DbConn,
    thread_id: i64,
    parent_id: i64,
    max_depth: i32,
) -> Result<(Option<i64>, i32), PostError> {
    let parent = q::find(conn, parent_id)?
        .filter(|p| p.thread_id == thread_id)
        .filter(|p| matches!(p.status, Status::Approved | Status::Pending))
        .ok_or(PostError::UnknownParent)?;
    Ok(reply_anchor(conn, parent, max_depth)?)
}

/// Where a reply to `parent` goes: under it, or under its nearest ancestor above
/// `max_depth`; returns the parent id and the reply's depth. For readers' replies
/// and imported ones alike.
pub fn reply_anchor(
    conn: &mut DbConn,
    parent: Comment,
    max_depth: i32,
) -> diesel::QueryResult<(Option<i64>, i32)> {
    if max_depth <= 0 {
        return Ok((None, 0));
    }
    let mut anchor = parent;
    while anchor.depth >= max_depth {
        match anchor
            .parent_id
            .map(|id| q::find(conn, id))
            .transpose()?
            .flatten()
        {
            Some(up) => anchor = up,
            None => break,
        }
    }
    Ok((Some(anchor.id), (anchor.depth + 1).min(max_depth)))
}

/// The comment `id`, if `token` is its edit token and the window is still open.
/// `from_site` is the site whose page sent the request, if a site's page did.
fn authorize(
    conn: &mut DbConn,
    config: &Config,
    from_site: Option<&str>,
    id: i64,
    token: &str,
    now: i64,
) -> Result<Comment, AuthorActionError> {
    let comment = q::find(conn, id)?
        .filter(|c| matches!(c.status, Status::Approved | Status::Pending))
        .ok_or(AuthorActionError::NotFound)?;
    let stored = comment.edit_token_hash.as_deref().unwrap_or("");
    if !same_hash(stored, &hash_token(token)) {
        return Err(AuthorActionError::WrongToken);
    }
    let thread = threads::find(conn, comment.thread_id)?.ok_or(AuthorActionError::NotFound)?;
    if from_site.is_some_and(|s| s != thread.site) {
        return Err(AuthorActionError::OtherSite);
    }
    let site = config.sites.of_thread(&thread.site);
    if now > comment.created_at + secs(site.settings.edit_window) {
        return Err(AuthorActionError::WindowClosed);
    }
    Ok(comment)
}

/// The author's edit: the new text replaces the old, the raw text kept.
pub fn edit(
    tx: &mut Tx<'_>,
    config: &Config,
    from_site: Option<&str>,
    id: i64,
    token: &str,
    body: &SanitizedBody,
    now: i64,
) -> Result<Comment, AuthorActionError> {
    authorize(tx, config, from_site, id, token, now)?;
    Ok(q::update_body(tx, id, body.raw.as_str(), &body.html, now)?)
}

/// The author's removal: the comment leaves every public view at once.
pub fn remove(
    tx: &mut Tx<'_>,
    config: &Config,
    from_site: Option<&str>,
    id: i64,
    token: &str,
    now: i64,
) -> Result<(), AuthorActionError> {
    authorize(tx, config, from_site, id, token, now)?;
    q::set_status(tx, id, Status::Deleted)?;
    Ok(())
}

/// A comment as the public sees it. Built only from the fields that may be shown:
/// there is deliberately no email here, nor anything derived from it but the HMAC key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Comment)]
pub struct PublicComment {
    #[schema(minimum = 1)]
    pub id: i64,
    /// The comment this one replies to, `null` for a comment on the page itself.
    #[schema(required = true, minimum = 1)]
    pub parent: Option<i64>,
    pub author: String,
    #[schema(required = true, format = "uri")]
    pub website: Option<String>,
    /// The URL of the author's avatar (`/avatar/KEY.svg`), the same for the same
    /// email without revealing it.
    pub avatar: String,
    /// Sanitized HTML: only the tags of the whitelist (`GET /api/v1/config`).
    pub body: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339, `null` unless the author or a moderator edited it.
    #[schema(required = true, format = DateTime)]
    pub edited_at: Option<String>,
    /// Written by a moderator of the site.
    pub moderator: bool,
}

impl PublicComment {
    pub fn new(c: &Comment, secret: &Secret, public_url: &url::Url) -> PublicComment {
        let key = secret.avatar_key(&c.email);
        PublicComment {
            id: c.id,
            parent: c.parent_id,
            author: c.author.clone(),
            website: c.website.clone(),
            avatar: public_url
                .join(&format!("avatar/{key}.svg"))
                .map(|u| u.to_string())
                .unwrap_or_else(|_| format!("/avatar/{key}.svg")),
            body: c.body_html.clone(),
            created_at: rfc3339(c.created_at),
            edited_at: c.edited_at.map(rfc3339),
            moderator: c.moderator,
        }
    }
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
