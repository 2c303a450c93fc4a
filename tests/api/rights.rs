//! Readers' rights and reports (SPEC section 14), end to end: the request for one's
//! data answers alike for every address, the emailed link (its signature, expiry and
//! single use), the download, the erasure (public views, stored rows, queued mail,
//! replies kept under a placeholder), a moderator's erasure, the retention of spam
//! and deleted comments, and reports (counted once per network, the threshold's
//! hold, dismissal, the decision told to reporters and authors).

use serde_json::{json, Value};

use crate::helpers::{comment, log_in, spawn_app_with, TestApp};
use crate::smtp::SmtpSink;
use causerie::config::{ModerationMode, Settings};

const MODERATOR: &str = "moderator@example.net";

fn settings(s: &mut Settings, sink: &SmtpSink) {
    s.moderation = ModerationMode::None;
    s.smtp_url = Some(sink.url());
    s.smtp_retry_base_secs = 1;
    s.notify_to = vec![MODERATOR.into()];
    // Reports from several networks arrive through this proxy in the tests.
    s.trusted_proxies = vec!["127.0.0.1/32".into(), "::1/128".into()];
}

async fn app(sink: &SmtpSink) -> TestApp {
    spawn_app_with(|s| settings(s, sink)).await
}

fn count(app: &TestApp, query: &str) -> i64 {
    app.stored(&format!("SELECT CAST(({query}) AS TEXT) AS v"))
        .unwrap()
        .parse()
        .unwrap()
}

async fn ask_data(app: &TestApp, email: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/my-data"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The data link of the last `my_data` message to `email`.
async fn data_link(app: &TestApp, sink: &SmtpSink, email: &str) -> String {
    let before = sink.to(email).len();
    app.flush_outbox().await;
    let mails = sink.wait_for(before + 1, 10).await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.rcpt_to.iter().any(|r| r == email))
        .expect("a data email");
    let text = mail.text();
    let url = text
        .split_whitespace()
        .find(|w| w.contains("/my-data/"))
        .expect("a link in the data email")
        .to_owned();
    url.split("/my-data/").nth(1).unwrap().to_owned()
}

/// Presses the erase button of the data page of `token`, from `origin` if given.
async fn erase(app: &TestApp, token: &str, origin: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url(&format!("/my-data/{token}")));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.form(&[("lang", "en")]).send().await.unwrap()
}

async fn report(app: &TestApp, id: i64, from: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/comments/{id}/report")))
        .header("x-forwarded-for", from)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn asking_for_ones_data_answers_alike_and_mails_only_an_address_that_commented() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    app.create(&comment("/a", "Camille", "Bonjour")).await;
    let (known_status, known) = ask_data(&app, "Camille@Example.org").await;
    let (unknown_status, unknown) = ask_data(&app, "nobody@example.org").await;
    assert_eq!(known_status, 202);
    assert_eq!(unknown_status, 202);
    assert_eq!(known, unknown, "the same answer for both");
    assert_eq!(known["status"], "received");
    // The same work: a request row each, the address stored only for the commenter.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM data_requests"), 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM data_requests WHERE email IS NULL"
        ),
        1
    );
    assert_eq!(
        app.column("SELECT recipient AS v FROM outbox WHERE kind = 'my_data'"),
        vec![Some("camille@example.org".to_owned())]
    );
    assert!(
        app.stored("SELECT email_key AS v FROM data_requests LIMIT 1")
            .is_some_and(|k| !k.contains('@')),
        "the address of a request is kept only as a keyed digest"
    );
    // Bad input: the field at fault.
    let (status, body) = ask_data(&app, "not an address").await;
    assert_eq!(status, 422);
    assert!(body["fields"]["email"].is_string(), "{body}");
}

#[actix_web::test]
async fn the_data_link_is_signed_lasts_a_day_and_serves_the_download() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let mut c = comment("/a", "Camille", "Mon <b>texte</b> à moi");
    c["website"] = json!("https://camille.example.org");
    app.create(&c).await;
    app.create(&comment("/b", "Ana", "Un autre")).await;
    ask_data(&app, "camille@example.org").await;
    let token = data_link(&app, &sink, "camille@example.org").await;

    let page = app
        .client
        .get(app.url(&format!("/my-data/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    assert!(html.contains("camille@example.org"));
    assert!(
        html.contains("Mon &#60;b&#62;texte&#60;/b&#62; à moi"),
        "the raw text, escaped: {html}"
    );
    assert!(!html.contains("Un autre"), "another author's comment");

    let r = app
        .client
        .get(app.url(&format!("/my-data/{token}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let data: Value = r.json().await.unwrap();
    let comments = data["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["page"], "/a");
    assert_eq!(comments[0]["text"], "Mon <b>texte</b> à moi");
    assert_eq!(comments[0]["status"], "approved");
    assert_eq!(comments[0]["author"], "Camille");
    assert_eq!(comments[0]["email"], "camille@example.org");
    assert_eq!(comments[0]["website"], "https://camille.example.org/");
    assert!(comments[0]["created_at"].is_string());

    // A signature changed by one character, and another purpose's signature.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [forged, "1.AAAA".to_owned(), "../../etc".to_owned()] {
        let r = app
            .client
            .get(app.url(&format!("/my-data/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }
    // A day later, the link no longer works.
    app.sql("UPDATE data_requests SET created_at = created_at - 86401");
    for path in [
        format!("/my-data/{token}"),
        format!("/my-data/{token}/download"),
    ] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("camille@"));
    }
}

#[actix_web::test]
async fn erasing_removes_the_comments_everywhere_keeps_replies_and_uses_the_link_up() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let mut first = comment("/a", "Camille", "Premier");
    first["notify_replies"] = json!(true);
    let first = app.create(&first).await["comment"]["id"].as_i64().unwrap();
    let mut reply = comment("/a", "Ana", "Réponse d'Ana");
    reply["parent"] = json!(first);
    let reply = app.create(&reply).await["comment"]["id"].as_i64().unwrap();
    let mut again = comment("/a", "Camille", "Camille répond à Ana");
    again["parent"] = json!(reply);
    app.create(&again).await;
    app.create(&comment("/b", "Camille", "Seul sur b")).await;
    // The reply notification to Camille is still queued (not sent yet).
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'camille@example.org'"
        ),
        1
    );
    // Read once, so that the thread is in the cache.
    assert_eq!(app.list("/a").await["count"], 3);

    ask_data(&app, "camille@example.org").await;
    let token = data_link(&app, &sink, "camille@example.org").await;
    // Only our own pages may press the button.
    let r = erase(&app, &token, Some("https://evil.example")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM comments WHERE email = 'camille@example.org'"
        ),
        3
    );

    let r = erase(&app, &token, Some(&app.address)).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("erased"));

    let a = app.list("/a").await;
    assert_eq!(a["count"], 1, "{a}");
    let list = a["comments"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{a}");
    assert_eq!(
        list[0],
        json!({"id": first, "parent": null, "deleted": true})
    );
    assert_eq!(list[1]["id"], reply);
    assert_eq!(list[1]["parent"], first);
    assert_eq!(app.list("/b").await["count"], 0);
    let (_, t) = app.get_text("/t?page=/a&lang=en").await;
    assert!(t.contains("This comment was removed."));
    assert!(
        t.contains("Réponse d&#x27;Ana") || t.contains("Réponse d'Ana"),
        "{t}"
    );
    assert!(!t.contains("Premier") && !t.contains("Camille"));
    let counts = app.get_json("/api/v1/counts?page=/a&page=/b").await;
    assert_eq!(counts, json!({"/a": 1, "/b": 0}));

    // Nothing of Camille stays in the database.
    for table in ["comments", "outbox", "unsubscribed", "data_requests"] {
        let column = if table == "outbox" {
            "recipient"
        } else {
            "email"
        };
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = 'camille@example.org'")
            ),
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM comments WHERE author = 'Camille' OR body_raw LIKE '%Camille%' OR body_raw = 'Premier'"),
        0
    );
    assert_eq!(
        app.stored(&format!(
            "SELECT COALESCE(ip, 'none') AS v FROM comments WHERE id = {first}"
        )),
        Some("none".into())
    );
    // Used up: the link no longer opens nor erases.
    let r = app
        .client
        .get(app.url(&format!("/my-data/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = erase(&app, &token, None).await;
    assert_eq!(r.status(), 404);
    // And a reply to the placeholder is refused, as to any removed comment.
    let mut late = comment("/a", "Zoe", "Trop tard");
    late["parent"] = json!(first);
    assert_eq!(app.post_comment(&late).await.status(), 404);
}

#[actix_web::test]
async fn a_moderator_erases_an_address_from_the_admin() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    app.create(&comment("/a", "Camille", "À effacer")).await;
    app.create(&comment("/a", "Ana", "À garder")).await;
    let m = log_in(&app).await;
    let (status, page) = m
        .page("/admin/data?email=camille@example.org&site=default")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("À effacer") && !page.contains("À garder"));
    let (status, json) = m
        .page("/admin/data/download?email=camille@example.org&site=default")
        .await;
    assert_eq!(status, 200);
    assert!(json.contains("\"email\": \"camille@example.org\""));
    // Without the CSRF token: refused, nothing erased.
    let r = m
        .client
        .post(app.url("/admin/data/erase"))
        .form(&[
            ("csrf", "x"),
            ("site", "default"),
            ("email", "camille@example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(crate::helpers::location(&r).contains("forged=1"));
    assert_eq!(app.list("/a").await["count"], 2);
    let r = m
        .post(
            "/admin/data/erase",
            &[("site", "default"), ("email", "Camille@example.org")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(crate::helpers::location(&r).contains("erased=1"));
    let a = app.list("/a").await;
    assert_eq!(a["count"], 1);
    assert_eq!(a["comments"][0]["author"], "Ana");
}

#[actix_web::test]
async fn spam_and_deleted_comments_are_purged_after_their_retention() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let old_spam = app.create(&comment("/a", "Spammer", "Achetez")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let answered = app
        .create(&comment("/a", "Bea", "Supprimé mais répondu"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    let mut reply = comment("/a", "Ana", "Je réponds");
    reply["parent"] = json!(answered);
    app.create(&reply).await;
    let recent = app.create(&comment("/a", "Cid", "Supprimé hier")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let kept = app.create(&comment("/a", "Dan", "Publié")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let month = 31 * 86_400;
    app.sql(&format!("UPDATE comments SET status = 'spam', status_at = created_at - {month} WHERE id = {old_spam}"));
    app.sql(&format!("UPDATE comments SET status = 'deleted', status_at = created_at - {month} WHERE id = {answered}"));
    app.sql(&format!("UPDATE comments SET status = 'deleted', status_at = created_at - 86400 WHERE id = {recent}"));
    app.sql(&format!(
        "UPDATE comments SET created_at = created_at - {month} WHERE id = {kept}"
    ));
    let now = causerie::db::now();
    let before = now - 30 * 86_400;
    let purged = {
        let mut conn = app.db();
        causerie::db::transaction(&mut conn, |tx| {
            causerie::rights::purge_removed(tx, before, 500, now)
        })
        .unwrap()
        .value
    };
    assert_eq!(purged, 2);
    let ids = app.column("SELECT CAST(id AS TEXT) AS v FROM comments ORDER BY id");
    let ids: Vec<i64> = ids
        .into_iter()
        .map(|v| v.unwrap().parse().unwrap())
        .collect();
    assert!(!ids.contains(&old_spam), "old spam purged");
    assert!(ids.contains(&answered) && ids.contains(&recent) && ids.contains(&kept));
    assert_eq!(
        app.stored(&format!(
            "SELECT author || body_raw || email AS v FROM comments WHERE id = {answered}"
        )),
        Some(String::new()),
        "a purged comment with replies is emptied, for its replies"
    );
    let a = app.list("/a").await;
    assert_eq!(
        a["comments"][0],
        json!({"id": answered, "parent": null, "deleted": true})
    );
}

#[actix_web::test]
async fn reports_count_once_per_network_hold_at_the_threshold_and_can_be_dismissed() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let id = app.create(&comment("/a", "Camille", "Contesté")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let r = report(
        &app,
        id,
        "203.0.113.7",
        json!({"reason": "abuse", "detail": "insultes", "email": "Rita@example.net"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "received");
    assert!(
        !body.to_string().contains("camille"),
        "never the author's data"
    );
    // The same network again, another address in it: counted once.
    let r = report(&app, id, "203.0.113.99", json!({"reason": "spam"})).await;
    assert_eq!(r.status(), 202);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reports"), 1);
    // Moderators hear of the first report.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'reported'"),
        1
    );

    // Bad input: the field at fault, nothing counted.
    let r = report(&app, id, "198.51.100.1", json!({"reason": "ugly"})).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(e["fields"]["reason"].is_string(), "{e}");
    let r = report(
        &app,
        id,
        "198.51.100.1",
        json!({"reason": "other", "detail": "x".repeat(1001)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = report(
        &app,
        id,
        "198.51.100.1",
        json!({"reason": "other", "email": "nope"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = report(&app, 999_999, "198.51.100.1", json!({"reason": "spam"})).await;
    assert_eq!(r.status(), 404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reports"), 1);

    // A second and a third network: held at the default threshold of 3.
    assert_eq!(
        report(&app, id, "198.51.100.1", json!({"reason": "illegal"}))
            .await
            .status(),
        202
    );
    assert_eq!(app.list("/a").await["count"], 1);
    assert_eq!(
        report(&app, id, "2001:db8:1::1", json!({"reason": "abuse"}))
            .await
            .status(),
        202
    );
    assert_eq!(
        app.list("/a").await["count"],
        0,
        "held after three networks"
    );
    assert_eq!(
        app.stored(&format!(
            "SELECT hold_reason AS v FROM comments WHERE id = {id}"
        )),
        Some("reported:3".into())
    );
    // A held comment cannot be reported: it is not published.
    assert_eq!(
        report(&app, id, "192.0.2.1", json!({"reason": "spam"}))
            .await
            .status(),
        404
    );
    app.flush_outbox().await;
    let alerts = sink.wait_for(2, 10).await;
    let alert = alerts
        .iter()
        .find(|m| m.rcpt_to.contains(&MODERATOR.to_owned()))
        .unwrap();
    assert!(alert.text().contains("Contesté"));

    // The moderators see it, with each reason and detail, and dismiss the reports.
    let m = log_in(&app).await;
    let (_, queue) = m.page("/admin?lang=en").await;
    assert!(
        queue.contains("Reported <span>(1)</span>"),
        "the queue's tab counts it"
    );
    let (status, page) = m.page("/admin/reports?lang=en").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Contesté") && page.contains("insultes"),
        "{page}"
    );
    assert!(page.contains("Abuse or harassment") && page.contains("Illegal content"));
    assert!(
        !page.contains("rita@example.net"),
        "reporters are not shown"
    );
    let r = m
        .post(
            "/admin/reports/dismiss",
            &[("id", &id.to_string()), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.list("/a").await["count"], 1, "published again");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL"
        ),
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM reports WHERE email IS NOT NULL"),
        0
    );
    // The reporter who left an address hears the decision.
    assert_eq!(
        app.column("SELECT recipient AS v FROM outbox WHERE kind = 'report_decision'"),
        vec![Some("rita@example.net".to_owned())]
    );
    let (_, page) = m.page("/admin/reports?lang=en").await;
    assert!(!page.contains("Contesté"));
    // Dismissed reports no longer count: the same network may report it again.
    assert_eq!(
        report(&app, id, "203.0.113.7", json!({"reason": "spam"}))
            .await
            .status(),
        202
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reports"), 4);
}

#[actix_web::test]
async fn a_comment_removed_after_reports_tells_its_author_why_and_its_reporters() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let id = app
        .create(&comment("/a", "Camille", "Un texte signalé"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    report(
        &app,
        id,
        "203.0.113.7",
        json!({"reason": "illegal", "detail": "diffamation", "email": "rita@example.net"}),
    )
    .await;
    report(&app, id, "198.51.100.7", json!({"reason": "abuse"})).await;
    let m = log_in(&app).await;
    assert_eq!(m.act("delete", id).await.status(), 303);
    app.flush_outbox().await;
    let to_author = sink.to("camille@example.org");
    let to_author = to_author.last().expect("the author is told");
    let text = to_author.text();
    assert!(
        text.contains("Illegal content") && text.contains("diffamation"),
        "{text}"
    );
    assert!(text.contains("Abuse or harassment"));
    assert!(
        !text.contains("rita@example.net") && !text.contains("203.0.113"),
        "never who reported"
    );
    let to_reporter = sink.to("rita@example.net");
    assert!(to_reporter
        .last()
        .expect("the reporter is told")
        .text()
        .contains("removed"));
    assert_eq!(
        app.column("SELECT resolution AS v FROM reports"),
        vec![Some("removed".to_owned()), Some("removed".to_owned())]
    );
}

#[actix_web::test]
async fn the_thread_page_reports_a_comment_and_keeps_the_permalinks() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let id = app
        .create(&comment("/a", "Camille", "Sans JavaScript"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    let (_, t) = app.get_text("/t?page=/a&lang=en").await;
    assert!(t.contains(&format!("id=\"causerie-c{id}\"")));
    assert!(t.contains(&format!("href=\"#causerie-c{id}\"")));
    assert!(t.contains("/my-data?site=default"));
    let (status, form) = app
        .get_text(&format!("/t/report?site=default&comment={id}&lang=en"))
        .await;
    assert_eq!(status, 200);
    let token = form
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let id_s = id.to_string();
    let send = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/t/report"))
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    // No reason: the form again, the typed detail kept.
    let r = send(vec![
        ("site", "default".into()),
        ("comment", id_s.clone()),
        ("lang", "en".into()),
        ("form_token", token.clone()),
        ("detail", "mon détail <i>".into()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("mon détail &#60;i&#62;"), "{html}");
    assert!(html.contains("cz-reason-error"));
    // Without the form's token: refused.
    let r = send(vec![
        ("site", "default".into()),
        ("comment", id_s.clone()),
        ("reason", "spam".into()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reports"), 0);
    let r = send(vec![
        ("site", "default".into()),
        ("comment", id_s.clone()),
        ("lang", "en".into()),
        ("form_token", token),
        ("reason", "spam".into()),
    ])
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Thank you"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM reports"), 1);
}

#[actix_web::test]
async fn requests_and_reports_are_rate_limited_per_address_and_per_network() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    for _ in 0..3 {
        assert_eq!(ask_data(&app, "camille@example.org").await.0, 202);
    }
    let r = app
        .client
        .post(app.url("/api/v1/my-data"))
        .json(&json!({"email": "CAMILLE@example.org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "a fourth request for one address in a day");
    assert!(r.headers().contains_key("retry-after"));
    for n in 0..7 {
        assert_eq!(ask_data(&app, &format!("n{n}@example.org")).await.0, 202);
    }
    assert_eq!(
        ask_data(&app, "eleventh@example.org").await.0,
        429,
        "ten an hour from one network"
    );

    let mut ids = Vec::new();
    for n in 0..21 {
        let c = app
            .create(&comment("/r", &format!("A{n}"), &format!("texte {n}")))
            .await;
        ids.push(c["comment"]["id"].as_i64().unwrap());
    }
    for id in &ids[..20] {
        assert_eq!(
            report(&app, *id, "203.0.113.5", json!({"reason": "spam"}))
                .await
                .status(),
            202
        );
    }
    let r = report(&app, ids[20], "203.0.113.6", json!({"reason": "spam"})).await;
    assert_eq!(r.status(), 429, "twenty an hour from one network");
    assert_eq!(
        report(&app, ids[20], "198.51.100.6", json!({"reason": "spam"}))
            .await
            .status(),
        202
    );
}

#[actix_web::test]
async fn an_erased_comment_leaves_the_queue_and_its_reports() {
    let sink = SmtpSink::start().await;
    let app = app(&sink).await;
    let first = app
        .create(&comment("/a", "Camille", "Signalé puis effacé"))
        .await["comment"]["id"]
        .as_i64()
        .unwrap();
    let mut reply = comment("/a", "Ana", "Réponse");
    reply["parent"] = json!(first);
    app.create(&reply).await;
    report(&app, first, "203.0.113.7", json!({"reason": "abuse"})).await;
    let m = log_in(&app).await;
    ask_data(&app, "camille@example.org").await;
    let token = data_link(&app, &sink, "camille@example.org").await;
    let r = erase(&app, &token, None).await;
    assert_eq!(r.status(), 200);
    let (_, reported) = m.page("/admin/reports?lang=en").await;
    assert!(
        !reported.contains(&format!("id=\"c{first}\"")),
        "{reported}"
    );
    let (_, deleted) = m.page("/admin?status=deleted&lang=en").await;
    assert!(!deleted.contains(&format!("id=\"c{first}\"")));
    // Nothing a moderator can do brings it back.
    assert_eq!(m.act("restore", first).await.status(), 404);
    assert_eq!(app.list("/a").await["count"], 1);
}
