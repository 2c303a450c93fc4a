//! Every query of the application, grouped by table.

pub mod comments;
pub mod instance;
pub mod moderators;
pub mod threads;
