//! Addresses that asked for no more reply notifications, for one thread or for all.

use diesel::prelude::*;

use crate::db::schema::{comments, threads, unsubscribed};
use crate::db::DbConn;

/// Whether `email` turned notifications off for `thread_id` or for everything.
pub fn is_unsubscribed(conn: &mut DbConn, email: &str, thread_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        unsubscribed::table
            .filter(unsubscribed::email.eq(email))
            .filter(
                unsubscribed::thread_id
                    .is_null()
                    .or(unsubscribed::thread_id.eq(thread_id)),
            ),
    ))
    .get_result(conn)
}

/// Forgets `email`'s unsubscriptions from the threads of `site`, and those from
/// every thread once no comment of the address is left anywhere (its erasure).
pub fn forget(conn: &mut DbConn, email: &str, site: &str) -> QueryResult<()> {
    let threads_of_site = threads::table
        .filter(threads::site.eq(site))
        .select(threads::id.nullable());
    diesel::delete(
        unsubscribed::table
            .filter(unsubscribed::email.eq(email))
            .filter(unsubscribed::thread_id.eq_any(threads_of_site)),
    )
    .execute(conn)?;
    let elsewhere: bool = diesel::select(diesel::dsl::exists(
        comments::table.filter(comments::email.eq(email)),
    ))
    .get_result(conn)?;
    if !elsewhere {
        diesel::delete(unsubscribed::table.filter(unsubscribed::email.eq(email))).execute(conn)?;
    }
    Ok(())
}

/// Records the wish (once) and unticks "notify me" on the address's comments in the
/// thread, or everywhere when `thread_id` is `None`.
pub fn add(conn: &mut DbConn, email: &str, thread_id: Option<i64>, now: i64) -> QueryResult<()> {
    let already: bool = match thread_id {
        Some(t) => diesel::select(diesel::dsl::exists(
            unsubscribed::table
                .filter(unsubscribed::email.eq(email))
                .filter(unsubscribed::thread_id.eq(t)),
        ))
        .get_result(conn)?,
        None => diesel::select(diesel::dsl::exists(
            unsubscribed::table
                .filter(unsubscribed::email.eq(email))
                .filter(unsubscribed::thread_id.is_null()),
        ))
        .get_result(conn)?,
    };
    if !already {
        diesel::insert_into(unsubscribed::table)
            .values((
                unsubscribed::email.eq(email),
                unsubscribed::thread_id.eq(thread_id),
                unsubscribed::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    // What still waits to tell them of replies is not sent either.
    crate::db::queries::outbox::withdraw_replies_to(conn, email, thread_id)?;
    let mine = comments::table
        .filter(comments::email.eq(email))
        .filter(comments::notify_replies.eq(true));
    match thread_id {
        Some(t) => diesel::update(mine.filter(comments::thread_id.eq(t)))
            .set(comments::notify_replies.eq(false))
            .execute(conn)?,
        None => diesel::update(mine)
            .set(comments::notify_replies.eq(false))
            .execute(conn)?,
    };
    Ok(())
}
