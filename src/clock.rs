//! Time as the database stores it: instants are whole seconds since the Unix epoch
//! (`i64`, see `db::now`), durations are `std::time::Duration` (what the
//! configuration holds).

use std::time::Duration;

/// A duration in the database's unit, whole seconds (saturating).
pub fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
