//! Every query of the application, grouped by table.

pub mod action_links;
pub mod admin;
pub mod comment_sources;
pub mod comments;
pub mod data_requests;
pub mod export;
pub mod instance;
pub mod login_failures;
pub mod moderators;
pub mod outbox;
pub mod reports;
pub mod sessions;
pub mod thread_changes;
pub mod threads;
pub mod unsubscribed;
