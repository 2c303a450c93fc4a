//! Markdown (Isso, Remark42, Commento) to HTML, which the sanitizer then reduces to
//! the whitelist.

use pulldown_cmark::{html, Options, Parser};

pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    html::push_html(
        &mut out,
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH),
    );
    out
}
