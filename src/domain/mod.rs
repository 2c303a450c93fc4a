//! Reader input parsed into types that cannot hold an invalid value ("parse, don't
//! validate"): once a handler has a `NewComment`, every field is known good.

mod action;
mod comment_body;
mod email;
mod hold_reason;
mod name;
mod page_key;
mod site_id;
mod status;
mod thread_key;
mod website;

use std::collections::BTreeMap;

pub use action::Action;
pub use comment_body::CommentBody;
pub use email::AuthorEmail;
pub use hold_reason::{BotSignal, HoldReason};
pub use name::AuthorName;
pub use page_key::PageKey;
pub use site_id::{SiteId, DEFAULT_SITE};
pub use status::Status;
pub use thread_key::ThreadKey;
pub use website::Website;

use crate::i18n::Msg;

/// WordPress's byte limits (its `comments` columns), which SPEC section 2 keeps.
pub const AUTHOR_MAX: usize = 245;
pub const EMAIL_MAX: usize = 100;
pub const WEBSITE_MAX: usize = 200;
pub const BODY_MAX: usize = 65_525;
pub const TITLE_MAX: usize = 300;

/// Every failing field of one request, by the field's name in the API.
pub type FieldErrors = BTreeMap<&'static str, Msg>;

/// A comment as a reader submitted it, every field checked.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub page: PageKey,
    pub title: Option<String>,
    pub parent: Option<i64>,
    pub author: AuthorName,
    pub email: AuthorEmail,
    pub website: Option<Website>,
    pub body: CommentBody,
    pub notify_replies: bool,
    /// Set by the route when the form looks filled by a bot (see `abuse`): the
    /// comment is then kept as spam, without telling.
    pub bot_signal: Option<BotSignal>,
}

/// The fields as they arrive, before checking: the JSON API and the no-JS form both
/// fill one of these, so both give the same answers.
#[derive(Debug, Clone, Default)]
pub struct CommentInput {
    pub page: Option<String>,
    pub title: Option<String>,
    pub parent: Option<String>,
    pub author: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub body: Option<String>,
    pub notify_replies: bool,
}

impl CommentInput {
    /// Checks every field and reports all that fail at once.
    pub fn parse(&self) -> Result<NewComment, FieldErrors> {
        let mut errors = FieldErrors::new();
        let page = record(&mut errors, "page", PageKey::parse(opt(&self.page)));
        let author = record(&mut errors, "author", AuthorName::parse(opt(&self.author)));
        let email = record(&mut errors, "email", AuthorEmail::parse(opt(&self.email)));
        let website = record(&mut errors, "website", Website::parse(opt(&self.website)));
        let body = record(&mut errors, "body", CommentBody::parse(opt(&self.body)));
        let parent = record(&mut errors, "parent", parse_parent(opt(&self.parent)));
        let title = record(&mut errors, "title", parse_title(opt(&self.title)));
        match (page, author, email, website, body, parent, title) {
            (
                Some(page),
                Some(author),
                Some(email),
                Some(website),
                Some(body),
                Some(parent),
                Some(title),
            ) if errors.is_empty() => Ok(NewComment {
                page,
                title,
                parent,
                author,
                email,
                website,
                body,
                notify_replies: self.notify_replies,
                bot_signal: None,
            }),
            _ => Err(errors),
        }
    }
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn record<T>(errors: &mut FieldErrors, field: &'static str, r: Result<T, Msg>) -> Option<T> {
    r.map_err(|m| {
        errors.insert(field, m);
    })
    .ok()
}

fn parse_parent(s: &str) -> Result<Option<i64>, Msg> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err(Msg::InvalidParent),
    }
}

/// A page title as a request or a moderator gives it: trimmed, at most
/// [`TITLE_MAX`] bytes, on one line; `None` when blank.
pub fn parse_title(s: &str) -> Result<Option<String>, Msg> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > TITLE_MAX {
        return Err(Msg::TooLong { max: TITLE_MAX });
    }
    Ok(Some(strip_controls(t)))
}

/// Names and titles are single-line text: control characters (newlines included) would
/// only serve to forge log lines or email headers.
pub(crate) fn strip_controls(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Required means present and not blank after trimming; limits count bytes.
pub(crate) fn required(s: &str, max: usize) -> Result<&str, Msg> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Msg::Required);
    }
    if t.len() > max {
        return Err(Msg::TooLong { max });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_failing_field_at_once() {
        let input = CommentInput {
            page: Some("/a".into()),
            website: Some("javascript:alert(1)".into()),
            email: Some("not-an-email".into()),
            ..Default::default()
        };
        let errors = input.parse().unwrap_err();
        assert_eq!(errors.get("author"), Some(&Msg::Required));
        assert_eq!(errors.get("email"), Some(&Msg::InvalidEmail));
        assert_eq!(errors.get("website"), Some(&Msg::InvalidWebsite));
        assert_eq!(errors.get("body"), Some(&Msg::Required));
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn accepts_a_complete_comment() {
        let input = CommentInput {
            page: Some("/articles/cloud/".into()),
            author: Some("  Camille ".into()),
            email: Some("camille@example.org".into()),
            body: Some("Bonjour".into()),
            parent: Some("12".into()),
            ..Default::default()
        };
        let c = input.parse().unwrap();
        assert_eq!(c.page.as_str(), "/articles/cloud");
        assert_eq!(c.author.as_str(), "Camille");
        assert_eq!(c.parent, Some(12));
        assert!(c.website.is_none());
    }
}
