use percent_encoding::percent_decode_str;

use crate::i18n::Msg;

const PAGE_MAX: usize = 1024;

/// A page's identity: its URL path without query or fragment, `/a` and `/a/` the same,
/// percent-encoding decoded so that `/caf%C3%A9` and `/café` are one page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey(String);

impl PageKey {
    pub fn parse(s: &str) -> Result<PageKey, Msg> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Msg::Required);
        }
        // A full URL is accepted for its path: site owners paste those.
        let path = if s.starts_with("http://") || s.starts_with("https://") {
            url::Url::parse(s)
                .map_err(|_| Msg::InvalidPage)?
                .path()
                .to_owned()
        } else {
            s.to_owned()
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let decoded = percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| Msg::InvalidPage)?;
        if !decoded.starts_with('/')
            || decoded.starts_with("//")
            || decoded.len() > PAGE_MAX
            || decoded.chars().any(char::is_control)
        {
            return Err(Msg::InvalidPage);
        }
        let trimmed = decoded.trim_end_matches('/');
        Ok(PageKey(if trimmed.is_empty() {
            "/".to_owned()
        } else {
            trimmed.to_owned()
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        PageKey::parse(s).unwrap().0
    }

    #[test]
    fn trailing_slash_query_and_fragment_do_not_matter() {
        assert_eq!(key("/a"), "/a");
        assert_eq!(key("/a/"), "/a");
        assert_eq!(key("/a/?utm=1#c3"), "/a");
        assert_eq!(key("/"), "/");
        assert_eq!(key("https://blog.example.fr/a/b/"), "/a/b");
    }

    #[test]
    fn percent_encoding_is_decoded() {
        assert_eq!(key("/caf%C3%A9"), "/café");
        assert_eq!(key("/café"), "/café");
    }

    #[test]
    fn absurd_keys_are_refused() {
        for bad in ["a", "//evil.example", "/a%00b", "/a\nb", "/%FF"] {
            assert_eq!(PageKey::parse(bad), Err(Msg::InvalidPage), "{bad:?}");
        }
        assert_eq!(
            PageKey::parse(&format!("/{}", "a".repeat(1024))),
            Err(Msg::InvalidPage)
        );
        assert_eq!(PageKey::parse(""), Err(Msg::Required));
    }
}
