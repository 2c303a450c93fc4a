//! What `/metrics` shows Prometheus (SPEC section 13): requests by route and status
//! with their latency, comments written, the outbox, the thread cache, the database
//! pool and, on SQLite, the writer's group commits.
//!
//! One `Metrics` per application, in its state, never a process global: tests run
//! several applications in one process, each with its own numbers. Counting is an
//! atomic increment on a handle the counting code keeps (a `Counter` or histogram
//! clone shares its value with the registry). A request takes no lock and writes to
//! no memory another worker writes to: each worker thread keeps the handles of the
//! routes it answered (`HANDLES`), each handle a shard of its own of the route's
//! counter and latency histogram ([`ShardedCounter`], [`DurationHistogram`]), which a
//! scrape adds up. (prometheus-client's histogram takes a mutex on every observation,
//! and one shared counter's cache line would go back and forth between the two workers
//! of a small server on every read.) Labels never carry a path, a page key, a token
//! or an address: requests are labelled by their route pattern
//! (`/api/v1/comments/{id}`).
//!
//! What is cheaper to read than to follow (the outbox's depth, the pool's
//! connections) is read when Prometheus asks (`Metrics::refresh`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::{MetricType, TypedMetric};
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

/// The shards of one sharded metric: each thread that counts adds one of its own
/// (`add`), and a scrape reads them all.
#[derive(Debug)]
struct Shards<T>(Arc<std::sync::Mutex<Vec<Arc<T>>>>);

impl<T> Clone for Shards<T> {
    fn clone(&self) -> Self {
        Shards(self.0.clone())
    }
}

impl<T> Default for Shards<T> {
    fn default() -> Self {
        Shards(Arc::default())
    }
}

impl<T: Default> Shards<T> {
    fn add(&self) -> Arc<T> {
        let shard = Arc::new(T::default());
        self.lock().push(shard.clone());
        shard
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<T>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The most buckets a [`DurationHistogram`] has, `+Inf` included.
const MAX_BUCKETS: usize = 16;

/// One shard of a histogram of durations: observing is two relaxed atomic additions
/// (the bucket's count and the sum, in nanoseconds), on a cache line of its own. A
/// scrape may see an observation's count before its sum; Prometheus' rates do not
/// mind.
#[derive(Debug, Default)]
#[repr(align(64))]
struct HistogramShard {
    counts: [AtomicU64; MAX_BUCKETS],
    sum_ns: AtomicU64,
}

/// A histogram of durations (prometheus-client's takes a mutex on every observation),
/// in shards: each worker thread observes into its own (`shard`), so the two workers
/// of a small server never write to the same cache line, and a scrape adds them up.
#[derive(Clone, Debug)]
pub struct DurationHistogram {
    /// Upper bounds in seconds, the last one `+Inf`.
    bounds: Arc<[f64]>,
    /// The same in nanoseconds (the last `u64::MAX`), to place an observation.
    bounds_ns: Arc<[u64]>,
    shards: Shards<HistogramShard>,
}

/// Where one thread observes a [`DurationHistogram`].
#[derive(Clone, Debug)]
pub struct HistogramHandle {
    bounds_ns: Arc<[u64]>,
    shard: Arc<HistogramShard>,
}

impl DurationHistogram {
    /// Buckets with these upper bounds in seconds (finite ones; `+Inf` is added),
    /// at most `MAX_BUCKETS - 1` of them.
    pub fn new(bounds: impl IntoIterator<Item = f64>) -> DurationHistogram {
        let mut bounds: Vec<f64> = bounds.into_iter().filter(|b| b.is_finite()).collect();
        bounds.truncate(MAX_BUCKETS - 1);
        bounds.push(f64::INFINITY);
        let bounds_ns = bounds
            .iter()
            .map(|b| {
                if b.is_finite() {
                    (b * 1e9).round() as u64
                } else {
                    u64::MAX
                }
            })
            .collect();
        DurationHistogram {
            bounds: bounds.into(),
            bounds_ns,
            shards: Shards::default(),
        }
    }

    /// A new shard of this histogram, for one thread to observe into.
    pub fn shard(&self) -> HistogramHandle {
        HistogramHandle {
            bounds_ns: self.bounds_ns.clone(),
            shard: self.shards.add(),
        }
    }
}

impl HistogramHandle {
    pub fn observe(&self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let i = self.bounds_ns.partition_point(|&b| b < ns);
        let i = i.min(self.bounds_ns.len() - 1);
        self.shard.counts[i].fetch_add(1, Ordering::Relaxed);
        self.shard.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

impl TypedMetric for DurationHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for DurationHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let mut buckets: Vec<(f64, u64)> = self.bounds.iter().map(|b| (*b, 0)).collect();
        let mut sum_ns = 0u64;
        for shard in self.shards.lock().iter() {
            for (b, c) in buckets.iter_mut().zip(&shard.counts) {
                b.1 += c.load(Ordering::Relaxed);
            }
            sum_ns = sum_ns.wrapping_add(shard.sum_ns.load(Ordering::Relaxed));
        }
        // The count is the buckets' total, so that the two never disagree.
        let count = buckets.iter().map(|(_, c)| c).sum();
        encoder.encode_histogram::<NoLabelSet>(sum_ns as f64 / 1e9, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// A counter in shards, as [`DurationHistogram`]: each thread increments its own.
#[derive(Clone, Debug, Default)]
pub struct ShardedCounter {
    shards: Shards<CounterShard>,
}

#[derive(Debug, Default)]
#[repr(align(64))]
struct CounterShard(AtomicU64);

/// Where one thread counts into a [`ShardedCounter`].
#[derive(Clone, Debug)]
pub struct CounterHandle(Arc<CounterShard>);

impl ShardedCounter {
    pub fn shard(&self) -> CounterHandle {
        CounterHandle(self.shards.add())
    }
}

impl CounterHandle {
    pub fn inc(&self) {
        self.0 .0.fetch_add(1, Ordering::Relaxed);
    }
}

impl TypedMetric for ShardedCounter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for ShardedCounter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let total: u64 = self
            .shards
            .lock()
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum();
        encoder.encode_counter::<NoLabelSet, _, u64>(&total, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// The pool's checkouts, told by r2d2 as they happen.
#[derive(Clone, Debug)]
pub struct PoolEvents {
    /// One shard for all: checkouts happen on the blocking threads, which come and go.
    wait: HistogramHandle,
    timeouts: Counter,
}

impl diesel::r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration());
    }

    fn handle_timeout(&self, _event: diesel::r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
    }
}

fn latency_histogram() -> DurationHistogram {
    // From half a millisecond (a cached read) to about four seconds.
    DurationHistogram::new(exponential_buckets(0.0005, 2.0, 14))
}

type LatencyFamily = Family<RouteLabels, DurationHistogram, fn() -> DurationHistogram>;

/// What one worker thread counts a route's requests with: its latency histogram and
/// its counters by status, clones of the registry's.
struct RouteHandles {
    metrics: u64,
    method: &'static str,
    route: Box<str>,
    latency: HistogramHandle,
    by_status: Vec<(u16, CounterHandle)>,
}

/// Which `Metrics` a worker's handles belong to (tests run several in one process).
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Per worker thread, the handles of the routes it answered, the last used first.
    /// Bounded: methods are a fixed set, routes the app's patterns, statuses the few
    /// it answers. A short list compared by length and bytes beats hashing the route.
    static HANDLES: RefCell<Vec<RouteHandles>> = const { RefCell::new(Vec::new()) };
}

pub struct Metrics {
    id: u64,
    registry: Registry,
    requests: Family<RequestLabels, ShardedCounter>,
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
        let requests = Family::<RequestLabels, ShardedCounter>::default();
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
        // From 10 µs (a free connection) to the pool's 10 s timeout.
        let pool_wait = DurationHistogram::new(exponential_buckets(0.00001, 4.0, 12));
        let pool = PoolEvents {
            wait: pool_wait.shard(),
            timeouts: Counter::default(),
        };
        registry.register_with_unit(
            "db_pool_wait",
            "Time to get a database connection from the pool",
            Unit::Seconds,
            pool_wait,
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
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
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
        route: Option<&str>,
        status: u16,
        took: Duration,
    ) {
        let method = method_label(method);
        let route = route.unwrap_or(NO_ROUTE);
        HANDLES.with_borrow_mut(|handles| {
            let found = handles
                .iter()
                .position(|h| h.metrics == self.id && h.method == method && *h.route == *route);
            let i = match found {
                Some(i) => i,
                None => {
                    let labels = RouteLabels {
                        method,
                        route: Cow::Owned(route.to_owned()),
                    };
                    handles.push(RouteHandles {
                        metrics: self.id,
                        method,
                        route: route.into(),
                        latency: self.latency.get_or_create(&labels).shard(),
                        by_status: Vec::new(),
                    });
                    handles.len() - 1
                }
            };
            // The route just answered is the likeliest next: first in the list.
            if i != 0 {
                handles.swap(0, i);
            }
            let h = &mut handles[0];
            h.latency.observe(took);
            match h.by_status.iter().find(|(s, _)| *s == status) {
                Some((_, counter)) => {
                    counter.inc();
                }
                None => {
                    let labels = RequestLabels {
                        method,
                        route: Cow::Owned(route.to_owned()),
                        status,
                    };
                    let counter = self.requests.get_or_create(&labels).shard();
                    counter.inc();
                    h.by_status.push((status, counter));
                }
            }
        });
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
            for kind in OutboxKind::ALL {
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
            Some("/unsubscribe/{token}"),
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

    fn line<'t>(text: &'t str, start: &str) -> &'t str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start} in\n{text}"))
    }

    #[test]
    fn latency_buckets_are_cumulative_with_their_sum_and_count() {
        let m = Metrics::new(false);
        let get = actix_web::http::Method::GET;
        let route = || Some("/t");
        // 0.2 ms (first bucket, ≤ 0.5 ms), 0.7 ms (≤ 1 ms), 0.5 ms exactly (≤ 0.5 ms),
        // 100 s (only +Inf).
        for took in [
            Duration::from_micros(200),
            Duration::from_micros(700),
            Duration::from_micros(500),
            Duration::from_secs(100),
        ] {
            m.request(&get, route(), 200, took);
        }
        m.request(&get, route(), 304, Duration::from_micros(100));
        let text = m.encode();
        let series = r#"{method="GET",route="/t""#;
        let bucket = |le: &str| {
            line(
                &text,
                &format!("causerie_http_request_duration_seconds_bucket{series},le=\"{le}\"}}"),
            )
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
        };
        assert_eq!(bucket("0.0005"), "3", "{text}");
        assert_eq!(bucket("0.001"), "4", "{text}");
        assert_eq!(bucket("0.002"), "4", "{text}");
        assert_eq!(bucket("+Inf"), "5", "{text}");
        assert!(line(
            &text,
            &format!("causerie_http_request_duration_seconds_count{series}}}")
        )
        .ends_with(" 5"));
        let sum: f64 = line(
            &text,
            &format!("causerie_http_request_duration_seconds_sum{series}}}"),
        )
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
        assert!((sum - 100.0015).abs() < 1e-9, "{sum}");
        assert!(line(
            &text,
            &format!("causerie_http_requests_total{series},status=\"200\"}}")
        )
        .ends_with(" 4"));
        assert!(line(
            &text,
            &format!("causerie_http_requests_total{series},status=\"304\"}}")
        )
        .ends_with(" 1"));
    }

    #[test]
    fn each_application_and_each_worker_counts_into_its_own_registry() {
        let a = Arc::new(Metrics::new(false));
        let b = Metrics::new(false);
        let get = actix_web::http::Method::GET;
        let route = || Some("/healthz");
        // Two workers of `a`, each with its own handles, and `b` on this thread.
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        a.request(
                            &actix_web::http::Method::GET,
                            route(),
                            200,
                            Duration::from_micros(50),
                        );
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        b.request(&get, route(), 200, Duration::from_micros(50));
        let series = r#"causerie_http_requests_total{method="GET",route="/healthz",status="200"}"#;
        assert!(
            line(&a.encode(), series).ends_with(" 2000"),
            "{}",
            a.encode()
        );
        assert!(line(&b.encode(), series).ends_with(" 1"), "{}", b.encode());
    }
}
