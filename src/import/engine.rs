//! Turns what a parser reads into Causerie's threads and comments (SPEC section 11),
//! in one transaction: all or nothing.
//!
//! - **Site and page.** `--map FROM=TO` rewrites the start of a thread's URL first;
//!   then the site is `--site`, else the thread's own site (a `causerie` export),
//!   else the site one of whose origins has the URL's host, else the first site.
//!   The page is the URL's path, as `PageKey` keys pages for readers.
//! - **Comments.** Text is sanitized by the whitelist (Markdown rendered first), the
//!   source's text kept as the raw input; a blank name becomes "Anonymous"; an email
//!   or website that is not one is dropped; an address is truncated as readers'
//!   are. No notification is sent and no limit applies: nothing here goes through
//!   the reader's path.
//! - **Threading.** A reply whose parent comes later in the file waits for it; one
//!   whose parent never comes (deleted at the source, or skipped) is kept as a
//!   comment of its own, and the summary says how many. Depth follows the site's
//!   `max_depth` as readers' replies do.
//! - **Idempotence.** Each comment's (format, site, source id) goes into
//!   `comment_sources`: a comment found there is left as it is, so importing a file
//!   again adds nothing and a longer export adds only what is new. Replies find
//!   their parent there too, whichever run imported it.
//! - **Ids.** A `causerie` import into a database without threads or comments keeps
//!   every id; otherwise ids are new and parents are mapped.
//! - **Dry run.** The same work, then a rollback: the summary is the one a real run
//!   would print.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use diesel::prelude::*;

use super::source::{
    Format, Kind, Markup, ReadError, Sink, SourceComment, SourceThread, SourceUnsubscription,
};
use crate::config::{Site, Sites};
use crate::db::models::{Comment, NewCommentRow, NewThread, Thread};
use crate::db::queries::{comment_sources, comments as q, threads};
use crate::db::schema::{comments, threads as threads_table};
use crate::db::DbConn;
use crate::domain::{AuthorEmail, HoldReason, PageKey, Status, Website, AUTHOR_MAX, TITLE_MAX};
use crate::sanitize::sanitize;

/// What the site owner asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    /// `--site`: every thread goes to this site.
    pub site: Option<String>,
    pub dry_run: bool,
    pub with_pingbacks: bool,
    /// `--map FROM=TO`, in the order given: the first whose FROM starts a URL wins.
    pub maps: Vec<(String, String)>,
}

impl Options {
    pub fn new(format: Format) -> Options {
        Options {
            format,
            site: None,
            dry_run: false,
            with_pingbacks: false,
            maps: Vec::new(),
        }
    }
}

/// Parses `--map FROM=TO` (split at the first `=`).
pub fn parse_map(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((from, to)) if !from.is_empty() => Ok((from.to_owned(), to.to_owned())),
        _ => Err(format!(
            "`{arg}` is not FROM=TO (e.g. http://old.example.org/blog/=https://blog.example.fr/)"
        )),
    }
}

/// What an import did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub dry_run: bool,
    /// Threads created by this import.
    pub threads_created: u64,
    /// Threads that existed already and received comments.
    pub threads_existing: u64,
    /// Threads of the file whose page is another thread's of the file (their URLs
    /// differ only in the query string or fragment, as WordPress's `?p=12`):
    /// their comments share one page.
    pub threads_sharing_a_page: u64,
    /// Comments added, by status.
    pub comments: BTreeMap<&'static str, u64>,
    /// Comments added, by site.
    pub sites: BTreeMap<String, u64>,
    /// Comments an earlier import brought already: left as they are.
    pub already_imported: u64,
    /// Replies whose parent is not in the file, kept as comments of their own.
    pub orphans: u64,
    /// Addresses' wishes for no more notifications, carried over (Causerie's export).
    pub unsubscriptions: u64,
    /// What was left out, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Whether ids were kept (a `causerie` import into an empty database).
    pub kept_ids: bool,
}

impl Summary {
    pub fn added(&self) -> u64 {
        self.comments.values().sum()
    }

    fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    /// The summary as the command prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let statuses = if self.comments.is_empty() {
            "none".to_owned()
        } else {
            self.comments
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "threads: {} new, {} that existed already\n",
            self.threads_created, self.threads_existing
        ));
        out.push_str(&format!("comments: {} added ({statuses})\n", self.added()));
        if self.sites.len() > 1 || self.sites.keys().any(|s| s != "default") {
            let sites: Vec<String> = self
                .sites
                .iter()
                .map(|(s, n)| format!("{s}: {n}"))
                .collect();
            out.push_str(&format!("by site: {}\n", sites.join(", ")));
        }
        if self.threads_sharing_a_page > 0 {
            out.push_str(&format!(
                "threads whose URL differs from another's only after `?` or `#`, so that \
                 their comments share its page: {} (--map FROM=TO gives each its own)\n",
                self.threads_sharing_a_page
            ));
        }
        if self.already_imported > 0 {
            out.push_str(&format!(
                "already imported, left as they were: {}\n",
                self.already_imported
            ));
        }
        if self.orphans > 0 {
            out.push_str(&format!(
                "replies whose parent is not in the file, kept as comments of their own: {}\n",
                self.orphans
            ));
        }
        if self.unsubscriptions > 0 {
            out.push_str(&format!(
                "unsubscriptions carried over: {}\n",
                self.unsubscriptions
            ));
        }
        if self.skipped.is_empty() {
            out.push_str("skipped: none\n");
        } else {
            out.push_str("skipped:\n");
            for (reason, n) in &self.skipped {
                out.push_str(&format!("  {n} {reason}\n"));
            }
        }
        if self.kept_ids {
            out.push_str("ids: kept as in the export (the database was empty)\n");
        }
        if self.dry_run {
            out.push_str("dry run: nothing was written\n");
        }
        out
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] super::source::ParseError),
    #[error("{0:#}")]
    Refused(anyhow::Error),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> ImportError {
        match e {
            ReadError::Parse(p) => ImportError::Read(p),
            ReadError::Sink(e) => match e.downcast::<diesel::result::Error>() {
                Ok(db) => ImportError::Database(db),
                Err(other) => ImportError::Refused(other),
            },
        }
    }
}

/// What ended the transaction: an error, or the end of a dry run (rolled back).
enum Outcome {
    Failed(ImportError),
    Dry(Box<Summary>),
}

impl From<diesel::result::Error> for Outcome {
    fn from(e: diesel::result::Error) -> Outcome {
        Outcome::Failed(ImportError::Database(e))
    }
}

/// Runs `read` (a parser over the file) into the database, in one transaction.
/// `tick` is called for each comment handled (a progress bar).
pub fn run(
    conn: &mut DbConn,
    sites: &Sites,
    options: &Options,
    read: impl FnOnce(&mut dyn Sink) -> Result<(), ReadError>,
    tick: &mut dyn FnMut(u64),
) -> Result<Summary, ImportError> {
    if let Some(id) = &options.site {
        if sites.get(id).is_none() {
            let known: Vec<&str> = sites.iter().map(|s| s.id.as_str()).collect();
            return Err(ImportError::Refused(anyhow::anyhow!(
                "--site {id}: there is no such site (sites: {})",
                known.join(", ")
            )));
        }
    }
    let now = crate::db::now();
    let result = crate::db::tx::transaction(conn, |tx| -> Result<Summary, Outcome> {
        let conn: &mut DbConn = tx;
        let keep_ids = options.format == Format::Causerie && is_empty(conn)?;
        let mut importer = Importer {
            conn,
            sites,
            options,
            now,
            keep_ids,
            threads: HashMap::new(),
            waiting: HashMap::new(),
            left_out: HashSet::new(),
            created: HashSet::new(),
            summary: Summary {
                dry_run: options.dry_run,
                kept_ids: keep_ids,
                ..Summary::default()
            },
            tick,
        };
        read(&mut importer).map_err(|e| Outcome::Failed(e.into()))?;
        importer.finish().map_err(Outcome::Failed)?;
        if keep_ids {
            crate::db::transfer::move_sequences_past_ids(importer.conn)?;
        }
        let summary = importer.summary;
        if options.dry_run {
            return Err(Outcome::Dry(Box::new(summary)));
        }
        Ok(summary)
    });
    match result {
        Ok(done) => Ok(done.value),
        Err(Outcome::Dry(summary)) => Ok(*summary),
        Err(Outcome::Failed(e)) => Err(e),
    }
}

fn is_empty(conn: &mut DbConn) -> QueryResult<bool> {
    let threads: i64 = threads_table::table.count().get_result(conn)?;
    let comments: i64 = comments::table.count().get_result(conn)?;
    Ok(threads == 0 && comments == 0)
}

/// A thread of the file, once its site and page are known.
enum Slot {
    Ready {
        site: String,
        page: String,
        title: Option<String>,
        title_locked: bool,
        closed: bool,
        keep_id: Option<i64>,
        /// When the source says the thread began; else its first comment's time.
        created_at: Option<i64>,
        /// Found or created at its first comment.
        thread: Option<Thread>,
    },
    /// Its comments are skipped, for this reason.
    Unusable(String),
}

struct Importer<'a, 'c> {
    conn: &'c mut DbConn,
    sites: &'a Sites,
    options: &'a Options,
    now: i64,
    keep_ids: bool,
    threads: HashMap<String, Slot>,
    /// Replies whose parent has not come yet, by the parent's source id.
    waiting: HashMap<String, Vec<SourceComment>>,
    /// Source ids of comments left out: their replies stop waiting for them.
    left_out: HashSet<String>,
    /// The threads this import created, by (site, page).
    created: HashSet<(String, String)>,
    summary: Summary,
    tick: &'a mut dyn FnMut(u64),
}

impl Sink for Importer<'_, '_> {
    fn thread(&mut self, thread: SourceThread) -> anyhow::Result<()> {
        let slot = self.resolve(&thread);
        self.threads.insert(thread.key, slot);
        Ok(())
    }

    fn comment(&mut self, comment: SourceComment) -> anyhow::Result<()> {
        (self.tick)(1);
        self.take(comment)
    }

    fn left_out(&mut self, reason: &str, count: u64) {
        *self.summary.skipped.entry(reason.to_owned()).or_default() += count;
    }

    fn unsubscribed(&mut self, u: SourceUnsubscription) -> anyhow::Result<()> {
        let Ok(email) = AuthorEmail::parse(&u.email) else {
            self.summary
                .skip("unsubscriptions of something that is not an address");
            return Ok(());
        };
        let thread_id = match &u.thread {
            None => None,
            Some(key) => match self.threads.get(key) {
                Some(Slot::Ready {
                    thread: Some(t), ..
                }) => Some(t.id),
                Some(Slot::Ready { site, page, .. }) => {
                    match threads::find_by_page(self.conn, site, page)? {
                        Some(t) => Some(t.id),
                        // A page without comments: nothing to be told of.
                        None => return Ok(()),
                    }
                }
                _ => {
                    self.summary
                        .skip("unsubscriptions from a thread that is not in the file");
                    return Ok(());
                }
            },
        };
        crate::db::queries::unsubscribed::add(
            self.conn,
            &email.normalized(),
            thread_id,
            u.created_at,
        )?;
        self.summary.unsubscriptions += 1;
        Ok(())
    }
}

impl Importer<'_, '_> {
    fn resolve(&self, t: &SourceThread) -> Slot {
        if t.url.trim().is_empty() {
            return Slot::Unusable("comments of a thread without a link in the file".to_owned());
        }
        let url = rewrite(&t.url, &self.options.maps);
        let site = self.choose_site(&url, t.site.as_deref());
        let page = match PageKey::parse(&url) {
            Ok(p) => p,
            Err(_) => {
                return Slot::Unusable(format!(
                    "comments of a page whose address is not usable ({})",
                    shorten(&url, 80)
                ))
            }
        };
        Slot::Ready {
            site: site.id.to_string(),
            page: page.as_str().to_owned(),
            title: t
                .title
                .as_deref()
                .map(|s| truncate(s.trim(), TITLE_MAX))
                .filter(|s| !s.is_empty()),
            title_locked: t.title_locked,
            closed: t.closed,
            keep_id: t.id.filter(|_| self.keep_ids),
            created_at: t.created_at,
            thread: None,
        }
    }

    fn choose_site(&self, url: &str, own: Option<&str>) -> &Site {
        if let Some(site) = self.options.site.as_deref().and_then(|s| self.sites.get(s)) {
            return site;
        }
        if let Some(site) = own.and_then(|s| self.sites.get(s)) {
            return site;
        }
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        if let Some(host) = host {
            let by_host = self.sites.iter().find(|site| {
                site.origins.iter().any(|o| {
                    url::Url::parse(o)
                        .ok()
                        .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(&host)))
                        .unwrap_or(false)
                })
            });
            if let Some(site) = by_host {
                return site;
            }
        }
        self.sites.first()
    }

    /// Imports `comment`, then every reply that waited for it.
    fn take(&mut self, comment: SourceComment) -> anyhow::Result<()> {
        let mut ready = vec![comment];
        while let Some(c) = ready.pop() {
            let id = c.id.clone();
            match self.import_one(c)? {
                Took::Waiting => {}
                Took::Stored => {
                    if let Some(replies) = self.waiting.remove(&id) {
                        ready.extend(replies);
                    }
                }
                Took::LeftOut => {
                    // Its replies go on without it.
                    self.left_out.insert(id.clone());
                    for mut r in self.waiting.remove(&id).unwrap_or_default() {
                        r.parent = None;
                        self.summary.orphans += 1;
                        ready.push(r);
                    }
                }
            }
        }
        Ok(())
    }

    /// Imports one comment, unless its parent has yet to come.
    fn import_one(&mut self, c: SourceComment) -> anyhow::Result<Took> {
        if c.kind == Kind::Pingback && !self.options.with_pingbacks {
            self.summary
                .skip("pingbacks or trackbacks (--with-pingbacks keeps them)");
            return Ok(Took::LeftOut);
        }
        let site = match self.threads.get(&c.thread) {
            None => {
                self.summary
                    .skip("comments whose thread is not in the file");
                return Ok(Took::LeftOut);
            }
            Some(Slot::Unusable(reason)) => {
                let reason = reason.clone();
                self.summary.skip(reason);
                return Ok(Took::LeftOut);
            }
            Some(Slot::Ready { site, .. }) => site.clone(),
        };
        let format = self.options.format.as_str();
        if comment_sources::find(self.conn, format, &site, &c.id)?.is_some() {
            self.summary.already_imported += 1;
            return Ok(Took::Stored);
        }
        // Brought by another route already (imported from WordPress here, and now
        // from the Causerie export of another instance that imported it too).
        // It is that comment: remembered under this source too, for its replies.
        for (other, id) in &c.also_from {
            if let Some(existing) = comment_sources::find(self.conn, other, &site, id)? {
                comment_sources::insert(
                    self.conn,
                    &comment_sources::CommentSource {
                        format: format.to_owned(),
                        site: site.clone(),
                        source_id: c.id.clone(),
                        comment_id: existing,
                        imported_at: self.now,
                    },
                )?;
                self.summary.already_imported += 1;
                return Ok(Took::Stored);
            }
        }
        let parent = match c.parent.as_deref().filter(|p| !p.is_empty() && *p != c.id) {
            None => None,
            Some(p) => match comment_sources::find(self.conn, format, &site, p)? {
                Some(id) => q::find(self.conn, id)?,
                None if self.left_out.contains(p) => {
                    self.summary.orphans += 1;
                    None
                }
                None => {
                    // Its parent may come later in the file.
                    self.waiting.entry(p.to_owned()).or_default().push(c);
                    return Ok(Took::Waiting);
                }
            },
        };
        let text = c.text.trim_end();
        // A deleted comment's text is often gone at the source; it is kept all the
        // same when deleted, so that its replies stay where they were.
        if text.trim().is_empty() && c.status != Status::Deleted {
            self.summary.skip("comments without text");
            return Ok(Took::LeftOut);
        }
        let thread = self.thread_for(&c)?;
        let parent = parent.filter(|p| p.thread_id == thread.id);
        let site_rules = &self.sites.of_thread(&site).settings;
        let (parent_id, depth) = match parent {
            None => (None, 0),
            Some(p) => crate::comments::reply_anchor(self.conn, p, site_rules.max_depth as i32)?,
        };
        let html = match (&c.html, c.markup) {
            (Some(html), _) => crate::sanitize::reclean(html),
            (None, Markup::Html) => sanitize(&c.text),
            (None, Markup::Markdown) => sanitize(&super::markdown::to_html(&c.text)),
        };
        let author = clean_name(&c.author);
        let email = c
            .email
            .as_deref()
            .and_then(|e| AuthorEmail::parse(e).ok())
            .map(|e| e.normalized())
            .unwrap_or_default();
        let website = c
            .website
            .as_deref()
            .and_then(|w| Website::parse(w).ok().flatten());
        let ip = c.ip.as_deref().and_then(truncate_address);
        // Why a comment waits, as the source stored it (our own export): only for
        // comments that still wait.
        let page_title = c
            .page_title
            .as_deref()
            .map(|t| crate::domain::strip_controls(&truncate(t.trim(), TITLE_MAX)))
            .filter(|t| !t.is_empty());
        let hold_reason = c
            .hold_reason
            .as_deref()
            .filter(|_| matches!(c.status, Status::Pending | Status::Spam))
            .map(HoldReason::from_code);
        let comment_id = match c.keep_id.filter(|_| self.keep_ids) {
            Some(id) => {
                let row = Comment {
                    id,
                    thread_id: thread.id,
                    parent_id,
                    depth,
                    author,
                    email,
                    website: website.map(|w| w.as_str().to_owned()),
                    body_raw: c.text.clone(),
                    body_html: html,
                    status: c.status,
                    hold_reason,
                    moderator: c.moderator,
                    notify_replies: c.notify_replies,
                    ip,
                    edit_token_hash: None,
                    created_at: c.created_at,
                    edited_at: c.edited_at,
                    page_title: page_title.clone(),
                    erased_at: None,
                    status_at: None,
                };
                diesel::insert_into(comments::table)
                    .values(&row)
                    .execute(self.conn)?;
                id
            }
            None => {
                let inserted = q::insert(
                    self.conn,
                    &NewCommentRow {
                        thread_id: thread.id,
                        parent_id,
                        depth,
                        author: &author,
                        email: &email,
                        website: website.as_ref().map(|w| w.as_str()),
                        body_raw: &c.text,
                        body_html: &html,
                        status: c.status,
                        hold_reason: hold_reason.as_ref(),
                        moderator: c.moderator,
                        notify_replies: c.notify_replies,
                        ip: ip.as_deref(),
                        edit_token_hash: None,
                        created_at: c.created_at,
                        page_title: page_title.as_deref(),
                    },
                )?;
                if c.edited_at.is_some() {
                    diesel::update(comments::table.find(inserted.id))
                        .set(comments::edited_at.eq(c.edited_at))
                        .execute(self.conn)?;
                }
                inserted.id
            }
        };
        // An erased comment keeps only this file's id (so that importing the file
        // again adds nothing), not where it first came from.
        let also_from = if c.erased_at.is_some() {
            &[][..]
        } else {
            &c.also_from[..]
        };
        let sources = std::iter::once((format, c.id.as_str()))
            .chain(also_from.iter().map(|(f, id)| (f.as_str(), id.as_str())));
        for (format, source_id) in sources {
            comment_sources::insert(
                self.conn,
                &comment_sources::CommentSource {
                    format: format.to_owned(),
                    site: site.clone(),
                    source_id: source_id.to_owned(),
                    comment_id,
                    imported_at: self.now,
                },
            )?;
        }
        if let Some(at) = c.erased_at {
            // Emptied, as it was at the source.
            q::blank(self.conn, comment_id, at)?;
        }
        *self.summary.comments.entry(c.status.as_str()).or_default() += 1;
        *self.summary.sites.entry(site).or_default() += 1;
        Ok(Took::Stored)
    }

    /// The thread of `c`, found or created at its first comment.
    fn thread_for(&mut self, c: &SourceComment) -> anyhow::Result<Thread> {
        let Some(Slot::Ready {
            site,
            page,
            title,
            title_locked,
            closed,
            keep_id,
            created_at,
            thread,
        }) = self.threads.get_mut(&c.thread)
        else {
            anyhow::bail!("{}: the comment's thread is unknown", c.position);
        };
        if let Some(t) = thread {
            return Ok(t.clone());
        }
        let found = threads::find_by_page(self.conn, site, page)?;
        let t = match found {
            Some(t) => {
                if self.created.contains(&(site.clone(), page.clone())) {
                    self.summary.threads_sharing_a_page += 1;
                } else {
                    self.summary.threads_existing += 1;
                }
                t
            }
            None => {
                let created_at = created_at.unwrap_or(c.created_at).min(self.now);
                // No title in the source: none in public either, until a published
                // comment's request gives one (the page shows its path meanwhile).
                let title = title.clone().unwrap_or_default();
                let created = match keep_id {
                    Some(id) => {
                        let row = Thread {
                            id: *id,
                            site: site.clone(),
                            page: page.clone(),
                            title,
                            closed: *closed,
                            created_at,
                            title_locked: *title_locked,
                        };
                        diesel::insert_into(threads_table::table)
                            .values(&row)
                            .execute(self.conn)?;
                        row
                    }
                    None => {
                        let row = NewThread {
                            site,
                            page,
                            title: &title,
                            closed: *closed,
                            created_at,
                            title_locked: *title_locked,
                        };
                        crate::per_backend!(&mut *self.conn, |conn| diesel::insert_into(
                            threads_table::table
                        )
                        .values(&row)
                        .execute(conn))?;
                        threads::find_by_page(self.conn, site, page)?.ok_or_else(|| {
                            anyhow::anyhow!("the thread of {page} vanished as it was created")
                        })?
                    }
                };
                self.summary.threads_created += 1;
                self.created.insert((site.clone(), page.clone()));
                created
            }
        };
        *thread = Some(t.clone());
        Ok(t)
    }

    /// Replies whose parent never came are kept as comments of their own.
    fn finish(&mut self) -> Result<(), ImportError> {
        while let Some(parent) = self.waiting.keys().next().cloned() {
            let replies = self.waiting.remove(&parent).unwrap_or_default();
            for mut r in replies {
                r.parent = None;
                self.summary.orphans += 1;
                self.take(r).map_err(ReadError::Sink)?;
            }
        }
        Ok(())
    }
}

/// What became of one comment.
enum Took {
    /// In the database: added now, or by an earlier import.
    Stored,
    /// Not imported (the summary says why); its replies go on without it.
    LeftOut,
    /// Its parent has yet to come.
    Waiting,
}

/// `url` with the first `--map` whose FROM starts it rewritten.
fn rewrite(url: &str, maps: &[(String, String)]) -> String {
    let url = url.trim();
    for (from, to) in maps {
        if let Some(rest) = url.strip_prefix(from.as_str()) {
            return format!("{to}{rest}");
        }
    }
    url.to_owned()
}

/// A name as Causerie keeps names: one line, at most 245 bytes, never blank.
fn clean_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = truncate(one_line.trim(), AUTHOR_MAX);
    if name.is_empty() {
        "Anonymous".to_owned()
    } else {
        name
    }
}

/// `s` cut to at most `max` bytes, at a character boundary.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn shorten(s: &str, max: usize) -> String {
    let cut = truncate(s, max);
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// An address as Causerie stores readers' (a /24 or /48 network); one that is
/// already such a network (our own export) is kept; anything else (a hash, as
/// Remark42 keeps) is dropped.
fn truncate_address(ip: &str) -> Option<String> {
    let ip = ip.trim();
    if let Ok(addr) = ip.parse::<IpAddr>() {
        return Some(crate::routes::truncate_ip(addr));
    }
    let net: ipnet::IpNet = ip.parse().ok()?;
    Some(crate::routes::truncate_ip(net.network()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_rewrite_the_first_matching_prefix() {
        let maps = vec![
            parse_map("http://old.example.org/blog/=https://blog.example.fr/").unwrap(),
            parse_map("http://old.example.org/=https://www.example.fr/").unwrap(),
        ];
        assert_eq!(
            rewrite("http://old.example.org/blog/2019/a/", &maps),
            "https://blog.example.fr/2019/a/"
        );
        assert_eq!(
            rewrite("http://old.example.org/about", &maps),
            "https://www.example.fr/about"
        );
        assert_eq!(
            rewrite("https://other.example/x", &maps),
            "https://other.example/x"
        );
        assert!(parse_map("no-equals").is_err());
        assert!(parse_map("=https://x").is_err());
        // Split at the first `=`: a query string in TO is kept.
        assert_eq!(
            parse_map("/a=/b?x=1").unwrap(),
            ("/a".to_owned(), "/b?x=1".to_owned())
        );
    }

    #[test]
    fn names_are_one_line_within_limits_and_never_blank() {
        assert_eq!(clean_name("  "), "Anonymous");
        assert_eq!(clean_name("a\nb"), "a b");
        assert_eq!(clean_name(&"é".repeat(200)).len(), 244);
    }

    #[test]
    fn addresses_are_truncated_and_hashes_dropped() {
        assert_eq!(
            truncate_address("192.0.2.77").as_deref(),
            Some("192.0.2.0/24")
        );
        assert_eq!(
            truncate_address("192.0.2.0/24").as_deref(),
            Some("192.0.2.0/24")
        );
        assert_eq!(
            truncate_address("2001:db8:1:2::7").as_deref(),
            Some("2001:db8:1::/48")
        );
        assert_eq!(
            truncate_address("3a7bd3e2360a3d29eea436fcfb7e44c735d117c4"),
            None
        );
        assert_eq!(truncate_address(""), None);
    }
}
