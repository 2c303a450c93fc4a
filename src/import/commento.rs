//! Commento's and Commento++'s export (Dashboard → Settings → Export data: a link
//! to a gzipped file is emailed): one JSON document,
//! `{"version":1,"comments":[…],"commenters":[…]}`, as Commento's
//! `domain_export.go` writes it on one line (HTML characters written `\u003c`).
//!
//! A comment names its author only by `commenterHex`, and the commenters come after
//! the comments. Holding every comment until the commenters are read would not keep
//! memory bounded, so the file is read twice: first only the commenters (bounded by
//! their number; the comments are skipped), then the comments, each pushed to the
//! sink as it is read.
//!
//! - The thread is `domain` + `url` (the page's path: the export's key is `url`),
//!   whose URL is `https://` + domain + path; the export has no title and no
//!   locked state.
//! - `state`: `approved` → approved, `unapproved` (held for moderation) → pending,
//!   `flagged` → spam: Commento flags what Akismet calls spam.
//! - Commento deletes a comment that has replies by emptying it: its `markdown`
//!   becomes `[deleted]` and its commenter `anonymous`. The export leaves out
//!   Commento's own `deleted` column, so that pair marks a deleted comment (as does
//!   `"deleted": true`, should a variant export it).
//! - The commenter `anonymous` has no name: the author is left blank for the
//!   importer to fill. A commenter's `link` of `undefined` means no website.
//! - `isModerator` is kept, but Commento's export never sets it (moderators are the
//!   domain's list, which the export lacks): every comment comes out as a reader's.
//! - Scores and votes are not kept.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::source::{
    open_maybe_gzipped, Markup, ParseError, Position, ReadError, Sink, SourceComment, SourceThread,
};
use crate::domain::Status;

/// Reads a Commento export (plain or gzipped) into `sink`.
pub fn read_path(path: &Path, sink: &mut dyn Sink) -> Result<(), ReadError> {
    read_from(|| open_maybe_gzipped(path), sink)
}

/// Reads the export that `open` opens, twice (see the module's documentation).
pub fn read_from<R: BufRead>(
    mut open: impl FnMut() -> std::io::Result<R>,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let cannot_open = |error: std::io::Error| {
        ParseError::new(Position::Unknown, format!("cannot open the file: {error}"))
    };
    let mut commenters = HashMap::new();
    run(
        open().map_err(cannot_open)?,
        Pass::Commenters(&mut commenters),
    )?;
    run(
        open().map_err(cannot_open)?,
        Pass::Comments {
            commenters: &commenters,
            sink,
            seen_threads: HashSet::new(),
        },
    )
}

/// What a comment needs of its commenter.
#[derive(Debug)]
struct Commenter {
    name: String,
    email: Option<String>,
    website: Option<String>,
    moderator: bool,
}

enum Pass<'a> {
    /// Collects the commenters, skipping the comments.
    Commenters(&'a mut HashMap<String, Commenter>),
    /// Pushes each comment, skipping the commenters.
    Comments {
        commenters: &'a HashMap<String, Commenter>,
        sink: &'a mut dyn Sink,
        seen_threads: HashSet<String>,
    },
}

/// Where a pass is, and why it stopped when it stopped on its own account.
struct State<'a> {
    pass: Pass<'a>,
    /// The comment being read (from 1), while inside `comments`.
    record: Option<u64>,
    bytes_read: Rc<Cell<u64>>,
    stopped: Option<ReadError>,
}

/// The top-level keys that matter.
#[derive(Default)]
struct Summary {
    version: Option<i64>,
    has_comments: bool,
}

fn run<R: Read>(input: R, pass: Pass<'_>) -> Result<(), ReadError> {
    let bytes_read = Rc::new(Cell::new(0));
    let input = Counting {
        inner: input,
        count: Rc::clone(&bytes_read),
    };
    let mut state = State {
        pass,
        record: None,
        bytes_read,
        stopped: None,
    };
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let result = (&mut state).deserialize(&mut deserializer);
    if let Some(stopped) = state.stopped.take() {
        return Err(stopped);
    }
    let summary = result.map_err(|error| json_error(&error, state.record))?;
    let position = Position::Line(1);
    if !summary.has_comments {
        return Err(
            ParseError::new(position, "not a Commento export: it has no `comments`").into(),
        );
    }
    match summary.version {
        Some(1) => {}
        Some(version) => {
            return Err(ParseError::new(
                position,
                format!("version {version} of Commento's export is not one this release reads (1)"),
            )
            .into())
        }
        None => {
            return Err(
                ParseError::new(position, "not a Commento export: it has no `version`").into(),
            )
        }
    }
    deserializer.end().map_err(|error| {
        ParseError::new(
            Position::Line(error.line() as u64),
            format!("not a Commento export: more follows its end ({error})"),
        )
        .into()
    })
}

fn json_error(error: &serde_json::Error, record: Option<u64>) -> ParseError {
    let position = match record {
        Some(record) => Position::Record(record),
        None => Position::Line(error.line() as u64),
    };
    let message = match error.classify() {
        serde_json::error::Category::Io => format!("cannot read the file: {error}"),
        serde_json::error::Category::Eof => format!("the file is cut short ({error})"),
        serde_json::error::Category::Syntax => {
            format!("not JSON, so not a Commento export ({error})")
        }
        serde_json::error::Category::Data => format!("not a Commento export ({error})"),
    };
    ParseError::new(position, message)
}

impl<'de> DeserializeSeed<'de> for &mut State<'_> {
    type Value = Summary;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Summary, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut State<'_> {
    type Value = Summary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object {\"version\":1,\"comments\":[…],\"commenters\":[…]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Summary, A::Error> {
        let mut summary = Summary::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => summary.version = Some(map.next_value()?),
                "comments" => {
                    map.next_value_seed(Comments(&mut *self))?;
                    summary.has_comments = true;
                }
                "commenters" => map.next_value_seed(Commenters(&mut *self))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(summary)
    }
}

/// The `comments` array, element by element.
struct Comments<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Comments<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Comments<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of comments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        let mut record = 0;
        loop {
            record += 1;
            state.record = Some(record);
            let position = Position::Record(record);
            match &mut state.pass {
                Pass::Commenters(_) => {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        break;
                    }
                }
                Pass::Comments {
                    commenters,
                    sink,
                    seen_threads,
                } => {
                    let Some(comment) = seq.next_element::<Comment>()? else {
                        break;
                    };
                    sink.progress(state.bytes_read.get());
                    let pushed = push(comment, commenters, &mut **sink, seen_threads, position);
                    if let Err(error) = pushed {
                        state.stopped = Some(error);
                        return Err(de::Error::custom("stopped"));
                    }
                }
            }
        }
        state.record = None;
        Ok(())
    }
}

/// The `commenters` array: collected in the first pass, skipped in the second.
struct Commenters<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Commenters<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match &mut self.0.pass {
            Pass::Commenters(map) => deserializer.deserialize_seq(CollectCommenters(map)),
            Pass::Comments { .. } => IgnoredAny::deserialize(deserializer).map(|_| ()),
        }
    }
}

struct CollectCommenters<'m>(&'m mut HashMap<String, Commenter>);

impl<'de> Visitor<'de> for CollectCommenters<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of commenters")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // The export joins commenters to comments: one entry per comment they wrote.
        while let Some(entry) = seq.next_element::<CommenterEntry>()? {
            let commenter = Commenter {
                name: entry.name,
                email: Some(entry.email).filter(|email| !email.trim().is_empty()),
                website: Some(entry.link)
                    .filter(|link| !link.trim().is_empty() && link != "undefined"),
                moderator: entry.is_moderator,
            };
            self.0.insert(entry.commenter_hex, commenter);
        }
        Ok(())
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CommenterEntry {
    commenter_hex: String,
    email: String,
    name: String,
    link: String,
    is_moderator: bool,
}

/// One element of `comments` (Commento's `comment` struct).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Comment {
    comment_hex: String,
    domain: String,
    #[serde(alias = "path")]
    url: String,
    commenter_hex: String,
    markdown: String,
    html: String,
    parent_hex: String,
    state: String,
    creation_date: String,
    deleted: bool,
}

const ANONYMOUS: &str = "anonymous";

fn push(
    comment: Comment,
    commenters: &HashMap<String, Commenter>,
    sink: &mut dyn Sink,
    seen_threads: &mut HashSet<String>,
    position: Position,
) -> Result<(), ReadError> {
    if comment.comment_hex.is_empty() {
        return Err(
            ParseError::new(position, "not a Commento comment: it has no `commentHex`").into(),
        );
    }
    if comment.domain.is_empty() {
        return Err(ParseError::new(
            position,
            format!("comment {} has no `domain`", comment.comment_hex),
        )
        .into());
    }
    let key = format!("{}{}", comment.domain, comment.url);
    if !seen_threads.contains(&key) {
        let thread = SourceThread {
            title_locked: false,
            key: key.clone(),
            url: format!("https://{key}"),
            title: None,
            closed: false,
            id: None,
            site: None,
            created_at: None,
            position,
        };
        sink.thread(thread).map_err(ReadError::Sink)?;
        seen_threads.insert(key.clone());
    }
    let comment = source_comment(comment, key, commenters, position)?;
    sink.comment(comment).map_err(ReadError::Sink)
}

fn source_comment(
    comment: Comment,
    thread: String,
    commenters: &HashMap<String, Commenter>,
    position: Position,
) -> Result<SourceComment, ParseError> {
    let id = comment.comment_hex;
    let created_at = unix_time(&comment.creation_date).ok_or_else(|| {
        ParseError::new(
            position,
            format!(
                "comment {id} has no valid `creationDate` (RFC 3339): {:?}",
                comment.creation_date
            ),
        )
    })?;
    let state = match comment.state.as_str() {
        "approved" => Status::Approved,
        "unapproved" => Status::Pending,
        "flagged" => Status::Spam,
        other => {
            return Err(ParseError::new(
                position,
                format!("comment {id} has a `state` Commento does not write: {other:?}"),
            ))
        }
    };
    let anonymous = comment.commenter_hex == ANONYMOUS;
    let deleted = comment.deleted || (anonymous && comment.markdown == "[deleted]");
    let (text, markup) = if comment.markdown.is_empty() && !comment.html.is_empty() {
        (comment.html, Markup::Html)
    } else {
        (comment.markdown, Markup::Markdown)
    };
    let mut out = SourceComment::new(id, thread, text, created_at);
    out.markup = markup;
    out.parent = Some(comment.parent_hex).filter(|hex| !hex.is_empty() && hex != "root");
    out.status = if deleted { Status::Deleted } else { state };
    if let Some(commenter) = commenters
        .get(&comment.commenter_hex)
        .filter(|_| !anonymous)
    {
        out.author = commenter.name.clone();
        out.email = commenter.email.clone();
        out.website = commenter.website.clone();
        out.moderator = commenter.moderator;
    }
    out.position = position;
    Ok(out)
}

/// Seconds since 1970 of an RFC 3339 time as Go writes it.
fn unix_time(text: &str) -> Option<i64> {
    let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339);
    time.ok().map(time::OffsetDateTime::unix_timestamp)
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count.set(self.count.get() + read as u64);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::Collect;

    const DIR: &str = "tests/fixtures/import/commento";

    fn fixture(name: &str) -> Collect {
        let mut sink = Collect::default();
        read_path(&Path::new(DIR).join(name), &mut sink).unwrap();
        sink
    }

    fn parse(bytes: &[u8]) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read_from(|| Ok(bytes), &mut sink)?;
        Ok(sink)
    }

    fn parse_error(bytes: &[u8]) -> ParseError {
        match parse(bytes) {
            Err(ReadError::Parse(error)) => error,
            Err(other) => panic!("not a parse error: {other}"),
            Ok(sink) => panic!("read {} comments from a bad file", sink.comments.len()),
        }
    }

    fn hex(pair: &str) -> String {
        pair.repeat(32)
    }

    const ETE: &str = "blog.example.fr/2023/ete-a-paris/";
    const AUTOMNE: &str = "blog.example.fr/2023/automne/";

    #[test]
    fn pushes_each_page_once_before_its_first_comment() {
        let sink = fixture("export.json");
        let threads: Vec<_> = sink
            .threads
            .iter()
            .map(|t| {
                (
                    t.key.as_str(),
                    t.url.as_str(),
                    t.title.as_deref(),
                    t.closed,
                    t.position,
                )
            })
            .collect();
        assert_eq!(
            threads,
            [
                (
                    ETE,
                    "https://blog.example.fr/2023/ete-a-paris/",
                    None,
                    false,
                    Position::Record(1)
                ),
                (
                    AUTOMNE,
                    "https://blog.example.fr/2023/automne/",
                    None,
                    false,
                    Position::Record(2)
                ),
            ]
        );
    }

    #[test]
    fn reads_every_comment_with_its_parent_and_status() {
        let sink = fixture("export.json");
        let comments: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.thread.as_str(),
                    c.parent.clone(),
                    c.status,
                    c.created_at,
                    c.position,
                )
            })
            .collect();
        assert_eq!(
            comments,
            [
                (
                    hex("e1"),
                    ETE,
                    None,
                    Status::Approved,
                    1_689_321_600,
                    Position::Record(1)
                ),
                // A reply before its parent, held for moderation.
                (
                    hex("e2"),
                    AUTOMNE,
                    Some(hex("e4")),
                    Status::Pending,
                    1_696_269_900,
                    Position::Record(2)
                ),
                // Deleted by Commento, which kept it for its reply.
                (
                    hex("e3"),
                    ETE,
                    None,
                    Status::Deleted,
                    1_689_408_000,
                    Position::Record(3)
                ),
                (
                    hex("e4"),
                    AUTOMNE,
                    None,
                    Status::Approved,
                    1_696_176_000,
                    Position::Record(4)
                ),
                // Flagged by Akismet.
                (
                    hex("e5"),
                    ETE,
                    Some(hex("e1")),
                    Status::Spam,
                    1_689_477_255,
                    Position::Record(5)
                ),
                // Its parent is not in the file.
                (
                    hex("e6"),
                    AUTOMNE,
                    Some(hex("ff")),
                    Status::Approved,
                    1_696_316_400,
                    Position::Record(6)
                ),
                (
                    hex("e7"),
                    ETE,
                    Some(hex("e3")),
                    Status::Approved,
                    1_689_411_600,
                    Position::Record(7)
                ),
            ]
        );
    }

    #[test]
    fn names_authors_from_the_commenters_that_follow_the_comments() {
        let sink = fixture("export.json");
        let people: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.author.as_str(),
                    c.email.as_deref(),
                    c.website.as_deref(),
                    c.moderator,
                    c.ip.as_deref(),
                )
            })
            .collect();
        let marie = (
            "Marie Curie",
            Some("marie.curie@example.fr"),
            Some("https://marie.example.fr"),
            false,
            None,
        );
        // `link: "undefined"` is no website.
        let paul = ("Paul", Some("paul@example.fr"), None, false, None);
        let nobody = ("", None, None, false, None);
        assert_eq!(people, [marie, paul, nobody, nobody, paul, nobody, marie]);
    }

    #[test]
    fn keeps_the_markdown_as_commento_stored_it() {
        let sink = fixture("export.json");
        assert_eq!(
            sink.comments[0].text,
            "Très bon article, **merci** ! Voir [la doc](https://example.fr/doc)."
        );
        // Written `\u003cscript\u003e … \u0026` in the file.
        assert_eq!(
            sink.comments[3].text,
            "Regardez [ceci](https://example.org/x) <script>alert('xss')</script> & cie"
        );
        assert_eq!(sink.comments[2].text, "[deleted]");
        assert!(sink.comments.iter().all(|c| c.markup == Markup::Markdown));
    }

    #[test]
    fn reads_the_gzipped_export_alike() {
        let plain = fixture("export.json");
        let gzipped = fixture("export.json.gz");
        assert_eq!(plain.threads, gzipped.threads);
        assert_eq!(plain.comments, gzipped.comments);
    }

    #[test]
    fn reads_commento_plus_plus_with_the_commenters_first() {
        let sink = fixture("commentoplusplus.json");
        let threads: Vec<_> = sink.threads.iter().map(|t| t.url.as_str()).collect();
        assert_eq!(
            threads,
            [
                "https://blog.example.fr/",
                "https://blog.example.fr/a-propos/"
            ]
        );
        let comments: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.parent.clone(),
                    c.author.as_str(),
                    c.moderator,
                    c.status,
                    c.created_at,
                )
            })
            .collect();
        assert_eq!(
            comments,
            [
                (
                    hex("e8"),
                    None,
                    "Paul",
                    false,
                    Status::Approved,
                    1_709_204_400
                ),
                (
                    hex("e9"),
                    Some(hex("e8")),
                    "Léa (autrice)",
                    true,
                    Status::Approved,
                    1_709_206_200
                ),
                (
                    hex("9a"),
                    None,
                    "Paul",
                    false,
                    Status::Deleted,
                    1_709_251_200
                ),
            ]
        );
        assert_eq!(
            sink.comments[1].website.as_deref(),
            Some("https://blog.example.fr")
        );
    }

    #[test]
    fn a_truncated_export_fails_in_the_record_it_was_cut_in() {
        let bytes = std::fs::read(Path::new(DIR).join("truncated.json")).unwrap();
        let error = parse_error(&bytes);
        assert_eq!(error.position, Position::Record(3));
        assert!(error.message.contains("cut short"), "{error}");
        assert!(error.message.contains("line 1 column"), "{error}");
    }

    #[test]
    fn nothing_is_pushed_from_a_file_the_first_pass_refuses() {
        let bytes = std::fs::read(Path::new(DIR).join("truncated.json")).unwrap();
        let mut sink = Collect::default();
        assert!(read_from(|| Ok(&bytes[..]), &mut sink).is_err());
        assert!(sink.threads.is_empty() && sink.comments.is_empty());
    }

    #[test]
    fn foreign_files_are_not_exports() {
        let remark42 = std::fs::read("tests/fixtures/import/remark42/backup.jsonl").unwrap();
        let error = parse_error(&remark42);
        assert!(
            error.message.starts_with("not a Commento export"),
            "{error}"
        );
        assert_eq!(error.position, Position::Line(1));

        let xml = b"<?xml version=\"1.0\"?>\n<rss></rss>";
        let error = parse_error(xml);
        assert_eq!(error.position, Position::Line(1));
        assert!(error.message.starts_with("not JSON"), "{error}");

        for bad in [
            &b""[..],
            b"[]",
            b"42",
            b"{\"version\":1}",
            b"\x1f\x8b\x08garbage",
        ] {
            let error = parse_error(bad);
            assert!(
                matches!(error.position, Position::Line(1)),
                "{bad:?}: {error}"
            );
        }
        let error = parse_error(b"{\"version\":2,\"comments\":[]}");
        assert!(error.message.contains("version 2"), "{error}");
        let error = parse_error(b"{\"version\":1,\"comments\":[]} {}");
        assert_eq!(error.position, Position::Line(1));
    }

    #[test]
    fn a_comment_commento_could_not_have_written_fails_at_its_record() {
        let good = r#"{"commentHex":"a","domain":"e.fr","url":"/p","commenterHex":"anonymous","markdown":"x","parentHex":"root","state":"approved","creationDate":"2020-01-01T00:00:00Z"}"#;
        let cases = [
            (
                r#"{"domain":"e.fr","state":"approved","creationDate":"2020-01-01T00:00:00Z"}"#,
                "`commentHex`",
            ),
            (
                r#"{"commentHex":"b","state":"approved","creationDate":"2020-01-01T00:00:00Z"}"#,
                "`domain`",
            ),
            (
                r#"{"commentHex":"b","domain":"e.fr","state":"approved","creationDate":"hier"}"#,
                "`creationDate`",
            ),
            (
                r#"{"commentHex":"b","domain":"e.fr","state":"spam","creationDate":"2020-01-01T00:00:00Z"}"#,
                "`state`",
            ),
            (r#"{"commentHex":7}"#, "not a Commento export"),
            ("[]", "`commentHex`"),
        ];
        for (comment, expected) in cases {
            let file =
                format!(r#"{{"version":1,"comments":[{good},{comment},{good}],"commenters":[]}}"#);
            let error = parse_error(file.as_bytes());
            assert_eq!(error.position, Position::Record(2), "{comment}: {error}");
            assert!(error.message.contains(expected), "{comment}: {error}");
        }
    }

    #[test]
    fn an_error_of_the_sink_is_passed_on() {
        struct Refuses;
        impl Sink for Refuses {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                anyhow::bail!("database is locked")
            }
            fn comment(&mut self, _: SourceComment) -> anyhow::Result<()> {
                Ok(())
            }
        }
        let bytes = std::fs::read(Path::new(DIR).join("export.json")).unwrap();
        match read_from(|| Ok(&bytes[..]), &mut Refuses) {
            Err(ReadError::Sink(error)) => assert_eq!(error.to_string(), "database is locked"),
            other => panic!("{other:?}"),
        }
    }
}
