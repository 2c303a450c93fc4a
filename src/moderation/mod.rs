//! Moderation: the rules that decide where a new comment goes (`rules`), what
//! moderators do to comments (`actions`), and the one-click links of their emails
//! (`links`).

pub mod actions;
pub mod links;
pub mod rules;

pub use actions::AdminError;
