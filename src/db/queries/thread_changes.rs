use diesel::prelude::*;

use crate::db::schema::thread_changes;
use crate::db::DbConn;

/// Changes recorded after `after_id`, and those of `gaps`: ids skipped over earlier
/// because, on PostgreSQL, a transaction may commit after one that took a higher id.
pub fn since(conn: &mut DbConn, after_id: i64, gaps: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    thread_changes::table
        .filter(
            thread_changes::id
                .gt(after_id)
                .or(thread_changes::id.eq_any(gaps)),
        )
        .order(thread_changes::id.asc())
        .select((thread_changes::id, thread_changes::page))
        .load(conn)
}

/// The latest change recorded (0 if none): where a new instance starts reading.
pub fn latest(conn: &mut DbConn) -> QueryResult<i64> {
    thread_changes::table
        .select(diesel::dsl::max(thread_changes::id))
        .first::<Option<i64>>(conn)
        .map(|id| id.unwrap_or(0))
}

/// Forgets changes older than `before`: every instance has long read them.
pub fn purge(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(thread_changes::table.filter(thread_changes::at.lt(before))).execute(conn)
}
