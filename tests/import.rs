//! The importer's rules (SPEC section 11), whatever the format: records are pushed
//! as a parser would push them, into SQLite and (when a server is there, always in
//! CI) PostgreSQL. Each format's parser is tested over its fixtures in its module,
//! and end to end through the binary in `tests/import_formats.rs`.

mod common;

use causerie::config::{Config, Settings, Sites};
use causerie::db::{self, DbConn};
use causerie::domain::Status;
use causerie::import::{
    self, Format, Kind, Markup, Options, ParseError, Position, ReadError, Sink, SourceComment,
    SourceThread, Summary,
};
use diesel::prelude::*;

/// Runs `test` on a fresh SQLite database, then on a fresh PostgreSQL one.
fn on_both(test: impl Fn(&mut DbConn)) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("causerie.db").display());
    let mut conn = db::establish(&url).unwrap();
    db::migrate(&mut conn).unwrap();
    test(&mut conn);
    if let Some(server) = common::postgres::server_or_skip("the importer on PostgreSQL") {
        let pg = common::postgres::TestDatabase::create(&server);
        let mut conn = db::establish(&pg.url).unwrap();
        db::migrate(&mut conn).unwrap();
        test(&mut conn);
    }
}

fn sites() -> Sites {
    let sites = [
        ("blog", "https://blog.example.fr"),
        ("notes", "https://notes.example.org"),
    ]
    .iter()
    .map(|(id, origin)| serde_json::json!({ "id": id, "origins": [origin] }))
    .collect();
    Config::from_settings(Settings {
        sites,
        ..Default::default()
    })
    .unwrap()
    .sites
}

// A test's list of a few records: their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Record {
    Thread(SourceThread),
    Comment(SourceComment),
    /// The file is cut here.
    Broken(u64),
}

fn thread(key: &str, url: &str) -> Record {
    Record::Thread(SourceThread {
        key: key.into(),
        url: url.into(),
        title: Some(format!("Titre {key}")),
        title_locked: false,
        closed: false,
        id: None,
        site: None,
        created_at: None,
        position: Position::Line(1),
    })
}

fn comment(id: &str, thread: &str, parent: Option<&str>) -> SourceComment {
    let mut c = SourceComment::new(
        id.into(),
        thread.into(),
        format!("Texte {id} <script>alert(1)</script>"),
        1_500_000_000 + id.len() as i64,
    );
    c.parent = parent.map(str::to_owned);
    c.author = format!("Auteur {id}");
    c.email = Some(format!("Auteur.{id}@Example.org"));
    c
}

fn c(id: &str, thread: &str, parent: Option<&str>) -> Record {
    Record::Comment(comment(id, thread, parent))
}

fn push(records: &[Record], sink: &mut dyn Sink) -> Result<(), ReadError> {
    for r in records {
        match r.clone() {
            Record::Thread(t) => sink.thread(t).map_err(ReadError::Sink)?,
            Record::Comment(c) => sink.comment(c).map_err(ReadError::Sink)?,
            Record::Broken(line) => {
                return Err(ParseError::new(Position::Line(line), "unexpected end of file").into())
            }
        }
    }
    Ok(())
}

fn run(conn: &mut DbConn, options: &Options, records: &[Record]) -> Summary {
    import::run(conn, &sites(), options, |s| push(records, s), &mut |_| {})
        .unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn wordpress() -> Options {
    Options::new(Format::Wordpress)
}

#[derive(Debug, PartialEq, QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    site: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    page: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    author: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    email: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    parent_author: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    depth: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body_raw: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body_html: String,
}

fn rows(conn: &mut DbConn) -> Vec<Row> {
    diesel::sql_query(
        "SELECT c.id, t.site, t.page, c.author, c.email, p.author AS parent_author, c.depth, \
         c.status, c.body_raw, c.body_html FROM comments c JOIN threads t ON t.id = c.thread_id \
         LEFT JOIN comments p ON p.id = c.parent_id ORDER BY c.author",
    )
    .load(conn)
    .unwrap()
}

fn count(conn: &mut DbConn, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .unwrap()
        .n
}

#[test]
fn replies_find_their_parent_wherever_it_is_in_the_file() {
    on_both(|conn| {
        let records = [
            thread("1", "https://blog.example.fr/2019/bonjour/?p=1"),
            // A reply before its parent, a reply to a reply, a reply whose parent was
            // deleted at the source.
            c("3", "1", Some("2")),
            c("2", "1", None),
            c("4", "1", Some("3")),
            c("5", "1", Some("99")),
        ];
        let summary = run(conn, &wordpress(), &records);
        assert_eq!(summary.added(), 4);
        assert_eq!(summary.orphans, 1);
        assert_eq!(summary.threads_created, 1);
        let rows = rows(conn);
        let by = |a: &str| rows.iter().find(|r| r.author == a).unwrap();
        assert_eq!(by("Auteur 2").parent_author, None);
        assert_eq!(by("Auteur 3").parent_author.as_deref(), Some("Auteur 2"));
        assert_eq!(by("Auteur 4").parent_author.as_deref(), Some("Auteur 3"));
        assert_eq!(by("Auteur 4").depth, 2);
        assert_eq!(by("Auteur 5").parent_author, None);
        // The page is the URL's path; its host chose the site.
        assert!(rows
            .iter()
            .all(|r| r.page == "/2019/bonjour" && r.site == "blog"));
        // Sanitized by the whitelist, the source text kept raw; emails normalized.
        let two = by("Auteur 2");
        assert!(two.body_raw.contains("<script>"));
        assert!(!two.body_html.contains("<script"), "{}", two.body_html);
        assert!(two.body_html.contains("Texte 2"));
        assert_eq!(two.email, "auteur.2@example.org");
    });
}

#[test]
fn importing_again_adds_nothing_and_a_longer_export_only_what_is_new() {
    on_both(|conn| {
        let first = vec![
            thread("1", "https://blog.example.fr/a"),
            c("1", "1", None),
            c("2", "1", Some("1")),
        ];
        assert_eq!(run(conn, &wordpress(), &first).added(), 2);
        let again = run(conn, &wordpress(), &first);
        assert_eq!(again.added(), 0);
        assert_eq!(again.already_imported, 2);
        assert_eq!(again.threads_created, 0);
        let mut longer = first.clone();
        // A reply to a comment of the first run.
        longer.push(c("3", "1", Some("2")));
        let more = run(conn, &wordpress(), &longer);
        assert_eq!((more.added(), more.already_imported), (1, 2));
        assert_eq!(count(conn, "comments"), 3);
        let rows = rows(conn);
        let three = rows.iter().find(|r| r.author == "Auteur 3").unwrap();
        assert_eq!(three.parent_author.as_deref(), Some("Auteur 2"));
        // The same ids from another format are other comments.
        assert_eq!(run(conn, &Options::new(Format::Disqus), &first).added(), 2);
    });
}

#[test]
fn a_broken_file_writes_nothing_and_says_where() {
    on_both(|conn| {
        let records = [
            thread("1", "https://blog.example.fr/a"),
            c("1", "1", None),
            c("2", "1", None),
            Record::Broken(42),
        ];
        let err = import::run(
            conn,
            &sites(),
            &wordpress(),
            |s| push(&records, s),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "line 42: unexpected end of file");
        assert_eq!(count(conn, "comments"), 0);
        assert_eq!(count(conn, "threads"), 0);
        assert_eq!(count(conn, "comment_sources"), 0);
    });
}

#[test]
fn a_dry_run_prints_the_same_summary_and_writes_nothing() {
    on_both(|conn| {
        let records = [
            thread("1", "https://blog.example.fr/a"),
            c("1", "1", None),
            c("2", "1", Some("1")),
        ];
        let mut dry = wordpress();
        dry.dry_run = true;
        let would = run(conn, &dry, &records);
        assert_eq!(count(conn, "comments"), 0);
        assert_eq!(count(conn, "threads"), 0);
        let did = run(conn, &wordpress(), &records);
        assert_eq!(
            Summary {
                dry_run: false,
                ..would.clone()
            },
            did
        );
        assert!(would.render().contains("dry run: nothing was written"));
    });
}

#[test]
fn the_site_is_the_option_else_the_urls_host_else_the_first() {
    on_both(|conn| {
        let records = [
            thread("1", "https://notes.example.org/x"),
            thread("2", "https://elsewhere.example.com/y"),
            thread("3", "http://old.example.net/blog/z"),
            c("1", "1", None),
            c("2", "2", None),
            c("3", "3", None),
        ];
        let mut options = wordpress();
        options.maps =
            vec![
                import::parse_map("http://old.example.net/blog/=https://notes.example.org/")
                    .unwrap(),
            ];
        let summary = run(conn, &options, &records);
        assert_eq!(summary.sites.get("notes"), Some(&2));
        assert_eq!(summary.sites.get("blog"), Some(&1));
        let placed: Vec<(String, String)> =
            rows(conn).into_iter().map(|r| (r.site, r.page)).collect();
        assert_eq!(
            placed,
            [
                ("notes".to_owned(), "/x".to_owned()),
                ("blog".to_owned(), "/y".to_owned()),
                ("notes".to_owned(), "/z".to_owned()),
            ]
        );
        // `--site` wins over the host.
        let mut forced = Options::new(Format::Disqus);
        forced.site = Some("blog".into());
        run(conn, &forced, &records[..4]);
        let on_blog: i64 = rows(conn).iter().filter(|r| r.site == "blog").count() as i64;
        assert_eq!(on_blog, 2);
        // An unknown site is refused before anything is read.
        let mut unknown = wordpress();
        unknown.site = Some("nope".into());
        let err =
            import::run(conn, &sites(), &unknown, |s| push(&records, s), &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--site nope: there is no such site (sites: blog, notes)"
        );
    });
}

#[test]
fn what_is_left_out_is_counted_with_its_reason() {
    on_both(|conn| {
        let mut ping = comment("p", "1", None);
        ping.kind = Kind::Pingback;
        let mut empty = comment("e", "1", None);
        empty.text = "  \n".into();
        let records = [
            thread("1", "https://blog.example.fr/a"),
            thread("2", "not a page"),
            Record::Comment(ping.clone()),
            Record::Comment(empty),
            c("1", "1", None),
            c("2", "2", None),
            c("3", "missing", None),
            // The reply of a pingback left out stays, on its own.
            c("4", "1", Some("p")),
        ];
        let summary = run(conn, &wordpress(), &records);
        assert_eq!(summary.added(), 2);
        assert_eq!(summary.orphans, 1);
        let skipped: Vec<(String, u64)> = summary.skipped.clone().into_iter().collect();
        assert_eq!(
            skipped,
            [
                (
                    "comments of a page whose address is not usable (not a page)".to_owned(),
                    1
                ),
                ("comments whose thread is not in the file".to_owned(), 1),
                ("comments without text".to_owned(), 1),
                (
                    "pingbacks or trackbacks (--with-pingbacks keeps them)".to_owned(),
                    1
                ),
            ]
        );
        let mut with = wordpress();
        with.with_pingbacks = true;
        assert_eq!(
            run(
                conn,
                &with,
                &[
                    thread("1", "https://blog.example.fr/a"),
                    Record::Comment(ping)
                ]
            )
            .added(),
            1
        );
    });
}

#[test]
fn statuses_markdown_and_fields_are_kept() {
    on_both(|conn| {
        let mut md = comment("1", "1", None);
        md.markup = Markup::Markdown;
        md.text = "Un **gras** et [un lien](https://example.org)".into();
        md.status = Status::Pending;
        md.ip = Some("203.0.113.9".into());
        md.website = Some("javascript:alert(1)".into());
        md.email = Some("pas une adresse".into());
        let mut spam = comment("2", "1", None);
        spam.status = Status::Spam;
        spam.author = "   ".into();
        // A hand-edited Causerie export cannot slip script past the whitelist.
        let mut edited = comment("4", "1", None);
        edited.html = Some("<p>Déjà <em>rendu</em></p><script>alert(1)</script>".into());
        let mut gone = comment("3", "1", None);
        gone.status = Status::Deleted;
        gone.moderator = true;
        let records = [
            thread("1", "https://blog.example.fr/a"),
            Record::Comment(md),
            Record::Comment(spam),
            Record::Comment(gone),
            Record::Comment(edited),
        ];
        let summary = run(conn, &wordpress(), &records);
        assert_eq!(
            summary.comments.clone().into_iter().collect::<Vec<_>>(),
            [("approved", 1), ("deleted", 1), ("pending", 1), ("spam", 1)]
        );
        let rows = rows(conn);
        let edited = rows.iter().find(|r| r.author == "Auteur 4").unwrap();
        assert_eq!(edited.body_html, "<p>Déjà <em>rendu</em></p>");
        let md = rows
            .iter()
            .find(|r| r.body_raw.contains("**gras**"))
            .unwrap();
        assert!(
            md.body_html.contains("<strong>gras</strong>"),
            "{}",
            md.body_html
        );
        assert!(
            md.body_html.contains("href=\"https://example.org\""),
            "{}",
            md.body_html
        );
        assert_eq!(md.email, "", "not an address: dropped");
        assert!(rows
            .iter()
            .any(|r| r.author == "Anonymous" && r.status == "spam"));
        #[derive(QueryableByName)]
        struct Extra {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            ip: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            website: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            moderator: bool,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            edit: bool,
        }
        let extra: Vec<Extra> = diesel::sql_query(
            "SELECT ip, website, moderator, edit_token_hash IS NOT NULL AS edit FROM comments ORDER BY id",
        )
        .load(conn)
        .unwrap();
        assert_eq!(extra[0].ip.as_deref(), Some("203.0.113.0/24"));
        assert_eq!(extra[0].website, None);
        assert!(!extra[0].moderator && extra[2].moderator);
        assert!(extra.iter().all(|e| !e.edit), "nobody holds an edit token");
        // No email goes out for an import.
        assert_eq!(count(conn, "outbox"), 0);
    });
}

#[test]
fn a_causerie_import_into_an_empty_database_keeps_ids() {
    on_both(|conn| {
        let mut t = thread("7", "/a");
        if let Record::Thread(t) = &mut t {
            t.id = Some(7);
            t.site = Some("notes".into());
        }
        let mut one = comment("40", "7", None);
        one.keep_id = Some(40);
        let mut two = comment("41", "7", Some("40"));
        two.keep_id = Some(41);
        let records = [t, Record::Comment(one), Record::Comment(two)];
        let options = Options::new(Format::Causerie);
        let summary = run(conn, &options, &records);
        assert!(summary.kept_ids);
        let ids: Vec<(i64, String)> = rows(conn).into_iter().map(|r| (r.id, r.site)).collect();
        assert_eq!(ids, [(40, "notes".to_owned()), (41, "notes".to_owned())]);
        // The next comment gets an id past them, on PostgreSQL too.
        let records = [thread("8", "https://blog.example.fr/b"), c("x", "8", None)];
        run(conn, &wordpress(), &records);
        let last = rows(conn).into_iter().map(|r| r.id).max().unwrap();
        assert!(last > 41, "{last}");
        // Into a database with comments, ids are new and parents mapped.
        let mut again = Options::new(Format::Causerie);
        again.site = Some("blog".into());
        let more = run(conn, &again, &records_with_ids());
        assert!(!more.kept_ids);
        let rows = rows(conn);
        let reply = rows
            .iter()
            .filter(|r| r.site == "blog" && r.page == "/a")
            .find(|r| r.author == "Auteur 41")
            .unwrap();
        assert_ne!(reply.id, 41);
        assert_eq!(reply.parent_author.as_deref(), Some("Auteur 40"));
    });
}

/// One text column (`v`) of every row of `query`.
fn texts(conn: &mut DbConn, query: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(query)
        .load::<V>(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.v)
        .collect()
}

#[test]
fn a_causerie_import_keeps_a_moderators_title_and_a_held_comments_proposed_one() {
    on_both(|conn| {
        // A thread a moderator named, and one no published comment has named yet,
        // whose held comment proposes a title.
        let mut named = thread("7", "/nommee");
        let mut untitled = thread("8", "/sans-titre");
        if let (Record::Thread(a), Record::Thread(b)) = (&mut named, &mut untitled) {
            a.title = Some("Nommée par la modération".into());
            a.title_locked = true;
            b.title = Some(String::new());
        }
        let mut held = comment("50", "8", None);
        held.status = Status::Pending;
        held.page_title = Some("  Titre\nproposé  ".into());
        let records = [named, untitled, c("49", "7", None), Record::Comment(held)];
        run(conn, &Options::new(Format::Causerie), &records);
        assert_eq!(
            texts(
                conn,
                "SELECT page || '|' || title || '|' || CAST(title_locked AS TEXT) AS v \
                 FROM threads ORDER BY page"
            ),
            texts(
                conn,
                "SELECT '/nommee|Nommée par la modération|' || CAST(true AS TEXT) AS v \
                 UNION ALL SELECT '/sans-titre||' || CAST(false AS TEXT)"
            ),
        );
        assert_eq!(
            texts(
                conn,
                "SELECT page_title AS v FROM comments WHERE page_title IS NOT NULL"
            ),
            ["Titre proposé"],
            "kept, trimmed, on one line"
        );
        // Approved later, the held comment names its thread.
        let id: i64 = causerie::db::schema::comments::table
            .filter(causerie::db::schema::comments::page_title.is_not_null())
            .select(causerie::db::schema::comments::id)
            .first(conn)
            .unwrap();
        causerie::db::queries::comments::set_status(conn, id, Status::Approved).unwrap();
        assert_eq!(
            texts(
                conn,
                "SELECT title AS v FROM threads WHERE page = '/sans-titre'"
            ),
            ["Titre proposé"]
        );
    });
}

fn records_with_ids() -> Vec<Record> {
    let mut one = comment("40", "7", None);
    one.keep_id = Some(40);
    let mut two = comment("41", "7", Some("40"));
    two.keep_id = Some(41);
    vec![
        thread("7", "/a"),
        Record::Comment(one),
        Record::Comment(two),
    ]
}
