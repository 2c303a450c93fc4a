use diesel::prelude::*;

use crate::db::schema::instance_settings;
use crate::db::DbConn;

/// Stores `value` under `name` unless a value is there already; returns the one kept,
/// so that two instances starting at once agree on a single value.
pub fn get_or_insert(conn: &mut DbConn, name: &str, value: &str) -> QueryResult<String> {
    crate::per_backend!(conn, |c| diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::name.eq(name),
            instance_settings::value.eq(value),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    instance_settings::table
        .filter(instance_settings::name.eq(name))
        .select(instance_settings::value)
        .first(conn)
}
