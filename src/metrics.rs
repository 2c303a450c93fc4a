//! What `/metrics` shows Prometheus (SPEC section 13): requests by route and status
//! with their latency, comments written, the outbox, the thread cache, the database
//! pool and, on SQLite, the writer's group commits.
//!
//! One `Metrics` per application, in its state, never a process global: tests run
//! several applications in one process, each with its own numbers. Counting is an
//! atomic increment on a handle the counting code keeps (a `Counter` or `Histogram`
//! clone shares its value with the registry), so the hot paths take no lock but the
//! request family's read lock. Labels never carry a path, a page key, a token or an
//! address: requests are labelled by their route pattern (`/api/v1/comments/{id}`).
//!
//! What is cheaper to read than to follow (the outbox's depth, the pool's
//! connections) is read when Prometheus asks (`Metrics::refresh`).

use std::borrow::Cow;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::comments::PostError;
use crate::db::queries::outbox::OutboxKind;
use crate::domain::Status;

/// The route label of a request that matched no route (a 404 of the default
/// service): one value, whatever the path was.
pub const NO_ROUTE: &str = "(no route)";

/// The Prometheus text format's content type, for the `/metrics` answer.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Cow<'static, str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// What became of one attempt to deliver an outbox message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the SMTP server (or, without `smtp_url`, written to the log).
    Sent,
    /// Refused or unreachable for now: tried again later.
    Retry,
    /// Given up: the message is `failed` (a moderator can retry it).
    Failed,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Retry => "retry",
            Delivery::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolStateLabel {
    state: &'static str,
}

/// The thread cache's counts: kept by the cache, shown by the registry.
#[derive(Clone, Debug, Default)]
pub struct CacheCounters {
    pub hits: Counter,
    pub misses: Counter,
}

/// The pool's checkouts, told by r2d2 as they happen.
#[derive(Clone, Debug)]
pub struct PoolEvents {
    wait: Histogram,
    timeouts: Counter,
}

impl diesel::r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: diesel::r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
    }
}

fn latency_histogram() -> Histogram {
    // From half a millisecond (a cached read) to about four seconds.
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    written: Family<StatusLabel, Counter>,
    refused: Family<ReasonLabel, Counter>,
    outbox_waiting: Family<KindLabel, Gauge>,
    deliveries: Family<OutcomeLabel, Counter>,
    cache: CacheCounters,
    pool_connections: Family<PoolStateLabel, Gauge>,
    pool_max: Gauge,
    pool: PoolEvents,
    writer_groups: Option<Histogram>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Every metric, registered; the writer's group sizes only with `sqlite_writer`
    /// (PostgreSQL has no writer thread).
    pub fn new(sqlite_writer: bool) -> Metrics {
        let mut registry = Registry::with_prefix("causerie");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let written = Family::<StatusLabel, Counter>::default();
        registry.register(
            "comments_written",
            "Readers' comments stored, by the status they got (approved, pending, spam)",
            written.clone(),
        );
        let refused = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "comments_refused",
            "Readers' comments not stored: thread closed, duplicate, over a limit, or \
             unknown parent",
            refused.clone(),
        );
        let outbox_waiting = Family::<KindLabel, Gauge>::default();
        registry.register(
            "outbox_waiting",
            "Notifications waiting to be sent (drafts and queued), by kind",
            outbox_waiting.clone(),
        );
        let deliveries = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "outbox_deliveries",
            "Attempts to send a notification, by outcome: sent, retry (will be tried \
             again) or failed (given up)",
            deliveries.clone(),
        );
        let cache = CacheCounters::default();
        registry.register(
            "thread_cache_hits",
            "Thread reads answered from the cache",
            cache.hits.clone(),
        );
        registry.register(
            "thread_cache_misses",
            "Thread reads that went to the database",
            cache.misses.clone(),
        );
        let pool_connections = Family::<PoolStateLabel, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections open, by state (in_use, idle)",
            pool_connections.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Database connections the pool may open (pool_size)",
            pool_max.clone(),
        );
        let pool = PoolEvents {
            // From 10 µs (a free connection) to the pool's 10 s timeout.
            wait: Histogram::new(exponential_buckets(0.00001, 4.0, 12)),
            timeouts: Counter::default(),
        };
        registry.register_with_unit(
            "db_pool_wait",
            "Time to get a database connection from the pool",
            Unit::Seconds,
            pool.wait.clone(),
        );
        registry.register(
            "db_pool_timeouts",
            "Times no database connection could be had in time",
            pool.timeouts.clone(),
        );
        let writer_groups = sqlite_writer.then(|| {
            let h = Histogram::new(exponential_buckets(1.0, 2.0, 7));
            registry.register(
                "sqlite_writer_group_size",
                "Writing units committed together by one SQLite group commit",
                h.clone(),
            );
            h
        });
        Metrics {
            registry,
            requests,
            latency,
            written,
            refused,
            outbox_waiting,
            deliveries,
            cache,
            pool_connections,
            pool_max,
            pool,
            writer_groups,
        }
    }

    /// One request answered. `route` is the matched pattern (`None`: no route).
    pub fn request(
        &self,
        method: &actix_web::http::Method,
        route: Option<String>,
        status: u16,
        took: Duration,
    ) {
        let method = method_label(method);
        let route: Cow<'static, str> = route.map_or(Cow::Borrowed(NO_ROUTE), Cow::Owned);
        let labels = RouteLabels { method, route };
        self.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        let labels = RequestLabels {
            method,
            route: labels.route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
    }

    /// A reader's comment stored (after its commit), with the status it got.
    pub fn comment_written(&self, status: Status) {
        self.written
            .get_or_create(&StatusLabel {
                status: status.as_str(),
            })
            .inc();
    }

    /// A reader's comment refused by the rules; a database error is not counted
    /// here (the request's 5xx is).
    pub fn comment_refused(&self, e: &PostError) {
        let reason = match e {
            PostError::ThreadClosed => "thread_closed",
            PostError::UnknownParent => "unknown_parent",
            PostError::Duplicate => "duplicate",
            PostError::Limited(_) => "limited",
            PostError::Db(_) => return,
        };
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    pub fn delivery(&self, outcome: Delivery) {
        self.deliveries
            .get_or_create(&OutcomeLabel {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    /// The counters the thread cache keeps.
    pub fn cache_counters(&self) -> CacheCounters {
        self.cache.clone()
    }

    /// The handler r2d2 tells of checkouts and timeouts.
    pub fn pool_events(&self) -> Box<dyn diesel::r2d2::HandleEvent> {
        Box::new(self.pool.clone())
    }

    /// The histogram of the SQLite writer's group sizes (`None` on PostgreSQL).
    pub fn writer_groups(&self) -> Option<Histogram> {
        self.writer_groups.clone()
    }

    /// Reads what is shown as it is now: the pool's connections, and the outbox's
    /// depth (`waiting`, by kind, when it could be counted).
    pub fn refresh(
        &self,
        pool: &diesel::r2d2::State,
        max: u32,
        waiting: Option<&[(OutboxKind, i64)]>,
    ) {
        let idle = i64::from(pool.idle_connections);
        let open = i64::from(pool.connections);
        self.pool_connections
            .get_or_create(&PoolStateLabel { state: "in_use" })
            .set(open - idle);
        self.pool_connections
            .get_or_create(&PoolStateLabel { state: "idle" })
            .set(idle);
        self.pool_max.set(i64::from(max));
        if let Some(waiting) = waiting {
            for kind in [OutboxKind::Moderator, OutboxKind::Reply] {
                let n = waiting
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(0, |(_, n)| *n);
                self.outbox_waiting
                    .get_or_create(&KindLabel {
                        kind: kind.as_str(),
                    })
                    .set(n);
            }
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8192);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        // Any other is one value: a client cannot grow the label set.
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_counted_under_its_route_pattern() {
        let m = Metrics::new(true);
        let get = actix_web::http::Method::GET;
        m.request(
            &get,
            Some("/unsubscribe/{token}".into()),
            200,
            Duration::from_millis(3),
        );
        m.request(&get, None, 404, Duration::from_millis(1));
        let text = m.encode();
        assert!(text.contains(
            r#"causerie_http_requests_total{method="GET",route="/unsubscribe/{token}",status="200"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"route="(no route)",status="404"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("causerie_sqlite_writer_group_size_bucket"),
            "{text}"
        );
        assert!(!Metrics::new(false)
            .encode()
            .contains("causerie_sqlite_writer_group_size"));
    }
}
