use url::Url;
use validator::ValidateUrl;

use super::WEBSITE_MAX;
use crate::i18n::Msg;

/// The commenter's site: optional, an absolute `http(s)` URL of at most 200 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    /// A blank value is no website; anything else must be a real web address.
    pub fn parse(s: &str) -> Result<Option<Website>, Msg> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.len() > WEBSITE_MAX {
            return Err(Msg::TooLong { max: WEBSITE_MAX });
        }
        if !t.validate_url() {
            return Err(Msg::InvalidWebsite);
        }
        let url = Url::parse(t).map_err(|_| Msg::InvalidWebsite)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(Msg::InvalidWebsite);
        }
        // Credentials in a public link would publish them.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Msg::InvalidWebsite);
        }
        Ok(Some(Website(url.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_no_website() {
        assert_eq!(Website::parse("  "), Ok(None));
    }

    #[test]
    fn accepts_http_and_https() {
        let w = Website::parse("https://blog.example.fr/a?b=1")
            .unwrap()
            .unwrap();
        assert_eq!(w.as_str(), "https://blog.example.fr/a?b=1");
        assert!(Website::parse("http://example.org").unwrap().is_some());
    }

    #[test]
    fn rejects_other_schemes_and_relative_urls() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://example.org",
            "example.org",
            "/relative",
            "http://user:pw@example.org",
        ] {
            assert_eq!(Website::parse(bad), Err(Msg::InvalidWebsite), "{bad}");
        }
    }
}
