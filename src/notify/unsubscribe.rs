//! Unsubscribing from reply notifications. The link's token is the id of the
//! subscribing comment signed with the instance secret: it names one address and one
//! thread, cannot be forged, and needs no table of its own.

use diesel::QueryResult;

use crate::crypto::Secret;
use crate::db::queries::{comments, threads, unsubscribed};
use crate::db::{DbConn, Tx};

use super::outbox::UNSUBSCRIBE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Replies in this thread only.
    Thread,
    /// Every notification to the address.
    All,
}

/// What a valid token stands for.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub email: String,
    pub thread_id: i64,
    pub title: String,
    pub page: String,
}

/// The subscription of `token`, if it is one we signed and its comment still exists.
pub fn lookup(
    conn: &mut DbConn,
    secret: &Secret,
    token: &str,
) -> QueryResult<Option<Subscription>> {
    let Some(id) = secret
        .verify(UNSUBSCRIBE, token)
        .and_then(|d| d.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let Some(comment) = comments::find(conn, id)? else {
        return Ok(None);
    };
    if comment.email.is_empty() {
        return Ok(None);
    }
    let (title, page) = threads::find(conn, comment.thread_id)?
        .map(|t| (t.title_or_page().to_owned(), t.page))
        .unwrap_or_default();
    Ok(Some(Subscription {
        email: comment.email.trim().to_lowercase(),
        thread_id: comment.thread_id,
        title,
        page,
    }))
}

/// Turns notifications off for the token's address, in its thread or everywhere.
pub fn unsubscribe(
    tx: &mut Tx<'_>,
    secret: &Secret,
    token: &str,
    scope: Scope,
    now: i64,
) -> QueryResult<Option<Subscription>> {
    let Some(sub) = lookup(tx, secret, token)? else {
        return Ok(None);
    };
    let thread = match scope {
        Scope::Thread => Some(sub.thread_id),
        Scope::All => None,
    };
    unsubscribed::add(tx, &sub.email, thread, now)?;
    Ok(Some(sub))
}
