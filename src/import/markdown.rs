//! Markdown (Isso, Remark42, Commento) rendered into what our sanitizer reads: the
//! reader's language of SPEC section 3, whitelisted inline HTML where blank lines
//! make paragraphs and single newlines `<br>`.
//!
//! The sanitizer strips `p`, `br`, lists and headings itself (only the server makes
//! paragraphs), so rendering them as HTML would lose the structure: a paragraph
//! here ends with a blank line, a list item with a newline, a heading is `strong`.
//! CommonMark plus `~~strikethrough~~`, as the three sources write it; a soft line
//! break is a space, as none of them turns hard wrapping on (Isso's misaka flags are
//! empty by default, Remark42's and Commento's blackfriday have no hard-break
//! extension). Raw HTML in the Markdown is passed on as it is: the sanitizer keeps
//! only the whitelist.

use crate::sanitize::escape;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

/// Renders `markdown` for [`crate::sanitize::sanitize`].
pub fn to_html(markdown: &str) -> String {
    let mut out = Renderer::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        out.event(event);
    }
    out.out
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    Line,
    Paragraph,
}

/// One open list: its next item's number, or none for bullets.
struct List {
    next: Option<u64>,
}

#[derive(Default)]
struct Renderer {
    out: String,
    /// The break the last block asked for, written before the next content so that
    /// the text never ends with one.
    pending: Option<Break>,
    lists: Vec<List>,
    /// Inside an item, paragraphs are lines: a loose list stays a list.
    items: usize,
    code_block: bool,
    /// Images inside a link render as their text: links do not nest.
    links: usize,
    /// An image being written as a link, whose text is its alt text.
    image: Option<ImageLink>,
}

struct ImageLink {
    src: String,
    alt: String,
    /// Whether it is written as `<a>` (false inside a link).
    as_link: bool,
}

impl Renderer {
    fn event(&mut self, event: Event<'_>) {
        if let Some(image) = &mut self.image {
            match event {
                Event::End(TagEnd::Image) => self.end_image(),
                Event::Text(text) | Event::Code(text) => image.alt.push_str(&text),
                Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_block => self.code_text(&text),
            Event::Text(text) => self.push(&escape(&text, false)),
            Event::Code(code) => {
                let html = format!("<code>{}</code>", escape(&code, false));
                self.push(&html);
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push(&html),
            Event::SoftBreak => self.push(" "),
            Event::HardBreak => self.request(Break::Line),
            Event::Rule => self.request(Break::Paragraph),
            // Not enabled: math, footnotes, task lists.
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { .. } => self.push("<strong>"),
            Tag::BlockQuote(_) => {
                self.request(Break::Paragraph);
                self.push("<blockquote>");
            }
            Tag::CodeBlock(_) => {
                self.request(Break::Paragraph);
                self.push("<pre><code>");
                self.code_block = true;
            }
            Tag::List(start) => {
                self.request(if self.items > 0 {
                    Break::Line
                } else {
                    Break::Paragraph
                });
                self.lists.push(List { next: start });
            }
            Tag::Item => {
                self.request(Break::Line);
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(List { next: Some(n) }) => {
                        let marker = format!("{n}. ");
                        *n += 1;
                        marker
                    }
                    _ => "• ".to_owned(),
                };
                // No-break spaces, which the sanitizer keeps where it trims spaces.
                let indent = "\u{a0}\u{a0}".repeat(depth);
                self.push(&format!("{indent}{marker}"));
                self.items += 1;
            }
            Tag::Emphasis => self.push("<em>"),
            Tag::Strong => self.push("<strong>"),
            Tag::Strikethrough => self.push("<del>"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let href = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                let mut open = format!("<a href=\"{}\"", escape(&href, true));
                if !title.is_empty() {
                    open.push_str(&format!(" title=\"{}\"", escape(&title, true)));
                }
                open.push('>');
                self.push(&open);
                self.links += 1;
            }
            // Our whitelist has no `img`: an image becomes a link to it, so the
            // reader still finds what was shown.
            Tag::Image { dest_url, .. } => {
                self.image = Some(ImageLink {
                    src: dest_url.to_string(),
                    alt: String::new(),
                    as_link: self.links == 0,
                });
            }
            // Paragraphs and HTML blocks are only separated; the rest is not enabled.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.request(if self.items > 0 {
                Break::Line
            } else {
                Break::Paragraph
            }),
            TagEnd::Heading(_) => {
                self.out.push_str("</strong>");
                self.request(Break::Paragraph);
            }
            TagEnd::BlockQuote(_) => {
                self.pending = None;
                self.out.push_str("</blockquote>");
                self.request(Break::Paragraph);
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                // The block's text ends with its last newline; the closing tags go
                // right after the code.
                while self.out.ends_with('\n') {
                    self.out.pop();
                }
                self.out.push_str("</code></pre>");
                self.request(Break::Paragraph);
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.request(if self.items > 0 {
                    Break::Line
                } else {
                    Break::Paragraph
                });
            }
            TagEnd::Item => self.items = self.items.saturating_sub(1),
            TagEnd::Emphasis => self.out.push_str("</em>"),
            TagEnd::Strong => self.out.push_str("</strong>"),
            TagEnd::Strikethrough => self.out.push_str("</del>"),
            TagEnd::Link => {
                self.out.push_str("</a>");
                self.links = self.links.saturating_sub(1);
            }
            _ => {}
        }
    }

    fn end_image(&mut self) {
        let Some(image) = self.image.take() else {
            return;
        };
        let text = if image.alt.trim().is_empty() {
            &image.src
        } else {
            &image.alt
        };
        let html = if image.as_link {
            format!(
                "<a href=\"{}\">{}</a>",
                escape(&image.src, true),
                escape(text, false)
            )
        } else {
            escape(text, false)
        };
        self.push(&html);
    }

    /// A code block's text, line by line: the sanitizer trims the spaces that start
    /// a line and reads an empty line as a paragraph's end, so indentation becomes
    /// no-break spaces and an empty line holds one.
    fn code_text(&mut self, text: &str) {
        let mut html = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, newline) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            let indent = body.len() - body.trim_start_matches(' ').len();
            let rest = &body[indent..];
            html.push_str(&"\u{a0}".repeat(indent));
            if rest.is_empty() && indent == 0 && !newline.is_empty() {
                html.push('\u{a0}');
            }
            html.push_str(&escape(rest, false));
            html.push_str(newline);
        }
        self.push(&html);
    }

    /// Asks for a break before the next content; a paragraph break wins.
    fn request(&mut self, wanted: Break) {
        if self.out.is_empty() {
            return;
        }
        self.pending = self.pending.max(Some(wanted));
    }

    fn push(&mut self, html: &str) {
        if html.is_empty() {
            return;
        }
        match self.pending.take() {
            Some(Break::Paragraph) => self.out.push_str("\n\n"),
            Some(Break::Line) => self.out.push('\n'),
            None => {}
        }
        self.out.push_str(html);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::sanitize;

    /// What a reader finally sees: rendered, then sanitized as the importer does.
    fn shown(markdown: &str) -> String {
        sanitize(&to_html(markdown))
    }

    #[test]
    fn renders_emphasis_strong_and_strikethrough() {
        assert_eq!(
            to_html("*un* **deux** ~~trois~~"),
            "<em>un</em> <strong>deux</strong> <del>trois</del>"
        );
        assert_eq!(
            shown("*un* **deux** ~~trois~~"),
            "<p><em>un</em> <strong>deux</strong> <del>trois</del></p>"
        );
    }

    #[test]
    fn renders_links_with_their_title_and_mail_autolinks() {
        assert_eq!(
            to_html(r#"[le site](https://example.fr/a?b=1&c=2 "Titre")"#),
            r#"<a href="https://example.fr/a?b=1&amp;c=2" title="Titre">le site</a>"#
        );
        assert_eq!(
            to_html("<marie@example.fr>"),
            r#"<a href="mailto:marie@example.fr">marie@example.fr</a>"#
        );
        assert_eq!(
            shown("[le site](https://example.fr/)"),
            r#"<p><a href="https://example.fr/" rel="nofollow ugc noopener">le site</a></p>"#
        );
    }

    #[test]
    fn a_javascript_link_loses_its_href_once_sanitized() {
        assert_eq!(
            shown("[clic](javascript:alert(1))"),
            "<p><a rel=\"nofollow ugc noopener\">clic</a></p>"
        );
    }

    #[test]
    fn separates_paragraphs_with_a_blank_line_and_joins_soft_breaks() {
        assert_eq!(
            to_html("Une ligne\nla suite.\n\nAutre paragraphe."),
            "Une ligne la suite.\n\nAutre paragraphe."
        );
        assert_eq!(
            shown("Une ligne\nla suite.\n\nAutre paragraphe."),
            "<p>Une ligne la suite.</p><p>Autre paragraphe.</p>"
        );
    }

    #[test]
    fn a_hard_break_is_a_line_break() {
        assert_eq!(shown("un  \ndeux\\\ntrois"), "<p>un<br>deux<br>trois</p>");
    }

    #[test]
    fn renders_inline_code_escaped_and_code_blocks_line_by_line() {
        assert_eq!(to_html("`a < b`"), "<code>a &lt; b</code>");
        assert_eq!(
            to_html("Avant\n\n```\nfn main() {\n    x();\n\n}\n```\nAprès"),
            "Avant\n\n<pre><code>fn main() {\n\u{a0}\u{a0}\u{a0}\u{a0}x();\n\u{a0}\n}</code></pre>\n\nAprès"
        );
        let code = shown("```\nif a < b {\n  <b>c</b>\n}\n```");
        assert_eq!(
            code,
            "<p><code>if a &lt; b {<br>&nbsp;&nbsp;&lt;b&gt;c&lt;/b&gt;<br>}</code></p>"
        );
    }

    #[test]
    fn code_text_is_not_linked() {
        assert_eq!(
            shown("`https://example.fr/`"),
            "<p><code>https://example.fr/</code></p>"
        );
    }

    #[test]
    fn a_list_becomes_lines_with_their_markers() {
        assert_eq!(to_html("- un\n- deux\n\nfin"), "• un\n• deux\n\nfin");
        assert_eq!(to_html("3. trois\n4. quatre"), "3. trois\n4. quatre");
        assert_eq!(
            shown("- un\n- deux\n\nfin"),
            "<p>• un<br>• deux</p><p>fin</p>"
        );
        // A loose list keeps one line per item, and a nested one is indented.
        assert_eq!(
            to_html("- un\n\n- deux\n  - deux bis"),
            "• un\n• deux\n\u{a0}\u{a0}• deux bis"
        );
    }

    #[test]
    fn a_heading_becomes_strong_text() {
        assert_eq!(
            to_html("# Titre\n\nTexte"),
            "<strong>Titre</strong>\n\nTexte"
        );
    }

    #[test]
    fn keeps_blockquotes() {
        assert_eq!(
            to_html("> cité\n\nréponse"),
            "<blockquote>cité</blockquote>\n\nréponse"
        );
        assert_eq!(
            shown("> cité\n\nréponse"),
            "<blockquote><p>cité</p></blockquote><p>réponse</p>"
        );
    }

    #[test]
    fn raw_html_passes_to_the_sanitizer_which_drops_script() {
        assert_eq!(to_html("a <b>gras</b>"), "a <b>gras</b>");
        let html = to_html("Salut <script>alert(1)</script> **toi**");
        assert!(html.contains("<script>"), "{html}");
        assert_eq!(
            shown("Salut <script>alert(1)</script> **toi**"),
            "<p>Salut  <strong>toi</strong></p>"
        );
        assert_eq!(shown("<script>\nalert(1)\n</script>\n\nfin"), "<p>fin</p>");
    }

    #[test]
    fn escaped_html_in_markdown_stays_text() {
        assert_eq!(shown(r"\<script>"), "<p>&lt;script&gt;</p>");
        assert_eq!(
            shown("Tom &amp; Jerry &lt;3"),
            "<p>Tom &amp; Jerry &lt;3</p>"
        );
    }

    #[test]
    fn an_image_becomes_a_link_to_it_named_by_its_alt_text() {
        assert_eq!(
            to_html("![un chat](https://example.fr/chat.png)"),
            r#"<a href="https://example.fr/chat.png">un chat</a>"#
        );
        assert_eq!(
            to_html("![](https://example.fr/chat.png)"),
            r#"<a href="https://example.fr/chat.png">https://example.fr/chat.png</a>"#
        );
        // Inside a link, only its text: links cannot nest.
        assert_eq!(
            to_html("[![logo](https://example.fr/l.png)](https://example.fr/)"),
            r#"<a href="https://example.fr/">logo</a>"#
        );
    }

    #[test]
    fn french_text_and_empty_input() {
        assert_eq!(
            to_html("Très intéressé, merci à vous !"),
            "Très intéressé, merci à vous !"
        );
        assert_eq!(to_html(""), "");
        assert_eq!(to_html("\n\n"), "");
    }
}
