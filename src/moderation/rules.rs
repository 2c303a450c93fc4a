//! The rules that decide where a new comment goes, as WordPress's: disallowed words
//! send it to spam; too many links or a moderation word hold it; otherwise the
//! moderation mode decides (`none`, `first_time`, `all`). Each held comment keeps
//! the reason, which the queue shows.

use crate::config::{ModerationMode, SiteSettings};
use crate::domain::{HoldReason, NewComment, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub reason: Option<HoldReason>,
}

impl Verdict {
    fn held(reason: HoldReason) -> Verdict {
        Verdict {
            status: Status::Pending,
            reason: Some(reason),
        }
    }
}

/// Links in sanitized HTML: every `<a` the sanitizer let through or made.
pub fn count_links(body_html: &str) -> usize {
    body_html.matches("<a ").count() + body_html.matches("<a>").count()
}

/// The first of `words` found in any of `texts`, case-insensitively.
fn find_word<'w>(words: &'w [String], texts: &[&str]) -> Option<&'w str> {
    let lowered: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .find(|w| {
            let w = w.to_lowercase();
            lowered.iter().any(|t| t.contains(&w))
        })
}

/// Decides the status of `input`. `known_commenter` tells whether the address has
/// an approved comment already; it is asked only in `first_time` mode.
pub fn judge<E>(
    site: &SiteSettings,
    input: &NewComment,
    body_html: &str,
    known_commenter: impl FnOnce() -> Result<bool, E>,
) -> Result<Verdict, E> {
    let texts = [
        input.body.as_str(),
        input.author.as_str(),
        input.email.as_str(),
        input.website.as_ref().map_or("", |w| w.as_str()),
    ];
    if let Some(signal) = input.bot_signal {
        return Ok(Verdict {
            status: Status::Spam,
            reason: Some(HoldReason::Bot(signal)),
        });
    }
    if let Some(word) = find_word(&site.disallowed_keywords, &texts) {
        return Ok(Verdict {
            status: Status::Spam,
            reason: Some(HoldReason::DisallowedWord(word.to_owned())),
        });
    }
    let links = count_links(body_html);
    if links > site.moderation_links as usize {
        return Ok(Verdict::held(HoldReason::Links {
            count: links,
            limit: site.moderation_links,
        }));
    }
    if let Some(word) = find_word(&site.moderation_keywords, &texts) {
        return Ok(Verdict::held(HoldReason::ModerationWord(word.to_owned())));
    }
    match site.moderation {
        ModerationMode::None => Ok(Verdict {
            status: Status::Approved,
            reason: None,
        }),
        ModerationMode::All => Ok(Verdict::held(HoldReason::ModerationAll)),
        ModerationMode::FirstTime => {
            if known_commenter()? {
                Ok(Verdict {
                    status: Status::Approved,
                    reason: None,
                })
            } else {
                Ok(Verdict::held(HoldReason::FirstTime))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CommentInput;

    fn input(body: &str) -> NewComment {
        CommentInput {
            page: Some("/a".into()),
            author: Some("Camille".into()),
            email: Some("camille@example.org".into()),
            body: Some(body.into()),
            ..Default::default()
        }
        .parse()
        .unwrap()
    }

    fn settings(mode: ModerationMode) -> SiteSettings {
        let s = crate::config::Settings {
            moderation: mode,
            moderation_keywords: vec!["casino".into()],
            disallowed_keywords: vec!["viagra".into()],
            ..Default::default()
        };
        crate::config::Config::from_settings(s)
            .unwrap()
            .site_defaults
    }

    fn verdict(s: &SiteSettings, body: &str, known: bool) -> Verdict {
        let html = crate::sanitize::sanitize(body);
        judge::<()>(s, &input(body), &html, || Ok(known)).unwrap()
    }

    #[test]
    fn disallowed_words_go_to_spam_whatever_the_mode() {
        let v = verdict(&settings(ModerationMode::None), "Cheap VIAGRA here", true);
        assert_eq!(v.status, Status::Spam);
        assert_eq!(v.reason, Some(HoldReason::DisallowedWord("viagra".into())));
    }

    #[test]
    fn more_than_two_links_are_held_even_for_known_commenters() {
        let s = settings(ModerationMode::None);
        let two = "http://a.example http://b.example";
        assert_eq!(verdict(&s, two, true).status, Status::Approved);
        let three = "http://a.example http://b.example <a href=\"http://c.example\">c</a>";
        let v = verdict(&s, three, true);
        assert_eq!(v.status, Status::Pending);
        assert_eq!(v.reason, Some(HoldReason::Links { count: 3, limit: 2 }));
    }

    #[test]
    fn moderation_words_hold() {
        let v = verdict(&settings(ModerationMode::None), "Le Casino de Paris", true);
        assert_eq!(v.status, Status::Pending);
        assert_eq!(v.reason, Some(HoldReason::ModerationWord("casino".into())));
    }

    #[test]
    fn modes_decide_the_rest() {
        assert_eq!(
            verdict(&settings(ModerationMode::None), "x", false).status,
            Status::Approved
        );
        assert_eq!(
            verdict(&settings(ModerationMode::All), "x", true).status,
            Status::Pending
        );
        let ft = settings(ModerationMode::FirstTime);
        assert_eq!(verdict(&ft, "x", true).status, Status::Approved);
        assert_eq!(verdict(&ft, "x", false).status, Status::Pending);
    }
}
