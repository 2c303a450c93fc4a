//! Black-box HTTP tests: each starts the real server on port 0 with its own database.

mod abuse;
mod admin;
mod comments;
mod helpers;
mod nojs;
mod notify;
mod privacy;
mod smtp;
