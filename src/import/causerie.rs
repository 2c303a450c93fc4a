//! `causerie import causerie FILE`: Causerie's own export (`export::causerie`, its
//! schema in `export`'s documentation), read as a stream: the one JSON document's
//! top-level object is visited key by key, and each thread and comment is pushed to
//! the sink as soon as it is read, so the arrays are never held whole.
//!
//! The keys may come in any order, except that `threads` must come before
//! `comments` (as Causerie writes them). `format` must be `"causerie-export"` and
//! `version` one this release reads. A comment whose thread the file does not hold
//! is pushed all the same (the importer skips it). `sites` and `unsubscribed` are
//! read and checked, not pushed: the sites are the importer's configuration's, and
//! the unsubscriptions wait for the sink to take them.
//!
//! Errors name a line: the export writes one record a line, so that is the record.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::io::{BufRead, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::source::{
    Markup, ParseError, Position, ReadError, Sink, SourceComment, SourceThread,
    SourceUnsubscription,
};
use crate::domain::SiteId;
use crate::export::causerie::{
    CommentRecord, SiteRecord, ThreadRecord, UnsubscribedRecord, FORMAT, VERSION,
};

/// Reads a Causerie export from `input` into `sink`.
pub fn read(input: impl BufRead, sink: &mut dyn Sink) -> Result<(), ReadError> {
    let counts = Rc::new(Counts::default());
    let reader = Counted {
        inner: input,
        counts: Rc::clone(&counts),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = State {
        sink,
        counts,
        sink_error: None,
        record: None,
        entered: false,
        in_array: false,
        foreign: false,
        format: false,
        version: false,
        keys: HashSet::new(),
    };
    let result =
        de::Deserializer::deserialize_map(&mut de, Document(&mut state)).and_then(|()| de.end());
    match result {
        Ok(()) => Ok(()),
        Err(e) => Err(state.into_error(e)),
    }
}

/// How far the reader is: bytes, and line ends, handed to the JSON parser so far.
#[derive(Debug, Default)]
struct Counts {
    bytes: Cell<u64>,
    newlines: Cell<u64>,
}

impl Counts {
    /// The line the parser is on (from 1): after a record, the line it ends on.
    fn line(&self) -> u64 {
        self.newlines.get() + 1
    }
}

struct Counted<R> {
    inner: R,
    counts: Rc<Counts>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.counts.bytes.set(self.counts.bytes.get() + n as u64);
        let newlines = read.iter().filter(|&&b| b == b'\n').count() as u64;
        self.counts
            .newlines
            .set(self.counts.newlines.get() + newlines);
        Ok(n)
    }
}

/// What the reading has seen, and what stopped it.
struct State<'s> {
    sink: &'s mut dyn Sink,
    counts: Rc<Counts>,
    /// The sink's refusal, passed on as it is once the parser has unwound.
    sink_error: Option<anyhow::Error>,
    /// The record being read (`comment 12`), for messages.
    record: Option<String>,
    /// The top-level value is an object.
    entered: bool,
    /// Inside one of the arrays of records.
    in_array: bool,
    /// Something showed the file is not a Causerie export.
    foreign: bool,
    /// `"format": "causerie-export"` was read.
    format: bool,
    /// A `version` this release reads was read.
    version: bool,
    keys: HashSet<String>,
}

impl State<'_> {
    fn into_error(mut self, e: serde_json::Error) -> ReadError {
        if let Some(refused) = self.sink_error.take() {
            return ReadError::Sink(refused);
        }
        let line = match e.line() {
            0 => self.counts.line(),
            n => n as u64,
        };
        // serde_json's message ends with where it is; the position says the line.
        let full = e.to_string();
        let bare = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m);
        let mut message = match e.column() {
            0 => bare.to_owned(),
            c => format!("{bare} (column {c})"),
        };
        if let Some(record) = &self.record {
            message = format!("{record}: {message}");
        }
        use serde_json::error::Category;
        let message = match e.classify() {
            Category::Eof if self.counts.bytes.get() == 0 => "the file is empty".to_owned(),
            Category::Eof => format!("the file ends too early (is it truncated?): {message}"),
            Category::Io => format!("cannot read the file: {message}"),
            Category::Syntax if !self.format => {
                format!("not a Causerie export: this is not JSON: {message}")
            }
            Category::Syntax => format!("malformed JSON: {message}"),
            Category::Data if self.foreign || !self.entered => {
                format!("not a Causerie export: {message}")
            }
            Category::Data if self.in_array && !self.format => format!(
                "not a Causerie export (it has no \"format\": \"{FORMAT}\" before its \
                 records): {message}"
            ),
            Category::Data => message,
        };
        ReadError::Parse(ParseError::new(Position::Line(line), message))
    }

    fn position(&self) -> Position {
        Position::Line(self.counts.line())
    }

    /// Hands the sink's refusal to the parser as an error that stops it.
    fn refused<E: de::Error>(&mut self, e: anyhow::Error) -> E {
        self.sink_error = Some(e);
        E::custom("the importer stopped")
    }
}

/// The top-level object.
struct Document<'a, 's>(&'a mut State<'s>);

impl<'de> Visitor<'de> for Document<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object with \"format\": \"{FORMAT}\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        state.entered = true;
        while let Some(key) = map.next_key::<String>()? {
            if !state.keys.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key `{key}` appears twice")));
            }
            match key.as_str() {
                "format" => {
                    let format: String = map.next_value()?;
                    if format != FORMAT {
                        state.foreign = true;
                        return Err(de::Error::custom(format!(
                            "its \"format\" is \"{format}\", not \"{FORMAT}\""
                        )));
                    }
                    state.format = true;
                }
                "version" => {
                    let version: u64 = map.next_value()?;
                    if version != VERSION && !state.format {
                        // Some other program's version of its own format.
                        state.foreign = true;
                        return Err(de::Error::custom(format!(
                            "it has no \"format\": \"{FORMAT}\" before its \"version\" {version}"
                        )));
                    }
                    if version != VERSION {
                        return Err(de::Error::custom(format!(
                            "this file is version {version} of the Causerie export format; \
                             Causerie {} reads version {VERSION}",
                            env!("CARGO_PKG_VERSION")
                        )));
                    }
                    state.version = true;
                }
                "sites" => map.next_value_seed(Records {
                    state: &mut *state,
                    kind: Kind::Sites,
                })?,
                "threads" => map.next_value_seed(Records {
                    state: &mut *state,
                    kind: Kind::Threads,
                })?,
                "comments" => {
                    if !state.keys.contains("threads") && !state.format {
                        // Commento's, for one, has comments and nothing of ours.
                        state.foreign = true;
                        return Err(de::Error::custom(format!(
                            "it has no \"format\": \"{FORMAT}\" and no threads before \
                             its comments"
                        )));
                    }
                    if !state.keys.contains("threads") {
                        return Err(de::Error::custom(
                            "the comments come before the threads: a Causerie export \
                             lists its threads first",
                        ));
                    }
                    map.next_value_seed(Records {
                        state: &mut *state,
                        kind: Kind::Comments,
                    })?
                }
                "unsubscribed" => map.next_value_seed(Records {
                    state: &mut *state,
                    kind: Kind::Unsubscribed,
                })?,
                // `generator`, `exported_at`, and what a later version 1 may add.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !state.format {
            state.foreign = true;
            return Err(de::Error::custom(format!(
                "it has no \"format\": \"{FORMAT}\""
            )));
        }
        if !state.version {
            return Err(de::Error::custom(format!(
                "there is no \"version\" (Causerie {} reads version {VERSION})",
                env!("CARGO_PKG_VERSION")
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Sites,
    Threads,
    Comments,
    Unsubscribed,
}

impl Kind {
    fn record(self) -> &'static str {
        match self {
            Kind::Sites => "site",
            Kind::Threads => "thread",
            Kind::Comments => "comment",
            Kind::Unsubscribed => "unsubscription",
        }
    }
}

/// One of the arrays, read one record at a time.
struct Records<'a, 's> {
    state: &'a mut State<'s>,
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {}s", self.kind.record())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.state;
        state.in_array = true;
        let mut n: u64 = 0;
        loop {
            n += 1;
            state.record = Some(format!("{} {n}", self.kind.record()));
            let more = match self.kind {
                Kind::Sites => match seq.next_element::<SiteRecord>()? {
                    Some(site) => {
                        if SiteId::parse(&site.id).is_none() {
                            return Err(de::Error::custom(format!(
                                "`{}` is not a site id (1 to 40 lowercase letters, \
                                 digits or hyphens)",
                                site.id
                            )));
                        }
                        true
                    }
                    None => false,
                },
                Kind::Threads => match seq.next_element::<ThreadRecord>()? {
                    Some(t) => {
                        positive("id", t.id)?;
                        let thread = SourceThread {
                            title_locked: t.title_locked,
                            key: t.id.to_string(),
                            url: t.page,
                            title: Some(t.title),
                            closed: t.closed,
                            id: Some(t.id),
                            site: Some(t.site).filter(|s| !s.is_empty()),
                            created_at: Some(t.created_at.0),
                            position: state.position(),
                        };
                        if let Err(e) = state.sink.thread(thread) {
                            return Err(state.refused(e));
                        }
                        true
                    }
                    None => false,
                },
                Kind::Comments => match seq.next_element::<CommentRecord>()? {
                    Some(c) => {
                        positive("id", c.id)?;
                        positive("thread", c.thread)?;
                        if let Some(parent) = c.parent {
                            positive("parent", parent)?;
                            if parent == c.id {
                                return Err(de::Error::custom("the comment is its own parent"));
                            }
                        }
                        let comment = source_comment(c, state.position());
                        if let Err(e) = state.sink.comment(comment) {
                            return Err(state.refused(e));
                        }
                        true
                    }
                    None => false,
                },
                Kind::Unsubscribed => match seq.next_element::<UnsubscribedRecord>()? {
                    Some(u) => {
                        if u.email.trim().is_empty() {
                            return Err(de::Error::custom("the email is empty"));
                        }
                        if let Some(thread) = u.thread {
                            positive("thread", thread)?;
                        }
                        let unsubscription = SourceUnsubscription {
                            email: u.email,
                            thread: u.thread.map(|t| t.to_string()),
                            created_at: u.created_at.0,
                            position: state.position(),
                        };
                        if let Err(e) = state.sink.unsubscribed(unsubscription) {
                            return Err(state.refused(e));
                        }
                        true
                    }
                    None => false,
                },
            };
            if !more {
                break;
            }
            state.sink.progress(state.counts.bytes.get());
        }
        state.record = None;
        state.in_array = false;
        Ok(())
    }
}

/// Ids are positive: they become the rows' own ids.
fn positive<E: de::Error>(field: &str, id: i64) -> Result<(), E> {
    if id < 1 {
        return Err(E::custom(format!(
            "`{field}` must be a positive id, not {id}"
        )));
    }
    Ok(())
}

fn source_comment(c: CommentRecord, position: Position) -> SourceComment {
    let mut comment = SourceComment::new(
        c.id.to_string(),
        c.thread.to_string(),
        c.body_raw,
        c.created_at.0,
    );
    comment.parent = c.parent.map(|p| p.to_string());
    comment.author = c.author;
    comment.email = c.email.filter(|e| !e.is_empty());
    comment.website = c.website.filter(|w| !w.is_empty());
    comment.markup = Markup::Html;
    comment.html = Some(c.body_html).filter(|h| !h.is_empty());
    comment.status = c.status;
    comment.ip = c.ip.filter(|ip| !ip.is_empty());
    comment.moderator = c.moderator;
    comment.notify_replies = c.notify_replies;
    comment.edited_at = c.edited_at.map(|t| t.0);
    comment.keep_id = Some(c.id);
    comment.hold_reason = c.hold_reason.filter(|r| !r.is_empty());
    comment.also_from = c
        .sources
        .into_iter()
        // Its `causerie` source is this very file's id, which the importer records.
        .filter(|s| s.format != "causerie")
        .map(|s| (s.format, s.id))
        .collect();
    comment.page_title = c.page_title.filter(|t| !t.trim().is_empty());
    comment.erased_at = c.erased_at.map(|t| t.0);
    comment.position = position;
    comment
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::domain::Status;
    use crate::import::source::{open_maybe_gzipped, Collect, Kind as SourceKind};

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import/causerie")
            .join(name)
    }

    fn parse_file(name: &str) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read(open_maybe_gzipped(&fixture(name)).unwrap(), &mut sink)?;
        Ok(sink)
    }

    fn parse(text: &str) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read(text.as_bytes(), &mut sink)?;
        Ok(sink)
    }

    fn parse_error(text: &str) -> ParseError {
        match parse(text) {
            Err(ReadError::Parse(e)) => e,
            other => panic!("expected a parse error for {text}, got {other:?}"),
        }
    }

    /// 2026-11-30T08:00:00Z
    const NOV_30_8H: i64 = 1_796_025_600;

    #[test]
    fn reads_every_thread_with_its_own_id_and_site() {
        let got = parse_file("export.json").unwrap();
        assert_eq!(
            got.threads,
            [
                SourceThread {
                    title_locked: false,
                    key: "1".into(),
                    url: "/2026/bonjour".into(),
                    title: Some("Bonjour, ça va ?".into()),
                    closed: false,
                    id: Some(1),
                    site: Some("blog".into()),
                    created_at: Some(NOV_30_8H),
                    position: Position::Line(7),
                },
                SourceThread {
                    title_locked: false,
                    key: "2".into(),
                    url: "/2026/ferme".into(),
                    title: Some("Fermé <b>tôt</b>".into()),
                    closed: true,
                    id: Some(2),
                    site: Some("blog".into()),
                    // 09:00 at +01:00.
                    created_at: Some(NOV_30_8H),
                    position: Position::Line(8),
                },
                SourceThread {
                    title_locked: false,
                    key: "5".into(),
                    url: "/x".into(),
                    title: Some(String::new()),
                    closed: false,
                    id: Some(5),
                    site: Some("notes".into()),
                    // Seconds since 1970 are read too.
                    created_at: Some(1_764_500_000),
                    position: Position::Line(9),
                },
            ]
        );
    }

    #[test]
    fn reads_every_comment_with_every_field() {
        let got = parse_file("export.json").unwrap();
        let ids: Vec<&str> = got.comments.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "6", "7", "8"]);

        let c = &got.comments[0];
        let mut want = SourceComment::new(
            "1".into(),
            "1".into(),
            "Très bien ! <b>merci</b>".into(),
            NOV_30_8H + 5 * 60,
        );
        want.author = "Camille Dupont".into();
        want.email = Some("camille@example.fr".into());
        want.website = Some("https://camille.example".into());
        want.notify_replies = true;
        want.ip = Some("192.0.2.0/24".into());
        want.edited_at = Some(NOV_30_8H + 7 * 60 + 30);
        want.keep_id = Some(1);
        want.html = Some("<p>Très bien ! <b>merci</b></p>".into());
        want.position = Position::Line(12);
        assert_eq!(c, &want);

        let reply = &got.comments[1];
        assert_eq!(reply.parent.as_deref(), Some("1"));
        assert!(reply.moderator);
        assert_eq!(reply.text, "a ]]> b");
        assert_eq!(reply.ip, None);
        assert_eq!(reply.edited_at, None);

        let spam = &got.comments[2];
        assert_eq!(spam.parent.as_deref(), Some("2"));
        assert_eq!(spam.status, Status::Spam);
        assert_eq!(spam.text, "<script>alert(1)</script>casino");
        assert_eq!(spam.hold_reason.as_deref(), Some("disallowed_word:casino"));
        assert_eq!(spam.ip.as_deref(), Some("2001:db8:1::/48"));
        assert_eq!(spam.markup, Markup::Html);
        assert_eq!(spam.kind, SourceKind::Comment);

        // The fields it leaves out take their defaults.
        let pending = &got.comments[3];
        assert_eq!(pending.thread, "2");
        assert_eq!(pending.status, Status::Pending);
        assert_eq!(pending.author, "Zoé");
        assert_eq!(pending.email, None);
        assert_eq!(pending.website, None);
        assert!(!pending.moderator && !pending.notify_replies);
        assert_eq!(pending.hold_reason.as_deref(), Some("first_time"));
        assert_eq!(pending.created_at, NOV_30_8H + 90 * 60);

        // Empty strings are no value; a key we do not know is ignored.
        let deleted = &got.comments[4];
        assert_eq!(deleted.status, Status::Deleted);
        assert_eq!(deleted.keep_id, Some(6));
        assert_eq!(deleted.parent.as_deref(), Some("4"));
        assert_eq!(
            (deleted.email.as_deref(), deleted.website.as_deref()),
            (None, None)
        );
        assert_eq!((deleted.ip.as_deref(), deleted.author.as_str()), (None, ""));

        // Its thread is not in the file: pushed all the same, for the importer to skip.
        assert_eq!(got.comments[5].thread, "9");

        let unicode = &got.comments[6];
        assert_eq!(unicode.author, "Ünïcödé 😀");
        assert_eq!(
            unicode.text, "ligne 1\nligne 2 é \"cité\" &#8217; 😀",
            "JSON escapes decoded, HTML entities kept as the source has them"
        );
        assert_eq!(unicode.position, Position::Line(18));
    }

    #[test]
    fn a_gzipped_export_reads_the_same() {
        let plain = parse_file("export.json").unwrap();
        let gz = parse_file("export.json.gz").unwrap();
        assert_eq!(plain.threads, gz.threads);
        assert_eq!(plain.comments, gz.comments);
    }

    #[test]
    fn a_truncated_export_is_an_error_at_its_last_line() {
        match parse_file("truncated.json") {
            Err(ReadError::Parse(e)) => {
                assert_eq!(e.position, Position::Line(14), "{e}");
                assert!(e.message.contains("ends too early"), "{e}");
                assert!(e.message.contains("comment 3"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_commento_export_is_not_taken_for_ours() {
        match parse_file("commento.json") {
            Err(ReadError::Parse(e)) => {
                assert_eq!(e.position, Position::Line(1), "{e}");
                assert!(e.message.starts_with("not a Causerie export"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_is_not_json_or_not_an_object_is_not_a_causerie_export() {
        for text in [
            "<?xml version=\"1.0\"?><rss/>",
            "[1, 2]",
            "\"causerie-export\"",
            "{\"version\": 1}",
            "{\"format\": \"commento\", \"version\": 1}",
            "{\"threads\": [{\"x\": 1}], \"format\": \"causerie-export\"}",
        ] {
            let e = parse_error(text);
            assert!(
                e.message.starts_with("not a Causerie export"),
                "{text}: {e}"
            );
            assert_eq!(e.position, Position::Line(1), "{text}: {e}");
        }
    }

    #[test]
    fn an_empty_file_is_an_error() {
        let e = parse_error("");
        assert_eq!(e.position, Position::Line(1));
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn another_version_is_refused_with_the_versions_this_release_reads() {
        let e = parse_error("{\"format\":\"causerie-export\",\n\"version\":2,\"threads\":[]}");
        assert_eq!(e.position, Position::Line(2));
        assert!(
            e.message.contains("version 2") && e.message.contains("reads version 1"),
            "{e}"
        );
        let e = parse_error("{\"format\":\"causerie-export\",\"threads\":[]}");
        assert!(e.message.contains("no \"version\""), "{e}");
    }

    #[test]
    fn keys_come_in_any_order_but_threads_before_comments() {
        let got = parse(
            "{\"threads\":[{\"id\":3,\"page\":\"/a\",\"created_at\":0}],\
             \"comments\":[{\"id\":4,\"thread\":3,\"body_raw\":\"x\",\"status\":\"approved\",\
             \"created_at\":\"1970-01-01T00:00:01Z\"}],\
             \"version\":1,\"extra\":{\"a\":[1,2]},\"format\":\"causerie-export\"}",
        )
        .unwrap();
        assert_eq!(got.threads[0].key, "3");
        assert_eq!(got.threads[0].site, None);
        assert_eq!(got.comments[0].created_at, 1);

        let e = parse_error(
            "{\"format\":\"causerie-export\",\"version\":1,\n\"comments\":[],\"threads\":[]}",
        );
        assert_eq!(e.position, Position::Line(2));
        assert!(e.message.contains("before the threads"), "{e}");
    }

    #[test]
    fn a_bad_record_is_an_error_that_names_it_and_its_line() {
        let head = "{\"format\":\"causerie-export\",\"version\":1,\n\"threads\":[\n";
        let e = parse_error(&format!(
            "{head}{{\"id\":1,\"page\":\"/a\",\"created_at\":0}},\n\
             {{\"id\":2,\"page\":\"/b\",\"created_at\":\"hier\"}}\n]}}"
        ));
        assert_eq!(e.position, Position::Line(4), "{e}");
        assert!(
            e.message.contains("thread 2") && e.message.contains("hier"),
            "{e}"
        );

        let e = parse_error(&format!(
            "{head}],\n\"comments\":[\n{{\"id\":1,\"thread\":1,\"body_raw\":\"x\",\
             \"status\":\"published\",\"created_at\":0}}\n]}}"
        ));
        assert_eq!(e.position, Position::Line(5), "{e}");
        assert!(
            e.message.contains("comment 1") && e.message.contains("`published`"),
            "{e}"
        );

        let e = parse_error(&format!(
            "{head}],\n\"comments\":[\n{{\"id\":0,\"thread\":1,\"body_raw\":\"x\",\
             \"status\":\"approved\",\"created_at\":0}}\n]}}"
        ));
        assert!(e.message.contains("positive"), "{e}");

        let e = parse_error(&format!("{head}],\"sites\":[{{\"id\":\"Mon Blog\"}}]}}"));
        assert!(
            e.message.contains("site 1") && e.message.contains("site id"),
            "{e}"
        );

        let e = parse_error(&format!("{head}],\"threads\":[]}}"));
        assert!(e.message.contains("appears twice"), "{e}");

        let e = parse_error(&format!("{head}] x}}"));
        assert!(e.message.starts_with("malformed JSON"), "{e}");
    }

    #[test]
    fn the_sinks_refusal_is_passed_on_as_it_is() {
        struct Refuse;
        impl Sink for Refuse {
            fn thread(&mut self, _: SourceThread) -> anyhow::Result<()> {
                anyhow::bail!("the database is gone")
            }
            fn comment(&mut self, _: SourceComment) -> anyhow::Result<()> {
                Ok(())
            }
        }
        let file = open_maybe_gzipped(&fixture("export.json")).unwrap();
        match read(file, &mut Refuse) {
            Err(ReadError::Sink(e)) => assert_eq!(e.to_string(), "the database is gone"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn progress_grows_to_the_files_size() {
        #[derive(Default)]
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
        let mut sink = Progress::default();
        read(
            open_maybe_gzipped(&fixture("export.json")).unwrap(),
            &mut sink,
        )
        .unwrap();
        let size = std::fs::metadata(fixture("export.json")).unwrap().len();
        assert!(sink.0.len() >= 14, "{:?}", sink.0);
        assert!(sink.0.windows(2).all(|w| w[0] <= w[1]), "{:?}", sink.0);
        assert!(*sink.0.last().unwrap() < size);
    }
}
