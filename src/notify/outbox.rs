//! The outbox's two halves.
//!
//! Deciding, always inside the caller's unit of work (`comment_posted`,
//! `comment_approved`): who hears of what, under the caps, the dedupe and the
//! unsubscriptions, written as *drafts* (kind, comment, recipient), so that the
//! messages exist if and only if the comment (or its approval) does.
//!
//! Writing, by the worker after the commit and outside any lock (`render`): the
//! subject and the two bodies, the one-click link tokens (their hashes stored as the
//! draft becomes `queued`) and the unsubscribe token. Nothing is lost if the process
//! stops in between: the draft is in the database, and whichever worker comes next
//! writes it. Rendering is the costly half; it used to run under SQLite's write lock.

use diesel::QueryResult;

use crate::config::{Config, NotifyModerators, Site};
use crate::crypto::{hash_token, new_token, Secret};
use crate::db::models::{Comment, Thread};
use crate::db::queries::outbox::{self as q, OutboxKind, OutboxMessage};
use crate::db::queries::{action_links, comments, threads, unsubscribed};
use crate::db::{DbConn, Tx};
use crate::domain::{Action, Status};
use crate::i18n::{Lang, MailWords};

use super::messages::{excerpt, subject, ModeratorMail, Rendered, ReplyMail};

/// The purpose under which unsubscribe tokens are signed.
pub const UNSUBSCRIBE: &str = "unsubscribe";

/// A reader's comment was just stored: moderators hear of it (per
/// `notify_moderators`; never of spam), and if it is published, the author of the
/// comment it answers.
pub fn comment_posted(
    tx: &mut Tx<'_>,
    config: &Config,
    site: &Site,
    comment: &Comment,
    now: i64,
) -> QueryResult<()> {
    let status = comment.status;
    let wanted = match (site.settings.notify_moderators, status) {
        (_, Status::Spam | Status::Deleted) | (NotifyModerators::None, _) => false,
        (NotifyModerators::All, _) => true,
        (NotifyModerators::Held, s) => s == Status::Pending,
    };
    if wanted && !comment.moderator {
        for to in &site.settings.notify_to {
            draft(tx, OutboxKind::Moderator, comment.id, &to.to_string(), now)?;
        }
    }
    if status == Status::Approved {
        comment_approved(tx, config, comment, now)?;
    }
    Ok(())
}

/// `comment` has just become approved (at posting, by a moderator, by a one-click
/// link): the author of its parent gets one email, if they asked for replies, it is
/// not their own reply, they have not unsubscribed, and they are under the hourly
/// cap. Never twice for one reply.
pub fn comment_approved(
    tx: &mut Tx<'_>,
    config: &Config,
    reply: &Comment,
    now: i64,
) -> QueryResult<()> {
    let Some(parent) = reply
        .parent_id
        .map(|id| comments::find(tx, id))
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
        || unsubscribed::is_unsubscribed(tx, &to, parent.thread_id)?
        || q::exists_for(tx, OutboxKind::Reply, reply.id, &to)?
    {
        return Ok(());
    }
    let per_hour = i64::from(config.mail.reply_notifications_per_hour);
    let an_hour_ago = now - crate::clock::secs(crate::clock::hours(1));
    if q::count_since(tx, OutboxKind::Reply, &to, an_hour_ago)? >= per_hour {
        tracing::info!(
            comment = reply.id,
            "reply notification not written: the recipient had {per_hour} in the last hour"
        );
        return Ok(());
    }
    draft(tx, OutboxKind::Reply, reply.id, &to, now)
}

fn draft(
    tx: &mut Tx<'_>,
    kind: OutboxKind,
    comment_id: i64,
    recipient: &str,
    now: i64,
) -> QueryResult<()> {
    q::insert_draft(tx, kind, comment_id, recipient, now)?;
    tx.outbox_written();
    Ok(())
}

/// A draft, written: what `queries::outbox::fill` stores, with the one-click links
/// whose hashes go into `action_links` at the same time.
#[derive(Debug)]
pub struct Written {
    pub rendered: Rendered,
    pub list_unsubscribe: Option<String>,
    pub message_id: String,
    /// (token hash, comment, action, expiry) of each one-click link in the message.
    pub links: Vec<(String, i64, Action, i64)>,
}

/// What became of a draft.
#[derive(Debug)]
pub enum Render {
    Written(Box<Written>),
    /// Its comment (or the thread, or the parent) is gone: nothing left to tell.
    Gone,
    /// A template failed: a bug, logged; the message cannot be written.
    Broken(String),
}

/// Writes draft `m` from the comment as it is now (reads only: no transaction, no
/// lock); creates its link tokens, to be stored with it.
pub fn render(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    m: &OutboxMessage,
    now: i64,
) -> QueryResult<Render> {
    let Some(comment) = m
        .comment_id
        .map(|id| comments::find(conn, id))
        .transpose()?
    else {
        return Ok(Render::Gone);
    };
    let Some(comment) = comment else {
        return Ok(Render::Gone);
    };
    match m.kind {
        OutboxKind::Moderator => for_moderators(conn, config, m, &comment, now),
        OutboxKind::Reply => for_replied(conn, config, secret, m, &comment),
        OutboxKind::Reported => for_reported(conn, config, m, &comment),
        // Written at once, never as drafts.
        OutboxKind::MyData | OutboxKind::Decision | OutboxKind::Removal => Ok(Render::Gone),
    }
}

fn for_replied(
    conn: &mut DbConn,
    config: &Config,
    secret: &Secret,
    m: &OutboxMessage,
    reply: &Comment,
) -> QueryResult<Render> {
    let Some(parent) = reply
        .parent_id
        .map(|id| comments::find(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(Render::Gone);
    };
    let Some(thread) = threads::find(conn, reply.thread_id)? else {
        return Ok(Render::Gone);
    };
    let lang = config.sites.of_thread(&thread.site).settings.lang;
    let w = MailWords::of(lang);
    let token = secret.sign(UNSUBSCRIBE, &parent.id.to_string());
    let unsubscribe_url = absolute(config, &format!("unsubscribe/{token}"));
    let mail = ReplyMail {
        w,
        lang,
        subject: subject(w, w.subject_reply, thread.title_or_page()),
        title: thread.title_or_page().to_owned(),
        replier: reply.author.clone(),
        by_moderator: reply.moderator,
        reply_text: reply.body_raw.clone(),
        reply_html: reply.body_html.clone(),
        reply_url: thread_url(config, &thread, lang, reply.id),
        your_excerpt: excerpt(&parent.body_raw, 140),
        unsubscribe_url: unsubscribe_url.clone(),
    };
    Ok(written(
        config,
        m,
        mail.render(),
        Some(unsubscribe_url),
        Vec::new(),
    ))
}

fn for_moderators(
    conn: &mut DbConn,
    config: &Config,
    m: &OutboxMessage,
    comment: &Comment,
    now: i64,
) -> QueryResult<Render> {
    let Some(thread) = threads::find(conn, comment.thread_id)? else {
        return Ok(Render::Gone);
    };
    let lang = config.sites.of_thread(&thread.site).settings.lang;
    let w = MailWords::of(lang);
    let code = lang.code();
    // Held unless published: a comment marked spam or deleted since it was posted
    // is still one a moderator may want to undo.
    let held = comment.status != Status::Approved;
    let expires = now + crate::clock::secs(config.retention.action_links);
    let tokens: Vec<(Action, String)> = [Action::Approve, Action::Spam, Action::Delete]
        .into_iter()
        .map(|action| (action, new_token()))
        .collect();
    let links = tokens
        .iter()
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
    // Moderators may see the title a held comment proposes, said to be only that;
    // the public sees the page's path until a published comment names it.
    let (title, title_note) = match (thread.public_title(), &comment.page_title) {
        (Some(t), _) => (t.to_owned(), None),
        (None, Some(p)) if !p.trim().is_empty() => (p.clone(), Some(w.title_proposed)),
        (None, _) => (thread.page.clone(), None),
    };
    let mut subject = subject(w, lead, &title);
    if let Some(note) = title_note {
        subject.push_str(&format!(" ({note})"));
    }
    let mail = ModeratorMail {
        w,
        lang,
        subject,
        intro,
        title,
        title_note,
        thread_url: thread_url(config, &thread, lang, comment.id),
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
    // Only their hashes are stored.
    let links = tokens
        .iter()
        .map(|(action, token)| (hash_token(token), comment.id, *action, expires))
        .collect();
    Ok(written(config, m, mail.render(), None, links))
}

/// Moderators, of a comment's reports: who said what, and whether it is held.
fn for_reported(
    conn: &mut DbConn,
    config: &Config,
    m: &OutboxMessage,
    comment: &Comment,
) -> QueryResult<Render> {
    let Some(thread) = threads::find(conn, comment.thread_id)? else {
        return Ok(Render::Gone);
    };
    let open = crate::db::queries::reports::open_of(conn, comment.id)?;
    if open.is_empty() {
        // Decided before this email was written.
        return Ok(Render::Gone);
    }
    let lang = config.sites.of_thread(&thread.site).settings.lang;
    let (w, r) = (MailWords::of(lang), crate::i18n::RightsWords::of(lang));
    let title = thread.title_or_page();
    let mut paragraphs = vec![format!(
        "{} {}{title}{}{}",
        r.reported_intro, w.open_quote, w.close_quote, w.colon
    )];
    let mut after = vec![format!(
        "{}{}{} ({}{}{})",
        w.author, w.colon, comment.author, w.email, w.colon, comment.email
    )];
    if comment.status == Status::Pending {
        after.insert(0, r.reported_held.to_owned());
    }
    paragraphs.push(format!("{}{}{}", r.reports, w.colon, open.len()));
    let items = open
        .iter()
        .map(
            |rep| match rep.detail.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => format!(
                    "{}{}{}",
                    r.reason_name(&rep.reason),
                    w.colon,
                    excerpt(d, 300)
                ),
                None => r.reason_name(&rep.reason).to_owned(),
            },
        )
        .collect();
    let notice = super::messages::NoticeMail {
        lang,
        subject: subject(w, r.reported_subject, title),
        paragraphs,
        quote: Some(excerpt(&comment.body_raw, 600)),
        items,
        link: Some((
            r.decide.to_owned(),
            absolute(
                config,
                &format!("admin/comments/{}?lang={}", comment.id, lang.code()),
            ),
        )),
        after,
        footer: w.moderators_footer,
    };
    Ok(written(config, m, notice.render(), None, Vec::new()))
}

fn written(
    config: &Config,
    m: &OutboxMessage,
    rendered: askama::Result<Rendered>,
    list_unsubscribe: Option<String>,
    links: Vec<(String, i64, Action, i64)>,
) -> Render {
    let rendered = match rendered {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(outbox_id = m.id, comment = ?m.comment_id, error = %e, "an email template failed");
            return Render::Broken(format!("an email template failed: {e}"));
        }
    };
    Render::Written(Box::new(Written {
        rendered,
        list_unsubscribe,
        message_id: message_id(config, m.created_at),
        links,
    }))
}

/// A new `Message-ID` for a message written at `at`, on the public URL's host.
fn message_id(config: &Config, at: i64) -> String {
    let host = config
        .server
        .public_url
        .host_str()
        .unwrap_or("causerie.invalid");
    format!("<{at}.{}@{host}>", new_token())
}

/// Queues a message written in the unit of work that decides it (not a draft: its
/// text is known there, or what it tells of may be gone by the time a worker
/// would write it).
pub fn queue_written(
    tx: &mut Tx<'_>,
    config: &Config,
    kind: OutboxKind,
    comment_id: Option<i64>,
    to: &str,
    rendered: &Rendered,
    now: i64,
) -> QueryResult<()> {
    q::insert_queued(
        tx,
        kind,
        comment_id,
        to,
        &q::Filling {
            subject: &rendered.subject,
            body_text: &rendered.text,
            body_html: &rendered.html,
            list_unsubscribe: None,
            message_id: &message_id(config, now),
        },
        now,
    )?;
    tx.outbox_written();
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

/// The comment on the thread's page without JavaScript:
/// `{public_url}t?site=…&page=…&lang=…#causerie-c{id}`.
fn thread_url(config: &Config, thread: &Thread, lang: Lang, comment_id: i64) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(thread.page.as_bytes()).collect();
    absolute(
        config,
        &format!(
            "t?site={}&page={enc}&lang={}#causerie-c{comment_id}",
            thread.site,
            lang.code()
        ),
    )
}

/// Creates one link token for each of approve, spam and delete on a comment, and
/// stores their hashes: what the worker does for a moderators' email, at once (tests
/// and tools).
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
