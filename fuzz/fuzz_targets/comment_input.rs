//! Any request body the comment API could receive: parsing never panics, and what
//! it accepts holds the invariants the rest of the code relies on.
#![no_main]

use causerie::domain::{PageKey, AUTHOR_MAX, BODY_MAX, EMAIL_MAX, WEBSITE_MAX};
use causerie::routes::api::parse_comment;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // Read by the API's own parser: a JSON object of fields. What it refuses names at
    // least one field; what it accepts holds the invariants the rest relies on.
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(data) {
        match parse_comment(&obj) {
            Err(fields) => assert!(!fields.is_empty(), "a refusal that names no field"),
            Ok(c) => {
                assert!(
                    !c.author.as_str().trim().is_empty() && c.author.as_str().len() <= AUTHOR_MAX
                );
                assert!(!c.author.as_str().chars().any(char::is_control));
                assert!(c.email.as_str().contains('@') && c.email.as_str().len() <= EMAIL_MAX);
                assert!(c.body.as_str().len() <= BODY_MAX);
                if let Some(w) = &c.website {
                    assert!(
                        w.as_str().starts_with("http://") || w.as_str().starts_with("https://")
                    );
                    assert!(
                        w.as_str().len() <= WEBSITE_MAX * 2,
                        "normalized URL grew past reason"
                    );
                }
            }
        }
    }
    // And as a page key, which comes from query strings as well.
    let raw = String::from_utf8_lossy(data);
    if let Ok(key) = PageKey::parse(&raw) {
        let k = key.as_str();
        assert!(k.starts_with('/') && !k.starts_with("//"));
        assert!(k == "/" || !k.ends_with('/'));
        assert!(k.len() <= 1024 && !k.chars().any(char::is_control));
    }
});
