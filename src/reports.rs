//! Readers' reports of published comments (SPEC section 14), independent of HTTP.
//!
//! A report is counted once per address block and comment while it is open; a
//! comment reported from `report_hold_threshold` blocks is held (`reported:N`)
//! until a moderator decides. Moderators hear of a comment's first report and of
//! its hold. The decision resolves the open reports: each reporter who left an
//! address is told it (and the address is then forgotten), and the author of a
//! comment removed after reports is told the reasons (the statement of reasons of
//! the EU's Digital Services Act). Those two emails are written at once, in the
//! decision's unit of work: a purged comment leaves nothing to write them from later.

use crate::config::Config;
use crate::db::models::Comment;
use crate::db::queries::outbox::{self as outbox_q, OutboxKind};
use crate::db::queries::{comments, reports as q, threads};
use crate::db::Tx;
use crate::domain::{AuthorEmail, HoldReason, Status};
use crate::i18n::{Msg, RightsWords};
use crate::notify::messages::{excerpt, NoticeMail};

/// The reasons a reader may give.
pub const REASONS: [&str; 4] = ["spam", "abuse", "illegal", "other"];
/// The most bytes of a report's detail.
pub const DETAIL_MAX: usize = 1000;
/// Reports one address block may send per hour.
pub const PER_BLOCK_PER_HOUR: i64 = 20;

/// A report as read from a request, checked.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub reason: &'static str,
    pub detail: Option<String>,
    pub email: Option<AuthorEmail>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No published comment has this id (or it is another site's).
    #[error("no published comment")]
    NotFound,
    #[error("too many reports")]
    Limited(crate::abuse::Limited),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// What became of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Counted, and the comment is still published.
    Counted,
    /// Counted, and the comment is now held.
    Held,
    /// This block had already reported it: counted once.
    Again,
}

/// Records a report of comment `id` from address block `block` (`None`: unknown),
/// sent from a page of `site` (`None`: Causerie's own pages, any site).
pub fn report(
    tx: &mut Tx<'_>,
    config: &Config,
    site: Option<&str>,
    id: i64,
    block: Option<&str>,
    input: &ReportInput,
    now: i64,
) -> Result<Reported, ReportError> {
    let block = block.unwrap_or("");
    crate::db::lock_keys(
        tx,
        &mut [
            format!("causerie.report.block:{block}"),
            format!("causerie.report.comment:{id}"),
        ],
    )?;
    let comment = comments::find_for_update(tx, id)?
        .filter(|c| c.status == Status::Approved)
        .ok_or(ReportError::NotFound)?;
    let thread = threads::find(tx, comment.thread_id)?.ok_or(ReportError::NotFound)?;
    if site.is_some_and(|s| s != thread.site) {
        return Err(ReportError::NotFound);
    }
    if config.limits.enabled {
        let hour = crate::clock::secs(crate::clock::hours(1));
        if q::count_from_block(tx, block, now - hour)? >= PER_BLOCK_PER_HOUR {
            return Err(ReportError::Limited(crate::abuse::Limited {
                retry_after: hour,
                msg: Msg::TooManyReports { minutes: 60 },
            }));
        }
    }
    let email = input.email.as_ref().map(|e| e.normalized());
    let counted = q::insert_once(
        tx,
        id,
        block,
        input.reason,
        input.detail.as_deref(),
        email.as_deref(),
        now,
    )?;
    if !counted {
        return Ok(Reported::Again);
    }
    let open = q::open_of(tx, id)?;
    let blocks = distinct_blocks(&open);
    let site = config.sites.of_thread(&thread.site);
    let held = blocks >= i64::from(site.settings.report_hold_threshold);
    if held {
        comments::set_status(tx, id, Status::Pending)?;
        comments::set_hold_reason(tx, id, &HoldReason::Reported { blocks })?;
    }
    // Moderators hear of the first report, and of the one that holds it.
    if open.len() == 1 || held {
        for to in &site.settings.notify_to {
            outbox_q::insert_draft(tx, OutboxKind::Reported, id, &to.to_string(), now)?;
            tx.outbox_written();
        }
    }
    Ok(if held {
        Reported::Held
    } else {
        Reported::Counted
    })
}

/// Address blocks among `reports` (an unknown block counts once).
fn distinct_blocks(reports: &[q::Report]) -> i64 {
    let mut blocks: Vec<&str> = reports.iter().map(|r| r.block.as_str()).collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks.len() as i64
}

/// What a moderator decided about a reported comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approved again, or the reports dismissed: it stays.
    Kept,
    /// Marked spam, deleted or purged.
    Removed,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Kept => "kept",
            Decision::Removed => "removed",
        }
    }

    /// The decision a new status makes (`None`: a purge), if it is one: sent back
    /// to moderation, the comment is still undecided.
    pub fn of_status(status: Option<Status>) -> Option<Decision> {
        match status {
            Some(Status::Approved) => Some(Decision::Kept),
            Some(Status::Pending) => None,
            Some(Status::Spam | Status::Deleted) | None => Some(Decision::Removed),
        }
    }
}

/// A moderator decided about `comment` (as it was before the decision): its open
/// reports are resolved, their reporters told, and a removed comment's author told
/// why. Nothing happens to a comment without open reports.
pub fn decided(
    tx: &mut Tx<'_>,
    config: &Config,
    comment: &Comment,
    decision: Decision,
    now: i64,
) -> diesel::QueryResult<()> {
    let open = q::open_of(tx, comment.id)?;
    if open.is_empty() {
        return Ok(());
    }
    let Some(thread) = threads::find(tx, comment.thread_id)? else {
        return Ok(());
    };
    let site = config.sites.of_thread(&thread.site);
    let lang = site.settings.lang;
    let w = RightsWords::of(lang);
    let title = thread.title_or_page().to_owned();
    let mail = crate::i18n::MailWords::of(lang);
    let quoted = format!("{}{title}{}", mail.open_quote, mail.close_quote);
    let mut told: Vec<String> = Vec::new();
    for r in &open {
        let Some(to) = r.email.as_deref() else {
            continue;
        };
        if told.iter().any(|t| t == to) {
            continue;
        }
        told.push(to.to_owned());
        let notice = NoticeMail {
            lang,
            subject: format!("{} {}", w.decision_subject, site.display_name()),
            paragraphs: vec![
                format!("{} {quoted} ({}).", w.decision_intro, site.display_name()),
                match decision {
                    Decision::Removed => w.decision_removed.to_owned(),
                    Decision::Kept => w.decision_kept.to_owned(),
                },
            ],
            quote: None,
            items: Vec::new(),
            link: None,
            after: Vec::new(),
            footer: w.footer,
        };
        queue(
            tx,
            config,
            OutboxKind::Decision,
            comment.id,
            to,
            &notice,
            now,
        )?;
    }
    let author = comment.email.trim().to_lowercase();
    if decision == Decision::Removed && !author.is_empty() && !comment.moderator {
        let mut reasons: Vec<String> = Vec::new();
        for r in &open {
            let mut line = w.reason_name(&r.reason).to_owned();
            if let Some(d) = r.detail.as_deref().filter(|d| !d.trim().is_empty()) {
                line.push_str(&format!("{}{}", mail.colon, excerpt(d, 300)));
            }
            if !reasons.contains(&line) {
                reasons.push(line);
            }
        }
        let notice = NoticeMail {
            lang,
            subject: format!("{} {}", w.removal_subject, site.display_name()),
            paragraphs: vec![
                format!("{} {quoted} ({}).", w.removal_intro, site.display_name()),
                format!("{}{}", w.removal_reasons, mail.colon.trim_end()),
            ],
            quote: None,
            items: reasons,
            link: None,
            after: vec![
                format!(
                    "{}{}{}",
                    mail.your_comment,
                    mail.colon,
                    excerpt(&comment.body_raw, 300)
                ),
                w.removal_contest.to_owned(),
            ],
            footer: w.footer,
        };
        queue(
            tx,
            config,
            OutboxKind::Removal,
            comment.id,
            &author,
            &notice,
            now,
        )?;
    }
    q::resolve(tx, comment.id, decision.as_str(), now)?;
    Ok(())
}

/// A moderator dismissed the reports of comment `id`: they are resolved as kept, and
/// a comment that the reports held is published again.
pub fn dismiss(
    tx: &mut Tx<'_>,
    config: &Config,
    comment: &Comment,
    now: i64,
) -> diesel::QueryResult<()> {
    decided(tx, config, comment, Decision::Kept, now)?;
    if comment.status == Status::Pending
        && matches!(comment.hold_reason, Some(HoldReason::Reported { .. }))
    {
        comments::set_status(tx, comment.id, Status::Approved)?;
    }
    Ok(())
}

/// Renders `notice` and queues it for `to`.
pub(crate) fn queue(
    tx: &mut Tx<'_>,
    config: &Config,
    kind: OutboxKind,
    comment_id: i64,
    to: &str,
    notice: &NoticeMail,
    now: i64,
) -> diesel::QueryResult<()> {
    match notice.render() {
        Ok(rendered) => crate::notify::outbox::queue_written(
            tx,
            config,
            kind,
            Some(comment_id),
            to,
            &rendered,
            now,
        ),
        Err(e) => {
            tracing::error!(error = %e, kind = %kind, "an email template failed");
            Ok(())
        }
    }
}
