//! The notification emails, rendered by askama from `templates/email/`: a text part
//! and an HTML part (auto-escaped; only sanitizer output is marked safe), in the
//! site's language.

use askama::Template;

use crate::i18n::{Lang, MailWords};

use super::header_text;

/// A message ready for the outbox.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What moderators are told of a new comment. They may see the commenter's email.
pub struct ModeratorMail {
    pub w: &'static MailWords,
    pub lang: Lang,
    pub subject: String,
    pub intro: &'static str,
    pub title: String,
    /// Said after the title when it is only the one a held comment proposes.
    pub title_note: Option<&'static str>,
    pub thread_url: String,
    pub author: String,
    pub email: String,
    pub website: Option<String>,
    pub body_text: String,
    pub body_html: String,
    pub reason: Option<String>,
    /// (label, one-click URL) for approve, spam and delete, as they apply.
    pub links: Vec<(&'static str, String)>,
    pub queue_url: String,
}

/// What a commenter is told of a reply to their comment. Never the replier's email.
pub struct ReplyMail {
    pub w: &'static MailWords,
    pub lang: Lang,
    pub subject: String,
    pub title: String,
    pub replier: String,
    pub by_moderator: bool,
    pub reply_text: String,
    pub reply_html: String,
    pub reply_url: String,
    pub your_excerpt: String,
    pub unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "email/moderator.txt")]
struct ModeratorText<'a> {
    m: &'a ModeratorMail,
}

#[derive(Template)]
#[template(path = "email/moderator.html")]
struct ModeratorHtml<'a> {
    m: &'a ModeratorMail,
}

#[derive(Template)]
#[template(path = "email/reply.txt")]
struct ReplyText<'a> {
    m: &'a ReplyMail,
}

#[derive(Template)]
#[template(path = "email/reply.html")]
struct ReplyHtml<'a> {
    m: &'a ReplyMail,
}

/// A short message of a few paragraphs, perhaps a quoted text, a list and one link:
/// the readers' rights emails (a data link, a report's decision, a removal's
/// reasons) and the moderators' report alert. Everything is escaped in the HTML.
pub struct NoticeMail {
    pub lang: Lang,
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub quote: Option<String>,
    pub items: Vec<String>,
    /// (label, URL)
    pub link: Option<(String, String)>,
    pub after: Vec<String>,
    pub footer: &'static str,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    m: &'a NoticeMail,
}

impl NoticeMail {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: header_text(&self.subject),
            text: NoticeText { m: self }.render()?,
            html: NoticeHtml { m: self }.render()?,
        })
    }
}

/// `New comment on “Title”`, quoted in the language's way, safe for a header.
pub fn subject(w: &MailWords, lead: &str, title: &str) -> String {
    header_text(&format!(
        "{lead} {}{}{}",
        w.open_quote,
        header_text(title),
        w.close_quote
    ))
}

impl ModeratorMail {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: self.subject.clone(),
            text: ModeratorText { m: self }.render()?,
            html: ModeratorHtml { m: self }.render()?,
        })
    }
}

impl ReplyMail {
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: self.subject.clone(),
            text: ReplyText { m: self }.render()?,
            html: ReplyHtml { m: self }.render()?,
        })
    }
}

/// The first words of a text, on one line.
pub fn excerpt(s: &str, max_chars: usize) -> String {
    let line = header_text(s);
    match line.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lang: Lang) -> ReplyMail {
        let w = MailWords::of(lang);
        ReplyMail {
            w,
            lang,
            subject: subject(w, w.subject_reply, "Cloud <souverain>"),
            title: "Cloud <souverain>".into(),
            replier: "Bob <script>".into(),
            by_moderator: false,
            reply_text: "I <b>agree</b>".into(),
            reply_html: "<p>I <b>agree</b></p>".into(),
            reply_url: "https://c.example/t?page=%2Fa&lang=en#c2".into(),
            your_excerpt: "First!".into(),
            unsubscribe_url: "https://c.example/unsubscribe/1.sig".into(),
        }
    }

    #[test]
    fn html_part_escapes_names_and_titles_but_keeps_sanitized_text() {
        let r = reply(Lang::En).render().unwrap();
        assert!(r.html.contains("Bob &#60;script&#62;") || r.html.contains("Bob &lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("<p>I <b>agree</b></p>"));
        assert!(r
            .text
            .contains("Bob <script> replied to your comment on “Cloud <souverain>”"));
        assert!(r.text.contains("https://c.example/unsubscribe/1.sig"));
        assert_eq!(
            r.subject,
            "New reply to your comment on “Cloud <souverain>”"
        );
    }

    #[test]
    fn french_messages_use_french_words_and_quotes() {
        let r = reply(Lang::Fr).render().unwrap();
        assert_eq!(
            r.subject,
            "Nouvelle réponse à votre commentaire sur « Cloud <souverain> »"
        );
        assert!(r.text.contains("a répondu à votre commentaire"));
    }
}
