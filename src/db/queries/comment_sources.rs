//! Where imported comments came from (`causerie import`).

use diesel::prelude::*;

use crate::db::schema::comment_sources;
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_sources)]
pub struct CommentSource {
    pub format: String,
    pub site: String,
    pub source_id: String,
    pub comment_id: i64,
    pub imported_at: i64,
}

/// The comment imported from `source_id` of `format` into `site`, if any.
pub fn find(
    conn: &mut DbConn,
    format: &str,
    site: &str,
    source_id: &str,
) -> QueryResult<Option<i64>> {
    comment_sources::table
        .filter(comment_sources::format.eq(format))
        .filter(comment_sources::site.eq(site))
        .filter(comment_sources::source_id.eq(source_id))
        .select(comment_sources::comment_id)
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &CommentSource) -> QueryResult<usize> {
    diesel::insert_into(comment_sources::table)
        .values(row)
        .execute(conn)
}

/// The sources of comment `id`, as (format, source id).
pub fn of_comment(conn: &mut DbConn, id: i64) -> QueryResult<Vec<(String, String)>> {
    comment_sources::table
        .filter(comment_sources::comment_id.eq(id))
        .order((
            comment_sources::format.asc(),
            comment_sources::source_id.asc(),
        ))
        .select((comment_sources::format, comment_sources::source_id))
        .load(conn)
}

/// Forgets where comments `ids` came from (their erasure).
pub fn forget(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(comment_sources::table.filter(comment_sources::comment_id.eq_any(ids)))
        .execute(conn)
}
