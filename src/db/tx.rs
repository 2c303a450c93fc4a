//! The unit of work: a writing transaction handed to the services as a [`Tx`].
//!
//! A service never opens a transaction itself; it takes a `Tx` and trusts that it is
//! inside one. Whoever runs the unit (`transaction` here, or the SQLite group writer
//! in `writer`) opens it, commits it, and only then does what must follow a commit:
//! waking the outbox worker if the unit wrote a message (`Tx::outbox_written`), and
//! telling the thread cache what changed. Those used to be steered by thread-locals;
//! the handle says it instead, and cannot outlive its transaction.

use std::ops::{Deref, DerefMut};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use super::DbConn;

/// A connection inside a writing transaction: queries take it as `&mut DbConn`.
pub struct Tx<'c> {
    conn: &'c mut DbConn,
    outbox_written: bool,
}

impl Tx<'_> {
    /// Called by the outbox when it wrote a message: the runner wakes the worker once
    /// the transaction has committed (not before: it would find nothing).
    pub fn outbox_written(&mut self) {
        self.outbox_written = true;
    }
}

impl Deref for Tx<'_> {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        self.conn
    }
}

/// What a unit left once it is over: its value, and whether a message now waits.
#[derive(Debug)]
pub struct Done<T> {
    pub value: T,
    pub outbox_written: bool,
}

/// Runs `unit` in a writing transaction of its own, and commits it. On SQLite it
/// begins `IMMEDIATE`: it takes the write lock at once, so two of them run one after
/// the other and a read-then-write cannot interleave with another. On PostgreSQL it
/// is an ordinary (read committed) transaction: see `lock_keys` for how the units
/// that read then write protect themselves there.
pub fn transaction<T, E, F>(conn: &mut DbConn, unit: F) -> Result<Done<T>, E>
where
    F: FnOnce(&mut Tx<'_>) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin(conn)?;
    let mut tx = Tx {
        conn,
        outbox_written: false,
    };
    match unit(&mut tx) {
        Ok(value) => {
            let outbox_written = tx.outbox_written;
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(Done {
                value,
                outbox_written,
            })
        }
        Err(e) => {
            <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Opens a writing transaction: `BEGIN IMMEDIATE` on SQLite (the write lock at once),
/// `BEGIN` on PostgreSQL. For a unit of its own (`transaction`) or a whole group
/// (the writer's group commit).
pub(super) fn begin(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
    }
}

/// Runs `read` in a reading transaction that sees one snapshot of the database
/// from its first read to its end, whatever other connections commit meanwhile (an
/// export while the server writes). On SQLite a deferred `BEGIN`: in WAL mode its
/// first read fixes the snapshot, and writers go on without waiting for it. On
/// PostgreSQL `REPEATABLE READ READ ONLY`: one snapshot for every statement, and a
/// write by mistake is an error.
pub fn read_snapshot<T, E, F>(conn: &mut DbConn, read: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    match read(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The reading's error says more than a failed rollback would.
            let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs `unit` in a savepoint of the transaction open on `conn` (a group commit):
/// undone alone if it fails.
pub(super) fn savepoint<T, E, F>(conn: &mut DbConn, unit: F) -> Result<Done<T>, E>
where
    F: FnOnce(&mut Tx<'_>) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let mut outbox_written = false;
    let value = conn.transaction(|conn| {
        let mut tx = Tx {
            conn,
            outbox_written: false,
        };
        let result = unit(&mut tx);
        outbox_written = tx.outbox_written;
        result
    })?;
    Ok(Done {
        value,
        outbox_written,
    })
}

/// How many transactions and savepoints are open on `conn`, as diesel counts them;
/// `None` when diesel no longer knows (a failed rollback left it broken).
pub(super) fn depth(conn: &mut DbConn) -> Option<u32> {
    let status = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    status
        .transaction_depth()
        .ok()
        .map(|d| d.map_or(0, |d| d.get()))
}
