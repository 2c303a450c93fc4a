//! Logging in: a moderator's name and password against the argon2id hash, throttled
//! per account and per address block.

use diesel::prelude::*;

use crate::config::Config;
use crate::crypto::{hash_token, new_token};
use crate::db::queries::{login_failures, moderators, sessions};
use crate::db::DbConn;

use super::accounts::{hash_password, verify_password};

/// The window over which failed logins are counted.
pub const THROTTLE_WINDOW: std::time::Duration = crate::clock::minutes(15);

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

/// Checks a moderator's name and password. Three steps, so that the costly one
/// holds no lock: (1) one writing transaction counts the recent failures of the
/// account and of the address block and, if under the limits, records this attempt
/// as a failure up front, so that concurrent guesses are counted one after the other
/// however many arrive at once (on PostgreSQL under advisory locks on the account and
/// the address; on SQLite the transaction runs alone); (2) the argon2 hash is
/// verified outside any transaction; (3) on success a second transaction clears the
/// account's failures, this one included, and opens the session.
///
/// It runs its own two transactions, unlike the other services: the step between
/// them must not run under the write lock, nor in the SQLite writer's group.
pub fn login(
    conn: &mut DbConn,
    config: &Config,
    name: &str,
    password: &str,
    ip: &str,
    now: i64,
) -> QueryResult<LoginOutcome> {
    let since = now - crate::clock::secs(THROTTLE_WINDOW);
    let max = i64::from(config.limits.login_max_failures);
    let account = name.trim().to_lowercase();
    let counted = crate::db::transaction(conn, |tx| -> QueryResult<_> {
        let mut keys = vec![
            format!("causerie.login.account:{account}"),
            format!("causerie.login.ip:{ip}"),
        ];
        crate::db::lock_keys(tx, &mut keys)?;
        if login_failures::count_for_account(tx, &account, since)? >= max
            || login_failures::count_for_ip(tx, ip, since)? >= max * 4
        {
            return Ok(None);
        }
        login_failures::record(tx, &account, ip, now)?;
        moderators::find(tx, name.trim()).map(Some)
    })?;
    let Some(found) = counted.value else {
        return Ok(LoginOutcome::Throttled {
            retry_after: crate::clock::secs(THROTTLE_WINDOW),
        });
    };
    let stored = found
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |m| m.password_hash.as_str());
    let ok = verify_password(password, stored) && found.is_some();
    let Some(moderator) = found.filter(|_| ok) else {
        // The failure is recorded already.
        return Ok(LoginOutcome::WrongCredentials);
    };
    let token = new_token();
    let csrf = new_token();
    let token_hash = hash_token(&token);
    crate::db::transaction(conn, |tx| -> QueryResult<()> {
        login_failures::clear_account(tx, &account)?;
        sessions::insert(tx, &token_hash, moderator.id, &csrf, now)
    })?;
    Ok(LoginOutcome::LoggedIn { token })
}
