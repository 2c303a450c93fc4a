//! `causerie export` through its library functions: what the `causerie` and
//! `wordpress` files hold, the `--site` choice, gzip, the parser reading our own
//! export back, and the snapshot an export sees while another connection writes.
//! (The database round trip through the import engine is tested with the engine.)

mod common;

use std::io::{Read, Write};

use causerie::config::{Config, Settings, Sites};
use causerie::db::models::NewCommentRow;
use causerie::db::queries::{comments, threads, unsubscribed};
use causerie::db::schema::comments as comments_table;
use causerie::db::{self, DbConn};
use causerie::domain::{HoldReason, Status};
use causerie::export::{export, export_to_path, ExportFormat, ExportSummary};
use causerie::import::{causerie as parser, Collect, Markup, SourceComment, SourceThread};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use common::postgres::{server_or_skip, TestDatabase};

/// 2026-11-30T08:00:00Z: every time below is counted from it.
const T0: i64 = 1_796_025_600;

fn sites() -> Sites {
    let settings = Settings {
        sites: vec![
            json!({"id": "blog", "name": "Mon blog", "origins": ["https://blog.example.fr"],
                   "lang": "fr"}),
            json!({"id": "notes", "origins": ["https://notes.example.fr"]}),
        ],
        ..Settings::default()
    };
    Config::from_settings(settings).unwrap().sites
}

/// The ids of what `fill` wrote.
#[derive(Debug, Clone, Copy)]
struct Ids {
    /// blog `/2026/bonjour`, open.
    hello: i64,
    /// blog `/2026/fermé`, closed.
    closed: i64,
    /// notes `/x`.
    note: i64,
    /// On `hello`: approved; its reply (by a moderator); the reply's reply (spam).
    camille: i64,
    reply: i64,
    spam: i64,
    /// On `closed`: pending; its reply, deleted.
    pending: i64,
    deleted: i64,
    /// On `note`.
    unicode: i64,
}

#[allow(clippy::too_many_arguments)]
fn add_comment(
    conn: &mut DbConn,
    thread_id: i64,
    parent: Option<(i64, i32)>,
    author: &str,
    email: &str,
    website: Option<&str>,
    body_raw: &str,
    status: Status,
    hold_reason: Option<&HoldReason>,
    ip: Option<&str>,
    moderator: bool,
    created_at: i64,
) -> i64 {
    let body_html = causerie::sanitize::sanitize(body_raw);
    comments::insert(
        conn,
        &NewCommentRow {
            thread_id,
            parent_id: parent.map(|p| p.0),
            depth: parent.map_or(0, |p| p.1 + 1),
            author,
            email,
            website,
            body_raw,
            body_html: &body_html,
            status,
            hold_reason,
            moderator,
            notify_replies: author == "Camille Dupont",
            ip,
            edit_token_hash: Some("secret-hash-never-exported"),
            created_at,
            // A held comment proposes a title (below); the others sent none.
            page_title: (status == Status::Pending).then_some("Titre proposé"),
        },
    )
    .unwrap()
    .id
}

fn fill(conn: &mut DbConn) -> Ids {
    let hello = threads::find_or_create(conn, "blog", "/2026/bonjour", "Bonjour, ça va ?", T0)
        .unwrap()
        .id;
    let closed = threads::find_or_create(conn, "blog", "/2026/fermé", "Fermé <b>tôt</b>", T0 + 60)
        .unwrap()
        .id;
    threads::set_closed(conn, "blog", "/2026/fermé", true).unwrap();
    // A moderator named this one: the lock travels with the title.
    threads::rename(conn, closed, "Fermé <b>tôt</b>").unwrap();
    let note = threads::find_or_create(conn, "notes", "/x", "", T0 + 120)
        .unwrap()
        .id;

    let camille = add_comment(
        conn,
        hello,
        None,
        "Camille Dupont",
        "camille@example.fr",
        Some("https://camille.example/?a=1&b=2"),
        "Très bien ! <b>merci</b>",
        Status::Approved,
        None,
        Some("192.0.2.0/24"),
        false,
        T0 + 300,
    );
    diesel::update(comments_table::table.find(camille))
        .set(comments_table::edited_at.eq(Some(T0 + 450)))
        .execute(conn)
        .unwrap();
    let reply = add_comment(
        conn,
        hello,
        Some((camille, 0)),
        "Hélène ]]> Admin",
        "admin@example.fr",
        None,
        "a ]]> b & <i>c</i>",
        Status::Approved,
        None,
        None,
        true,
        T0 + 600,
    );
    let spam = add_comment(
        conn,
        hello,
        Some((reply, 1)),
        "Spammeur",
        "spam@example.com",
        Some("http://casino.example"),
        "<script>alert(1)</script>casino",
        Status::Spam,
        Some(&HoldReason::DisallowedWord("casino".into())),
        Some("2001:db8:1::/48"),
        false,
        T0 + 660,
    );
    let pending = add_comment(
        conn,
        closed,
        None,
        "Zoé",
        "",
        None,
        "En attente",
        Status::Pending,
        Some(&HoldReason::FirstTime),
        None,
        false,
        T0 + 5400,
    );
    let deleted = add_comment(
        conn,
        closed,
        Some((pending, 0)),
        "Effacé",
        "efface@example.fr",
        None,
        "supprimé",
        Status::Deleted,
        None,
        None,
        false,
        T0 + 7200,
    );
    let unicode = add_comment(
        conn,
        note,
        None,
        "Ünïcödé 😀",
        "u@example.fr",
        None,
        "ligne 1\nligne 2 « cité » &#8217; 😀",
        Status::Approved,
        None,
        None,
        false,
        T0 + 14_400,
    );
    unsubscribed::add(conn, "ancien@example.fr", Some(hello), T0 + 86_400).unwrap();
    unsubscribed::add(conn, "zoe@example.fr", None, T0 + 2 * 86_400).unwrap();
    unsubscribed::add(conn, "note@example.fr", Some(note), T0 + 3 * 86_400).unwrap();
    Ids {
        hello,
        closed,
        note,
        camille,
        reply,
        spam,
        pending,
        deleted,
        unicode,
    }
}

/// A migrated SQLite database in WAL mode (as the server leaves it), filled.
fn database() -> (tempfile::TempDir, String, DbConn, Ids) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("causerie.db").display());
    let mut conn = db::establish(&url).unwrap();
    conn.batch_execute("PRAGMA journal_mode = WAL;").unwrap();
    db::migrate(&mut conn).unwrap();
    let ids = fill(&mut conn);
    (dir, url, conn, ids)
}

fn export_bytes(
    conn: &mut DbConn,
    site: Option<&str>,
    format: ExportFormat,
) -> (Vec<u8>, ExportSummary) {
    let mut out = Vec::new();
    let summary = export(conn, &sites(), site, format, &mut out).unwrap();
    (out, summary)
}

fn export_json(conn: &mut DbConn, site: Option<&str>) -> (Value, ExportSummary) {
    let (out, summary) = export_bytes(conn, site, ExportFormat::Causerie);
    let text = String::from_utf8(out).expect("UTF-8");
    (
        serde_json::from_str(&text).expect("one JSON document"),
        summary,
    )
}

fn time(offset: i64) -> String {
    causerie::comments::rfc3339(T0 + offset)
}

fn expected_threads(ids: Ids) -> [Value; 3] {
    [
        json!({"id": ids.hello, "site": "blog", "page": "/2026/bonjour",
               "title": "Bonjour, ça va ?", "closed": false, "created_at": time(0)}),
        json!({"id": ids.closed, "site": "blog", "page": "/2026/fermé",
               "title": "Fermé <b>tôt</b>", "title_locked": true, "closed": true,
               "created_at": time(60)}),
        json!({"id": ids.note, "site": "notes", "page": "/x", "title": "", "closed": false,
               "created_at": time(120)}),
    ]
}

fn expected_comments(ids: Ids) -> [Value; 6] {
    let html = causerie::sanitize::sanitize;
    [
        json!({"id": ids.camille, "thread": ids.hello, "parent": null, "depth": 0,
               "author": "Camille Dupont", "email": "camille@example.fr",
               "website": "https://camille.example/?a=1&b=2",
               "body_raw": "Très bien ! <b>merci</b>", "body_html": html("Très bien ! <b>merci</b>"),
               "status": "approved", "hold_reason": null, "moderator": false,
               "notify_replies": true, "ip": "192.0.2.0/24", "created_at": time(300),
               "edited_at": time(450)}),
        json!({"id": ids.reply, "thread": ids.hello, "parent": ids.camille, "depth": 1,
               "author": "Hélène ]]> Admin", "email": "admin@example.fr", "website": null,
               "body_raw": "a ]]> b & <i>c</i>", "body_html": html("a ]]> b & <i>c</i>"),
               "status": "approved", "hold_reason": null, "moderator": true,
               "notify_replies": false, "ip": null, "created_at": time(600),
               "edited_at": null}),
        json!({"id": ids.spam, "thread": ids.hello, "parent": ids.reply, "depth": 2,
               "author": "Spammeur", "email": "spam@example.com",
               "website": "http://casino.example",
               "body_raw": "<script>alert(1)</script>casino",
               "body_html": html("<script>alert(1)</script>casino"),
               "status": "spam", "hold_reason": "disallowed_word:casino", "moderator": false,
               "notify_replies": false, "ip": "2001:db8:1::/48", "created_at": time(660),
               "edited_at": null}),
        json!({"id": ids.pending, "thread": ids.closed, "parent": null, "depth": 0,
               "author": "Zoé", "email": null, "website": null,
               "body_raw": "En attente", "body_html": html("En attente"),
               "status": "pending", "hold_reason": "first_time", "moderator": false,
               "notify_replies": false, "ip": null, "created_at": time(5400),
               "edited_at": null, "page_title": "Titre proposé"}),
        json!({"id": ids.deleted, "thread": ids.closed, "parent": ids.pending, "depth": 1,
               "author": "Effacé", "email": "efface@example.fr", "website": null,
               "body_raw": "supprimé", "body_html": html("supprimé"),
               "status": "deleted", "hold_reason": null, "moderator": false,
               "notify_replies": false, "ip": null, "created_at": time(7200),
               "edited_at": null}),
        json!({"id": ids.unicode, "thread": ids.note, "parent": null, "depth": 0,
               "author": "Ünïcödé 😀", "email": "u@example.fr", "website": null,
               "body_raw": "ligne 1\nligne 2 « cité » &#8217; 😀",
               "body_html": html("ligne 1\nligne 2 « cité » &#8217; 😀"),
               "status": "approved", "hold_reason": null, "moderator": false,
               "notify_replies": false, "ip": null, "created_at": time(14_400),
               "edited_at": null}),
    ]
}

#[test]
fn the_causerie_export_holds_exactly_the_rows_of_every_site() {
    let (_dir, _url, mut conn, ids) = database();
    let (doc, summary) = export_json(&mut conn, None);

    assert_eq!(doc["format"], "causerie-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["generator"],
        format!("causerie {}", env!("CARGO_PKG_VERSION"))
    );
    let at = doc["exported_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == 20, "{at}");
    assert_eq!(
        doc["sites"],
        json!([
            {"id": "blog", "name": "Mon blog", "origins": ["https://blog.example.fr"]},
            {"id": "notes", "name": "notes", "origins": ["https://notes.example.fr"]},
        ])
    );
    assert_eq!(doc["threads"], json!(expected_threads(ids)));
    assert_eq!(doc["comments"], json!(expected_comments(ids)));
    assert_eq!(
        doc["unsubscribed"],
        json!([
            {"email": "ancien@example.fr", "thread": ids.hello, "created_at": time(86_400)},
            {"email": "zoe@example.fr", "thread": null, "created_at": time(2 * 86_400)},
            {"email": "note@example.fr", "thread": ids.note, "created_at": time(3 * 86_400)},
        ])
    );
    assert_eq!(
        summary,
        ExportSummary {
            sites: 2,
            threads: 3,
            comments: 6,
            unsubscribed: 3,
            reports: 0
        }
    );
}

#[test]
fn the_causerie_export_writes_one_record_a_line_and_no_secret() {
    let (_dir, _url, mut conn, _ids) = database();
    let (out, _) = export_bytes(&mut conn, None, ExportFormat::Causerie);
    let text = String::from_utf8(out).unwrap();
    // Header, 5 array openings, 5 closings, 2 sites, 3 threads, 6 comments, 3
    // unsubscriptions, no report.
    assert_eq!(text.lines().count(), 1 + 5 + 5 + 2 + 3 + 6 + 3, "{text}");
    assert!(text
        .lines()
        .filter(|l| l.starts_with("{\"id\":") && l.contains("\"body_raw\""))
        .all(|l| serde_json::from_str::<Value>(l.trim_end_matches(',')).is_ok()));
    assert!(
        !text.contains("secret-hash"),
        "the edit token's hash is exported"
    );
    assert!(!text.contains("edit_token"));
}

#[test]
fn an_export_of_one_site_holds_only_its_rows() {
    let (_dir, _url, mut conn, ids) = database();
    let (doc, summary) = export_json(&mut conn, Some("notes"));
    assert_eq!(
        doc["sites"],
        json!([{"id": "notes", "name": "notes", "origins": ["https://notes.example.fr"]}])
    );
    assert_eq!(doc["threads"], json!([expected_threads(ids)[2]]));
    assert_eq!(doc["comments"], json!([expected_comments(ids)[5]]));
    // Its own, and those from every thread (which are from its threads too).
    assert_eq!(
        doc["unsubscribed"],
        json!([
            {"email": "zoe@example.fr", "thread": null, "created_at": time(2 * 86_400)},
            {"email": "note@example.fr", "thread": ids.note, "created_at": time(3 * 86_400)},
        ])
    );
    assert_eq!((summary.threads, summary.comments), (1, 1));

    let (doc, _) = export_json(&mut conn, Some("blog"));
    let comments = doc["comments"].as_array().unwrap();
    assert_eq!(comments, &expected_comments(ids)[..5]);
}

#[test]
fn an_unknown_site_is_an_error_that_names_it_and_writes_no_file() {
    let (dir, _url, mut conn, _ids) = database();
    let mut out = Vec::new();
    let e = export(
        &mut conn,
        &sites(),
        Some("shop"),
        ExportFormat::Causerie,
        &mut out,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`shop`") && e.contains("`blog`"), "{e}");

    let path = dir.path().join("out.json");
    assert!(export_to_path(
        &mut conn,
        &sites(),
        Some("shop"),
        ExportFormat::Causerie,
        Some(&path)
    )
    .is_err());
    assert!(!path.exists());
    assert!(!dir.path().join("out.json.part").exists());
}

#[test]
fn a_site_gone_from_the_configuration_is_still_exported() {
    let (_dir, _url, mut conn, _ids) = database();
    threads::find_or_create(&mut conn, "old", "/ancien", "Ancien", T0).unwrap();
    let (doc, _) = export_json(&mut conn, None);
    let ids: Vec<&str> = doc["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["blog", "notes", "old"]);
    assert_eq!(
        doc["sites"][2],
        json!({"id": "old", "name": "old", "origins": []})
    );

    let (doc, _) = export_json(&mut conn, Some("old"));
    assert_eq!(doc["threads"][0]["page"], "/ancien");
}

#[test]
fn our_parser_reads_our_export_back_field_for_field() {
    let (_dir, _url, mut conn, ids) = database();
    let (out, _) = export_bytes(&mut conn, None, ExportFormat::Causerie);
    let mut got = Collect::default();
    parser::read(out.as_slice(), &mut got).unwrap();

    let threads: Vec<_> = got
        .threads
        .iter()
        .map(|t| {
            let SourceThread {
                key,
                url,
                title,
                title_locked,
                closed,
                id,
                site,
                created_at,
                position: _,
            } = t.clone();
            (key, url, title, title_locked, closed, id, site, created_at)
        })
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        threads,
        [
            (
                ids.hello.to_string(),
                s("/2026/bonjour"),
                Some(s("Bonjour, ça va ?")),
                false,
                false,
                Some(ids.hello),
                Some(s("blog")),
                Some(T0)
            ),
            (
                ids.closed.to_string(),
                s("/2026/fermé"),
                Some(s("Fermé <b>tôt</b>")),
                true,
                true,
                Some(ids.closed),
                Some(s("blog")),
                Some(T0 + 60)
            ),
            (
                ids.note.to_string(),
                s("/x"),
                Some(s("")),
                false,
                false,
                Some(ids.note),
                Some(s("notes")),
                Some(T0 + 120)
            ),
        ]
    );

    // Every comment as the database holds it.
    let rows: Vec<causerie::db::models::Comment> = comments_table::table
        .order(comments_table::id)
        .select(causerie::db::models::Comment::as_select())
        .load(&mut conn)
        .unwrap();
    assert_eq!(got.comments.len(), rows.len());
    for (c, row) in got.comments.iter().zip(&rows) {
        let SourceComment {
            id,
            thread,
            parent,
            author,
            email,
            website,
            text,
            markup,
            created_at,
            status,
            ip,
            moderator,
            kind: _,
            notify_replies,
            edited_at,
            keep_id,
            hold_reason,
            html,
            also_from,
            page_title,
            erased_at,
            position: _,
        } = c.clone();
        assert_eq!(erased_at, row.erased_at);
        assert_eq!(page_title, row.page_title);
        assert_eq!(html.as_deref(), Some(row.body_html.as_str()));
        assert!(also_from.is_empty(), "none of these was imported");
        assert_eq!(id, row.id.to_string());
        assert_eq!(keep_id, Some(row.id));
        assert_eq!(thread, row.thread_id.to_string());
        assert_eq!(parent, row.parent_id.map(|p| p.to_string()));
        assert_eq!(author, row.author);
        assert_eq!(email.unwrap_or_default(), row.email);
        assert_eq!(website, row.website);
        assert_eq!(text, row.body_raw);
        assert_eq!(markup, Markup::Html);
        assert_eq!(created_at, row.created_at);
        assert_eq!(status, row.status);
        assert_eq!(ip, row.ip);
        assert_eq!(moderator, row.moderator);
        assert_eq!(notify_replies, row.notify_replies);
        assert_eq!(edited_at, row.edited_at);
        assert_eq!(hold_reason, row.hold_reason.as_ref().map(HoldReason::code));
    }
    assert_eq!(got.comments[0].edited_at, Some(T0 + 450));
}

#[test]
fn a_file_whose_name_ends_in_gz_is_gzipped_and_appears_whole() {
    let (dir, _url, mut conn, _ids) = database();
    let gz = dir.path().join("export.json.gz");
    let plain = dir.path().join("export.json");
    let s1 = export_to_path(&mut conn, &sites(), None, ExportFormat::Causerie, Some(&gz)).unwrap();
    let s2 = export_to_path(
        &mut conn,
        &sites(),
        None,
        ExportFormat::Causerie,
        Some(&plain),
    )
    .unwrap();
    assert_eq!(s1, s2);

    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip's magic bytes");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut unzipped)
        .unwrap();
    let plain_text = std::fs::read_to_string(&plain).unwrap();
    assert!(plain_text.starts_with("{\"format\":\"causerie-export\""));
    let mut a: Value = serde_json::from_str(&unzipped).unwrap();
    let mut b: Value = serde_json::from_str(&plain_text).unwrap();
    a["exported_at"] = Value::Null;
    b["exported_at"] = Value::Null;
    assert_eq!(a, b);
    assert!(!dir.path().join("export.json.gz.part").exists());

    // And the import reads it, gzipped, by its bytes.
    let mut got = Collect::default();
    parser::read(
        causerie::import::source::open_maybe_gzipped(&gz).unwrap(),
        &mut got,
    )
    .unwrap();
    assert_eq!(got.comments.len(), 6);
}

/// An element of the WXR file: its text (CDATA and references joined) and children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> &Element {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no <{name}> in <{}>", self.name))
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn get(&self, name: &str) -> &str {
        &self.child(name).text
    }
}

/// Parses `xml` with quick-xml, failing on anything not well-formed.
fn parse_xml(xml: &str) -> Element {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.error_position()))
        {
            Event::Start(s) => stack.push(Element {
                name: s.name().as_ref().to_owned(),
                ..Element::default()
            }),
            Event::Empty(s) => stack.last_mut().unwrap().children.push(Element {
                name: s.name().as_ref().to_owned(),
                ..Element::default()
            }),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::CData(c) => stack.last_mut().unwrap().text.push_str(&c),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .unwrap_or_else(|| panic!("unknown entity &{};", &*r))
                        .to_owned(),
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

#[test]
fn the_wordpress_export_is_wxr_with_every_comment_of_the_site() {
    let (_dir, _url, mut conn, ids) = database();
    let (out, summary) = export_bytes(&mut conn, Some("blog"), ExportFormat::Wordpress);
    let xml = String::from_utf8(out).unwrap();
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!-- This is a WordPress eXtended RSS file"
    ));
    assert!(xml.contains("xmlns:wp=\"http://wordpress.org/export/1.2/\""));
    assert!(xml.contains("xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\""));
    // `]]>` inside CDATA is split as WordPress's wxr_cdata splits it.
    assert!(
        xml.contains(
            "<wp:comment_author><![CDATA[Hélène ]]]]><![CDATA[> Admin]]></wp:comment_author>"
        ),
        "{xml}"
    );
    assert!(
        !xml.contains("<script>"),
        "raw text would be markup in WordPress"
    );

    let rss = parse_xml(&xml);
    assert_eq!(rss.name, "rss");
    let channel = rss.child("channel");
    assert_eq!(channel.get("title"), "Mon blog");
    assert_eq!(channel.get("link"), "https://blog.example.fr");
    assert_eq!(channel.get("language"), "fr");
    assert_eq!(channel.get("wp:wxr_version"), "1.2");
    assert_eq!(channel.get("wp:base_site_url"), "https://blog.example.fr");
    assert_eq!(channel.get("wp:base_blog_url"), "https://blog.example.fr");
    assert!(channel.get("pubDate").ends_with(" +0000"));

    let items: Vec<&Element> = channel.all("item").collect();
    assert_eq!(items.len(), 2, "the blog's two threads, not the notes'");
    let hello = items[0];
    assert_eq!(hello.get("title"), "Bonjour, ça va ?");
    assert_eq!(hello.get("link"), "https://blog.example.fr/2026/bonjour");
    assert_eq!(hello.get("wp:post_id"), ids.hello.to_string());
    assert_eq!(hello.get("wp:post_date_gmt"), "2026-11-30 08:00:00");
    assert_eq!(hello.get("pubDate"), "Mon, 30 Nov 2026 08:00:00 +0000");
    assert_eq!(hello.get("wp:comment_status"), "open");
    assert_eq!(hello.get("wp:post_name"), "bonjour");
    assert_eq!(hello.get("wp:post_type"), "post");
    assert_eq!(hello.get("wp:status"), "publish");
    let closed = items[1];
    assert_eq!(closed.get("wp:comment_status"), "closed");
    assert_eq!(
        closed.get("link"),
        "https://blog.example.fr/2026/ferm%C3%A9"
    );
    assert_eq!(closed.get("title"), "Fermé <b>tôt</b>");

    let comments: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .flat_map(|i| i.all("wp:comment"))
        .map(|c| {
            (
                c.get("wp:comment_id"),
                c.get("wp:comment_approved"),
                c.get("wp:comment_parent"),
                c.get("wp:comment_author"),
            )
        })
        .collect();
    let (camille, reply, spam, pending, deleted) = (
        ids.camille.to_string(),
        ids.reply.to_string(),
        ids.spam.to_string(),
        ids.pending.to_string(),
        ids.deleted.to_string(),
    );
    assert_eq!(
        comments,
        [
            (camille.as_str(), "1", "0", "Camille Dupont"),
            (reply.as_str(), "1", camille.as_str(), "Hélène ]]> Admin"),
            (spam.as_str(), "spam", reply.as_str(), "Spammeur"),
            (pending.as_str(), "0", "0", "Zoé"),
            (deleted.as_str(), "trash", pending.as_str(), "Effacé"),
        ]
    );
    let first = hello.all("wp:comment").next().unwrap();
    assert_eq!(first.get("wp:comment_author_email"), "camille@example.fr");
    assert_eq!(
        first.get("wp:comment_author_url"),
        "https://camille.example/?a=1&b=2"
    );
    assert_eq!(first.get("wp:comment_author_IP"), "192.0.2.0");
    assert_eq!(first.get("wp:comment_date"), "2026-11-30 08:05:00");
    assert_eq!(first.get("wp:comment_date_gmt"), "2026-11-30 08:05:00");
    assert_eq!(first.get("wp:comment_type"), "comment");
    assert_eq!(first.get("wp:comment_user_id"), "0");
    // In the form WordPress stores comments: no <p>, which it adds as it shows them.
    assert_eq!(first.get("wp:comment_content"), "Très bien ! <b>merci</b>");
    let spam = hello.all("wp:comment").nth(2).unwrap();
    assert_eq!(spam.get("wp:comment_author_IP"), "2001:db8:1::");
    assert_eq!(
        spam.get("wp:comment_content"),
        "casino",
        "no script, no <p>"
    );
    assert_eq!(
        spam.get("wp:comment_content"),
        causerie::export::wordpress::wordpress_text(&causerie::sanitize::sanitize(
            "<script>alert(1)</script>casino"
        ))
    );
    let reply = hello.all("wp:comment").nth(1).unwrap();
    assert_eq!(
        reply.get("wp:comment_content"),
        causerie::export::wordpress::wordpress_text(&causerie::sanitize::sanitize(
            "a ]]> b & <i>c</i>"
        ))
    );
    assert_eq!(
        (summary.threads, summary.comments, summary.unsubscribed),
        (2, 5, 0)
    );
}

#[test]
fn a_wordpress_export_needs_a_site_when_threads_belong_to_several() {
    let (_dir, _url, mut conn, ids) = database();
    let mut out = Vec::new();
    let e = export(&mut conn, &sites(), None, ExportFormat::Wordpress, &mut out)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--site") && e.contains("`blog`") && e.contains("`notes`"),
        "{e}"
    );

    let (out, _) = export_bytes(&mut conn, Some("notes"), ExportFormat::Wordpress);
    let rss = parse_xml(std::str::from_utf8(&out).unwrap());
    let item = rss.child("channel").child("item");
    assert_eq!(item.get("wp:post_id"), ids.note.to_string());
    assert_eq!(item.get("link"), "https://notes.example.fr/x");
    let comment = item.child("wp:comment");
    assert_eq!(
        comment.get("wp:comment_author"),
        "Ünïcödé 😀",
        "non-ASCII kept as UTF-8"
    );
}

/// Takes what the export writes; when it reaches the comments (the threads read,
/// the comments not yet), commits a new thread and a new comment on another
/// connection.
struct WriteMeanwhile {
    out: Vec<u8>,
    other: DbConn,
    thread: i64,
    written: Option<(i64, i64)>,
}

impl Write for WriteMeanwhile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.extend_from_slice(buf);
        if self.written.is_none() && self.out.windows(12).any(|w| w == b"\"comments\":[") {
            let thread = threads::find_or_create(&mut self.other, "blog", "/tard", "Tard", T0)
                .unwrap()
                .id;
            let comment = add_comment(
                &mut self.other,
                self.thread,
                None,
                "Retardataire",
                "tard@example.fr",
                None,
                "arrivé pendant l'export",
                Status::Approved,
                None,
                None,
                false,
                T0 + 99_999,
            );
            self.written = Some((thread, comment));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_snapshot(conn: &mut DbConn, other: DbConn, ids: Ids) {
    let mut out = WriteMeanwhile {
        out: Vec::new(),
        other,
        thread: ids.hello,
        written: None,
    };
    let summary = export(conn, &sites(), None, ExportFormat::Causerie, &mut out).unwrap();
    let (new_thread, new_comment) = out.written.expect("the other connection wrote");
    let doc: Value = serde_json::from_slice(&out.out).unwrap();
    let thread_ids: Vec<i64> = doc["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let comment_ids: Vec<i64> = doc["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(!thread_ids.contains(&new_thread));
    assert!(!comment_ids.contains(&new_comment), "{comment_ids:?}");
    assert_eq!((summary.threads, summary.comments), (3, 6));

    // Committed all the same: the next export has them.
    let (doc, _) = export_json(conn, None);
    assert_eq!(doc["comments"].as_array().unwrap().len(), 7);
    assert_eq!(doc["threads"].as_array().unwrap().len(), 4);
}

#[test]
fn an_export_is_one_snapshot_while_another_connection_writes() {
    let (_dir, url, mut conn, ids) = database();
    let other = db::establish(&url).unwrap();
    assert_snapshot(&mut conn, other, ids);
}

#[test]
fn an_export_is_one_snapshot_on_postgresql_too() {
    let Some(server) = server_or_skip("export snapshot") else {
        return;
    };
    let database = TestDatabase::create(&server);
    let mut conn = db::establish(&database.url).unwrap();
    db::migrate(&mut conn).unwrap();
    let ids = fill(&mut conn);
    let other = db::establish(&database.url).unwrap();
    assert_snapshot(&mut conn, other, ids);

    // The same rows as on SQLite, whatever the backend.
    let (doc, _) = export_json(&mut conn, Some("notes"));
    assert_eq!(doc["comments"], json!([expected_comments(ids)[5]]));
}

#[test]
fn every_row_is_exported_past_the_first_batches() {
    let (_dir, _url, mut conn, ids) = database();
    conn.transaction(|conn| -> QueryResult<()> {
        for n in 0..1_100 {
            add_comment(
                conn,
                ids.hello,
                None,
                &format!("Lecteur {n}"),
                "l@example.fr",
                None,
                "encore",
                Status::Approved,
                None,
                None,
                false,
                T0 + 20_000 + n,
            );
        }
        for n in 0..600 {
            threads::find_or_create(conn, "blog", &format!("/page/{n}"), "Page", T0)?;
        }
        Ok(())
    })
    .unwrap();

    let (doc, summary) = export_json(&mut conn, None);
    assert_eq!((summary.threads, summary.comments), (603, 1_106));
    let comment_ids: Vec<i64> = doc["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(comment_ids.len(), 1_106);
    assert!(
        comment_ids.windows(2).all(|w| w[0] < w[1]),
        "by id, once each"
    );
    assert_eq!(doc["threads"].as_array().unwrap().len(), 603);

    let (out, summary) = export_bytes(&mut conn, Some("blog"), ExportFormat::Wordpress);
    assert_eq!((summary.threads, summary.comments), (602, 1_105));
    let rss = parse_xml(std::str::from_utf8(&out).unwrap());
    let items: Vec<&Element> = rss.child("channel").all("item").collect();
    assert_eq!(items.len(), 602);
    assert_eq!(items[0].all("wp:comment").count(), 3 + 1_100);
}

#[test]
fn an_erased_comment_and_the_reports_are_exported_and_read_back() {
    let (_dir, _url, mut conn, ids) = database();
    causerie::db::queries::reports::insert_once(
        &mut conn,
        ids.reply,
        "198.51.100.0/24",
        "abuse",
        Some("détail"),
        Some("rita@example.net"),
        T0 + 700,
    )
    .unwrap();
    let erased = causerie::db::transaction(&mut conn, |tx| {
        causerie::rights::erase(tx, "blog", "camille@example.fr", T0 + 800)
    })
    .unwrap()
    .value;
    assert_eq!(
        erased.emptied, 1,
        "Camille's comment has a reply: emptied, kept"
    );
    let (doc, summary) = export_json(&mut conn, None);
    assert_eq!(summary.reports, 1);
    let record = doc["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ids.camille)
        .unwrap()
        .clone();
    assert_eq!(record["erased_at"], time(800));
    assert_eq!(record["author"], "");
    assert_eq!(record["email"], Value::Null);
    assert_eq!(record["body_raw"], "");
    assert_eq!(record["status"], "deleted");
    assert!(!doc.to_string().contains("camille@example.fr"));
    assert_eq!(
        doc["reports"],
        json!([{"comment": ids.reply, "reason": "abuse", "detail": "détail",
            "email": "rita@example.net", "created_at": time(700), "resolved_at": null,
            "resolution": null}])
    );
    // Our own reader takes the erased comment back as one.
    let (bytes, _) = export_bytes(&mut conn, None, ExportFormat::Causerie);
    let mut got = Collect::default();
    parser::read(bytes.as_slice(), &mut got).unwrap();
    let back = got
        .comments
        .iter()
        .find(|c| c.id == ids.camille.to_string())
        .unwrap();
    assert_eq!(back.erased_at, Some(T0 + 800));
}
