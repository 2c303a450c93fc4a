//! Sanitising comment bodies.
//!
//! Readers write a little HTML (the [`WHITELIST`]) and plain text; what is
//! stored and served must be well-formed and must never run script. The work
//! is done in three steps, at write time:
//!
//! 1. **ammonia with the reader whitelist** (plus `pre`, kept only as a marker
//!    for step 2). Everything else is parsed the way a browser would parse it
//!    (html5ever), disallowed tags are unwrapped, raw-text elements such as
//!    `script` lose their content, comments and disallowed attributes go, and
//!    URLs are checked. The result is well-formed HTML with no `p` or `br`.
//! 2. **Text formatting** on that well-formed HTML, read as a token stream:
//!    bare URLs become links (not inside `a`, `code` or `pre`), blank lines
//!    become paragraphs and single newlines `<br>`. Working on ammonia's output
//!    rather than on the raw input means a newline inside an attribute value
//!    or a URL inside a tag can never be mistaken for text.
//! 3. **ammonia again**, with the whitelist plus the server's own `p` and
//!    `br`. Step 2 is simple string building, so instead of trusting it this
//!    pass re-parses and re-serialises: whatever step 2 emitted, the stored
//!    HTML is balanced, properly nested and filtered by the same rules.
//!
//! Readers cannot write `p` or `br` themselves: step 1 strips them, so only the
//! server decides the paragraph structure.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use crate::domain::CommentBody;
use linkify::{LinkFinder, LinkKind};

/// One tag a reader may use, with the attributes it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedTag {
    pub name: &'static str,
    pub attributes: &'static [&'static str],
}

/// The tags and attributes readers may use. This one list drives both the
/// sanitizer and the help text, so they cannot disagree.
#[rustfmt::skip]
pub const WHITELIST: &[AllowedTag] = &[
    AllowedTag { name: "a", attributes: &["href", "title"] },
    AllowedTag { name: "abbr", attributes: &["title"] },
    AllowedTag { name: "acronym", attributes: &["title"] },
    AllowedTag { name: "b", attributes: &[] },
    AllowedTag { name: "blockquote", attributes: &["cite"] },
    AllowedTag { name: "cite", attributes: &[] },
    AllowedTag { name: "code", attributes: &[] },
    AllowedTag { name: "del", attributes: &["datetime"] },
    AllowedTag { name: "em", attributes: &[] },
    AllowedTag { name: "i", attributes: &[] },
    AllowedTag { name: "q", attributes: &["cite"] },
    AllowedTag { name: "strike", attributes: &[] },
    AllowedTag { name: "strong", attributes: &[] },
];

/// URL schemes a reader's link or citation may use.
const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Exactly the `rel` every link gets: the reader's links are not endorsed
/// (`nofollow`), are user-generated (`ugc`), and cannot reach back into the
/// page through `window.opener` (`noopener`).
const LINK_REL: &str = "nofollow ugc noopener";

/// Elements whose content is dropped, not just unwrapped: their content is
/// raw text, script, or foreign markup that means nothing as comment text.
#[rustfmt::skip]
const DROPPED_CONTENT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext",
    "textarea", "title", "template", "object", "applet", "svg", "math",
];

/// Tags the server adds in step 2; readers' own are stripped in step 1.
const SERVER_TAGS: &[&str] = &["p", "br"];

/// Kept through step 1 only so step 2 knows not to link URLs in it (as
/// WordPress does not); step 2 then drops the tag itself, keeping its text.
const NO_LINK_MARKER: &str = "pre";

/// The whitelist as the help sentence shows it:
/// `<a href="" title=""> <abbr title=""> ... <strong>`
pub fn whitelist_markup() -> String {
    WHITELIST
        .iter()
        .map(|tag| {
            let attributes: String = tag
                .attributes
                .iter()
                .map(|attribute| format!(" {attribute}=\"\""))
                .collect();
            format!("<{}{}>", tag.name, attributes)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A comment's text with its sanitized HTML, computed before a unit of work takes the
/// write lock rather than under it.
#[derive(Debug)]
pub struct SanitizedBody {
    pub raw: CommentBody,
    pub html: String,
}

impl SanitizedBody {
    pub fn new(raw: CommentBody) -> SanitizedBody {
        let html = sanitize(raw.as_str());
        SanitizedBody { raw, html }
    }
}

/// Sanitize a raw comment body into the HTML stored and served.
pub fn sanitize(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let reader_html = READER_PASS.clean(&raw).to_string();
    let formatted = format_text(&reader_html);
    FINAL_PASS.clean(&formatted).to_string()
}

/// HTML this sanitizer produced before (a Causerie export's `body_html`), made sure
/// of again: the final whitelist only, which leaves its own output as it is, so a
/// Markdown comment keeps its rendering while a hand-edited file cannot add script.
pub fn reclean(html: &str) -> String {
    FINAL_PASS.clean(html).to_string()
}

static READER_PASS: LazyLock<Builder<'static>> = LazyLock::new(|| builder(&[NO_LINK_MARKER]));
static FINAL_PASS: LazyLock<Builder<'static>> = LazyLock::new(|| builder(SERVER_TAGS));

static LINK_FINDER: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    // Scheme-less links are found so that `www.example.com` can be linked
    // (as WordPress does); `link_target` rejects other scheme-less matches.
    finder.url_must_have_scheme(false);
    finder
});

fn builder(extra_tags: &[&'static str]) -> Builder<'static> {
    let tags: HashSet<&'static str> = WHITELIST
        .iter()
        .map(|tag| tag.name)
        .chain(extra_tags.iter().copied())
        .collect();
    let tag_attributes: HashMap<&'static str, HashSet<&'static str>> = WHITELIST
        .iter()
        .map(|tag| (tag.name, tag.attributes.iter().copied().collect()))
        .collect();
    // `Builder::empty` only empties the tag list: every other setting keeps
    // ammonia's wider defaults (`title` and `lang` on every tag, many
    // schemes), so each one the whitelist constrains is set here.
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .clean_content_tags(DROPPED_CONTENT.iter().copied().collect())
        .strip_comments(true)
        .url_schemes(ALLOWED_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some(LINK_REL))
        .attribute_filter(filter_attribute);
    builder
}

/// ammonia checks the scheme of `href` but not of `cite`; both go through the
/// same check here so the two can never be judged differently.
fn filter_attribute<'v>(_element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    match attribute {
        "href" | "cite" => allowed_url(value).map(Cow::Owned),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// The URL as a browser would read it from an (already entity-decoded)
/// attribute value, if it is absolute and its scheme is allowed.
///
/// Browsers strip leading and trailing C0 controls and spaces and drop ASCII
/// tabs and newlines anywhere before parsing, which is how
/// `jav&#x09;ascript:` still runs: the check must see what the browser sees.
fn allowed_url(value: &str) -> Option<String> {
    let cleaned: String = value
        .trim_matches(|c: char| c <= '\u{20}')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let parsed = url::Url::parse(&cleaned).ok()?;
    ALLOWED_SCHEMES
        .contains(&parsed.scheme())
        .then_some(cleaned)
}

/// Step 2: links and paragraphs, on step 1's well-formed output.
fn format_text(html: &str) -> String {
    let mut out = Formatter::default();
    let tokens = Tokens { rest: html };
    for token in tokens {
        match token {
            Token::Tag(tag) => out.tag(tag),
            Token::Text(text) => out.text(&unescape(text)),
        }
    }
    out.finish()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Break {
    Line,
    Paragraph,
}

#[derive(Default)]
struct Formatter {
    out: String,
    paragraph_open: bool,
    pending: Option<Break>,
    /// How many `a`, `code` or `pre` elements enclose the current text.
    no_link_depth: usize,
}

impl Formatter {
    fn tag(&mut self, tag: &str) {
        let closing = tag.starts_with("</");
        let name = tag_name(tag);
        if matches!(name.as_str(), "a" | "code" | NO_LINK_MARKER) {
            self.no_link_depth = if closing {
                self.no_link_depth.saturating_sub(1)
            } else {
                self.no_link_depth + 1
            };
        }
        if name == NO_LINK_MARKER {
            return;
        }
        if name == "blockquote" {
            // A blockquote cannot sit inside a paragraph (the parser would
            // close the paragraph and leave an empty one behind), and
            // paragraphs may sit inside it: close the paragraph around it.
            self.pending = None;
            self.close_paragraph();
            self.out.push_str(tag);
        } else if closing {
            // A closing tag ends what came before the break, so it goes
            // before any pending break rather than after it.
            self.out.push_str(tag);
        } else {
            self.start_content();
            self.out.push_str(tag);
        }
    }

    fn text(&mut self, text: &str) {
        let mut rest = text;
        while let Some((before, newlines, after)) = split_at_line_break(rest) {
            self.inline_text(before);
            if self.paragraph_open {
                let kind = if newlines > 1 {
                    Break::Paragraph
                } else {
                    Break::Line
                };
                // A paragraph break wins over a line break already pending.
                if self.pending != Some(Break::Paragraph) {
                    self.pending = Some(kind);
                }
            }
            rest = after;
        }
        self.inline_text(rest);
    }

    fn inline_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        // Whitespace alone neither opens a paragraph nor makes a pending
        // break real: it would only produce empty paragraphs or a stray `<br>`.
        if text.trim().is_empty() && (!self.paragraph_open || self.pending.is_some()) {
            return;
        }
        self.start_content();
        if self.no_link_depth > 0 {
            self.out.push_str(&escape(text, false));
        } else {
            self.push_linked(text);
        }
    }

    fn push_linked(&mut self, text: &str) {
        let mut last = 0;
        for link in LINK_FINDER.links(text) {
            let Some(href) = link_target(link.as_str()) else {
                continue;
            };
            self.out.push_str(&escape(&text[last..link.start()], false));
            self.out.push_str("<a href=\"");
            self.out.push_str(&escape(&href, true));
            self.out.push_str("\">");
            self.out.push_str(&escape(link.as_str(), false));
            self.out.push_str("</a>");
            last = link.end();
        }
        self.out.push_str(&escape(&text[last..], false));
    }

    /// Called before anything visible is written: opens the paragraph or
    /// emits the break that the preceding newlines asked for.
    fn start_content(&mut self) {
        match self.pending.take() {
            Some(Break::Paragraph) => self.close_paragraph(),
            Some(Break::Line) => self.out.push_str("<br>"),
            None => {}
        }
        if !self.paragraph_open {
            self.out.push_str("<p>");
            self.paragraph_open = true;
        }
    }

    fn close_paragraph(&mut self) {
        if self.paragraph_open {
            self.out.push_str("</p>");
            self.paragraph_open = false;
        }
    }

    fn finish(mut self) -> String {
        self.close_paragraph();
        self.out
    }
}

/// Finds the first run of newlines (with the spaces and tabs around and
/// between them) and returns the text before it, how many newlines it holds,
/// and the text after it.
fn split_at_line_break(text: &str) -> Option<(&str, usize, &str)> {
    let first = text.find('\n')?;
    let is_blank = |c: char| c == ' ' || c == '\t';
    let start = text[..first].trim_end_matches(is_blank).len();
    let mut end = first;
    let mut newlines = 0;
    for (offset, c) in text[first..].char_indices() {
        match c {
            '\n' => {
                newlines += 1;
                end = first + offset + 1;
            }
            ' ' | '\t' => {}
            _ => break,
        }
    }
    let after = text[end..].trim_start_matches(is_blank);
    Some((&text[..start], newlines, after))
}

/// Where a URL found in text should point, if it should be linked at all.
fn link_target(found: &str) -> Option<String> {
    if let Some(url) = allowed_url(found) {
        return Some(url);
    }
    // Without a scheme only the unmistakable `www.` form is linked, so that
    // a sentence mentioning "example.com" is left as the reader wrote it.
    let has_www = found
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("www."));
    if has_www {
        allowed_url(&format!("http://{found}"))
    } else {
        None
    }
}

enum Token<'h> {
    Tag(&'h str),
    Text(&'h str),
}

/// Splits serialised HTML into tags and text. It only ever reads ammonia's
/// output, where `<` in text is escaped and attribute values are quoted, but
/// those values may contain `>` or newlines, so quotes are tracked.
struct Tokens<'h> {
    rest: &'h str,
}

impl<'h> Iterator for Tokens<'h> {
    type Item = Token<'h>;

    fn next(&mut self) -> Option<Token<'h>> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.rest.starts_with('<') {
            let end = self.rest.find('<').unwrap_or(self.rest.len());
            let (text, rest) = self.rest.split_at(end);
            self.rest = rest;
            return Some(Token::Text(text));
        }
        let mut quote = None;
        let mut end = self.rest.len();
        for (index, c) in self.rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(open), _) if c == open => quote = None,
                (None, '>') => {
                    end = index + 1;
                    break;
                }
                _ => {}
            }
        }
        let (tag, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(Token::Tag(tag))
    }
}

fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<')
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Decodes the character references html5ever's serialiser writes in text.
/// Anything else is left as it is; step 3 re-parses the result anyway.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&nbsp;", '\u{a0}'),
        ]
        .iter()
        .find(|(entity, _)| rest.starts_with(entity));
        match decoded {
            Some((entity, c)) => {
                out.push(*c);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `text` with `&`, `<`, `>` (and, in an attribute, `"`) escaped.
pub(crate) fn escape(text: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_whitelisted_tag_and_attribute() {
        let input = concat!(
            r#"<a href="https://example.com/" title="t">a</a> <abbr title="t">b</abbr> "#,
            r#"<acronym title="t">c</acronym> <b>d</b> <cite>e</cite> <code>f</code> "#,
            r#"<del datetime="2024-01-01">g</del> <em>h</em> <i>i</i> "#,
            r#"<q cite="https://example.com/q">j</q> <strike>k</strike> <strong>l</strong>"#,
            r#"<blockquote cite="https://example.com/b">m</blockquote>"#,
        );
        let expected = concat!(
            r#"<p><a href="https://example.com/" title="t" rel="nofollow ugc noopener">a</a> "#,
            r#"<abbr title="t">b</abbr> <acronym title="t">c</acronym> <b>d</b> "#,
            r#"<cite>e</cite> <code>f</code> <del datetime="2024-01-01">g</del> "#,
            r#"<em>h</em> <i>i</i> <q cite="https://example.com/q">j</q> "#,
            r#"<strike>k</strike> <strong>l</strong></p>"#,
            r#"<blockquote cite="https://example.com/b"><p>m</p></blockquote>"#,
        );
        assert_eq!(sanitize(input), expected);
    }

    #[test]
    fn strips_other_tags_but_keeps_their_text() {
        assert_eq!(
            sanitize(r#"<div class="x"><span style="color:red">Hello</span> <u>world</u></div>"#),
            "<p>Hello world</p>"
        );
        assert_eq!(sanitize("<img src=x onerror=alert(1)>ok"), "<p>ok</p>");
        assert_eq!(
            sanitize(r#"<b onclick="alert(1)" class="c" title="t">bold</b>"#),
            "<p><b>bold</b></p>"
        );
    }

    #[test]
    fn drops_script_and_style_content() {
        assert_eq!(
            sanitize("a<script>alert(1)</script>b<style>p { color: red }</style>c"),
            "<p>abc</p>"
        );
        assert_eq!(
            sanitize("x<iframe>y</iframe><textarea>z</textarea><svg><text>w</text></svg>"),
            "<p>x</p>"
        );
    }

    #[test]
    fn removes_html_comments() {
        assert_eq!(sanitize("a<!-- secret -->b"), "<p>ab</p>");
        assert_eq!(sanitize("<!--[if IE]><b>x</b><![endif]-->y"), "<p>y</p>");
    }

    #[test]
    fn rejects_javascript_href_even_when_entity_encoded_or_split_by_whitespace() {
        for href in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "jav&#x0A;ascript:alert(1)",
            "java\nscript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript&#x3A;alert(1)",
            "javascript&colon;alert(1)",
            " javascript:alert(1)",
            "&#x01; &#14; javascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
        ] {
            let input = format!(r#"<a href="{href}">x</a>"#);
            assert_eq!(
                sanitize(&input),
                r#"<p><a rel="nofollow ugc noopener">x</a></p>"#,
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_javascript_in_cite() {
        assert_eq!(
            sanitize(r#"<q cite="javascript:alert(1)">x</q>"#),
            "<p><q>x</q></p>"
        );
        assert_eq!(
            sanitize(r#"<blockquote cite=" jav&#x09;ascript:alert(1)">x</blockquote>"#),
            "<blockquote><p>x</p></blockquote>"
        );
    }

    #[test]
    fn keeps_mailto_and_https() {
        assert_eq!(
            sanitize(
                r#"<a href="mailto:me@example.com">m</a> <a href="https://example.com/a?b=1&amp;c=2">s</a>"#
            ),
            concat!(
                r#"<p><a href="mailto:me@example.com" rel="nofollow ugc noopener">m</a> "#,
                r#"<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">s</a></p>"#,
            )
        );
        assert_eq!(
            sanitize(r#"<q cite="http://example.com/source">x</q>"#),
            r#"<p><q cite="http://example.com/source">x</q></p>"#
        );
    }

    #[test]
    fn rejects_relative_href() {
        for href in [
            "/path",
            "path/page.html",
            "//example.com/x",
            "#top",
            "?q=1",
            "",
        ] {
            let input = format!(r#"<a href="{href}">x</a>"#);
            assert_eq!(
                sanitize(&input),
                r#"<p><a rel="nofollow ugc noopener">x</a></p>"#,
                "{input:?}"
            );
        }
        assert_eq!(sanitize(r#"<q cite="/source">x</q>"#), "<p><q>x</q></p>");
    }

    #[test]
    fn adds_rel_to_links() {
        assert_eq!(
            sanitize(r#"<a href="https://example.com" rel="follow me" target="_blank">x</a>"#),
            r#"<p><a href="https://example.com" rel="nofollow ugc noopener">x</a></p>"#
        );
    }

    #[test]
    fn links_bare_urls_but_not_inside_a_or_code() {
        assert_eq!(
            sanitize("see https://example.com/x?a=1&b=2, and www.example.org."),
            concat!(
                r#"<p>see <a href="https://example.com/x?a=1&amp;b=2" rel="nofollow ugc noopener">"#,
                r#"https://example.com/x?a=1&amp;b=2</a>, and "#,
                r#"<a href="http://www.example.org" rel="nofollow ugc noopener">www.example.org</a>.</p>"#,
            )
        );
        assert_eq!(
            sanitize("<code>https://example.com</code>"),
            "<p><code>https://example.com</code></p>"
        );
        assert_eq!(
            sanitize(r#"<a href="https://a.example/">read https://b.example/</a>"#),
            r#"<p><a href="https://a.example/" rel="nofollow ugc noopener">read https://b.example/</a></p>"#
        );
        assert_eq!(
            sanitize("example.com and ftp://example.com and javascript://%0aalert(1)"),
            "<p>example.com and ftp://example.com and javascript://%0aalert(1)</p>"
        );
        // An escaped `<` next to a URL is text, not part of the URL.
        assert_eq!(
            sanitize("&lt;https://example.com/&gt;"),
            r#"<p>&lt;<a href="https://example.com/" rel="nofollow ugc noopener">https://example.com/</a>&gt;</p>"#
        );
    }

    #[test]
    fn blank_lines_make_paragraphs_and_newlines_make_br() {
        assert_eq!(
            sanitize("\n\nfirst\nline\r\n\r\nsecond\r\rthird \n \t\n\nfourth\n  \n"),
            "<p>first<br>line</p><p>second</p><p>third</p><p>fourth</p>"
        );
        assert_eq!(sanitize("<b>a\n\nb</b>"), "<p><b>a</b></p><p><b>b</b></p>");
        assert_eq!(
            sanitize("intro\n<blockquote>quoted\n\nmore</blockquote>\noutro"),
            "<p>intro</p><blockquote><p>quoted</p><p>more</p></blockquote><p>outro</p>"
        );
        // Newlines inside an attribute value are not text: no break there.
        assert_eq!(
            sanitize("<abbr title=\"one\n\ntwo\">x</abbr>"),
            "<p><abbr title=\"one\n\ntwo\">x</abbr></p>"
        );
        assert_eq!(sanitize(""), "");
        assert_eq!(sanitize(" \n\n \n"), "");
    }

    #[test]
    fn readers_cannot_write_p_or_br() {
        assert_eq!(
            sanitize("<p>one</p><p>two<br>three</p><br/>"),
            "<p>onetwothree</p>"
        );
        assert_eq!(sanitize(r#"<p class="x">a</p>"#), "<p>a</p>");
    }

    #[test]
    fn output_is_balanced_for_unclosed_tags() {
        assert_eq!(
            sanitize("<b>bold <i>both"),
            "<p><b>bold <i>both</i></b></p>"
        );
        assert_eq!(sanitize("</b>stray</q>"), "<p>stray</p>");
        assert_eq!(sanitize("<b><i>x</b></i>"), "<p><b><i>x</i></b></p>");
        assert_eq!(
            sanitize("<q>a<blockquote>b"),
            "<p><q>a</q></p><blockquote><p>b</p></blockquote>"
        );
    }

    #[test]
    fn whitelist_markup_lists_the_13_tags() {
        assert_eq!(WHITELIST.len(), 13);
        assert_eq!(
            whitelist_markup(),
            concat!(
                r#"<a href="" title=""> <abbr title=""> <acronym title=""> <b> "#,
                r#"<blockquote cite=""> <cite> <code> <del datetime=""> <em> <i> "#,
                r#"<q cite=""> <strike> <strong>"#,
            )
        );
    }

    /// From a fuzzer crash (of its checker, not of the sanitizer): a bare http URL
    /// whose path holds `javascript:` is an http link, and stays one.
    #[test]
    fn an_http_url_mentioning_javascript_in_its_path_stays_an_http_link() {
        let html = sanitize("see http://example.org/xss.js16667javascript:ag");
        assert_eq!(
            html,
            "<p>see <a href=\"http://example.org/xss.js16667javascript:ag\" rel=\"nofollow ugc noopener\">\
             http://example.org/xss.js16667javascript:ag</a></p>"
        );
    }
}
