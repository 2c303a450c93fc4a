use diesel::prelude::*;

use crate::db::models::Moderator;
use crate::db::schema::{moderator_sites, moderators};
use crate::db::DbConn;

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    moderators::table.count().get_result(conn)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Moderator>> {
    moderators::table
        .order(moderators::name.asc())
        .select(Moderator::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, name: &str) -> QueryResult<Option<Moderator>> {
    moderators::table
        .filter(moderators::name.eq(name))
        .select(Moderator::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, name: &str, password_hash: &str, now: i64) -> QueryResult<()> {
    diesel::insert_into(moderators::table)
        .values((
            moderators::name.eq(name),
            moderators::password_hash.eq(password_hash),
            moderators::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Adds the moderator unless one has the name already (another instance starting at
/// the same moment); returns whether this call added it.
pub fn insert_if_absent(
    conn: &mut DbConn,
    name: &str,
    password_hash: &str,
    now: i64,
) -> QueryResult<bool> {
    crate::per_backend!(conn, |c| diesel::insert_into(moderators::table)
        .values((
            moderators::name.eq(name),
            moderators::password_hash.eq(password_hash),
            moderators::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n == 1)
}

/// Returns whether the moderator existed.
pub fn set_password(conn: &mut DbConn, name: &str, password_hash: &str) -> QueryResult<bool> {
    diesel::update(moderators::table.filter(moderators::name.eq(name)))
        .set(moderators::password_hash.eq(password_hash))
        .execute(conn)
        .map(|n| n > 0)
}

/// The sites `moderator_id` is limited to; empty: every site.
pub fn sites(conn: &mut DbConn, moderator_id: i64) -> QueryResult<Vec<String>> {
    moderator_sites::table
        .filter(moderator_sites::moderator_id.eq(moderator_id))
        .order(moderator_sites::site.asc())
        .select(moderator_sites::site)
        .load(conn)
}

/// Limits `moderator_id` to `sites` (none: every site), replacing what was there.
pub fn set_sites(conn: &mut DbConn, moderator_id: i64, sites: &[String]) -> QueryResult<()> {
    diesel::delete(moderator_sites::table.filter(moderator_sites::moderator_id.eq(moderator_id)))
        .execute(conn)?;
    let rows: Vec<_> = sites
        .iter()
        .map(|site| {
            (
                moderator_sites::moderator_id.eq(moderator_id),
                moderator_sites::site.eq(site),
            )
        })
        .collect();
    // A multi-row INSERT is compiled per backend (diesel's multi-backend has none).
    crate::per_backend!(conn, |c| diesel::insert_into(moderator_sites::table)
        .values(&rows)
        .execute(c))
    .map(drop)
}
