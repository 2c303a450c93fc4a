//! Defences against floods and bots, as WordPress and every comment engine on the
//! open web need them. Counts come from the comments table itself (truncated IP,
//! email, time), inside the posting transaction, so several instances sharing one
//! database agree and two concurrent posts cannot both slip under a limit.
//!
//! Two kinds of answer: a reader who posts too often is told so (429 with
//! `Retry-After`); a bot that fills the honeypot or posts faster than a person can
//! type has its comment kept as spam, without being told.

use diesel::prelude::*;

use crate::clock::secs;
use crate::config::Limits;
use crate::crypto::Secret;
use crate::db::schema::comments;
use crate::db::DbConn;
use crate::domain::BotSignal;
use crate::i18n::Msg;

/// Why a post is refused for now, and when it may be tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: i64,
    pub msg: Msg,
}

/// The window of the hourly limits.
const HOUR: i64 = secs(crate::clock::hours(1));

/// Makes posts by one author (email or address block) wait for each other, whichever
/// instance receives them, so that the counts `check` and the duplicate check read
/// include every earlier post: two posts at once cannot both slip under a limit. On
/// PostgreSQL a transaction-scoped advisory lock per email and per address block; on
/// SQLite the immediate transaction already runs posts one at a time.
pub fn serialize_author(conn: &mut DbConn, ip: Option<&str>, email: &str) -> QueryResult<()> {
    let mut keys = vec![format!("causerie.post.email:{email}")];
    if let Some(ip) = ip {
        keys.push(format!("causerie.post.ip:{ip}"));
    }
    crate::db::lock_keys(conn, &mut keys)
}

/// The flood interval and the hourly limits, per address block, per email and per
/// thread and address block. Nothing is checked with `limits = off`.
pub fn check(
    conn: &mut DbConn,
    limits: &Limits,
    thread_id: i64,
    ip: Option<&str>,
    email: &str,
    now: i64,
) -> QueryResult<Result<(), Limited>> {
    if !limits.enabled {
        return Ok(Ok(()));
    }
    let flood = secs(limits.flood);
    if flood > 0 {
        let mut q = comments::table
            .filter(comments::created_at.gt(now - flood))
            .into_boxed();
        q = match ip {
            Some(ip) => q.filter(comments::email.eq(email).or(comments::ip.eq(ip))),
            None => q.filter(comments::email.eq(email)),
        };
        let last: Option<i64> = q
            .select(diesel::dsl::max(comments::created_at))
            .first(conn)?;
        if let Some(last) = last {
            let wait = (last + flood - now).max(1);
            return Ok(Err(Limited {
                retry_after: wait,
                msg: Msg::Flood { secs: wait },
            }));
        }
    }
    let since = now - HOUR;
    let hourly = |oldest: Option<i64>| {
        let wait = oldest.map_or(HOUR, |o| (o + HOUR - now).max(1));
        Limited {
            retry_after: wait,
            msg: Msg::TooManyComments {
                minutes: (wait + 59) / 60,
            },
        }
    };
    let mut counted = vec![(Author::Email(email), limits.comments_per_email_per_hour)];
    if let Some(ip) = ip {
        counted.push((Author::Block(ip), limits.comments_per_ip_per_hour));
        counted.push((
            Author::BlockOnThread(ip, thread_id),
            limits.comments_per_thread_per_ip_per_hour,
        ));
    }
    for (who, max) in counted {
        let (n, oldest) = written_since(conn, who, since)?;
        if n >= i64::from(max) {
            return Ok(Err(hourly(oldest)));
        }
    }
    Ok(Ok(()))
}

/// Whose recent comments an hourly limit counts.
enum Author<'a> {
    Email(&'a str),
    /// An address block (IPv4 /24, IPv6 /48).
    Block(&'a str),
    /// An address block, on one thread.
    BlockOnThread(&'a str, i64),
}

/// How many comments `who` wrote after `since`, and when the oldest of them was.
fn written_since(
    conn: &mut DbConn,
    who: Author<'_>,
    since: i64,
) -> QueryResult<(i64, Option<i64>)> {
    let recent = comments::table
        .filter(comments::created_at.gt(since))
        .into_boxed();
    let recent = match who {
        Author::Email(email) => recent.filter(comments::email.eq(email)),
        Author::Block(ip) => recent.filter(comments::ip.eq(ip)),
        Author::BlockOnThread(ip, thread_id) => recent
            .filter(comments::ip.eq(ip))
            .filter(comments::thread_id.eq(thread_id)),
    };
    recent
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(comments::created_at),
        ))
        .first(conn)
}

/// The name of the honeypot field: invisible to people, irresistible to bots.
pub const HONEYPOT: &str = "homepage";

/// The signs that a bot, not a person, filled the form: the honeypot has a value,
/// or the form (its signed `form_token`) was posted faster than `min_form_seconds`.
/// `None` when nothing looks wrong. A missing token is not a sign: API clients
/// may post without one.
pub fn bot_signal(
    limits: &Limits,
    secret: &Secret,
    honeypot: Option<&str>,
    form_token: Option<&str>,
    now: i64,
) -> Option<BotSignal> {
    if !limits.enabled {
        return None;
    }
    if honeypot.is_some_and(|h| !h.trim().is_empty()) {
        return Some(BotSignal::Honeypot);
    }
    let token = form_token.filter(|t| !t.is_empty())?;
    let Some(issued) = secret
        .verify("form", token)
        .and_then(|ts| ts.parse::<i64>().ok())
    else {
        return Some(BotSignal::ForgedToken);
    };
    let elapsed = now - issued;
    if elapsed < secs(limits.min_form_time) {
        return Some(BotSignal::TooFast { seconds: elapsed });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::from_hex(&Secret::generate_hex()).unwrap()
    }

    fn limits(adjust: impl FnOnce(&mut crate::config::Settings)) -> Limits {
        let mut s = crate::config::Settings::default();
        adjust(&mut s);
        crate::config::Config::from_settings(s).unwrap().limits
    }

    #[test]
    fn honeypot_and_haste_are_bot_signals() {
        let s = limits(|_| {});
        let key = secret();
        let now = 1_000_000;
        assert_eq!(
            bot_signal(&s, &key, Some("http://spam"), None, now),
            Some(BotSignal::Honeypot)
        );
        let fresh = key.sign("form", &now.to_string());
        assert_eq!(
            bot_signal(&s, &key, None, Some(&fresh), now + 1),
            Some(BotSignal::TooFast { seconds: 1 })
        );
        assert_eq!(bot_signal(&s, &key, Some(""), Some(&fresh), now + 3), None);
        assert_eq!(bot_signal(&s, &key, None, None, now), None);
        let forged = secret().sign("form", &now.to_string());
        assert_eq!(
            bot_signal(&s, &key, None, Some(&forged), now + 60),
            Some(BotSignal::ForgedToken)
        );
    }

    #[test]
    fn limits_off_turns_every_defence_off() {
        let s = limits(|s| s.limits = false);
        assert_eq!(bot_signal(&s, &secret(), Some("x"), None, 0), None);
    }
}
