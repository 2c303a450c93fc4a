//! `causerie move-page [--site ID] FROM TO [--merge]` as a site owner runs it after a
//! permalink changed (SPEC section 11): the binary, on a SQLite database, with the
//! sites `blog` (the first) and `notes`. The admin's form, which makes the same move,
//! and what readers see right after it are tested in `tests/api/move_page.rs`.

mod common;

use common::process::{causerie_in as causerie, output_text as both};

use std::path::Path;
use std::process::Output;

use causerie::db::{self, DbConn};
use diesel::prelude::*;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sql(conn: &mut DbConn, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

fn column(conn: &mut DbConn, query: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(query)
        .load::<Row>(conn)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .into_iter()
        .map(|r| r.v)
        .collect()
}

/// A thread for `page` on `site`, titled `title`.
fn add_thread(conn: &mut DbConn, site: &str, page: &str, title: &str) {
    sql(
        conn,
        &format!(
            "INSERT INTO threads (site, page, title, closed, created_at) \
             VALUES ('{site}', '{page}', '{title}', false, 100)"
        ),
    );
}

/// A comment by `author` on the thread of `page` on `site`, with `status`, replying
/// to the comment by `parent` (on any thread) if given.
fn add_comment(
    conn: &mut DbConn,
    site: &str,
    page: &str,
    author: &str,
    status: &str,
    parent: Option<&str>,
) {
    let parent = parent.map_or("NULL".to_owned(), |p| {
        format!("(SELECT id FROM comments WHERE author = '{p}')")
    });
    sql(
        conn,
        &format!(
            "INSERT INTO comments (thread_id, parent_id, author, email, body_raw, body_html, \
             status, created_at) SELECT id, {parent}, '{author}', '{author}@example.org', 'x', \
             '<p>x</p>', '{status}', 200 FROM threads WHERE site = '{site}' AND page = '{page}'"
        ),
    );
}

/// A directory with `causerie.toml` naming the sites `blog` (first) and `notes`, and
/// its database, migrated, holding what `fill` puts there.
fn operator_dir(fill: impl FnOnce(&mut DbConn)) -> (tempfile::TempDir, DbConn) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("causerie.db").display());
    std::fs::write(
        dir.path().join("causerie.toml"),
        format!(
            "database_url = \"{url}\"\n\n\
             [[sites]]\nid = \"blog\"\norigins = [\"https://blog.example\"]\n\n\
             [[sites]]\nid = \"notes\"\norigins = [\"https://notes.example\"]\n"
        ),
    )
    .unwrap();
    let mut conn = db::establish(&url).unwrap();
    db::migrate(&mut conn).unwrap();
    fill(&mut conn);
    (dir, conn)
}

fn move_page(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = causerie(dir);
    cmd.args(["--config", "causerie.toml", "move-page"])
        .args(args);
    cmd.output().expect("the binary runs")
}

/// Every comment as `id site page author status parent`, in id order.
fn comments(conn: &mut DbConn) -> Vec<String> {
    column(
        conn,
        "SELECT CAST(c.id AS TEXT) || ' ' || t.site || ' ' || t.page || ' ' || c.author || ' ' \
         || c.status || ' ' || COALESCE(CAST(c.parent_id AS TEXT), '-') AS v \
         FROM comments c JOIN threads t ON t.id = c.thread_id ORDER BY c.id",
    )
}

/// Every thread as `id site page title`, in id order.
fn threads(conn: &mut DbConn) -> Vec<String> {
    column(
        conn,
        "SELECT CAST(id AS TEXT) || ' ' || site || ' ' || page || ' ' || title AS v \
         FROM threads ORDER BY id",
    )
}

/// `/old` on `blog`: a thread of three comments (one a reply, one held), and `/taken`
/// with one; `/old` on `notes` too.
fn blog_with_an_old_page(conn: &mut DbConn) {
    add_thread(conn, "blog", "/old", "Ancien titre");
    add_comment(conn, "blog", "/old", "alice", "approved", None);
    add_comment(conn, "blog", "/old", "bob", "approved", Some("alice"));
    add_comment(conn, "blog", "/old", "carol", "pending", None);
    add_thread(conn, "blog", "/taken", "Titre pris");
    add_comment(conn, "blog", "/taken", "dan", "approved", None);
    add_thread(conn, "notes", "/old", "Note");
    add_comment(conn, "notes", "/old", "eve", "approved", None);
}

#[test]
fn move_page_moves_the_thread_with_its_comments_ids_statuses_and_replies() {
    let (dir, mut conn) = operator_dir(blog_with_an_old_page);
    let before = comments(&mut conn);
    let out = move_page(dir.path(), &["/old", "/new/"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        stdout(&out),
        "moved the thread of /old (3 comments) to /new on site blog\n"
    );
    // The same thread (id, title), at its new path; the other site's /old stays.
    assert_eq!(
        threads(&mut conn),
        [
            "1 blog /new Ancien titre",
            "2 blog /taken Titre pris",
            "3 notes /old Note"
        ]
    );
    let moved: Vec<String> = before
        .iter()
        .map(|c| c.replacen("blog /old", "blog /new", 1))
        .collect();
    assert_eq!(comments(&mut conn), moved);
    // Readers' caches learn of both pages.
    let changes = column(
        &mut conn,
        "SELECT site || ' ' || page AS v FROM thread_changes ORDER BY id",
    );
    assert!(
        changes.contains(&"blog /old".to_owned()) && changes.contains(&"blog /new".to_owned()),
        "{changes:?}"
    );
}

#[test]
fn move_page_takes_full_urls_and_the_site_named() {
    let (dir, mut conn) = operator_dir(blog_with_an_old_page);
    let out = move_page(
        dir.path(),
        &[
            "--site",
            "notes",
            "https://notes.example/old/?utm_source=x",
            "https://notes.example/2026/new",
        ],
    );
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        stdout(&out),
        "moved the thread of /old (1 comment) to /2026/new on site notes\n"
    );
    assert_eq!(threads(&mut conn)[2], "3 notes /2026/new Note");
    assert_eq!(threads(&mut conn)[0], "1 blog /old Ancien titre");
}

#[test]
fn move_page_onto_a_page_with_a_thread_is_refused_unless_merge() {
    let (dir, mut conn) = operator_dir(blog_with_an_old_page);
    let before = (threads(&mut conn), comments(&mut conn));
    let out = move_page(dir.path(), &["/old", "/taken"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert_eq!(
        both(&out),
        "causerie: `/taken` already has a thread of 1 comment; add --merge to put `/old`'s \
         comments into it\n"
    );
    assert_eq!((threads(&mut conn), comments(&mut conn)), before);

    let out = move_page(dir.path(), &["/old", "/taken", "--merge"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        stdout(&out),
        "merged the thread of /old (3 comments) into the thread of /taken (1 comment) on \
         site blog: it now has 4 comments, under the title of /taken\n"
    );
    // /taken's thread and title; /old's thread is gone; every comment kept its id,
    // status and parent.
    assert_eq!(
        threads(&mut conn),
        ["2 blog /taken Titre pris", "3 notes /old Note"]
    );
    let merged: Vec<String> = before
        .1
        .iter()
        .map(|c| c.replacen("blog /old", "blog /taken", 1))
        .collect();
    assert_eq!(comments(&mut conn), merged);
}

#[test]
fn a_merge_onto_a_page_without_a_public_title_gives_it_the_moved_threads_title() {
    // /taken's only comment is held, so its thread has no public title yet; a merge
    // must not leave the page untitled when /old had one (named by a moderator, so
    // locked: requests do not rename it afterwards).
    let (dir, mut conn) = operator_dir(|conn| {
        add_thread(conn, "blog", "/old", "Ancien titre");
        add_comment(conn, "blog", "/old", "alice", "approved", None);
        sql(
            conn,
            "UPDATE threads SET title_locked = true WHERE page = '/old'",
        );
        add_thread(conn, "blog", "/taken", "");
        add_comment(conn, "blog", "/taken", "dan", "pending", None);
        add_thread(conn, "blog", "/titled", "Titre pris");
    });
    let out = move_page(dir.path(), &["/old", "/taken", "--merge"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        stdout(&out),
        "merged the thread of /old (1 comment) into the thread of /taken (1 comment) on \
         site blog: it now has 2 comments, under the title of /old\n"
    );
    assert_eq!(
        column(
            &mut conn,
            "SELECT page || ' ' || title || ' ' || CAST(title_locked AS TEXT) AS v \
             FROM threads ORDER BY id"
        ),
        ["/taken Ancien titre 1", "/titled Titre pris 0"]
    );
    // A page that has a title keeps it, and the moved thread's lock does not carry.
    let out = move_page(dir.path(), &["/taken", "/titled", "--merge"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        stdout(&out).ends_with("under the title of /titled\n"),
        "{}",
        both(&out)
    );
    assert_eq!(
        column(
            &mut conn,
            "SELECT page || ' ' || title || ' ' || CAST(title_locked AS TEXT) AS v FROM threads"
        ),
        ["/titled Titre pris 0"]
    );
}

#[test]
fn move_page_keeps_the_unsubscriptions_of_the_thread() {
    let (dir, mut conn) = operator_dir(|conn| {
        blog_with_an_old_page(conn);
        sql(
            conn,
            "INSERT INTO unsubscribed (email, thread_id, created_at) \
             SELECT 'alice@example.org', id, 300 FROM threads WHERE site = 'blog' AND page = '/old'",
        );
    });
    let out = move_page(dir.path(), &["/old", "/taken", "--merge"]);
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(
        column(
            &mut conn,
            "SELECT u.email || ' ' || t.page AS v FROM unsubscribed u \
             JOIN threads t ON t.id = u.thread_id"
        ),
        ["alice@example.org /taken"]
    );
}

#[test]
fn move_page_refuses_what_it_cannot_do_and_says_why() {
    let (dir, mut conn) = operator_dir(blog_with_an_old_page);
    let before = (threads(&mut conn), comments(&mut conn));
    for (args, said) in [
        (
            &["--site", "nope", "/old", "/new"][..],
            "causerie: there is no site `nope` in the configuration (its sites: blog, notes)\n",
        ),
        (
            &["/nothing-here", "/new"][..],
            "causerie: `/nothing-here` has no thread on the site `blog`: there is nothing to \
             move\n",
        ),
        (
            &["old", "/new"][..],
            "causerie: FROM `old` is not a page: The page must be a URL path starting with / \
             (at most 1024 bytes, no control characters).\n",
        ),
        (
            &["/old", "/new%00"][..],
            "causerie: TO `/new%00` is not a page: The page must be a URL path starting with / \
             (at most 1024 bytes, no control characters).\n",
        ),
        (
            &["/old/", "https://blog.example/old"][..],
            "causerie: FROM and TO are the same page, `/old`\n",
        ),
        (
            &["/old", "https://notes.example/new"][..],
            "causerie: TO `https://notes.example/new` is a page of the site `notes`, not of \
             `blog`: a page moves within its site (name it with --site notes)\n",
        ),
    ] {
        let out = move_page(dir.path(), args);
        assert!(!out.status.success(), "{args:?}: {}", both(&out));
        assert_eq!(both(&out), said, "{args:?}");
    }
    assert_eq!((threads(&mut conn), comments(&mut conn)), before);
}

#[test]
fn move_page_is_described_in_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = causerie(dir.path())
        .args(["move-page", "--help"])
        .output()
        .unwrap();
    let help = both(&out);
    assert!(out.status.success(), "{help}");
    assert!(
        help.contains("Move a page's thread and comments to another path (its permalink changed)"),
        "{help}"
    );
    assert!(
        help.contains("--merge") && help.contains("--site <ID>"),
        "{help}"
    );
}
