//! Email notifications (SPEC section 8), end to end against a real SMTP server on
//! loopback (`smtp::SmtpSink`): what moderators and commenters receive, the one-click
//! links, unsubscribing, the hourly cap, an SMTP outage, a restart, two instances on
//! one database, and header injection.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{comment, log_in, spawn_app_on, spawn_app_with, until, Moderator, TestApp};
use crate::smtp::{Received, SmtpSink};
use causerie::config::{ModerationMode, NotifyModerators, Settings};
use causerie::i18n::Lang;

const MODERATOR: &str = "moderator@example.net";

/// Settings for a mail test: SMTP at `sink`, fast retries, no abuse limits.
fn mail_settings(s: &mut Settings, sink: &SmtpSink) {
    s.smtp_url = Some(sink.url());
    s.smtp_retry_base_secs = 1;
    s.smtp_timeout_secs = 5;
    s.limits = false;
    s.notify_to = vec![MODERATOR.into()];
}

async fn mail_app(sink: &SmtpSink, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        mail_settings(s, sink);
        adjust(s);
    })
    .await
}

fn count(app: &TestApp, query: &str) -> i64 {
    app.stored(&format!("SELECT CAST(({query}) AS TEXT) AS v"))
        .unwrap()
        .parse()
        .unwrap()
}

fn reply_rows(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM outbox WHERE kind = 'reply'")
}

/// Runs the outbox worker until every message is sent (or withdrawn, as one whose
/// reader unsubscribed while it was on its way may be): at once when SMTP works,
/// after the back-off when it has just come back.
async fn all_sent(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        app.flush_outbox().await;
        if count(
            app,
            "SELECT COUNT(*) FROM outbox WHERE status NOT IN ('sent', 'withdrawn')",
        ) == 0
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited 30 s for every message to be sent: {:?}",
            app.column("SELECT kind || ' ' || status || ' ' || recipient || ' ' || COALESCE(CAST(comment_id AS TEXT), '-') AS v FROM outbox")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(app: &TestApp, body: &Value) -> Value {
    app.create(body).await
}

async fn parent_with_notify(app: &TestApp, page: &str) -> i64 {
    parent_at(app, page, "example.org").await
}

async fn reply_to(app: &TestApp, page: &str, parent: i64, author: &str, body: &str) -> Value {
    let mut c = comment(page, author, body);
    c["parent"] = json!(parent);
    post(app, &c).await
}

/// The http(s) URLs in a text.
fn urls(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')']).to_owned())
        .collect()
}

// ---------------------------------------------------------------------------
// A moderator's browser session

impl Moderator {
    async fn approve(&self, id: i64) {
        assert_eq!(self.act("approve", id).await.status(), 303);
    }

    /// An admin page that must answer 200.
    async fn page_ok(&self, path: &str) -> String {
        let (status, page) = self.page(path).await;
        assert_eq!(status, 200, "{path}");
        page
    }
}

// ---------------------------------------------------------------------------

#[actix_web::test]
async fn moderators_get_the_held_comment_with_working_one_click_links() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::FirstTime;
        s.notify_to = vec![MODERATOR.into(), "Second Mod <second@example.net>".into()];
    })
    .await;
    let mut c = comment("/blog/cloud", "Camille", "Bel article, <b>merci</b> !");
    c["website"] = json!("https://camille.example.org");
    let posted = post(&app, &c).await;
    assert_eq!(posted["status"], "pending");
    let id = posted["comment"]["id"].as_i64().unwrap();

    let got = sink.wait_for(2, 20).await;
    assert_eq!(got.len(), 2);
    let recipients: HashSet<String> = got.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    assert_eq!(
        recipients,
        HashSet::from([MODERATOR.to_string(), "second@example.net".to_string()])
    );
    for m in &got {
        assert_eq!(m.rcpt_to.len(), 1, "one envelope recipient per message");
        assert!(
            !m.rcpt_to.iter().any(|r| r.contains("camille")),
            "never to the commenter"
        );
    }
    let m = &sink.to(MODERATOR)[0];
    assert_eq!(
        m.subject(),
        "Comment awaiting moderation on “Rachat de Cloudwatt par Orange” \
         (title proposed by this comment)",
        "a held comment's title is only proposed: the page has no public title yet"
    );
    assert_eq!(m.mail_from, "causerie@127.0.0.1");
    assert!(m.header("From").unwrap().contains("causerie@127.0.0.1"));
    assert_eq!(
        m.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(m.header("Date").is_some());
    assert!(m.message_id().ends_with("@127.0.0.1"), "{}", m.message_id());
    assert!(
        m.header("List-Unsubscribe").is_none(),
        "moderators cannot unsubscribe"
    );
    let text = m.text();
    for needle in [
        "Camille",
        "camille@example.org",
        "https://camille.example.org",
        "Bel article, <b>merci</b> !",
        "Held because: first comment from this address",
        "/t?site=default&page=%2Fblog%2Fcloud",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    let html = m.html();
    assert!(html.contains("<b>merci</b>"), "sanitized HTML kept: {html}");
    assert!(html.contains("first comment from this address"));

    // Three one-click links: approve, spam, delete. A GET only asks; a POST acts.
    let links: Vec<String> = urls(&text)
        .into_iter()
        .filter(|u| u.contains("/admin/act/"))
        .collect();
    assert_eq!(links.len(), 3, "{text}");
    assert!(text.contains(&format!("Approve: {}", links[0])), "{text}");
    let r = app.client.get(&links[0]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Approve"));
    assert_eq!(
        app.stored(&format!("SELECT status AS v FROM comments WHERE id = {id}"))
            .as_deref(),
        Some("pending"),
        "a GET changes nothing"
    );
    let r = app
        .client
        .post(&links[0])
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.stored(&format!("SELECT status AS v FROM comments WHERE id = {id}"))
            .as_deref(),
        Some("approved")
    );
    // The decision is taken: the spam link no longer works.
    let r = app
        .client
        .post(&links[1])
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    all_sent(&app).await;
}

#[actix_web::test]
async fn moderators_hear_of_what_the_setting_says_and_never_of_spam() {
    let sink = SmtpSink::start().await;
    let held_only = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.notify_moderators = NotifyModerators::Held;
        s.moderation_keywords = vec!["casino".into()];
        s.disallowed_keywords = vec!["viagra".into()];
    })
    .await;
    post(&held_only, &comment("/a", "Ann", "Published at once")).await;
    post(&held_only, &comment("/a", "Ben", "Cheap viagra")).await;
    post(&held_only, &comment("/a", "Cat", "Le casino de Paris")).await;
    let kinds = count(
        &held_only,
        "SELECT COUNT(*) FROM outbox WHERE kind = 'moderator'",
    );
    assert_eq!(kinds, 1, "only the held comment");
    let got = sink.wait_for(1, 20).await;
    assert!(got[0].text().contains("Le casino de Paris"));

    let none = mail_app(&sink, |s| {
        s.moderation = ModerationMode::All;
        s.notify_moderators = NotifyModerators::None;
    })
    .await;
    post(&none, &comment("/a", "Dan", "Held, but nobody is told")).await;
    assert_eq!(count(&none, "SELECT COUNT(*) FROM outbox"), 0);
}

#[actix_web::test]
async fn a_held_reply_is_notified_once_a_moderator_approves_it_not_before() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::FirstTime;
        s.notify_moderators = NotifyModerators::None;
    })
    .await;
    let moderator = log_in(&app).await;
    let parent = parent_with_notify(&app, "/blog/cloud").await;
    moderator.approve(parent).await;
    let reply = reply_to(
        &app,
        "/blog/cloud",
        parent,
        "Bob",
        "Je ne suis pas d’accord.",
    )
    .await;
    assert_eq!(reply["status"], "pending");
    let reply_id = reply["comment"]["id"].as_i64().unwrap();
    assert_eq!(reply_rows(&app), 0, "nothing while the reply is held");
    app.flush_outbox().await;
    assert!(sink.messages().is_empty());

    moderator.approve(reply_id).await;
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.rcpt_to, vec!["alice@example.org".to_string()]);
    assert_eq!(
        m.subject(),
        "New reply to your comment on “Rachat de Cloudwatt par Orange”"
    );
    let text = m.text();
    assert!(text.contains("Bob replied to your comment"), "{text}");
    assert!(text.contains("Je ne suis pas d’accord."), "{text}");
    assert!(
        text.contains(&format!(
            "t?site=default&page=%2Fblog%2Fcloud&lang=en#causerie-c{reply_id}"
        )),
        "{text}"
    );
    assert!(
        !m.raw().contains("bob@example.org"),
        "never the replier's email"
    );
    assert!(m
        .header("List-Unsubscribe")
        .unwrap()
        .starts_with("<http://127.0.0.1:"));
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    // Approving again (after unapproving) sends nothing more: never twice per reply.
    let r = moderator
        .post(
            "/admin/moderate",
            &[
                ("one", &format!("unapprove:{reply_id}")),
                ("back", "/admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    moderator.approve(reply_id).await;
    assert_eq!(reply_rows(&app), 1);
    all_sent(&app).await;
    assert_eq!(sink.messages().len(), 1);
}

#[actix_web::test]
async fn a_reply_approved_by_one_click_link_is_notified() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::All;
        s.notify_moderators = NotifyModerators::Held;
    })
    .await;
    let moderator = log_in(&app).await;
    let parent = parent_with_notify(&app, "/p").await;
    moderator.approve(parent).await;
    let reply = reply_to(&app, "/p", parent, "Bob", "Réponse tenue").await;
    let reply_id = reply["comment"]["id"].as_i64().unwrap();
    // The moderators' emails: the parent's and the reply's.
    let got = sink.wait_for(2, 20).await;
    let about_reply = got
        .iter()
        .find(|m| m.text().contains("Réponse tenue"))
        .expect("the moderators' email about the reply");
    let approve = urls(&about_reply.text())
        .into_iter()
        .find(|u| u.contains("/admin/act/"))
        .unwrap();
    let r = app
        .client
        .post(&approve)
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = sink.wait_for(3, 20).await;
    let to_alice: Vec<&Received> = got
        .iter()
        .filter(|m| m.rcpt_to == ["alice@example.org"])
        .collect();
    assert_eq!(to_alice.len(), 1);
    assert!(to_alice[0]
        .text()
        .contains(&format!("#causerie-c{reply_id}")));
}

#[actix_web::test]
async fn nobody_is_notified_of_their_own_reply_nor_without_asking() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.notify_moderators = NotifyModerators::None;
    })
    .await;
    let parent = parent_with_notify(&app, "/own").await;
    // Alice answers herself, with her address in capitals.
    let mut own = comment("/own", "Alice", "Je précise ma pensée.");
    own["parent"] = json!(parent);
    own["email"] = json!("ALICE@example.org");
    post(&app, &own).await;
    // Bob did not ask for replies; Carol answers him.
    let bob = post(&app, &comment("/own", "Bob", "Sans notification")).await;
    let bob_id = bob["comment"]["id"].as_i64().unwrap();
    reply_to(&app, "/own", bob_id, "Carol", "Bob ne le saura pas").await;
    assert_eq!(reply_rows(&app), 0);
    app.flush_outbox().await;
    assert!(sink.messages().is_empty());
}

#[actix_web::test]
async fn one_click_unsubscribe_stops_the_thread_and_the_page_stops_everything() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.notify_moderators = NotifyModerators::None;
    })
    .await;
    let on_a = parent_with_notify(&app, "/a").await;
    let on_b = parent_with_notify(&app, "/b").await;
    reply_to(&app, "/a", on_a, "Bob", "Première réponse").await;
    let first = sink.wait_for(1, 20).await.remove(0);
    let header = first.header("List-Unsubscribe").unwrap();
    let url = header
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(first.text().contains(&url), "the link is in the text too");

    // What a mail client does (RFC 8058): one POST, no page, no confirmation.
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.stored(&format!(
            "SELECT CASE WHEN notify_replies THEN '1' ELSE '0' END AS v FROM comments WHERE id = {on_a}"
        ))
        .as_deref(),
        Some("0")
    );
    reply_to(&app, "/a", on_a, "Carol", "Deuxième réponse").await;
    assert_eq!(reply_rows(&app), 1, "no more on thread /a");
    // Another thread still notifies.
    reply_to(&app, "/b", on_b, "Dave", "Sur l’autre page").await;
    assert_eq!(reply_rows(&app), 2);
    let got = sink.wait_for(2, 20).await;
    let url_b = got[1]
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();

    // The page: two buttons; "everything" stops every thread.
    let (status, page) = app.get_text(url_b.trim_start_matches(&app.address)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Stop for this page") && page.contains("Stop every email"),
        "{page}"
    );
    assert!(!page.contains("alice@example.org"));
    let r = app
        .client
        .post(&url_b)
        .form(&[("scope", "all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("no more email from this site"));
    let on_c = parent_with_notify(&app, "/c").await;
    reply_to(&app, "/c", on_c, "Eve", "Même ici, rien").await;
    reply_to(&app, "/b", on_b, "Frank", "Ni là").await;
    assert_eq!(reply_rows(&app), 2);
    // A forged token is refused.
    let forged = format!("{}/unsubscribe/{on_c}.AAAA", app.address);
    let r = app
        .client
        .post(&forged)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    all_sent(&app).await;
    assert_eq!(sink.messages().len(), 2);
}

#[actix_web::test]
async fn an_address_gets_at_most_the_hourly_number_of_reply_emails() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.notify_moderators = NotifyModerators::None;
        s.reply_notifications_per_hour = 2;
    })
    .await;
    let parent = parent_with_notify(&app, "/busy").await;
    for name in ["Bob", "Carol", "Dave", "Eve"] {
        reply_to(&app, "/busy", parent, name, &format!("Réponse de {name}")).await;
    }
    assert_eq!(reply_rows(&app), 2);
    all_sent(&app).await;
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.rcpt_to == ["alice@example.org"]));
}

#[actix_web::test]
async fn an_smtp_outage_slows_no_comment_and_loses_no_message() {
    let sink = SmtpSink::start().await;
    sink.stop();
    let app = mail_app(&sink, |s| s.moderation = ModerationMode::None).await;
    let parent = parent_with_notify(&app, "/outage").await;
    for name in ["Bob", "Carol", "Dave"] {
        let started = Instant::now();
        reply_to(
            &app,
            "/outage",
            parent,
            name,
            &format!("Pendant la panne, {name}"),
        )
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "posting waited for SMTP: {:?}",
            started.elapsed()
        );
    }
    // 4 comments: 4 moderator emails and 3 replies to Alice.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox"), 7);
    until(20, "failed attempts recorded", || {
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE attempts >= 1 AND last_error IS NOT NULL",
        ) == 7
    })
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'queued'"),
        7
    );

    sink.restart().await;
    all_sent(&app).await;
    let got = sink.wait_for(7, 20).await;
    // Whatever the worker still had to send, it has sent once this returns.
    app.flush_outbox().await;
    let got_later = sink.messages();
    assert_eq!(got_later.len(), 7, "each message exactly once");
    let ids: HashSet<String> = got.iter().map(Received::message_id).collect();
    assert_eq!(ids.len(), 7);
}

#[actix_web::test]
async fn a_restart_resumes_the_outbox_and_sends_each_message_once() {
    let sink = SmtpSink::start().await;
    sink.stop();
    let mut first = mail_app(&sink, |s| s.moderation = ModerationMode::None).await;
    for name in ["Ann", "Ben", "Cat"] {
        post(
            &first,
            &comment("/restart", name, &format!("Avant l’arrêt, {name}")),
        )
        .await;
    }
    until(20, "an attempt failed", || {
        count(&first, "SELECT COUNT(*) FROM outbox WHERE attempts >= 1") >= 1
    })
    .await;
    first.stop().await;
    sink.restart().await;
    let second = spawn_app_on(&first, |s| {
        mail_settings(s, &sink);
        s.moderation = ModerationMode::None;
    })
    .await;
    all_sent(&second).await;
    let got = sink.wait_for(3, 20).await;
    second.flush_outbox().await;
    assert_eq!(sink.messages().len(), 3);
    let ids: HashSet<String> = got.iter().map(Received::message_id).collect();
    assert_eq!(ids.len(), 3);
}

#[actix_web::test]
async fn two_instances_on_one_database_never_send_a_message_twice() {
    let sink = SmtpSink::start().await;
    let one = mail_app(&sink, |s| s.moderation = ModerationMode::None).await;
    let two = spawn_app_on(&one, |s| {
        mail_settings(s, &sink);
        s.moderation = ModerationMode::None;
    })
    .await;
    for i in 0..12 {
        let app = if i % 2 == 0 { &one } else { &two };
        post(
            app,
            &comment("/shared", &format!("Reader {i}"), "Deux serveurs"),
        )
        .await;
    }
    all_sent(&one).await;
    sink.wait_for(12, 20).await;
    one.flush_outbox().await;
    two.flush_outbox().await;
    let got = sink.messages();
    assert_eq!(got.len(), 12);
    let ids: HashSet<String> = got.iter().map(Received::message_id).collect();
    assert_eq!(ids.len(), 12);
}

#[actix_web::test]
async fn line_breaks_in_names_and_titles_inject_no_header_nor_recipient() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| s.moderation = ModerationMode::None).await;
    let parent = parent_with_notify(&app, "/inject").await;
    let mut evil = comment(
        "/inject",
        "Eve\r\nBcc: victim@example.org",
        "Hello\r\nBcc: victim@example.org",
    );
    evil["title"] = json!("Title\r\nBcc: victim@example.org\r\nSubject: forged");
    evil["email"] = json!("eve@example.org");
    evil["parent"] = json!(parent);
    post(&app, &evil).await;
    // Moderators: the parent and Eve's comment; Alice: Eve's reply.
    let got = sink.wait_for(3, 20).await;
    all_sent(&app).await;
    for m in &got {
        assert_eq!(m.rcpt_to.len(), 1);
        assert!(
            !m.rcpt_to.iter().any(|r| r.contains("victim")),
            "{:?}",
            m.rcpt_to
        );
        let head = m.raw_head();
        assert!(
            !head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc")),
            "{head}"
        );
        assert_eq!(
            head.lines().filter(|l| l.starts_with("Subject:")).count(),
            1,
            "{head}"
        );
        assert!(m.parsed().header("Bcc").is_none());
    }
    assert_eq!(sink.messages().len(), 3);
}

#[actix_web::test]
async fn the_admin_outbox_shows_failures_and_retries_now() {
    let sink = SmtpSink::start().await;
    sink.stop();
    // A long back-off: only "retry now" can bring the message back soon.
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.smtp_retry_base_secs = 3600;
    })
    .await;
    post(&app, &comment("/outbox", "Ann", "Un message en souffrance")).await;
    until(20, "the attempt failed", || {
        count(&app, "SELECT COUNT(*) FROM outbox WHERE attempts = 1") == 1
    })
    .await;
    let moderator = log_in(&app).await;
    let page = moderator.page_ok("/admin/outbox").await;
    assert!(page.contains("Queued (1)"), "{page}");
    assert!(page.contains(MODERATOR));
    assert!(page.contains("Last error"), "{page}");
    assert!(page.contains("Retry now"));
    assert!(!page.contains("smtp-off"), "SMTP is configured");
    // Without the CSRF token, nothing happens.
    let r = moderator
        .client
        .post(app.url("/admin/outbox/retry"))
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("forged=1"));
    sink.restart().await;
    let r = moderator.post("/admin/outbox/retry", &[("id", "1")]).await;
    assert_eq!(r.status(), 303);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got.len(), 1);
    all_sent(&app).await;
    let page = moderator.page_ok("/admin/outbox").await;
    assert!(page.contains("Sent (1)"), "{page}");
}

#[actix_web::test]
async fn without_smtp_messages_are_logged_and_the_admin_says_so() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.limits = false;
        s.notify_to = vec![MODERATOR.into()];
    })
    .await;
    post(&app, &comment("/log", "Ann", "Personne n’envoie rien")).await;
    all_sent(&app).await;
    let moderator = log_in(&app).await;
    let page = moderator.page_ok("/admin/outbox").await;
    assert!(
        page.contains("smtp-off") && page.contains("written to the log"),
        "{page}"
    );
    let fr = moderator.page_ok("/admin/outbox?lang=fr").await;
    assert!(fr.contains("écrits dans le journal"), "{fr}");
}

#[actix_web::test]
async fn without_smtp_the_admin_outbox_shows_each_message_and_its_links_work() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::All;
        s.limits = false;
        s.notify_to = vec![MODERATOR.into()];
    })
    .await;
    post(&app, &comment("/held", "Ann", "Un avis <b>à modérer</b>")).await;
    all_sent(&app).await;
    let moderator = log_in(&app).await;
    let page = moderator.page_ok("/admin/outbox").await;
    let doc = scraper::Html::parse_document(&page);
    let shown = scraper::Selector::parse("details pre").unwrap();
    let text: String = doc
        .select(&shown)
        .flat_map(|e| e.text())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("à modérer"), "{page}");
    // Shown as text, never as markup.
    assert!(!page.contains("<b>à modérer</b>"), "{page}");
    let start = text.find("/admin/act/").expect("a one-click link");
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>')
        .collect();
    let r = moderator.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{link}");
    assert!(r.text().await.unwrap().contains("à modérer"));
}

#[actix_web::test]
async fn a_french_site_writes_french_emails() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.lang = Lang::Fr;
    })
    .await;
    let parent = parent_with_notify(&app, "/fr").await;
    reply_to(&app, "/fr", parent, "Bob", "D’accord").await;
    let got = sink.wait_for(3, 20).await;
    let subjects: Vec<String> = got.iter().map(Received::subject).collect();
    assert!(
        subjects
            .contains(&"Nouveau commentaire sur « Rachat de Cloudwatt par Orange »".to_string()),
        "{subjects:?}"
    );
    let reply = got
        .iter()
        .find(|m| m.rcpt_to == ["alice@example.org"])
        .unwrap();
    assert!(reply.text().contains("Bob a répondu à votre commentaire"));
    let url = reply.header("List-Unsubscribe").unwrap();
    let path = url
        .trim_matches(['<', '>'])
        .trim_start_matches(&app.address)
        .to_owned();
    let r = app
        .client
        .get(app.url(&path))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Arrêter pour cette page"));
}

#[actix_web::test]
async fn a_french_site_tells_its_moderators_in_french_why_a_comment_waits() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::FirstTime;
        s.lang = Lang::Fr;
    })
    .await;
    let posted = post(&app, &comment("/fr", "Camille", "Bonjour")).await;
    assert_eq!(posted["status"], "pending");
    let got = sink.wait_for(1, 20).await;
    let text = got[0].text();
    assert!(
        text.contains("Retenu car : premier commentaire de cette adresse"),
        "{text}"
    );
    assert!(got[0]
        .html()
        .contains("premier commentaire de cette adresse"));
}

/// A parent by Alice, a reader of `domain` who wants replies, on `page`.
async fn parent_at(app: &TestApp, page: &str, domain: &str) -> i64 {
    let mut c = comment(page, "Alice", "Un article qui pose de bonnes questions.");
    c["email"] = json!(format!("alice@{domain}"));
    c["notify_replies"] = json!(true);
    post(app, &c).await["comment"]["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_greylisted_recipient_keeps_its_own_schedule_while_other_mail_flows() {
    // alice@grey.example's server answers 451 (greylisting); the moderators' mail
    // goes through every second meanwhile. Each message to Alice must follow its own
    // back-off (2 s, then 4 s, then 8 s): at most 3 attempts in 12 s. Others'
    // successes used to make it due again each time (8 tries in 40 s, measured).
    let sink = SmtpSink::start().await;
    sink.refuse(
        "grey.example",
        "451 4.7.1 Greylisted, please try again later",
    );
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.smtp_retry_base_secs = 2;
    })
    .await;
    let parent = parent_at(&app, "/grey", "grey.example").await;
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(12) {
        n += 1;
        reply_to(&app, "/grey", parent, "Bob", &format!("Réponse numéro {n}")).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The other mail flowed meanwhile (most of the moderators' emails, one per reply,
    // were sent during the 12 s; a slow machine may still be sending the last ones).
    let moderators = sink.to(MODERATOR).len();
    assert!(
        moderators >= n / 2 && n >= 4,
        "the other mail flowed: {moderators} to moderators for {n} replies"
    );
    let most = count(
        &app,
        "SELECT MAX(attempts) FROM outbox WHERE recipient = 'alice@grey.example'",
    );
    assert!(
        (1..=4).contains(&most),
        "a greylisted message was tried {most} times in 12 s"
    );
    // Still waiting (not given up), and the last error is the server's own words.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'alice@grey.example' \
             AND (status != 'queued' OR last_error NOT LIKE '%Greylisted%')"
        ),
        0
    );
    assert!(sink.to("alice@grey.example").is_empty());
}

#[actix_web::test]
async fn a_permanent_refusal_fails_at_once_and_the_tenth_temporary_one_gives_up() {
    let sink = SmtpSink::start().await;
    sink.refuse("gone.example", "550 5.1.1 No such user here");
    sink.refuse(
        "grey.example",
        "451 4.7.1 Greylisted, please try again later",
    );
    let app = mail_app(&sink, |s| s.moderation = ModerationMode::None).await;

    // A 5xx: failed after one attempt, never tried again.
    let gone = parent_at(&app, "/gone", "gone.example").await;
    reply_to(&app, "/gone", gone, "Bob", "Une réponse qui ne partira pas").await;
    let failed = "SELECT COUNT(*) FROM outbox WHERE recipient = 'alice@gone.example' \
                  AND status = 'failed' AND attempts = 1 AND last_error LIKE '%550%'";
    until(20, "the 5xx marked failed", || count(&app, failed) == 1).await;
    app.flush_outbox().await;
    assert_eq!(sink.refused("gone.example"), 1);

    // A message at its ninth failure: the tenth gives up (MAX_ATTEMPTS), and it is
    // not tried an eleventh time.
    let grey = parent_at(&app, "/grey-ten", "grey.example").await;
    reply_to(
        &app,
        "/grey-ten",
        grey,
        "Bob",
        "Une réponse refusée dix fois",
    )
    .await;
    until(20, "a first refusal", || {
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'alice@grey.example' AND attempts >= 1",
        ) == 1
    })
    .await;
    app.sql(
        "UPDATE outbox SET attempts = 9, next_attempt_at = 0 \
         WHERE recipient = 'alice@grey.example'",
    );
    let gave_up = "SELECT COUNT(*) FROM outbox WHERE recipient = 'alice@grey.example' \
                   AND status = 'failed' AND attempts = 10";
    until(20, "the tenth refusal gave up", || {
        count(&app, gave_up) == 1
    })
    .await;
    let refused = sink.refused("grey.example");
    app.sql("UPDATE outbox SET next_attempt_at = 0 WHERE recipient = 'alice@grey.example'");
    app.flush_outbox().await;
    assert_eq!(
        sink.refused("grey.example"),
        refused,
        "tried after giving up"
    );
}

#[actix_web::test]
async fn a_waiting_reply_notification_is_withdrawn_when_its_reply_goes_or_its_reader_unsubscribes()
{
    let sink = SmtpSink::start().await;
    // The mail server is away: every reply notification waits in the outbox.
    sink.stop();
    let app = mail_app(&sink, |s| {
        s.moderation = ModerationMode::None;
        s.notify_moderators = NotifyModerators::None;
        s.report_hold_threshold = 1;
        s.reply_notifications_per_hour = 100;
    })
    .await;
    let on_a = parent_with_notify(&app, "/a").await;
    let on_b = parent_with_notify(&app, "/b").await;
    let mut replies = Vec::new();
    for n in 0..7 {
        let r = reply_to(
            &app,
            "/a",
            on_a,
            &format!("Bob{n}"),
            &format!("Réponse {n}"),
        )
        .await;
        replies.push((
            r["comment"]["id"].as_i64().unwrap(),
            r["edit_token"].as_str().unwrap().to_owned(),
        ));
    }
    let on_b_reply = reply_to(&app, "/b", on_b, "Carl", "Sur b").await["comment"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(reply_rows(&app), 8);
    let m = log_in(&app).await;
    // Removed by its author, deleted, spam, sent back to moderation, purged by a
    // moderator, held by a report; the last stays.
    assert_eq!(
        app.delete(replies[0].0, Some(&replies[0].1)).await.status(),
        204
    );
    for (i, action) in [(1, "delete"), (2, "spam"), (3, "unapprove"), (4, "purge")] {
        assert_eq!(m.act(action, replies[i].0).await.status(), 303, "{action}");
    }
    let r = app
        .client
        .post(app.url(&format!("/api/v1/comments/{}/report", replies[5].0)))
        .json(&json!({"reason": "abuse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // Alice stops the mail of /b.
    let token = app
        .secret()
        .sign(causerie::notify::outbox::UNSUBSCRIBE, &on_b.to_string());
    let r = app
        .client
        .post(app.url(&format!("/unsubscribe/{token}")))
        .form(&[("scope", "thread")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND status = 'withdrawn'"
        ),
        7
    );
    let kept = replies[6].0;
    assert_eq!(
        app.stored(&format!(
            "SELECT status AS v FROM outbox WHERE kind = 'reply' AND comment_id = {kept}"
        ))
        .as_deref()
        .map(|s| s != "withdrawn"),
        Some(true)
    );
    let _ = on_b_reply;
    let (_, outbox) = m.page("/admin/outbox?lang=en").await;
    assert!(outbox.contains("Withdrawn (7)"), "{outbox}");

    // The server is back: only the reply still there is told.
    sink.restart().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status IN ('draft', 'queued')",
    ) > 0
    {
        assert!(Instant::now() < deadline, "the waiting mail was sent");
        app.flush_outbox().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let to_alice = sink.to("alice@example.org");
    assert_eq!(
        to_alice.len(),
        1,
        "{:?}",
        to_alice.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    assert!(to_alice[0].text().contains("Réponse 6"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND status = 'withdrawn'"
        ),
        7,
        "withdrawn messages stay withdrawn through retries"
    );
}
