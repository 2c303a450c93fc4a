//! Readers' rights over their data (SPEC section 14), independent of HTTP: the
//! request for one's data by email link, the link's page (read, download, erase),
//! the erasure itself (also a moderator's, from the admin) and the retention of spam
//! and deleted comments.
//!
//! A request answers alike whether or not the address commented: the same rows are
//! written (one `data_requests` row, its rate limits counted by an HMAC of the
//! address) and the same email rendered; only an address that has comments on the
//! site is stored and mailed. The link is the request's id signed with the instance
//! secret, valid 24 hours, and used up by the erasure.

use serde::Serialize;

use crate::abuse::Limited;
use crate::config::{Config, Site};
use crate::crypto::Secret;
use crate::db::queries::outbox::{self, OutboxKind};
use crate::db::queries::{
    action_links, admin, comment_sources, comments, data_requests, reports, unsubscribed,
};
use crate::db::{DbConn, Tx};
use crate::domain::{AuthorEmail, Status};
use crate::i18n::{Msg, RightsWords};
use crate::notify::messages::NoticeMail;

/// The purpose under which data links are signed.
pub const MY_DATA: &str = "my-data";
/// How long a data link works.
pub const LINK_LIFE: i64 = 24 * 3600;
/// Requests for one address per day, and from one address block per hour.
pub const PER_ADDRESS_PER_DAY: i64 = 3;
pub const PER_BLOCK_PER_HOUR: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("too many requests")]
    Limited(Limited),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A reader asked for their data on `site`: see the module's notes.
pub fn request(
    tx: &mut Tx<'_>,
    config: &Config,
    secret: &Secret,
    site: &Site,
    email: &AuthorEmail,
    block: Option<&str>,
    now: i64,
) -> Result<(), RequestError> {
    let address = email.normalized();
    let key = secret.keyed("my-data-address", &address);
    let block = block.unwrap_or("");
    crate::db::lock_keys(
        tx,
        &mut [
            format!("causerie.my-data.key:{key}"),
            format!("causerie.my-data.block:{block}"),
        ],
    )?;
    if config.limits.enabled {
        let (hour, day) = (3600, 24 * 3600);
        if data_requests::count_for_key(tx, &key, now - day)? >= PER_ADDRESS_PER_DAY {
            return Err(RequestError::Limited(Limited {
                retry_after: day,
                msg: Msg::TooManyDataRequests { minutes: 24 * 60 },
            }));
        }
        if data_requests::count_for_block(tx, block, now - hour)? >= PER_BLOCK_PER_HOUR {
            return Err(RequestError::Limited(Limited {
                retry_after: hour,
                msg: Msg::TooManyDataRequests { minutes: 60 },
            }));
        }
    }
    let commented = comments::author_has_comments(tx, site.id.as_str(), &address)?;
    let id = data_requests::insert(
        tx,
        site.id.as_str(),
        &key,
        block,
        commented.then_some(address.as_str()),
        now,
    )?;
    let token = secret.sign(MY_DATA, &id.to_string());
    let url = crate::notify::outbox::absolute(config, &format!("my-data/{token}"));
    // Written whether or not it is sent, so that both answers cost the same.
    let rendered = link_mail(site, &url).render();
    match rendered {
        Ok(rendered) if commented => {
            crate::notify::outbox::queue_written(
                tx,
                config,
                OutboxKind::MyData,
                None,
                &address,
                &rendered,
                now,
            )?;
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "the data link's email template failed"),
    }
    Ok(())
}

fn link_mail(site: &Site, url: &str) -> NoticeMail {
    let lang = site.settings.lang;
    let w = RightsWords::of(lang);
    NoticeMail {
        lang,
        subject: format!("{} {}", w.mail_subject, site.display_name()),
        paragraphs: vec![
            format!("{} {}.", w.mail_intro, site.display_name()),
            w.mail_open.to_owned(),
        ],
        quote: None,
        items: Vec::new(),
        link: Some((w.my_data.to_owned(), url.to_owned())),
        after: vec![w.mail_ignore.to_owned()],
        footer: w.footer,
    }
}

/// Whose data a valid link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub request: i64,
    pub site: String,
    pub email: String,
}

/// The holder of `token`, if it is a link we signed, under 24 hours old, not used
/// up, and of an address that had comments.
pub fn holder(
    conn: &mut DbConn,
    secret: &Secret,
    token: &str,
    now: i64,
) -> diesel::QueryResult<Option<Holder>> {
    let Some(id) = secret
        .verify(MY_DATA, token)
        .and_then(|d| d.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let Some(row) = data_requests::find(conn, id)? else {
        return Ok(None);
    };
    if row.used_at.is_some() || now >= row.created_at + LINK_LIFE || now < row.created_at - 300 {
        return Ok(None);
    }
    Ok(row.email.map(|email| Holder {
        request: row.id,
        site: row.site,
        email,
    }))
}

/// One of a reader's comments, as their download holds it: everything stored that
/// is theirs (not the address block, which is the network's, nor the edit token).
#[derive(Debug, Clone, Serialize)]
pub struct TheirComment {
    pub id: i64,
    pub page: String,
    /// The thread's public title, when it has one.
    pub title: Option<String>,
    pub parent: Option<i64>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub status: Status,
    pub author: String,
    pub email: String,
    pub website: Option<String>,
    /// The text as written.
    pub text: String,
    /// The text as published (sanitized HTML).
    pub html: String,
}

/// A reader's download.
#[derive(Debug, Clone, Serialize)]
pub struct TheirData {
    pub site: String,
    pub email: String,
    pub exported_at: String,
    pub comments: Vec<TheirComment>,
}

/// Every comment of `email` on `site`, oldest first.
pub fn their_comments(
    conn: &mut DbConn,
    site: &str,
    email: &str,
) -> diesel::QueryResult<Vec<TheirComment>> {
    Ok(comments::of_author(conn, site, email)?
        .into_iter()
        .map(|(c, page, title)| TheirComment {
            id: c.id,
            page,
            title: Some(title).filter(|t| !t.is_empty()),
            parent: c.parent_id,
            created_at: crate::comments::rfc3339(c.created_at),
            edited_at: c.edited_at.map(crate::comments::rfc3339),
            status: c.status,
            author: c.author,
            email: c.email,
            website: c.website,
            text: c.body_raw,
            html: c.body_html,
        })
        .collect())
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    /// Comments gone for good.
    pub removed: usize,
    /// Comments emptied, kept as placeholders for the replies under them.
    pub emptied: usize,
}

/// Erases `email` (normalized) from `site`: its comments leave every public view
/// (gone, or emptied where replies hang under them); its messages, reply
/// subscriptions, unsubscriptions, import provenance and data links go; the reports
/// it made forget it. Threads' caches are dropped by the database's triggers.
pub fn erase(tx: &mut Tx<'_>, site: &str, email: &str, now: i64) -> diesel::QueryResult<Erased> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Ok(Erased::default());
    }
    crate::db::lock_keys(tx, &mut [format!("causerie.erase:{email}")])?;
    let mut ids: Vec<i64> = comments::of_author(tx, site, &email)?
        .into_iter()
        .map(|(c, _, _)| c.id)
        .collect();
    // Messages first: removing a comment would only unlink its messages.
    outbox::forget_about(tx, &ids)?;
    outbox::forget_to(tx, &email, site)?;
    reports::forget_reporter(tx, &email, site)?;
    // Replies come after what they answer: the latest first, so that a reply of the
    // same author goes before its parent is looked at.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let mut done = Erased::default();
    for id in ids {
        if remove_for_good(tx, id, now)? {
            done.emptied += 1;
        } else {
            done.removed += 1;
        }
    }
    unsubscribed::forget(tx, &email, site)?;
    data_requests::use_up(tx, 0, site, &email, now)?;
    Ok(done)
}

/// Takes comment `id` out of the database for good: deleted, or, where replies hang
/// under it, emptied (its place kept for them, nothing else: no provenance, no
/// one-click link, no open report left to judge). Returns whether it was emptied.
fn remove_for_good(conn: &mut DbConn, id: i64, now: i64) -> diesel::QueryResult<bool> {
    if !comments::has_replies(conn, id)? {
        admin::delete_forever(conn, id)?;
        return Ok(false);
    }
    comments::blank(conn, id, now)?;
    action_links::retire_for_comment(conn, id, now)?;
    reports::resolve(conn, id, "erased", now)?;
    comment_sources::forget(conn, &[id])?;
    Ok(true)
}

/// The reader's erasure through their link: used up, then erased. `None` if the
/// link is not (or no longer) valid.
pub fn erase_by_link(
    tx: &mut Tx<'_>,
    secret: &Secret,
    token: &str,
    now: i64,
) -> diesel::QueryResult<Option<(Holder, Erased)>> {
    let Some(holder) = holder(tx, secret, token, now)? else {
        return Ok(None);
    };
    if !data_requests::use_up(tx, holder.request, &holder.site, &holder.email, now)? {
        return Ok(None);
    }
    let erased = erase(tx, &holder.site, &holder.email, now)?;
    Ok(Some((holder, erased)))
}

/// Purges spam and deleted comments whose status is older than `before` (at most
/// `limit`; the rest at the next round): gone for good, or emptied where replies
/// hang under them. Emptied rows whose replies are all gone go too.
pub fn purge_removed(
    tx: &mut Tx<'_>,
    before: i64,
    limit: i64,
    now: i64,
) -> diesel::QueryResult<usize> {
    let mut n = 0;
    for id in comments::expired_removed(tx, before, limit)? {
        outbox::forget_about(tx, &[id])?;
        remove_for_good(tx, id, now)?;
        n += 1;
    }
    Ok(n + comments::purge_unanswered_placeholders(tx)?)
}
