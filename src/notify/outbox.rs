//! Writing notifications to the outbox, always inside the caller's transaction: the
//! messages exist if and only if the comment (or its approval) does.

use diesel::QueryResult;

use crate::config::{Config, NotifyModerators};
use crate::crypto::{hash_token, new_token, Secret};
use crate::db::models::{Comment, Thread};
use crate::db::queries::outbox::{self as q, NewOutboxRow};
use crate::db::queries::{action_links, comments, threads, unsubscribed};
use crate::db::DbConn;
use crate::domain::{Action, Status};
use crate::i18n::MailWords;

use super::messages::{excerpt, subject, ModeratorMail, Rendered, ReplyMail};

pub const KIND_MODERATOR: &str = "moderator";
pub const KIND_REPLY: &str = "reply";

/// The purpose under which unsubscribe tokens are signed.
pub const UNSUBSCRIBE: &str = "unsubscribe";

/// A reader's comment was just stored: moderators hear of it (per
/// `notify_moderators`; never of spam), and if it is published, the author of the
/// comment it answers.
pub fn comment_posted(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    comment: &Comment,
    thread: &Thread,
    now: i64,
) -> QueryResult<()> {
    let status = comment.status;
    let wanted = match (config.site.notify_moderators, status) {
        (_, Status::Spam | Status::Deleted) | (NotifyModerators::None, _) => false,
        (NotifyModerators::All, _) => true,
        (NotifyModerators::Held, s) => s == Status::Pending,
    };
    if wanted && !comment.moderator && !config.site.notify_to.is_empty() {
        tell_moderators(conn, config, comment, thread, status, now)?;
    }
    if status == Status::Approved {
        comment_approved(conn, config, secret, comment, now)?;
    }
    Ok(())
}

/// `comment` has just become approved (at posting, by a moderator, by a one-click
/// link): the author of its parent gets one email, if they asked for replies, it is
/// not their own reply, they have not unsubscribed, and they are under the hourly
/// cap. Never twice for one reply.
pub fn comment_approved(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    reply: &Comment,
    now: i64,
) -> QueryResult<()> {
    let Some(parent) = reply
        .parent_id
        .map(|id| comments::find(conn, id))
        .transpose()?
    else {
        return Ok(());
    };
    let Some(parent) = parent else {
        return Ok(());
    };
    let to = parent.email.trim().to_lowercase();
    let parent_visible = matches!(parent.status, Status::Approved | Status::Pending);
    if !parent.notify_replies
        || !parent_visible
        || to.is_empty()
        || to == reply.email.trim().to_lowercase()
        || unsubscribed::is_unsubscribed(conn, &to, parent.thread_id)?
        || q::exists_for(conn, KIND_REPLY, reply.id, &to)?
    {
        return Ok(());
    }
    let per_hour = i64::from(config.mail.reply_notifications_per_hour);
    if q::count_since(conn, KIND_REPLY, &to, now - 3600)? >= per_hour {
        tracing::info!(
            comment = reply.id,
            "reply notification not written: the recipient had {per_hour} in the last hour"
        );
        return Ok(());
    }
    let Some(thread) = threads::find(conn, reply.thread_id)? else {
        return Ok(());
    };
    let lang = config.site.lang;
    let w = MailWords::of(lang);
    let token = secret.sign(UNSUBSCRIBE, &parent.id.to_string());
    let unsubscribe_url = absolute(config, &format!("unsubscribe/{token}"));
    let mail = ReplyMail {
        w,
        lang,
        subject: subject(w, w.subject_reply, &thread.title),
        title: thread.title.clone(),
        replier: reply.author.clone(),
        by_moderator: reply.moderator,
        reply_text: reply.body_raw.clone(),
        reply_html: reply.body_html.clone(),
        reply_url: thread_url(config, &thread.page, reply.id),
        your_excerpt: excerpt(&parent.body_raw, 140),
        unsubscribe_url: unsubscribe_url.clone(),
    };
    let Some(rendered) = rendered(mail.render(), reply.id) else {
        return Ok(());
    };
    write(
        conn,
        config,
        KIND_REPLY,
        reply.id,
        &to,
        &rendered,
        Some(&unsubscribe_url),
        now,
    )
}

fn tell_moderators(
    conn: &mut DbConn,
    config: &Config,
    comment: &Comment,
    thread: &Thread,
    status: Status,
    now: i64,
) -> QueryResult<()> {
    let lang = config.site.lang;
    let w = MailWords::of(lang);
    let code = lang.code();
    let held = status == Status::Pending;
    let links = create_links(conn, comment.id, now, config.retention.action_links)?
        .into_iter()
        .filter(|(action, _)| action.applies_to(comment.status))
        .map(|(action, token)| {
            let label = match action {
                Action::Approve => w.approve,
                Action::Spam => w.spam,
                _ => w.delete,
            };
            (
                label,
                absolute(config, &format!("admin/act/{token}?lang={code}")),
            )
        })
        .collect();
    let (lead, intro) = if held {
        (w.subject_held, w.held_intro)
    } else {
        (w.subject_new, w.new_intro)
    };
    let mail = ModeratorMail {
        w,
        lang,
        subject: subject(w, lead, &thread.title),
        intro,
        title: thread.title.clone(),
        thread_url: thread_url(config, &thread.page, comment.id),
        author: comment.author.clone(),
        email: comment.email.clone(),
        website: comment.website.clone(),
        body_text: comment.body_raw.clone(),
        body_html: comment.body_html.clone(),
        reason: comment
            .hold_reason
            .as_ref()
            .filter(|_| held)
            .map(|r| r.text(lang)),
        links,
        queue_url: absolute(
            config,
            &format!("admin/comments/{}?lang={code}", comment.id),
        ),
    };
    let Some(rendered) = rendered(mail.render(), comment.id) else {
        return Ok(());
    };
    for to in &config.site.notify_to {
        write(
            conn,
            config,
            KIND_MODERATOR,
            comment.id,
            &to.to_string(),
            &rendered,
            None,
            now,
        )?;
    }
    Ok(())
}

/// A template that fails to render is a bug, logged; the comment must not fail for it.
fn rendered(r: askama::Result<Rendered>, comment_id: i64) -> Option<Rendered> {
    r.map_err(|e| tracing::error!(comment = comment_id, error = %e, "an email template failed"))
        .ok()
}

#[allow(clippy::too_many_arguments)]
fn write(
    conn: &mut DbConn,
    config: &Config,
    kind: &str,
    comment_id: i64,
    recipient: &str,
    m: &Rendered,
    list_unsubscribe: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    let host = config
        .server
        .public_url
        .host_str()
        .unwrap_or("causerie.invalid");
    let message_id = format!("<{now}.{}@{host}>", new_token());
    q::insert(
        conn,
        &NewOutboxRow {
            kind,
            comment_id: Some(comment_id),
            recipient,
            subject: &m.subject,
            body_text: &m.text,
            body_html: &m.html,
            list_unsubscribe,
            message_id: &message_id,
            status: q::QUEUED,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        },
    )?;
    super::mark_enqueued();
    Ok(())
}

/// A URL under `public_url` (which may itself have a path).
pub fn absolute(config: &Config, relative: &str) -> String {
    config
        .server
        .public_url
        .join(relative)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("{}{relative}", config.server.public_url))
}

/// The comment on the thread's page without JavaScript: `{public_url}t?page=…#c{id}`.
fn thread_url(config: &Config, page: &str, comment_id: i64) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
    absolute(
        config,
        &format!(
            "t?page={enc}&lang={}#c{comment_id}",
            config.site.lang.code()
        ),
    )
}

/// Creates one link token for each of approve, spam and delete on a comment; the
/// notification email carries them. Only their hashes are stored.
pub fn create_links(
    conn: &mut DbConn,
    comment_id: i64,
    now: i64,
    valid_for: std::time::Duration,
) -> QueryResult<Vec<(Action, String)>> {
    let expires = now + crate::clock::secs(valid_for);
    [Action::Approve, Action::Spam, Action::Delete]
        .into_iter()
        .map(|action| {
            let token = new_token();
            action_links::insert(conn, &hash_token(&token), comment_id, action, expires)?;
            Ok((action, token))
        })
        .collect()
}
