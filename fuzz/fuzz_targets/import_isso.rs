//! Any bytes as an Isso database file. SQLite itself is fuzzed by its authors; what
//! this exercises is ours on a damaged or foreign database (seeded with a real one):
//! reading the schema, checking the values SQLite hands back whatever their type,
//! the batches. It never panics, and every comment's thread was pushed.
#![no_main]

use std::collections::HashSet;

use causerie::import::{isso, Collect, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One file per fuzzing process, rewritten for each input.
    let path =
        std::env::temp_dir().join(format!("causerie-fuzz-isso-{}.sqlite", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let mut sink = Collect::default();
    if let Err(ReadError::Sink(error)) = isso::read_path(&path, &mut sink) {
        panic!("Collect refused: {error}");
    }
    let threads: HashSet<&str> = sink.threads.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(threads.len(), sink.threads.len(), "a thread pushed twice");
    for comment in &sink.comments {
        assert!(
            threads.contains(comment.thread.as_str()),
            "no thread for {comment:?}"
        );
    }
});
