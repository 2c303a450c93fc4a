//! Requests for one's data (`POST /api/v1/my-data`): one row per request, the link's
//! id, and what its rate limits count.

use diesel::prelude::*;

use crate::db::schema::data_requests;
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = data_requests)]
pub struct DataRequest {
    pub id: i64,
    pub site: String,
    /// An HMAC of the normalized address.
    pub email_key: String,
    pub block: String,
    /// The address, only when it had commented on the site when asked.
    pub email: Option<String>,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert(
    conn: &mut DbConn,
    site: &str,
    email_key: &str,
    block: &str,
    email: Option<&str>,
    now: i64,
) -> QueryResult<i64> {
    let values = (
        data_requests::site.eq(site),
        data_requests::email_key.eq(email_key),
        data_requests::block.eq(block),
        data_requests::email.eq(email),
        data_requests::created_at.eq(now),
    );
    crate::per_backend!(conn, |c| diesel::insert_into(data_requests::table)
        .values(values)
        .returning(data_requests::id)
        .get_result(c))
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<DataRequest>> {
    data_requests::table
        .find(id)
        .select(DataRequest::as_select())
        .first(conn)
        .optional()
}

pub fn count_for_key(conn: &mut DbConn, email_key: &str, since: i64) -> QueryResult<i64> {
    data_requests::table
        .filter(data_requests::email_key.eq(email_key))
        .filter(data_requests::created_at.gt(since))
        .count()
        .get_result(conn)
}

pub fn count_for_block(conn: &mut DbConn, block: &str, since: i64) -> QueryResult<i64> {
    data_requests::table
        .filter(data_requests::block.eq(block))
        .filter(data_requests::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Uses up every link of the address on the site, and forgets the address in them
/// (its erasure); returns whether request `id` was still unused.
pub fn use_up(conn: &mut DbConn, id: i64, site: &str, email: &str, now: i64) -> QueryResult<bool> {
    let first = diesel::update(
        data_requests::table
            .find(id)
            .filter(data_requests::used_at.is_null()),
    )
    .set(data_requests::used_at.eq(Some(now)))
    .execute(conn)?
        == 1;
    diesel::update(
        data_requests::table
            .filter(data_requests::site.eq(site))
            .filter(data_requests::email.eq(email)),
    )
    .set((
        data_requests::email.eq(None::<String>),
        data_requests::used_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(first)
}

/// Forgets requests older than `before` (their links expired long ago).
pub fn purge(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(data_requests::table.filter(data_requests::created_at.lt(before))).execute(conn)
}

/// Every request after `after_id`, by id (migrate-data).
pub fn after(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<DataRequest>> {
    data_requests::table
        .filter(data_requests::id.gt(after_id))
        .order(data_requests::id.asc())
        .limit(limit)
        .select(DataRequest::as_select())
        .load(conn)
}
