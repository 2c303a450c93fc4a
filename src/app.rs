//! The application's shared state and the way handlers and background tasks run a
//! unit of database work.

use actix_web::web;

use crate::config::Config;
use crate::crypto::Secret;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

/// What every handler shares.
pub struct AppState {
    pub config: Config,
    pub pool: DbPool,
    pub secret: Secret,
    /// Wakes the outbox worker after a message was written, stops it at shutdown.
    pub outbox: crate::notify::Signal,
    /// Rendered threads, dropped when the database says they changed.
    pub cache: crate::cache::ThreadCache,
    /// SQLite's group-commit writer (unset on PostgreSQL).
    pub writer: std::sync::OnceLock<crate::db::writer::Writer>,
}

/// Runs one unit of database work off the async workers: `state.db(|conn, st| …)`.
pub trait Db {
    fn db<T, E, F>(&self, work: F) -> impl std::future::Future<Output = Result<T, ApiError>>
    where
        F: FnOnce(&mut DbConn, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static;

    /// Like `db`, for a unit that writes and is worth grouping with others (posting a
    /// comment): on SQLite it joins the next group commit.
    fn write<T, E, F>(&self, work: F) -> impl std::future::Future<Output = Result<T, ApiError>>
    where
        F: FnOnce(&mut DbConn, &AppState) -> Result<T, E> + Send + 'static,
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
            let mut conn = state.pool.get()?;
            let done = work(&mut conn, &state).map_err(Into::into);
            // Whatever this unit (or another instance) changed, no cached page may
            // show the old state from now on.
            if let Err(e) = state.cache.catch_up(&mut conn, crate::db::now()) {
                tracing::warn!(error = %e, "could not read the thread changes; cache cleared");
                state.cache.clear();
            }
            // The unit of work has committed: a message it wrote can go now.
            if crate::notify::take_enqueued() {
                state.outbox.wake();
            }
            done
        })
        .await?
    }

    async fn write<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn, &AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + Send + 'static,
    {
        match self.writer.get() {
            Some(writer) => {
                let state = self.clone();
                writer.write(move |conn| work(conn, &state)).await
            }
            None => self.db(work).await,
        }
    }
}
