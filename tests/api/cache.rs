//! Rendered threads are cached; no change a reader could see may hide behind the
//! cache, whoever makes it.

use std::time::{Duration, Instant};

use causerie::app::Db;
use serde_json::Value;

use crate::helpers::{comment, spawn_app};

#[actix_web::test]
async fn thread_reads_carry_an_etag_and_answer_304_while_unchanged() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "un")).await;
    let r = app
        .client
        .get(app.url("/api/v1/comments?page=/a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let again = |tag: String| {
        app.client
            .get(app.url("/api/v1/comments?page=/a"))
            .header("If-None-Match", tag)
            .send()
    };
    let r = again(etag.clone()).await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert!(r.bytes().await.unwrap().is_empty());
    app.create(&comment("/a", "Dominique", "deux")).await;
    let r = again(etag.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"], etag.as_str());
    assert_eq!(r.json::<Value>().await.unwrap()["count"], 2);
}

#[actix_web::test]
async fn browsers_get_the_thread_gzipped_with_its_own_etag() {
    use std::io::Read;
    let app = spawn_app().await;
    for i in 0..30 {
        app.create(&comment(
            "/gz",
            &format!("Reader {i}"),
            "Un commentaire assez long pour que la compression compte vraiment.",
        ))
        .await;
    }
    let get = |accept: Option<&'static str>, tag: Option<String>| {
        let mut r = app.client.get(app.url("/api/v1/comments?page=/gz"));
        if let Some(a) = accept {
            r = r.header("Accept-Encoding", a);
        }
        if let Some(t) = tag {
            r = r.header("If-None-Match", t);
        }
        r.send()
    };
    let plain = get(None, None).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_tag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let plain_body = plain.bytes().await.unwrap();

    // What Chromium sends: the same JSON, gzipped, under another strong ETag.
    let gz = get(Some("gzip, deflate, br, zstd"), None).await.unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["content-type"], "application/json");
    let vary = gz.headers()["vary"].to_str().unwrap().to_ascii_lowercase();
    assert!(vary.contains("accept-encoding"), "{vary}");
    let gz_tag = gz.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(gz_tag, plain_tag);
    let packed = gz.bytes().await.unwrap();
    assert!(
        packed.len() * 3 < plain_body.len(),
        "{} of {}",
        packed.len(),
        plain_body.len()
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain_body);

    // Each representation's tag revalidates it; the other's does not.
    let r = get(Some("gzip"), Some(gz_tag.clone())).await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], gz_tag.as_str());
    let r = get(None, Some(gz_tag)).await.unwrap();
    assert_eq!(r.status(), 200);
    // gzip refused by q=0: the plain answer.
    let r = get(Some("gzip;q=0, identity"), None).await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap(), plain_body);
}

#[actix_web::test]
async fn authors_edits_and_removals_show_at_once_with_the_cache_warm() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "premier jet")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let token = v["edit_token"].as_str().unwrap();
    assert_eq!(
        app.list("/a").await["comments"][0]["body"],
        "<p>premier jet</p>"
    );
    app.edit(id, Some(token), "corrigé").await;
    assert_eq!(
        app.list("/a").await["comments"][0]["body"],
        "<p>corrigé</p>"
    );
    app.delete(id, Some(token)).await;
    assert_eq!(app.list("/a").await["count"], 0);
}

#[actix_web::test]
async fn a_change_made_behind_the_servers_back_shows_within_a_second_or_two() {
    // Another instance, or a `causerie` command, writing to the same database.
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "visible")).await;
    assert_eq!(app.list("/a").await["count"], 1);
    app.sql("UPDATE comments SET status = 'spam'");
    let start = Instant::now();
    loop {
        if app.list("/a").await["count"] == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "the cache kept a spam comment visible"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // And a thread closed behind its back.
    app.sql("UPDATE threads SET closed = TRUE");
    let start = Instant::now();
    while app.list("/a").await["open"] != false {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "the cache kept a closed thread open"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn each_page_of_a_large_thread_is_cached_on_its_own_and_dropped_together() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.create(&comment("/a", "Camille", &format!("c{i}")))
            .await;
    }
    let app = &app;
    let page = || async move {
        let r = app
            .client
            .get(app.url("/api/v1/comments?page=/a&limit=2"))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()
    };
    let first = page().await;
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    let second: Value = app
        .get_json(&format!("/api/v1/comments?page=/a&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["comments"].as_array().unwrap().len(), 2);
    app.create(&comment("/a", "Dominique", "nouveau")).await;
    assert_eq!(page().await["count"], 6);
    let second: Value = app
        .get_json(&format!("/api/v1/comments?page=/a&limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["count"], 6);
}

#[actix_web::test]
async fn comments_that_join_another_thread_show_at_once_on_both_pages() {
    // A merge (`move-page --merge`, `move-site --merge`): the comments change thread
    // and the emptied thread is removed, which no other trigger sees.
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "sur a")).await;
    app.create(&comment("/b", "Dominique", "sur b")).await;
    // Both pages read once: the cache holds them.
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 1);
    let ids = app.column("SELECT CAST(id AS TEXT) AS v FROM threads ORDER BY id");
    let id = |i: usize| ids[i].as_deref().unwrap().parse::<i64>().unwrap();
    let (from, into) = (id(0), id(1));
    app.state
        .write(move |tx, _| causerie::db::queries::threads::merge_into(tx, from, into))
        .await
        .unwrap();
    assert_eq!(app.list("/a").await["count"], 0);
    let b = app.list("/b").await;
    assert_eq!(b["count"], 2, "{b}");
}
