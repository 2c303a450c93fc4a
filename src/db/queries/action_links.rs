use diesel::prelude::*;

use crate::db::schema::action_links;
use crate::db::DbConn;
use crate::domain::Action;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = action_links)]
pub struct ActionLink {
    pub token_hash: String,
    pub comment_id: i64,
    pub action: Action,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert(
    conn: &mut DbConn,
    token_hash: &str,
    comment_id: i64,
    action: Action,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(action_links::table)
        .values((
            action_links::token_hash.eq(token_hash),
            action_links::comment_id.eq(comment_id),
            action_links::action.eq(action),
            action_links::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<ActionLink>> {
    action_links::table
        .find(token_hash)
        .select(ActionLink::as_select())
        .first(conn)
        .optional()
}

/// Marks the link used unless it already was; returns whether this call did. The
/// condition in the UPDATE makes "single use" hold even for two clicks at once.
pub fn claim(conn: &mut DbConn, token_hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        action_links::table
            .filter(action_links::token_hash.eq(token_hash))
            .filter(action_links::used_at.is_null()),
    )
    .set(action_links::used_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Every link of a comment stops working once one of them has been used.
pub fn retire_for_comment(conn: &mut DbConn, comment_id: i64, now: i64) -> QueryResult<usize> {
    diesel::update(
        action_links::table
            .filter(action_links::comment_id.eq(comment_id))
            .filter(action_links::used_at.is_null()),
    )
    .set(action_links::used_at.eq(Some(now)))
    .execute(conn)
}

pub fn purge_expired(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::delete(action_links::table.filter(action_links::expires_at.lt(now))).execute(conn)
}
