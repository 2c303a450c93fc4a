//! `causerie import FORMAT FILE` (SPEC section 11): each format's parser reads the
//! file into [`source`] records; the importer turns them into threads and comments.

pub mod causerie;
pub mod source;

pub use source::{
    Collect, Format, Kind, Markup, ParseError, Position, ReadError, Sink, SourceComment,
    SourceThread,
};
