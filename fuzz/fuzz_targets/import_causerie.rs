//! Any bytes given to `causerie import causerie`: the parser never panics, and
//! whatever it pushes before it stops is well formed (ids it keeps are positive).
#![no_main]

use causerie::import::{causerie::read, Collect, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    match read(data, &mut sink) {
        Ok(()) | Err(ReadError::Parse(_)) => {}
        Err(ReadError::Sink(e)) => panic!("Collect refuses nothing, yet: {e}"),
    }
    for t in &sink.threads {
        assert!(t.id.is_some_and(|id| id > 0), "{t:?}");
    }
    for c in &sink.comments {
        assert!(c.keep_id.is_some_and(|id| id > 0), "{c:?}");
        assert_ne!(c.parent.as_deref(), Some(c.id.as_str()), "{c:?}");
    }
});
