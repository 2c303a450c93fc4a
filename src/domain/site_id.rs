use std::fmt;

/// A site's id, as `[[sites]]` names it and requests ask for it (`?site=`):
/// `[a-z0-9-]{1,40}` (SPEC section 10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(String);

/// The one site of an instance without `[[sites]]`, and of every thread stored
/// before sites existed.
pub const DEFAULT_SITE: &str = "default";

impl SiteId {
    /// `None` unless `s` is 1 to 40 lowercase ASCII letters, digits or hyphens.
    pub fn parse(s: &str) -> Option<SiteId> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| SiteId(s.to_owned()))
    }

    pub fn default_site() -> SiteId {
        SiteId(DEFAULT_SITE.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_lowercase_words() {
        for ok in ["blog", "notes-2", "a", &"x".repeat(40)] {
            assert!(SiteId::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "Blog",
            "le blog",
            "blog_fr",
            "é",
            &"x".repeat(41),
            "../x",
        ] {
            assert!(SiteId::parse(bad).is_none(), "{bad}");
        }
    }
}
