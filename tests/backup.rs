//! `causerie backup`, `causerie check` (and `causerie restore`) as a site owner runs
//! them: the binary, on a database another connection is writing to.

mod common;

use common::process::{causerie_in as causerie, output_text as both};

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use causerie::db::{self, DbConn};
use diesel::prelude::*;

fn run(dir: &Path, args: &[&str]) -> Output {
    causerie(dir)
        .args(["--config", "causerie.toml"])
        .args(args)
        .output()
        .expect("the binary runs")
}

fn sql(conn: &mut DbConn, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn number(conn: &mut DbConn, query: &str) -> i64 {
    diesel::sql_query(query).get_result::<N>(conn).unwrap().n
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A directory with `causerie.toml` and its database, migrated, in WAL mode as the
/// server leaves it, with one thread.
fn operator_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("causerie.db");
    std::fs::write(
        dir.path().join("causerie.toml"),
        format!("database_url = \"{}\"\n", url(&live)),
    )
    .unwrap();
    let mut conn = db::establish(&url(&live)).unwrap();
    sql(&mut conn, "PRAGMA journal_mode = WAL");
    db::migrate(&mut conn).unwrap();
    sql(
        &mut conn,
        "INSERT INTO threads (site, page, title, closed, created_at) \
         VALUES ('default', '/a', 'Titre', false, 100)",
    );
    (dir, live)
}

fn add_comment(conn: &mut DbConn) -> i64 {
    sql(
        conn,
        "INSERT INTO comments (thread_id, author, email, body_raw, body_html, status, \
         created_at) SELECT id, 'alice', 'alice@example.org', 'x', '<p>x</p>', 'approved', 200 \
         FROM threads",
    );
    number(conn, "SELECT last_insert_rowid() AS n")
}

/// Writes garbage over most of the file's first pages: what a failing disk leaves.
fn corrupt(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(1024)).unwrap();
    f.write_all(&[0xab; 7000]).unwrap();
}

#[test]
fn a_backup_under_concurrent_writes_holds_every_comment_committed_before_it_began() {
    let (dir, live) = operator_dir();
    let committed = Arc::new(AtomicI64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (committed, stop, live) = (committed.clone(), stop.clone(), live.clone());
        std::thread::spawn(move || {
            let mut conn = db::establish(&url(&live)).unwrap();
            let mut written = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = add_comment(&mut conn);
                committed.store(id, Ordering::SeqCst);
                written += 1;
            }
            written
        })
    };
    while committed.load(Ordering::SeqCst) < 50 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let before = committed.load(Ordering::SeqCst);
    let out = run(dir.path(), &["backup", "copy.db"]);
    stop.store(true, Ordering::SeqCst);
    let written: i64 = writer.join().unwrap();
    assert!(out.status.success(), "{}", both(&out));
    assert!(both(&out).contains("comments"), "{}", both(&out));

    let mut copy = db::establish(&url(&dir.path().join("copy.db"))).unwrap();
    assert!(causerie::backup::integrity(&mut copy).is_ok());
    // Ids are given in order by one writer: every comment acknowledged before the
    // backup began is one of 1..=before.
    assert_eq!(
        number(
            &mut copy,
            &format!("SELECT COUNT(*) AS n FROM comments WHERE id <= {before}")
        ),
        before
    );
    let state = causerie::backup::migration_state(&mut copy).unwrap();
    assert!(state.pending.is_empty() && state.unknown.is_empty());
    assert!(written >= before);
}

#[test]
fn backup_refuses_an_existing_file_unless_force() {
    let (dir, _live) = operator_dir();
    std::fs::write(dir.path().join("copy.db"), "keep me").unwrap();
    let out = run(dir.path(), &["backup", "copy.db"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert!(both(&out).contains("--force"), "{}", both(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("copy.db")).unwrap(),
        "keep me"
    );

    let out = run(dir.path(), &["backup", "copy.db", "--force"]);
    assert!(out.status.success(), "{}", both(&out));
    let mut copy = db::establish(&url(&dir.path().join("copy.db"))).unwrap();
    assert_eq!(number(&mut copy, "SELECT COUNT(*) AS n FROM threads"), 1);
}

#[test]
fn a_backup_path_with_a_quote_is_written_where_asked() {
    let (dir, _live) = operator_dir();
    let out = run(dir.path(), &["backup", "it's here.db"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(dir.path().join("it's here.db").is_file());
}

#[test]
fn a_backup_into_a_missing_folder_says_which_folder_to_create() {
    let (dir, _live) = operator_dir();
    let out = run(dir.path(), &["backup", "backups/today.db"]);
    assert!(!out.status.success());
    let said = both(&out);
    assert!(
        said.contains("the folder backups does not exist") && said.contains("mkdir -p backups"),
        "{said}"
    );
    assert!(!dir.path().join("backups").exists());
}

#[test]
fn backup_on_postgresql_says_what_to_use_instead() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("causerie.toml"),
        "database_url = \"postgres://causerie@127.0.0.1:1/causerie\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["backup", "copy.db"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("on PostgreSQL, use pg_dump"),
        "{}",
        both(&out)
    );
    assert!(!dir.path().join("copy.db").exists());
}

#[test]
fn check_passes_on_a_good_database_and_fails_on_a_corrupted_one() {
    let (dir, live) = operator_dir();
    let out = run(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", both(&out));
    let said = both(&out);
    for item in [
        "ok   configuration",
        "ok   database reachable",
        "ok   database integrity",
        "ok   migrations",
    ] {
        assert!(said.contains(item), "{said}");
    }
    let out = run(dir.path(), &["check", "--smtp"]);
    assert!(out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("ok   smtp server: skipped: no smtp_url"),
        "{}",
        both(&out)
    );

    let out = run(dir.path(), &["backup", "copy.db"]);
    assert!(out.status.success(), "{}", both(&out));
    corrupt(&dir.path().join("copy.db"));
    std::fs::write(
        dir.path().join("causerie.toml"),
        format!("database_url = \"{}\"\n", url(&dir.path().join("copy.db"))),
    )
    .unwrap();
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(both(&out).contains("FAIL database"), "{}", both(&out));
    drop(live);
}

#[test]
fn check_fails_on_pending_migrations_and_an_unreachable_smtp_server() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("causerie.db");
    // Unreachable: nothing listens on port 1.
    std::fs::write(
        dir.path().join("causerie.toml"),
        format!(
            "database_url = \"{}\"\nsmtp_url = \"smtp://127.0.0.1:1\"\nsmtp_timeout_secs = 2\n",
            url(&live)
        ),
    )
    .unwrap();
    drop(db::establish(&url(&live)).unwrap());
    let out = run(dir.path(), &["check", "--smtp"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let said = both(&out);
    assert!(said.contains("FAIL migrations"), "{said}");
    assert!(said.contains("causerie migrate"), "{said}");
    assert!(said.contains("FAIL smtp server"), "{said}");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn restore_puts_a_backup_in_place_and_keeps_the_old_database_aside() {
    let (dir, live) = operator_dir();
    {
        let mut conn = db::establish(&url(&live)).unwrap();
        add_comment(&mut conn);
        let out = run(dir.path(), &["backup", "copy.db"]);
        assert!(out.status.success(), "{}", both(&out));
        // Written after the backup: the restored database does not have it.
        add_comment(&mut conn);
    }
    let out = run(dir.path(), &["restore", "copy.db"]);
    assert!(out.status.success(), "{}", both(&out));
    let said = both(&out);
    assert!(said.contains("(1 comments)"), "{said}");
    assert!(said.contains("before-restore-"), "{said}");

    let mut now = db::establish(&url(&live)).unwrap();
    assert_eq!(number(&mut now, "SELECT COUNT(*) AS n FROM comments"), 1);
    let aside: Vec<String> = entries(dir.path())
        .into_iter()
        .filter(|n| n.starts_with("causerie.db.before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", entries(dir.path()));
    let mut old = db::establish(&url(&dir.path().join(&aside[0]))).unwrap();
    assert_eq!(number(&mut old, "SELECT COUNT(*) AS n FROM comments"), 2);
    // The backup itself is untouched, and no temporary copy is left behind.
    assert!(dir.path().join("copy.db").is_file());
    assert!(
        !entries(dir.path()).iter().any(|n| n.contains("restoring")),
        "{:?}",
        entries(dir.path())
    );
}

#[test]
fn restore_refuses_a_corrupted_or_foreign_file_and_replaces_nothing() {
    let (dir, live) = operator_dir();
    let out = run(dir.path(), &["backup", "copy.db"]);
    assert!(out.status.success(), "{}", both(&out));
    corrupt(&dir.path().join("copy.db"));
    std::fs::write(dir.path().join("notes.txt"), "not a database at all").unwrap();
    let before = entries(dir.path());

    let out = run(dir.path(), &["restore", "copy.db"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("nothing was replaced"),
        "{}",
        both(&out)
    );
    let out = run(dir.path(), &["restore", "notes.txt"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert!(
        both(&out).contains("is not a SQLite database"),
        "{}",
        both(&out)
    );

    assert_eq!(entries(dir.path()), before);
    let mut conn = db::establish(&url(&live)).unwrap();
    assert_eq!(number(&mut conn, "SELECT COUNT(*) AS n FROM threads"), 1);
}

#[test]
fn restore_refuses_while_another_process_has_the_database_open() {
    let (dir, live) = operator_dir();
    let out = run(dir.path(), &["backup", "copy.db"]);
    assert!(out.status.success(), "{}", both(&out));
    // As the server's pool does: open, in WAL mode, having read.
    let mut server = db::establish(&url(&live)).unwrap();
    assert_eq!(number(&mut server, "SELECT COUNT(*) AS n FROM threads"), 1);

    let out = run(dir.path(), &["restore", "copy.db"]);
    assert!(!out.status.success(), "{}", both(&out));
    assert!(both(&out).contains("stop the server"), "{}", both(&out));
    assert!(!entries(dir.path())
        .iter()
        .any(|n| n.contains("before-restore") || n.contains("restoring")));
    assert_eq!(number(&mut server, "SELECT COUNT(*) AS n FROM threads"), 1);
}
