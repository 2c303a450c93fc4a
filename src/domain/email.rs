use validator::ValidateEmail;

use super::{required, EMAIL_MAX};
use crate::i18n::Msg;

/// The commenter's email: required, valid, at most 100 bytes. Private: it is never
/// serialized into a public response (the type has no `Serialize`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorEmail(String);

impl AuthorEmail {
    pub fn parse(s: &str) -> Result<AuthorEmail, Msg> {
        let t = required(s, EMAIL_MAX)?;
        if !t.validate_email() {
            return Err(Msg::InvalidEmail);
        }
        Ok(AuthorEmail(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form compared across comments: `Camille@Example.org` and
    /// `camille@example.org` are one commenter.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert!(AuthorEmail::parse("camille.dupont@example.fr").is_ok());
        assert!(AuthorEmail::parse(" x+tag@sub.example.org ").is_ok());
    }

    #[test]
    fn rejects_invalid_addresses() {
        for bad in ["camille", "a@", "@b.org", "a b@c.org", "a@b@c.org"] {
            assert_eq!(AuthorEmail::parse(bad), Err(Msg::InvalidEmail), "{bad}");
        }
        assert_eq!(AuthorEmail::parse(""), Err(Msg::Required));
        let long = format!("{}@example.org", "a".repeat(90));
        assert_eq!(AuthorEmail::parse(&long), Err(Msg::TooLong { max: 100 }));
    }
}
