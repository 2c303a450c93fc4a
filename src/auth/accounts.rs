//! Moderator accounts: argon2id password hashes (the argon2 crate's defaults are
//! OWASP's recommended m=19 MiB, t=2, p=1), the first-start bootstrap, and what the
//! `causerie admin` commands do.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::crypto::random_password;
use crate::db::queries::moderators as q;
use diesel::Connection;

use crate::config::Sites;
use crate::db::models::Moderator;
use crate::db::{now, DbConn};

pub const BOOTSTRAP_NAME: &str = "admin";
const MIN_PASSWORD_LEN: usize = 10;

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn check_password_strength(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        anyhow::bail!("a moderator password needs at least {MIN_PASSWORD_LEN} characters");
    }
    Ok(())
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if !ok {
        anyhow::bail!("a moderator name is 1 to 64 letters, digits, or _ - . @");
    }
    Ok(())
}

/// What start-up did about the `admin` account.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    /// Moderators exist and no password was imposed.
    Nothing,
    /// `CAUSERIE_ADMIN_PASSWORD` created the `admin` account, or changed its
    /// password and so ended its sessions.
    PasswordFromEnvironment,
    /// `CAUSERIE_ADMIN_PASSWORD` is `admin`'s password already (a restart): nothing
    /// changed, its sessions go on.
    PasswordAlreadySet,
    /// No moderator existed: `admin` was created with this password, to print once.
    Generated(String),
}

pub fn bootstrap(conn: &mut DbConn, env_password: Option<&str>) -> anyhow::Result<Bootstrap> {
    if let Some(pw) = env_password {
        check_password_strength(pw)?;
        match q::find(conn, BOOTSTRAP_NAME)? {
            Some(m) if verify_password(pw, &m.password_hash) => {
                return Ok(Bootstrap::PasswordAlreadySet)
            }
            // A new password: whoever logged in with the old one is logged out.
            Some(_) => passwd(conn, BOOTSTRAP_NAME, pw)?,
            None => {
                let hash = hash_password(pw)?;
                // Another instance starting at the same moment may have created it.
                if !q::insert_if_absent(conn, BOOTSTRAP_NAME, &hash, now())? {
                    passwd(conn, BOOTSTRAP_NAME, pw)?;
                }
            }
        }
        return Ok(Bootstrap::PasswordFromEnvironment);
    }
    if q::count(conn)? > 0 {
        return Ok(Bootstrap::Nothing);
    }
    // Several instances may start at once on an empty database: one creates `admin`,
    // and only that one has a password to print.
    let pw = random_password();
    if q::insert_if_absent(conn, BOOTSTRAP_NAME, &hash_password(&pw)?, now())? {
        Ok(Bootstrap::Generated(pw))
    } else {
        Ok(Bootstrap::Nothing)
    }
}

/// Adds a moderator, of every site (`sites` empty) or of those sites only.
pub fn add(
    conn: &mut DbConn,
    sites: &Sites,
    name: &str,
    password: &str,
    limited_to: &[String],
) -> anyhow::Result<()> {
    check_name(name)?;
    check_password_strength(password)?;
    check_sites(sites, limited_to)?;
    if q::find(conn, name)?.is_some() {
        anyhow::bail!(
            "a moderator named `{name}` exists already (use `causerie admin passwd {name}`)"
        );
    }
    let hash = hash_password(password)?;
    conn.transaction(|conn| {
        q::insert(conn, name, &hash, now())?;
        if let Some(m) = q::find(conn, name)? {
            q::set_sites(conn, m.id, limited_to)?;
        }
        diesel::QueryResult::Ok(())
    })?;
    Ok(())
}

/// Limits a moderator to `limited_to` (empty: every site again). Their sessions end,
/// so that what they see changes now, not at their next login.
pub fn set_sites(
    conn: &mut DbConn,
    sites: &Sites,
    name: &str,
    limited_to: &[String],
) -> anyhow::Result<()> {
    check_sites(sites, limited_to)?;
    let Some(m) = q::find(conn, name)? else {
        anyhow::bail!("there is no moderator named `{name}` (see `causerie admin list`)");
    };
    conn.transaction(|conn| {
        q::set_sites(conn, m.id, limited_to)?;
        crate::db::queries::sessions::delete_for_moderator(conn, m.id).map(drop)
    })?;
    Ok(())
}

/// Every moderator with the sites they are limited to (empty: every site).
pub fn list(conn: &mut DbConn) -> anyhow::Result<Vec<(Moderator, Vec<String>)>> {
    let all = q::list(conn)?;
    all.into_iter()
        .map(|m| {
            let sites = q::sites(conn, m.id)?;
            Ok((m, sites))
        })
        .collect()
}

/// Every id names a configured site.
fn check_sites(sites: &Sites, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if sites.get(id).is_none() {
            let known: Vec<String> = sites.iter().map(|s| s.id.to_string()).collect();
            anyhow::bail!(
                "there is no site `{id}` in the configuration (its sites: {})",
                known.join(", ")
            );
        }
    }
    Ok(())
}

/// Changes the password and ends the moderator's sessions, in one transaction:
/// whoever knew the old password is logged out.
pub fn passwd(conn: &mut DbConn, name: &str, password: &str) -> anyhow::Result<()> {
    check_password_strength(password)?;
    let Some(m) = q::find(conn, name)? else {
        anyhow::bail!("there is no moderator named `{name}` (see `causerie admin list`)");
    };
    let hash = hash_password(password)?;
    conn.transaction(|conn| {
        q::set_password(conn, name, &hash)?;
        crate::db::queries::sessions::delete_for_moderator(conn, m.id).map(drop)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn short_passwords_and_odd_names_are_refused() {
        assert!(check_password_strength("short").is_err());
        assert!(check_name("with space").is_err());
        assert!(check_name("camille.d").is_ok());
    }
}
