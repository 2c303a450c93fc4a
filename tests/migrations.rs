//! SQLite and PostgreSQL are migrated in step: both folders hold the same versions,
//! each with its `up.sql` and `down.sql`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn migrations_dir(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = migrations_dir(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations");
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in sqlite: {only_sqlite:?}; only in postgres: {only_postgres:?}"
    );
}

#[test]
fn every_migration_has_a_non_empty_up_and_down() {
    for backend in ["sqlite", "postgres"] {
        for version in versions(backend) {
            for file in ["up.sql", "down.sql"] {
                let path = migrations_dir(backend).join(&version).join(file);
                let sql = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!sql.trim().is_empty(), "{} is empty", path.display());
            }
        }
    }
}

/// Diesel orders migrations by the version before the first `_`: digits and dashes.
#[test]
fn migration_folders_are_named_version_then_name() {
    for backend in ["sqlite", "postgres"] {
        for version in versions(backend) {
            let (stamp, name) = version
                .split_once('_')
                .unwrap_or_else(|| panic!("{backend}/{version}: no `_name`"));
            assert!(
                stamp.chars().any(|c| c.is_ascii_digit())
                    && stamp.chars().all(|c| c.is_ascii_digit() || c == '-'),
                "{backend}/{version}: the version is not digits and dashes"
            );
            assert!(!name.is_empty(), "{backend}/{version}");
        }
    }
}
