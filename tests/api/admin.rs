//! Moderation (SPEC section 7): logging in, the queue, every action and refusal,
//! the rules that hold comments, and the one-click links.

use serde_json::{json, Value};

use crate::common::input_value as form_value;
use crate::helpers::{browser, comment, log_in, login_attempt, spawn_app_with, TestApp, PASSWORD};
use causerie::config::{ModerationMode, Settings};

/// How long the one-click links made by these tests stay valid.
const WEEK: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

async fn held_app() -> TestApp {
    spawn_app_with(|s: &mut Settings| s.moderation = ModerationMode::FirstTime).await
}

fn status_of(app: &TestApp, id: i64) -> String {
    app.stored(&format!("SELECT status AS v FROM comments WHERE id = {id}"))
        .unwrap()
}

#[actix_web::test]
async fn the_queue_needs_a_session() {
    let app = held_app().await;
    let r = app.client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/admin/login"));
    let r = app
        .client
        .post(app.url("/admin/moderate"))
        .form(&[("one", "approve:1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[actix_web::test]
async fn login_sets_a_strict_httponly_cookie_and_admin_pages_forbid_framing() {
    let app = held_app().await;
    let client = browser();
    let r = login_attempt(&client, &app, "admin", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("causerie_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    // Served over plain http here, so not Secure (a browser would drop it).
    assert!(!cookie.contains("Secure"), "{cookie}");
    let r = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("script-src"),
        "admin pages run no script: {csp}"
    );
}

#[actix_web::test]
async fn wrong_password_is_refused_without_telling_which_part_is_wrong() {
    let app = held_app().await;
    let client = browser();
    let r = login_attempt(&client, &app, "admin", "not-the-password").await;
    assert_eq!(r.status(), 401);
    let wrong_password = r.text().await.unwrap();
    let r = login_attempt(&client, &app, "nobody", "not-the-password").await;
    assert_eq!(r.status(), 401);
    let wrong_name = r.text().await.unwrap();
    assert!(wrong_password.contains("Wrong name or password."));
    assert!(wrong_name.contains("Wrong name or password."));
    assert!(r_cookie_absent(&client, &app).await);
}

async fn r_cookie_absent(client: &reqwest::Client, app: &TestApp) -> bool {
    client.get(app.url("/admin")).send().await.unwrap().status() == 303
}

#[actix_web::test]
async fn login_without_a_form_from_this_site_is_refused() {
    let app = held_app().await;
    let client = browser();
    let r = client
        .post(app.url("/admin/login"))
        .form(&[("name", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = client
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form_value(&page, "form_token");
    let r = client
        .post(app.url("/admin/login"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("form_token", token.as_str()),
            ("name", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[actix_web::test]
async fn repeated_failures_throttle_the_account_even_with_the_right_password() {
    let app = held_app().await;
    let client = browser();
    for _ in 0..5 {
        assert_eq!(
            login_attempt(&client, &app, "admin", "guess-guess-guess")
                .await
                .status(),
            401
        );
    }
    let r = login_attempt(&client, &app, "admin", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "900");
    assert!(r.text().await.unwrap().contains("Too many failed attempts"));
    // Fifteen minutes later the account may try again.
    app.sql("UPDATE login_failures SET at = at - 901");
    assert_eq!(
        login_attempt(&client, &app, "admin", PASSWORD)
            .await
            .status(),
        303
    );
}

#[actix_web::test]
async fn repeated_failures_from_one_address_throttle_every_account() {
    let app = spawn_app_with(|s| s.login_max_failures = 2).await;
    let client = browser();
    for i in 0..8 {
        let name = format!("user{i}");
        assert_eq!(
            login_attempt(&client, &app, &name, "guess-guess-guess")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        login_attempt(&client, &app, "admin", PASSWORD)
            .await
            .status(),
        429
    );
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = held_app().await;
    let m = log_in(&app).await;
    let r = m.post("/admin/logout", &[]).await;
    assert_eq!(r.status(), 303);
    let (status, _) = m.page("/admin").await;
    assert_eq!(status, 303);
    assert_eq!(
        app.stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM sessions")
            .as_deref(),
        Some("0")
    );
}

#[actix_web::test]
async fn an_idle_session_expires() {
    let app = held_app().await;
    let m = log_in(&app).await;
    app.sql("UPDATE sessions SET last_seen_at = last_seen_at - 7201");
    let (status, _) = m.page("/admin").await;
    assert_eq!(status, 303);
}

#[actix_web::test]
async fn the_queue_shows_held_comments_with_counts_and_reasons() {
    let app = held_app().await;
    app.create(&comment("/a", "Camille", "premier commentaire"))
        .await;
    let mut spammy = comment(
        "/a",
        "Dominique",
        "http://a.example http://b.example http://c.example",
    );
    spammy["email"] = json!("dominique@example.org");
    app.create(&spammy).await;
    let m = log_in(&app).await;
    let (status, page) = m.page("/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("Pending <span>(2)</span>"), "{page}");
    assert!(page.contains("Approved <span>(0)</span>"));
    assert!(page.contains("first comment from this address"));
    assert!(page.contains("3 links (more than 2)"));
    // Moderators see the email; the public never does.
    assert!(page.contains("camille@example.org"));
    assert!(page.contains("127.0.0.0/24"));
}

/// Reasons are stored as codes: each moderator reads them in the language of their
/// admin pages, whatever language the comment was held in.
#[actix_web::test]
async fn hold_reasons_are_shown_in_the_moderators_language() {
    let app = held_app().await;
    let first = app
        .create(&comment("/a", "Camille", "premier commentaire"))
        .await;
    let mut spammy = comment(
        "/a",
        "Dominique",
        "http://a.example http://b.example http://c.example",
    );
    spammy["email"] = json!("dominique@example.org");
    app.create(&spammy).await;
    let m = log_in(&app).await;

    let (_, fr) = m.page("/admin?lang=fr").await;
    assert!(
        fr.contains("Retenu car : premier commentaire de cette adresse"),
        "{fr}"
    );
    assert!(fr.contains("3 liens (plus de 2)"), "{fr}");
    assert!(!fr.contains("first comment from this address"), "{fr}");

    let r = m
        .client
        .get(app.url("/admin"))
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let negotiated = r.text().await.unwrap();
    assert!(negotiated.contains("3 liens (plus de 2)"), "{negotiated}");

    let r = m
        .client
        .get(app.url("/admin"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let en = r.text().await.unwrap();
    assert!(
        en.contains("Held because: first comment from this address"),
        "{en}"
    );
    assert!(en.contains("3 links (more than 2)"), "{en}");
    assert!(!en.contains("liens"), "{en}");

    let id = first["comment"]["id"].as_i64().unwrap();
    let (_, edit) = m.page(&format!("/admin/comments/{id}?lang=fr")).await;
    assert!(
        edit.contains("Retenu car : premier commentaire de cette adresse"),
        "{edit}"
    );
    let (_, edit) = m.page(&format!("/admin/comments/{id}?lang=en")).await;
    assert!(
        edit.contains("Held because: first comment from this address"),
        "{edit}"
    );
}

/// A reason this release did not write (a sentence of an older one, say) is shown
/// as it is stored, in every language.
#[actix_web::test]
async fn a_reason_that_is_not_a_code_is_shown_as_it_is() {
    let app = held_app().await;
    let posted = app
        .create(&comment("/a", "Camille", "premier commentaire"))
        .await;
    let id = posted["comment"]["id"].as_i64().unwrap();
    app.sql(&format!(
        "UPDATE comments SET hold_reason = 'held by hand: see ticket 12' WHERE id = {id}"
    ));
    let m = log_in(&app).await;
    for lang in ["en", "fr"] {
        let (status, page) = m.page(&format!("/admin?lang={lang}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("held by hand: see ticket 12"), "{page}");
    }
}

#[actix_web::test]
async fn approving_publishes_at_once_everywhere() {
    let app = held_app().await;
    let v = app.create(&comment("/a", "Camille", "à approuver")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    // The public page is read (and cached) while the comment waits.
    assert_eq!(app.list("/a").await["count"], 0);
    let m = log_in(&app).await;
    let r = m.act("approve", id).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().contains("done=1"));
    assert_eq!(status_of(&app, id), "approved");
    assert_eq!(app.list("/a").await["count"], 1);
    let counts: Value = app.get_json("/api/v1/counts?page=/a").await;
    assert_eq!(counts["/a"], 1);
    let (_, nojs) = app.get_text("/t?page=/a").await;
    assert!(nojs.contains("à approuver"));

    m.act("unapprove", id).await;
    assert_eq!(app.list("/a").await["count"], 0);
    m.act("spam", id).await;
    assert_eq!(status_of(&app, id), "spam");
    m.act("restore", id).await;
    assert_eq!(status_of(&app, id), "approved");
    m.act("delete", id).await;
    assert_eq!(status_of(&app, id), "deleted");
    assert_eq!(app.list("/a").await["count"], 0);
    m.act("purge", id).await;
    assert_eq!(
        app.stored(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM comments WHERE id = {id}"
        ))
        .as_deref(),
        Some("0")
    );
}

#[actix_web::test]
async fn bulk_actions_apply_to_the_selection_only() {
    let app = held_app().await;
    let mut ids = Vec::new();
    for name in ["Un", "Deux", "Trois"] {
        ids.push(
            app.create(&comment("/a", name, name)).await["comment"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let m = log_in(&app).await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let r = m
        .post(
            "/admin/moderate",
            &[
                ("bulk", "approve"),
                ("ids", &a),
                ("ids", &b),
                ("back", "/admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, ids[0]), "approved");
    assert_eq!(status_of(&app, ids[1]), "approved");
    assert_eq!(status_of(&app, ids[2]), "pending");
}

#[actix_web::test]
async fn forged_moderation_requests_change_nothing() {
    let app = held_app().await;
    let id = app.create(&comment("/a", "Camille", "x")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let m = log_in(&app).await;
    let one = format!("approve:{id}");
    // No token.
    let r = m
        .client
        .post(app.url("/admin/moderate"))
        .form(&[("one", one.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("forged=1"));
    // A wrong token.
    let r = m
        .client
        .post(app.url("/admin/moderate"))
        .form(&[("csrf", "0000"), ("one", one.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("forged=1"));
    // The right token, from another site's page.
    let r = m
        .client
        .post(app.url("/admin/moderate"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", m.csrf.as_str()), ("one", one.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("forged=1"));
    assert_eq!(status_of(&app, id), "pending");
    let (_, page) = m.page("/admin?forged=1").await;
    assert!(page.contains("nothing was changed"));
}

#[actix_web::test]
async fn going_back_never_leaves_the_admin() {
    let app = held_app().await;
    let id = app.create(&comment("/a", "Camille", "x")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let m = log_in(&app).await;
    let one = format!("approve:{id}");
    for evil in [
        "https://evil.example/",
        "//evil.example/admin",
        "/admin\r\nSet-Cookie: x=1",
    ] {
        let r = m
            .post("/admin/moderate", &[("one", &one), ("back", evil)])
            .await;
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/admin?"), "{evil} → {to}");
    }
}

#[actix_web::test]
async fn search_by_email_text_or_author_and_filter_by_page() {
    let app = held_app().await;
    let mut c = comment("/a", "Camille", "parle de souveraineté");
    c["email"] = json!("camille.dupont@example.fr");
    app.create(&c).await;
    app.create(&comment("/b", "Dominique", "autre sujet")).await;
    let m = log_in(&app).await;
    let (_, page) = m.page("/admin?q=dupont%40example").await;
    assert!(
        page.contains("souveraineté") && !page.contains("autre sujet"),
        "{page}"
    );
    let (_, page) = m.page("/admin?q=SOUVERAIN").await;
    assert!(page.contains("souveraineté") && !page.contains("autre sujet"));
    let (_, page) = m.page("/admin?q=Dominique").await;
    assert!(!page.contains("souveraineté") && page.contains("autre sujet"));
    let (_, page) = m.page("/admin?page=/b/").await;
    assert!(!page.contains("souveraineté") && page.contains("autre sujet"));
    // LIKE wildcards typed by the moderator are literal.
    let (_, page) = m.page("/admin?q=%25").await;
    assert!(page.contains("No comment here."));
}

#[actix_web::test]
async fn editing_re_sanitizes_and_keeps_the_raw_text() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::None).await;
    let id = app.create(&comment("/a", "Camille", "fote")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let m = log_in(&app).await;
    let (status, form) = m.page(&format!("/admin/comments/{id}")).await;
    assert_eq!(status, 200);
    assert!(form.contains(">fote</textarea>"));
    let raw = "faute <b>corrigée</b><script>alert(1)</script>";
    let r = m
        .post(
            &format!("/admin/comments/{id}"),
            &[("author", "Camille D."), ("website", ""), ("body", raw)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let listed = app.list("/a").await;
    assert_eq!(
        listed["comments"][0]["body"],
        "<p>faute <b>corrigée</b></p>"
    );
    assert_eq!(listed["comments"][0]["author"], "Camille D.");
    assert_eq!(
        app.stored(&format!(
            "SELECT body_raw AS v FROM comments WHERE id = {id}"
        ))
        .as_deref(),
        Some(raw)
    );
    // A blank text is refused, the moderator's input kept.
    let r = m
        .post(
            &format!("/admin/comments/{id}"),
            &[
                ("author", "Camille D."),
                ("website", "pas une url"),
                ("body", " "),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"pas une url\""), "{page}");
}

#[actix_web::test]
async fn a_moderator_reply_is_published_with_the_badge_and_approves_its_parent() {
    let app = held_app().await;
    let id = app
        .create(&comment("/a", "Camille", "une question ?"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    let m = log_in(&app).await;
    let r = m
        .post(
            &format!("/admin/comments/{id}/reply"),
            &[("body", "Une réponse.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let listed = app.list("/a").await;
    assert_eq!(listed["count"], 2);
    let reply = &listed["comments"][1];
    assert_eq!(reply["moderator"], true);
    assert_eq!(reply["author"], "admin");
    assert_eq!(reply["parent"], id);
    assert_eq!(reply["body"], "<p>Une réponse.</p>");
}

#[actix_web::test]
async fn closing_a_thread_refuses_new_comments_until_reopened() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::None).await;
    app.create(&comment("/a", "Camille", "avant")).await;
    let m = log_in(&app).await;
    let r = m
        .post(
            "/admin/threads",
            &[("page", "/a"), ("closed", "1"), ("back", "/admin?page=/a")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.list("/a").await["open"], false);
    assert_eq!(
        app.post_comment(&comment("/a", "Dominique", "après"))
            .await
            .status(),
        403
    );
    let (_, nojs) = app.get_text("/t?page=/a").await;
    assert!(nojs.contains("Comments are closed."));
    let (_, admin_page) = m.page("/admin?page=/a").await;
    assert!(admin_page.contains("Open comments"));
    m.post("/admin/threads", &[("page", "/a"), ("closed", "0")])
        .await;
    assert_eq!(
        app.post_comment(&comment("/a", "Dominique", "après"))
            .await
            .status(),
        201
    );
}

#[actix_web::test]
async fn threads_close_by_themselves_after_the_configured_days() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.close_after_days = 14;
    })
    .await;
    app.create(&comment("/a", "Camille", "au début")).await;
    app.sql("UPDATE threads SET created_at = created_at - 15 * 86400");
    let r = app
        .post_comment(&comment("/a", "Dominique", "trop tard"))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.list("/a").await["open"], false);
}

#[actix_web::test]
async fn disallowed_words_go_to_spam_and_moderation_words_are_held() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.disallowed_keywords = vec!["casino".into()];
        s.moderation_keywords = vec!["crypto".into()];
    })
    .await;
    let v = app
        .create(&comment("/a", "Camille", "Meilleur CASINO en ligne"))
        .await;
    // The reader is told it waits, not that it was judged spam.
    assert_eq!(v["status"], "pending");
    assert_eq!(
        status_of(&app, v["comment"]["id"].as_i64().unwrap()),
        "spam"
    );
    let v = app
        .create(&comment("/a", "Dominique", "Parlons crypto"))
        .await;
    assert_eq!(v["status"], "pending");
    let reason = app.stored(&format!(
        "SELECT hold_reason AS v FROM comments WHERE id = {}",
        v["comment"]["id"]
    ));
    assert_eq!(reason.as_deref(), Some("moderation_word:crypto"));
    assert_eq!(
        app.create(&comment("/a", "Alix", "Rien à signaler")).await["status"],
        "approved"
    );
}

fn make_links(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let mut conn = app.db();
    causerie::notify::outbox::create_links(&mut conn, id, causerie::db::now(), WEEK)
        .unwrap()
        .into_iter()
        .map(|(a, t)| (a.as_str().to_owned(), t))
        .collect()
}

#[actix_web::test]
async fn one_click_links_confirm_first_then_act_once() {
    let app = held_app().await;
    let id = app
        .create(&comment("/a", "Camille", "à modérer par courriel"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    let links = make_links(&app, id);
    let approve = &links.iter().find(|(a, _)| a == "approve").unwrap().1;
    // A mail scanner fetching the link changes nothing.
    let (status, page) = app.get_text(&format!("/admin/act/{approve}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("à modérer par courriel"));
    assert!(page.contains("method=\"post\""));
    assert_eq!(status_of(&app, id), "pending");
    let r = app
        .client
        .post(app.url(&format!("/admin/act/{approve}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, id), "approved");
    // Single use, and the comment's other links are retired with it.
    let r = app
        .client
        .post(app.url(&format!("/admin/act/{approve}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let spam = &links.iter().find(|(a, _)| a == "spam").unwrap().1;
    let r = app
        .client
        .post(app.url(&format!("/admin/act/{spam}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(status_of(&app, id), "approved");
}

#[actix_web::test]
async fn expired_or_unknown_links_are_refused() {
    let app = held_app().await;
    let id = app.create(&comment("/a", "Camille", "x")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let links = make_links(&app, id);
    app.sql("UPDATE action_links SET expires_at = expires_at - 8 * 86400");
    let delete = &links.iter().find(|(a, _)| a == "delete").unwrap().1;
    let r = app
        .client
        .post(app.url(&format!("/admin/act/{delete}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
    assert_eq!(status_of(&app, id), "pending");
    let guess = "A".repeat(43);
    let (status, _) = app.get_text(&format!("/admin/act/{guess}")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_text("/admin/act/../../etc").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn admin_pages_speak_french() {
    let app = held_app().await;
    let m = log_in(&app).await;
    let (_, page) = m.page("/admin?lang=fr").await;
    assert!(page.contains("En attente"), "{page}");
    assert!(page.contains("Se déconnecter"));
    let (_, login) = app.get_text("/admin/login?lang=fr").await;
    assert!(login.contains("Mot de passe"));
}

#[actix_web::test]
async fn names_websites_and_texts_are_inert_in_the_admin_queue() {
    let app = held_app().await;
    let mut c = comment("/a", "x", "<img src=x onerror=alert(1)>texte");
    c["author"] = json!("<script>alert('name')</script>");
    c["website"] = json!("https://evil.example/\"><script>alert(2)</script>");
    c["title"] = json!("<svg onload=alert(3)>");
    app.create(&c).await;
    let m = log_in(&app).await;
    let (_, page) = m.page("/admin").await;
    let doc = scraper::Html::parse_document(&page);
    for bad in ["script", "img", "svg"] {
        let sel = scraper::Selector::parse(bad).unwrap();
        assert_eq!(
            doc.select(&sel).count(),
            0,
            "a live <{bad}> in the admin queue"
        );
    }
    assert!(
        page.contains("alert('name')")
            || page.contains("alert(&#39;name&#39;)")
            || page.contains("alert(&#x27;name&#x27;)"),
        "the name is shown as text: {page}"
    );
    let (_, edit) = m.page("/admin/comments/1").await;
    let doc = scraper::Html::parse_document(&edit);
    let sel = scraper::Selector::parse("script, img, svg").unwrap();
    assert_eq!(doc.select(&sel).count(), 0);
}

#[actix_web::test]
async fn the_queue_comes_in_pages_of_fifty_newest_first() {
    let app = held_app().await;
    for i in 0..55 {
        app.create(&comment(
            "/a",
            &format!("Lecteur {i}"),
            &format!("texte numéro {i}"),
        ))
        .await;
    }
    let m = log_in(&app).await;
    let (_, first) = m.page("/admin").await;
    let doc = scraper::Html::parse_document(&first);
    let rows = scraper::Selector::parse("li.comment").unwrap();
    assert_eq!(doc.select(&rows).count(), 50);
    assert!(first.contains("texte numéro 54"), "newest first");
    assert!(!first.contains("texte numéro 4<"));
    let older = scraper::Selector::parse(".pager a").unwrap();
    let next = doc.select(&older).next().expect("a link to older comments");
    let href = next.value().attr("href").unwrap().replace("&amp;", "&");
    assert!(href.contains("p=2"), "{href}");
    let (_, second) = m.page(&href).await;
    let doc = scraper::Html::parse_document(&second);
    assert_eq!(doc.select(&rows).count(), 5);
    assert!(second.contains("texte numéro 0<"));
    assert!(second.contains("Newer"));
}

#[actix_web::test]
async fn notices_answer_their_own_query_parameter_only() {
    let app = held_app().await;
    let m = log_in(&app).await;
    let done = ">Done.<";
    let forged = "not sent from this site";
    for path in ["/admin/outbox", "/admin"] {
        let (_, lookalike) = m.page(&format!("{path}?undone=1&unforged=1")).await;
        assert!(!lookalike.contains(done), "{path}: {lookalike}");
        assert!(!lookalike.contains(forged), "{path}: {lookalike}");
        let (_, flagged) = m.page(&format!("{path}?done=1&forged=1")).await;
        assert!(flagged.contains(done), "{path}: {flagged}");
        assert!(flagged.contains(forged), "{path}: {flagged}");
    }
    let login = |query: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(&format!("/admin/login?{query}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    assert!(!login("unexpired=1").await.contains("Please log in."));
    assert!(login("expired=1").await.contains("Please log in."));
}

/// Guesses sent all at once are counted one after the other: no more of them get to
/// try a password than `login_max_failures`, however many race.
#[actix_web::test]
async fn concurrent_guesses_cannot_pass_the_login_limit() {
    const MAX: u32 = 3;
    const GUESSES: usize = 16;
    let app = spawn_app_with(|s| s.login_max_failures = MAX).await;
    let app = &app;
    let answers = futures_util::future::join_all((0..GUESSES).map(|i| async move {
        let client = browser();
        login_attempt(&client, app, "admin", &format!("guess-number-{i}"))
            .await
            .status()
            .as_u16()
    }))
    .await;
    let wrong = answers.iter().filter(|s| **s == 401).count();
    let throttled = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(wrong + throttled, GUESSES, "{answers:?}");
    assert!(
        wrong <= MAX as usize,
        "{wrong} guesses were tried: {answers:?}"
    );
    assert!(wrong >= 1, "{answers:?}");
}

// ---------------------------------------------------------------------------
// Moderators limited to some sites (SPEC section 10)

const CAMILLE_PASSWORD: &str = "correct horse battery";

/// Two sites, `blog` ("Le blog") and `notes`, each with its own moderators' address,
/// holding every comment; and `camille`, a moderator of `blog` only.
async fn two_sites_app() -> TestApp {
    let app = spawn_app_with(|s: &mut Settings| {
        s.moderation = ModerationMode::All;
        s.sites.push(json!({
            "id": "blog",
            "name": "Le blog",
            "origins": ["http://blog.example"],
            "notify_to": ["blog-owner@example.org"],
        }));
        s.sites.push(json!({
            "id": "notes",
            "name": "Notes",
            "origins": ["http://notes.example"],
            "notify_to": ["notes-owner@example.org"],
        }));
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
    app
}

/// Posts a comment on `site` (from its own origin); returns its id.
async fn post_on(app: &TestApp, site: &str, page: &str, author: &str, body: &str) -> i64 {
    let mut c = comment(page, author, body);
    c["site"] = json!(site);
    let r = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Origin", format!("http://{site}.example"))
        .json(&c)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["comment"]["id"].as_i64().unwrap()
}

async fn log_in_camille(app: &TestApp) -> crate::helpers::Moderator {
    crate::common::moderator::log_in(&app.address, "camille", CAMILLE_PASSWORD).await
}

fn count_of(app: &TestApp, query: &str) -> String {
    app.stored(&format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM {query}"))
        .unwrap()
}

#[actix_web::test]
async fn a_moderator_of_one_site_sees_only_its_comments_in_the_queue_search_and_counts() {
    let app = two_sites_app().await;
    post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    post_on(&app, "notes", "/b", "Dominique", "encore des notes").await;
    let m = log_in_camille(&app).await;

    let (status, page) = m.page("/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("sur le blog"), "{page}");
    assert!(!page.contains("dans les notes"), "{page}");
    assert!(page.contains("Pending <span>(1)</span>"), "{page}");
    // The instance has several sites: each comment says which, by its name.
    assert!(
        page.contains("<span class=\"site\">Le blog</span>"),
        "{page}"
    );
    // One site to see: nothing to choose.
    assert!(!page.contains("<select id=\"site\""), "{page}");

    // Search and the page filter stay within the moderator's sites.
    let (_, found) = m.page("/admin?q=Dominique").await;
    assert!(found.contains("No comment here."), "{found}");
    assert!(found.contains("Pending <span>(0)</span>"), "{found}");
    let (_, found) = m.page("/admin?q=notes").await;
    assert!(!found.contains("dans les notes"), "{found}");
    let (_, by_page) = m.page("/admin?page=/b").await;
    assert!(!by_page.contains("encore des notes"), "{by_page}");
    // Asking for another site's comments shows the moderator's own, nothing else.
    let (_, asked) = m.page("/admin?site=notes").await;
    assert!(!asked.contains("dans les notes"), "{asked}");
    assert!(asked.contains("sur le blog"), "{asked}");
}

#[actix_web::test]
async fn a_moderator_of_every_site_sees_both_and_filters_by_site() {
    let app = two_sites_app().await;
    post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    let m = log_in(&app).await;

    let (_, page) = m.page("/admin").await;
    assert!(
        page.contains("sur le blog") && page.contains("dans les notes"),
        "{page}"
    );
    assert!(page.contains("Pending <span>(2)</span>"), "{page}");
    let doc = scraper::Html::parse_document(&page);
    let options = scraper::Selector::parse("select#site option").unwrap();
    let choices: Vec<(String, String)> = doc
        .select(&options)
        .map(|o| {
            let value = o.value().attr("value").unwrap_or_default().to_owned();
            (value, o.text().collect::<String>())
        })
        .collect();
    assert_eq!(
        choices,
        vec![
            (String::new(), "All sites".to_owned()),
            ("blog".to_owned(), "Le blog".to_owned()),
            ("notes".to_owned(), "Notes".to_owned()),
        ]
    );

    let (_, notes) = m.page("/admin?site=notes").await;
    assert!(notes.contains("dans les notes"), "{notes}");
    assert!(!notes.contains("sur le blog"), "{notes}");
    assert!(notes.contains("Pending <span>(1)</span>"), "{notes}");
    // The tabs keep the filter, and the select shows it.
    let doc = scraper::Html::parse_document(&notes);
    let tabs = scraper::Selector::parse(".tabs a").unwrap();
    for tab in doc.select(&tabs) {
        let href = tab.value().attr("href").unwrap();
        assert!(href.contains("site=notes"), "{href}");
    }
    let selected = scraper::Selector::parse("select#site option[selected]").unwrap();
    let chosen: Vec<&str> = doc
        .select(&selected)
        .filter_map(|o| o.value().attr("value"))
        .collect();
    assert_eq!(chosen, vec!["notes"]);
}

#[actix_web::test]
async fn another_sites_comment_is_not_found_for_a_moderator_of_one_site() {
    let app = two_sites_app().await;
    let blog = post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    let notes = post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    let m = log_in_camille(&app).await;

    // As if it did not exist: 404, not 403, so that it does not leak.
    let (status, page) = m.page(&format!("/admin/comments/{notes}")).await;
    assert_eq!(status, 404);
    assert!(page.contains("There is no such comment."), "{page}");
    assert!(!page.contains("dans les notes"), "{page}");
    let r = m
        .post(
            &format!("/admin/comments/{notes}"),
            &[("author", "Camille"), ("website", ""), ("body", "réécrit")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = m
        .post(
            &format!("/admin/comments/{notes}/reply"),
            &[("body", "Une réponse.")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = m.act("approve", notes).await;
    assert_eq!(r.status(), 404);

    assert_eq!(status_of(&app, notes), "pending");
    assert_eq!(
        app.stored(&format!(
            "SELECT body_raw AS v FROM comments WHERE id = {notes}"
        ))
        .as_deref(),
        Some("dans les notes")
    );
    assert_eq!(count_of(&app, "comments WHERE moderator = TRUE"), "0");

    // Their own site's comment, they may.
    let (status, _) = m.page(&format!("/admin/comments/{blog}")).await;
    assert_eq!(status, 200);
    assert_eq!(m.act("approve", blog).await.status(), 303);
    assert_eq!(status_of(&app, blog), "approved");
}

#[actix_web::test]
async fn a_bulk_action_leaves_another_sites_comments_untouched_and_says_so() {
    let app = two_sites_app().await;
    let blog = post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    let notes = post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    let m = log_in_camille(&app).await;
    let (b, n) = (blog.to_string(), notes.to_string());
    let r = m
        .post(
            "/admin/moderate",
            &[
                ("bulk", "spam"),
                ("ids", &b),
                ("ids", &n),
                ("back", "/admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("skipped=1"), "{to}");
    assert_eq!(status_of(&app, blog), "spam");
    assert_eq!(status_of(&app, notes), "pending");
    let (_, page) = m.page(&to).await;
    assert!(page.contains("were left unchanged"), "{page}");
}

#[actix_web::test]
async fn the_outbox_of_a_moderator_of_one_site_lists_only_its_messages() {
    let app = two_sites_app().await;
    post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    let notes = post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    app.flush_outbox().await;

    let camille = log_in_camille(&app).await;
    let (status, page) = camille.page("/admin/outbox").await;
    assert_eq!(status, 200);
    assert!(page.contains("blog-owner@example.org"), "{page}");
    assert!(!page.contains("notes-owner@example.org"), "{page}");
    assert!(!page.contains("dans les notes"), "{page}");

    // Retrying another site's message is as retrying one that does not exist.
    app.sql("UPDATE outbox SET status = 'failed'");
    let notes_message = app
        .stored(
            "SELECT CAST(id AS TEXT) AS v FROM outbox WHERE recipient = 'notes-owner@example.org'",
        )
        .unwrap();
    let r = camille
        .post("/admin/outbox/retry", &[("id", &notes_message)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        count_of(
            &app,
            "outbox WHERE status = 'failed' AND recipient = 'notes-owner@example.org'"
        ),
        "1"
    );

    // A message whose comment was deleted for good belongs to no site any more:
    // only the moderators of every site see it.
    let admin = log_in(&app).await;
    assert_eq!(admin.act("purge", notes).await.status(), 303);
    let (_, page) = camille.page("/admin/outbox").await;
    assert!(!page.contains("notes-owner@example.org"), "{page}");
    let (_, page) = admin.page("/admin/outbox").await;
    assert!(page.contains("blog-owner@example.org"), "{page}");
    assert!(page.contains("notes-owner@example.org"), "{page}");
}

#[actix_web::test]
async fn a_one_click_link_of_another_site_is_refused_in_a_session_of_other_sites() {
    let app = two_sites_app().await;
    let notes = post_on(&app, "notes", "/a", "Dominique", "dans les notes").await;
    let links = make_links(&app, notes);
    let approve = &links.iter().find(|(a, _)| a == "approve").unwrap().1;
    let camille = log_in_camille(&app).await;

    let (status, page) = camille.page(&format!("/admin/act/{approve}")).await;
    assert_eq!(status, 403);
    assert!(!page.contains("dans les notes"), "{page}");
    let r = camille
        .client
        .post(app.url(&format!("/admin/act/{approve}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("a site you do not moderate"));
    assert_eq!(status_of(&app, notes), "pending");

    // The token is the credential: without a session, the link still works.
    let (status, page) = app.get_text(&format!("/admin/act/{approve}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("dans les notes"), "{page}");
    let r = app
        .client
        .post(app.url(&format!("/admin/act/{approve}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, notes), "approved");
}

#[actix_web::test]
async fn a_one_click_link_of_their_own_site_works_in_a_limited_session() {
    let app = two_sites_app().await;
    let blog = post_on(&app, "blog", "/a", "Alix", "sur le blog").await;
    let links = make_links(&app, blog);
    let spam = &links.iter().find(|(a, _)| a == "spam").unwrap().1;
    let camille = log_in_camille(&app).await;
    let (status, _) = camille.page(&format!("/admin/act/{spam}")).await;
    assert_eq!(status, 200);
    let r = camille
        .client
        .post(app.url(&format!("/admin/act/{spam}")))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, blog), "spam");
}

#[actix_web::test]
async fn a_moderator_of_one_site_sees_and_dismisses_only_its_reports() {
    let app = two_sites_app().await;
    let on_blog = post_on(&app, "blog", "/a", "Alix", "signalé sur le blog").await;
    let on_notes = post_on(&app, "notes", "/a", "Dominique", "signalé dans les notes").await;
    app.sql("UPDATE comments SET status = 'approved'");
    for (id, site) in [(on_blog, "blog"), (on_notes, "notes")] {
        let r = app
            .client
            .post(app.url(&format!("/api/v1/comments/{id}/report")))
            .header("Origin", format!("http://{site}.example"))
            .json(&json!({"reason": "abuse"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    // A page of one site cannot report another's comment.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/comments/{on_notes}/report")))
        .header("Origin", "http://blog.example")
        .json(&json!({"reason": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let m = log_in_camille(&app).await;
    let (_, page) = m.page("/admin/reports?lang=en").await;
    assert!(page.contains("signalé sur le blog"), "{page}");
    assert!(!page.contains("dans les notes"), "{page}");
    let (_, asked) = m.page("/admin/reports?lang=en&site=notes").await;
    assert!(
        !asked.contains("dans les notes"),
        "another site, asked for: {asked}"
    );
    let (_, queue) = m.page("/admin?lang=en").await;
    assert!(queue.contains("Reported <span>(1)</span>"), "{queue}");
    let r = m
        .post("/admin/reports/dismiss", &[("id", &on_notes.to_string())])
        .await;
    assert_eq!(r.status(), 404, "another site's comment is not found");
    assert_eq!(
        count_of(&app, "reports WHERE resolved_at IS NULL"),
        "2",
        "nothing dismissed"
    );
    let everyone = log_in(&app).await;
    let (_, notes) = everyone.page("/admin/reports?lang=en&site=notes").await;
    assert!(notes.contains("dans les notes") && !notes.contains("sur le blog"));
}
