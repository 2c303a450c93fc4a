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
use crate::domain::{BotSignal, PageKey};
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

/// How long a form token stands for its form: a reader who leaves a tab open longer
/// is asked to send again (the API gives a fresh token with that answer).
pub const FORM_TOKEN_LIFE: std::time::Duration = crate::clock::hours(24);

/// A form token (for the embed's `GET /api/v1/config` and the `/t` form): signed, it
/// says when the form appeared and for which site and page, so that it times that
/// form only, and only for a day.
pub fn form_token(secret: &Secret, site: &str, page: &PageKey, now: i64) -> String {
    secret.sign("form", &format!("{now}:{site}:{}", page.as_str()))
}

/// What the `form_token` posted with a comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormToken {
    /// None was sent (an API client): the post is not timed.
    Missing,
    /// Issued at this time, for this form.
    Issued(i64),
    /// Authentic, but older than [`FORM_TOKEN_LIFE`], or of the form before tokens
    /// named their page: the reader is asked to send again.
    Expired,
    /// Not signed by this server, or for another site or page: a sign of a bot.
    Forged,
}

impl FormToken {
    pub fn read(
        secret: &Secret,
        token: Option<&str>,
        site: &str,
        page: &PageKey,
        now: i64,
    ) -> FormToken {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return FormToken::Missing;
        };
        let Some(data) = secret.verify("form", token) else {
            return FormToken::Forged;
        };
        let mut parts = data.splitn(3, ':');
        let Some(issued) = parts.next().and_then(|t| t.parse::<i64>().ok()) else {
            return FormToken::Forged;
        };
        let (Some(for_site), Some(for_page)) = (parts.next(), parts.next()) else {
            // Signed by an earlier release, which bound tokens to nothing.
            return FormToken::Expired;
        };
        if for_site != site || for_page != page.as_str() {
            return FormToken::Forged;
        }
        if now - issued > secs(FORM_TOKEN_LIFE) {
            return FormToken::Expired;
        }
        FormToken::Issued(issued)
    }
}

/// The signs that a bot, not a person, filled the form: the honeypot has a value,
/// the form token is forged or another form's, or the form was posted faster than
/// `min_form_seconds` after it appeared. `None` when nothing looks wrong. A missing
/// token is not a sign: API clients may post without one, untimed. An expired one is
/// the caller's to answer (the reader is asked to send again).
pub fn bot_signal(
    limits: &Limits,
    honeypot: Option<&str>,
    token: &FormToken,
    now: i64,
) -> Option<BotSignal> {
    if !limits.enabled {
        return None;
    }
    if honeypot.is_some_and(|h| !h.trim().is_empty()) {
        return Some(BotSignal::Honeypot);
    }
    match *token {
        FormToken::Forged => Some(BotSignal::ForgedToken),
        FormToken::Issued(issued) if now - issued < secs(limits.min_form_time) => {
            Some(BotSignal::TooFast {
                seconds: now - issued,
            })
        }
        _ => None,
    }
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

    fn page(p: &str) -> PageKey {
        PageKey::parse(p).unwrap()
    }

    #[test]
    fn honeypot_and_haste_are_bot_signals() {
        let s = limits(|_| {});
        let now = 1_000_000;
        assert_eq!(
            bot_signal(&s, Some("http://spam"), &FormToken::Missing, now),
            Some(BotSignal::Honeypot)
        );
        assert_eq!(
            bot_signal(&s, None, &FormToken::Issued(now), now + 1),
            Some(BotSignal::TooFast { seconds: 1 })
        );
        assert_eq!(
            bot_signal(&s, Some(""), &FormToken::Issued(now), now + 3),
            None
        );
        assert_eq!(bot_signal(&s, None, &FormToken::Missing, now), None);
        assert_eq!(bot_signal(&s, None, &FormToken::Expired, now), None);
        assert_eq!(
            bot_signal(&s, None, &FormToken::Forged, now),
            Some(BotSignal::ForgedToken)
        );
    }

    #[test]
    fn a_form_token_times_its_own_form_for_a_day() {
        let key = secret();
        let now = 1_000_000;
        let a = page("/a");
        let token = form_token(&key, "blog", &a, now);
        let read =
            |t: &str, site: &str, p: &PageKey, at: i64| FormToken::read(&key, Some(t), site, p, at);
        assert_eq!(read(&token, "blog", &a, now + 5), FormToken::Issued(now));
        // The same page however it is written.
        assert_eq!(
            read(&token, "blog", &page("/a/"), now + 5),
            FormToken::Issued(now)
        );
        assert_eq!(
            read(&token, "blog", &a, now + 86_400),
            FormToken::Issued(now)
        );
        assert_eq!(read(&token, "blog", &a, now + 86_401), FormToken::Expired);
        // Another page or site: not this form's.
        assert_eq!(
            read(&token, "blog", &page("/b"), now + 5),
            FormToken::Forged
        );
        assert_eq!(read(&token, "shop", &a, now + 5), FormToken::Forged);
        // A page whose key has colons stays whole.
        let odd = page("/a:b:c");
        let t = form_token(&key, "blog", &odd, now);
        assert_eq!(read(&t, "blog", &odd, now + 5), FormToken::Issued(now));
        assert_eq!(read(&t, "blog", &page("/a:b"), now + 5), FormToken::Forged);
        // Another server's signature, or none.
        let other = form_token(&secret(), "blog", &a, now);
        assert_eq!(read(&other, "blog", &a, now + 5), FormToken::Forged);
        assert_eq!(read("garbage", "blog", &a, now + 5), FormToken::Forged);
        // The previous release's tokens (a time alone) are asked to be sent again.
        let old = key.sign("form", &now.to_string());
        assert_eq!(read(&old, "blog", &a, now + 5), FormToken::Expired);
        assert_eq!(
            FormToken::read(&key, None, "blog", &a, now),
            FormToken::Missing
        );
        assert_eq!(
            FormToken::read(&key, Some(""), "blog", &a, now),
            FormToken::Missing
        );
    }

    #[test]
    fn limits_off_turns_every_defence_off() {
        let s = limits(|s| s.limits = false);
        assert_eq!(bot_signal(&s, Some("x"), &FormToken::Forged, 0), None);
    }
}
