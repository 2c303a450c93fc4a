use diesel::prelude::*;

use crate::db::models::{NewThread, Thread};
use crate::db::schema::threads;
use crate::db::DbConn;

pub fn find_by_page(conn: &mut DbConn, page: &str) -> QueryResult<Option<Thread>> {
    threads::table
        .filter(threads::page.eq(page))
        .select(Thread::as_select())
        .first(conn)
        .optional()
}

/// The thread of `page`, created with `title` if this is its first comment. Two
/// first comments at once (two instances on PostgreSQL) make one thread: the second
/// INSERT waits for the first and, the page being unique, does nothing; the SELECT
/// after it then sees the thread committed by the first.
pub fn find_or_create(conn: &mut DbConn, page: &str, title: &str, now: i64) -> QueryResult<Thread> {
    if let Some(t) = find_by_page(conn, page)? {
        return Ok(t);
    }
    let row = NewThread {
        page,
        title,
        closed: false,
        created_at: now,
    };
    crate::per_backend!(conn, |c| diesel::insert_into(threads::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    threads::table
        .filter(threads::page.eq(page))
        .select(Thread::as_select())
        .first(conn)
}

pub fn set_closed(conn: &mut DbConn, page: &str, closed: bool) -> QueryResult<usize> {
    diesel::update(threads::table.filter(threads::page.eq(page)))
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
