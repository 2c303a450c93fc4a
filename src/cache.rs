//! Rendered threads kept in memory, so that the common read — a page's comments,
//! as the embed asks for them — is one hash lookup and no database work.
//!
//! Correctness comes first: every change a reader could see is recorded in
//! `thread_changes` by database triggers (no code path can forget), and each instance
//! reads that table to drop the pages it holds — right after each of its own writes,
//! and every second for other instances' writes. A fill that raced with a change
//! (read before the change committed, stored after it was announced) is refused by
//! a per-page generation number, so a stale copy can never be put back.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use sha2::{Digest, Sha256};

use crate::db::queries::thread_changes;
use crate::db::DbConn;
pub use crate::domain::ThreadKey;

/// A thread's comments as requested: the thread, the page size and the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub thread: ThreadKey,
    pub limit: i64,
    pub after: i64,
}

/// One answer, ready to send.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub etag: String,
    /// The answer changes by itself at this time (the thread closes after
    /// `close_after_days`); `i64::MAX` when it does not.
    pub valid_until: i64,
    /// The same answer gzipped, made the first time a reader's browser asks for it
    /// (every browser does), then kept with it: a fifth of the bytes to send, and
    /// of what each connection holds while sending.
    gzipped: std::sync::OnceLock<Bytes>,
}

impl Rendered {
    pub fn new(body: Vec<u8>, valid_until: i64) -> Rendered {
        let digest = Sha256::digest(&body);
        Rendered {
            etag: format!("\"{}\"", hex::encode(&digest[..12])),
            body: Bytes::from(body),
            valid_until,
            gzipped: std::sync::OnceLock::new(),
        }
    }

    /// The answer gzipped.
    pub fn gzipped(&self) -> Bytes {
        self.gzipped
            .get_or_init(|| {
                Bytes::from(crate::routes::gzip(
                    &self.body,
                    flate2::Compression::default(),
                ))
            })
            .clone()
    }

    /// The gzipped answer's ETag: another representation, so another strong tag.
    pub fn gzip_etag(&self) -> String {
        let tag = self.etag.trim_end_matches('"');
        format!("{tag}-gz\"")
    }
}

#[derive(Clone)]
struct BodyWeight;

impl Weighter<Key, Arc<Rendered>> for BodyWeight {
    fn weight(&self, key: &Key, val: &Arc<Rendered>) -> u64 {
        // The gzipped copy, made later, is a fifth of the body or less.
        let body = val.body.len() + val.body.len() / 5;
        (key.thread.site.len() + key.thread.page.len() + body + 128) as u64
    }
}

#[derive(Default)]
struct PageState {
    generation: u64,
    keys: HashSet<Key>,
}

/// How long a gap in the change ids is watched for: a PostgreSQL transaction that
/// took an id below one already seen commits within this time, or never.
const LATE_COMMIT_WINDOW_SECS: i64 = 10;
/// Gaps watched at most (each costs nothing but a slot in the catch-up query).
const MAX_GAPS: usize = 1024;

#[derive(Default)]
struct Seen {
    last_id: i64,
    /// Ids skipped over (not yet committed when a higher one was read), with when.
    gaps: std::collections::BTreeMap<i64, i64>,
}

pub struct ThreadCache {
    entries: Cache<Key, Arc<Rendered>, BodyWeight>,
    pages: Mutex<HashMap<ThreadKey, PageState>>,
    seen: Mutex<Seen>,
    /// Since when the changes could not be read (the database away), if they could not.
    unsure_since: Mutex<Option<i64>>,
    counters: crate::metrics::CacheCounters,
}

impl ThreadCache {
    /// A cache holding about `bytes` of rendered answers.
    pub fn new(bytes: u64) -> ThreadCache {
        ThreadCache::counted(bytes, Default::default())
    }

    /// A cache whose hits and misses go to `counters` (the application's metrics).
    pub fn counted(bytes: u64, counters: crate::metrics::CacheCounters) -> ThreadCache {
        ThreadCache {
            entries: Cache::with_weighter(
                (bytes / 16_384).max(16) as usize,
                bytes.max(1),
                BodyWeight,
            ),
            pages: Mutex::new(HashMap::new()),
            seen: Mutex::new(Seen::default()),
            unsure_since: Mutex::new(None),
            counters,
        }
    }

    pub fn get(&self, key: &Key, now: i64) -> Option<Arc<Rendered>> {
        let found = self.entries.get(key).filter(|r| now < r.valid_until);
        match found {
            Some(_) => self.counters.hits.inc(),
            None => self.counters.misses.inc(),
        };
        found
    }

    /// The page's generation, to pass to [`ThreadCache::fill`] after reading it.
    pub fn generation(&self, thread: &ThreadKey) -> u64 {
        self.pages
            .lock()
            .map(|p| p.get(thread).map_or(0, |s| s.generation))
            .unwrap_or(u64::MAX)
    }

    /// Keeps an answer read while the page was at `generation`, unless the page has
    /// changed since.
    pub fn fill(&self, key: Key, generation: u64, value: Arc<Rendered>) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        let state = pages.entry(key.thread.clone()).or_default();
        if state.generation != generation {
            return;
        }
        state.keys.insert(key.clone());
        self.entries.insert(key, value);
    }

    pub fn invalidate(&self, thread: &ThreadKey) {
        let Ok(mut pages) = self.pages.lock() else {
            return;
        };
        let state = pages.entry(thread.clone()).or_default();
        state.generation += 1;
        for key in state.keys.drain() {
            self.entries.remove(&key);
        }
    }

    /// Changes up to `id` happened before this cache existed: nothing to drop.
    pub fn start_after(&self, id: i64) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.last_id = id;
        }
    }

    /// Drops everything (when changes cannot be read, nothing cached can be trusted).
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            for state in pages.values_mut() {
                state.generation += 1;
                state.keys.clear();
            }
        }
        self.entries.clear();
    }

    /// The changes could not be read, and nothing was written meanwhile here: what is
    /// cached stays served (the database is away, so nothing can change it but a
    /// write this instance would have made) until they can be read again.
    pub fn could_not_catch_up(&self, now: i64) {
        if let Ok(mut unsure) = self.unsure_since.lock() {
            unsure.get_or_insert(now);
        }
    }

    /// Reads the changes recorded since the last call and drops those pages. After
    /// changes could not be read for longer than a late commit may take, the gaps it
    /// watched may be gone: then everything is dropped once, to be read afresh.
    pub fn catch_up(&self, conn: &mut DbConn, now: i64) -> diesel::QueryResult<usize> {
        let dropped = self.catch_up_changes(conn, now)?;
        let unsure = self.unsure_since.lock().ok().and_then(|mut u| u.take());
        if unsure.is_some_and(|since| now - since >= LATE_COMMIT_WINDOW_SECS) {
            self.clear();
        }
        Ok(dropped)
    }

    fn catch_up_changes(&self, conn: &mut DbConn, now: i64) -> diesel::QueryResult<usize> {
        let (last_id, gaps): (i64, Vec<i64>) = match self.seen.lock() {
            Ok(mut seen) => {
                seen.gaps
                    .retain(|_, at| *at >= now - LATE_COMMIT_WINDOW_SECS);
                (seen.last_id, seen.gaps.keys().copied().collect())
            }
            Err(_) => return Ok(0),
        };
        let changes = thread_changes::since(conn, last_id, &gaps)?;
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(0);
        };
        let mut dropped = 0;
        for (id, thread) in changes {
            if id > seen.last_id {
                for missing in (seen.last_id + 1)..id {
                    if seen.gaps.len() >= MAX_GAPS {
                        break;
                    }
                    seen.gaps.insert(missing, now);
                }
                seen.last_id = id;
            } else if seen.gaps.remove(&id).is_none() {
                continue;
            }
            self.invalidate(&thread);
            dropped += 1;
        }
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(page: &str) -> ThreadKey {
        ThreadKey::new("default", page)
    }

    fn key(page: &str, after: i64) -> Key {
        Key {
            thread: t(page),
            limit: 100,
            after,
        }
    }

    fn rendered(s: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new(s.as_bytes().to_vec(), i64::MAX))
    }

    #[test]
    fn invalidating_a_page_drops_every_answer_of_it_and_no_other() {
        let cache = ThreadCache::new(1 << 20);
        for (page, after) in [("/a", 0), ("/a", 10), ("/b", 0)] {
            let g = cache.generation(&t(page));
            cache.fill(key(page, after), g, rendered(page));
        }
        cache.invalidate(&t("/a"));
        assert!(cache.get(&key("/a", 0), 0).is_none());
        assert!(cache.get(&key("/a", 10), 0).is_none());
        assert!(cache.get(&key("/b", 0), 0).is_some());
    }

    #[test]
    fn a_short_outage_keeps_the_cache_and_a_long_one_drops_it_once_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let mut conn = crate::db::establish(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let cache = ThreadCache::new(1 << 20);
        cache.fill(key("/a", 0), cache.generation(&t("/a")), rendered("a"));

        cache.could_not_catch_up(1_000);
        cache.could_not_catch_up(1_001);
        assert!(cache.get(&key("/a", 0), 0).is_some(), "kept while away");
        cache
            .catch_up(&mut conn, 1_000 + LATE_COMMIT_WINDOW_SECS - 1)
            .unwrap();
        assert!(cache.get(&key("/a", 0), 0).is_some(), "a short outage");

        cache.could_not_catch_up(2_000);
        cache
            .catch_up(&mut conn, 2_000 + LATE_COMMIT_WINDOW_SECS)
            .unwrap();
        assert!(cache.get(&key("/a", 0), 0).is_none(), "a long outage");
        // Once: what is cached after it stays.
        cache.fill(key("/a", 0), cache.generation(&t("/a")), rendered("a"));
        cache.catch_up(&mut conn, 3_000).unwrap();
        assert!(cache.get(&key("/a", 0), 0).is_some());
    }

    #[test]
    fn a_fill_that_raced_with_a_change_is_refused() {
        let cache = ThreadCache::new(1 << 20);
        let before = cache.generation(&t("/a"));
        cache.invalidate(&t("/a"));
        cache.fill(key("/a", 0), before, rendered("stale"));
        assert!(cache.get(&key("/a", 0), 0).is_none());
    }

    #[test]
    fn one_page_on_two_sites_is_two_threads() {
        let cache = ThreadCache::new(1 << 20);
        let (blog, notes) = (ThreadKey::new("blog", "/a"), ThreadKey::new("notes", "/a"));
        for thread in [&blog, &notes] {
            let g = cache.generation(thread);
            let k = Key {
                thread: thread.clone(),
                limit: 100,
                after: 0,
            };
            cache.fill(k, g, rendered(&thread.site));
        }
        cache.invalidate(&blog);
        let get = |thread: &ThreadKey| {
            cache.get(
                &Key {
                    thread: thread.clone(),
                    limit: 100,
                    after: 0,
                },
                0,
            )
        };
        assert!(get(&blog).is_none());
        assert_eq!(get(&notes).unwrap().body, b"notes".to_vec());
    }

    #[test]
    fn answers_expire_when_the_thread_closes_by_itself() {
        let cache = ThreadCache::new(1 << 20);
        let g = cache.generation(&t("/a"));
        cache.fill(key("/a", 0), g, Arc::new(Rendered::new(b"x".to_vec(), 100)));
        assert!(cache.get(&key("/a", 0), 99).is_some());
        assert!(cache.get(&key("/a", 0), 100).is_none());
    }

    #[test]
    fn etags_follow_the_content() {
        assert_eq!(rendered("x").etag, rendered("x").etag);
        assert_ne!(rendered("x").etag, rendered("y").etag);
    }
}
