//! Any bytes given as a Disqus export: the parser never panics, and a file it
//! refuses is refused with a line a person can look at.
#![no_main]

use causerie::import::{disqus, Collect, Position, ReadError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    match disqus::read(data, &mut sink) {
        Ok(()) => {}
        Err(ReadError::Parse(error)) => match error.position {
            Position::Line(line) => {
                // Lines end at LF, CRLF or a lone CR, as in XML.
                let ends = data
                    .iter()
                    .enumerate()
                    .filter(|&(i, &b)| {
                        b == b'\r' || (b == b'\n' && (i == 0 || data[i - 1] != b'\r'))
                    })
                    .count();
                let lines = ends as u64 + 1;
                assert!(
                    (1..=lines).contains(&line),
                    "{error} in a file of {lines} lines"
                );
            }
            position => panic!("{error}: not a line but {position:?}"),
        },
        Err(ReadError::Sink(error)) => panic!("Collect refused: {error}"),
    }
});
