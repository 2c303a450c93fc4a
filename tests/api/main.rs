//! Black-box HTTP tests: each starts the real server on port 0 with its own database,
//! a SQLite file, or a fresh PostgreSQL database when `TEST_POSTGRES_URL` is set
//! (see `tests/common/postgres.rs`).

#[path = "../common/mod.rs"]
mod common;

use common::smtp;

mod abuse;
mod admin;
mod cache;
mod comments;
mod connection;
mod helpers;
mod import;
mod metrics;
mod move_page;
mod nojs;
mod notify;
mod openapi;
mod outage;
mod privacy;
mod rights;
mod sites;
mod titles;
mod writer;
