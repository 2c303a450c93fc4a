//! A moderator's browser: logging in through the login form (its signed form token
//! included) and posting admin forms with the session's CSRF token. Shared by every
//! test crate that moderates.

/// A logged-in moderator: a cookie-keeping client, the instance's address, and the
/// CSRF token of the session.
pub struct Moderator {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

/// A client as a browser is: it keeps cookies and does not follow redirects, so the
/// tests see each `303`.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The body of `GET url`, whatever its status.
pub async fn text_of(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Loads the login form at `base` (for its form token), then posts it.
pub async fn login_attempt(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    password: &str,
) -> reqwest::Response {
    let page = text_of(client, &format!("{base}/admin/login")).await;
    let token = super::input_value(&page, "form_token");
    client
        .post(format!("{base}/admin/login"))
        .form(&[
            ("form_token", token.as_str()),
            ("name", name),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Logs `name` in at `base`; panics unless the login succeeds.
pub async fn log_in(base: &str, name: &str, password: &str) -> Moderator {
    let client = browser();
    let r = login_attempt(&client, base, name, password).await;
    assert_eq!(r.status(), 303, "login of {name} failed");
    let queue = text_of(&client, &format!("{base}/admin")).await;
    Moderator {
        csrf: super::input_value(&queue, "csrf"),
        client,
        base: base.to_owned(),
    }
}

impl Moderator {
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn act(&self, action: &str, id: i64) -> reqwest::Response {
        let one = format!("{action}:{id}");
        self.post("/admin/moderate", &[("one", &one), ("back", "/admin")])
            .await
    }
}
