use diesel::prelude::*;

use crate::db::models::{NewThread, Thread};
use crate::db::schema::threads;
use crate::db::DbConn;

/// The thread of `page` on `site`.
pub fn find_by_page(conn: &mut DbConn, site: &str, page: &str) -> QueryResult<Option<Thread>> {
    threads::table
        .filter(threads::site.eq(site))
        .filter(threads::page.eq(page))
        .select(Thread::as_select())
        .first(conn)
        .optional()
}

/// The thread of `page` on `site`, locked on PostgreSQL until the transaction ends:
/// a comment posted to it meanwhile waits (its insert takes a share of the row's
/// lock), so that a move or merge sees every comment the thread has. On SQLite a
/// writing transaction already runs alone.
pub fn find_by_page_for_update(
    conn: &mut DbConn,
    site: &str,
    page: &str,
) -> QueryResult<Option<Thread>> {
    if let DbConn::Pg(c) = conn {
        return threads::table
            .filter(threads::site.eq(site))
            .filter(threads::page.eq(page))
            .select(Thread::as_select())
            .for_update()
            .first(c)
            .optional();
    }
    find_by_page(conn, site, page)
}

/// The thread of `page` on `site`, created with `title` if this is its first comment
/// (a reader's comment creates it with '': no public title until one is published).
/// Two first comments at once (two instances on PostgreSQL) make one thread: the
/// second INSERT waits for the first and, (site, page) being unique, does nothing;
/// the SELECT after it then sees the thread committed by the first.
pub fn find_or_create(
    conn: &mut DbConn,
    site: &str,
    page: &str,
    title: &str,
    now: i64,
) -> QueryResult<Thread> {
    if let Some(t) = find_by_page(conn, site, page)? {
        return Ok(t);
    }
    let row = NewThread {
        site,
        page,
        title,
        closed: false,
        created_at: now,
        title_locked: false,
    };
    crate::per_backend!(conn, |c| diesel::insert_into(threads::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    threads::table
        .filter(threads::site.eq(site))
        .filter(threads::page.eq(page))
        .select(Thread::as_select())
        .first(conn)
}

/// Gives thread `id` the title `title` if it has no public title yet and no moderator
/// named it: a published comment's page title. Returns whether it took it.
pub fn adopt_title(conn: &mut DbConn, id: i64, title: &str) -> QueryResult<bool> {
    if title.trim().is_empty() {
        return Ok(false);
    }
    diesel::update(
        threads::table
            .find(id)
            .filter(threads::title.eq(""))
            .filter(threads::title_locked.eq(false)),
    )
    .set(threads::title.eq(title))
    .execute(conn)
    .map(|n| n > 0)
}

/// A moderator names thread `id`: its public title from now on, which no request
/// changes (`title_locked`). Returns whether the thread exists.
pub fn rename(conn: &mut DbConn, id: i64, title: &str) -> QueryResult<bool> {
    diesel::update(threads::table.find(id))
        .set((threads::title.eq(title), threads::title_locked.eq(true)))
        .execute(conn)
        .map(|n| n > 0)
}

pub fn set_closed(conn: &mut DbConn, site: &str, page: &str, closed: bool) -> QueryResult<usize> {
    diesel::update(
        threads::table
            .filter(threads::site.eq(site))
            .filter(threads::page.eq(page)),
    )
    .set(threads::closed.eq(closed))
    .execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Thread>> {
    threads::table
        .find(id)
        .select(Thread::as_select())
        .first(conn)
        .optional()
}

/// The pages of `from` that `to` has a thread for too (a move would collide).
pub fn pages_on_both(conn: &mut DbConn, from: &str, to: &str) -> QueryResult<Vec<String>> {
    let pages = |conn: &mut DbConn, site: &str| -> QueryResult<Vec<String>> {
        threads::table
            .filter(threads::site.eq(site))
            .select(threads::page)
            .order(threads::page.asc())
            .load(conn)
    };
    let theirs: std::collections::HashSet<String> = pages(conn, to)?.into_iter().collect();
    Ok(pages(conn, from)?
        .into_iter()
        .filter(|p| theirs.contains(p))
        .collect())
}

/// Gives thread `id` another page (its page moved); its title and state stay.
pub fn set_page(conn: &mut DbConn, id: i64, page: &str) -> QueryResult<usize> {
    diesel::update(threads::table.find(id))
        .set(threads::page.eq(page))
        .execute(conn)
}

/// Comments of thread `id`, whatever their status.
pub fn count_comments(conn: &mut DbConn, id: i64) -> QueryResult<i64> {
    use crate::db::schema::comments;
    comments::table
        .filter(comments::thread_id.eq(id))
        .count()
        .get_result(conn)
}

/// Moves every thread of `from` to `to`; returns how many moved.
pub fn move_site(conn: &mut DbConn, from: &str, to: &str) -> QueryResult<usize> {
    diesel::update(threads::table.filter(threads::site.eq(from)))
        .set(threads::site.eq(to))
        .execute(conn)
}

/// Threads per site, for `causerie move-site` and the start-up upgrade.
pub fn count_on_site(conn: &mut DbConn, site: &str) -> QueryResult<i64> {
    threads::table
        .filter(threads::site.eq(site))
        .count()
        .get_result(conn)
}

/// Puts the comments and unsubscriptions of thread `from` into thread `into`, then
/// deletes `from` (a move onto a page that has a thread already). `into` keeps its
/// title; when it has none yet (no published comment gave one), it takes `from`'s,
/// locked if a moderator had named `from`, so a merge never leaves a page untitled
/// that had a public title. Returns whether `into` took `from`'s title.
pub fn merge_into(conn: &mut DbConn, from: i64, into: i64) -> QueryResult<bool> {
    use crate::db::schema::{comments, unsubscribed};
    let (title, locked): (String, bool) = threads::table
        .find(from)
        .select((threads::title, threads::title_locked))
        .first(conn)?;
    let took_title = !title.is_empty()
        && diesel::update(
            threads::table
                .find(into)
                .filter(threads::title.eq(""))
                .filter(threads::title_locked.eq(false)),
        )
        .set((threads::title.eq(&title), threads::title_locked.eq(locked)))
        .execute(conn)?
            == 1;
    diesel::update(comments::table.filter(comments::thread_id.eq(from)))
        .set(comments::thread_id.eq(into))
        .execute(conn)?;
    diesel::update(unsubscribed::table.filter(unsubscribed::thread_id.eq(Some(from))))
        .set(unsubscribed::thread_id.eq(Some(into)))
        .execute(conn)?;
    diesel::delete(threads::table.find(from)).execute(conn)?;
    Ok(took_title)
}
