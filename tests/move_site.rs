//! `causerie move-site FROM TO [--merge]` as an operator runs it after an upgrade:
//! the threads stored before sites are on `default`, and the configuration names
//! the sites they belong to. The moving itself is tested through its function in
//! `tests/api/sites.rs`; here, the binary.

mod common;

use common::process::{causerie_in as causerie, output_text as both};

use std::path::Path;
use std::process::Output;

use causerie::db::{self, DbConn};
use diesel::prelude::*;

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
        .unwrap()
        .into_iter()
        .map(|r| r.v)
        .collect()
}

fn add_thread(conn: &mut DbConn, site: &str, page: &str, author: &str) {
    sql(
        conn,
        &format!(
            "INSERT INTO threads (site, page, title, closed, created_at) \
             VALUES ('{site}', '{page}', 'Titre', false, 100)"
        ),
    );
    sql(
        conn,
        &format!(
            "INSERT INTO comments (thread_id, author, email, body_raw, body_html, status, \
             created_at) SELECT id, '{author}', '{author}@example.org', 'x', '<p>x</p>', \
             'approved', 200 FROM threads WHERE site = '{site}' AND page = '{page}'"
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

fn move_site(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = causerie(dir);
    cmd.args(["--config", "causerie.toml", "move-site"])
        .args(args);
    cmd.output().expect("the binary runs")
}

#[test]
fn move_site_moves_the_old_threads_to_the_site_named_even_if_not_the_first() {
    let (dir, mut conn) = operator_dir(|conn| {
        add_thread(conn, "default", "/a", "alice");
        add_thread(conn, "default", "/b", "bob");
    });
    let out = move_site(dir.path(), &["default", "notes"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("moved 2 threads from `default` to `notes`"),
        "{}",
        both(&out)
    );
    assert_eq!(
        column(&mut conn, "SELECT site AS v FROM threads ORDER BY id"),
        ["notes", "notes"]
    );
}

#[test]
fn move_site_refuses_a_page_both_sites_have_unless_merge() {
    let (dir, mut conn) = operator_dir(|conn| {
        add_thread(conn, "blog", "/a", "alice");
        add_thread(conn, "notes", "/a", "bob");
        add_thread(conn, "notes", "/b", "carol");
    });
    let out = move_site(dir.path(), &["notes", "blog"]);
    assert!(!out.status.success(), "{}", both(&out));
    let said = both(&out);
    assert!(said.contains("/a") && said.contains("--merge"), "{said}");
    assert_eq!(
        column(&mut conn, "SELECT site AS v FROM threads ORDER BY id"),
        ["blog", "notes", "notes"]
    );

    let out = move_site(dir.path(), &["notes", "blog", "--merge"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("moved 2 threads from `notes` to `blog`"),
        "{}",
        both(&out)
    );
    assert_eq!(
        column(
            &mut conn,
            "SELECT t.site || ' ' || t.page || ' ' || c.author AS v \
             FROM comments c JOIN threads t ON t.id = c.thread_id ORDER BY c.id"
        ),
        ["blog /a alice", "blog /a bob", "blog /b carol"]
    );
}
