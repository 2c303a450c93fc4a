//! The unit of work and the SQLite group-commit writer: one unit that panics fails
//! alone, a writer thread that is gone shows on `/healthz`, and a drain at shutdown
//! commits and answers every unit queued.

use causerie::app::Db;
use causerie::error::ApiError;
use serde_json::json;

use crate::helpers::{comment, spawn_app};

#[actix_web::test]
async fn a_panicking_unit_fails_alone_and_the_next_posts_succeed() {
    let app = spawn_app().await;
    let state = app.state.clone();
    // A bug in one unit, after it wrote something, racing a reader's post.
    let boom = state.write(|tx, _| -> Result<(), ApiError> {
        causerie::db::queries::threads::find_or_create(
            tx,
            causerie::domain::DEFAULT_SITE,
            "/boom",
            "Boom",
            causerie::db::now(),
        )?;
        panic!("a bug in one unit of work");
    });
    let reader = comment("/alive", "Camille", "Toujours là");
    let post = app.post_comment(&reader);
    let (boom, post) = futures_util::join!(boom, post);
    assert!(matches!(boom, Err(ApiError::Internal(_))), "{boom:?}");
    assert_eq!(post.status(), 201);
    // Its write was undone with it; the others' were not.
    assert_eq!(
        app.stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM threads WHERE page = '/boom'")
            .as_deref(),
        Some("0")
    );
    // The writer lives on.
    app.create(&comment("/alive", "Dominique", "Et moi aussi"))
        .await;
    assert_eq!(
        app.list("/alive").await["comments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[actix_web::test]
async fn healthz_says_the_writer_is_gone_when_it_is() {
    let app = spawn_app().await;
    if app.state.writer.get().is_none() {
        // PostgreSQL: no writer thread, nothing to stop.
        return;
    }
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let state = app.state.clone();
    tokio::task::spawn_blocking(move || state.writer.get().unwrap().stop_for_tests())
        .await
        .unwrap();
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "unavailable", "reason": "writer"})
    );
    // And a post is told at once that it failed, rather than waiting forever.
    let r = app
        .post_comment(&comment("/gone", "Camille", "Personne n'écrit"))
        .await;
    assert_eq!(r.status(), 500);
}

#[actix_web::test]
async fn a_post_while_an_import_holds_the_database_is_told_to_retry_and_reads_go_on() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    if app.state.writer.get().is_none() {
        // PostgreSQL: an import's transaction blocks no other thread's insert.
        return;
    }
    app.create(&comment("/lu", "Camille", "Avant l'import"))
        .await;
    // What `causerie import` does on SQLite: one long write transaction.
    let mut importer = app.db();
    importer.batch_execute("BEGIN IMMEDIATE").unwrap();
    let r = app
        .post_comment(&comment("/lu", "Dominique", "Pendant l'import"))
        .await;
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some(causerie::error::UNAVAILABLE_RETRY_AFTER)
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    // Reads are answered meanwhile.
    assert_eq!(
        app.list("/lu").await["comments"].as_array().unwrap().len(),
        1
    );
    importer.batch_execute("COMMIT").unwrap();
    // Sent again, as the embed does, it is taken.
    let r = app
        .post_comment(&comment("/lu", "Dominique", "Pendant l'import"))
        .await;
    assert_eq!(r.status(), 201);
}

/// At shutdown the writer commits and answers what is queued, then ends: a unit
/// accepted before the stop is never dropped unanswered.
#[actix_web::test]
async fn draining_the_writer_commits_and_answers_every_queued_unit() {
    let app = spawn_app().await;
    let Some(writer) = app.state.writer.get() else {
        // PostgreSQL: no writer thread.
        return;
    };
    // The first unit holds the thread, so that the others are still queued when
    // the drain begins.
    let (held, release) = std::sync::mpsc::channel::<()>();
    let first = writer.write(move |_tx| -> Result<(), ApiError> {
        let _ = release.recv_timeout(std::time::Duration::from_secs(5));
        Ok(())
    });
    let queued = (0..20).map(|n| {
        writer.write(move |tx| -> Result<(), ApiError> {
            causerie::db::queries::threads::find_or_create(
                tx,
                causerie::domain::DEFAULT_SITE,
                &format!("/drain-{n}"),
                "Vidange",
                causerie::db::now(),
            )?;
            Ok(())
        })
    });
    let queued: Vec<_> = queued.map(Box::pin).collect();
    let mut first = Box::pin(first);
    // Polled once each: every unit is in the queue now.
    let mut all = futures_util::future::join_all(queued);
    assert!(futures_util::poll!(&mut first).is_pending());
    assert!(futures_util::poll!(&mut all).is_pending());
    let state = app.state.clone();
    let drained = tokio::task::spawn_blocking(move || {
        state
            .writer
            .get()
            .unwrap()
            .drain(std::time::Duration::from_secs(10))
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    held.send(()).unwrap();
    assert!(drained.await.unwrap(), "the writer did not drain in time");
    assert!(matches!(first.await, Ok(Ok(()))));
    for outcome in all.await {
        assert!(matches!(outcome, Ok(Ok(()))), "{outcome:?}");
    }
    assert_eq!(
        app.stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM threads WHERE page LIKE '/drain-%'")
            .as_deref(),
        Some("20")
    );
    // After the drain, nothing more is accepted, and nothing waits forever.
    let late = writer.write(|_tx| -> Result<(), ApiError> { Ok(()) }).await;
    assert!(
        matches!(late, Err(causerie::db::writer::WriteError::Stopped)),
        "{late:?}"
    );
}

/// Every connection of the pool capped at `pages` pages (SQLite's `max_page_count`,
/// which is per connection): past it, a write fails as on a full disk.
async fn cap_database_pages(app: &crate::helpers::TestApp, pages: Option<i64>) {
    use diesel::connection::SimpleConnection;
    let state = app.state.clone();
    tokio::task::spawn_blocking(move || {
        let held: Vec<_> = (0..state.pool.max_size())
            .map(|_| state.pool.get().expect("a connection"))
            .collect();
        for mut conn in held {
            let cap = match pages {
                // Not below the database's size: SQLite keeps it at that size then.
                Some(pages) => format!("PRAGMA max_page_count = {pages};"),
                None => "PRAGMA max_page_count = 1073741823;".to_owned(),
            };
            conn.batch_execute(&cap).expect("max_page_count");
        }
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn a_full_disk_answers_503_keeps_nothing_half_written_and_shows_on_healthz() {
    let app = spawn_app().await;
    if app.state.writer.get().is_none() {
        crate::common::say_skipped(format_args!(
            "skipped on PostgreSQL: its disk cannot be filled from a test"
        ));
        return;
    }
    app.create(&comment("/full", "Camille", "Avant")).await;
    let pages: i64 = app
        .stored("SELECT CAST(page_count AS TEXT) AS v FROM pragma_page_count()")
        .unwrap()
        .parse()
        .unwrap();
    cap_database_pages(&app, Some(pages)).await;

    // Long comments, until one needs a page the database may not take.
    let long = "Une phrase assez longue pour remplir des pages. ".repeat(150);
    let mut refused = None;
    for i in 0..40 {
        let r = app
            .post_comment(&comment("/full", &format!("Lecteur {i}"), &long))
            .await;
        if r.status() != 201 {
            refused = Some(r);
            break;
        }
    }
    let refused = refused.expect("a post past the cap is refused");
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers()["retry-after"],
        causerie::error::NO_ROOM_RETRY_AFTER
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "storage_full");
    assert!(
        body["message"].as_str().unwrap().contains("no room"),
        "{body}"
    );

    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "unavailable", "reason": "disk_full"})
    );

    // The form without JavaScript: the page again, the reader's text in it.
    let typed = format!("Sans JavaScript. {long}");
    let fields = crate::nojs::filled_form(
        &app,
        "/t?page=/full",
        &[
            ("author", "Camille"),
            ("email", "camille@example.org"),
            ("body", &typed),
        ],
    )
    .await;
    let r = crate::nojs::post_form(&app, &fields).await;
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.headers()["retry-after"],
        causerie::error::NO_ROOM_RETRY_AFTER
    );
    let page = crate::nojs::page_of_response(r).await;
    let doc = page.doc();
    assert!(crate::nojs::text_of(&doc, ".cz-notice.cz-error").contains("no room"));
    assert_eq!(crate::nojs::text_of(&doc, "textarea#cz-body"), typed);

    // Room again: the next post is stored, and /healthz says so at once.
    cap_database_pages(&app, None).await;
    app.create(&comment("/full", "Dominique", "Après")).await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // What was refused left nothing behind; what was stored before is all there.
    let listed = app.list("/full").await["comments"]
        .as_array()
        .unwrap()
        .len();
    let stored: usize = app
        .stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM comments")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(listed, stored);
}
