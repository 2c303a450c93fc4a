//! Whether the database takes connections, so that a request fails fast when it does
//! not: with PostgreSQL stopped, a request would otherwise wait the pool's whole
//! timeout (10 s) for a connection that cannot come, and every reader with it.
//!
//! The pool tells [`Reach`] of each connection it could not open; [`checkout`] waits
//! for a connection in short slices, and gives up after [`FAIL_FAST`] once the
//! database has refused one since the wait began, or refused the last one tried and
//! none was had since (the pool tries again less and less often, up to every 5 s, so
//! a request cannot count on seeing a refusal of its own). A pool that is merely busy
//! (every connection in use, none refused) is still waited for, up to its timeout.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use diesel::r2d2::{Pool, PoolError, PooledConnection};

/// How long a request waits for a connection once the database refuses them.
pub const FAIL_FAST: Duration = Duration::from_secs(1);
/// The slices of that wait: how soon a refusal is noticed.
const SLICE: Duration = Duration::from_millis(200);

/// The database's refusals, as the pool saw them.
#[derive(Debug, Default)]
pub struct Reach {
    /// When the last connection was refused, in microseconds since [`epoch`] (0: never).
    last_refused: AtomicU64,
    /// Whether the database refused the last connection tried and none was had since
    /// (and so the log said it is out of reach).
    down: AtomicBool,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn micros(at: Instant) -> u64 {
    // +1: an instant at the epoch itself is not "never".
    at.saturating_duration_since(epoch()).as_micros() as u64 + 1
}

impl Reach {
    pub fn new() -> Arc<Reach> {
        epoch();
        Arc::new(Reach::default())
    }

    /// The pool could not open a connection.
    pub fn refused(&self, error: &dyn std::fmt::Display) {
        self.last_refused
            .store(micros(Instant::now()), Ordering::Relaxed);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::error!(
                error = %error,
                "the database refuses connections: requests that need it are answered 503 \
                 until it is back"
            );
        }
    }

    /// Whether a connection was refused at `since` or later.
    pub fn refused_since(&self, since: Instant) -> bool {
        self.last_refused.load(Ordering::Relaxed) >= micros(since)
    }

    /// Whether the database refused the last connection tried, none had since.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// A connection was had.
    fn reached(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the database takes connections again");
        }
    }

    /// What the pool calls with each error (in place of r2d2's own logging, which
    /// would say the same refusal many times a second).
    pub fn handler(self: &Arc<Self>) -> Box<dyn diesel::r2d2::HandleError<diesel::r2d2::Error>> {
        Box::new(Handler(self.clone()))
    }
}

#[derive(Debug)]
struct Handler(Arc<Reach>);

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for Handler {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        self.0.refused(&error);
    }
}

/// A connection of `pool`: waited for up to the pool's timeout while it is busy, for
/// [`FAIL_FAST`] at most while the database refuses connections.
pub fn checkout<M: diesel::r2d2::ManageConnection>(
    pool: &Pool<M>,
    reach: &Reach,
) -> Result<PooledConnection<M>, PoolError> {
    let start = Instant::now();
    let timeout = pool.connection_timeout();
    loop {
        let left = timeout.saturating_sub(start.elapsed());
        match pool.get_timeout(SLICE.min(left).max(Duration::from_millis(1))) {
            Ok(conn) => {
                reach.reached();
                return Ok(conn);
            }
            Err(e) => {
                let waited = start.elapsed();
                if waited >= FAIL_FAST && (reach.refused_since(start) || reach.is_down()) {
                    return Err(e);
                }
                if waited >= timeout {
                    tracing::warn!(
                        "no database connection came within {} s: every one is in use \
                         (pool_size may be too small for the load)",
                        timeout.as_secs()
                    );
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_counts_from_when_it_happened() {
        let reach = Reach::new();
        let before = Instant::now();
        assert!(!reach.refused_since(before));
        reach.refused(&"connection refused");
        assert!(reach.refused_since(before));
        std::thread::sleep(Duration::from_millis(2));
        assert!(!reach.refused_since(Instant::now()));
    }

    /// A database that refuses every connection.
    #[derive(Debug)]
    struct Refusing;

    impl diesel::r2d2::ManageConnection for Refusing {
        type Connection = diesel::SqliteConnection;
        type Error = diesel::r2d2::Error;

        fn connect(&self) -> Result<Self::Connection, Self::Error> {
            Err(diesel::r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection("connection refused".into()),
            ))
        }

        fn is_valid(&self, _: &mut Self::Connection) -> Result<(), Self::Error> {
            Ok(())
        }

        fn has_broken(&self, _: &mut Self::Connection) -> bool {
            false
        }
    }

    #[test]
    fn every_request_fails_fast_while_the_database_refuses_even_once_the_pool_tries_less_often() {
        // The pool tries again after 0.2, 0.4, 0.8, 1.6, 3.2 then every 5 s: the later
        // requests see no refusal of their own during their wait, and used to wait
        // for the next one (3 s, then 5 s) rather than FAIL_FAST.
        let reach = Reach::new();
        let pool = Pool::builder()
            .max_size(2)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(10))
            .error_handler(reach.handler())
            .build_unchecked(Refusing);
        for n in 1..=6 {
            let started = Instant::now();
            assert!(checkout(&pool, &reach).is_err());
            let waited = started.elapsed();
            assert!(
                waited < FAIL_FAST + Duration::from_millis(1500),
                "request {n} waited {waited:?}"
            );
        }
        assert!(reach.is_down());
    }
}
