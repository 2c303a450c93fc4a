//! Any bytes as a Commento export, read in its two passes: the parser never panics,
//! a refusal names a line or a record, every comment's thread was pushed, and the
//! Markdown it read renders.
#![no_main]

use std::collections::HashSet;

use causerie::import::{commento, markdown, Collect, Markup, Position, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    match commento::read_from(|| Ok(data), &mut sink) {
        Ok(()) => {}
        Err(ReadError::Parse(error)) => assert!(
            matches!(error.position, Position::Line(n) | Position::Record(n) if n >= 1),
            "{error}"
        ),
        Err(ReadError::Sink(error)) => panic!("Collect refused: {error}"),
    }
    let threads: HashSet<&str> = sink.threads.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(threads.len(), sink.threads.len(), "a thread pushed twice");
    for comment in &sink.comments {
        assert!(
            threads.contains(comment.thread.as_str()),
            "no thread for {comment:?}"
        );
        if comment.markup == Markup::Markdown {
            causerie::sanitize::sanitize(&markdown::to_html(&comment.text));
        }
    }
});
