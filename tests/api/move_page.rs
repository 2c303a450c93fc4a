//! Moving a page's thread from the admin (SPEC section 11: "the admin can do the same
//! from the page's filter view"): the form, its refusals in the moderator's
//! language, CSRF, the sites a moderator may touch, and what readers see right
//! after the move, the cache warm.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::input_value;
use crate::helpers::{
    assert_admin_form_needs_session_and_csrf, comment, location, log_in, spawn_app, spawn_app_with,
    Moderator, TestApp,
};
use causerie::config::{ModerationMode, Settings};

fn ids(list: &Value) -> Vec<i64> {
    list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// Posts the move form as the page filter view of `from` holds it.
async fn move_form(
    m: &Moderator,
    site: &str,
    from: &str,
    to: &str,
    merge: bool,
    back: &str,
) -> reqwest::Response {
    let mut fields = vec![("site", site), ("from", from), ("to", to), ("back", back)];
    if merge {
        fields.push(("merge", "1"));
    }
    m.post("/admin/threads/move", &fields).await
}

#[actix_web::test]
async fn the_page_filter_view_has_the_move_form_with_its_csrf_token() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "un")).await;
    let m = log_in(&app).await;
    let (status, page) = m.page("/admin?status=approved&page=/a").await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&page);
    let form = scraper::Selector::parse("form[action=\"/admin/threads/move\"]").unwrap();
    let form = doc.select(&form).next().expect("the move form");
    let html = form.html();
    assert_eq!(input_value(&html, "csrf"), m.csrf);
    assert_eq!(input_value(&html, "from"), "/a");
    assert_eq!(input_value(&html, "site"), "default");
    assert!(
        html.contains("Move this page’s comments to another path"),
        "{html}"
    );
    assert!(
        html.contains("merge into the thread already there"),
        "{html}"
    );
    // Without a page filtered on, no form.
    let (_, queue) = m.page("/admin?status=approved").await;
    assert!(!queue.contains("/admin/threads/move"), "{queue}");
}

#[actix_web::test]
async fn the_admin_form_moves_the_thread_and_readers_see_it_at_once() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "un")).await;
    let mut reply = comment("/a", "Dominique", "deux");
    reply["parent"] = json!(1);
    app.create(&reply).await;
    // Both pages read: the cache holds /a's comments and /b's emptiness.
    let before = app.list("/a").await;
    assert_eq!(before["count"], 2);
    assert_eq!(app.list("/b").await["count"], 0);

    let m = log_in(&app).await;
    let r = move_form(
        &m,
        "default",
        "/a",
        "https://blog.example.org/b/",
        false,
        "/admin?status=approved&lang=en&page=%2Fa",
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert_eq!(
        to,
        "/admin?status=approved&lang=en&site=default&page=%2Fb&moved=1"
    );

    // At once, without waiting for the cache to catch up by itself.
    assert_eq!(app.list("/a").await["count"], 0);
    let after = app.list("/b").await;
    assert_eq!(ids(&after), ids(&before));
    assert_eq!(after["comments"][1]["parent"], 1);
    let (_, page) = m.page(&to).await;
    assert!(
        page.contains("Done: the comments moved here, with their thread."),
        "{page}"
    );
    assert!(page.contains("Rachat de Cloudwatt par Orange"), "{page}");
    // The no-JS thread page follows too.
    let (_, nojs) = app.get_text("/t?page=/b").await;
    assert!(nojs.contains("deux"), "{nojs}");
}

#[actix_web::test]
async fn onto_a_page_with_a_thread_the_form_refuses_without_merge_then_merges() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "sur a")).await;
    let mut there = comment("/b", "Dominique", "sur b");
    there["title"] = json!("Le titre de b");
    app.create(&there).await;
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 1);
    let m = log_in(&app).await;
    let back = "/admin?status=approved&lang=en&page=%2Fa";

    let r = move_form(&m, "default", "/a", "/b", false, back).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(
            "/b already has a thread of 1 comment. To put the comments of /a into it, \
             tick “merge into the thread already there”."
        ),
        "{page}"
    );
    // The form again, with what was typed, on the view it came from.
    assert_eq!(input_value(&page, "to"), "/b");
    assert!(page.contains("sur a"), "{page}");
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 1);

    let r = move_form(&m, "default", "/a", "/b", true, back).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.ends_with("&page=%2Fb&merged=1"), "{to}");
    assert_eq!(app.list("/a").await["count"], 0);
    let merged = app.list("/b").await;
    assert_eq!(merged["count"], 2, "{merged}");
    assert_eq!(merged["title"], "Le titre de b", "{merged}");
    let (_, page) = m.page(&to).await;
    assert!(
        page.contains("Done: the comments joined this page’s thread."),
        "{page}"
    );
}

#[actix_web::test]
async fn the_forms_refusals_are_said_in_the_moderators_language() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "sur a")).await;
    app.create(&comment("/b", "Dominique", "sur b")).await;
    let m = log_in(&app).await;
    let back = "/admin?status=approved&lang=fr&page=%2Fa";
    for (to, said) in [
        (
            "/b",
            "/b a déjà une discussion de 1 commentaire. Pour y verser les commentaires de /a, \
             cochez « fusionner avec la discussion déjà présente ».",
        ),
        (
            "b",
            "Nouveau chemin : La page doit être un chemin d’URL commençant par /",
        ),
        ("/a/", "/a est déjà le chemin de cette page."),
    ] {
        let r = move_form(&m, "default", "/a", to, false, back).await;
        assert_eq!(r.status(), 422, "{to}");
        let page = r.text().await.unwrap();
        assert!(page.contains(said), "{to}: {page}");
        assert!(page.contains("<html lang=\"fr\">"), "{page}");
    }
    let r = move_form(&m, "default", "/gone", "/c", false, back).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("La page /gone n’a pas de commentaire à déplacer."),
        "{page}"
    );
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 1);
}

#[actix_web::test]
async fn the_move_form_needs_a_session_and_its_csrf_token() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "sur a")).await;
    let fields = [("site", "default"), ("from", "/a"), ("to", "/b")];
    let m = assert_admin_form_needs_session_and_csrf(
        &app,
        "/admin/threads/move",
        &fields,
        "/admin?page=%2Fa",
    )
    .await;
    // The right token, from another site's page.
    let mut all = vec![("csrf", m.csrf.as_str())];
    all.extend_from_slice(&fields);
    let r = m
        .client
        .post(app.url("/admin/threads/move"))
        .header("Origin", "https://evil.example")
        .form(&all)
        .send()
        .await
        .unwrap();
    assert!(location(&r).contains("forged=1"));
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 0);
}

// ---------------------------------------------------------------------------
// Two sites, and a moderator of one

const CAMILLE_PASSWORD: &str = "correct horse battery";

/// `blog` and `notes`, both with a thread for `/a`; `camille` moderates `blog` only.
async fn two_sites_app() -> TestApp {
    let app = spawn_app_with(|s: &mut Settings| {
        s.moderation = ModerationMode::None;
        s.sites
            .push(json!({"id": "blog", "origins": ["http://blog.example"]}));
        s.sites
            .push(json!({"id": "notes", "origins": ["http://notes.example"]}));
    })
    .await;
    causerie::auth::accounts::add(
        &mut app.db(),
        &app.state.config.sites,
        "camille",
        CAMILLE_PASSWORD,
        &["blog".to_owned()],
    )
    .expect("camille added");
    for site in ["blog", "notes"] {
        let mut c = comment("/a", "Alix", &format!("sur {site}"));
        c["site"] = json!(site);
        app.create(&c).await;
    }
    app
}

fn pages(app: &TestApp) -> Vec<Option<String>> {
    app.column("SELECT site || ' ' || page AS v FROM threads ORDER BY id")
}

#[actix_web::test]
async fn a_moderator_of_one_site_cannot_move_another_sites_page() {
    let app = two_sites_app().await;
    let m = crate::common::moderator::log_in(&app.address, "camille", CAMILLE_PASSWORD).await;
    let r = move_form(&m, "notes", "/a", "/b", false, "/admin").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("This page is on a site you do not moderate; nothing was moved."),
        "{page}"
    );
    // Nor onto another site's address.
    let r = move_form(&m, "blog", "/a", "http://notes.example/b", false, "/admin").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(
            "http://notes.example/b is an address of the site notes: a page’s comments move \
             within its own site."
        ),
        "{page}"
    );
    assert_eq!(
        pages(&app),
        [Some("blog /a".into()), Some("notes /a".into())]
    );
    // Their own site's page, they may.
    let r = move_form(&m, "blog", "/a", "/b", false, "/admin").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        pages(&app),
        [Some("blog /b".into()), Some("notes /a".into())]
    );
}

#[actix_web::test]
async fn a_moderator_of_every_site_moves_the_page_of_the_site_viewed() {
    let app = two_sites_app().await;
    let m = log_in(&app).await;
    let (_, page) = m.page("/admin?status=approved&site=notes&page=/a").await;
    let doc = scraper::Html::parse_document(&page);
    let form = scraper::Selector::parse("form[action=\"/admin/threads/move\"]").unwrap();
    let form = doc.select(&form).next().expect("the move form").html();
    assert_eq!(input_value(&form, "site"), "notes");
    let r = move_form(
        &m,
        "notes",
        "/a",
        "/b",
        false,
        "/admin?site=notes&page=%2Fa",
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin?site=notes&page=%2Fb&moved=1");
    assert_eq!(
        pages(&app),
        [Some("blog /a".into()), Some("notes /b".into())]
    );
    let r = move_form(&m, "elsewhere", "/a", "/b", false, "/admin").await;
    assert_eq!(r.status(), 404);
}

#[actix_web::test]
async fn a_move_made_by_the_command_shows_on_the_running_server_within_a_second_or_two() {
    // `causerie move-page` writes on its own connection while the server serves.
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "sur a")).await;
    app.create(&comment("/b", "Dominique", "sur b")).await;
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(app.list("/b").await["count"], 1);
    let moved = causerie::moving::move_page(
        &mut app.db(),
        &app.state.config.sites,
        None,
        "/a",
        "/b",
        true,
    )
    .unwrap();
    assert_eq!(moved.merged_into, Some(1));
    let start = std::time::Instant::now();
    while app.list("/a").await["count"] != 0 || app.list("/b").await["count"] != 2 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(3),
            "the cache kept the pages as they were before the merge"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
