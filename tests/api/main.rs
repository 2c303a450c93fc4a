//! Black-box HTTP tests: each starts the real server on port 0 with its own database.

mod comments;
mod helpers;
