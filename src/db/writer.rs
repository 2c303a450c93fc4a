//! Group commit for SQLite. Every `201` must be on disk before it is sent, and a
//! sync costs the same for one comment as for fifty: so concurrent writing units are
//! handed to one writer thread, which runs all those waiting in one `BEGIN IMMEDIATE`
//! transaction, each in its own savepoint (one that fails is rolled back alone),
//! commits once, and only then answers each. Writers never wait in SQLite's busy
//! handler either, whose sleeps made the slowest posts take a second.
//!
//! The thread must outlive any one unit: a unit that panics is caught, its savepoint
//! rolled back (diesel's count of open savepoints brought back to the group's), its
//! request answered with an error, and the others committed. Should the thread end
//! all the same, `Writer::is_alive` says so, and `/healthz` with it.
//!
//! PostgreSQL needs none of this: it commits concurrent transactions in parallel and
//! groups their syncs itself.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use diesel::connection::TransactionManager;

use super::tx::{self, Tx};
use super::{DbConn, DbPool};

/// Units of work committed together at most.
const MAX_GROUP: usize = 64;
/// Units waiting at most; past that a post is answered 503 (try again) at once.
const QUEUE: usize = 4096;
/// The depth of a unit's savepoint's parent: the group's own transaction.
const GROUP_DEPTH: u32 = 1;

/// Why the writer could not give a unit's own outcome.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// Too many units waiting: try again.
    #[error("the writer's queue is full")]
    Busy,
    /// No database connection could be had in time: try again.
    #[error("no database connection for the writer: {0}")]
    NoConnection(String),
    #[error("the writer thread has stopped")]
    Stopped,
    /// The unit panicked; its savepoint was rolled back.
    #[error("a unit of work panicked: {0}")]
    Panicked(String),
    /// The unit succeeded, but its group did not commit.
    #[error("group commit failed: {0}")]
    Commit(String),
}

/// One unit waiting for the writer, its result type erased.
trait Unit: Send {
    /// Runs the unit in a savepoint; returns whether it wrote an outbox message.
    fn run(&mut self, conn: &mut DbConn) -> bool;
    /// Answers the request once the group's fate is known (`Ok` if it committed).
    fn deliver(self: Box<Self>, group: Result<(), WriteError>);
}

type Answer<T, E> = tokio::sync::oneshot::Sender<Result<Result<T, E>, WriteError>>;

struct Pending<F, T, E> {
    work: Option<F>,
    result: Option<Result<T, E>>,
    answer: Answer<T, E>,
}

impl<F, T, E> Unit for Pending<F, T, E>
where
    F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
    T: Send,
    E: From<diesel::result::Error> + Send,
{
    fn run(&mut self, conn: &mut DbConn) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let (result, written) = match tx::savepoint(conn, work) {
            Ok(done) => (Ok(done.value), done.outbox_written),
            Err(e) => (Err(e), false),
        };
        self.result = Some(result);
        written
    }

    fn deliver(self: Box<Self>, group: Result<(), WriteError>) {
        let outcome = match self.result {
            Some(Ok(value)) => group.map(|()| Ok(value)),
            // Its own failure, whatever became of the others.
            Some(Err(e)) => Ok(Err(e)),
            // Never ran to the end: it panicked, or got no connection.
            None => Err(group.err().unwrap_or(WriteError::Stopped)),
        };
        let _ = self.answer.send(outcome);
    }
}

enum Job {
    Unit(Box<dyn Unit>),
    /// Ends the thread (tests of a dead writer).
    Stop,
}

pub struct Writer {
    jobs: SyncSender<Job>,
    alive: Arc<AtomicBool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Marks the writer dead however its thread ends, a panic included.
struct Liveness(Arc<AtomicBool>);

impl Drop for Liveness {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Writer {
    /// Starts the writer thread on a connection of `pool`. `after_commit` runs on the
    /// writer's connection after each group, told whether a unit wrote an outbox
    /// message (cache invalidation, waking the outbox). Each group's size goes to
    /// `group_sizes` (the metrics), if given.
    pub fn spawn(
        pool: DbPool,
        group_sizes: Option<prometheus_client::metrics::histogram::Histogram>,
        after_commit: impl Fn(&mut DbConn, bool) + Send + 'static,
    ) -> std::io::Result<Writer> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let alive = Arc::new(AtomicBool::new(true));
        let liveness = Liveness(alive.clone());
        let thread = std::thread::Builder::new()
            .name("causerie-writer".into())
            .spawn(move || {
                let _liveness = liveness;
                run(pool, queue, group_sizes, after_commit)
            })?;
        Ok(Writer {
            jobs,
            alive,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Whether the writer thread still runs.
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// Runs `work` in the next group; answers after that group has committed. The
    /// outer `Err` is the writer's, the inner one the unit's own.
    pub async fn write<T, E, F>(&self, work: F) -> Result<Result<T, E>, WriteError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let unit = Box::new(Pending {
            work: Some(work),
            result: None,
            answer,
        });
        match self.jobs.try_send(Job::Unit(unit)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(WriteError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(WriteError::Stopped),
        }
        // Dropped without an answer: the thread ended with the unit still queued.
        answered.await.map_err(|_| WriteError::Stopped)?
    }

    /// At shutdown, once no request can queue more: commits and answers every unit
    /// already queued, then ends the thread. Waits at most `within`; whether the
    /// thread ended in that time. Units queued after this are answered `Stopped`.
    pub fn drain(&self, within: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        let pause = std::time::Duration::from_millis(5);
        // Behind every unit already queued: the thread commits them all first.
        loop {
            match self.jobs.try_send(Job::Stop) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => break,
                Err(TrySendError::Full(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause)
                }
                Err(TrySendError::Full(_)) => return false,
            }
        }
        let mut slot = self.thread.lock().unwrap_or_else(|e| e.into_inner());
        while slot.as_ref().is_some_and(|t| !t.is_finished()) {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(pause);
        }
        if let Some(thread) = slot.take() {
            let _ = thread.join();
        }
        true
    }

    /// Ends the writer thread and waits for it: what a bug that escaped every guard
    /// would do. Only for tests of what follows (`/healthz` says so).
    #[doc(hidden)]
    pub fn stop_for_tests(&self) {
        let _ = self.jobs.send(Job::Stop);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn run(
    pool: DbPool,
    queue: Receiver<Job>,
    group_sizes: Option<prometheus_client::metrics::histogram::Histogram>,
    after_commit: impl Fn(&mut DbConn, bool),
) {
    while let Ok(Job::Unit(first)) = queue.recv() {
        let mut group = vec![first];
        let mut stop = false;
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(Job::Unit(unit)) => group.push(unit),
                Ok(Job::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "the writer has no database connection");
                for unit in group {
                    unit.deliver(Err(WriteError::NoConnection(e.to_string())));
                }
                continue;
            }
        };
        let conn: &mut DbConn = &mut conn;
        if let Some(sizes) = &group_sizes {
            sizes.observe(group.len() as f64);
        }
        let (outcomes, written) = commit_group(conn, &mut group);
        // The commit is done: a failure here must neither undo it nor end the thread.
        if catch_unwind(AssertUnwindSafe(|| after_commit(conn, written))).is_err() {
            tracing::error!("the writer's after-commit work panicked");
        }
        for (unit, outcome) in group.into_iter().zip(outcomes) {
            unit.deliver(outcome);
        }
        if stop {
            break;
        }
    }
}

/// One transaction for the whole group, each unit in a savepoint; returns each
/// unit's outcome with the group's, and whether any wrote an outbox message. If the
/// group's transaction cannot begin, each unit runs in one of its own: correctness
/// over speed.
fn commit_group(
    conn: &mut DbConn,
    group: &mut [Box<dyn Unit>],
) -> (Vec<Result<(), WriteError>>, bool) {
    match commit_together(conn, group) {
        Ok(done) => done,
        // Another program holds SQLite's write lock past the busy timeout (a long
        // `causerie import`): one unit at a time would wait as long again each. The
        // group is answered "busy, try again", and nothing was written.
        Err(e) if is_locked(&e) => {
            tracing::warn!(
                error = %e,
                "the database is locked by another program (an import?); posts are answered 503"
            );
            (group.iter().map(|_| Err(WriteError::Busy)).collect(), false)
        }
        Err(e) => {
            tracing::error!(error = %e, "could not begin a group commit");
            let mut outcomes = Vec::with_capacity(group.len());
            let mut written = false;
            for unit in group.iter_mut() {
                match commit_together(conn, std::slice::from_mut(unit)) {
                    Ok((mut one, w)) => {
                        written |= w;
                        outcomes.append(&mut one);
                    }
                    Err(e) => outcomes.push(Err(WriteError::Commit(e.to_string()))),
                }
            }
            (outcomes, written)
        }
    }
}

fn commit_together(
    conn: &mut DbConn,
    group: &mut [Box<dyn Unit>],
) -> diesel::QueryResult<(Vec<Result<(), WriteError>>, bool)> {
    super::tx::begin(conn)?;
    let mut outcomes = Vec::with_capacity(group.len());
    let mut written = false;
    for unit in group.iter_mut() {
        match catch_unwind(AssertUnwindSafe(|| unit.run(conn))) {
            Ok(w) => {
                written |= w;
                outcomes.push(Ok(()));
            }
            Err(payload) => {
                let cause = panic_text(payload.as_ref());
                tracing::error!(cause = %cause, "a unit of work panicked; rolled back alone");
                outcomes.push(Err(WriteError::Panicked(cause)));
                if !back_to_group(conn) {
                    // The others' work cannot be trusted to the transaction either.
                    let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
                    let text = "a unit panicked and its savepoint could not be undone";
                    tracing::error!("{text}; the whole group was rolled back");
                    let failed = outcomes
                        .into_iter()
                        .map(|o| o.and(Err(WriteError::Commit(text.into()))))
                        .chain(std::iter::repeat_with(|| {
                            Err(WriteError::Commit(text.into()))
                        }))
                        .take(group.len())
                        .collect();
                    return Ok((failed, false));
                }
            }
        }
    }
    let committed = <DbConn as TransactionManager<DbConn>>::commit_transaction(conn);
    if let Err(e) = committed {
        let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
        tracing::error!(error = %e, "group commit failed");
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.and(Err(WriteError::Commit(e.to_string()))))
            .collect();
        return Ok((outcomes, false));
    }
    Ok((outcomes, written))
}

/// SQLite's "database is locked" (or busy): another connection holds the write lock.
fn is_locked(e: &diesel::result::Error) -> bool {
    match e {
        diesel::result::Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("database is locked") || m.contains("database is busy")
        }
        _ => false,
    }
}

/// Rolls back the savepoints a panicking unit left open, down to the group's
/// transaction; whether that worked.
fn back_to_group(conn: &mut DbConn) -> bool {
    loop {
        match tx::depth(conn) {
            Some(GROUP_DEPTH) => return true,
            Some(d) if d > GROUP_DEPTH => {
                if <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn).is_err() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
