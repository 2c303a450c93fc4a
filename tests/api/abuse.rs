//! Defences against floods and bots (SPEC section 9): every limit answers with a
//! clear message and a status; bots are kept as spam without being told.

use serde_json::{json, Value};

use crate::helpers::{comment, spawn_app_with, TestApp};
use causerie::config::{ModerationMode, Settings};

/// The real defaults of the limits, which the test harness relaxes.
fn real_limits(s: &mut Settings) {
    let d = Settings::default();
    s.moderation = ModerationMode::None;
    s.flood_seconds = d.flood_seconds;
    s.max_comments_per_ip_per_hour = d.max_comments_per_ip_per_hour;
    s.max_comments_per_email_per_hour = d.max_comments_per_email_per_hour;
    s.max_comments_per_thread_per_ip_per_hour = d.max_comments_per_thread_per_ip_per_hour;
    s.min_form_seconds = d.min_form_seconds;
}

fn status_of(app: &TestApp, id: &Value) -> String {
    app.stored(&format!("SELECT status AS v FROM comments WHERE id = {id}"))
        .unwrap()
}

#[actix_web::test]
async fn a_second_comment_within_the_flood_interval_is_429_with_retry_after() {
    let app = spawn_app_with(real_limits).await;
    app.create(&comment("/a", "Camille", "un")).await;
    let r = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "fr")
        .json(&comment("/b", "Camille", "deux"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&wait), "{wait}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "too_many_requests");
    assert!(v["message"].as_str().unwrap().contains("trop vite"), "{v}");
    // Another address block and email is not affected... but one address block is
    // one author for the flood interval, whatever email it gives.
    let r = app.post_comment(&comment("/a", "Dominique", "trois")).await;
    assert_eq!(r.status(), 429);
    // Once the interval has passed, Camille may post again.
    app.sql("UPDATE comments SET created_at = created_at - 16");
    assert_eq!(
        app.post_comment(&comment("/b", "Camille", "deux"))
            .await
            .status(),
        201
    );
}

#[actix_web::test]
async fn hourly_limits_per_email_and_per_address_and_per_thread() {
    let app = spawn_app_with(|s| {
        real_limits(s);
        s.flood_seconds = 0;
        s.max_comments_per_email_per_hour = 3;
        s.max_comments_per_thread_per_ip_per_hour = 4;
        s.max_comments_per_ip_per_hour = 6;
    })
    .await;
    for i in 0..3 {
        app.create(&comment("/a", "Camille", &format!("c{i}")))
            .await;
    }
    let r = app.post_comment(&comment("/b", "Camille", "c3")).await;
    assert_eq!(r.status(), 429);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("minutes"), "{v}");
    // Per thread and address block: a fourth on /a from another email passes, a fifth does not.
    app.create(&comment("/a", "Dominique", "d0")).await;
    assert_eq!(
        app.post_comment(&comment("/a", "Alix", "a0"))
            .await
            .status(),
        429
    );
    // Per address block over all threads.
    app.create(&comment("/b", "Alix", "a1")).await;
    app.create(&comment("/c", "Sacha", "s1")).await;
    assert_eq!(
        app.post_comment(&comment("/d", "Lou", "l1")).await.status(),
        429
    );
    // An hour later, all is forgiven.
    app.sql("UPDATE comments SET created_at = created_at - 3601");
    assert_eq!(
        app.post_comment(&comment("/d", "Lou", "l1")).await.status(),
        201
    );
}

#[actix_web::test]
async fn limits_off_lets_a_benchmark_post_freely() {
    let app = spawn_app_with(|s| {
        real_limits(s);
        s.limits = false;
    })
    .await;
    for i in 0..5 {
        app.create(&comment("/a", "Camille", &format!("rafale {i}")))
            .await;
    }
}

#[actix_web::test]
async fn a_filled_honeypot_is_kept_as_spam_without_telling() {
    let app = spawn_app_with(real_limits).await;
    let mut c = comment("/a", "Bot", "Buy now");
    c["homepage"] = json!("http://spam.example");
    let v = app.create(&c).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(status_of(&app, &v["comment"]["id"]), "spam");
    let reason = app.stored(&format!(
        "SELECT hold_reason AS v FROM comments WHERE id = {}",
        v["comment"]["id"]
    ));
    assert_eq!(reason.as_deref(), Some("bot:honeypot"));
    assert_eq!(app.list("/a").await["count"], 0);
}

async fn form_token(app: &TestApp, page: &str) -> String {
    let v: Value = app.get_json(&format!("/api/v1/config?page={page}")).await;
    v["form_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_form_posted_faster_than_a_person_types_is_spam() {
    let app = spawn_app_with(real_limits).await;
    let mut c = comment("/a", "Bot", "Trop rapide");
    c["form_token"] = json!(form_token(&app, "/a").await);
    let v = app.create(&c).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(status_of(&app, &v["comment"]["id"]), "spam");

    // A token from three seconds ago is a person's.
    let app = spawn_app_with(real_limits).await;
    let mut c = comment("/a", "Camille", "À mon rythme");
    c["form_token"] = json!(app.form_token("/a", 3));
    assert_eq!(app.create(&c).await["status"], "approved");
    // A token this instance never signed is a bot's.
    let mut c = comment("/b", "Dominique", "Jeton inventé");
    c["form_token"] = json!("1700000000.AAAA");
    app.sql("UPDATE comments SET created_at = created_at - 16");
    let v = app.create(&c).await;
    assert_eq!(status_of(&app, &v["comment"]["id"]), "spam");
}

#[actix_web::test]
async fn a_form_token_is_bound_to_its_page() {
    let app = spawn_app_with(real_limits).await;
    // The embed asks for its page's token; without a page there is none to time.
    let v: Value = app.get_json("/api/v1/config").await;
    assert!(v.get("form_token").is_none(), "{v}");
    // /a's token, old enough, posted for /b: another form's, held as a bot's.
    let mut c = comment("/b", "Eden", "Jeton d’une autre page");
    c["form_token"] = json!(app.form_token("/a", 60));
    let v = app.create(&c).await;
    assert_eq!(status_of(&app, &v["comment"]["id"]), "spam");
    let reason = app.stored(&format!(
        "SELECT hold_reason AS v FROM comments WHERE id = {}",
        v["comment"]["id"]
    ));
    assert_eq!(reason.as_deref(), Some("bot:forged_token"));
    // The same page written another way is the same page.
    let mut c = comment("/a/", "Eden", "Le bon jeton");
    c["form_token"] = json!(app.form_token("/a", 60));
    app.sql("UPDATE comments SET created_at = created_at - 16");
    assert_eq!(app.create(&c).await["status"], "approved");
}

#[actix_web::test]
async fn an_expired_form_token_is_answered_with_a_fresh_one_and_nothing_is_stored() {
    let app = spawn_app_with(real_limits).await;
    let mut c = comment("/a", "Fanny", "Onglet ouvert depuis hier");
    for old in [
        app.form_token("/a", 25 * 3600),
        // The previous release's token: a time alone.
        app.secret()
            .sign("form", &(causerie::db::now() - 60).to_string()),
    ] {
        c["form_token"] = json!(old);
        let r = app
            .client
            .post(app.url("/api/v1/comments"))
            .json(&c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "token_expired", "{v}");
        assert_eq!(v["message"], "This form is too old; please send it again.");
        let fresh = v["form_token"].as_str().expect("a fresh token").to_owned();
        assert_eq!(
            app.stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM comments")
                .as_deref(),
            Some("0")
        );
        c["form_token"] = json!(fresh);
    }
    // Sent again with the fresh token once a person could have: published.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(app.create(&c).await["status"], "approved");
}

#[actix_web::test]
async fn the_nojs_form_has_a_honeypot_and_answers_floods_with_the_text_kept() {
    let app = spawn_app_with(real_limits).await;
    let (_, page) = app.get_text("/t?page=/a").await;
    assert!(page.contains("name=\"homepage\""));
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("input[name=form_token]").unwrap();
    let token = doc
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    app.sql("SELECT 1");
    // Posted at once: the min-time defence keeps it as spam, the reader is told it waits.
    let r = app
        .client
        .post(app.url("/t"))
        .form(&[
            ("page", "/a"),
            ("form_token", token.as_str()),
            ("author", "Bot"),
            ("email", "bot@example.org"),
            ("body", "vite"),
            ("homepage", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("pending=1"));
    let id = app
        .stored("SELECT CAST(MAX(id) AS TEXT) AS v FROM comments")
        .unwrap();
    assert_eq!(status_of(&app, &json!(id.parse::<i64>().unwrap())), "spam");
    // A second post from the same block inside the flood interval: 429, text kept.
    let r = app
        .client
        .post(app.url("/t"))
        .form(&[
            ("page", "/a"),
            ("form_token", token.as_str()),
            ("author", "Camille"),
            ("email", "camille@example.org"),
            ("body", "Mon texte à garder"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let page = r.text().await.unwrap();
    assert!(page.contains("Mon texte à garder"));
    assert!(page.contains("too quickly"), "{page}");
}

#[actix_web::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = spawn_app_with(|s| {
        real_limits(s);
        s.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let post = |who: &'static str, xff: &'static str| {
        app.client
            .post(app.url("/api/v1/comments"))
            .header("X-Forwarded-For", xff)
            .json(&comment("/a", who, who))
            .send()
    };
    assert_eq!(post("Camille", "198.51.100.7").await.unwrap().status(), 201);
    // Another reader behind the same proxy is not flooded by Camille.
    assert_eq!(
        post("Dominique", "203.0.113.9").await.unwrap().status(),
        201
    );
    let ips = app.column("SELECT ip AS v FROM comments ORDER BY id");
    assert_eq!(
        ips,
        [
            Some("198.51.100.0/24".into()),
            Some("203.0.113.0/24".into())
        ]
    );

    let direct = spawn_app_with(real_limits).await;
    let r = direct
        .client
        .post(direct.url("/api/v1/comments"))
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&comment("/a", "Camille", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        direct.stored("SELECT ip AS v FROM comments").as_deref(),
        Some("127.0.0.0/24")
    );
}

#[actix_web::test]
async fn deeply_nested_json_is_a_clear_400_not_a_crash() {
    let app = spawn_app_with(real_limits).await;
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = app.post_raw("application/json", deep).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "malformed_json");
    let (status, _) = app.get_text("/healthz").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn guessing_edit_tokens_gets_nowhere() {
    let app = spawn_app_with(real_limits).await;
    let v = app.create(&comment("/a", "Camille", "à moi")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let real = v["edit_token"].as_str().unwrap();
    let mut near = real.to_owned();
    let last = if near.ends_with('A') { "B" } else { "A" };
    near.replace_range(near.len() - 1.., last);
    for guess in [
        near.as_str(),
        "",
        "null",
        &real[..real.len() - 1],
        "' OR 1=1 --",
    ] {
        let r = app.delete(id, Some(guess)).await;
        assert_eq!(r.status(), 403, "{guess:?}");
    }
    assert_eq!(app.list("/a").await["count"], 1);
}

#[actix_web::test]
async fn a_double_submit_is_told_it_is_a_duplicate_not_to_slow_down() {
    let app = spawn_app_with(real_limits).await;
    let c = comment("/double", "Camille", "Cliqué deux fois.");
    app.create(&c).await;
    // The same comment again at once, well inside the flood interval.
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 409);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "duplicate", "{v}");
    // A different comment at once is still a flood.
    let r = app
        .post_comment(&comment("/double", "Camille", "Autre chose."))
        .await;
    assert_eq!(r.status(), 429);
}
