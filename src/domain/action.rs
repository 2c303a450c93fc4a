//! The moderators' actions on a comment, as the queue offers them and as one-click
//! links store them.

use super::Status;

/// A status change a moderator can make. Stored as its `as_str` text
/// (`action_links.action`); see `db::text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Action {
    Approve,
    Unapprove,
    Spam,
    Delete,
    Restore,
    /// Delete for ever: the row goes; replies stay, as top-level comments.
    Purge,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Approve,
        Action::Unapprove,
        Action::Spam,
        Action::Delete,
        Action::Restore,
        Action::Purge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Unapprove => "unapprove",
            Action::Spam => "spam",
            Action::Delete => "delete",
            Action::Restore => "restore",
            Action::Purge => "purge",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The status the comment ends in (`None` for a purge).
    pub fn target(self) -> Option<Status> {
        match self {
            Action::Approve | Action::Restore => Some(Status::Approved),
            Action::Unapprove => Some(Status::Pending),
            Action::Spam => Some(Status::Spam),
            Action::Delete => Some(Status::Deleted),
            Action::Purge => None,
        }
    }

    /// Whether the action takes the comment out of the thread (the queue marks its
    /// button as a danger).
    pub fn removes(self) -> bool {
        matches!(self, Action::Spam | Action::Delete | Action::Purge)
    }

    /// Whether the action means something for a comment in `status` (the queue
    /// offers only those).
    pub fn applies_to(self, status: Status) -> bool {
        use Status::*;
        match self {
            Action::Approve => status == Pending,
            Action::Unapprove => status == Approved,
            Action::Spam => matches!(status, Pending | Approved),
            Action::Delete => status != Deleted,
            Action::Restore | Action::Purge => matches!(status, Spam | Deleted),
        }
    }
}
