//! Why a comment was held for moderation or kept as spam. Stored as a code
//! (`comments.hold_reason`), not as a sentence, so that each moderator reads it in
//! their own language (`text`).

use std::fmt;

use crate::i18n::{Lang, ReasonWords};

/// The signs that a bot, not a person, filled the comment form (see `abuse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotSignal {
    /// The invisible honeypot field has a value.
    Honeypot,
    /// The form was posted this many seconds after it was served: faster than a
    /// person types. Negative when the clocks of two instances disagree.
    TooFast { seconds: i64 },
    /// The form token was not signed by this site.
    ForgedToken,
}

/// Why a comment is not published at once.
#[derive(Debug, Clone, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum HoldReason {
    Bot(BotSignal),
    DisallowedWord(String),
    Links {
        count: usize,
        limit: u32,
    },
    ModerationWord(String),
    /// `moderation = "all"`.
    ModerationAll,
    /// `moderation = "first_time"` and the address has no approved comment yet.
    FirstTime,
    /// Published, then reported from this many address blocks
    /// (`report_hold_threshold`): held until a moderator decides.
    Reported {
        blocks: i64,
    },
    /// A stored text that is not one of our codes: a sentence written by a release
    /// before codes, or a code of a later one. Kept, and shown, as it is.
    Other(String),
}

impl HoldReason {
    /// The stable code stored in the database: `links:3:2`, `moderation_word:casino`,
    /// `first_time`, `moderation_all`, `disallowed_word:viagra`, `bot:honeypot`,
    /// `bot:too_fast:1`, `bot:forged_token`, `reported:3`. A word comes last, so it may hold `:`.
    pub fn code(&self) -> String {
        match self {
            HoldReason::Bot(BotSignal::Honeypot) => "bot:honeypot".into(),
            HoldReason::Bot(BotSignal::TooFast { seconds }) => format!("bot:too_fast:{seconds}"),
            HoldReason::Bot(BotSignal::ForgedToken) => "bot:forged_token".into(),
            HoldReason::DisallowedWord(word) => format!("disallowed_word:{word}"),
            HoldReason::Links { count, limit } => format!("links:{count}:{limit}"),
            HoldReason::ModerationWord(word) => format!("moderation_word:{word}"),
            HoldReason::ModerationAll => "moderation_all".into(),
            HoldReason::FirstTime => "first_time".into(),
            HoldReason::Reported { blocks } => format!("reported:{blocks}"),
            HoldReason::Other(text) => text.clone(),
        }
    }

    /// Reads a stored code. Total: what is not a code is `Other`, never an error,
    /// because a reason is only ever shown, and a row must not become unreadable for it.
    pub fn from_code(code: &str) -> HoldReason {
        let parsed = match code.split_once(':') {
            None => match code {
                "moderation_all" => Some(HoldReason::ModerationAll),
                "first_time" => Some(HoldReason::FirstTime),
                _ => None,
            },
            Some(("bot", signal)) => match signal.split_once(':') {
                None if signal == "honeypot" => Some(BotSignal::Honeypot),
                None if signal == "forged_token" => Some(BotSignal::ForgedToken),
                Some(("too_fast", s)) => {
                    s.parse().ok().map(|seconds| BotSignal::TooFast { seconds })
                }
                _ => None,
            }
            .map(HoldReason::Bot),
            Some(("disallowed_word", word)) => Some(HoldReason::DisallowedWord(word.to_owned())),
            Some(("reported", n)) => n.parse().ok().map(|blocks| HoldReason::Reported { blocks }),
            Some(("moderation_word", word)) => Some(HoldReason::ModerationWord(word.to_owned())),
            Some(("links", numbers)) => numbers.split_once(':').and_then(|(count, limit)| {
                Some(HoldReason::Links {
                    count: count.parse().ok()?,
                    limit: limit.parse().ok()?,
                })
            }),
            Some(_) => None,
        };
        parsed.unwrap_or_else(|| HoldReason::Other(code.to_owned()))
    }

    /// The reason as a moderator reads it, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let w = ReasonWords::of(lang);
        match self {
            HoldReason::Bot(signal) => {
                let signal = match signal {
                    BotSignal::Honeypot => w.honeypot.to_owned(),
                    BotSignal::TooFast { seconds } => {
                        w.too_fast.replace("{seconds}", &seconds.to_string())
                    }
                    BotSignal::ForgedToken => w.forged_token.to_owned(),
                };
                w.bot.replace("{signal}", &signal)
            }
            HoldReason::DisallowedWord(word) => w.disallowed_word.replace("{word}", word),
            HoldReason::Links { count, limit } => w
                .links
                .replace("{count}", &count.to_string())
                .replace("{limit}", &limit.to_string()),
            HoldReason::ModerationWord(word) => w.moderation_word.replace("{word}", word),
            HoldReason::ModerationAll => w.moderation_all.to_owned(),
            HoldReason::FirstTime => w.first_time.to_owned(),
            HoldReason::Reported { blocks } => w.reported.replace("{count}", &blocks.to_string()),
            HoldReason::Other(text) => text.clone(),
        }
    }
}

/// The code, as stored (for logs and the database).
impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<HoldReason> {
        vec![
            HoldReason::Bot(BotSignal::Honeypot),
            HoldReason::Bot(BotSignal::TooFast { seconds: 1 }),
            HoldReason::Bot(BotSignal::TooFast { seconds: -2 }),
            HoldReason::Bot(BotSignal::ForgedToken),
            HoldReason::DisallowedWord("viagra".into()),
            HoldReason::DisallowedWord("a:b c".into()),
            HoldReason::Links { count: 3, limit: 2 },
            HoldReason::ModerationWord("casino".into()),
            HoldReason::ModerationWord("".into()),
            HoldReason::ModerationAll,
            HoldReason::FirstTime,
            HoldReason::Reported { blocks: 3 },
            HoldReason::Other("3 links (more than 2)".into()),
        ]
    }

    #[test]
    fn every_reason_survives_its_code() {
        for reason in every_variant() {
            assert_eq!(HoldReason::from_code(&reason.code()), reason, "{reason}");
        }
        assert_eq!(HoldReason::Links { count: 3, limit: 2 }.code(), "links:3:2");
        assert_eq!(
            HoldReason::Bot(BotSignal::TooFast { seconds: 1 }).code(),
            "bot:too_fast:1"
        );
    }

    #[test]
    fn text_that_is_not_a_code_is_kept_as_it_is() {
        for legacy in [
            "first comment from this address",
            "moderation word: casino",
            "bot: honeypot field filled",
            "links:three:2",
            "links:3",
            "bot:too_fast:soon",
            "bot:sleepy",
            "first_time:extra",
            "future_code:1",
            "",
        ] {
            let reason = HoldReason::from_code(legacy);
            assert_eq!(reason, HoldReason::Other(legacy.into()));
            assert_eq!(reason.code(), legacy);
            assert_eq!(reason.text(Lang::Fr), legacy);
        }
    }

    #[test]
    fn reasons_read_as_the_release_before_codes_wrote_them_in_english() {
        let en = |r: HoldReason| r.text(Lang::En);
        assert_eq!(
            en(HoldReason::Links { count: 3, limit: 2 }),
            "3 links (more than 2)"
        );
        assert_eq!(
            en(HoldReason::ModerationWord("casino".into())),
            "moderation word: casino"
        );
        assert_eq!(
            en(HoldReason::DisallowedWord("viagra".into())),
            "disallowed word: viagra"
        );
        assert_eq!(en(HoldReason::FirstTime), "first comment from this address");
        assert_eq!(en(HoldReason::ModerationAll), "moderation: all");
        assert_eq!(
            en(HoldReason::Bot(BotSignal::Honeypot)),
            "bot: honeypot field filled"
        );
        assert_eq!(
            en(HoldReason::Bot(BotSignal::TooFast { seconds: 1 })),
            "bot: posted 1 s after the form appeared"
        );
        assert_eq!(
            en(HoldReason::Bot(BotSignal::ForgedToken)),
            "bot: form token forged"
        );
    }

    #[test]
    fn every_reason_is_said_in_french() {
        for reason in every_variant() {
            if matches!(reason, HoldReason::Other(_)) {
                continue;
            }
            let (en, fr) = (reason.text(Lang::En), reason.text(Lang::Fr));
            assert_ne!(en, fr, "{reason}");
            assert!(!fr.contains('{'), "{fr}");
        }
        assert_eq!(
            HoldReason::Links { count: 3, limit: 2 }.text(Lang::Fr),
            "3 liens (plus de 2)"
        );
        assert_eq!(
            HoldReason::ModerationWord("casino".into()).text(Lang::Fr),
            "mot à modérer : casino"
        );
    }
}
