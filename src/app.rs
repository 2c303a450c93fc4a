//! The application's shared state and the way handlers and background tasks run a
//! unit of database work.

use actix_web::web;

use crate::config::Config;
use crate::crypto::Secret;
use crate::db::{DbConn, DbPool, Tx};
use crate::error::ApiError;

/// What every handler shares.
pub struct AppState {
    pub config: Config,
    pub pool: DbPool,
    pub secret: Secret,
    /// Wakes the outbox worker after a message was written, stops it at shutdown.
    pub outbox: std::sync::Arc<crate::notify::Signal>,
    /// Rendered threads, dropped when the database says they changed.
    pub cache: crate::cache::ThreadCache,
    /// SQLite's group-commit writer (unset on PostgreSQL).
    pub writer: std::sync::OnceLock<crate::db::writer::Writer>,
    /// The database's refusals of connections: requests fail fast while it is away.
    pub reach: std::sync::Arc<crate::db::Reach>,
    /// Whether the database has room to write (`/healthz`'s `disk_full`).
    pub space: crate::health::Space,
    /// What `/metrics` shows; this application's own (tests run several at once).
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

/// Runs database work off the async workers: `state.db(|conn, st| …)` for reads,
/// `state.write(|tx, st| …)` for a unit of work that writes.
pub trait Db {
    /// Reads (or a statement that needs no transaction), on a connection of the pool.
    fn db<T, E, F>(&self, work: F) -> impl std::future::Future<Output = Result<T, ApiError>>
    where
        F: FnOnce(&mut DbConn, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static;

    /// A unit of work that writes, in one transaction opened and committed here: on
    /// SQLite it joins the next group commit of the writer thread. Once it has
    /// committed, a message it wrote wakes the outbox worker.
    fn write<T, E, F>(&self, work: F) -> impl std::future::Future<Output = Result<T, ApiError>>
    where
        F: FnOnce(&mut Tx<'_>, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + Send + 'static;
}

impl Db for web::Data<AppState> {
    async fn db<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let state = self.clone();
        web::block(move || {
            let mut conn = crate::db::checkout(&state.pool, &state.reach)?;
            let done = work(&mut conn, &state).map_err(Into::into);
            state.after_read(&mut conn);
            done
        })
        .await?
    }

    async fn write<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Tx<'_>, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + Send + 'static,
    {
        let done = if let Some(writer) = self.writer.get() {
            let state = self.clone();
            // The writer thread runs `after_commit` for the whole group.
            match writer.write(move |tx| work(tx, &state)).await {
                Ok(result) => result.map_err(Into::into),
                Err(e) => Err(e.into()),
            }
        } else {
            let state = self.clone();
            web::block(move || {
                let mut conn = crate::db::checkout(&state.pool, &state.reach)?;
                let done = crate::db::transaction(&mut conn, |tx| work(tx, &state));
                let written = done.as_ref().is_ok_and(|d| d.outbox_written);
                state.after_commit(&mut conn, written);
                done.map(|d| d.value).map_err(Into::into)
            })
            .await
            .map_err(ApiError::from)
            .and_then(|r| r)
        };
        match done {
            Ok(value) => {
                self.space.write_succeeded();
                Ok(value)
            }
            Err(e) => {
                let e = e.seen_through();
                if matches!(e, ApiError::NoRoom) {
                    self.space.write_failed_for_room();
                }
                Err(e)
            }
        }
    }
}

impl AppState {
    /// What follows a read: what other instances changed is dropped from the cache.
    /// If the changes cannot be read (the database away), what is cached is still
    /// served: nothing was written here.
    pub fn after_read(&self, conn: &mut DbConn) {
        let now = crate::db::now();
        if let Err(e) = self.cache.catch_up(conn, now) {
            tracing::debug!(error = %e, "could not read the thread changes; cache kept");
            self.cache.could_not_catch_up(now);
        }
    }

    /// What follows a unit of work, once committed (or rolled back).
    pub fn after_commit(&self, conn: &mut DbConn, outbox_written: bool) {
        // Whatever this unit (or another instance) changed, no cached page may show
        // the old state from now on.
        if let Err(e) = self.cache.catch_up(conn, crate::db::now()) {
            tracing::warn!(error = %e, "could not read the thread changes; cache cleared");
            self.cache.clear();
        }
        // A message the unit wrote can go now.
        if outbox_written {
            self.outbox.wake();
        }
    }
}
