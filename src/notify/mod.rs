//! Email notifications (SPEC section 8). A comment's messages are decided and written
//! to the `outbox` table as drafts in the transaction that stores the comment
//! (`outbox`), then rendered and sent by a background worker (`worker`), woken once
//! that transaction has committed, through SMTP or, without `smtp_url`, to the log
//! (`mailer`). Neither rendering nor sending happens inside a request's transaction:
//! an SMTP outage delays messages, never a comment.
//!
//! - Moderators (`notify_to`, per `notify_moderators`) hear of each new comment, with
//!   its one-click approve / spam / delete links.
//! - A commenter who ticked `notify_replies` hears of each *approved* reply to their
//!   comment, never of their own, at most `reply_notifications_per_hour` an hour,
//!   with a one-click unsubscribe (RFC 8058) for the thread or for everything.

pub mod mailer;
pub mod messages;
pub mod outbox;
pub mod unsubscribe;
pub mod worker;

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

pub use outbox::{comment_approved, comment_posted};

/// Wakes the worker early (after an enqueue) and tells it to stop (at shutdown).
#[derive(Debug, Default)]
pub struct Signal {
    wake: Notify,
    stop: AtomicBool,
}

impl Signal {
    /// A wake-up while the worker is busy is kept for its next wait, not lost.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    async fn wait(&self, at_most: std::time::Duration) {
        let _ = tokio::time::timeout(at_most, self.wake.notified()).await;
    }
}

/// Text safe for a header (the subject): no control characters, so no CR/LF, one
/// line, at most 200 characters. lettre encodes headers too; this is the second wall.
pub fn header_text(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = one_line.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_has_no_line_breaks() {
        assert_eq!(
            header_text("Hello\r\nBcc: victim@example.org\u{0}\t x"),
            "Hello Bcc: victim@example.org x"
        );
        assert_eq!(header_text(&"é".repeat(300)).chars().count(), 201);
    }
}
