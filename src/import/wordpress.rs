//! WordPress's export, WXR ("WordPress eXtended RSS", versions 1.0 to 1.2): the file
//! a site owner downloads from Tools → Export → All content. It is an RSS 2.0 feed
//! whose `<item>`s are the site's posts, pages, attachments and other post types,
//! each with its `<wp:comment>`s.
//!
//! The file is read as a stream of XML events (quick-xml): only the current item's
//! few header fields and the current comment's fields are held, so a file of any
//! size reads in bounded memory.
//!
//! How WordPress's fields map (and what is left out):
//! - An item becomes a thread only when it has a comment we keep, pushed just before
//!   that comment: key `wp:post_id`, URL `<link>` (else `<guid>`), title `<title>`,
//!   closed when `wp:comment_status` is `closed`. Items of any post type count
//!   (pages, attachments, products), as long as they have comments.
//! - `wp:comment_type`: empty, `comment` and WooCommerce's `review` are comments;
//!   `pingback`, `trackback` and `webmention` are [`Kind::Pingback`]. Every other
//!   type is left out, with a line in the log: those are not readers' comments but
//!   what plugins store in WordPress's comment table, often private — the block
//!   editor's editorial `note`s (WordPress 6.9), WooCommerce's `order_note` (an
//!   order's history, with the customer's details) and `webhook_delivery`, Action
//!   Scheduler's `action_log`.
//! - `wp:comment_approved`: `1` approved, `0` pending, `spam` spam, `trash` and
//!   `post-trashed` (the comments of a post in the bin) deleted; anything else
//!   pending. WordPress's own exporter leaves spam out; other tools may not.
//! - Time: `wp:comment_date_gmt`; when it is missing, empty or
//!   `0000-00-00 00:00:00` (what WordPress stores for comments never published),
//!   `wp:comment_date`, the site's local time, is taken as UTC: WXR does not say the
//!   site's time zone, so such a comment may be off by the site's offset.
//! - Moderator: WXR has no roles. A comment counts as the site's own when it was
//!   written by a logged-in user (`wp:comment_user_id` not `0`) who is one of the
//!   export's `<wp:author>`s, the users who wrote the exported posts. A subscriber
//!   who is logged in is not one. WXR 1.0 has no authors list: no moderators there.
//! - Text: `wp:comment_content` as the file stores it (HTML, with WordPress's
//!   entities such as `&#8217;` kept as they are in CDATA). The author's name and
//!   the title are plain text for us, but WordPress stores them HTML-escaped
//!   (`Tom &amp; Jerry`): their character references are decoded.
//! - `<wp:commentmeta>`, `<wp:postmeta>`, categories, terms and everything else are
//!   skipped.
//!
//! Leniency for what WordPress really writes: its exporter puts the author's URL
//! unescaped, so `?a=1&b=2` is a lone `&` that strict XML refuses; such an `&` is
//! kept as text, and so is an entity XML does not define (`&nbsp;`), as written.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, BufRead, Read};

use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::domain::Status;

use super::source::{
    Kind, Markup, ParseError, Position, ReadError, Sink, SourceComment, SourceThread,
};

/// Reads a WXR file into `sink`: a thread for each item with comments, then its
/// comments, in the file's order.
pub fn read(input: impl BufRead, sink: &mut dyn Sink) -> Result<(), ReadError> {
    let mut parser = Parser::new(input);
    let result = parser.run(sink);
    parser.log_skipped(sink);
    result
}

/// The longest field we hold (a comment's text, say): a bigger one is an error
/// rather than unbounded memory.
const MAX_FIELD: usize = 16 << 20;
/// Authors remembered for the moderator flag; a real site has a handful.
const MAX_AUTHORS: usize = 100_000;
/// Comment types counted for the log; the rest are counted together.
const MAX_SKIPPED_TYPES: usize = 32;

/// What an element is to us, by where it is and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Rss,
    Channel,
    Author,
    AuthorId,
    Item,
    ItemField(ItemField),
    Comment,
    CommentField(CommentField),
    /// Anything else, skipped with all it holds.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemField {
    Title,
    Link,
    Guid,
    PostId,
    CommentStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommentField {
    Id,
    Author,
    Email,
    Url,
    Ip,
    Date,
    DateGmt,
    Content,
    Approved,
    Type,
    Parent,
    UserId,
}

/// An element's name, its namespace resolved.
enum Name<'a> {
    /// No namespace: RSS's own elements (`item`, `title`, `link`).
    Rss(&'a str),
    /// WordPress's namespace, whatever its version and prefix.
    Wp(&'a str),
    /// Any other namespace (`content:`, `dc:`, a plugin's).
    Foreign,
}

/// The item being read: what its thread needs, held until its first comment.
#[derive(Debug, Default)]
struct Item {
    line: u64,
    post_id: String,
    link: String,
    guid: String,
    title: String,
    comment_status: String,
    /// Its thread went to the sink already.
    pushed: bool,
}

/// The comment being read, as the file spells it.
#[derive(Debug, Default)]
struct Comment {
    line: u64,
    id: String,
    author: String,
    email: String,
    url: String,
    ip: String,
    date: String,
    date_gmt: String,
    content: String,
    approved: String,
    kind: String,
    parent: String,
    user_id: String,
}

/// The text of the field being read. CDATA is kept verbatim, text and references
/// outside it are decoded; whitespace outside CDATA at either end (an indented
/// `<![CDATA[…]]>`) is not part of the value.
#[derive(Debug, Default)]
struct FieldText {
    text: String,
    /// Where the first CDATA section starts and the last one ends in `text`.
    cdata: Option<(usize, usize)>,
}

impl FieldText {
    fn push_text(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn push_cdata(&mut self, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        let end = self.text.len();
        self.cdata = Some(match self.cdata {
            Some((first, _)) => (first, end),
            None => (start, end),
        });
    }

    /// The value as written: for a comment's text.
    fn into_verbatim(self) -> String {
        let Some((start, end)) = self.cdata else {
            return self.text;
        };
        let (before, after) = (&self.text[..start], &self.text[end..]);
        if before.trim().is_empty() && after.trim().is_empty() {
            self.text[start..end].to_string()
        } else {
            self.text
        }
    }

    /// The value trimmed: for ids, dates, addresses and names.
    fn into_trimmed(self) -> String {
        let trimmed = self.text.trim();
        if trimmed.len() == self.text.len() {
            self.text
        } else {
            trimmed.to_string()
        }
    }
}

/// Counts the lines of what the XML reader consumes, so that a position is a line
/// number without keeping the file.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The bytes consumed are at the front of the buffer the reader just saw;
            // asking for it again reads nothing.
            if let Ok(buf) = self.inner.fill_buf() {
                self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
            }
        }
        self.inner.consume(amt);
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

struct Parser<R> {
    reader: NsReader<LineCounter<R>>,
    /// The open elements, as we see them.
    stack: Vec<Node>,
    /// The root closed: only comments and whitespace may follow.
    done: bool,
    field: FieldText,
    item: Option<Item>,
    comment: Option<Comment>,
    /// The `wp:author_id`s of the channel's `<wp:author>`s.
    authors: HashSet<String>,
    /// Comments left out, by `wp:comment_type`.
    skipped: BTreeMap<String, u64>,
}

impl<R: BufRead> Parser<R> {
    fn new(input: R) -> Parser<R> {
        let mut reader = NsReader::from_reader(LineCounter {
            inner: input,
            newlines: 0,
        });
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.allow_dangling_amp = true;
        config.trim_text(false);
        Parser {
            reader,
            stack: Vec::new(),
            done: false,
            field: FieldText::default(),
            item: None,
            comment: None,
            authors: HashSet::new(),
            skipped: BTreeMap::new(),
        }
    }

    /// The line the reader is on (from 1).
    fn line(&self) -> u64 {
        self.reader.get_ref().newlines + 1
    }

    fn error(&self, message: impl Into<String>) -> ReadError {
        ReadError::Parse(ParseError::new(Position::Line(self.line()), message))
    }

    fn error_at(line: u64, message: impl Into<String>) -> ReadError {
        ReadError::Parse(ParseError::new(Position::Line(line), message))
    }

    /// Where we are, for a message about a broken or cut file.
    fn context(&self) -> String {
        match (&self.comment, &self.item) {
            (Some(c), _) => format!(" (in the <wp:comment> that begins at line {})", c.line),
            (None, Some(i)) => format!(" (in the <item> that begins at line {})", i.line),
            (None, None) => String::new(),
        }
    }

    fn run(&mut self, sink: &mut dyn Sink) -> Result<(), ReadError> {
        let mut buf = Vec::new();
        loop {
            // A post's long content, skipped, need not keep its room.
            if buf.capacity() > 1 << 20 {
                buf = Vec::new();
            }
            buf.clear();
            let event = match self.reader.read_event_into(&mut buf) {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(&e)),
            };
            match event {
                Event::Start(start) => self.start(&start)?,
                Event::End(_) => self.end(sink)?,
                // Empty elements come as a start and an end (`expand_empty_elements`).
                Event::Empty(_) => {}
                Event::Text(text) => {
                    if self.in_field() || self.stack.is_empty() || self.done {
                        self.text(&text.xml10_content())?;
                    }
                }
                Event::CData(cdata) => {
                    if self.in_field() {
                        let text = cdata.xml10_content();
                        self.check_field_size(text.len())?;
                        self.field.push_cdata(&text);
                    } else if self.stack.is_empty() {
                        return Err(self.not_wxr("it does not begin with an XML element"));
                    }
                }
                Event::GeneralRef(reference) => {
                    let decoded = decode_reference(&reference);
                    self.text(&decoded)?;
                }
                Event::Eof => return self.eof(),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    fn in_field(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Node::AuthorId | Node::ItemField(_) | Node::CommentField(_))
        )
    }

    fn check_field_size(&self, more: usize) -> Result<(), ReadError> {
        if self.field.text.len() + more > MAX_FIELD {
            return Err(self.error(format!(
                "a field longer than {} MiB{}",
                MAX_FIELD >> 20,
                self.context()
            )));
        }
        Ok(())
    }

    /// Text (or a decoded reference) between tags.
    fn text(&mut self, text: &str) -> Result<(), ReadError> {
        if self.in_field() {
            self.check_field_size(text.len())?;
            self.field.push_text(text);
        } else if (self.stack.is_empty() || self.done) && !text.trim().is_empty() {
            return Err(if self.done {
                self.error("text after the end of </rss>")
            } else {
                self.not_wxr("it does not begin with an XML element")
            });
        }
        Ok(())
    }

    fn not_wxr(&self, why: &str) -> ReadError {
        self.error(format!("not a WordPress export (WXR): {why}"))
    }

    fn xml_error(&self, e: &quick_xml::Error) -> ReadError {
        if self.stack.is_empty() && !self.done {
            return self.not_wxr(&format!("not XML ({e})"));
        }
        if matches!(e, quick_xml::Error::Syntax(s) if *s != SyntaxError::InvalidBangMarkup) {
            // Unclosed markup: quick-xml finds it at the end of the file.
            return self.error(format!(
                "the file ends inside {}, in the middle of markup ({e}): is it cut short?",
                self.inside()
            ));
        }
        self.error(format!("malformed XML: {e}{}", self.context()))
    }

    fn eof(&self) -> Result<(), ReadError> {
        if self.done {
            return Ok(());
        }
        if self.stack.is_empty() {
            return Err(self.not_wxr("the file holds no XML element"));
        }
        Err(self.error(format!(
            "the file ends inside {}: is it cut short?",
            self.inside()
        )))
    }

    /// The innermost element that matters, for a message about a cut file.
    fn inside(&self) -> String {
        match (&self.comment, &self.item) {
            (Some(c), _) => format!("the <wp:comment> that begins at line {}", c.line),
            (None, Some(i)) => format!("the <item> that begins at line {}", i.line),
            _ if self.stack.contains(&Node::Channel) => "<channel>".to_string(),
            _ => "<rss>".to_string(),
        }
    }

    fn classify<'a>(&self, start: &'a BytesStart<'_>) -> Name<'a> {
        let (ns, local) = self.reader.resolver().resolve_element(start.name());
        let local: &str = local.into_inner();
        match ns {
            ResolveResult::Unbound => Name::Rss(local),
            ResolveResult::Bound(ns) if wxr_version(ns.0).is_some() => Name::Wp(local),
            _ => Name::Foreign,
        }
    }

    fn start(&mut self, start: &BytesStart<'_>) -> Result<(), ReadError> {
        if self.done {
            return Err(self.error("an element after the end of </rss>"));
        }
        let parent = self.stack.last().copied();
        let node = match parent {
            None => self.root(start)?,
            Some(Node::Rss) => match self.classify(start) {
                Name::Rss("channel") => Node::Channel,
                _ => Node::Other,
            },
            Some(Node::Channel) => match self.classify(start) {
                Name::Rss("item") => {
                    self.item = Some(Item {
                        line: self.line(),
                        ..Item::default()
                    });
                    Node::Item
                }
                Name::Wp("author") => Node::Author,
                _ => Node::Other,
            },
            Some(Node::Author) => match self.classify(start) {
                Name::Wp("author_id") => Node::AuthorId,
                _ => Node::Other,
            },
            Some(Node::Item) => match self.classify(start) {
                Name::Rss("title") => Node::ItemField(ItemField::Title),
                Name::Rss("link") => Node::ItemField(ItemField::Link),
                Name::Rss("guid") => Node::ItemField(ItemField::Guid),
                Name::Wp("post_id") => Node::ItemField(ItemField::PostId),
                Name::Wp("comment_status") => Node::ItemField(ItemField::CommentStatus),
                Name::Wp("comment") => {
                    self.comment = Some(Comment {
                        line: self.line(),
                        ..Comment::default()
                    });
                    Node::Comment
                }
                _ => Node::Other,
            },
            Some(Node::Comment) => match self.classify(start) {
                Name::Wp(local) => match comment_field(local) {
                    Some(field) => Node::CommentField(field),
                    None => Node::Other,
                },
                _ => Node::Other,
            },
            Some(Node::AuthorId | Node::ItemField(_) | Node::CommentField(_)) => {
                let name = start.name().as_ref().to_string();
                return Err(self.error(format!(
                    "an element <{name}> inside a field{}: its text should be escaped or in CDATA",
                    self.context()
                )));
            }
            Some(Node::Other) => Node::Other,
        };
        if matches!(
            node,
            Node::AuthorId | Node::ItemField(_) | Node::CommentField(_)
        ) {
            self.field = FieldText::default();
        }
        self.stack.push(node);
        Ok(())
    }

    /// The root element: WXR's is `<rss>` declaring WordPress's export namespace.
    fn root(&self, start: &BytesStart<'_>) -> Result<Node, ReadError> {
        let name = start.name().as_ref().to_string();
        if !matches!(self.classify(start), Name::Rss("rss")) {
            return Err(self.not_wxr(&format!(
                "its root element is <{name}>, where WXR has <rss>"
            )));
        }
        let mut declared = false;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| self.error(format!("malformed XML: {e}")))?;
            let key = attribute.key.as_ref();
            if (key == "xmlns" || key.starts_with("xmlns:"))
                && wxr_version(&attribute.value).is_some()
            {
                declared = true;
            }
        }
        if !declared {
            return Err(self.not_wxr(
                "an RSS feed without WordPress's export namespace \
                 (xmlns:wp=\"http://wordpress.org/export/1.2/\")",
            ));
        }
        Ok(Node::Rss)
    }

    fn end(&mut self, sink: &mut dyn Sink) -> Result<(), ReadError> {
        let Some(node) = self.stack.pop() else {
            // quick-xml refuses an end tag without a start.
            return Err(self.error("malformed XML: an end tag without its start"));
        };
        match node {
            Node::Rss => self.done = true,
            Node::AuthorId => {
                let id = std::mem::take(&mut self.field).into_trimmed();
                if self.authors.len() < MAX_AUTHORS {
                    self.authors.insert(id);
                }
            }
            Node::ItemField(field) => {
                let value = std::mem::take(&mut self.field).into_trimmed();
                if let Some(item) = self.item.as_mut() {
                    match field {
                        ItemField::Title => item.title = value,
                        ItemField::Link => item.link = value,
                        ItemField::Guid => item.guid = value,
                        ItemField::PostId => item.post_id = value,
                        ItemField::CommentStatus => item.comment_status = value,
                    }
                }
            }
            Node::CommentField(field) => {
                let text = std::mem::take(&mut self.field);
                if let Some(comment) = self.comment.as_mut() {
                    let slot = match field {
                        CommentField::Content => {
                            comment.content = text.into_verbatim();
                            return Ok(());
                        }
                        CommentField::Id => &mut comment.id,
                        CommentField::Author => &mut comment.author,
                        CommentField::Email => &mut comment.email,
                        CommentField::Url => &mut comment.url,
                        CommentField::Ip => &mut comment.ip,
                        CommentField::Date => &mut comment.date,
                        CommentField::DateGmt => &mut comment.date_gmt,
                        CommentField::Approved => &mut comment.approved,
                        CommentField::Type => &mut comment.kind,
                        CommentField::Parent => &mut comment.parent,
                        CommentField::UserId => &mut comment.user_id,
                    };
                    *slot = text.into_trimmed();
                }
            }
            Node::Comment => {
                if let Some(comment) = self.comment.take() {
                    self.comment_done(comment, sink)?;
                }
            }
            Node::Item => {
                self.item = None;
                sink.progress(self.reader.buffer_position());
            }
            Node::Channel | Node::Author | Node::Other => {}
        }
        Ok(())
    }

    /// A `<wp:comment>` is complete: push it (and its thread first, if this is the
    /// item's first), or count it as left out.
    fn comment_done(&mut self, c: Comment, sink: &mut dyn Sink) -> Result<(), ReadError> {
        let kind = match c.kind.as_str() {
            "" | "comment" | "review" => Kind::Comment,
            "pingback" | "trackback" | "webmention" => Kind::Pingback,
            other => {
                let key =
                    if self.skipped.len() < MAX_SKIPPED_TYPES || self.skipped.contains_key(other) {
                        other.to_string()
                    } else {
                        "(other types)".to_string()
                    };
                *self.skipped.entry(key).or_default() += 1;
                return Ok(());
            }
        };
        if c.id.is_empty() {
            return Err(Self::error_at(
                c.line,
                "a <wp:comment> without <wp:comment_id>",
            ));
        }
        let created_at = comment_time(&c).map_err(|message| Self::error_at(c.line, message))?;
        let status = match c.approved.as_str() {
            "1" => Status::Approved,
            "spam" => Status::Spam,
            "trash" | "post-trashed" => Status::Deleted,
            _ => Status::Pending,
        };
        let moderator =
            c.user_id != "0" && !c.user_id.is_empty() && self.authors.contains(&c.user_id);
        let Some(item) = self.item.as_mut() else {
            return Err(Self::error_at(c.line, "a <wp:comment> outside an <item>"));
        };
        if !item.pushed {
            if item.post_id.is_empty() {
                return Err(Self::error_at(
                    c.line,
                    format!(
                        "a comment in an item without <wp:post_id> before its comments (the item begins at line {})",
                        item.line
                    ),
                ));
            }
            let url = if item.link.is_empty() {
                &item.guid
            } else {
                &item.link
            };
            if url.is_empty() {
                return Err(Self::error_at(
                    c.line,
                    format!(
                        "a comment in an item without <link> before its comments (the item begins at line {})",
                        item.line
                    ),
                ));
            }
            let title = decode_html_references(&item.title);
            sink.thread(SourceThread {
                title_locked: false,
                key: item.post_id.clone(),
                url: url.clone(),
                title: (!title.is_empty()).then_some(title),
                closed: item.comment_status == "closed",
                id: None,
                site: None,
                created_at: None,
                position: Position::Line(item.line),
            })
            .map_err(ReadError::Sink)?;
            item.pushed = true;
        }
        let mut comment = SourceComment::new(c.id, item.post_id.clone(), c.content, created_at);
        comment.parent = (!c.parent.is_empty() && c.parent != "0").then_some(c.parent);
        comment.author = decode_html_references(&c.author);
        comment.email = (!c.email.is_empty()).then_some(c.email);
        comment.website = (!c.url.is_empty()).then_some(c.url);
        comment.markup = Markup::Html;
        comment.status = status;
        comment.ip = (!c.ip.is_empty()).then_some(c.ip);
        comment.moderator = moderator;
        comment.kind = kind;
        comment.position = Position::Line(c.line);
        sink.comment(comment).map_err(ReadError::Sink)?;
        sink.progress(self.reader.buffer_position());
        Ok(())
    }

    fn log_skipped(&self, sink: &mut dyn Sink) {
        for (kind, count) in &self.skipped {
            sink.left_out(
                &format!("WordPress entries of type `{kind}`, which are not readers' comments"),
                *count,
            );
            tracing::info!(
                comment_type = %kind,
                count,
                "WordPress entries of this type are not readers' comments: left out"
            );
        }
    }
}

fn comment_field(local: &str) -> Option<CommentField> {
    Some(match local {
        "comment_id" => CommentField::Id,
        "comment_author" => CommentField::Author,
        "comment_author_email" => CommentField::Email,
        "comment_author_url" => CommentField::Url,
        "comment_author_IP" => CommentField::Ip,
        "comment_date" => CommentField::Date,
        "comment_date_gmt" => CommentField::DateGmt,
        "comment_content" => CommentField::Content,
        "comment_approved" => CommentField::Approved,
        "comment_type" => CommentField::Type,
        "comment_parent" => CommentField::Parent,
        "comment_user_id" => CommentField::UserId,
        _ => return None,
    })
}

/// The version in one of WordPress's export namespaces,
/// `http://wordpress.org/export/1.2/` (not its `…/1.2/excerpt/`).
fn wxr_version(namespace: &str) -> Option<&str> {
    let version = namespace
        .strip_prefix("http://wordpress.org/export/")?
        .strip_suffix('/')?;
    let (major, minor) = version.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then_some(version)
}

/// A reference outside CDATA: XML's five entities and character references are
/// decoded; anything else (a lone `&` in an unescaped URL, an HTML entity XML does
/// not define) is kept as written.
fn decode_reference(reference: &BytesRef<'_>) -> String {
    let name: &str = reference;
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => reference.resolve_char_ref().ok().flatten(),
    };
    match decoded {
        Some(c) => c.to_string(),
        None => format!("&{name};"),
    }
}

/// Decodes the character references WordPress leaves in names and titles
/// (`&amp;`, `&#8217;`, `&#x27;`, `&raquo;` …); other named entities stay as written.
fn decode_html_references(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 32)
            .and_then(|end| Some((html_reference(&after[..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn html_reference(name: &str) -> Option<char> {
    let number = |digits: &str, radix: u32| {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| c != '\0')
    };
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        // What WordPress keeps as named entities in titles and names, above all the
        // blog titles that pingbacks carry as their author ("Blog &raquo; Post").
        "nbsp" => Some('\u{a0}'),
        "laquo" => Some('«'),
        "raquo" => Some('»'),
        "lsaquo" => Some('‹'),
        "rsaquo" => Some('›'),
        "lsquo" => Some('‘'),
        "rsquo" => Some('’'),
        "sbquo" => Some('‚'),
        "ldquo" => Some('“'),
        "rdquo" => Some('”'),
        "bdquo" => Some('„'),
        "hellip" => Some('…'),
        "ndash" => Some('–'),
        "mdash" => Some('—'),
        "middot" => Some('·'),
        "bull" => Some('•'),
        "copy" => Some('©'),
        "reg" => Some('®'),
        "trade" => Some('™'),
        "euro" => Some('€'),
        "deg" => Some('°'),
        _ => {
            let n = name.strip_prefix('#')?;
            match n.strip_prefix(['x', 'X']) {
                Some(hex) => number(hex, 16),
                None => number(n, 10),
            }
        }
    }
}

/// The comment's time in UTC seconds: GMT, else the site's local time as if UTC.
fn comment_time(c: &Comment) -> Result<i64, String> {
    let unset = |s: &str| s.is_empty() || s == "0000-00-00 00:00:00";
    if !unset(&c.date_gmt) {
        return parse_mysql_time(&c.date_gmt).ok_or_else(|| {
            format!(
                "a <wp:comment_date_gmt> that is not a date: {:?}",
                c.date_gmt
            )
        });
    }
    if !unset(&c.date) {
        return parse_mysql_time(&c.date)
            .ok_or_else(|| format!("a <wp:comment_date> that is not a date: {:?}", c.date));
    }
    Err("a <wp:comment> without a date (<wp:comment_date_gmt> or <wp:comment_date>)".to_string())
}

/// MySQL's `YYYY-MM-DD HH:MM:SS`, as UTC.
fn parse_mysql_time(s: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s, format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::{open_maybe_gzipped, Collect};
    use std::path::PathBuf;

    fn fixture_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import/wordpress")
            .join(name)
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture_path(name)).unwrap()
    }

    fn parse(bytes: &[u8]) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read(bytes, &mut sink)?;
        Ok(sink)
    }

    fn parse_error(bytes: &[u8]) -> ParseError {
        match parse(bytes) {
            Err(ReadError::Parse(e)) => e,
            Err(ReadError::Sink(e)) => panic!("a sink error: {e}"),
            Ok(c) => panic!(
                "parsed {} threads and {} comments",
                c.threads.len(),
                c.comments.len()
            ),
        }
    }

    fn comment<'a>(c: &'a Collect, id: &str) -> &'a SourceComment {
        c.comments
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no comment {id}"))
    }

    fn thread<'a>(c: &'a Collect, key: &str) -> &'a SourceThread {
        c.threads
            .iter()
            .find(|t| t.key == key)
            .unwrap_or_else(|| panic!("no thread {key}"))
    }

    /// A minimal WXR 1.2 file around `items`.
    fn wxr(items: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
             <rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n\
             <channel>\n<wp:wxr_version>1.2</wp:wxr_version>\n{items}</channel>\n</rss>\n"
        )
        .into_bytes()
    }

    fn item_with_comment(comment_fields: &str) -> Vec<u8> {
        wxr(&format!(
            "<item>\n<title>T</title>\n<link>https://example.org/t/</link>\n\
             <wp:post_id>1</wp:post_id>\n<wp:comment>\n{comment_fields}\n</wp:comment>\n</item>\n"
        ))
    }

    #[test]
    fn reads_every_thread_with_comments_of_a_wordpress_6_export() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        // The draft, the attachment and the menu item have no comments; the
        // WooCommerce order has only an order note: none of them is a thread.
        let keys: Vec<&str> = c.threads.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["12", "14", "2", "40", "15"]);
        assert_eq!(
            thread(&c, "12"),
            &SourceThread {
                title_locked: false,
                key: "12".into(),
                url: "https://carnet.example.fr/?p=12".into(),
                title: Some("L’été à Montréal & Québec".into()),
                closed: false,
                id: None,
                site: None,
                created_at: None,
                position: Position::Line(57),
            }
        );
        let closed = thread(&c, "14");
        assert!(closed.closed);
        assert_eq!(closed.url, "https://carnet.example.fr/2019/03/ferme/");
        let page = thread(&c, "2");
        assert_eq!(page.title.as_deref(), Some("À propos"));
        assert_eq!(page.url, "https://carnet.example.fr/a-propos/");
        assert!(!page.closed);
        assert_eq!(
            thread(&c, "40").url,
            "https://carnet.example.fr/boutique/carnet-imprime/"
        );
    }

    #[test]
    fn pushes_comments_in_file_order_each_after_its_thread() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        let ids: Vec<(&str, &str)> = c
            .comments
            .iter()
            .map(|c| (c.id.as_str(), c.thread.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("101", "12"),
                ("102", "12"),
                ("103", "12"),
                ("104", "12"),
                ("105", "12"),
                ("106", "12"),
                ("107", "12"),
                ("108", "12"),
                ("109", "12"),
                ("110", "12"),
                ("111", "12"),
                ("140", "14"),
                ("121", "2"),
                ("150", "40"),
                ("160", "15"),
            ]
        );
    }

    #[test]
    fn keeps_every_field_of_an_approved_comment() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        let mut expected = SourceComment::new(
            "101".into(),
            "12".into(),
            "Très beau récit&#8230; C&#8217;est exactement ça &amp; plus encore.\n\nVivement la suite !"
                .into(),
            1_689_345_000,
        );
        expected.author = "Élodie Fontaine".into();
        expected.email = Some("elodie@example.fr".into());
        expected.website = Some("https://elodie.example.fr".into());
        expected.ip = Some("203.0.113.7".into());
        expected.position = Position::Line(88);
        assert_eq!(comment(&c, "101"), &expected);
    }

    #[test]
    fn keeps_html_verbatim_for_the_sanitizer() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        let reply = comment(&c, "102");
        assert_eq!(
            reply.text,
            "Merci Élodie ! La suite sur <a href=\"https://fr.wikipedia.org/wiki/Montr%C3%A9al\">Montréal</a> arrive.<script>alert(\"xss\")</script>"
        );
        assert_eq!(reply.markup, Markup::Html);
        assert_eq!(
            comment(&c, "109").text,
            "<strong>Québec en été</strong>\n\nUn détour par le carnet de Camille."
        );
    }

    #[test]
    fn joins_cdata_sections_split_around_their_end_marker() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert_eq!(
            comment(&c, "103").text,
            "Je réponds à Zoé : le code, c'est `a]]>b` et non `a>b`."
        );
        assert_eq!(
            comment(&c, "104").text,
            "Comment écrit-on a]]>b en Markdown ?"
        );
    }

    #[test]
    fn maps_statuses() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        for (id, status) in [
            ("101", Status::Approved),
            ("103", Status::Pending),
            ("105", Status::Spam),
            ("106", Status::Deleted),
            ("110", Status::Pending),
            ("160", Status::Deleted),
        ] {
            assert_eq!(comment(&c, id).status, status, "comment {id}");
        }
    }

    #[test]
    fn keeps_parents_even_missing_or_later_in_the_file() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert_eq!(comment(&c, "101").parent, None);
        assert_eq!(comment(&c, "102").parent.as_deref(), Some("101"));
        // 104 comes after its reply 103; 99 is not in the file at all.
        assert_eq!(comment(&c, "103").parent.as_deref(), Some("104"));
        assert_eq!(comment(&c, "107").parent.as_deref(), Some("99"));
    }

    #[test]
    fn pingbacks_and_trackbacks_are_marked_and_reviews_are_comments() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        let pingback = comment(&c, "108");
        assert_eq!(pingback.kind, Kind::Pingback);
        assert_eq!(pingback.author, "Un autre blog » Billet sur Québec");
        assert_eq!(pingback.email, None);
        assert_eq!(
            pingback.text,
            "[&#8230;] comme le raconte Camille dans son carnet [&#8230;]"
        );
        assert_eq!(comment(&c, "109").kind, Kind::Pingback);
        assert_eq!(comment(&c, "150").kind, Kind::Comment);
        assert_eq!(comment(&c, "104").kind, Kind::Comment, "an empty type");
    }

    #[test]
    fn leaves_out_editorial_notes_and_order_notes() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert!(c.comments.iter().all(|c| c.id != "120" && c.id != "130"));
        assert!(c.threads.iter().all(|t| t.key != "50"));
    }

    #[test]
    fn falls_back_to_local_time_when_gmt_is_zero() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert_eq!(comment(&c, "102").created_at, 1_689_350_712);
        assert_eq!(comment(&c, "110").created_at, 1_689_757_200);
    }

    #[test]
    fn decodes_names_and_urls_but_not_the_text() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        let zoe = comment(&c, "104");
        assert_eq!(zoe.author, "Zoé & Léa");
        assert_eq!(zoe.website, None, "an empty element");
        assert_eq!(
            comment(&c, "105").website.as_deref(),
            Some("http://spam.example/pills?ref=blog&id=7")
        );
        assert_eq!(comment(&c, "103").ip.as_deref(), Some("2001:db8::42"));
        assert_eq!(comment(&c, "103").website, None);
        assert_eq!(comment(&c, "110").ip, None);
    }

    #[test]
    fn a_moderator_is_a_logged_in_author_of_the_site() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert!(comment(&c, "102").moderator, "user 1, an author");
        assert!(comment(&c, "110").moderator, "user 2, an author");
        assert!(
            !comment(&c, "111").moderator,
            "user 5, logged in but no author"
        );
        assert!(!comment(&c, "101").moderator, "a visitor");
    }

    #[test]
    fn commentmeta_does_not_leak_into_the_comment() {
        let c = parse(&fixture("wxr-1.2.xml")).unwrap();
        // 102's meta value holds `<wp:comment_id>999</wp:comment_id>` in CDATA.
        assert_eq!(comment(&c, "102").id, "102");
        assert!(c.comments.iter().all(|c| c.id != "999"));
        assert_eq!(
            comment(&c, "150").text,
            "Superbe papier, reçu en trois jours."
        );
    }

    #[test]
    fn reads_wxr_1_0_with_a_bom_windows_line_endings_and_escaped_text() {
        let bytes = fixture("wxr-1.0.xml");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert!(bytes.windows(2).any(|w| w == b"\r\n"));
        let c = parse(&bytes).unwrap();
        assert_eq!(
            c.threads,
            [SourceThread {
                title_locked: false,
                key: "7".into(),
                url: "http://vieux.example.org/2010/01/hiver/".into(),
                title: Some("L’hiver & la neige".into()),
                closed: false,
                id: None,
                site: None,
                created_at: None,
                position: Position::Line(27),
            }]
        );
        let rene = comment(&c, "3");
        assert_eq!(rene.text, "Ici aussi,\nil neige.");
        assert_eq!(rene.created_at, 1_263_716_100);
        // WordPress writes the URL unescaped: a lone `&` is kept.
        assert_eq!(
            rene.website.as_deref(),
            Some("http://rene.example.org/?a=1&b=2")
        );
        let admin = comment(&c, "4");
        assert_eq!(admin.text, "Merci & bravo <b>René</b> — à bientôt");
        assert_eq!(admin.parent.as_deref(), Some("3"));
        assert!(!admin.moderator, "WXR 1.0 lists no authors");
    }

    #[test]
    fn reads_wxr_1_1() {
        let c = parse(&fixture("wxr-1.1.xml")).unwrap();
        assert_eq!(c.threads.len(), 1);
        assert_eq!(
            c.threads[0].title.as_deref(),
            Some("Bonjour tout le monde !")
        );
        let first = comment(&c, "1");
        assert_eq!(first.author, "Monsieur WordPress");
        assert_eq!(first.email, None);
        assert_eq!(first.website.as_deref(), Some("http://wordpress.org/"));
        assert!(!first.moderator);
        let reply = comment(&c, "2");
        assert_eq!(reply.parent.as_deref(), Some("1"));
        assert_eq!(reply.created_at, 1_312_268_400);
        assert!(reply.moderator);
    }

    #[test]
    fn a_gzipped_export_reads_the_same() {
        let mut sink = Collect::default();
        read(
            open_maybe_gzipped(&fixture_path("wxr-1.2.xml.gz")).unwrap(),
            &mut sink,
        )
        .unwrap();
        let plain = parse(&fixture("wxr-1.2.xml")).unwrap();
        assert_eq!(sink.threads, plain.threads);
        assert_eq!(sink.comments, plain.comments);
    }

    #[test]
    fn windows_line_endings_and_a_bom_change_nothing() {
        let plain = parse(&fixture("wxr-1.2.xml")).unwrap();
        let text = String::from_utf8(fixture("wxr-1.2.xml")).unwrap();
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let c = parse(windows.as_bytes()).unwrap();
        assert_eq!(c.threads, plain.threads);
        assert_eq!(c.comments, plain.comments);
    }

    #[test]
    fn a_truncated_export_is_an_error_at_its_last_line() {
        let e = parse_error(&fixture("truncated.xml"));
        assert_eq!(e.position, Position::Line(152));
        assert!(e.message.contains("line 144"), "{e}");
        assert!(e.message.contains("cut short"), "{e}");
    }

    #[test]
    fn every_cut_of_an_export_is_an_error_never_a_partial_read() {
        let bytes = fixture("wxr-1.2.xml");
        let end = bytes.len() - "</rss>\n".len();
        for cut in (0..end).step_by(89).chain([end - 1]) {
            match parse(&bytes[..cut]) {
                Err(ReadError::Parse(ParseError {
                    position: Position::Line(n),
                    ..
                })) if n >= 1 => {}
                other => panic!("cut at byte {cut}: {:?}", other.map(|c| c.comments.len())),
            }
        }
    }

    #[test]
    fn a_disqus_export_is_not_a_wordpress_export() {
        let e = parse_error(&fixture("disqus.xml"));
        assert_eq!(e.position, Position::Line(2));
        assert!(e.message.contains("not a WordPress export (WXR)"), "{e}");
        assert!(e.message.contains("<disqus>"), "{e}");
    }

    #[test]
    fn a_plain_rss_feed_is_not_a_wordpress_export() {
        let feed = b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\" \
            xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\">\n\
            <channel><item><title>T</title></item></channel></rss>\n";
        let e = parse_error(feed);
        assert_eq!(e.position, Position::Line(2));
        assert!(e.message.contains("not a WordPress export (WXR)"), "{e}");
    }

    #[test]
    fn garbage_is_not_a_wordpress_export() {
        for input in [
            &b""[..],
            b"   \n",
            b"{\"format\": \"causerie-export\"}",
            b"SQLite format 3\0\x01\x02\xff\xfe",
            b"\xff\xfe<\0r\0s\0s\0",
        ] {
            let e = parse_error(input);
            assert!(matches!(e.position, Position::Line(_)), "{e}");
            assert!(
                e.message.contains("not a WordPress export (WXR)"),
                "{input:?}: {e}"
            );
        }
    }

    #[test]
    fn malformed_xml_names_its_line() {
        let mut bytes = fixture("wxr-1.2.xml");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let broken = text.replacen(
            "<wp:comment_parent>101</wp:comment_parent>",
            "<wp:comment_parent>101</wp:comment_parnet>",
            1,
        );
        bytes = broken.into_bytes();
        let e = parse_error(&bytes);
        assert_eq!(e.position, Position::Line(123));
        assert!(e.message.starts_with("malformed XML"), "{e}");
        assert!(e.message.contains("line 112"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let mut bytes = wxr("<item>\n<title>\u{e9}t\u{e9}</title>\n</item>\n");
        let at = bytes.iter().position(|&b| b == 0xC3).unwrap();
        bytes[at] = 0xE9;
        let e = parse_error(&bytes);
        assert_eq!(e.position, Position::Line(6));
    }

    #[test]
    fn a_comment_without_an_id_or_a_date_is_an_error_at_its_line() {
        let e = parse_error(&item_with_comment(
            "<wp:comment_date_gmt>2020-01-01 00:00:00</wp:comment_date_gmt>",
        ));
        assert_eq!(e.position, Position::Line(9));
        assert!(e.message.contains("wp:comment_id"), "{e}");

        let e = parse_error(&item_with_comment(
            "<wp:comment_id>5</wp:comment_id>\n\
             <wp:comment_date>0000-00-00 00:00:00</wp:comment_date>\n\
             <wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt>",
        ));
        assert_eq!(e.position, Position::Line(9));
        assert!(e.message.contains("without a date"), "{e}");

        let e = parse_error(&item_with_comment(
            "<wp:comment_id>5</wp:comment_id>\n\
             <wp:comment_date_gmt>le 3 mai</wp:comment_date_gmt>",
        ));
        assert!(e.message.contains("le 3 mai"), "{e}");
    }

    #[test]
    fn an_element_inside_a_field_is_an_error() {
        let e = parse_error(&item_with_comment(
            "<wp:comment_id>5</wp:comment_id>\n\
             <wp:comment_content><p>non échappé</p></wp:comment_content>",
        ));
        assert_eq!(e.position, Position::Line(11));
        assert!(e.message.contains("<p>"), "{e}");
    }

    #[test]
    fn a_comment_before_the_post_id_is_an_error() {
        let input = wxr("<item>\n<link>https://example.org/</link>\n<wp:comment>\n\
             <wp:comment_id>5</wp:comment_id>\n\
             <wp:comment_date_gmt>2020-01-01 00:00:00</wp:comment_date_gmt>\n\
             </wp:comment>\n<wp:post_id>1</wp:post_id>\n</item>\n");
        let e = parse_error(&input);
        assert_eq!(e.position, Position::Line(7));
        assert!(e.message.contains("wp:post_id"), "{e}");
    }

    #[test]
    fn the_namespace_counts_not_the_prefix() {
        let input = b"<rss version=\"2.0\" xmlns:x=\"http://wordpress.org/export/1.2/\">\n\
            <channel><item><link>https://example.org/a</link>\
            <x:post_id>3</x:post_id>\
            <wp:post_id xmlns:wp=\"http://example.com/fake/\">999</wp:post_id>\
            <x:comment><x:comment_id>8</x:comment_id>\
            <x:comment_date_gmt>2020-01-01 00:00:00</x:comment_date_gmt>\
            <x:comment_content>Salut</x:comment_content></x:comment>\
            </item></channel></rss>";
        let c = parse(input).unwrap();
        assert_eq!(c.threads[0].key, "3");
        assert_eq!(c.comments[0].id, "8");
        assert_eq!(c.comments[0].text, "Salut");
    }

    #[test]
    fn whitespace_around_cdata_is_not_part_of_the_text() {
        let c = parse(&item_with_comment(
            "<wp:comment_id>5</wp:comment_id>\n\
             <wp:comment_date_gmt>2020-01-01 00:00:00</wp:comment_date_gmt>\n\
             <wp:comment_content>\n    <![CDATA[ Bonjour\n]]>\n  </wp:comment_content>",
        ))
        .unwrap();
        assert_eq!(c.comments[0].text, " Bonjour\n");
    }

    #[test]
    fn a_sink_error_is_passed_on() {
        struct Refuse;
        impl Sink for Refuse {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                Ok(())
            }
            fn comment(&mut self, _: SourceComment) -> anyhow::Result<()> {
                anyhow::bail!("database is locked")
            }
        }
        match read(&fixture("wxr-1.2.xml")[..], &mut Refuse) {
            Err(ReadError::Sink(e)) => assert_eq!(e.to_string(), "database is locked"),
            other => panic!("{other:?}"),
        }
    }

    /// A large export, made up as it is read: the parser keeps up without the file
    /// in memory, and reports its progress to the end.
    #[test]
    fn streams_a_large_export() {
        struct Generated {
            next: usize,
            total: usize,
            pending: Vec<u8>,
        }
        impl Read for Generated {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.pending.is_empty() {
                    self.pending = match self.next {
                        0 => wxr("")[..wxr("").len() - "</channel>\n</rss>\n".len()].to_vec(),
                        n if n <= self.total => format!(
                            "<item><title>P{n}</title><link>https://example.org/?p={n}</link>\
                             <wp:post_id>{n}</wp:post_id><wp:comment><wp:comment_id>{n}</wp:comment_id>\
                             <wp:comment_date_gmt>2020-01-01 00:00:00</wp:comment_date_gmt>\
                             <wp:comment_content><![CDATA[{}]]></wp:comment_content>\
                             </wp:comment></item>\n",
                            "x".repeat(500)
                        )
                        .into_bytes(),
                        n if n == self.total + 1 => b"</channel>\n</rss>\n".to_vec(),
                        _ => return Ok(0),
                    };
                    self.next += 1;
                }
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                Ok(n)
            }
        }
        #[derive(Default)]
        struct Count {
            threads: usize,
            comments: usize,
            last_progress: u64,
        }
        impl Sink for Count {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                self.threads += 1;
                Ok(())
            }
            fn comment(&mut self, c: SourceComment) -> anyhow::Result<()> {
                assert_eq!(c.text.len(), 500);
                self.comments += 1;
                Ok(())
            }
            fn progress(&mut self, bytes_read: u64) {
                assert!(bytes_read >= self.last_progress);
                self.last_progress = bytes_read;
            }
        }
        let total = 5_000;
        let input = io::BufReader::new(Generated {
            next: 0,
            total,
            pending: Vec::new(),
        });
        let mut sink = Count::default();
        read(input, &mut sink).unwrap();
        assert_eq!((sink.threads, sink.comments), (total, total));
        assert!(sink.last_progress > 5_000 * 500);
    }

    #[test]
    fn decodes_html_references_in_names() {
        assert_eq!(decode_html_references("Tom &amp; Jerry"), "Tom & Jerry");
        assert_eq!(decode_html_references("L&#8217;&#x27;a&#39;"), "L’'a'");
        assert_eq!(
            decode_html_references("a &unknown; & b &"),
            "a &unknown; & b &"
        );
        assert_eq!(decode_html_references("&#0;&#xZZ;"), "&#0;&#xZZ;");
    }

    #[test]
    fn recognizes_wordpress_namespaces_only() {
        assert_eq!(wxr_version("http://wordpress.org/export/1.0/"), Some("1.0"));
        assert_eq!(wxr_version("http://wordpress.org/export/1.2/"), Some("1.2"));
        assert_eq!(
            wxr_version("http://wordpress.org/export/1.2/excerpt/"),
            None
        );
        assert_eq!(wxr_version("http://wordpress.org/export/"), None);
        assert_eq!(wxr_version("http://disqus.com"), None);
    }
}
