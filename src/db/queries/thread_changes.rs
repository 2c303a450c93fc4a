use diesel::prelude::*;

use crate::db::schema::thread_changes;
use crate::db::DbConn;
use crate::domain::ThreadKey;

/// Changes recorded after `after_id`, and those of `gaps`: ids skipped over earlier
/// because, on PostgreSQL, a transaction may commit after one that took a higher id.
/// Two queries rather than one with OR, which SQLite would answer by reading the
/// whole table instead of a range of its key.
pub fn since(conn: &mut DbConn, after_id: i64, gaps: &[i64]) -> QueryResult<Vec<(i64, ThreadKey)>> {
    let columns = (
        thread_changes::id,
        thread_changes::site,
        thread_changes::page,
    );
    let mut found: Vec<(i64, String, String)> = thread_changes::table
        .filter(thread_changes::id.gt(after_id))
        .order(thread_changes::id.asc())
        .select(columns)
        .load(conn)?;
    if !gaps.is_empty() {
        let late: Vec<(i64, String, String)> = thread_changes::table
            .filter(thread_changes::id.eq_any(gaps))
            .select(columns)
            .load(conn)?;
        found.extend(late);
    }
    Ok(found
        .into_iter()
        .map(|(id, site, page)| (id, ThreadKey { site, page }))
        .collect())
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
