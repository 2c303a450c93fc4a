//! `causerie import FORMAT FILE` (SPEC section 11): each format's parser reads the
//! file into [`source`] records; the importer turns them into threads and comments.

pub mod causerie;
pub mod commento;
pub mod disqus;
mod engine;
pub mod isso;
pub mod markdown;
pub mod remark42;
pub mod source;
pub mod wordpress;

pub use engine::{parse_map, run, ImportError, Options, Summary};

pub use source::{
    Collect, Format, Kind, Markup, ParseError, Position, ReadError, Sink, SourceComment,
    SourceThread, SourceUnsubscription,
};

use std::path::Path;

/// Reads `path` as `format` into `sink`. `wrap` is given the file as it is opened
/// (a progress bar counts its bytes); formats read from a path rather than a stream
/// (Isso's database, Commento's two passes) are not wrapped.
pub fn read_file(
    format: Format,
    path: &Path,
    sink: &mut dyn Sink,
    wrap: impl FnOnce(std::fs::File) -> Box<dyn std::io::Read>,
) -> Result<(), ReadError> {
    let stream = || -> Result<Box<dyn std::io::BufRead>, ReadError> {
        let file = std::fs::File::open(path).map_err(|e| cannot(path, "open", e))?;
        source::maybe_gunzip(wrap(file)).map_err(|e| cannot(path, "read", e))
    };
    match format {
        Format::Wordpress => wordpress::read(stream()?, sink),
        Format::Disqus => disqus::read(stream()?, sink),
        Format::Remark42 => remark42::read(stream()?, sink),
        Format::Causerie => causerie::read(stream()?, sink),
        // Not streams: a database, and a file read twice.
        Format::Isso => isso::read_path(path, sink),
        Format::Commento => commento::read_path(path, sink),
    }
}

fn cannot(path: &Path, what: &str, e: std::io::Error) -> ReadError {
    ReadError::Parse(ParseError::new(
        Position::Unknown,
        format!("cannot {what} {}: {e}", path.display()),
    ))
}
