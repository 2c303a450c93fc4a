//! The signed, single-use, expiring one-click links of moderators' emails: approve,
//! spam or delete a comment without logging in.

use diesel::prelude::*;

use crate::auth::SiteScope;
use crate::config::Config;
use crate::crypto::hash_token;
use crate::db::models::Comment;
use crate::db::queries::{action_links, comments, threads};
use crate::db::{DbConn, Tx};
use crate::domain::Action;

use super::actions::AdminError;

#[derive(Debug)]
pub enum LinkState {
    Valid {
        action: Action,
        comment: Box<Comment>,
    },
    Unknown,
    Used,
    Expired,
    /// Valid, but opened in the session of a moderator of other sites: not used.
    OtherSite,
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
    let Some(comment) = comments::find(conn, link.comment_id)?.filter(|c| c.erased_at.is_none())
    else {
        return Ok(LinkState::Unknown);
    };
    Ok(LinkState::Valid {
        action: link.action,
        comment: Box::new(comment),
    })
}

/// Uses a link: checks it, claims it (once, even under concurrent clicks), acts.
pub fn follow_link(
    tx: &mut Tx<'_>,
    config: &Config,
    token: &str,
    now: i64,
) -> Result<LinkState, AdminError> {
    let state = inspect_link(tx, token, now)?;
    if let LinkState::Valid { action, comment } = &state {
        if !action_links::claim(tx, &hash_token(token), now)? {
            return Ok(LinkState::Used);
        }
        // As it is now, locked: a moderator may have acted on it meanwhile.
        let Some(comment) = comments::find_for_update(tx, comment.id)? else {
            return Ok(LinkState::Unknown);
        };
        super::actions::act(tx, config, &comment, *action, now)?;
    }
    Ok(state)
}

/// Whether a moderator of `scope` may see the comment of a valid link. The token is
/// the credential (it is mailed to the site's own `notify_to` only), so a link opened
/// without a session passes; a session of a moderator of other sites does not.
pub fn link_allowed(conn: &mut DbConn, scope: &SiteScope, comment: &Comment) -> QueryResult<bool> {
    if let SiteScope::All = scope {
        return Ok(true);
    }
    let site = threads::find(conn, comment.thread_id)?.map(|t| t.site);
    Ok(site.is_some_and(|s| scope.allows(&s)))
}

/// `follow_link` in a request that carries a moderator's session of `scope` (`None`:
/// no session): a link about another site's comment is `OtherSite`, and stays unused.
pub fn follow_link_within(
    tx: &mut Tx<'_>,
    config: &Config,
    scope: Option<&SiteScope>,
    token: &str,
    now: i64,
) -> Result<LinkState, AdminError> {
    if let Some(scope) = scope {
        if let LinkState::Valid { comment, .. } = inspect_link(tx, token, now)? {
            if !link_allowed(tx, scope, &comment)? {
                return Ok(LinkState::OtherSite);
            }
        }
    }
    follow_link(tx, config, token, now)
}

/// Forgets links past their expiry.
pub fn purge(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    action_links::purge_expired(conn, now)
}
