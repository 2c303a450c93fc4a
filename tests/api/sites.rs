//! Sites (SPEC section 10): one instance serving two sites, `blog` and `notes`, each
//! with its origins and its own settings, seen from their pages as browsers see them.

use reqwest::header::{
    ACCEPT_LANGUAGE, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, REFERER,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{comment, spawn_app, spawn_app_with, TestApp};
use crate::nojs::{get_page, sel, stored_count};
use crate::smtp::SmtpSink;
use causerie::config::{ModerationMode, Settings};

const BLOG: &str = "http://blog.example";
const NOTES: &str = "http://notes.example";
const ELSEWHERE: &str = "http://elsewhere.example";

/// `blog` and `notes` with nothing of their own: both follow the top level.
fn two_sites(s: &mut Settings) {
    s.moderation = ModerationMode::None;
    s.sites = vec![
        json!({"id": "blog", "name": "Le blog", "origins": [BLOG]}),
        json!({"id": "notes", "name": "Notes", "origins": [NOTES]}),
    ];
}

/// `blog` and `notes`, each with `extra` merged into its table.
fn sites_with(s: &mut Settings, blog: Value, notes: Value) {
    two_sites(s);
    for (site, extra) in s.sites.iter_mut().zip([blog, notes]) {
        for (k, v) in extra.as_object().unwrap() {
            site[k] = v.clone();
        }
    }
}

async fn app_with_two_sites() -> TestApp {
    spawn_app_with(two_sites).await
}

/// A comment for `page` on `site`.
fn on(site: &str, page: &str, author: &str, body: &str) -> Value {
    let mut c = comment(page, author, body);
    c["site"] = json!(site);
    c
}

impl TestApp {
    /// Posts `body` to the comment API as a page at `origin` would (none: curl).
    async fn post_from(&self, origin: Option<&str>, body: &Value) -> reqwest::Response {
        let mut r = self.client.post(self.url("/api/v1/comments")).json(body);
        if let Some(o) = origin {
            r = r.header(ORIGIN, o);
        }
        r.send().await.unwrap()
    }

    /// GETs `path` as a page at `origin` would.
    async fn get_from(&self, origin: Option<&str>, path: &str) -> reqwest::Response {
        let mut r = self.client.get(self.url(path));
        if let Some(o) = origin {
            r = r.header(ORIGIN, o);
        }
        r.send().await.unwrap()
    }

    /// The public list of `page` on `site`.
    async fn list_on(&self, site: &str, page: &str) -> Value {
        let r = self
            .client
            .get(self.url("/api/v1/comments"))
            .query(&[("site", site), ("page", page)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn bodies_on(&self, site: &str, page: &str) -> Vec<String> {
        self.list_on(site, page).await["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Waits (at most 20 s) until the public list of `page` on `site` shows `bodies`.
    async fn eventually_bodies(&self, site: &str, page: &str, bodies: &[&str]) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let shown = self.bodies_on(site, page).await;
            if shown == bodies {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{site} {page} still shows {shown:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    fn status_of(&self, id: i64) -> String {
        self.stored(&format!("SELECT status AS v FROM comments WHERE id = {id}"))
            .unwrap()
    }
}

fn id_of(created: &Value) -> i64 {
    created["comment"]["id"].as_i64().unwrap()
}

/// The hidden fields of the comment form in `html`.
fn hidden_fields_of(html: &str) -> Vec<(String, String)> {
    scraper::Html::parse_document(html)
        .select(&sel("form#causerie-form input[type=hidden]"))
        .map(|i| {
            let v = i.value();
            (
                v.attr("name").unwrap_or_default().to_owned(),
                v.attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn allowed_origin(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn error_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap())
}

// ---------------------------------------------------------------------------
// Threads are keyed by (site, page)

#[actix_web::test]
async fn the_same_path_on_two_sites_is_two_threads() {
    let app = app_with_two_sites().await;
    app.create(&on("blog", "/a", "Alice", "Sur le blog.")).await;
    app.create(&on("notes", "/a", "Bob", "In the notes.")).await;
    app.create(&on("notes", "/a", "Carol", "In the notes too."))
        .await;

    let blog = app.list_on("blog", "/a").await;
    assert_eq!(blog["site"], "blog");
    assert_eq!(blog["count"], 1);
    assert_eq!(app.bodies_on("blog", "/a").await, ["<p>Sur le blog.</p>"]);
    let notes = app.list_on("notes", "/a").await;
    assert_eq!(notes["site"], "notes");
    assert_eq!(notes["count"], 2);

    assert_eq!(
        app.get_json("/api/v1/counts?site=blog&page=/a").await,
        json!({"/a": 1})
    );
    assert_eq!(
        app.get_json("/api/v1/counts?site=notes&page=/a").await,
        json!({"/a": 2})
    );

    let (status, html) = app.get_text("/t?site=blog&page=/a").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sur le blog."), "{html}");
    assert!(!html.contains("In the notes"), "{html}");
    let (_, html) = app.get_text("/t?site=notes&page=/a").await;
    assert!(html.contains("In the notes too."), "{html}");
    assert!(!html.contains("Sur le blog."), "{html}");

    assert_eq!(
        app.column("SELECT site AS v FROM threads WHERE page = '/a' ORDER BY site"),
        [Some("blog".into()), Some("notes".into())]
    );
}

// ---------------------------------------------------------------------------
// Which site a request is for

#[actix_web::test]
async fn the_site_a_request_names_is_its_site() {
    let app = app_with_two_sites().await;
    // From no site's page (a server, curl): the name decides.
    let r = app
        .post_from(None, &on("notes", "/named", "Alice", "Named."))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.list_on("notes", "/named").await["count"], 1);
    assert_eq!(app.list_on("blog", "/named").await["count"], 0);
    let config = app.get_json("/api/v1/config?site=notes").await;
    assert_eq!(config["site"], json!({"id": "notes", "name": "Notes"}));
}

#[actix_web::test]
async fn without_a_site_named_the_origin_chooses() {
    let app = app_with_two_sites().await;
    let r = app
        .post_from(
            Some(NOTES),
            &comment("/o", "Alice", "From a page of notes."),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.list_on("notes", "/o").await["count"], 1);
    assert_eq!(app.list_on("blog", "/o").await["count"], 0);

    // Reads too: the notes page gets the notes thread.
    let read: Value = app
        .get_from(Some(NOTES), "/api/v1/comments?page=/o")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["site"], "notes");
    assert_eq!(read["count"], 1);
    let counts: Value = app
        .get_from(Some(NOTES), "/api/v1/counts?page=/o")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts, json!({"/o": 1}));
}

#[actix_web::test]
async fn the_thread_page_chooses_by_referer_without_origin() {
    let app = app_with_two_sites().await;
    app.create(&on("notes", "/r", "Alice", "Noted.")).await;
    // A link from a notes page to the no-JS thread page.
    let r = app
        .client
        .get(app.url("/t?page=/r"))
        .header(REFERER, format!("{NOTES}/articles/r?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Noted."), "{html}");
    let fields = hidden_fields_of(&html);
    assert!(
        fields.contains(&("site".to_owned(), "notes".to_owned())),
        "{fields:?}"
    );

    // Its form, posted by a browser that sends a Referer but no Origin.
    let mut fields = fields;
    fields.retain(|(k, _)| k != "site");
    fields.extend([
        ("author".to_owned(), "Bob".to_owned()),
        ("email".to_owned(), "bob@example.org".to_owned()),
        ("body".to_owned(), "Sent by the plain form.".to_owned()),
    ]);
    let r = app
        .client
        .post(app.url("/t"))
        .header(REFERER, format!("{NOTES}/articles/r"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("site=notes"), "{location}");
    assert_eq!(app.list_on("notes", "/r").await["count"], 2);
    assert_eq!(app.list_on("blog", "/r").await["count"], 0);
}

#[actix_web::test]
async fn without_a_name_or_a_sites_origin_the_first_site_is_chosen() {
    let app = app_with_two_sites().await;
    let r = app
        .post_from(None, &comment("/f", "Alice", "No site named."))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.list_on("blog", "/f").await["count"], 1);
    assert_eq!(app.list_on("notes", "/f").await["count"], 0);
    assert_eq!(app.list("/f").await["site"], "blog");
    assert_eq!(app.get_json("/api/v1/config").await["site"]["id"], "blog");
    // A read from a page of no site is public: the first site's thread.
    let read: Value = app
        .get_from(Some(ELSEWHERE), "/api/v1/comments?page=/f")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["site"], "blog");
    let page = get_page(&app, "/t?page=/f", None).await;
    assert!(page
        .hidden_fields()
        .contains(&("site".to_owned(), "blog".to_owned())));
}

#[actix_web::test]
async fn the_demo_page_embeds_the_site_asked_for() {
    let app = spawn_app_with(|s| sites_with(s, json!({}), json!({"lang": "fr"}))).await;
    let page = get_page(&app, "/demo?site=notes", None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-site=\"notes\""), "{}", page.body);
    assert!(page.body.contains("data-lang=\"fr\""), "{}", page.body);
    // The no-JS fallback, inside <noscript> (parsed as text with scripting on).
    let noscript = crate::nojs::text_of(&page.doc(), "noscript");
    let fallback = scraper::Html::parse_fragment(&noscript)
        .select(&sel("a"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .next();
    assert_eq!(
        fallback.as_deref(),
        Some("/t?site=notes&page=%2Fdemo&lang=fr"),
        "the no-JS fallback"
    );
    let page = get_page(&app, "/demo?site=nope", Some("en")).await;
    assert_eq!(page.status, 404);
    assert!(
        page.body.contains("There is no site “nope”"),
        "{}",
        page.body
    );
}

// ---------------------------------------------------------------------------
// Refusals

#[actix_web::test]
async fn a_write_from_one_sites_page_naming_the_other_is_403_site_mismatch() {
    let app = app_with_two_sites().await;
    let (status, err) = error_of(
        app.post_from(Some(BLOG), &on("notes", "/m", "Mallory", "Into the notes."))
            .await,
    )
    .await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["error"], "site_mismatch");
    assert!(err["message"].as_str().unwrap().len() > 10, "{err}");

    // The plain form, the site in its hidden field.
    let fields = crate::nojs::filled_form(
        &app,
        "/t?site=notes&page=/m",
        &[
            ("author", "Mallory"),
            ("email", "m@example.org"),
            ("body", "Into the notes."),
        ],
    )
    .await;
    let r = crate::nojs::post_form_from(&app, &fields, Some(BLOG)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(stored_count(&app), 0, "nothing written into notes");
}

#[actix_web::test]
async fn a_write_from_an_origin_of_no_site_is_403() {
    let app = app_with_two_sites().await;
    for body in [
        comment("/x", "Mallory", "From nowhere."),
        on("blog", "/x", "Mallory", "From nowhere, naming blog."),
    ] {
        let (status, err) = error_of(app.post_from(Some(ELSEWHERE), &body).await).await;
        assert_eq!(status, 403, "{err}");
        assert_eq!(err["error"], "origin_not_allowed");
    }
    assert_eq!(stored_count(&app), 0);
}

#[actix_web::test]
async fn an_unknown_site_is_404_with_a_clear_message_in_english_and_french() {
    let app = app_with_two_sites().await;
    for (lang, said) in [
        ("en", "There is no site “nope” on this comment server."),
        (
            "fr",
            "Il n’y a pas de site « nope » sur ce serveur de commentaires.",
        ),
    ] {
        for path in [
            "/api/v1/comments?site=nope&page=/a",
            "/api/v1/counts?site=nope&page=/a",
            "/api/v1/config?site=nope",
        ] {
            let r = app
                .client
                .get(app.url(path))
                .header(ACCEPT_LANGUAGE, lang)
                .send()
                .await
                .unwrap();
            let (status, err) = error_of(r).await;
            assert_eq!(status, 404, "{path}: {err}");
            assert_eq!(err["message"], said, "{path}");
        }
        let r = app
            .client
            .post(app.url("/api/v1/comments"))
            .header(ACCEPT_LANGUAGE, lang)
            .json(&on("nope", "/a", "Alice", "Where?"))
            .send()
            .await
            .unwrap();
        let (status, err) = error_of(r).await;
        assert_eq!(status, 404, "{err}");
        assert_eq!(err["message"], said);

        let page = get_page(&app, "/t?site=nope&page=/a", Some(lang)).await;
        assert_eq!(page.status, 404);
        assert!(page.body.contains(said), "{}", page.body);
    }
    assert_eq!(stored_count(&app), 0);
}

#[actix_web::test]
async fn an_authors_edit_or_removal_from_another_sites_page_is_403() {
    let app = app_with_two_sites().await;
    let posted = app.create(&on("blog", "/e", "Alice", "Premier jet.")).await;
    let id = id_of(&posted);
    let token = posted["edit_token"].as_str().unwrap().to_owned();

    let edit_from = |origin: &'static str| {
        app.client
            .put(app.url(&format!("/api/v1/comments/{id}")))
            .bearer_auth(&token)
            .header(ORIGIN, origin)
            .json(&json!({"body": "Rewritten from elsewhere."}))
            .send()
    };
    let delete_from = |origin: &'static str| {
        app.client
            .delete(app.url(&format!("/api/v1/comments/{id}")))
            .bearer_auth(&token)
            .header(ORIGIN, origin)
            .send()
    };
    let (status, err) = error_of(edit_from(NOTES).await.unwrap()).await;
    assert_eq!(
        (status.as_u16(), &err["error"]),
        (403, &json!("site_mismatch"))
    );
    let (status, err) = error_of(delete_from(NOTES).await.unwrap()).await;
    assert_eq!(
        (status.as_u16(), &err["error"]),
        (403, &json!("site_mismatch"))
    );
    let (status, err) = error_of(edit_from(ELSEWHERE).await.unwrap()).await;
    assert_eq!(
        (status.as_u16(), &err["error"]),
        (403, &json!("origin_not_allowed"))
    );
    assert_eq!(app.bodies_on("blog", "/e").await, ["<p>Premier jet.</p>"]);
    assert_eq!(app.status_of(id), "approved");

    // From the comment's own site, both work.
    assert_eq!(edit_from(BLOG).await.unwrap().status(), 200);
    assert_eq!(
        app.bodies_on("blog", "/e").await,
        ["<p>Rewritten from elsewhere.</p>"]
    );
    assert_eq!(delete_from(BLOG).await.unwrap().status(), 204);
    assert_eq!(app.list_on("blog", "/e").await["count"], 0);
}

// ---------------------------------------------------------------------------
// CORS

#[actix_web::test]
async fn a_sites_page_reads_only_its_own_sites_threads_with_cors() {
    let app = app_with_two_sites().await;
    app.create(&on("blog", "/c", "Alice", "CORS.")).await;

    for path in [
        "/api/v1/comments?site=blog&page=/c",
        "/api/v1/counts?site=blog&page=/c",
    ] {
        let r = app.get_from(Some(BLOG), path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(allowed_origin(&r).as_deref(), Some(BLOG), "{path}");

        // A page of notes reading blog's thread is refused; the refusal carries
        // CORS, so that the page can say why, and holds nothing of the thread.
        let r = app.get_from(Some(NOTES), path).await;
        assert_eq!(r.status(), 403, "{path}");
        assert_eq!(allowed_origin(&r).as_deref(), Some(NOTES), "{path}");
        let refusal = r.text().await.unwrap();
        assert!(refusal.contains("site_mismatch"), "{path}: {refusal}");
        assert!(!refusal.contains("CORS."), "{path}: {refusal}");

        // A page of no site: public, without CORS.
        let r = app.get_from(Some(ELSEWHERE), path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(allowed_origin(&r), None, "{path}");
    }
    // Without `site`, the origin's own site, with its CORS.
    let r = app.get_from(Some(NOTES), "/api/v1/comments?page=/c").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some(NOTES));
    let read: Value = r.json().await.unwrap();
    assert_eq!(
        (read["site"].as_str(), read["count"].as_i64()),
        (Some("notes"), Some(0))
    );
}

#[actix_web::test]
async fn a_preflight_is_answered_for_the_sites_pages_only() {
    let app = app_with_two_sites().await;
    let preflight = |origin: &'static str, path: &'static str, method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header(ORIGIN, origin)
            .header(ACCESS_CONTROL_REQUEST_METHOD, method)
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let r = preflight(BLOG, "/api/v1/comments?site=blog&page=/c", "GET")
        .await
        .unwrap();
    assert_eq!(allowed_origin(&r).as_deref(), Some(BLOG));
    // Notes' page may ask: the read itself is then refused (403 site_mismatch).
    let r = preflight(NOTES, "/api/v1/comments?site=blog&page=/c", "GET")
        .await
        .unwrap();
    assert_eq!(allowed_origin(&r).as_deref(), Some(NOTES));
    let r = preflight(ELSEWHERE, "/api/v1/comments?site=blog&page=/c", "GET")
        .await
        .unwrap();
    assert_eq!(allowed_origin(&r), None);
    // A post names its site in the body: any site's page may ask.
    for origin in [BLOG, NOTES] {
        let r = preflight(origin, "/api/v1/comments", "POST").await.unwrap();
        assert_eq!(allowed_origin(&r).as_deref(), Some(origin));
    }
    let r = preflight(ELSEWHERE, "/api/v1/comments", "POST")
        .await
        .unwrap();
    assert_eq!(allowed_origin(&r), None);
}

// ---------------------------------------------------------------------------
// Each site's settings, else the top level's

#[actix_web::test]
async fn each_site_moderates_by_its_own_mode() {
    let app = spawn_app_with(|s| sites_with(s, json!({}), json!({"moderation": "all"}))).await;
    let on_blog = app.create(&on("blog", "/mod", "Alice", "Published.")).await;
    assert_eq!(on_blog["status"], "approved", "the top level's mode, none");
    let on_notes = app.create(&on("notes", "/mod", "Bob", "Held.")).await;
    assert_eq!(on_notes["status"], "pending", "notes holds everything");
    assert_eq!(app.list_on("notes", "/mod").await["count"], 0);
    assert_eq!(
        app.get_json("/api/v1/config?site=notes").await["moderation"],
        "all"
    );
    assert_eq!(
        app.get_json("/api/v1/config?site=blog").await["moderation"],
        "none"
    );
}

#[actix_web::test]
async fn config_and_thread_page_speak_the_sites_language() {
    let app = spawn_app_with(|s| {
        sites_with(s, json!({"lang": "fr"}), json!({}));
        s.lang = causerie::i18n::Lang::En;
    })
    .await;
    assert_eq!(
        app.get_json("/api/v1/config?site=blog").await["default_language"],
        "fr"
    );
    assert_eq!(
        app.get_json("/api/v1/config?site=notes").await["default_language"],
        "en"
    );
    // A reader whose language cannot be told gets the site's.
    let blog = get_page(&app, "/t?site=blog&page=/l", None).await;
    assert!(blog.body.contains("<html lang=\"fr\">"), "{}", blog.body);
    assert!(blog
        .body
        .contains("Votre adresse de messagerie ne sera pas publiée."));
    let notes = get_page(&app, "/t?site=notes&page=/l", None).await;
    assert!(notes.body.contains("<html lang=\"en\">"), "{}", notes.body);
    assert!(notes
        .body
        .contains("Your email address will not be published."));
}

#[actix_web::test]
async fn the_edit_window_is_the_sites() {
    let app = spawn_app_with(|s| {
        sites_with(s, json!({"edit_window_minutes": 1}), json!({}));
        s.edit_window_minutes = 30;
    })
    .await;
    assert_eq!(
        app.get_json("/api/v1/config?site=blog").await["edit_window"],
        60
    );
    assert_eq!(
        app.get_json("/api/v1/config?site=notes").await["edit_window"],
        1800
    );
    let blog = app.create(&on("blog", "/w", "Alice", "Vite.")).await;
    let notes = app.create(&on("notes", "/w", "Bob", "Slowly.")).await;
    // Five minutes later.
    app.sql("UPDATE comments SET created_at = created_at - 300");
    let r = app
        .edit(id_of(&blog), blog["edit_token"].as_str(), "Trop tard.")
        .await;
    let (status, err) = error_of(r).await;
    assert_eq!(status, 403);
    assert_eq!(err["error"], "edit_window_closed");
    let r = app
        .edit(
            id_of(&notes),
            notes["edit_token"].as_str(),
            "Still in time.",
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[actix_web::test]
async fn replies_nest_as_deep_as_the_sites_max_depth() {
    let app = spawn_app_with(|s| {
        sites_with(s, json!({"max_depth": 1}), json!({}));
        s.max_depth = 3;
    })
    .await;
    for site in ["blog", "notes"] {
        let top = id_of(&app.create(&on(site, "/d", "Alice", "Top.")).await);
        let mut reply = on(site, "/d", "Bob", "Reply.");
        reply["parent"] = json!(top);
        let first = id_of(&app.create(&reply).await);
        let mut deeper = on(site, "/d", "Carol", "Reply to the reply.");
        deeper["parent"] = json!(first);
        let created = app.create(&deeper).await;
        let expected = if site == "blog" { top } else { first };
        assert_eq!(created["comment"]["parent"], expected, "{site}");
    }
    assert_eq!(
        app.get_json("/api/v1/config?site=blog").await["max_depth"],
        1
    );
    assert_eq!(
        app.get_json("/api/v1/config?site=notes").await["max_depth"],
        3
    );
}

#[actix_web::test]
async fn threads_close_after_the_sites_days() {
    let app = spawn_app_with(|s| {
        sites_with(s, json!({"close_after_days": 2}), json!({}));
        s.close_after_days = 0;
    })
    .await;
    app.create(&on("blog", "/old", "Alice", "Il y a longtemps."))
        .await;
    app.create(&on("notes", "/old", "Bob", "Long ago.")).await;
    // Three days later.
    app.sql("UPDATE threads SET created_at = created_at - 3 * 86400");
    let (status, err) = error_of(
        app.post_comment(&on("blog", "/old", "Carol", "Fermé ?"))
            .await,
    )
    .await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["error"], "thread_closed");
    assert_eq!(app.list_on("blog", "/old").await["open"], false);
    app.create(&on("notes", "/old", "Carol", "Never closes."))
        .await;
    assert_eq!(app.list_on("notes", "/old").await["open"], true);
}

#[actix_web::test]
async fn keywords_are_the_sites_else_the_top_levels() {
    let app = spawn_app_with(|s| {
        sites_with(
            s,
            json!({"disallowed_keywords": ["viagra"], "moderation_keywords": ["bitcoin"]}),
            json!({}),
        );
        s.disallowed_keywords = vec!["casino".into()];
        s.moderation_keywords = vec!["crypto".into()];
    })
    .await;
    let posted = |site: &'static str, who: &'static str, body: &'static str| {
        let app = &app;
        async move { id_of(&app.create(&on(site, "/k", who, body)).await) }
    };
    // blog's own lists replace the top level's.
    assert_eq!(
        app.status_of(posted("blog", "A", "Du viagra ?").await),
        "spam"
    );
    assert_eq!(
        app.status_of(posted("blog", "B", "Un bitcoin ?").await),
        "pending"
    );
    assert_eq!(
        app.status_of(posted("blog", "C", "Le casino, la crypto.").await),
        "approved"
    );
    // notes has none: the top level's.
    assert_eq!(
        app.status_of(posted("notes", "D", "A casino?").await),
        "spam"
    );
    assert_eq!(
        app.status_of(posted("notes", "E", "Some crypto?").await),
        "pending"
    );
    assert_eq!(
        app.status_of(posted("notes", "F", "Viagra and bitcoin.").await),
        "approved"
    );
}

// ---------------------------------------------------------------------------
// Notifications

#[actix_web::test]
async fn each_sites_moderators_get_only_their_sites_mail_in_its_language() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| {
        sites_with(
            s,
            json!({"lang": "fr", "notify_to": ["blog-mod@example.fr"]}),
            json!({"notify_to": ["notes-mod@example.org"]}),
        );
        s.smtp_url = Some(sink.url());
        s.smtp_retry_base_secs = 1;
        s.smtp_timeout_secs = 5;
        s.notify_to = vec!["top@example.net".into()];
    })
    .await;
    app.create(&on("blog", "/n", "Alice", "Un commentaire du blog."))
        .await;
    app.create(&on("notes", "/n", "Bob", "A comment on the notes."))
        .await;
    app.flush_outbox().await;
    let got = sink.wait_for(2, 20).await;
    assert_eq!(got.len(), 2, "one message per site, none to the top level");

    let blog = sink.to("blog-mod@example.fr");
    assert_eq!(blog.len(), 1);
    let m = &blog[0];
    assert!(
        m.subject().starts_with("Nouveau commentaire sur"),
        "{}",
        m.subject()
    );
    let text = m.text();
    assert!(text.contains("Un commentaire du blog."), "{text}");
    assert!(!text.contains("A comment on the notes."), "{text}");
    assert!(text.contains("/t?site=blog&page=%2Fn"), "{text}");

    let notes = sink.to("notes-mod@example.org");
    assert_eq!(notes.len(), 1);
    let m = &notes[0];
    assert!(m.subject().starts_with("New comment on"), "{}", m.subject());
    let text = m.text();
    assert!(text.contains("A comment on the notes."), "{text}");
    assert!(text.contains("/t?site=notes&page=%2Fn"), "{text}");
    assert!(sink.to("top@example.net").is_empty());
}

// ---------------------------------------------------------------------------
// Rate limits: an author is one author on every site

/// Real limits, from one address, `adjust` setting the one under test.
fn limited(s: &mut Settings, adjust: impl FnOnce(&mut Settings)) {
    two_sites(s);
    adjust(s);
}

async fn post_status(app: &TestApp, site: &str, page: &str, who: &str, body: &str) -> u16 {
    app.post_comment(&on(site, page, who, body))
        .await
        .status()
        .as_u16()
}

#[actix_web::test]
async fn the_hourly_limit_per_email_counts_every_site() {
    let app = spawn_app_with(|s| limited(s, |s| s.max_comments_per_email_per_hour = 2)).await;
    assert_eq!(post_status(&app, "blog", "/p", "Alice", "One.").await, 201);
    assert_eq!(post_status(&app, "notes", "/p", "Alice", "Two.").await, 201);
    let r = app
        .post_comment(&on("notes", "/q", "Alice", "Three."))
        .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(post_status(&app, "blog", "/q", "Alice", "Four.").await, 429);
}

#[actix_web::test]
async fn the_hourly_limit_per_address_counts_every_site() {
    let app = spawn_app_with(|s| limited(s, |s| s.max_comments_per_ip_per_hour = 2)).await;
    assert_eq!(post_status(&app, "blog", "/p", "Alice", "One.").await, 201);
    assert_eq!(post_status(&app, "notes", "/p", "Bob", "Two.").await, 201);
    assert_eq!(
        post_status(&app, "notes", "/q", "Carol", "Three.").await,
        429
    );
    assert_eq!(post_status(&app, "blog", "/q", "Dan", "Four.").await, 429);
}

#[actix_web::test]
async fn the_hourly_limit_per_thread_counts_each_sites_thread_apart() {
    let app =
        spawn_app_with(|s| limited(s, |s| s.max_comments_per_thread_per_ip_per_hour = 1)).await;
    // One page, two sites: two threads, each with its own count.
    assert_eq!(post_status(&app, "blog", "/p", "Alice", "One.").await, 201);
    assert_eq!(post_status(&app, "notes", "/p", "Bob", "Two.").await, 201);
    assert_eq!(
        post_status(&app, "blog", "/p", "Carol", "Three.").await,
        429
    );
    assert_eq!(post_status(&app, "notes", "/p", "Dan", "Four.").await, 429);
}

#[actix_web::test]
async fn the_flood_interval_counts_every_site() {
    let app = spawn_app_with(|s| limited(s, |s| s.flood_seconds = 3600)).await;
    assert_eq!(post_status(&app, "blog", "/p", "Alice", "One.").await, 201);
    assert_eq!(post_status(&app, "notes", "/p", "Alice", "Two.").await, 429);
}

// ---------------------------------------------------------------------------
// Without [[sites]]

#[actix_web::test]
async fn without_sites_everything_is_on_the_site_default() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.origins = vec![BLOG.into()];
    })
    .await;
    let r = app
        .post_from(Some(BLOG), &comment("/a", "Alice", "As before."))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(allowed_origin(&r).as_deref(), Some(BLOG));
    let list = app.list("/a").await;
    assert_eq!(
        (list["site"].as_str(), list["count"].as_i64()),
        (Some("default"), Some(1))
    );
    assert_eq!(app.list_on("default", "/a").await["count"], 1);
    assert_eq!(
        app.get_json("/api/v1/counts?site=default&page=/a").await,
        json!({"/a": 1})
    );
    assert_eq!(
        app.get_json("/api/v1/config").await["site"]["id"],
        "default"
    );
    assert_eq!(
        app.stored("SELECT site AS v FROM threads WHERE page = '/a'")
            .as_deref(),
        Some("default")
    );
    let r = app.get_from(Some(BLOG), "/api/v1/comments?page=/a").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some(BLOG));
    let (status, _) = error_of(
        app.get_from(None, "/api/v1/comments?site=blog&page=/a")
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let r = app
        .post_from(Some(ELSEWHERE), &comment("/a", "Mallory", "From nowhere."))
        .await;
    assert_eq!(r.status(), 403);
}

#[actix_web::test]
async fn without_sites_the_plain_app_is_unchanged() {
    let app = spawn_app().await;
    app.create(&comment("/plain", "Alice", "Plain.")).await;
    assert_eq!(app.list("/plain").await["count"], 1);
    let (status, html) = app.get_text("/t?page=/plain").await;
    assert_eq!(status, 200);
    assert!(html.contains("Plain."));
}

// ---------------------------------------------------------------------------
// Moving a site's threads (`causerie move-site`, here through its function)

/// `default` (the threads of before sites) and `blog`.
async fn app_for_moving() -> TestApp {
    spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.sites = vec![
            json!({"id": "default", "origins": ["http://old.example"]}),
            json!({"id": "blog", "origins": [BLOG]}),
        ];
    })
    .await
}

fn move_site(
    app: &TestApp,
    from: &str,
    to: &str,
    merge: bool,
) -> Result<causerie::sites::Moved, causerie::sites::MoveError> {
    causerie::sites::move_site(&mut app.db(), &app.state.config.sites, from, to, merge)
}

fn comment_count(app: &TestApp) -> i64 {
    stored_count(app)
}

#[actix_web::test]
async fn moving_default_to_blog_moves_every_thread() {
    let app = app_for_moving().await;
    app.create(&on("default", "/a", "Alice", "Ancien A.")).await;
    app.create(&on("default", "/b", "Bob", "Ancien B.")).await;
    app.create(&on("blog", "/c", "Carol", "Déjà sur le blog."))
        .await;
    // Read once, so that the cache holds the old answers.
    assert_eq!(app.list_on("default", "/a").await["count"], 1);
    assert_eq!(app.list_on("blog", "/a").await["count"], 0);

    let moved = move_site(&app, "default", "blog", false).unwrap();
    assert_eq!(
        moved,
        causerie::sites::Moved {
            threads: 2,
            merged: 0
        }
    );
    assert_eq!(
        app.column("SELECT DISTINCT site AS v FROM threads"),
        [Some("blog".into())]
    );
    // The move was another connection's write: the cache drops the pages it changed
    // when it next reads the changes (within a second on SQLite).
    app.eventually_bodies("blog", "/a", &["<p>Ancien A.</p>"])
        .await;
    app.eventually_bodies("default", "/a", &[]).await;
    assert_eq!(app.bodies_on("blog", "/b").await, ["<p>Ancien B.</p>"]);
    assert_eq!(comment_count(&app), 3);
}

#[actix_web::test]
async fn moving_onto_a_page_the_target_has_is_refused_naming_the_page() {
    let app = app_for_moving().await;
    app.create(&on("default", "/same", "Alice", "Ancien."))
        .await;
    app.create(&on("default", "/only-old", "Bob", "Seul."))
        .await;
    app.create(&on("blog", "/same", "Carol", "Nouveau.")).await;

    let err = move_site(&app, "default", "blog", false).unwrap_err();
    let said = err.to_string();
    assert!(
        matches!(err, causerie::sites::MoveError::Collision(..)),
        "{said}"
    );
    assert!(said.contains("/same") && said.contains("--merge"), "{said}");
    // Nothing moved, not even the page without a collision.
    assert_eq!(
        app.column("SELECT site || ' ' || page AS v FROM threads ORDER BY id"),
        [
            Some("default /same".into()),
            Some("default /only-old".into()),
            Some("blog /same".into())
        ]
    );
    assert!(matches!(
        move_site(&app, "default", "nope", false),
        Err(causerie::sites::MoveError::UnknownTarget(..))
    ));
}

#[actix_web::test]
async fn moving_with_merge_puts_the_comments_into_the_targets_thread() {
    let app = app_for_moving().await;
    let old = app
        .create(&on("default", "/same", "Alice", "Ancien."))
        .await;
    let mut reply = on("default", "/same", "Bob", "Réponse ancienne.");
    reply["parent"] = json!(id_of(&old));
    let reply = app.create(&reply).await;
    app.create(&on("default", "/only-old", "Dan", "Seul."))
        .await;
    app.create(&on("blog", "/same", "Carol", "Nouveau.")).await;
    let before = comment_count(&app);

    let moved = move_site(&app, "default", "blog", true).unwrap();
    assert_eq!(
        moved,
        causerie::sites::Moved {
            threads: 2,
            merged: 1
        }
    );
    assert_eq!(comment_count(&app), before, "no comment lost");
    let merged = app.list_on("blog", "/same").await;
    assert_eq!(merged["count"], 3);
    let by_author: Vec<(String, Value)> = merged["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["author"].as_str().unwrap().to_owned(),
                c["parent"].clone(),
            )
        })
        .collect();
    assert_eq!(
        by_author,
        [
            ("Alice".to_owned(), Value::Null),
            ("Bob".to_owned(), json!(id_of(&old))),
            ("Carol".to_owned(), Value::Null),
        ]
    );
    assert_eq!(app.bodies_on("blog", "/only-old").await, ["<p>Seul.</p>"]);
    assert_eq!(
        app.column("SELECT DISTINCT site AS v FROM threads"),
        [Some("blog".into())]
    );
    // The reply's author can still edit it where it now is.
    let r = app
        .edit(id_of(&reply), reply["edit_token"].as_str(), "Toujours là.")
        .await;
    assert_eq!(r.status(), 200);
}
