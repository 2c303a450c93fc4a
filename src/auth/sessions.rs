//! Moderators' sessions: a random token in an `HttpOnly` cookie, only its hash
//! stored, ended after `session_idle_minutes` without a request.

use diesel::prelude::*;

use crate::config::Config;
use crate::crypto::hash_token;
use crate::db::queries::{login_failures, moderators, sessions};
use crate::db::DbConn;

use super::login::THROTTLE_WINDOW;

/// A moderator's session, as every admin page sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub moderator_id: i64,
    pub name: String,
    pub csrf: String,
    /// The sites the moderator may see and act on.
    pub sites: SiteScope,
}

/// Which sites a moderator may see and act on: every site, or some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteScope {
    All,
    Only(Vec<String>),
}

impl SiteScope {
    pub fn from_rows(sites: Vec<String>) -> SiteScope {
        if sites.is_empty() {
            SiteScope::All
        } else {
            SiteScope::Only(sites)
        }
    }

    pub fn allows(&self, site: &str) -> bool {
        match self {
            SiteScope::All => true,
            SiteScope::Only(sites) => sites.iter().any(|s| s == site),
        }
    }

    /// The sites to filter on, `None` for every site.
    pub fn limited_to(&self) -> Option<&[String]> {
        match self {
            SiteScope::All => None,
            SiteScope::Only(sites) => Some(sites),
        }
    }
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
    let idle = crate::clock::secs(config.retention.session_idle);
    if now - row.last_seen_at > idle {
        sessions::delete(conn, &hash)?;
        return Ok(None);
    }
    // One write a minute at most: a session need not be exact to the second.
    if now - row.last_seen_at >= 60 {
        sessions::touch(conn, &hash, now)?;
    }
    let sites = SiteScope::from_rows(moderators::sites(conn, row.moderator_id)?);
    Ok(Some(Session {
        moderator_id: row.moderator_id,
        name: row.name,
        csrf: row.csrf_token,
        sites,
    }))
}

pub fn logout(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    sessions::delete(conn, &hash_token(token))
}

/// Forgets what is past its use: idle sessions and old login failures.
pub fn purge(conn: &mut DbConn, config: &Config, now: i64) -> QueryResult<usize> {
    let idle = crate::clock::secs(config.retention.session_idle);
    Ok(sessions::purge_idle(conn, now - idle)?
        + login_failures::purge(conn, now - crate::clock::secs(THROTTLE_WINDOW))?)
}
