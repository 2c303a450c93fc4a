//! Who may moderate: moderator accounts and their passwords (`accounts`), logging in
//! (`login`), and sessions (`sessions`).

pub mod accounts;
pub mod login;
pub mod sessions;

pub use sessions::{Session, SiteScope};
