//! Where a thread's title comes from (SPEC section 5, issue 19 "spoofed titles"):
//! only a published comment's request names a page; a held or spam comment's title
//! shows nowhere public (API, counts, `/t`), only to moderators, marked as proposed;
//! a moderator renames a thread from the page filter view, at once for readers (the
//! cache warm), and no later request changes that title.

use serde_json::{json, Value};

use crate::common::input_value;
use crate::helpers::{
    assert_admin_form_needs_session_and_csrf, comment, location, log_in, spawn_app, spawn_app_with,
    Moderator, TestApp,
};
use crate::smtp::SmtpSink;
use causerie::config::ModerationMode;

const SCAM: &str = "SCAM-TITLE win money";

fn with_title(page: &str, author: &str, body: &str, title: &str) -> Value {
    let mut c = comment(page, author, body);
    c["title"] = json!(title);
    c
}

/// Everything a reader can fetch about `page`: the API's thread, its count, the
/// configuration and the no-JavaScript page.
async fn public_views(app: &TestApp, page: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/api/v1/comments?page={page}"),
        format!("/api/v1/counts?page={page}"),
        "/api/v1/config".to_owned(),
        format!("/t?page={page}"),
    ] {
        let (status, body) = app.get_text(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        all.push_str(&body);
    }
    all
}

/// The hidden `title` field of `/t`'s form for `page`.
async fn form_title(app: &TestApp, page: &str) -> String {
    let (_, body) = app.get_text(&format!("/t?page={page}")).await;
    input_value(&body, "title")
}

async fn rename(m: &Moderator, page: &str, title: &str) -> reqwest::Response {
    let back = format!("/admin?status=approved&page={page}");
    m.post(
        "/admin/threads/title",
        &[
            ("site", "default"),
            ("page", page),
            ("title", title),
            ("back", &back),
        ],
    )
    .await
}

#[actix_web::test]
async fn a_held_comments_title_is_public_nowhere_until_a_moderator_approves_it() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::All).await;
    let scam = app
        .create(&with_title("/a", "Spammer", "cheap pills", SCAM))
        .await;
    assert_eq!(scam["status"], "pending");
    let legit = app
        .create(&with_title("/a", "Camille", "Bel article", "Le vrai titre"))
        .await;
    assert_eq!(legit["status"], "pending");

    // Read twice, so that the cache holds the thread as it is now.
    for _ in 0..2 {
        let thread = app.list("/a").await;
        assert_eq!(thread["title"], Value::Null, "{thread}");
        let everything = public_views(&app, "/a").await;
        assert!(!everything.contains("SCAM"), "{everything}");
        assert!(!everything.contains("vrai titre"), "{everything}");
    }
    // The page shows its path, and its form sends no title of its own.
    let (_, page) = app.get_text("/t?page=/a").await;
    assert!(page.contains("<h1>/a</h1>"), "{page}");
    assert_eq!(form_title(&app, "/a").await, "");

    // Moderators see what each held comment proposes, said to be only that.
    let m = log_in(&app).await;
    let (_, queue) = m.page("/admin?status=pending").await;
    assert!(
        queue.contains("SCAM-TITLE win money (title proposed by this comment)"),
        "{queue}"
    );

    // The spam stays private; the approved comment names the page, at once.
    let scam_id = scam["comment"]["id"].as_i64().unwrap();
    let legit_id = legit["comment"]["id"].as_i64().unwrap();
    assert_eq!(m.act("spam", scam_id).await.status(), 303);
    assert_eq!(app.list("/a").await["title"], Value::Null);
    assert_eq!(m.act("approve", legit_id).await.status(), 303);
    let thread = app.list("/a").await;
    assert_eq!(thread["title"], "Le vrai titre", "{thread}");
    assert_eq!(thread["count"], 1);
    let everything = public_views(&app, "/a").await;
    assert!(
        everything.contains("<h1>Le vrai titre</h1>"),
        "{everything}"
    );
    assert!(!everything.contains("SCAM"), "{everything}");
    assert_eq!(form_title(&app, "/a").await, "Le vrai titre");

    // Approving the spam later does not rename a page that has its title.
    assert_eq!(m.act("approve", scam_id).await.status(), 303);
    assert_eq!(app.list("/a").await["title"], "Le vrai titre");
}

#[actix_web::test]
async fn the_first_published_comments_title_stays_whatever_later_requests_say() {
    let app = spawn_app().await;
    // A first comment that sends no title names nothing.
    let mut untitled = comment("/b", "Camille", "sans titre");
    untitled["title"] = Value::Null;
    assert_eq!(app.create(&untitled).await["status"], "approved");
    assert_eq!(app.list("/b").await["title"], Value::Null);
    // The next published one does, and none after it.
    app.create(&with_title("/b", "Dominique", "un", "Premier titre"))
        .await;
    assert_eq!(app.list("/b").await["title"], "Premier titre");
    app.create(&with_title("/b", "Eve", "deux", SCAM)).await;
    let thread = app.list("/b").await;
    assert_eq!(thread["title"], "Premier titre");
    assert_eq!(thread["count"], 3);
    assert!(!public_views(&app, "/b").await.contains("SCAM"));
}

#[actix_web::test]
async fn a_moderators_rename_shows_at_once_escaped_and_survives_later_requests() {
    let app = spawn_app().await;
    app.create(&with_title("/c", "Camille", "un", "Ancien titre"))
        .await;
    assert_eq!(app.list("/c").await["title"], "Ancien titre");
    assert_eq!(app.list("/c").await["title"], "Ancien titre", "cached");

    let m = log_in(&app).await;
    let (status, view) = m.page("/admin?status=approved&page=/c").await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&view);
    let sel = scraper::Selector::parse("form[action=\"/admin/threads/title\"]").unwrap();
    let form = doc.select(&sel).next().expect("the rename form").html();
    assert_eq!(input_value(&form, "csrf"), m.csrf);
    assert_eq!(input_value(&form, "page"), "/c");
    assert_eq!(input_value(&form, "title"), "Ancien titre");

    let new = "Nouveau <script>alert(1)</script> & co";
    let r = rename(&m, "/c", new).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/admin?status=approved&page=/c&renamed=1",
        "back to the view"
    );
    // Readers see it at once, though the thread was cached.
    assert_eq!(app.list("/c").await["title"], new);
    let (_, page) = app.get_text("/t?page=/c").await;
    let doc = scraper::Html::parse_document(&page);
    let h1 = scraper::Selector::parse("h1").unwrap();
    let heading: String = doc.select(&h1).next().unwrap().text().collect();
    assert_eq!(heading, new, "escaped in the HTML, the same text to read");
    assert!(!page.contains("<script>alert(1)"), "{page}");
    let (_, view) = m.page("/admin?status=approved&page=/c&renamed=1").await;
    assert!(!view.contains("<script>alert(1)"), "{view}");
    assert!(view.contains("Done: the page has its new title."), "{view}");
    assert!(view.contains("Named by a moderator"), "{view}");

    // Later requests, published at once, do not change it.
    app.create(&with_title("/c", "Dominique", "deux", SCAM))
        .await;
    assert_eq!(app.list("/c").await["title"], new);
    assert_eq!(
        app.stored("SELECT CAST(title_locked AS TEXT) AS v FROM threads WHERE page = '/c'")
            .map(|v| v == "1" || v == "true"),
        Some(true)
    );
}

#[actix_web::test]
async fn a_moderator_names_a_page_that_only_held_comments_have() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::All).await;
    let held = app.create(&with_title("/d", "Spammer", "x", SCAM)).await;
    let m = log_in(&app).await;
    let (_, view) = m.page("/admin?status=pending&page=/d").await;
    assert!(view.contains("No public title yet"), "{view}");
    assert_eq!(rename(&m, "/d", "Titre choisi").await.status(), 303);
    assert_eq!(app.list("/d").await["title"], "Titre choisi");
    // Its approval no longer names the page.
    let id = held["comment"]["id"].as_i64().unwrap();
    assert_eq!(m.act("approve", id).await.status(), 303);
    assert_eq!(app.list("/d").await["title"], "Titre choisi");
}

#[actix_web::test]
async fn the_rename_form_refuses_a_missing_csrf_token_and_a_title_too_long_or_blank() {
    let app = spawn_app().await;
    app.create(&with_title("/e", "Camille", "un", "Titre"))
        .await;
    let fields = [("site", "default"), ("page", "/e"), ("title", "Autre")];

    // No session: the login page; a session without its CSRF token or with a wrong
    // one: nothing changes, and the view says why.
    let m = assert_admin_form_needs_session_and_csrf(
        &app,
        "/admin/threads/title",
        &fields,
        "/admin?page=%2Fe",
    )
    .await;
    let (_, view) = m.page("/admin?page=%2Fe&forged=1").await;
    assert!(view.contains("This form has expired"), "{view}");
    assert_eq!(app.list("/e").await["title"], "Titre");

    // Too long (SPEC's limit of a title, 300 bytes) or blank: 422, said plainly on
    // the view the form came from, with what was typed still in the field.
    let too_long = format!("<b>{}", "é".repeat(150));
    let r = rename(&m, "/e", &too_long).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    let field = scraper::Selector::parse("form[action=\"/admin/threads/title\"] input[name=title]")
        .unwrap();
    let alert = scraper::Selector::parse("#rename-error[role=alert]").unwrap();
    let input = html
        .select(&field)
        .next()
        .expect("the rename form is shown again");
    assert_eq!(input.value().attr("value"), Some(too_long.as_str()));
    assert_eq!(input.value().attr("aria-invalid"), Some("true"));
    let said: String = html.select(&alert).flat_map(|e| e.text()).collect();
    assert!(said.contains("at most 300 bytes"), "{said}");
    let r = rename(&m, "/e", "   ").await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    let said: String = html.select(&alert).flat_map(|e| e.text()).collect();
    assert!(said.contains("cannot be blank"), "{said}");
    assert_eq!(app.list("/e").await["title"], "Titre");

    // Exactly at the limit is fine; a page without a thread is not found.
    let longest = "é".repeat(150);
    assert_eq!(rename(&m, "/e", &longest).await.status(), 303);
    assert_eq!(app.list("/e").await["title"], longest.as_str());
    assert_eq!(rename(&m, "/nowhere", "Titre").await.status(), 404);
}

#[actix_web::test]
async fn moderators_emails_mark_a_held_comments_title_as_proposed() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(sink.url());
        s.smtp_retry_base_secs = 1;
        s.smtp_timeout_secs = 5;
        s.limits = false;
        s.notify_to = vec!["moderator@example.net".into()];
        s.moderation = ModerationMode::All;
    })
    .await;
    app.create(&with_title("/f", "Spammer", "x", SCAM)).await;
    app.flush_outbox().await;
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    let subject = got[0].subject();
    assert_eq!(
        subject,
        "Comment awaiting moderation on “SCAM-TITLE win money” (title proposed by this comment)"
    );
    let text = got[0].text();
    assert!(
        text.contains("“SCAM-TITLE win money” (title proposed by this comment)"),
        "{text}"
    );
    assert_eq!(app.list("/f").await["title"], Value::Null);
}

#[actix_web::test]
async fn the_form_without_javascript_follows_the_same_rule() {
    use crate::nojs::{filled_form, post_form};
    let app = spawn_app_with(|s| s.moderation = ModerationMode::All).await;
    let typed = |title: &'static str| {
        [
            ("author", "Spammer"),
            ("email", "spam@example.org"),
            ("website", ""),
            ("body", "cheap pills"),
            ("title", title),
        ]
    };
    // A held comment whose form was given another title.
    let mut fields = filled_form(&app, "/t?page=/g", &typed(SCAM)).await;
    fields.retain(|(k, v)| k != "title" || v == SCAM);
    assert_eq!(post_form(&app, &fields).await.status(), 303);
    let id: i64 = app
        .stored("SELECT CAST(id AS TEXT) AS v FROM comments")
        .unwrap()
        .parse()
        .unwrap();
    let everything = public_views(&app, "/g").await;
    assert!(!everything.contains("SCAM"), "{everything}");
    assert_eq!(app.list("/g").await["title"], Value::Null);
    // Approved, it names the page.
    let m = log_in(&app).await;
    assert_eq!(m.act("approve", id).await.status(), 303);
    assert_eq!(app.list("/g").await["title"], SCAM);
}
