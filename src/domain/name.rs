use super::{required, strip_controls, AUTHOR_MAX};
use crate::i18n::Msg;

/// The commenter's display name: required, at most 245 bytes, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    pub fn parse(s: &str) -> Result<AuthorName, Msg> {
        let t = required(s, AUTHOR_MAX)?;
        Ok(AuthorName(strip_controls(t)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_blank_and_too_long_names() {
        assert_eq!(AuthorName::parse("   "), Err(Msg::Required));
        assert_eq!(
            AuthorName::parse(&"é".repeat(123)),
            Err(Msg::TooLong { max: 245 })
        );
        assert!(AuthorName::parse(&"é".repeat(122)).is_ok());
    }

    #[test]
    fn turns_newlines_into_spaces() {
        assert_eq!(AuthorName::parse("a\r\nb").unwrap().as_str(), "a  b");
    }
}
