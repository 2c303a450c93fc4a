//! What several test crates share: the SMTP sink (`smtp`), throwaway PostgreSQL
//! databases (`postgres`), the binary run as a child (`process`) and a logged-in
//! moderator (`moderator`). Each crate uses part of it.
#![allow(dead_code)]

pub mod moderator;
pub mod postgres;
pub mod process;
pub mod smtp;

/// Says that a test was skipped and why, past the test harness's capture (which keeps
/// a passing test's `eprintln!` to itself), so that `cargo test` shows it.
pub fn say_skipped(message: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// The `value` of the form input named `name` in an HTML page (a CSRF or form
/// token, typically).
pub fn input_value(html: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no input {name} in {html}"))
        .to_owned()
}
