//! PostgreSQL: whether its tests ran, and `causerie migrate-data` from SQLite to
//! PostgreSQL. (The API suite itself runs on PostgreSQL when `TEST_POSTGRES_URL`
//! is set; the two-instance test is `tests/multi_instance.rs`.)

mod common;

use std::process::Command;

use causerie::config::{Config, ModerationMode, Settings};
use causerie::db::models::{Comment, Moderator, Thread};
use causerie::db::queries::action_links::ActionLink;
use causerie::db::queries::outbox::OutboxMessage;
use causerie::db::queries::outbox::OutboxStatus;
use causerie::db::schema::*;
use causerie::db::transfer::{InstanceSettingRow, LoginFailureRow, SessionRow, UnsubscribedRow};
use causerie::db::{self, DbConn};
use causerie::domain::CommentInput;
use causerie::domain::{Action, Status};
use causerie::moderation::actions as admin;
use causerie::moderation::links::follow_link;
use causerie::notify::outbox::create_links;
use diesel::prelude::*;

use common::postgres::{server_or_skip, server_url, TestDatabase, ENV};

/// How long the one-click links made by these tests stay valid.
const WEEK: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// Says, in `cargo test`'s output, that the PostgreSQL tests were skipped (and fails
/// in CI, where they must run).
#[test]
fn postgresql_tests_ran_or_were_skipped_out_loud() {
    if server_or_skip("the API suite on PostgreSQL, tests/multi_instance.rs, migrate-data")
        .is_none()
    {
        return;
    }
    assert!(server_url().is_some(), "{ENV}");
}

fn post(
    conn: &mut DbConn,
    config: &Config,
    secret: &causerie::crypto::Secret,
    who: &str,
    parent: Option<i64>,
    body: &str,
    now: i64,
) -> Comment {
    let input = CommentInput {
        page: Some("/article".into()),
        title: Some("Un article".into()),
        parent: parent.map(|p| p.to_string()),
        author: Some(who.into()),
        email: Some(format!("{}@example.org", who.to_lowercase())),
        website: Some("https://example.org/".into()),
        body: Some(body.into()),
        notify_replies: true,
    }
    .parse()
    .unwrap();
    let _ = secret;
    let submission = causerie::comments::Submission::new(input);
    db::transaction(conn, |tx| {
        let site = config.sites.first();
        causerie::comments::post(tx, config, site, &submission, Some("198.51.100.0/24"), now)
    })
    .unwrap()
    .value
    .comment
}

/// Every row of every table, in key order: what "identical" is checked on.
#[derive(Debug, PartialEq)]
struct Everything {
    threads: Vec<Thread>,
    moderators: Vec<Moderator>,
    settings: Vec<InstanceSettingRow>,
    comments: Vec<Comment>,
    sessions: Vec<SessionRow>,
    failures: Vec<LoginFailureRow>,
    links: Vec<ActionLink>,
    outbox: Vec<OutboxMessage>,
    unsubscribed: Vec<UnsubscribedRow>,
    reports: Vec<causerie::db::queries::reports::Report>,
    requests: Vec<causerie::db::queries::data_requests::DataRequest>,
}

fn everything(conn: &mut DbConn) -> Everything {
    Everything {
        threads: threads::table
            .order(threads::id)
            .select(Thread::as_select())
            .load(conn)
            .unwrap(),
        moderators: moderators::table
            .order(moderators::id)
            .select(Moderator::as_select())
            .load(conn)
            .unwrap(),
        settings: instance_settings::table
            .order(instance_settings::name)
            .select(InstanceSettingRow::as_select())
            .load(conn)
            .unwrap(),
        comments: comments::table
            .order(comments::id)
            .select(Comment::as_select())
            .load(conn)
            .unwrap(),
        sessions: sessions::table
            .order(sessions::token_hash)
            .select(SessionRow::as_select())
            .load(conn)
            .unwrap(),
        failures: login_failures::table
            .order(login_failures::id)
            .select(LoginFailureRow::as_select())
            .load(conn)
            .unwrap(),
        links: action_links::table
            .order(action_links::token_hash)
            .select(ActionLink::as_select())
            .load(conn)
            .unwrap(),
        outbox: outbox::table
            .order(outbox::id)
            .select(OutboxMessage::as_select())
            .load(conn)
            .unwrap(),
        unsubscribed: unsubscribed::table
            .order(unsubscribed::id)
            .select(UnsubscribedRow::as_select())
            .load(conn)
            .unwrap(),
        reports: causerie::db::queries::reports::after(conn, 0, 1000).unwrap(),
        requests: causerie::db::queries::data_requests::after(conn, 0, 1000).unwrap(),
    }
}

/// A site with a bit of everything: held, approved, spam and deleted comments,
/// replies, a moderator's reply, a session, a failed login, one-click links (one
/// used), queued and sent notifications, an unsubscription.
fn populate(sqlite_url: &str) {
    let config = Config::from_settings(Settings {
        database_url: sqlite_url.into(),
        moderation: ModerationMode::FirstTime,
        notify_to: vec!["moderateurs@example.org".into()],
        ..Default::default()
    })
    .unwrap();
    let (pool, secret) = causerie::startup::open_database(&config).unwrap();
    let conn = &mut *pool.get().unwrap();
    causerie::auth::accounts::bootstrap(conn, Some("migrate-data-password")).unwrap();
    let t = db::now() - 10_000;
    let first = post(
        conn,
        &config,
        &secret,
        "Alix",
        None,
        "Premier, et en attente",
        t,
    );
    db::transaction(conn, |tx| {
        admin::apply(tx, &config, first.id, Action::Approve, t + 10)
    })
    .unwrap();
    let reply = post(
        conn,
        &config,
        &secret,
        "Bruno",
        Some(first.id),
        "Une réponse",
        t + 60,
    );
    let nested = post(
        conn,
        &config,
        &secret,
        "Alix",
        Some(reply.id),
        "Et <b>une autre</b> http://example.org",
        t + 120,
    );
    // A title a moderator chose, locked, and comments that each carry the title
    // their request sent: migrate-data carries both.
    assert!(causerie::db::queries::threads::rename(conn, first.thread_id, "Nommé").unwrap());
    let spam = post(conn, &config, &secret, "Spammeur", None, "Achetez", t + 180);
    db::transaction(conn, |tx| {
        admin::apply(tx, &config, spam.id, Action::Spam, t + 190)
    })
    .unwrap();
    let gone = post(
        conn,
        &config,
        &secret,
        "Camille",
        None,
        "À supprimer",
        t + 240,
    );
    db::transaction(conn, |tx| {
        admin::apply(tx, &config, gone.id, Action::Delete, t + 250)
    })
    .unwrap();
    let thanks = causerie::sanitize::SanitizedBody::new(
        causerie::domain::CommentBody::parse("Merci à vous").unwrap(),
    );
    db::transaction(conn, |tx| {
        admin::reply(tx, &config, nested.id, "admin", &thanks, t + 300)
    })
    .unwrap();
    let links = create_links(conn, reply.id, t + 310, WEEK).unwrap();
    db::transaction(conn, |tx| follow_link(tx, &config, &links[0].1, t + 320)).unwrap();
    let held = post(
        conn,
        &config,
        &secret,
        "Dominique",
        None,
        "Encore en attente",
        t + 330,
    );
    create_links(conn, held.id, t + 335, WEEK).unwrap();
    assert!(matches!(
        causerie::auth::login::login(
            conn,
            &config,
            "admin",
            "migrate-data-password",
            "127.0.0.0/24",
            t + 400
        )
        .unwrap(),
        causerie::auth::login::LoginOutcome::LoggedIn { .. }
    ));
    causerie::auth::login::login(conn, &config, "admin", "wrong", "203.0.113.0/24", t + 410)
        .unwrap();
    causerie::db::queries::unsubscribed::add(conn, "bruno@example.org", None, t + 420).unwrap();
    // A report still open, one resolved; a data request of a commenter, one of nobody.
    let reported = comments::table
        .filter(comments::status.eq(Status::Approved))
        .select(comments::id)
        .first::<i64>(conn)
        .unwrap();
    let reports = causerie::db::queries::reports::insert_once;
    reports(
        conn,
        reported,
        "198.51.100.0/24",
        "abuse",
        Some("détail"),
        Some("r@example.net"),
        t + 430,
    )
    .unwrap();
    reports(
        conn,
        reported,
        "203.0.113.0/24",
        "spam",
        None,
        None,
        t + 431,
    )
    .unwrap();
    causerie::db::queries::reports::resolve(conn, reported, "kept", t + 432).unwrap();
    reports(conn, reported, "192.0.2.0/24", "other", None, None, t + 433).unwrap();
    let requests = causerie::db::queries::data_requests::insert;
    requests(
        conn,
        "default",
        "key-1",
        "192.0.2.0/24",
        Some("bruno@example.org"),
        t + 440,
    )
    .unwrap();
    requests(conn, "default", "key-2", "192.0.2.0/24", None, t + 441).unwrap();
    // An erased comment's placeholder.
    let deleted = comments::table
        .filter(comments::status.eq(Status::Deleted))
        .select(comments::id)
        .first::<i64>(conn)
        .unwrap();
    causerie::db::queries::comments::blank(conn, deleted, t + 445).unwrap();
    // Some messages sent, the others still drafts (as the worker has not run).
    let queued = causerie::db::queries::outbox::due(conn, db::now(), 2).unwrap();
    for id in queued {
        assert!(causerie::db::queries::outbox::claim(conn, id, db::now(), t + 500).unwrap());
        causerie::db::queries::outbox::mark_sent(conn, id, t + 500, t + 450).unwrap();
    }
}

#[test]
fn migrate_data_moves_every_row_from_sqlite_to_postgres() {
    let Some(server) = server_or_skip("migrate-data") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("site.db").display());
    populate(&sqlite_url);
    let before = everything(&mut db::establish(&sqlite_url).unwrap());
    assert!(before
        .threads
        .iter()
        .all(|t| t.title_locked && t.title == "Nommé"));
    assert!(before
        .comments
        .iter()
        .any(|c| c.page_title.as_deref() == Some("Un article")));
    assert!(before.comments.len() >= 6 && !before.sessions.is_empty());
    assert!(before.outbox.iter().any(|m| m.status == OutboxStatus::Sent));
    assert!(before
        .outbox
        .iter()
        .any(|m| m.status == OutboxStatus::Draft));
    assert!(before.links.iter().any(|l| l.used_at.is_some()));
    assert_eq!(before.reports.len(), 3);
    assert_eq!(before.requests.len(), 2);
    assert!(before.comments.iter().any(|c| c.erased_at.is_some()));
    let statuses: std::collections::BTreeSet<_> =
        before.comments.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["approved", "deleted", "pending", "spam"]
    );

    let target = TestDatabase::create(&server);
    let run = |force: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_causerie"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CAUSERIE_") {
                cmd.env_remove(key);
            }
        }
        cmd.args(["migrate-data", "--from", &sqlite_url, "--to", &target.url]);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = format!("comments: {} rows", before.comments.len());
    assert!(stdout.contains(&line), "{stdout}");
    let mut pg = db::establish(&target.url).unwrap();
    assert!(matches!(pg, DbConn::Pg(_)));
    assert_eq!(everything(&mut pg), before, "a row changed on the way");

    // A second run finds a non-empty target: refused, nothing touched, unless --force.
    let again = run(false);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(
        !err.contains("causerie_test"),
        "the URL is not echoed: {err}"
    );
    assert!(run(true).status.success());
    assert_eq!(everything(&mut pg), before);

    // New rows get new ids: the sequences moved past the copied ones.
    let config = Config::from_settings(Settings {
        database_url: target.url.clone(),
        moderation: ModerationMode::None,
        ..Default::default()
    })
    .unwrap();
    let (pool, secret) = causerie::startup::open_database(&config).unwrap();
    let conn = &mut *pool.get().unwrap();
    let max = before.comments.iter().map(|c| c.id).max().unwrap();
    let fresh = post(
        conn,
        &config,
        &secret,
        "Dora",
        None,
        "Après le déménagement",
        db::now(),
    );
    assert_eq!(fresh.id, max + 1);
    drop(pool);
}
