//! What every importer reads a file into: threads and comments as the source has
//! them, before Causerie decides anything (site, page key, sanitizing, ids). Each
//! parser pushes them into a [`Sink`] as it reads, so that a file of any size is
//! read in bounded memory.

use std::fmt;

use crate::domain::Status;

/// The formats `causerie import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    Wordpress,
    Disqus,
    Isso,
    Remark42,
    Commento,
    Causerie,
}

impl Format {
    /// The name stored with each imported comment (`comment_sources.format`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Wordpress => "wordpress",
            Format::Disqus => "disqus",
            Format::Isso => "isso",
            Format::Remark42 => "remark42",
            Format::Commento => "commento",
            Format::Causerie => "causerie",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A page with comments, as the source names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceThread {
    /// The source's id for the thread, which its comments refer to
    /// ([`SourceComment::thread`]): WordPress's post id, Disqus's `dsq:id`, Isso's
    /// thread id; for formats whose comments carry their URL, the URL itself.
    pub key: String,
    /// The page's URL (or path) as the source has it, query string and all: the
    /// importer rewrites it (`--map`), picks the site by its host and takes its path.
    pub url: String,
    /// The page's title: public once the thread is stored (the site owner's own
    /// data, unlike a reader's request).
    pub title: Option<String>,
    /// A moderator named the thread (only Causerie's own export says so): later
    /// requests do not change its title.
    pub title_locked: bool,
    /// Closed to new comments.
    pub closed: bool,
    /// For a `causerie` import into an empty database: the thread's own id.
    pub id: Option<i64>,
    /// The site the source says the thread belongs to (only Causerie's own export
    /// has it): the importer prefers it, when that site exists, to the site it
    /// would pick from the URL. `None` for every other format.
    pub site: Option<String>,
    /// When the thread began, seconds since 1970 UTC, where the source says it
    /// (Causerie's own export); `None`: the importer takes its first comment's time.
    pub created_at: Option<i64>,
    /// Where the thread is in the file, for messages ("line 12", "record 3").
    pub position: Position,
}

/// How a comment's text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// HTML, or text with some HTML, as a reader types it in our form (WordPress,
    /// Disqus, Causerie): goes through the sanitizer as it is.
    Html,
    /// Markdown (Isso, Remark42, Commento): rendered to HTML, then sanitized.
    Markdown,
}

/// What kind of entry the source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Comment,
    /// WordPress's pingbacks and trackbacks: left out unless `--with-pingbacks`.
    Pingback,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceComment {
    /// The source's id for the comment, unique within the file: what makes a second
    /// import of the same file add nothing (`comment_sources`).
    pub id: String,
    /// The [`SourceThread::key`] of its thread, which the parser pushed before.
    pub thread: String,
    /// The source's id of the comment it replies to, if any; it may come later in
    /// the file, or never (deleted at the source).
    pub parent: Option<String>,
    /// As the source has them; the importer trims, shortens to our limits and
    /// fills a blank name.
    pub author: String,
    pub email: Option<String>,
    pub website: Option<String>,
    /// The text as the source stores it, kept as the comment's raw input.
    pub text: String,
    pub markup: Markup,
    /// The HTML the source made of `text` with our whitelist (Causerie's own
    /// export): checked against the whitelist again rather than rendered anew, so
    /// that a Markdown comment keeps its rendering.
    pub html: Option<String>,
    /// Seconds since 1970, UTC.
    pub created_at: i64,
    pub status: Status,
    /// An address (the importer truncates it as Causerie stores addresses), or none.
    pub ip: Option<String>,
    /// Written by the site's owner or a moderator.
    pub moderator: bool,
    pub kind: Kind,
    /// Only Causerie's own export has these.
    pub notify_replies: bool,
    pub edited_at: Option<i64>,
    /// For a `causerie` import into an empty database: the comment's own id.
    pub keep_id: Option<i64>,
    /// Why a held comment was held, as Causerie stores it (`first_time`,
    /// `links:3:2`, …): only Causerie's own export has it.
    pub hold_reason: Option<String>,
    /// Other sources the comment came from, as (format, source id): Causerie's own
    /// export carries the WordPress (or other) id a comment was first imported
    /// with, so that importing that file again later still adds nothing.
    pub also_from: Vec<(String, String)>,
    /// The page title the comment's request sent (only Causerie's own export has
    /// it): a held comment gives it to its thread when approved.
    pub page_title: Option<String>,
    /// When its author erased their data (only Causerie's own export has it): it
    /// is kept empty, as the placeholder of its replies.
    pub erased_at: Option<i64>,
    pub position: Position,
}

impl SourceComment {
    /// A comment with the fields most sources lack set to their defaults.
    pub fn new(id: String, thread: String, text: String, created_at: i64) -> SourceComment {
        SourceComment {
            id,
            thread,
            parent: None,
            author: String::new(),
            email: None,
            website: None,
            text,
            markup: Markup::Html,
            html: None,
            created_at,
            status: Status::Approved,
            ip: None,
            moderator: false,
            kind: Kind::Comment,
            notify_replies: false,
            edited_at: None,
            keep_id: None,
            hold_reason: None,
            also_from: Vec::new(),
            page_title: None,
            erased_at: None,
            position: Position::default(),
        }
    }
}

/// Where something is in the file, for messages a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Position {
    #[default]
    Unknown,
    /// Text formats: the line (from 1).
    Line(u64),
    /// Formats of records (a database's rows, a JSON array's elements): the record
    /// (from 1).
    Record(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Unknown => f.write_str("somewhere in the file"),
            Position::Line(n) => write!(f, "line {n}"),
            Position::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// A file that cannot be read as its format: what is wrong and where. The import
/// then writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ParseError {
    pub position: Position,
    pub message: String,
}

impl ParseError {
    pub fn new(position: Position, message: impl Into<String>) -> ParseError {
        ParseError {
            position,
            message: message.into(),
        }
    }
}

/// Why reading stopped: the file is bad, or the importer refused (a database
/// error, for instance), which the parser passes on as it is.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Sink(anyhow::Error),
}

/// An address that wants no more reply notifications (Causerie's own export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUnsubscription {
    pub email: String,
    /// The [`SourceThread::key`] of the thread it left, or `None`: every thread.
    pub thread: Option<String>,
    pub created_at: i64,
    pub position: Position,
}

/// Where a parser puts what it reads, in the file's order. A thread is pushed
/// before any comment that refers to it.
pub trait Sink {
    fn thread(&mut self, thread: SourceThread) -> anyhow::Result<()>;
    fn comment(&mut self, comment: SourceComment) -> anyhow::Result<()>;
    /// After the threads and comments it refers to.
    fn unsubscribed(&mut self, _unsubscription: SourceUnsubscription) -> anyhow::Result<()> {
        Ok(())
    }
    /// Entries the parser leaves out itself, and why (WordPress's private notes):
    /// counted in the summary.
    fn left_out(&mut self, _reason: &str, _count: u64) {}
    /// How far the parser is, in bytes of the file read so far (the progress bar).
    fn progress(&mut self, _bytes_read: u64) {}
}

/// A sink that keeps everything: for tests and fuzz targets.
#[derive(Debug, Default)]
pub struct Collect {
    pub threads: Vec<SourceThread>,
    pub comments: Vec<SourceComment>,
    pub unsubscriptions: Vec<SourceUnsubscription>,
}

impl Sink for Collect {
    fn thread(&mut self, thread: SourceThread) -> anyhow::Result<()> {
        self.threads.push(thread);
        Ok(())
    }
    fn comment(&mut self, comment: SourceComment) -> anyhow::Result<()> {
        self.comments.push(comment);
        Ok(())
    }
    fn unsubscribed(&mut self, unsubscription: SourceUnsubscription) -> anyhow::Result<()> {
        self.unsubscriptions.push(unsubscription);
        Ok(())
    }
}

/// Opens `path` for reading, gunzipping it when it starts with gzip's magic bytes
/// (whatever its name), so that every format takes `.gz` files.
pub fn open_maybe_gzipped(path: &std::path::Path) -> std::io::Result<Box<dyn std::io::BufRead>> {
    maybe_gunzip(std::fs::File::open(path)?)
}

/// `input`, gunzipped if it starts with gzip's magic bytes.
pub fn maybe_gunzip(
    input: impl std::io::Read + 'static,
) -> std::io::Result<Box<dyn std::io::BufRead>> {
    use std::io::{BufRead, BufReader};
    let mut reader = BufReader::with_capacity(1 << 16, input);
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(1 << 16, gz)))
    } else {
        Ok(Box::new(reader))
    }
}
