//! Isso's SQLite database (the file `[general] dbpath` names in `isso.cfg`), read
//! in place, read-only, in one read transaction: Isso may keep running.
//!
//! Tables (`isso/db/threads.py`, `isso/db/comments.py`): `threads(id, uri, title)`
//! and `comments(tid, id, parent, created, modified, mode, remote_addr, text, author,
//! email, website, likes, dislikes, voters, notification)`. Older databases lack
//! some columns (`notification` came with Isso 0.12): only `tid`, `id`, `parent`,
//! `created`, `mode` and `text` are required, a missing optional column reads as
//! empty.
//!
//! - Comments are read by id, 500 at a time, so memory stays bounded; each thread is
//!   pushed before its first comment (its position is that comment's record). A
//!   thread without comments has nothing to import and is not pushed.
//! - `mode` 1 is accepted, 2 pending, 4 deleted: Isso keeps a deleted comment that
//!   has replies, emptied, so that they stay threaded.
//! - `text` is the Markdown the reader typed. `created` and `modified` are seconds
//!   (with a fraction); `modified` is the time of the reader's last edit.
//! - `uri` is the page's path, without a host. `remote_addr` is already anonymized
//!   by Isso (the last byte of an IPv4 address zeroed).
//! - `voters` (a bloom filter of who voted), `likes` and `dislikes` are not kept.
//!   `notification` (the reader asked Isso to email replies) is not kept either: it
//!   was consent to Isso's emails, not ours.
//! - Isso has no moderator flag on comments.

use std::collections::HashSet;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::source::{Markup, ParseError, Position, ReadError, Sink, SourceComment, SourceThread};
use crate::domain::Status;

/// Comments read per query.
const BATCH: usize = 500;

/// Reads the Isso database at `path` into `sink`.
pub fn read_path(path: &Path, sink: &mut dyn Sink) -> Result<(), ReadError> {
    let (mut conn, file_size) = open(path)?;
    // One snapshot for the whole read, even if Isso writes meanwhile; a writer that
    // holds its lock for a moment is waited for.
    conn.batch_execute("PRAGMA busy_timeout = 5000; BEGIN")
        .map_err(|error| database_error(&error, Position::Unknown))?;
    let schema = Schema::read(&mut conn)?;
    let total = count(&mut conn)?;
    let comments_sql = schema.comments_query();
    let thread_sql = schema.thread_query();
    let mut seen_threads = HashSet::new();
    let mut last_id = i64::MIN;
    let mut record = 0u64;
    loop {
        let rows: Vec<CommentRow> = sql_query(comments_sql.as_str())
            .bind::<BigInt, _>(last_id)
            .load(&mut conn)
            .map_err(|error| database_error(&error, Position::Record(record + 1)))?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            record += 1;
            let position = Position::Record(record);
            let Converted { id, tid, comment } = comment_from_row(row, position)?;
            // `id > ?` in id order can only go forward; a damaged file (a broken
            // index) can hand the same rows back forever. Stop rather than loop.
            if id <= last_id || record > total {
                return Err(ParseError::new(
                    position,
                    "the database is damaged: its comments come back out of order \
                     (`sqlite3 FILE 'PRAGMA integrity_check'` says more)",
                )
                .into());
            }
            last_id = id;
            if !seen_threads.contains(&tid) {
                let thread = thread(&mut conn, &thread_sql, id, tid, position)?;
                sink.thread(thread).map_err(ReadError::Sink)?;
                seen_threads.insert(tid);
            }
            sink.comment(comment).map_err(ReadError::Sink)?;
            sink.progress(file_size.saturating_mul(record) / total.max(1));
        }
    }
    // Rows whose id is not an integer are not reached by `id > ?`: say so rather
    // than leave them out.
    if record != total {
        return Err(ParseError::new(
            Position::Unknown,
            format!(
                "{} of the {total} comments have no integer id, which Isso always gives",
                total.saturating_sub(record)
            ),
        )
        .into());
    }
    Ok(())
}

/// Opens the file read-only: SQLite would create a missing file, and must never
/// write to the owner's database.
fn open(path: &Path) -> Result<(SqliteConnection, u64), ParseError> {
    let refuse = |message: String| ParseError::new(Position::Unknown, message);
    let metadata = std::fs::metadata(path)
        .map_err(|error| refuse(format!("cannot open {}: {error}", path.display())))?;
    if !metadata.is_file() {
        return Err(refuse(format!("{} is not a file", path.display())));
    }
    let absolute = std::path::absolute(path)
        .map_err(|error| refuse(format!("cannot open {}: {error}", path.display())))?;
    // diesel opens with SQLITE_OPEN_URI: a `file:` URI can ask for read-only, once
    // `?`, `#`, `%` and the like in the path are escaped.
    const PATH: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encoded = percent_encoding::percent_encode(absolute.as_os_str().as_encoded_bytes(), PATH);
    let uri = format!("file://{encoded}?mode=ro");
    let conn = SqliteConnection::establish(&uri).map_err(|error| {
        refuse(format!(
            "cannot open {} as an SQLite database: {error}",
            path.display()
        ))
    })?;
    Ok((conn, metadata.len()))
}

/// Which of the columns Isso has written over the years this file has.
struct Schema {
    comments: Vec<String>,
    threads: Vec<String>,
}

const REQUIRED_COMMENT_COLUMNS: &[&str] = &["tid", "id", "parent", "created", "mode", "text"];
const REQUIRED_THREAD_COLUMNS: &[&str] = &["id", "uri"];

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

impl Schema {
    fn read(conn: &mut SqliteConnection) -> Result<Schema, ParseError> {
        let comments = columns(conn, "comments")?;
        let threads = columns(conn, "threads")?;
        for (table, columns, required) in [
            ("comments", &comments, REQUIRED_COMMENT_COLUMNS),
            ("threads", &threads, REQUIRED_THREAD_COLUMNS),
        ] {
            if columns.is_empty() {
                return Err(not_isso(format!("no table `{table}`")));
            }
            if let Some(missing) = required.iter().find(|c| !columns.iter().any(|n| n == *c)) {
                return Err(not_isso(format!(
                    "table `{table}` has no column `{missing}`"
                )));
            }
        }
        Ok(Schema { comments, threads })
    }

    /// `expression AS name` if the column exists, else `NULL AS name`.
    fn column(columns: &[String], name: &str, expression: &str) -> String {
        if columns.iter().any(|c| c == name) {
            format!("{expression} AS {name}")
        } else {
            format!("NULL AS {name}")
        }
    }

    /// One batch of comments after a given id. Values are checked or cast in SQL:
    /// SQLite stores whatever type it is given, and a value read as the wrong type
    /// would be silently converted.
    fn comments_query(&self) -> String {
        let c = &self.comments;
        let columns = [
            "CASE WHEN typeof(id) = 'integer' THEN id END AS id".to_owned(),
            "CASE WHEN typeof(tid) = 'integer' THEN tid END AS tid".to_owned(),
            "CAST(parent AS INTEGER) AS parent".to_owned(),
            "CASE WHEN typeof(created) IN ('integer', 'real') THEN CAST(created AS REAL) END AS created"
                .to_owned(),
            Self::column(
                c,
                "modified",
                "CASE WHEN typeof(modified) IN ('integer', 'real') THEN CAST(modified AS REAL) END",
            ),
            "CASE WHEN typeof(mode) = 'integer' THEN mode END AS mode".to_owned(),
            Self::column(c, "remote_addr", "CAST(remote_addr AS TEXT)"),
            "CAST(text AS TEXT) AS text".to_owned(),
            Self::column(c, "author", "CAST(author AS TEXT)"),
            Self::column(c, "email", "CAST(email AS TEXT)"),
            Self::column(c, "website", "CAST(website AS TEXT)"),
        ];
        format!(
            // `comments.id`: a bare `id` in ORDER BY would name the checked column.
            "SELECT {} FROM comments WHERE comments.id > ? ORDER BY comments.id LIMIT {BATCH}",
            columns.join(", ")
        )
    }

    fn thread_query(&self) -> String {
        let title = Self::column(&self.threads, "title", "CAST(title AS TEXT)");
        format!("SELECT CAST(uri AS TEXT) AS uri, {title} FROM threads WHERE threads.id = ?")
    }
}

fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<String>, ParseError> {
    let columns: Vec<Column> = sql_query("SELECT name FROM pragma_table_info(?)")
        .bind::<Text, _>(table)
        .load(conn)
        .map_err(|error| database_error(&error, Position::Unknown))?;
    Ok(columns.into_iter().map(|c| c.name).collect())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection) -> Result<u64, ParseError> {
    let rows: Vec<Count> = sql_query("SELECT count(*) AS n FROM comments")
        .load(conn)
        .map_err(|error| database_error(&error, Position::Unknown))?;
    Ok(rows.first().map_or(0, |c| c.n.max(0) as u64))
}

#[derive(QueryableByName, Debug)]
struct CommentRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    tid: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    parent: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    created: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    modified: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    mode: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    remote_addr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    author: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    website: Option<String>,
}

struct Converted {
    id: i64,
    tid: i64,
    comment: SourceComment,
}

fn comment_from_row(row: CommentRow, position: Position) -> Result<Converted, ParseError> {
    let error = |message: String| ParseError::new(position, message);
    let id = row
        .id
        .ok_or_else(|| error("a comment whose `id` is not an integer".to_owned()))?;
    let tid = row
        .tid
        .ok_or_else(|| error(format!("comment {id} has no thread (`tid`)")))?;
    let created = row
        .created
        .filter(|t| t.is_finite())
        .ok_or_else(|| error(format!("comment {id} has no `created` time")))?;
    let status = match row.mode {
        Some(1) => Status::Approved,
        Some(2) => Status::Pending,
        Some(4) => Status::Deleted,
        Some(mode) => {
            return Err(error(format!(
                "comment {id} has mode {mode}, which Isso does not write (1 accepted, 2 pending, 4 deleted)"
            )))
        }
        None => return Err(error(format!("comment {id} has no `mode`"))),
    };
    let mut comment = SourceComment::new(
        id.to_string(),
        tid.to_string(),
        row.text.unwrap_or_default(),
        seconds(created),
    );
    comment.markup = Markup::Markdown;
    comment.parent = row.parent.map(|parent| parent.to_string());
    comment.author = row.author.unwrap_or_default();
    comment.email = non_blank(row.email);
    comment.website = non_blank(row.website);
    comment.ip = non_blank(row.remote_addr);
    comment.status = status;
    comment.edited_at = row.modified.filter(|t| t.is_finite()).map(seconds);
    comment.position = position;
    Ok(Converted { id, tid, comment })
}

#[derive(QueryableByName)]
struct ThreadRow {
    #[diesel(sql_type = Nullable<Text>)]
    uri: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
}

fn thread(
    conn: &mut SqliteConnection,
    sql: &str,
    comment: i64,
    tid: i64,
    position: Position,
) -> Result<SourceThread, ParseError> {
    let rows: Vec<ThreadRow> = sql_query(sql)
        .bind::<BigInt, _>(tid)
        .load(conn)
        .map_err(|error| database_error(&error, position))?;
    let Some(row) = rows.into_iter().next() else {
        return Err(ParseError::new(
            position,
            format!("comment {comment} is on thread {tid}, which table `threads` lacks"),
        ));
    };
    let url = non_blank(row.uri)
        .ok_or_else(|| ParseError::new(position, format!("thread {tid} has no `uri`")))?;
    Ok(SourceThread {
        title_locked: false,
        key: tid.to_string(),
        url,
        title: non_blank(row.title),
        closed: false,
        id: None,
        site: None,
        created_at: None,
        position,
    })
}

/// Isso's float seconds, to the second below.
fn seconds(time: f64) -> i64 {
    time.floor() as i64
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn not_isso(why: String) -> ParseError {
    ParseError::new(Position::Unknown, format!("not an Isso database: {why}"))
}

fn database_error(error: &diesel::result::Error, position: Position) -> ParseError {
    let message = error.to_string();
    if message.contains("not a database") {
        not_isso(format!("not an SQLite file ({message})"))
    } else {
        ParseError::new(position, format!("the database cannot be read: {message}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::source::Collect;
    use std::path::PathBuf;

    /// A database built from the SQL text kept beside it, so that review reads it.
    fn fixture() -> (tempfile::TempDir, PathBuf) {
        let sql =
            std::fs::read_to_string("tests/fixtures/import/isso/schema-and-data.sql").unwrap();
        database(&sql, "comments.db")
    }

    fn database(sql: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(sql).unwrap();
        drop(conn);
        (dir, path)
    }

    fn read(path: &Path) -> Result<Collect, ReadError> {
        let mut sink = Collect::default();
        read_path(path, &mut sink)?;
        Ok(sink)
    }

    fn parse_error(path: &Path) -> ParseError {
        match read(path) {
            Err(ReadError::Parse(error)) => error,
            Err(other) => panic!("not a parse error: {other}"),
            Ok(sink) => panic!("read {} comments from a bad file", sink.comments.len()),
        }
    }

    #[test]
    fn pushes_each_thread_before_its_first_comment() {
        let (_dir, path) = fixture();
        let sink = read(&path).unwrap();
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
                    "1",
                    "/2023/ete-a-paris/",
                    Some("L’été à Paris"),
                    false,
                    Position::Record(1)
                ),
                ("2", "/2023/automne/", None, false, Position::Record(5)),
            ]
        );
    }

    #[test]
    fn reads_every_comment_by_id_with_its_mode_as_status() {
        let (_dir, path) = fixture();
        let sink = read(&path).unwrap();
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
                ("1", "1", None, Status::Approved, Position::Record(1)),
                ("2", "1", Some("1"), Status::Approved, Position::Record(2)),
                ("3", "1", None, Status::Deleted, Position::Record(3)),
                // A reply to the deleted comment.
                ("4", "1", Some("3"), Status::Approved, Position::Record(4)),
                ("5", "2", None, Status::Pending, Position::Record(5)),
                ("6", "2", Some("5"), Status::Pending, Position::Record(6)),
                // Its parent is gone.
                ("9", "1", Some("8"), Status::Approved, Position::Record(7)),
            ]
        );
    }

    #[test]
    fn keeps_authors_emails_websites_addresses_and_times() {
        let (_dir, path) = fixture();
        let sink = read(&path).unwrap();
        let people: Vec<_> = sink
            .comments
            .iter()
            .map(|c| {
                (
                    c.author.as_str(),
                    c.email.as_deref(),
                    c.website.as_deref(),
                    c.ip.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            people,
            [
                (
                    "Marie Curie",
                    Some("marie.curie@example.fr"),
                    Some("https://marie.example.fr"),
                    Some("192.168.1.0")
                ),
                ("Léa", None, None, Some("2001:db8:85a3::")),
                // Deleted: Isso blanked the name and website, kept the email.
                ("", Some("paul@example.fr"), None, Some("10.0.0.0")),
                (
                    "Marie Curie",
                    Some("marie.curie@example.fr"),
                    Some("https://marie.example.fr"),
                    Some("192.168.1.0")
                ),
                ("Paul", Some("paul@example.fr"), None, Some("203.0.113.0")),
                ("", None, None, None),
                ("Anonyme", None, None, None),
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
                (1_689_408_000, None),
                (1_689_411_600, None),
                (1_696_176_000, None),
                (1_696_269_900, None),
                (1_696_316_400, None),
            ]
        );
        assert!(sink
            .comments
            .iter()
            .all(|c| !c.moderator && !c.notify_replies));
    }

    #[test]
    fn keeps_the_markdown_as_isso_stored_it() {
        let (_dir, path) = fixture();
        let sink = read(&path).unwrap();
        assert_eq!(
            sink.comments[0].text,
            "Très bon article, **merci** ! Voir [la doc](https://example.fr/doc)."
        );
        assert_eq!(
            sink.comments[4].text,
            "Regardez [ceci](https://example.org/x) <script>alert('xss')</script>"
        );
        assert_eq!(sink.comments[2].text, "");
        assert!(sink.comments.iter().all(|c| c.markup == Markup::Markdown));
    }

    #[test]
    fn reads_without_writing_or_creating_anything() {
        let (dir, path) = fixture();
        let before = std::fs::read(&path).unwrap();
        read(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, ["comments.db"]);

        let missing = dir.path().join("absent.db");
        let error = parse_error(&missing);
        assert!(error.message.starts_with("cannot open"), "{error}");
        assert!(!missing.exists());
    }

    #[test]
    fn opens_a_path_with_characters_a_uri_escapes() {
        let sql =
            std::fs::read_to_string("tests/fixtures/import/isso/schema-and-data.sql").unwrap();
        let (_dir, path) = database(&sql, "mes commentaires?v=1#%20été.db");
        assert_eq!(read(&path).unwrap().comments.len(), 7);
    }

    #[test]
    fn reads_many_comments_across_batches_in_id_order() {
        let sql = "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
            CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
                created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
                author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0,
                dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
            INSERT INTO threads VALUES (1, '/a/', NULL), (2, '/b/', NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1201)
            INSERT INTO comments (tid, id, created, mode, text, voters)
                SELECT 1 + i % 2, i * 3, 1600000000 + i, 1, 'n° ' || i, zeroblob(1) FROM n;";
        let (_dir, path) = database(sql, "many.db");
        let sink = read(&path).unwrap();
        assert_eq!(sink.comments.len(), 1201);
        assert_eq!(sink.threads.len(), 2);
        let ids: Vec<i64> = sink
            .comments
            .iter()
            .map(|c| c.id.parse().unwrap())
            .collect();
        assert_eq!(ids, (1..=1201).map(|i| i * 3).collect::<Vec<_>>());
        assert_eq!(sink.comments[1200].text, "n° 1201");
        assert_eq!(sink.comments[1200].position, Position::Record(1201));
    }

    #[test]
    fn reads_an_old_database_without_the_later_columns() {
        // Before `notification`, and a copy that also lost its optional columns.
        let sql = "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE);
            CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
                created FLOAT NOT NULL, mode INTEGER, text VARCHAR, author VARCHAR);
            INSERT INTO threads VALUES (7, '/vieux/');
            INSERT INTO comments VALUES (7, 1, NULL, 1400000000.9, 1, '*ancien*', 'Zoé');";
        let (_dir, path) = database(sql, "old.db");
        let sink = read(&path).unwrap();
        assert_eq!(sink.threads[0].title, None);
        let comment = &sink.comments[0];
        assert_eq!(
            (
                comment.id.as_str(),
                comment.author.as_str(),
                comment.text.as_str(),
                comment.created_at
            ),
            ("1", "Zoé", "*ancien*", 1_400_000_000)
        );
        assert_eq!(
            (
                comment.email.as_deref(),
                comment.ip.as_deref(),
                comment.edited_at
            ),
            (None, None, None)
        );
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        std::fs::copy("tests/fixtures/import/commento/export.json", &path).unwrap();
        let error = parse_error(&path);
        assert!(
            error
                .message
                .starts_with("not an Isso database: not an SQLite file"),
            "{error}"
        );
        // Nothing was written beside it either.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Found by the fuzzer: a damaged file whose rows came back in a loop, read
    /// until the memory ran out.
    #[test]
    fn a_damaged_file_that_hands_rows_back_in_a_loop_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.db");
        std::fs::copy(
            "tests/fixtures/import/isso/damaged-out-of-order.sqlite",
            &path,
        )
        .unwrap();
        let mut sink = Collect::default();
        let result = read_path(&path, &mut sink);
        assert!(matches!(result, Err(ReadError::Parse(_))), "{result:?}");
        assert!(
            sink.comments.len() < 10_000,
            "{} comments",
            sink.comments.len()
        );
    }

    #[test]
    fn an_sqlite_file_without_isso_tables_is_refused() {
        let (_dir, path) = database("CREATE TABLE posts (id INTEGER PRIMARY KEY);", "other.db");
        assert_eq!(
            parse_error(&path).message,
            "not an Isso database: no table `comments`"
        );
        let (_dir, path) = database(
            "CREATE TABLE comments (id INTEGER PRIMARY KEY, text VARCHAR); CREATE TABLE threads (id, uri);",
            "other.db",
        );
        assert_eq!(
            parse_error(&path).message,
            "not an Isso database: table `comments` has no column `tid`"
        );
        // An empty file is an empty database to SQLite.
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(
            parse_error(&empty).message,
            "not an Isso database: no table `comments`"
        );
    }

    #[test]
    fn a_row_isso_could_not_have_written_fails_at_its_record() {
        let schema = "PRAGMA foreign_keys = OFF;
            CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
            CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
                created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
                author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0,
                dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
            INSERT INTO threads VALUES (1, '/a/', NULL), (2, NULL, NULL);
            INSERT INTO comments (tid, id, created, mode, text, voters) VALUES (1, 1, 1600000000, 1, 'ok', x'');";
        let cases = [
            ("(1, 2, 1600000000, 3, 'x', x'')", "mode 3"),
            ("(1, 2, 1600000000, NULL, 'x', x'')", "no `mode`"),
            ("(1, 2, 'hier', 1, 'x', x'')", "no `created`"),
            ("(NULL, 2, 1600000000, 1, 'x', x'')", "no thread"),
            (
                "(9, 2, 1600000000, 1, 'x', x'')",
                "thread 9, which table `threads` lacks",
            ),
            ("(2, 2, 1600000000, 1, 'x', x'')", "thread 2 has no `uri`"),
        ];
        for (row, expected) in cases {
            let sql = format!(
                "{schema} INSERT INTO comments (tid, id, created, mode, text, voters) VALUES {row};"
            );
            let (_dir, path) = database(&sql, "bad.db");
            let error = parse_error(&path);
            assert_eq!(error.position, Position::Record(2), "{row}: {error}");
            assert!(error.message.contains(expected), "{row}: {error}");
        }
    }

    #[test]
    fn rows_without_an_integer_id_are_not_silently_left_out() {
        let sql = "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256));
            CREATE TABLE comments (tid, id, parent, created, mode, text);
            INSERT INTO threads VALUES (1, '/a/');
            INSERT INTO comments VALUES (1, 1, NULL, 1600000000, 1, 'a'), (1, NULL, NULL, 1600000000, 1, 'b');";
        let (_dir, path) = database(sql, "ids.db");
        let error = parse_error(&path);
        assert!(error.message.contains("1 of the 2 comments"), "{error}");
        let sql = "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256));
            CREATE TABLE comments (tid, id, parent, created, mode, text);
            INSERT INTO threads VALUES (1, '/a/');
            INSERT INTO comments VALUES (1, 1, NULL, 1600000000, 1, 'a'), (1, 'x', NULL, 1600000000, 1, 'b');";
        let (_dir, path) = database(sql, "ids.db");
        let error = parse_error(&path);
        assert_eq!(error.position, Position::Record(2), "{error}");
    }
}
