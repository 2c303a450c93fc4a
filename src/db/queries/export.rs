//! What `causerie export` reads: every row of a site (or of all), in batches by id
//! (keyset pagination: `id > after`, so a batch costs the same at the end of a large
//! table as at its start), inside the export's one reading transaction.

use diesel::prelude::*;

use crate::db::models::{Comment, Thread};
use crate::db::queries::reports::Report;
use crate::db::schema::{comments, reports, threads, unsubscribed};
use crate::db::transfer::UnsubscribedRow;
use crate::db::DbConn;

/// The sites the stored threads belong to, sorted: configured or not (a site removed
/// from the configuration keeps its threads).
pub fn thread_sites(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    threads::table
        .select(threads::site)
        .distinct()
        .order(threads::site.asc())
        .load(conn)
}

/// Threads with an id above `after`, of `site` or of every site, by id.
pub fn threads_after(
    conn: &mut DbConn,
    site: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Thread>> {
    let mut q = threads::table
        .filter(threads::id.gt(after))
        .order(threads::id.asc())
        .limit(limit)
        .select(Thread::as_select())
        .into_boxed();
    if let Some(site) = site {
        q = q.filter(threads::site.eq(site.to_owned()));
    }
    q.load(conn)
}

/// Comments with an id above `after`, on the threads of `site` or of every site, by
/// id (so a reply comes after its parent, whose id is smaller).
pub fn comments_after(
    conn: &mut DbConn,
    site: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    let mut q = comments::table
        .filter(comments::id.gt(after))
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .into_boxed();
    if let Some(site) = site {
        q = q.filter(
            comments::thread_id.eq_any(
                threads::table
                    .filter(threads::site.eq(site.to_owned()))
                    .select(threads::id),
            ),
        );
    }
    q.load(conn)
}

/// The comments of one thread with an id above `after`, by id.
pub fn thread_comments_after(
    conn: &mut DbConn,
    thread_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Comment>> {
    comments::table
        .filter(comments::thread_id.eq(thread_id))
        .filter(comments::id.gt(after))
        .order(comments::id.asc())
        .limit(limit)
        .select(Comment::as_select())
        .load(conn)
}

/// Unsubscriptions with an id above `after`, by id: those from a thread of `site`
/// and those from every thread (which concern every site), or all of them.
pub fn unsubscribed_after(
    conn: &mut DbConn,
    site: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<UnsubscribedRow>> {
    let mut q = unsubscribed::table
        .filter(unsubscribed::id.gt(after))
        .order(unsubscribed::id.asc())
        .limit(limit)
        .select(UnsubscribedRow::as_select())
        .into_boxed();
    if let Some(site) = site {
        q = q.filter(
            unsubscribed::thread_id
                .is_null()
                .or(unsubscribed::thread_id.eq_any(
                    threads::table
                        .filter(threads::site.eq(site.to_owned()))
                        .select(threads::id.nullable()),
                )),
        );
    }
    q.load(conn)
}

/// Reports with an id above `after`, of the comments of `site` or of every site, by
/// id.
pub fn reports_after(
    conn: &mut DbConn,
    site: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Report>> {
    let mut q = reports::table
        .filter(reports::id.gt(after))
        .order(reports::id.asc())
        .limit(limit)
        .select(Report::as_select())
        .into_boxed();
    if let Some(site) = site {
        q = q.filter(
            reports::comment_id.eq_any(
                comments::table
                    .inner_join(threads::table)
                    .filter(threads::site.eq(site.to_owned()))
                    .select(comments::id),
            ),
        );
    }
    q.load(conn)
}
