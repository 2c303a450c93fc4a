//! `/metrics` (SPEC section 13): the Prometheus text format, numbers that move with
//! what the instance does, nothing that names a page, a path or a token, and only for
//! the addresses in `metrics_allow` or the holder of `metrics_token`.

use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use serde_json::json;

use crate::helpers::{comment, spawn_app_with, TestApp};

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// A remote reader, as a trusted proxy on loopback tells it.
const REMOTE: &str = "203.0.113.9";
const TOKEN: &str = "metrics-token-3f9a1c";

async fn scrape_text(app: &TestApp) -> String {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    r.text().await.unwrap()
}

/// The page, parsed: a line the parser does not accept fails the test.
fn parse(text: &str) -> Exposition {
    parse_prometheus(text).unwrap_or_else(|e| panic!("not the Prometheus text format: {e}\n{text}"))
}

/// The sum over the samples of `family` whose labels include `labels`: a counter's
/// or gauge's value, a histogram's count. A family with no sample yet is not shown
/// at all: 0.
fn value(m: &Exposition, family: &str, labels: &[(&str, &str)]) -> f64 {
    let Some(f) = m.families.get(family) else {
        return 0.0;
    };
    f.iter_samples()
        .filter(|s| {
            let set = s.get_labelset().unwrap();
            labels
                .iter()
                .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(|s| match &s.value {
            PrometheusValue::Counter(c) => c.value.as_f64(),
            PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n.as_f64(),
            PrometheusValue::Histogram(h) => h.count.unwrap_or(0) as f64,
            PrometheusValue::Summary(s) => s.count.unwrap_or(0) as f64,
        })
        .sum()
}

async fn scrape(app: &TestApp) -> Exposition {
    parse(&scrape_text(app).await)
}

#[actix_web::test]
async fn metrics_count_requests_comments_and_cache_under_route_patterns() {
    let app = spawn_app_with(|s| {
        s.moderation = causerie::config::ModerationMode::None;
        s.disallowed_keywords = vec!["viagra".into()];
    })
    .await;
    let page = "/blog/secret-page-key-7q2w";
    let before = scrape(&app).await;
    let get = |m: &Exposition, status: &str| {
        value(
            m,
            "causerie_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/api/v1/comments"),
                ("status", status),
            ],
        )
    };

    // A read that misses the cache, the same read again (a hit), a comment, a spam,
    // a duplicate, an edit and a path that matches no route.
    app.list(page).await;
    app.list(page).await;
    let created = app.create(&comment(page, "Alice", "A first comment")).await;
    app.create(&comment(page, "Bob", "Cheap viagra here")).await;
    let dup = app
        .post_comment(&comment(page, "Alice", "A first comment"))
        .await;
    assert_eq!(dup.status(), 409);
    let id = created["comment"]["id"].as_i64().unwrap();
    let token = created["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(app.edit(id, Some(&token), "Edited").await.status(), 200);
    let (status, _) = app.get_text("/no-such-place-k8d3").await;
    assert_eq!(status, 404);
    // Doubled slashes are one (a `public_url` written with a final slash): the read
    // reaches its route, keeps its query (the page key's own `//` included) and is
    // counted under the pattern.
    let (status, body) = app
        .get_text(&format!("//api//v1/comments?page={page}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Edited"), "{body}");

    let text = scrape_text(&app).await;
    let after = parse(&text);
    assert!(get(&after, "200") >= get(&before, "200") + 3.0, "{text}");
    let posts = |m: &Exposition, status: &str| {
        value(
            m,
            "causerie_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/v1/comments"),
                ("status", status),
            ],
        )
    };
    assert_eq!(posts(&after, "201") - posts(&before, "201"), 2.0, "{text}");
    assert_eq!(posts(&after, "409") - posts(&before, "409"), 1.0, "{text}");
    assert_eq!(
        value(
            &after,
            "causerie_http_requests_total",
            &[
                ("method", "PUT"),
                ("route", "/api/v1/comments/{id}"),
                ("status", "200")
            ],
        ),
        1.0,
        "{text}"
    );
    assert!(
        value(
            &after,
            "causerie_http_requests_total",
            &[("route", "(no route)"), ("status", "404")],
        ) >= 1.0,
        "{text}"
    );
    let latency = |m: &Exposition| {
        value(
            m,
            "causerie_http_request_duration_seconds",
            &[("method", "GET"), ("route", "/api/v1/comments")],
        )
    };
    assert!(latency(&after) >= latency(&before) + 3.0, "{text}");

    let written = |m: &Exposition, status: &str| {
        value(m, "causerie_comments_written_total", &[("status", status)])
    };
    assert_eq!(
        written(&after, "approved") - written(&before, "approved"),
        1.0
    );
    assert_eq!(written(&after, "spam") - written(&before, "spam"), 1.0);
    assert_eq!(
        value(
            &after,
            "causerie_comments_refused_total",
            &[("reason", "duplicate")]
        ),
        1.0,
        "{text}"
    );
    let cache = |m: &Exposition, what: &str| value(m, what, &[]);
    for what in [
        "causerie_thread_cache_hits_total",
        "causerie_thread_cache_misses_total",
    ] {
        assert!(cache(&after, what) > cache(&before, what), "{what}: {text}");
    }
    assert_eq!(value(&after, "causerie_db_pool_max_connections", &[]), 4.0);
    assert!(value(&after, "causerie_db_pool_wait_seconds", &[]) > 0.0);
    assert!(after
        .families
        .contains_key("causerie_db_pool_timeouts_total"));
    assert!(after.families.contains_key("causerie_outbox_waiting"));
    if app.database_url.starts_with("sqlite:") {
        assert!(
            value(&after, "causerie_sqlite_writer_group_size", &[]) >= 3.0,
            "every write went through the writer: {text}"
        );
    } else {
        assert!(!text.contains("causerie_sqlite_writer"), "{text}");
    }

    // Nothing that a reader or an author chose, nor any path.
    for secret in [
        page,
        "secret-page-key-7q2w",
        token.as_str(),
        "/no-such-place-k8d3",
        &format!("/api/v1/comments/{id}\""),
        "alice@example.org",
    ] {
        assert!(!text.contains(secret), "`{secret}` leaked: {text}");
    }
}

#[actix_web::test]
async fn metrics_count_deliveries_and_what_waits_in_the_outbox() {
    // Nothing listens on port 1: each attempt fails, and the message waits for
    // its next (30 s later).
    let failing = spawn_app_with(|s| {
        s.moderation = causerie::config::ModerationMode::None;
        s.notify_to = vec!["moderator@example.net".into()];
        s.smtp_url = Some("smtp://127.0.0.1:1".into());
    })
    .await;
    failing
        .create(&comment("/outbox", "Alice", "Tell the moderator"))
        .await;
    failing.flush_outbox().await;
    let text = scrape_text(&failing).await;
    let m = parse(&text);
    assert!(
        value(
            &m,
            "causerie_outbox_deliveries_total",
            &[("outcome", "retry")]
        ) >= 1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            "causerie_outbox_deliveries_total",
            &[("outcome", "sent")]
        ),
        0.0
    );
    assert_eq!(
        value(&m, "causerie_outbox_waiting", &[("kind", "moderator")]),
        1.0
    );
    assert_eq!(
        value(&m, "causerie_outbox_waiting", &[("kind", "reply")]),
        0.0
    );

    // Without smtp_url a message is written to the log, and counts as sent.
    let logging = spawn_app_with(|s| {
        s.moderation = causerie::config::ModerationMode::None;
        s.notify_to = vec!["moderator@example.net".into()];
    })
    .await;
    logging
        .create(&comment("/outbox", "Alice", "Tell the moderator"))
        .await;
    logging.flush_outbox().await;
    let m = scrape(&logging).await;
    assert_eq!(
        value(
            &m,
            "causerie_outbox_deliveries_total",
            &[("outcome", "sent")]
        ),
        1.0
    );
    assert_eq!(
        value(&m, "causerie_outbox_waiting", &[("kind", "moderator")]),
        0.0
    );
}

async fn metrics_as(app: &TestApp, forwarded: Option<&str>, token: Option<&str>) -> (u16, String) {
    let mut r = app.client.get(app.url("/metrics"));
    if let Some(f) = forwarded {
        r = r.header("X-Forwarded-For", f);
    }
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[actix_web::test]
async fn metrics_are_refused_to_other_addresses_unless_they_hold_the_token() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.metrics_token = Some(TOKEN.into());
    })
    .await;
    // Loopback (the default metrics_allow): served without a token.
    let (status, text) = metrics_as(&app, None, None).await;
    assert_eq!(status, 200);
    parse(&text);

    let (status, text) = metrics_as(&app, Some(REMOTE), None).await;
    assert_eq!(status, 403);
    assert!(text.contains("metrics_allow"), "{text}");
    assert!(!text.contains("causerie_"), "{text}");
    let (status, _) = metrics_as(&app, Some(REMOTE), Some("metrics-token-3f9a1d")).await;
    assert_eq!(status, 403, "a wrong token");
    let (status, _) = metrics_as(&app, Some(REMOTE), Some("")).await;
    assert_eq!(status, 403, "an empty token");

    let (status, text) = metrics_as(&app, Some(REMOTE), Some(TOKEN)).await;
    assert_eq!(status, 200);
    parse(&text);
    assert!(!text.contains(TOKEN));
    assert!(!text.contains(REMOTE));
}

#[actix_web::test]
async fn metrics_allow_lets_a_listed_network_in() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.metrics_allow = vec!["203.0.113.0/24".into()];
    })
    .await;
    assert_eq!(metrics_as(&app, Some(REMOTE), None).await.0, 200);
    // Loopback is no longer listed, and no token is set: a token opens nothing.
    assert_eq!(metrics_as(&app, None, None).await.0, 403);
    assert_eq!(metrics_as(&app, None, Some(TOKEN)).await.0, 403);
}

#[actix_web::test]
async fn metrics_off_is_a_404() {
    let app = spawn_app_with(|s| s.metrics = false).await;
    let (status, _) = app.get_text("/metrics").await;
    assert_eq!(status, 404);
    // The rest works as before.
    assert_eq!(app.list("/page").await["count"], json!(0));
}

#[test]
fn an_invalid_metrics_allow_is_an_error_naming_the_key() {
    let settings = causerie::config::Settings {
        metrics_allow: vec!["127.0.0.0/8".into(), "not-a-network".into()],
        ..Default::default()
    };
    let e = causerie::config::Config::from_settings(settings).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("metrics_allow"), "{text}");
    assert!(text.contains("not-a-network"), "{text}");
}
