//! Reads a Disqus export: the XML file Disqus emails (gzipped) to a site's owner.
//!
//! The file is `<disqus xmlns="http://disqus.com"
//! xmlns:dsq="http://disqus.com/disqus-internals">`, holding `<category>`s, then
//! every `<thread dsq:id>` (a page: `<link>`, `<title>`, `<isClosed>`,
//! `<isDeleted>`), then every `<post dsq:id>` (a comment: `<message>` as HTML,
//! `<createdAt>`, `<isDeleted>`, `<isSpam>`, `<author>` with `<name>` and maybe
//! `<email>`, `<ipAddress>`, `<thread dsq:id/>` and maybe `<parent dsq:id/>`).
//!
//! What this parser decides:
//! - Records are keyed by their `dsq:id` attribute, found by its namespace whatever
//!   the prefix, or by the `dsq` prefix however it is declared (or not). The
//!   `<id>` elements (the site's own identifiers, most often empty) are ignored.
//! - Elements are matched by local name in Disqus's namespace (or none); unknown
//!   ones are skipped with their children, and a record's children come in any order.
//! - A thread is pushed as it is, deleted or not (its posts are still there), even a
//!   husk with no `<link>` (its `url` is then empty: the importer decides).
//! - A post's status: `isSpam` → spam, else `isDeleted` → deleted, else
//!   `isApproved` false (not in Disqus's own exports, but some tools write it) →
//!   pending, else approved. Disqus's export has no website and no moderator flag.
//! - The message is kept as Disqus stores it (CDATA is not decoded, escaped text is),
//!   less the indentation around it. `<createdAt>` is RFC 3339; without an offset
//!   (as in Disqus's documentation) it is UTC.
//! - A post without `dsq:id`, without `<thread dsq:id>` or without a readable
//!   `<createdAt>` is a [`ParseError`] at its line, as is a `<thread>` after the first
//!   `<post>` (its earlier posts would have had no thread), a file whose root is not
//!   `<disqus>`, malformed XML, and a file that ends before `</disqus>`.
//!
//! Memory stays bounded: the file is read as a stream of events, one record at a time.

use std::io::{self, BufRead, Read};

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::source::{ParseError, Position, ReadError, Sink, SourceComment, SourceThread};
use crate::domain::Status;

const DISQUS_NS: &str = "http://disqus.com";
const INTERNALS_NS: &str = "http://disqus.com/disqus-internals";

/// Reads a Disqus export from `input`, pushing its threads and posts into `sink` in
/// the file's order.
pub fn read(input: impl BufRead, sink: &mut dyn Sink) -> Result<(), ReadError> {
    Parser::new(input).run(sink)
}

/// A `BufRead` that counts the lines it hands on, so that a byte offset becomes a
/// line number without keeping the text. It keeps only the offsets of the newlines
/// since the last [`mark`](Lines::mark): those of the event being read. Lines end
/// as XML has them end: at LF, CRLF or a lone CR.
struct Lines<R> {
    inner: R,
    consumed: u64,
    mark: u64,
    newlines_before_mark: u64,
    newlines_since_mark: Vec<u64>,
    /// The last byte consumed was a CR: a LF right after it ends no other line.
    after_cr: bool,
}

impl<R: BufRead> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            consumed: 0,
            mark: 0,
            newlines_before_mark: 0,
            newlines_since_mark: Vec::new(),
            after_cr: false,
        }
    }

    /// Called before each event: what came before it is counted and forgotten.
    fn mark(&mut self) {
        self.newlines_before_mark += self.newlines_since_mark.len() as u64;
        self.newlines_since_mark.clear();
        self.mark = self.consumed;
    }

    /// The line (from 1) of the byte at `offset`, which is at or after the mark.
    fn line_at(&self, offset: u64) -> u64 {
        let within = self
            .newlines_since_mark
            .iter()
            .take_while(|&&newline| newline < offset)
            .count();
        1 + self.newlines_before_mark + within as u64
    }

    /// The line where the last event began.
    fn mark_line(&self) -> u64 {
        1 + self.newlines_before_mark
    }

    /// The line of the last byte read.
    fn current_line(&self) -> u64 {
        1 + self.newlines_before_mark + self.newlines_since_mark.len() as u64
    }
}

impl<R: BufRead> Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes being consumed are still in the inner buffer: filling it again
        // reads nothing.
        if let Ok(available) = self.inner.fill_buf() {
            let taken = &available[..amount.min(available.len())];
            for (i, &byte) in taken.iter().enumerate() {
                if byte == b'\r' || (byte == b'\n' && !self.after_cr) {
                    self.newlines_since_mark.push(self.consumed + i as u64);
                }
                self.after_cr = byte == b'\r';
            }
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

/// An element's start, with what we need of it.
struct Element {
    /// Its local name.
    name: String,
    /// In Disqus's namespace, or in none (some hand-made files omit it).
    disqus: bool,
    /// Its `dsq:id` attribute, if not blank.
    id: Option<String>,
    /// `<x/>`: no children, no end to read.
    empty: bool,
    line: u64,
}

impl Element {
    fn is(&self, name: &str) -> bool {
        self.disqus && self.name == name
    }

    fn position(&self) -> Position {
        Position::Line(self.line)
    }
}

/// The events the parser acts on, owned so that the reader's buffer can be reused.
enum Ev {
    Start(Element),
    End,
    /// A piece of text: plain (decoded), CDATA (as it is) or one entity.
    Text(String),
    Eof,
    /// Comments, processing instructions, declarations.
    Other,
}

struct Parser<R> {
    xml: NsReader<Lines<R>>,
    buf: Vec<u8>,
    /// The line of the first `<post>`, after which no `<thread>` may come.
    first_post: Option<u64>,
}

impl<R: BufRead> Parser<R> {
    fn new(input: R) -> Self {
        Parser {
            xml: NsReader::from_reader(Lines::new(input)),
            buf: Vec::new(),
            first_post: None,
        }
    }

    fn lines(&self) -> &Lines<R> {
        self.xml.get_ref()
    }

    fn run(mut self, sink: &mut dyn Sink) -> Result<(), ReadError> {
        let root = self.root()?;
        if !root.empty {
            loop {
                match self.next()? {
                    Ev::Start(e) if e.is("thread") => {
                        let thread = self.thread(e)?;
                        sink.thread(thread).map_err(ReadError::Sink)?;
                        sink.progress(self.lines().consumed);
                    }
                    Ev::Start(e) if e.is("post") => {
                        let comment = self.post(e)?;
                        sink.comment(comment).map_err(ReadError::Sink)?;
                        sink.progress(self.lines().consumed);
                    }
                    // Categories, and whatever a later export adds.
                    Ev::Start(e) => self.skip(&e)?,
                    Ev::Text(_) | Ev::Other => {}
                    // The reader checks that ends match starts: this is `</disqus>`.
                    Ev::End => break,
                    Ev::Eof => return Err(self.cut_short(&root).into()),
                }
            }
        }
        self.epilogue()?;
        sink.progress(self.lines().consumed);
        Ok(())
    }

    /// Reads up to the root element, which must be `<disqus>`.
    fn root(&mut self) -> Result<Element, ParseError> {
        loop {
            match self.next()? {
                Ev::Start(root) => {
                    if root.is("disqus") {
                        return Ok(root);
                    }
                    if root.name == "disqus" {
                        return Err(ParseError::new(
                            root.position(),
                            format!(
                                "not a Disqus export: its <disqus> element is not in \
                                 Disqus's namespace ({DISQUS_NS})"
                            ),
                        ));
                    }
                    let hint = if root.name == "rss" {
                        " (a WordPress export? Import it with `causerie import wordpress`)"
                    } else {
                        ""
                    };
                    return Err(ParseError::new(
                        root.position(),
                        format!(
                            "not a Disqus export: its root element is <{}>, not <disqus>{hint}",
                            root.name
                        ),
                    ));
                }
                Ev::Text(text) if is_blank(&text) => {}
                Ev::Other => {}
                Ev::Text(text) => {
                    return Err(self.error_in(&text, "not a Disqus export: this is not XML"));
                }
                Ev::End => return Err(self.error_in("", "not a Disqus export: this is not XML")),
                Ev::Eof => {
                    let message = if self.lines().consumed == 0 {
                        "not a Disqus export: the file is empty"
                    } else {
                        "not a Disqus export: the file has no <disqus> element"
                    };
                    return Err(ParseError::new(
                        Position::Line(self.lines().current_line()),
                        message,
                    ));
                }
            }
        }
    }

    /// After `</disqus>`: nothing but comments and blanks, so that a second export
    /// pasted after the first is not silently left out.
    fn epilogue(&mut self) -> Result<(), ParseError> {
        loop {
            let text = match self.next()? {
                Ev::Eof => return Ok(()),
                Ev::Other => continue,
                Ev::Text(text) if is_blank(&text) => continue,
                Ev::Text(text) => text,
                Ev::Start(_) | Ev::End => String::new(),
            };
            return Err(self.error_in(
                &text,
                "there is more after </disqus>: a Disqus export has one <disqus> element",
            ));
        }
    }

    fn thread(&mut self, start: Element) -> Result<SourceThread, ParseError> {
        if let Some(first_post) = self.first_post {
            return Err(ParseError::new(
                start.position(),
                format!(
                    "a <thread> after the posts (the first is at line {first_post}): \
                     Disqus lists every thread before the posts; was this file edited?"
                ),
            ));
        }
        let key = start.id.clone().ok_or_else(|| {
            ParseError::new(start.position(), "a <thread> without a dsq:id attribute")
        })?;
        let mut thread = SourceThread {
            title_locked: false,
            key,
            url: String::new(),
            title: None,
            closed: false,
            id: None,
            site: None,
            created_at: None,
            position: start.position(),
        };
        while let Some(child) = self.child(&start)? {
            match child.name.as_str() {
                _ if !child.disqus => self.skip(&child)?,
                "link" => thread.url = xml_trim(&self.text(&child)?).to_owned(),
                "title" => thread.title = non_blank(self.text(&child)?),
                "isClosed" => thread.closed = self.boolean(&child)?,
                _ => self.skip(&child)?,
            }
        }
        Ok(thread)
    }

    fn post(&mut self, start: Element) -> Result<SourceComment, ParseError> {
        self.first_post.get_or_insert(start.line);
        let id = start.id.clone().ok_or_else(|| {
            ParseError::new(start.position(), "a <post> without a dsq:id attribute")
        })?;
        let mut thread = None;
        let mut parent = None;
        let mut message = String::new();
        let mut created_at = None;
        let mut author = String::new();
        let mut email = None;
        let mut ip = None;
        let (mut spam, mut deleted, mut approved) = (false, false, true);
        while let Some(child) = self.child(&start)? {
            match child.name.as_str() {
                _ if !child.disqus => self.skip(&child)?,
                "thread" => {
                    thread = Some(child.id.clone().ok_or_else(|| {
                        ParseError::new(
                            child.position(),
                            format!("post {id}: its <thread> has no dsq:id attribute"),
                        )
                    })?);
                    self.skip(&child)?;
                }
                "parent" => {
                    parent = child.id.clone();
                    self.skip(&child)?;
                }
                "message" => message = xml_trim(&self.text(&child)?).to_owned(),
                "createdAt" => {
                    let text = self.text(&child)?;
                    let time = parse_time(xml_trim(&text)).ok_or_else(|| {
                        ParseError::new(
                            child.position(),
                            format!("post {id}: <createdAt> {text:?} is not a date and time"),
                        )
                    })?;
                    created_at = Some(time);
                }
                "isSpam" => spam = self.boolean(&child)?,
                "isDeleted" => deleted = self.boolean(&child)?,
                "isApproved" => approved = self.boolean(&child)?,
                "ipAddress" => ip = non_blank(self.text(&child)?),
                "author" => {
                    while let Some(field) = self.child(&child)? {
                        match field.name.as_str() {
                            _ if !field.disqus => self.skip(&field)?,
                            // As Disqus has it: the importer trims and fills a blank.
                            "name" => author = self.text(&field)?,
                            "email" => email = non_blank(self.text(&field)?),
                            _ => self.skip(&field)?,
                        }
                    }
                }
                _ => self.skip(&child)?,
            }
        }
        let thread = thread.ok_or_else(|| {
            ParseError::new(
                start.position(),
                format!("post {id} has no <thread dsq:id=\"…\"/>: which page is it on?"),
            )
        })?;
        let created_at = created_at.ok_or_else(|| {
            ParseError::new(start.position(), format!("post {id} has no <createdAt>"))
        })?;
        let mut comment = SourceComment::new(id, thread, message, created_at);
        comment.parent = parent;
        comment.author = author;
        comment.email = email;
        comment.ip = ip;
        comment.status = if spam {
            Status::Spam
        } else if deleted {
            Status::Deleted
        } else if !approved {
            Status::Pending
        } else {
            Status::Approved
        };
        comment.position = start.position();
        Ok(comment)
    }

    /// The next child element of `parent`, or `None` at its end. Text between
    /// children (indentation) is passed over.
    fn child(&mut self, parent: &Element) -> Result<Option<Element>, ParseError> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.next()? {
                Ev::Start(e) => return Ok(Some(e)),
                Ev::End => return Ok(None),
                Ev::Text(_) | Ev::Other => {}
                Ev::Eof => return Err(self.cut_short(parent)),
            }
        }
    }

    /// The text of an element that holds only text (and CDATA, and comments).
    fn text(&mut self, element: &Element) -> Result<String, ParseError> {
        let mut text = String::new();
        if element.empty {
            return Ok(text);
        }
        loop {
            match self.next()? {
                Ev::Text(piece) => text.push_str(&piece),
                Ev::Other => {}
                Ev::End => return Ok(text),
                Ev::Start(inner) => {
                    return Err(ParseError::new(
                        inner.position(),
                        format!(
                            "<{}> holds text, not a <{}> element",
                            element.name, inner.name
                        ),
                    ));
                }
                Ev::Eof => return Err(self.cut_short(element)),
            }
        }
    }

    fn boolean(&mut self, element: &Element) -> Result<bool, ParseError> {
        let text = self.text(element)?;
        match xml_trim(&text) {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(ParseError::new(
                element.position(),
                format!("<{}> is {text:?}, neither true nor false", element.name),
            )),
        }
    }

    /// Passes over an element and all it holds.
    fn skip(&mut self, element: &Element) -> Result<(), ParseError> {
        let mut depth = 0u32;
        if element.empty {
            return Ok(());
        }
        loop {
            match self.next()? {
                Ev::Start(inner) if !inner.empty => depth += 1,
                Ev::End if depth == 0 => return Ok(()),
                Ev::End => depth -= 1,
                Ev::Start(_) | Ev::Text(_) | Ev::Other => {}
                Ev::Eof => return Err(self.cut_short(element)),
            }
        }
    }

    fn cut_short(&self, open: &Element) -> ParseError {
        ParseError::new(
            Position::Line(self.lines().current_line()),
            format!(
                "the file ends inside the <{}> begun at line {}: it is cut short",
                open.name, open.line
            ),
        )
    }

    /// An error about the last event, at the line of the first thing in it that is
    /// not blank (`text`, if it is text).
    fn error_in(&self, text: &str, message: &str) -> ParseError {
        let blank = text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len();
        let newlines = text[..blank].matches('\n').count() as u64;
        ParseError::new(Position::Line(self.lines().mark_line() + newlines), message)
    }

    /// Reads the next event, as the parser needs it.
    fn next(&mut self) -> Result<Ev, ParseError> {
        self.buf.clear();
        self.xml.get_mut().mark();
        let xml = &mut self.xml;
        let event = match xml.read_event_into(&mut self.buf) {
            Ok(event) => event,
            Err(error) => return Err(xml_error(xml, &error)),
        };
        let xml = &self.xml;
        let line = xml.get_ref().mark_line();
        let ev = match event {
            Event::Start(e) => Ev::Start(element(xml, &e, false, line)?),
            Event::Empty(e) => Ev::Start(element(xml, &e, true, line)?),
            Event::End(_) => Ev::End,
            Event::Text(text) => Ev::Text(text.xml10_content().into_owned()),
            Event::CData(cdata) => Ev::Text(cdata.xml10_content().into_owned()),
            Event::GeneralRef(reference) => Ev::Text(entity(&reference, line)?),
            Event::Eof => Ev::Eof,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => Ev::Other,
        };
        Ok(ev)
    }
}

/// What the parser needs of an element's start tag.
fn element<R: BufRead>(
    xml: &NsReader<Lines<R>>,
    start: &BytesStart<'_>,
    empty: bool,
    line: u64,
) -> Result<Element, ParseError> {
    let resolver = xml.resolver();
    let (namespace, local) = resolver.resolve_element(start.name());
    let disqus = match namespace {
        ResolveResult::Unbound => true,
        ResolveResult::Bound(ns) => ns.into_inner() == DISQUS_NS,
        ResolveResult::Unknown(_) => false,
    };
    let mut id = None;
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|error| xml_error(xml, &quick_xml::Error::InvalidAttr(error)))?;
        let (namespace, name) = resolver.resolve_attribute(attribute.key);
        // Matched by namespace whatever the prefix, or by the usual prefix however
        // the file declares it (or forgets to).
        let dsq_prefix = attribute
            .key
            .prefix()
            .is_some_and(|p| p.into_inner() == "dsq");
        let internal = dsq_prefix
            || matches!(namespace, ResolveResult::Bound(ns) if ns.into_inner() == INTERNALS_NS);
        if internal && name.into_inner() == "id" {
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| xml_error(xml, &error))?;
            id = non_blank(value.into_owned());
        }
    }
    Ok(Element {
        name: local.into_inner().to_owned(),
        disqus,
        id,
        empty,
        line,
    })
}

/// An entity or character reference in text: `&amp;` is `&`, `&#8217;` is `’`.
fn entity(reference: &BytesRef<'_>, line: u64) -> Result<String, ParseError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(ParseError::new(
                Position::Line(line),
                format!("malformed XML: &{}; is not a character", &**reference),
            )),
        };
    }
    Ok(match resolve_predefined_entity(reference) {
        Some(text) => text.to_owned(),
        // An HTML entity XML does not know (`&nbsp;`): kept as it is, which is what
        // the HTML of a message means by it.
        None => format!("&{};", &**reference),
    })
}

/// A reader's error, at the line where the reader saw it.
fn xml_error<R: BufRead>(xml: &NsReader<Lines<R>>, error: &quick_xml::Error) -> ParseError {
    let lines = xml.get_ref();
    // The reader's offsets leave out a byte order mark; ours count it.
    let skew = lines.consumed.saturating_sub(xml.buffer_position());
    let offset = xml.error_position() + skew;
    let line = if offset >= lines.mark && offset <= lines.consumed {
        lines.line_at(offset)
    } else {
        lines.mark_line()
    };
    let message = match error {
        quick_xml::Error::Io(error) => format!("the file cannot be read: {error}"),
        quick_xml::Error::Syntax(error) => {
            format!("malformed XML (is the file cut short?): {error}")
        }
        error => format!("malformed XML: {error}"),
    };
    ParseError::new(Position::Line(line), message)
}

/// Without the indentation around it: XML's white space only, so that a text's
/// own (a no-break space, say) is kept.
fn xml_trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

fn is_blank(text: &str) -> bool {
    xml_trim(text).is_empty()
}

fn non_blank(text: String) -> Option<String> {
    let trimmed = xml_trim(&text);
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// `2013-06-21T16:15:18Z` (what Disqus writes), any RFC 3339 time, or one without
/// an offset, taken as UTC.
fn parse_time(text: &str) -> Option<i64> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time.unix_timestamp());
    }
    let local = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, &local)
        .ok()
        .map(|time| time.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::{open_maybe_gzipped, Collect, Kind, Markup};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/disqus/");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}{name}")).unwrap()
    }

    fn parse(bytes: &[u8]) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read(bytes, &mut sink).map(|()| sink)
    }

    fn parse_error(bytes: &[u8]) -> ParseError {
        match parse(bytes) {
            Err(ReadError::Parse(error)) => error,
            Err(ReadError::Sink(error)) => panic!("sink error {error}"),
            Ok(sink) => panic!("parsed: {sink:?}"),
        }
    }

    /// A file with the usual root around `body`, which starts at line 2.
    fn export(body: &str) -> String {
        format!(
            "<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n{body}</disqus>\n"
        )
    }

    fn thread(key: &str, url: &str, title: Option<&str>, closed: bool, line: u64) -> SourceThread {
        SourceThread {
            title_locked: false,
            key: key.into(),
            url: url.into(),
            title: title.map(Into::into),
            closed,
            id: None,
            site: None,
            created_at: None,
            position: Position::Line(line),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn comment(
        id: &str,
        thread: &str,
        parent: Option<&str>,
        author: &str,
        email: Option<&str>,
        text: &str,
        created_at: i64,
        status: Status,
        ip: Option<&str>,
        line: u64,
    ) -> SourceComment {
        let mut comment = SourceComment::new(id.into(), thread.into(), text.into(), created_at);
        comment.parent = parent.map(Into::into);
        comment.author = author.into();
        comment.email = email.map(Into::into);
        comment.status = status;
        comment.ip = ip.map(Into::into);
        comment.position = Position::Line(line);
        comment
    }

    fn expected_threads() -> Vec<SourceThread> {
        vec![
            thread(
                "1001",
                "https://blog.example.org/2013/06/hello/",
                Some("Hello, world"),
                false,
                12,
            ),
            thread(
                "1002",
                "https://blog.example.org/2013/07/ete/",
                Some("L’été à Montréal : « déjà vu » & co"),
                true,
                31,
            ),
            thread(
                "1003",
                "http://old.example.org/?utm_source=x&p=3",
                Some("Old page"),
                false,
                49,
            ),
            thread("1004", "", None, false, 67),
        ]
    }

    fn expected_comments() -> Vec<SourceComment> {
        use Status::*;
        vec![
            comment(
                "2001",
                "1001",
                None,
                "Alice Martin",
                Some("alice@example.com"),
                "<p>Nice post, <b>really</b> &amp; see <a href=\"https://example.com/x?a=1&amp;b=2\" \
                 rel=\"nofollow noopener\">this link</a>. It&#8217;s great.</p><script>alert(\"x\")</script>",
                1371831318,
                Approved,
                Some("198.51.100.7"),
                71,
            ),
            comment(
                "2002",
                "1001",
                Some("2003"),
                "Guest Bob",
                None,
                "<p>I’m answering early &amp; fast</p>",
                1371891600,
                Approved,
                Some("192.0.2.44"),
                87,
            ),
            comment("2003", "1001", None, "Carole", None, "", 1371837600, Deleted, Some("198.51.100.8"), 101),
            comment(
                "2004",
                "1002",
                None,
                "Buy Cheap",
                Some("spam@example.net"),
                "<p>cheap pills</p>",
                1372669200,
                Spam,
                Some("192.0.2.99"),
                117,
            ),
            comment(
                "2005",
                "1002",
                Some("1999"),
                "Zoë Çelik",
                Some("zoe@example.fr"),
                "<p>Très bien ! Привет, 世界 🎉</p>",
                1372753800,
                Approved,
                Some("2001:db8::1"),
                132,
            ),
            comment(
                "2006",
                "9999",
                None,
                "Orphan",
                None,
                "<p>My page is gone.</p>",
                1375358400,
                Approved,
                Some("192.0.2.1"),
                156,
            ),
            comment(
                "2007",
                "1003",
                None,
                "  ",
                None,
                "<p>Waiting for a moderator.</p>",
                1375427289,
                Pending,
                None,
                170,
            ),
            comment(
                "2008",
                "1003",
                None,
                "Dave",
                Some("dave@example.com"),
                "<p>line one</p>\n<p>line two</p>",
                1375488000,
                Approved,
                Some("203.0.113.50"),
                187,
            ),
        ]
    }

    #[test]
    fn reads_every_thread_of_the_export_deleted_and_empty_ones_too() {
        let sink = parse(&fixture("export.xml")).unwrap();
        assert_eq!(sink.threads, expected_threads());
    }

    #[test]
    fn reads_every_post_of_the_export_with_its_status_author_and_text() {
        let sink = parse(&fixture("export.xml")).unwrap();
        assert_eq!(sink.comments, expected_comments());
        for comment in &sink.comments {
            assert_eq!(comment.markup, Markup::Html);
            assert_eq!(comment.kind, Kind::Comment);
            assert_eq!(comment.website, None);
            assert!(!comment.moderator);
        }
    }

    #[test]
    fn reads_the_gzipped_export_as_the_plain_one() {
        let mut sink = Collect::default();
        let input =
            open_maybe_gzipped(std::path::Path::new(&format!("{FIXTURES}export.xml.gz"))).unwrap();
        read(input, &mut sink).unwrap();
        assert_eq!(sink.threads, expected_threads());
        assert_eq!(sink.comments, expected_comments());
    }

    #[test]
    fn a_byte_order_mark_and_crlf_lines_change_nothing_not_even_the_lines() {
        let plain = String::from_utf8(fixture("export.xml")).unwrap();
        let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
        let sink = parse(windows.as_bytes()).unwrap();
        assert_eq!(sink.threads, expected_threads());
        assert_eq!(sink.comments, expected_comments());
    }

    #[test]
    fn reports_progress_up_to_the_whole_file() {
        struct Progress(Vec<u64>);
        impl Sink for Progress {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                Ok(())
            }
            fn comment(&mut self, _: SourceComment) -> anyhow::Result<()> {
                Ok(())
            }
            fn progress(&mut self, bytes_read: u64) {
                self.0.push(bytes_read);
            }
        }
        let bytes = fixture("export.xml");
        let mut sink = Progress(Vec::new());
        read(&bytes[..], &mut sink).unwrap();
        assert!(sink.0.len() >= 12, "{:?}", sink.0);
        assert!(sink.0.windows(2).all(|w| w[0] <= w[1]), "{:?}", sink.0);
        assert_eq!(sink.0.last(), Some(&(bytes.len() as u64)));
    }

    #[test]
    fn passes_on_what_the_sink_refuses() {
        struct Refuse;
        impl Sink for Refuse {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                Ok(())
            }
            fn comment(&mut self, comment: SourceComment) -> anyhow::Result<()> {
                anyhow::bail!("no room for {}", comment.id)
            }
        }
        match read(&fixture("export.xml")[..], &mut Refuse) {
            Err(ReadError::Sink(error)) => assert_eq!(error.to_string(), "no room for 2001"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_cut_inside_a_post_is_an_error_at_its_line() {
        let error = parse_error(&fixture("truncated.xml"));
        assert_eq!(error.position, Position::Line(137), "{error}");
        assert!(error.message.contains("cut short"), "{error}");
    }

    #[test]
    fn a_file_cut_between_records_is_an_error_at_its_end() {
        let plain = String::from_utf8(fixture("export.xml")).unwrap();
        let end = plain.find("</post>").unwrap() + "</post>".len();
        let error = parse_error(&plain.as_bytes()[..end]);
        assert_eq!(error.position, Position::Line(85), "{error}");
        assert!(
            error.message.contains("<disqus> begun at line 2"),
            "{error}"
        );
        assert!(error.message.contains("cut short"), "{error}");
        // Cut inside a post, between its elements.
        let end = plain.find("<isSpam>true</isSpam>").unwrap();
        let error = parse_error(&plain.as_bytes()[..end]);
        assert_eq!(error.position, Position::Line(122), "{error}");
        assert!(
            error.message.contains("<post> begun at line 117"),
            "{error}"
        );
    }

    #[test]
    fn a_wordpress_export_is_not_a_disqus_export() {
        let error = parse_error(&fixture("wordpress.xml"));
        assert_eq!(error.position, Position::Line(2), "{error}");
        assert!(error.message.starts_with("not a Disqus export"), "{error}");
        assert!(error.message.contains("<rss>"), "{error}");
        assert!(
            error.message.contains("causerie import wordpress"),
            "{error}"
        );
    }

    #[test]
    fn garbage_is_an_error_with_a_line() {
        let cases: &[(&[u8], u64, &str)] = &[
            (b"", 1, "the file is empty"),
            (b"\n\n", 3, "no <disqus> element"),
            (b"hello, world\n", 1, "not XML"),
            (
                b"{\"format\": \"causerie-export\", \"version\": 1}",
                1,
                "not XML",
            ),
            (
                b"<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
                3,
                "no <disqus> element",
            ),
            (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", 1, ""),
            (
                b"\n<html><body>Disqus</body></html>",
                2,
                "root element is <html>",
            ),
            (
                b"<disqus xmlns=\"http://example.org/other\"/>",
                1,
                "not a Disqus export",
            ),
            (
                b"<disqus>\n<post dsq:id=\"1\">\n</thread>\n</disqus>",
                3,
                "malformed XML",
            ),
            (
                b"<disqus>\n<post dsq:id='1' dsq:id='2'/>\n</disqus>",
                2,
                "malformed XML",
            ),
            (
                b"<disqus>\n<post dsq:id=\"1\">\xff\xfe</post></disqus>",
                2,
                "malformed XML",
            ),
            (
                b"<disqus>\n<post dsq:id=\"1\"><message>&#0;</message></post></disqus>",
                2,
                "not a character",
            ),
            (
                b"<disqus>\n\n<post dsq:id=\"1\"><message>a &amp b</message></post></disqus>",
                3,
                "malformed XML",
            ),
        ];
        for &(input, line, words) in cases {
            let error = parse_error(input);
            assert_eq!(
                error.position,
                Position::Line(line),
                "{error} for {input:?}"
            );
            assert!(error.message.contains(words), "{error} for {input:?}");
        }
    }

    #[test]
    fn an_error_inside_markup_of_many_lines_names_its_own_line() {
        // The reader places this error just before the `>`.
        let input = "\u{feff}<?xml version=\"1.0\"?>\r\n<!DOCTYPE\r\n\r\n>\r\n<disqus/>";
        let error = parse_error(input.as_bytes());
        assert_eq!(error.position, Position::Line(4), "{error}");
        // Most are placed at the start of the markup.
        let input = "<disqus\n  xmlns=\"http://disqus.com\"\n  a=\"1\n<thread/>";
        let error = parse_error(input.as_bytes());
        assert_eq!(error.position, Position::Line(1), "{error}");
        assert!(error.message.contains("cut short"), "{error}");
    }

    #[test]
    fn lines_end_at_a_lone_cr_as_in_xml() {
        // Found by the fuzzer: text after a lone CR was said to be on a line the
        // file does not have.
        let error = parse_error(b"\n\t\r\0&");
        assert_eq!(error.position, Position::Line(3), "{error}");
        let plain = String::from_utf8(fixture("export.xml")).unwrap();
        let old_mac = plain.replace('\n', "\r");
        let sink = parse(old_mac.as_bytes()).unwrap();
        assert_eq!(sink.threads, expected_threads());
        assert_eq!(sink.comments, expected_comments());
        let error = parse_error(
            &fixture("truncated.xml")
                .iter()
                .map(|&b| if b == b'\n' { b'\r' } else { b })
                .collect::<Vec<_>>(),
        );
        assert_eq!(error.position, Position::Line(137), "{error}");
    }

    #[test]
    fn an_empty_export_has_nothing() {
        for input in [
            "<disqus/>",
            "<?xml version=\"1.0\"?>\n<disqus></disqus>\n<!-- end -->\n",
        ] {
            let sink = parse(input.as_bytes()).unwrap();
            assert!(sink.threads.is_empty() && sink.comments.is_empty());
        }
    }

    #[test]
    fn a_post_needs_its_id_and_its_thread_and_its_time() {
        let cases = [
            ("<post>\n<thread dsq:id=\"1\"/></post>\n", 2, "a <post> without a dsq:id"),
            ("<post dsq:id=\"  \"><thread dsq:id=\"1\"/></post>\n", 2, "a <post> without a dsq:id"),
            (
                "<post dsq:id=\"7\">\n<createdAt>2013-06-21T16:15:18Z</createdAt>\n</post>\n",
                2,
                "post 7 has no <thread",
            ),
            (
                "<post dsq:id=\"7\">\n<thread>1</thread>\n</post>\n",
                3,
                "post 7: its <thread> has no dsq:id",
            ),
            ("<post dsq:id=\"7\">\n<thread dsq:id=\"1\"/></post>\n", 2, "post 7 has no <createdAt>"),
            (
                "<post dsq:id=\"7\"><thread dsq:id=\"1\"/>\n\n<createdAt>21/06/2013</createdAt></post>\n",
                4,
                "\"21/06/2013\" is not a date",
            ),
            (
                "<post dsq:id=\"7\"><thread dsq:id=\"1\"/>\n<isSpam>123</isSpam></post>\n",
                3,
                "<isSpam> is \"123\", neither true nor false",
            ),
            (
                "<post dsq:id=\"7\"><thread dsq:id=\"1\"/>\n<message><p>hi</p></message></post>\n",
                3,
                "<message> holds text, not a <p> element",
            ),
            ("<thread><link>https://a.example/</link></thread>\n", 2, "a <thread> without a dsq:id"),
        ];
        for (body, line, words) in cases {
            let error = parse_error(export(body).as_bytes());
            assert_eq!(error.position, Position::Line(line), "{error} for {body}");
            assert!(error.message.contains(words), "{error} for {body}");
        }
    }

    #[test]
    fn a_thread_after_the_posts_is_an_error() {
        let body = "<thread dsq:id=\"1\"/>\n\
                    <post dsq:id=\"7\"><thread dsq:id=\"1\"/><createdAt>2013-06-21T16:15:18Z</createdAt></post>\n\
                    <thread dsq:id=\"2\"><link>https://a.example/2</link></thread>\n";
        let error = parse_error(export(body).as_bytes());
        assert_eq!(error.position, Position::Line(4), "{error}");
        assert!(error.message.contains("the first is at line 3"), "{error}");
    }

    #[test]
    fn more_after_the_root_is_an_error() {
        let twice = format!("{}{}", export(""), export("<thread dsq:id=\"1\"/>\n"));
        let error = parse_error(twice.as_bytes());
        assert_eq!(error.position, Position::Line(3), "{error}");
        assert!(error.message.contains("more after </disqus>"), "{error}");
        let error = parse_error(format!("{}\nstray text", export("")).as_bytes());
        assert_eq!(error.position, Position::Line(4), "{error}");
    }

    #[test]
    fn finds_dsq_ids_whatever_the_prefix_or_its_declaration() {
        // No namespace declared at all, as in some hand-made files; then another
        // prefix bound to Disqus's namespace; an `id` of another namespace is not it.
        let input = "<disqus>\n\
             <thread dsq:id=\"1\"><link>https://a.example/1</link></thread>\n\
             <thread xmlns:x=\"http://disqus.com/disqus-internals\" x:id=\"2\"/>\n\
             <thread xmlns:o=\"http://example.org/other\" o:id=\"3\" id=\"4\"/>\n\
             </disqus>";
        let error = parse_error(input.as_bytes());
        assert_eq!(error.position, Position::Line(4), "{error}");
        let input = input.replace("o:id=\"3\" id=\"4\"", "dsq:id=\"3\"");
        let sink = parse(input.as_bytes()).unwrap();
        let keys: Vec<_> = sink.threads.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["1", "2", "3"]);
        assert_eq!(sink.threads[0].url, "https://a.example/1");
    }

    #[test]
    fn elements_of_other_namespaces_are_not_disqus_ones() {
        let body = "<post dsq:id=\"7\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\
                    <thread dsq:id=\"1\"/><createdAt>2013-06-21T16:15:18Z</createdAt>\
                    <message>kept</message><wp:message>not this</wp:message>\
                    <wp:isSpam>yes</wp:isSpam></post>\n";
        let sink = parse(export(body).as_bytes()).unwrap();
        assert_eq!(sink.comments[0].text, "kept");
        assert_eq!(sink.comments[0].status, Status::Approved);
    }

    #[test]
    fn an_html_entity_unknown_to_xml_and_a_no_break_space_are_kept_as_they_are() {
        let body =
            "<post dsq:id=\"7\"><thread dsq:id=\"1\"/><createdAt>2013-06-21T16:15:18Z</createdAt>\
                    <message>\n a&nbsp;b &lt;i&gt;\u{a0}\n</message></post>\n";
        let sink = parse(export(body).as_bytes()).unwrap();
        assert_eq!(sink.comments[0].text, "a&nbsp;b <i>\u{a0}");
    }

    #[test]
    fn reads_the_times_disqus_writes_and_those_its_documentation_shows() {
        assert_eq!(parse_time("2013-06-21T16:15:18Z"), Some(1371831318));
        assert_eq!(parse_time("2013-06-21T16:15:18.250Z"), Some(1371831318));
        assert_eq!(parse_time("2013-06-21T18:15:18+02:00"), Some(1371831318));
        assert_eq!(parse_time("2013-06-21T16:15:18"), Some(1371831318));
        assert_eq!(parse_time("2013-06-21T16:15:18.5"), Some(1371831318));
        assert_eq!(parse_time("2013-06-21 16:15:18"), None);
        assert_eq!(parse_time(""), None);
    }
}
