//! The moderators' actions on a comment, as the queue offers them and as one-click
//! links store them.

use super::Status;

/// A status change a moderator can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// Whether the action means something for a comment in `status` (the queue
    /// offers only those).
    pub fn applies_to(self, status: &str) -> bool {
        match self {
            Action::Approve => status == "pending",
            Action::Unapprove => status == "approved",
            Action::Spam => status == "pending" || status == "approved",
            Action::Delete => status != "deleted",
            Action::Restore => status == "spam" || status == "deleted",
            Action::Purge => status == "spam" || status == "deleted",
        }
    }
}
