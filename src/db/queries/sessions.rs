use diesel::prelude::*;

use crate::db::schema::{moderators, sessions};
use crate::db::DbConn;

/// A live session as the admin pages need it.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub moderator_id: i64,
    pub name: String,
    pub csrf_token: String,
    pub last_seen_at: i64,
}

pub fn insert(
    conn: &mut DbConn,
    token_hash: &str,
    moderator_id: i64,
    csrf: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::moderator_id.eq(moderator_id),
            sessions::csrf_token.eq(csrf),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .inner_join(moderators::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            sessions::moderator_id,
            moderators::name,
            sessions::csrf_token,
            sessions::last_seen_at,
        ))
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, token_hash: &str, now: i64) -> QueryResult<()> {
    diesel::update(sessions::table.find(token_hash))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(drop)
}

pub fn delete(conn: &mut DbConn, token_hash: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(token_hash))
        .execute(conn)
        .map(drop)
}

/// Ends every session of a moderator (after a password change).
pub fn delete_for_moderator(conn: &mut DbConn, moderator_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::moderator_id.eq(moderator_id))).execute(conn)
}

pub fn purge_idle(conn: &mut DbConn, seen_before: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::last_seen_at.lt(seen_before))).execute(conn)
}
