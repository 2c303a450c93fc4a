//! Remark42's backup (`remark42 backup`, the daily files `backup-SITE-YYYYMMDD.gz` in
//! its backup directory): JSON lines, usually gzipped. The first line is the backup's
//! header, `{"version":1,"users":[…],"posts":[…]}`; each following line is one
//! comment as Remark42 stores it (`store.Comment`).
//!
//! - The thread is the comment's `locator.url`; its title is the first comment's
//!   `title` (Remark42 keeps the page title on each comment); a post listed
//!   `read_only` in the header is closed.
//! - The text is `orig`, the Markdown the reader typed, when there is one, else
//!   `text`, the HTML Remark42 rendered (comments it imported itself have only that).
//!   Until mid-2022 (Remark42's pull request 1426) `orig` went through its HTML
//!   sanitizer too, so an older comment's Markdown may hold entities (`&lt;`), which
//!   render as the characters they stand for, and lack HTML it cut from code spans.
//! - A comment has no email; a reader who subscribed by email has one in the header
//!   (`users[].details.email`), which each of their comments gets.
//! - `user.ip` is a keyed hash, not an address: dropped. `user.admin` marks the
//!   site's moderators. A reader who had Remark42 erase their data is the user
//!   `deleted`: their comments get no name, for the importer to fill.
//! - `delete` marks a deleted comment (Remark42 keeps it, emptied, when it has
//!   replies): status deleted. Everything else is approved: Remark42 has no
//!   moderation queue.
//! - `pin` (a comment pinned on top of its page) is not kept: Causerie does not pin
//!   comments yet. Votes and scores are not kept either.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use serde::Deserialize;

use super::source::{Markup, ParseError, Position, ReadError, Sink, SourceComment, SourceThread};
use crate::domain::Status;

/// Reads a Remark42 backup (already gunzipped) into `sink`, line by line.
pub fn read(mut input: impl BufRead, sink: &mut dyn Sink) -> Result<(), ReadError> {
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut bytes_read = 0u64;
    let mut header: Option<Header> = None;
    let mut seen_urls = HashSet::new();
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line).map_err(|error| {
            ParseError::new(
                Position::Line(number + 1),
                format!("cannot read the file: {error}"),
            )
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        bytes_read += read as u64;
        sink.progress(bytes_read);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let position = Position::Line(number);
        let Some(header) = &header else {
            header = Some(Header::parse(&line, position)?);
            continue;
        };
        let comment: Comment = serde_json::from_slice(&line)
            .map_err(|error| json_error(&error, position, "a Remark42 comment"))?;
        let url = comment.locator.url.clone();
        if !seen_urls.contains(&url) {
            let thread = thread(&comment, header, position)?;
            sink.thread(thread).map_err(ReadError::Sink)?;
            seen_urls.insert(url);
        }
        let comment = source_comment(comment, header, position)?;
        sink.comment(comment).map_err(ReadError::Sink)?;
    }
    if header.is_none() {
        return Err(ParseError::new(
            Position::Line(1),
            "not a Remark42 backup: the file is empty",
        )
        .into());
    }
    Ok(())
}

/// What the first line tells: who has an email, which posts are closed.
#[derive(Debug, Default)]
struct Header {
    emails: HashMap<String, String>,
    read_only: HashSet<String>,
}

/// The first line, `meta` in Remark42's `migrator/native.go`.
#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    users: Option<Option<Vec<UserMeta>>>,
    #[serde(default, deserialize_with = "present")]
    posts: Option<Option<Vec<PostMeta>>>,
}

#[derive(Deserialize)]
struct UserMeta {
    #[serde(default)]
    id: String,
    #[serde(default)]
    details: Option<UserDetails>,
}

#[derive(Deserialize)]
struct UserDetails {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
struct PostMeta {
    #[serde(default)]
    url: String,
    #[serde(default)]
    read_only: bool,
}

/// Tells a key given as `null` (Go writes an empty list so) from a missing one.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl Header {
    fn parse(line: &[u8], position: Position) -> Result<Header, ParseError> {
        const NOT_A_BACKUP: &str = "not a Remark42 backup: its first line must be the \
             backup's header {\"version\":1,\"users\":[…],\"posts\":[…]}";
        let meta: Meta = serde_json::from_slice(line).map_err(|error| {
            if error.is_eof() {
                json_error(&error, position, "a Remark42 backup header")
            } else {
                ParseError::new(position, format!("{NOT_A_BACKUP} ({error})"))
            }
        })?;
        let (Some(users), Some(posts)) = (meta.users, meta.posts) else {
            return Err(ParseError::new(position, NOT_A_BACKUP));
        };
        // Version 0, before the header had a version, reads the same.
        if let Some(version) = meta.version.filter(|v| !matches!(v, 0 | 1)) {
            return Err(ParseError::new(
                position,
                format!("version {version} of Remark42's backup is not one this release reads (1)"),
            ));
        }
        let emails = users
            .unwrap_or_default()
            .into_iter()
            .filter_map(|user| {
                let email = user.details?.email;
                (!email.trim().is_empty() && !user.id.is_empty()).then_some((user.id, email))
            })
            .collect();
        let read_only = posts
            .unwrap_or_default()
            .into_iter()
            .filter(|post| post.read_only)
            .map(|post| post.url)
            .collect();
        Ok(Header { emails, read_only })
    }
}

/// One line after the header: `store.Comment`. Fields Remark42 leaves out when
/// empty (`omitempty`) default.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Comment {
    id: String,
    pid: String,
    text: String,
    orig: String,
    user: User,
    locator: Locator,
    time: String,
    edit: Option<Edit>,
    delete: bool,
    title: String,
    /// Only a header has one: a second header in the middle of the file.
    version: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    name: String,
    id: String,
    admin: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Locator {
    url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Edit {
    time: String,
}

fn thread(
    comment: &Comment,
    header: &Header,
    position: Position,
) -> Result<SourceThread, ParseError> {
    check(comment, position)?;
    let url = comment.locator.url.clone();
    Ok(SourceThread {
        title_locked: false,
        key: url.clone(),
        closed: header.read_only.contains(&url),
        url,
        title: Some(comment.title.trim())
            .filter(|title| !title.is_empty())
            .map(str::to_owned),
        id: None,
        site: None,
        created_at: None,
        position,
    })
}

/// A line that is JSON but not a comment.
fn check(comment: &Comment, position: Position) -> Result<(), ParseError> {
    if comment.id.is_empty() && comment.version.is_some() {
        return Err(ParseError::new(
            position,
            "a second backup header: backups joined into one file must keep only the first \
             line {\"version\":…}",
        ));
    }
    if comment.id.is_empty() {
        return Err(ParseError::new(
            position,
            "not a Remark42 comment: it has no `id`",
        ));
    }
    if comment.locator.url.is_empty() {
        return Err(ParseError::new(
            position,
            format!("comment {} has no page (`locator.url`)", comment.id),
        ));
    }
    Ok(())
}

/// The user Remark42 puts in place of one whose data it erased (`SetDeleted`).
const ERASED_USER: &str = "deleted";

fn source_comment(
    comment: Comment,
    header: &Header,
    position: Position,
) -> Result<SourceComment, ParseError> {
    check(&comment, position)?;
    let created_at = unix_time(&comment.time).ok_or_else(|| {
        ParseError::new(
            position,
            format!(
                "comment {} has no valid `time` (RFC 3339): {:?}",
                comment.id, comment.time
            ),
        )
    })?;
    let edited_at = match &comment.edit {
        Some(edit) => Some(unix_time(&edit.time).ok_or_else(|| {
            ParseError::new(
                position,
                format!(
                    "comment {} has an invalid `edit.time`: {:?}",
                    comment.id, edit.time
                ),
            )
        })?),
        None => None,
    };
    let (text, markup) = if comment.orig.is_empty() {
        (comment.text, Markup::Html)
    } else {
        (comment.orig, Markup::Markdown)
    };
    let mut out = SourceComment::new(comment.id, comment.locator.url, text, created_at);
    out.markup = markup;
    out.parent = Some(comment.pid).filter(|pid| !pid.is_empty());
    out.email = header.emails.get(&comment.user.id).cloned();
    if comment.user.id != ERASED_USER {
        out.author = comment.user.name;
    }
    out.moderator = comment.user.admin;
    out.status = if comment.delete {
        Status::Deleted
    } else {
        Status::Approved
    };
    out.edited_at = edited_at;
    out.position = position;
    Ok(out)
}

/// Seconds since 1970 of an RFC 3339 time as Go writes it (`2017-12-20T15:18:22.123-06:00`).
fn unix_time(text: &str) -> Option<i64> {
    let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339);
    time.ok().map(time::OffsetDateTime::unix_timestamp)
}

fn json_error(error: &serde_json::Error, position: Position, what: &str) -> ParseError {
    let message = if error.is_eof() {
        format!("the line ends in the middle of {what}: the file is cut short ({error})")
    } else if error.is_syntax() {
        format!("not JSON, so not a Remark42 backup line ({error})")
    } else {
        format!("not {what} ({error})")
    };
    ParseError::new(position, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::{open_maybe_gzipped, Collect};
    use std::path::Path;

    const DIR: &str = "tests/fixtures/import/remark42";

    fn parse(bytes: &[u8]) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read(bytes, &mut sink)?;
        Ok(sink)
    }

    fn fixture(name: &str) -> Collect {
        let input = open_maybe_gzipped(&Path::new(DIR).join(name)).unwrap();
        let mut sink = Collect::default();
        read(input, &mut sink).unwrap();
        sink
    }

    fn parse_error(bytes: &[u8]) -> ParseError {
        match parse(bytes) {
            Err(ReadError::Parse(error)) => error,
            Err(other) => panic!("not a parse error: {other}"),
            Ok(sink) => panic!("read {} comments from a bad file", sink.comments.len()),
        }
    }

    const ETE: &str = "https://blog.example.fr/2023/ete-a-paris/";
    const AUTOMNE: &str = "https://blog.example.fr/2023/automne/";
    const HIVER: &str = "https://blog.example.fr/2022/hiver/";

    #[test]
    fn reads_each_page_once_before_its_comments_with_title_and_closed_state() {
        let sink = fixture("backup.jsonl");
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
                (ETE, ETE, Some("L’été à Paris"), true, Position::Line(2)),
                (AUTOMNE, AUTOMNE, None, false, Position::Line(4)),
                (HIVER, HIVER, None, false, Position::Line(8)),
            ]
        );
    }

    #[test]
    fn reads_every_comment_in_file_order() {
        let sink = fixture("backup.jsonl");
        let comments: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.thread.as_str(),
                    c.parent.as_deref(),
                    c.status,
                    c.position,
                )
            })
            .collect();
        assert_eq!(
            comments,
            [
                (
                    "5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a01",
                    ETE,
                    None,
                    Status::Approved,
                    Position::Line(2)
                ),
                (
                    "5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a02",
                    ETE,
                    Some("5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a01"),
                    Status::Approved,
                    Position::Line(3)
                ),
                // A reply before its parent.
                (
                    "9e8d7c6b-0000-4000-8000-00000000a003",
                    AUTOMNE,
                    Some("9e8d7c6b-0000-4000-8000-00000000a005"),
                    Status::Approved,
                    Position::Line(4)
                ),
                (
                    "5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a04",
                    ETE,
                    None,
                    Status::Deleted,
                    Position::Line(5)
                ),
                (
                    "9e8d7c6b-0000-4000-8000-00000000a005",
                    AUTOMNE,
                    None,
                    Status::Approved,
                    Position::Line(6)
                ),
                // Its parent is not in the file.
                (
                    "9e8d7c6b-0000-4000-8000-00000000a006",
                    AUTOMNE,
                    Some("disparu-1234"),
                    Status::Approved,
                    Position::Line(7)
                ),
                (
                    "disqus-4417",
                    HIVER,
                    None,
                    Status::Approved,
                    Position::Line(8)
                ),
                (
                    "9e8d7c6b-0000-4000-8000-00000000a009",
                    HIVER,
                    None,
                    Status::Deleted,
                    Position::Line(9)
                ),
            ]
        );
    }

    #[test]
    fn keeps_authors_emails_from_the_header_moderators_and_times() {
        let sink = fixture("backup.jsonl");
        let people: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.author.as_str(),
                    c.email.as_deref(),
                    c.website.as_deref(),
                    c.ip.as_deref(),
                    c.moderator,
                )
            })
            .collect();
        assert_eq!(
            people,
            [
                (
                    "Marie Curie",
                    Some("marie.curie@example.fr"),
                    None,
                    None,
                    false
                ),
                ("Léa (autrice)", None, None, None, true),
                (
                    "Marie Curie",
                    Some("marie.curie@example.fr"),
                    None,
                    None,
                    false
                ),
                ("Paul", None, None, None, false),
                ("Paul", None, None, None, false),
                ("Jeanne", None, None, None, false),
                ("Ancien lecteur", None, None, None, false),
                // Erased at the reader's request.
                ("", None, None, None, false),
            ]
        );
        let times: Vec<_> = sink
            .comments
            .iter()
            .map(|c| (c.created_at, c.edited_at))
            .collect();
        assert_eq!(
            times,
            [
                (1_689_321_600, None),
                (1_689_327_000, Some(1_689_327_910)),
                (1_696_269_900, None),
                (1_689_408_000, None),
                (1_696_176_000, None),
                (1_696_316_400, None),
                (1_671_926_399, None),
                (1_671_962_400, None),
            ]
        );
    }

    #[test]
    fn takes_the_markdown_the_reader_typed_else_remark42_html() {
        let sink = fixture("backup.jsonl");
        let first = &sink.comments[0];
        assert_eq!(
            first.text,
            "Très bon article, **merci** ! Voir [la doc](https://example.fr/doc)."
        );
        assert_eq!(first.markup, Markup::Markdown);
        assert_eq!(
            sink.comments[4].text,
            "Regardez [ceci](https://example.org/x) <script>alert('xss')</script>"
        );
        // Deleted: Remark42 emptied it.
        assert_eq!(sink.comments[3].text, "");
        // Imported into Remark42 from Disqus: only HTML.
        assert_eq!(sink.comments[6].text, "<p>Importé de Disqus &amp; co.</p>");
        assert_eq!(sink.comments[6].markup, Markup::Html);
    }

    #[test]
    fn reads_the_gzipped_backup_alike() {
        let plain = fixture("backup.jsonl");
        let gzipped = fixture("backup.jsonl.gz");
        assert_eq!(plain.threads, gzipped.threads);
        assert_eq!(plain.comments, gzipped.comments);
    }

    #[test]
    fn a_truncated_backup_fails_at_its_cut_line() {
        let bytes = std::fs::read(Path::new(DIR).join("truncated.jsonl")).unwrap();
        let error = parse_error(&bytes);
        assert_eq!(error.position, Position::Line(5));
        assert!(error.message.contains("cut short"), "{error}");
    }

    #[test]
    fn a_file_without_the_header_is_not_a_backup() {
        let backup = std::fs::read_to_string(Path::new(DIR).join("backup.jsonl")).unwrap();
        let without_header: String = backup.lines().skip(1).map(|l| format!("{l}\n")).collect();
        let error = parse_error(without_header.as_bytes());
        assert_eq!(error.position, Position::Line(1));
        assert!(
            error.message.starts_with("not a Remark42 backup"),
            "{error}"
        );
    }

    #[test]
    fn foreign_files_are_not_backups() {
        let commento = std::fs::read("tests/fixtures/import/commento/export.json").unwrap();
        let error = parse_error(&commento);
        assert_eq!(error.position, Position::Line(1));
        assert!(
            error.message.starts_with("not a Remark42 backup"),
            "{error}"
        );

        let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<disqus></disqus>\n";
        let error = parse_error(xml);
        assert_eq!(error.position, Position::Line(1));
        assert!(
            error.message.starts_with("not a Remark42 backup"),
            "{error}"
        );

        assert_eq!(parse_error(b"").position, Position::Line(1));
        assert_eq!(
            parse_error(b"\xff\xfe\x00garbage").position,
            Position::Line(1)
        );
    }

    #[test]
    fn a_line_that_is_not_a_comment_fails_at_that_line() {
        let header = r#"{"version":1,"users":null,"posts":[]}"#;
        let good = r#"{"id":"a","pid":"","text":"<p>x</p>","user":{"name":"A","id":"u","admin":false},"locator":{"site":"s","url":"https://e.fr/p"},"time":"2020-01-01T00:00:00Z"}"#;
        let cases = [
            ("[1,2,3]", "not a Remark42 comment"),
            ("{}", "no `id`"),
            (r#"{"id":"b","time":"2020-01-01T00:00:00Z"}"#, "no page"),
            (
                r#"{"id":"b","locator":{"url":"https://e.fr/p"},"time":"hier"}"#,
                "`time`",
            ),
            (r#"{"id":"b","locator":{"url":"https://e.fr/p"}}"#, "`time`"),
            ("not json", "not JSON"),
            (
                r#"{"version":1,"users":[],"posts":[]}"#,
                "second backup header",
            ),
            (r#"{"id":5}"#, "not a Remark42 comment"),
        ];
        for (line, expected) in cases {
            let file = format!("{header}\n\n{good}\n{line}\n{good}\n");
            let error = parse_error(file.as_bytes());
            assert_eq!(error.position, Position::Line(4), "{line}: {error}");
            assert!(error.message.contains(expected), "{line}: {error}");
        }
    }

    #[test]
    fn a_header_of_another_version_is_refused() {
        let error = parse_error(b"{\"version\":2,\"users\":[],\"posts\":[]}\n");
        assert!(error.message.contains("version 2"), "{error}");
        // Blank lines and no trailing newline are fine.
        let sink = parse(b"\n{\"version\":1,\"users\":[],\"posts\":null}").unwrap();
        assert!(sink.comments.is_empty());
    }
}
