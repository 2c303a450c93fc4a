//! Two `causerie` processes on one PostgreSQL database, as behind a load balancer:
//! they start together on an empty database (one migrates, one creates `admin`), a
//! comment posted to one is on the other at once, a flood spread over both is still
//! limited, a moderator's session works on both, and each notification goes out once.
//! Both serve the same two sites (`[[sites]]` `blog`, the first, and `notes`) and
//! agree on which thread is whose.
//!
//! PostgreSQL only: skipped (and said so) without `TEST_POSTGRES_URL`, a failure
//! in CI.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::postgres::{server_or_skip, TestDatabase};
use common::smtp::SmtpSink;

const PASSWORD: &str = "multi-instance-password";
const MODERATORS: &str = "moderateurs@example.org";

/// `causerie serve` with the real limits (`CAUSERIE_LIMITS=on`, default intervals),
/// believing `X-Forwarded-For` from loopback as it would from its load balancer.
struct Instance {
    child: Child,
    port: u16,
}

impl Instance {
    fn start(config: &Path, database_url: &str, smtp_url: &str) -> (Instance, Receiver<String>) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_causerie"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CAUSERIE_") {
                cmd.env_remove(key);
            }
        }
        cmd.arg("serve")
            .env("CAUSERIE_CONFIG", config)
            .env("CAUSERIE_DATABASE_URL", database_url)
            .env("CAUSERIE_LISTEN", "127.0.0.1:0")
            .env("CAUSERIE_LIMITS", "on")
            .env("CAUSERIE_MODERATION", "none")
            .env("CAUSERIE_TRUSTED_PROXIES", "127.0.0.1")
            .env("CAUSERIE_SMTP_URL", smtp_url)
            .env("CAUSERIE_NOTIFY_TO", MODERATORS)
            .env("CAUSERIE_ADMIN_PASSWORD", PASSWORD)
            .env("CAUSERIE_POOL_SIZE", "4")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1");
        let (child, lines) = common::process::spawn_logged(cmd);
        (Instance { child, port: 0 }, lines)
    }

    /// Reads the log until the instance says which port it listens on.
    fn wait_listening(&mut self, lines: &Receiver<String>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = Vec::new();
        self.port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("an instance did not start:\n{}", log.join("\n")));
            if let Some(rest) = line.split("listening on port ").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                break digits.parse().expect("a port number");
            }
            log.push(line);
        };
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A reader's comment, from the reader's own address (as the balancer reports it).
async fn post(
    http: &reqwest::Client,
    to: &Instance,
    page: &str,
    who: &str,
    ip: &str,
) -> reqwest::Response {
    post_saying(http, to, page, who, ip, &format!("Bonjour de {who}")).await
}

async fn post_saying(
    http: &reqwest::Client,
    to: &Instance,
    page: &str,
    who: &str,
    ip: &str,
    body: &str,
) -> reqwest::Response {
    http.post(to.url("/api/v1/comments"))
        .header("X-Forwarded-For", ip)
        .json(&json!({
            "page": page,
            "title": "Plusieurs serveurs",
            "author": who,
            "email": format!("{}@example.org", who.to_lowercase()),
            "body": body,
        }))
        .send()
        .await
        .unwrap()
}

async fn list(http: &reqwest::Client, on: &Instance, page: &str) -> Value {
    http.get(on.url("/api/v1/comments"))
        .query(&[("page", page)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn list_on(http: &reqwest::Client, on: &Instance, site: &str, page: &str) -> Value {
    http.get(on.url("/api/v1/comments"))
        .query(&[("site", site), ("page", page)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The settings file both instances read: the two sites they serve.
fn sites_file(dir: &Path) -> PathBuf {
    let path = dir.join("causerie.toml");
    std::fs::write(
        &path,
        "[[sites]]\nid = \"blog\"\norigins = [\"https://blog.example\"]\n\n\
         [[sites]]\nid = \"notes\"\norigins = [\"https://notes.example\"]\n",
    )
    .unwrap();
    path
}

/// Reads `page` on `site` from `on` until it has `count` comments (at most 10 s: the
/// other instance's write reaches this one's cache within a quarter of a second).
async fn until_count(
    http: &reqwest::Client,
    on: &Instance,
    site: &str,
    page: &str,
    count: i64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = list_on(http, on, site, page).await;
        if seen["count"] == count || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Logs in on `on`; returns the `Cookie` header value the browser would send.
async fn log_in(http: &reqwest::Client, on: &Instance) -> String {
    let base = on.url("");
    let r =
        common::moderator::login_attempt(http, base.trim_end_matches('/'), "admin", PASSWORD).await;
    assert_eq!(r.status(), 303, "login failed");
    let set = r
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database_behave_as_one() {
    let Some(server) = server_or_skip("two instances on one database") else {
        return;
    };
    let db = tokio::task::spawn_blocking(move || TestDatabase::create(&server))
        .await
        .unwrap();
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = sites_file(dir.path());
    // Started together on an empty database: both migrate, under the advisory lock.
    let (mut a, a_log) = Instance::start(&config, &db.url, &sink.url());
    let (mut b, b_log) = Instance::start(&config, &db.url, &sink.url());
    a.wait_listening(&a_log);
    b.wait_listening(&b_log);
    let http = client();

    // A comment posted to one is on the other at once, even when the other already
    // holds the page in its cache.
    assert_eq!(list(&http, &b, "/partage").await["count"], 0);
    let r = post(&http, &a, "/partage", "Alix", "198.51.100.1").await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["comment"]["id"]
        .as_i64()
        .unwrap();
    let posted = Instant::now();
    let seen = loop {
        let seen = list(&http, &b, "/partage").await;
        if seen["count"] == 1 || posted.elapsed() > Duration::from_secs(3) {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(seen["count"], 1, "{seen}");
    assert!(
        posted.elapsed() < Duration::from_secs(1),
        "B saw A's comment only after {:?}",
        posted.elapsed()
    );
    assert_eq!(seen["comments"][0]["id"], id);
    // Both instances agree on the avatar: the secret lives in the database.
    assert_eq!(
        list(&http, &a, "/partage").await["comments"][0]["avatar"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        seen["comments"][0]["avatar"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
    );

    // A flood spread over both instances is limited: one author, two instances,
    // within the flood interval (15 s by default).
    // (Something else: the same text again would be a duplicate, told first.)
    let r = post_saying(&http, &b, "/partage", "Alix", "198.51.100.1", "Encore moi").await;
    assert_eq!(r.status(), 429, "{}", r.text().await.unwrap());
    // So is one address block writing under several names.
    let r = post(&http, &b, "/partage", "Bruno", "198.51.100.1").await;
    assert_eq!(r.status(), 429);
    // Simultaneous posts of one author on both instances (on an existing page, so that
    // creating its thread does not make them wait for each other): exactly one gets
    // through, every time.
    for round in 0..5 {
        let (who, ip) = (format!("Course{round}"), format!("203.0.{round}.7"));
        let (one, two) = tokio::join!(
            post_saying(&http, &a, "/partage", &who, &ip, "D'ici"),
            post_saying(&http, &b, "/partage", &who, &ip, "De là"),
        );
        let mut statuses = [one.status().as_u16(), two.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [201, 429], "a race slipped under the flood limit");
    }
    // Several first comments on one new page at once, from different readers on both
    // instances, make one thread.
    let mut posts = Vec::new();
    for i in 0..8 {
        let on = if i % 2 == 0 { &a } else { &b };
        let (url, who, ip) = (
            on.url("/api/v1/comments"),
            format!("Lecteur{i}"),
            format!("10.{i}.0.1"),
        );
        posts.push(tokio::spawn(async move {
            client()
                .post(url)
                .header("X-Forwarded-For", ip)
                .json(&json!({
                    "page": "/nouvelle",
                    "title": "Nouvelle page",
                    "author": who,
                    "email": format!("{}@example.org", who.to_lowercase()),
                    "body": "Premier !",
                }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for p in posts {
        statuses.push(p.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(list(&http, &a, "/nouvelle").await["count"], 8);

    // The two instances agree on the sites: a comment posted on A for blog is read
    // from B on blog, and not on notes, though B held both pages in its cache.
    // (Everything above named no site: it is on blog, the first.)
    assert_eq!(list_on(&http, &b, "notes", "/partage").await["count"], 0);
    assert_eq!(list_on(&http, &b, "blog", "/partage").await["count"], 6);
    assert_eq!(list_on(&http, &b, "blog", "/deux").await["count"], 0);
    assert_eq!(list_on(&http, &b, "notes", "/deux").await["count"], 0);
    let r = http
        .post(a.url("/api/v1/comments"))
        .header("X-Forwarded-For", "192.0.2.10")
        .json(&json!({
            "site": "blog",
            "page": "/deux",
            "title": "Deux sites",
            "author": "Blandine",
            "email": "blandine@example.org",
            "body": "Sur le blog.",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let seen = until_count(&http, &b, "blog", "/deux", 1).await;
    assert_eq!(seen["count"], 1, "{seen}");
    assert_eq!(seen["site"], "blog");
    assert_eq!(seen["comments"][0]["author"], "Blandine");
    assert_eq!(list_on(&http, &b, "notes", "/deux").await["count"], 0);
    assert_eq!(list_on(&http, &a, "notes", "/deux").await["count"], 0);
    // And the other way: notes on B, read on A.
    let r = http
        .post(b.url("/api/v1/comments"))
        .header("X-Forwarded-For", "198.18.0.20")
        .header("Origin", "https://notes.example")
        .json(&json!({
            "page": "/deux",
            "title": "Two sites",
            "author": "Noor",
            "email": "noor@example.org",
            "body": "On the notes.",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let seen = until_count(&http, &a, "notes", "/deux", 1).await;
    assert_eq!(seen["comments"][0]["author"], "Noor", "{seen}");
    assert_eq!(list_on(&http, &a, "blog", "/deux").await["count"], 1);

    // A moderator logged in on A works on B: the session is in the database.
    let cookie = log_in(&http, &a).await;
    let queue = http
        .get(b.url("/admin"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200, "the session is unknown on B");
    let queue = queue.text().await.unwrap();
    let csrf = common::input_value(&queue, "csrf");
    let r = http
        .post(b.url("/admin/moderate"))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("one", &format!("spam:{id}")),
            ("back", "/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "B refused A's moderator");
    assert_eq!(list(&http, &a, "/partage").await["count"], 5);

    // Each notification goes out once, though both instances' workers poll the
    // outbox: one message per comment accepted (1 + 5 + 8 + 2).
    let got = sink.wait_for(16, 30).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got_later = sink.messages();
    assert_eq!(
        got_later.len(),
        16,
        "{} messages for 16 comments",
        got.len()
    );
    let ids: HashSet<String> = got_later.iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 16);
    let noted: Vec<_> = got_later
        .iter()
        .filter(|m| m.text().contains("On the notes."))
        .collect();
    assert_eq!(noted.len(), 1);
    assert!(noted[0].text().contains("t?site=notes&page=%2Fdeux"));
    drop((a, b));
    drop(db);
    drop(dir);
}
