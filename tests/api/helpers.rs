//! Spawns the real application on port 0 with its own database (a temporary SQLite
//! file, or a fresh PostgreSQL database when `TEST_POSTGRES_URL` is set), and
//! talks to it over HTTP like any client would.

use std::sync::Arc;

use causerie::config::{Config, ModerationMode, Settings};
use causerie::db::DbConn;
use causerie::startup::Application;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::postgres::{self, TestDatabase};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// `sqlite://…` or `postgres://…`: what `db()` opens.
    pub database_url: String,
    /// The PostgreSQL database, dropped with the last app that uses it.
    database: Option<Arc<TestDatabase>>,
    /// Stops the HTTP server (`TestApp::stop`), to simulate a restart.
    pub server: actix_web::dev::ServerHandle,
    /// The application's state, to run units of work as handlers do.
    pub state: actix_web::web::Data<causerie::app::AppState>,
    /// The outbox worker, run at will by `flush_outbox`.
    pub outbox: causerie::notify::worker::Worker,
    running: Option<actix_web::rt::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// An app that publishes at once (moderation `none`), the common case in tests.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|s| s.moderation = ModerationMode::None).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, database) = match postgres::server_url() {
        Some(server) => {
            let db = tokio::task::spawn_blocking(move || TestDatabase::create(&server))
                .await
                .unwrap();
            (db.url.clone(), Some(Arc::new(db)))
        }
        None => {
            let path = dir.path().join("test.db");
            (format!("sqlite://{}", path.display()), None)
        }
    };
    spawn_app_in(dir, database_url, database, adjust).await
}

/// A new app on the database of an earlier one (a restart, or a second instance
/// sharing the database).
pub async fn spawn_app_on(earlier: &TestApp, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_app_in(
        dir,
        earlier.database_url.clone(),
        earlier.database.clone(),
        adjust,
    )
    .await
}

async fn spawn_app_in(
    dir: tempfile::TempDir,
    database_url: String,
    database: Option<Arc<TestDatabase>>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.clone(),
        pool_size: 4,
        // Tests post in quick succession from one address; the abuse tests set
        // these back to real values.
        flood_seconds: 0,
        max_comments_per_ip_per_hour: 10_000,
        max_comments_per_email_per_hour: 10_000,
        max_comments_per_thread_per_ip_per_hour: 10_000,
        min_form_seconds: 0,
        ..Default::default()
    };
    adjust(&mut settings);
    let mut config = Config::from_settings(settings).expect("valid test settings");
    config.admin_password = Some(PASSWORD.into());
    let app = Application::build(config).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.server_handle();
    let state = app.state();
    let outbox = app.outbox();
    let running = Some(actix_web::rt::spawn(app.run_until_stopped()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        database_url,
        database,
        server,
        state,
        outbox,
        running,
        _dir: dir,
    }
}

/// Waits until `check` holds, for at most `secs`.
pub async fn until(secs: u64, what: &str, check: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited {secs} s for: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A valid comment for `page`; tests change the fields they are about.
pub fn comment(page: &str, author: &str, body: &str) -> Value {
    json!({
        "page": page,
        "title": "Rachat de Cloudwatt par Orange",
        "author": author,
        "email": format!("{}@example.org", author.to_lowercase().replace(' ', ".")),
        "website": "",
        "body": body,
    })
}

impl TestApp {
    /// Stops the server and its background work, and waits until they are done.
    pub async fn stop(&mut self) {
        self.server.stop(true).await;
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
    }

    /// Writes and sends every outbox message due now, without waiting for the
    /// worker's next round; returns how many it tried.
    pub async fn flush_outbox(&self) -> usize {
        self.outbox.run_once().await.expect("the outbox worker ran")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_comment(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/comments"))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts `body` as is, with `content_type`, to the comment API: for malformed
    /// and oversized requests.
    pub async fn post_raw(
        &self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/comments"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts and asserts `201`; returns the response JSON.
    /// `PUT /api/v1/comments/{id}` with `{"body": body}`, as the author with `token`
    /// (none: no `Authorization` header).
    pub async fn edit(&self, id: i64, token: Option<&str>, body: &str) -> reqwest::Response {
        let mut r = self
            .client
            .put(self.url(&format!("/api/v1/comments/{id}")))
            .json(&json!({ "body": body }));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    /// `DELETE /api/v1/comments/{id}` as the author with `token`.
    pub async fn delete(&self, id: i64, token: Option<&str>) -> reqwest::Response {
        let mut r = self
            .client
            .delete(self.url(&format!("/api/v1/comments/{id}")));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    pub async fn create(&self, body: &Value) -> Value {
        let r = self.post_comment(body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{v}");
        v
    }

    pub async fn list(&self, page: &str) -> Value {
        let r = self
            .client
            .get(self.url("/api/v1/comments"))
            .query(&[("page", page)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// GETs `path` and reads its JSON, whatever the status.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        r.json().await.expect("a JSON answer")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Direct access to the database, for what no public route can do yet (approving,
    /// closing a thread, ageing a comment) and to check what is stored. The SQL given
    /// to `sql` and `stored` must run on both backends.
    pub fn db(&self) -> DbConn {
        causerie::db::establish(&self.database_url).unwrap()
    }

    pub fn sql(&self, statement: &str) {
        diesel::sql_query(statement)
            .execute(&mut self.db())
            .unwrap();
    }

    /// The instance's signing secret, read from its database as only the instance
    /// could, to make tokens a client cannot (an old form, another page's).
    pub fn secret(&self) -> causerie::crypto::Secret {
        let hex = self
            .stored("SELECT value AS v FROM instance_settings WHERE name = 'hmac_secret'")
            .expect("the instance secret is stored");
        causerie::crypto::Secret::from_hex(&hex).unwrap()
    }

    /// A form token of this instance for `page` of the default site, issued `ago`
    /// seconds ago.
    pub fn form_token(&self, page: &str, ago: i64) -> String {
        let page = causerie::domain::PageKey::parse(page).unwrap();
        causerie::abuse::form_token(&self.secret(), "default", &page, causerie::db::now() - ago)
    }

    /// One text column of one row, e.g. `stored("SELECT ip AS v FROM comments WHERE id = 1")`.
    pub fn stored(&self, query: &str) -> Option<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            v: Option<String>,
        }
        diesel::sql_query(query)
            .get_result::<Row>(&mut self.db())
            .unwrap()
            .v
    }

    /// One text column of every row, in the query's order.
    pub fn column(&self, query: &str) -> Vec<Option<String>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            v: Option<String>,
        }
        diesel::sql_query(query)
            .load::<Row>(&mut self.db())
            .unwrap()
            .into_iter()
            .map(|r| r.v)
            .collect()
    }
}

// ---------------------------------------------------------------------------
// A moderator's browser session, for the admin and notification tests

/// The password of `admin` in every app these helpers start.
pub const PASSWORD: &str = "test-password-123";

/// A browser-like client of the admin: keeps cookies, does not follow redirects.
pub use crate::common::moderator::{browser, Moderator};

pub async fn login_attempt(
    client: &reqwest::Client,
    app: &TestApp,
    name: &str,
    password: &str,
) -> reqwest::Response {
    crate::common::moderator::login_attempt(client, &app.address, name, password).await
}

/// The bootstrap moderator `admin`, logged in.
pub async fn log_in(app: &TestApp) -> Moderator {
    crate::common::moderator::log_in(&app.address, "admin", PASSWORD).await
}

/// Where a redirect sends the client.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(reqwest::header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// An admin form at `path` (posted with `fields`, coming back to `back`) refuses a
/// client without a session (to the login page) and a moderator without its CSRF
/// token or with a wrong one (back, with `forged=1`). Returns the moderator.
pub async fn assert_admin_form_needs_session_and_csrf(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    back: &str,
) -> Moderator {
    let r = app
        .client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/admin/login"));

    let m = log_in(app).await;
    for csrf in ["", "0000"] {
        let mut all = vec![("csrf", csrf), ("back", back)];
        all.extend_from_slice(fields);
        let r = m
            .client
            .post(app.url(path))
            .form(&all)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{back}&forged=1"));
    }
    m
}
