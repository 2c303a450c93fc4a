//! Time as the database stores it: instants are whole seconds since the Unix epoch
//! (`i64`, see `db::now`); every duration is a `std::time::Duration`, written with
//! the constructors below and turned into the database's unit by `secs` where it
//! meets an instant.

use std::time::Duration;

pub const fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

pub const fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

pub const fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// A duration in the database's unit, whole seconds (saturating).
pub const fn secs(d: Duration) -> i64 {
    let s = d.as_secs();
    if s > i64::MAX as u64 {
        i64::MAX
    } else {
        s as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_meet_instants_in_whole_seconds() {
        assert_eq!(secs(minutes(15)), 900);
        assert_eq!(secs(hours(6)), 21_600);
        assert_eq!(secs(days(30)), 2_592_000);
        assert_eq!(secs(Duration::from_millis(1_999)), 1);
        assert_eq!(secs(Duration::MAX), i64::MAX);
    }
}
