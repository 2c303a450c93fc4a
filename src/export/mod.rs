//! `causerie export [--site ID] [--format causerie|wordpress] [--output FILE]`
//! (SPEC section 11): every thread and comment of one site, or of all, written out
//! while the server runs.
//!
//! Everything is read in one reading transaction (`db::tx::read_snapshot`), so the
//! file is one consistent snapshot even while comments arrive; rows are read 500 at a
//! time by id and written as they come, so memory stays bounded whatever the
//! database's size.
//!
//! # The `causerie` format
//!
//! One JSON document, UTF-8, gzipped when the output file's name ends in `.gz`. It
//! is one object; each record of its arrays is on a line of its own:
//!
//! ```json
//! {"format":"causerie-export","version":1,"generator":"causerie 0.1.0","exported_at":"2026-12-03T09:30:00Z",
//! "sites":[
//! {"id":"blog","name":"Mon blog","origins":["https://blog.example.fr"]}
//! ],
//! "threads":[
//! {"id":1,"site":"blog","page":"/2026/hello","title":"Hello","closed":false,"created_at":"2026-11-30T08:00:00Z"}
//! ],
//! "comments":[
//! {"id":1,"thread":1,"parent":null,"depth":0,"author":"Camille","email":"camille@example.fr","website":null,"body_raw":"Bravo <b>!</b>","body_html":"<p>Bravo <b>!</b></p>","status":"approved","hold_reason":null,"moderator":false,"notify_replies":true,"ip":"192.0.2.0/24","created_at":"2026-11-30T08:00:00Z","edited_at":null}
//! ],
//! "unsubscribed":[
//! {"email":"camille@example.fr","thread":1,"created_at":"2026-12-01T10:00:00Z"}
//! ],
//! "reports":[
//! {"comment":1,"reason":"spam","detail":null,"email":null,"created_at":"2026-12-01T11:00:00Z","resolved_at":"2026-12-01T12:00:00Z","resolution":"kept"}
//! ]}
//! ```
//!
//! | key | value |
//! |---|---|
//! | `format` | always `"causerie-export"` |
//! | `version` | `1`; a later Causerie that changes the meaning of a field raises it, and says which versions it reads |
//! | `generator` | the Causerie that wrote the file, `"causerie X.Y.Z"` |
//! | `exported_at` | when the snapshot was taken |
//! | `sites` | the sites exported: `id`, `name`, `origins` (where their pages are served from). Without `--site`, every configured site, and any site a thread still names that the configuration no longer has (with no origins) |
//! | `threads` | one per page with comments: `id`; `site` (a site's `id`); `page`, the page's path (`/2026/hello`, no query string); `title`, the public title (`""` while no published comment has given one); `title_locked`, written only when `true`: a moderator named the thread and comments no longer change its title; `closed` (to new comments); `created_at` |
//! | `comments` | by `id`, so a reply comes after its parent: `thread` (a thread's `id`); `parent` (a comment's `id`, or null); `depth` (how deep it is shown, 0 for a top-level comment: informative, an import computes its own); `author`; `email` and `website` (null when none); `body_raw`, the text as written (HTML of the comment form, not sanitized: never show it as HTML); `body_html`, the same through the sanitizer, as readers see it; `status`: `approved`, `pending`, `spam` or `deleted`; `hold_reason`, why a comment was held (`first_time`, `moderation_all`, `links:COUNT:LIMIT`, `moderation_word:WORD`, `disallowed_word:WORD`, `bot:honeypot`, `bot:too_fast:SECONDS`, `bot:forged_token`) or null; `moderator` (written by a moderator); `notify_replies` (the author asked to be told of replies); `ip`, the address block it came from, as stored (`192.0.2.0/24`, `2001:db8:1::/48`), null once forgotten (`ip_retention_days`); `created_at`; `edited_at` (null if never edited); `page_title`, written only when there is one: the page title the comment's request sent, which a held comment gives its thread when approved (if the thread has no title yet); `erased_at`, written only for a comment whose author erased their data: an empty row (no name, email, address or text) kept because replies answer it, shown as a placeholder; `status_at`, written when known: when the status last changed |
//! | `unsubscribed` | addresses that asked for no more reply notifications: `email`; `thread` (a thread's `id`, or null: from every thread); `created_at`. With `--site`, those of its threads and those from every thread |
//! | `reports` | readers' reports of comments: `comment` (a comment's `id`); `reason` (`spam`, `abuse`, `illegal` or `other`); `detail` (or null); `email`, the reporter's address while the report is open (null once they were told the decision, or if they left none); `created_at`; `resolved_at` and `resolution` (`kept`, `removed` or `erased`: its author erased it), null while open. Not read back by `causerie import` (reports are about the comments as they were judged here) |
//!
//! Times are RFC 3339 in UTC (`2026-11-30T08:00:00Z`). Readers ignore keys they do
//! not know, so a later version 1 may add some.
//!
//! # The `wordpress` format
//!
//! A WXR 1.2 file laid out as WordPress's own exporter lays it out (`wordpress.rs`),
//! for one site: its threads are posts, their comments `<wp:comment>`s.

pub mod causerie;
pub mod wordpress;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Sites;
use crate::db::queries::export as q;
use crate::db::DbConn;
use crate::i18n::Lang;

/// Rows read at a time.
const BATCH: i64 = 500;

/// What `causerie export --format` writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Causerie's own JSON document: everything, for `causerie import causerie`.
    #[default]
    Causerie,
    /// A WordPress export (WXR 1.2), for WordPress's importer.
    Wordpress,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub sites: u64,
    pub threads: u64,
    pub comments: u64,
    pub unsubscribed: u64,
    pub reports: u64,
}

/// A site as the export describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExportSite {
    id: String,
    name: String,
    origins: Vec<String>,
    lang: Lang,
}

/// What one export covers, decided inside its transaction.
#[derive(Debug)]
struct Scope {
    /// Only this site's threads; `None`: every thread.
    filter: Option<String>,
    sites: Vec<ExportSite>,
    exported_at: i64,
}

fn generator() -> String {
    format!("causerie {}", env!("CARGO_PKG_VERSION"))
}

/// Writes the export of `site` (every site when `None`) in `format` to `out`, as one
/// snapshot. `site` is a configured site or one that threads still name; anything
/// else is an error that names it. The `wordpress` format holds one site: without
/// `site`, the database's threads must all be of one.
///
/// `out` is written in many small pieces: give it a buffer (`export_to_path` does).
pub fn export(
    conn: &mut DbConn,
    sites: &Sites,
    site: Option<&str>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<ExportSummary> {
    crate::db::tx::read_snapshot(conn, |conn| {
        // The first read: on SQLite, the snapshot is taken here.
        let stored = q::thread_sites(conn)?;
        let scope = scope(sites, &stored, site, format)?;
        let summary = match format {
            ExportFormat::Causerie => causerie::write(conn, &scope, out)?,
            ExportFormat::Wordpress => wordpress::write(conn, &scope, out)?,
        };
        out.flush()?;
        Ok(summary)
    })
}

/// `export` into the file `path`, gzipped when its name ends in `.gz`, or to standard
/// output when `None`. The file appears whole or not at all: it is written next to
/// `path` under a `.part` name, then renamed.
pub fn export_to_path(
    conn: &mut DbConn,
    sites: &Sites,
    site: Option<&str>,
    format: ExportFormat,
    path: Option<&Path>,
) -> anyhow::Result<ExportSummary> {
    let Some(path) = path else {
        let stdout = std::io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        let summary = export(conn, sites, site, format, &mut out)?;
        out.flush().context("cannot write to standard output")?;
        return Ok(summary);
    };
    let part = part_path(path);
    let file = std::fs::File::create(&part)
        .with_context(|| format!("cannot create {}", part.display()))?;
    let written = (|| -> anyhow::Result<ExportSummary> {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let summary = if is_gz(path) {
            let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            let summary = export(conn, sites, site, format, &mut gz)?;
            gz.finish()?;
            summary
        } else {
            export(conn, sites, site, format, &mut out)?
        };
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(summary)
    })();
    match written {
        Ok(summary) => {
            std::fs::rename(&part, path).with_context(|| {
                format!("cannot rename {} to {}", part.display(), path.display())
            })?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e.context(format!("cannot write {}", path.display())))
        }
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// Which sites the export covers. `stored`: the sites the threads belong to.
fn scope(
    sites: &Sites,
    stored: &[String],
    site: Option<&str>,
    format: ExportFormat,
) -> anyhow::Result<Scope> {
    let describe = |id: &str| match sites.get(id) {
        Some(s) => ExportSite {
            id: s.id.to_string(),
            name: s.name.clone(),
            origins: s.origins.clone(),
            lang: s.settings.lang,
        },
        // Removed from the configuration: its threads follow the first site's
        // settings, as everywhere else.
        None => ExportSite {
            id: id.to_owned(),
            name: id.to_owned(),
            origins: Vec::new(),
            lang: sites.first().settings.lang,
        },
    };
    let known = |id: &str| sites.get(id).is_some() || stored.iter().any(|s| s == id);
    let one = |id: &str| Scope {
        filter: Some(id.to_owned()),
        sites: vec![describe(id)],
        exported_at: crate::db::now(),
    };
    match (site, format) {
        (Some(id), _) if known(id) => Ok(one(id)),
        (Some(id), _) => {
            let ids: Vec<&str> = sites.iter().map(|s| s.id.as_str()).collect();
            anyhow::bail!(
                "there is no site `{id}`: the sites are {}",
                list(ids.iter().copied())
            )
        }
        (None, ExportFormat::Causerie) => {
            let mut all: Vec<ExportSite> = sites.iter().map(|s| describe(s.id.as_str())).collect();
            for id in stored {
                if sites.get(id).is_none() {
                    all.push(describe(id));
                }
            }
            Ok(Scope {
                filter: None,
                sites: all,
                exported_at: crate::db::now(),
            })
        }
        (None, ExportFormat::Wordpress) => match stored {
            [] => Ok(one(sites.first().id.as_str())),
            [id] => Ok(one(id)),
            _ => anyhow::bail!(
                "a WordPress export holds one site, and the threads belong to {}: \
                 choose one with --site",
                list(stored.iter().map(String::as_str))
            ),
        },
    }
}

fn list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads rows `BATCH` at a time by increasing id, from `fetch(conn, after)` (the rows
/// with an id above `after`), and hands each to `each`.
fn each_batch<T>(
    conn: &mut DbConn,
    mut fetch: impl FnMut(&mut DbConn, i64) -> diesel::QueryResult<Vec<T>>,
    id: impl Fn(&T) -> i64,
    mut each: impl FnMut(&mut DbConn, T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut after = i64::MIN;
    loop {
        let rows = fetch(conn, after)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = id(last);
        let full = rows.len() as i64 == BATCH;
        for row in rows {
            each(conn, row)?;
        }
        if !full {
            return Ok(());
        }
    }
}
