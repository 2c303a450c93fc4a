//! Logging in: a moderator's name and password against the argon2id hash, throttled
//! per account and per address block.

use diesel::prelude::*;

use crate::config::Config;
use crate::crypto::{hash_token, new_token};
use crate::db::queries::{login_failures, moderators, sessions};
use crate::db::DbConn;

use super::accounts::{hash_password, verify_password};

/// The window over which failed logins are counted.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;

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
    hash_password("no moderator has this password").unwrap_or_default()
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
    let max = i64::from(config.limits.login_max_failures);
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
