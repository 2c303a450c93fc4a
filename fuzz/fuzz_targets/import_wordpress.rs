//! Any bytes as a WordPress export: the parser never panics, and whatever it pushes
//! keeps the sink's contract (a comment's thread was pushed before it).
#![no_main]

use causerie::import::{wordpress, Collect, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    match wordpress::read(data, &mut sink) {
        Ok(()) | Err(ReadError::Parse(_)) => {}
        Err(ReadError::Sink(e)) => panic!("Collect never refuses: {e}"),
    }
    for comment in &sink.comments {
        assert!(
            sink.threads.iter().any(|t| t.key == comment.thread),
            "comment {} before its thread {}",
            comment.id,
            comment.thread
        );
    }
});
