//! Group commit for SQLite. Every `201` must be on disk before it is sent, and a
//! sync costs the same for one comment as for fifty: so concurrent posts are handed
//! to one writer thread, which runs all those waiting in one `BEGIN IMMEDIATE`
//! transaction, each in its own savepoint (one that fails is rolled back alone),
//! commits once, and only then answers each. Writers never wait in SQLite's busy
//! handler either, whose sleeps made the slowest posts take a second.
//!
//! PostgreSQL needs none of this: it commits concurrent transactions in parallel and
//! groups their syncs itself.

use std::cell::Cell;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use super::{DbConn, DbPool};
use crate::error::ApiError;

/// Units of work committed together at most.
const MAX_GROUP: usize = 64;
/// Units waiting at most; past that a post is answered 503 (try again) at once.
const QUEUE: usize = 4096;

thread_local! {
    static IN_GROUP: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is the writer, inside a group's transaction.
pub fn in_group() -> bool {
    IN_GROUP.with(Cell::get)
}

/// Delivers a unit's result once the group's fate is known: `None` when the commit
/// succeeded, the error's text when it did not.
type Deliver = Box<dyn FnOnce(Option<String>) + Send>;
type Job = Box<dyn FnOnce(&mut DbConn) -> Deliver + Send>;

pub struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// Starts the writer thread on a connection of `pool`. `after_commit` runs on the
    /// writer's connection after each group (cache invalidation, waking the outbox).
    pub fn spawn(
        pool: DbPool,
        after_commit: impl Fn(&mut DbConn) + Send + 'static,
    ) -> std::io::Result<Writer> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("causerie-writer".into())
            .spawn(move || run(pool, queue, after_commit))?;
        Ok(Writer { jobs })
    }

    /// Runs `work` in the next group; answers after that group has committed.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<Result<T, ApiError>>();
        let job: Job = Box::new(move |conn: &mut DbConn| {
            // A savepoint of the group's transaction: undone alone if it fails.
            let result = conn.transaction(work);
            Box::new(move |commit_error: Option<String>| {
                let outcome = match (result, commit_error) {
                    (Ok(value), None) => Ok(value),
                    (Ok(_), Some(e)) => Err(ApiError::internal(anyhow::anyhow!(
                        "group commit failed: {e}"
                    ))),
                    (Err(e), _) => Err(e.into()),
                };
                let _ = answer.send(outcome);
            })
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(ApiError::Unavailable),
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "the writer thread has stopped"
                )))
            }
        }
        // Dropped without an answer: the writer could not get a connection in time.
        answered.await.map_err(|_| ApiError::Unavailable)?
    }
}

fn run(pool: DbPool, queue: Receiver<Job>, after_commit: impl Fn(&mut DbConn)) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(c) => c,
            Err(e) => {
                let text = format!("no database connection: {e}");
                tracing::error!("{text}");
                for job in group {
                    drop(job);
                }
                continue;
            }
        };
        let conn: &mut DbConn = &mut conn;
        let delivers = commit_group(conn, group);
        after_commit(conn);
        for (deliver, error) in delivers {
            deliver(error);
        }
    }
}

/// One transaction for the whole group; returns each unit's delivery with the
/// commit's outcome.
fn commit_group(conn: &mut DbConn, group: Vec<Job>) -> Vec<(Deliver, Option<String>)> {
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
    };
    if let Err(e) = begun {
        let text = e.to_string();
        tracing::error!(error = %text, "could not begin a group commit");
        // Each unit runs on its own then: correctness over speed.
        return group
            .into_iter()
            .map(|job| {
                let deliver = job(conn);
                (deliver, None)
            })
            .collect();
    }
    IN_GROUP.with(|g| g.set(true));
    let delivers: Vec<Deliver> = group.into_iter().map(|job| job(conn)).collect();
    IN_GROUP.with(|g| g.set(false));
    let committed = <DbConn as TransactionManager<DbConn>>::commit_transaction(conn);
    let error = match committed {
        Ok(()) => None,
        Err(e) => {
            let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
            tracing::error!(error = %e, "group commit failed");
            Some(e.to_string())
        }
    };
    delivers.into_iter().map(|d| (d, error.clone())).collect()
}
