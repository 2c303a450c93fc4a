use super::{required, BODY_MAX};
use crate::i18n::Msg;

/// The comment's text as the reader typed it (raw, unsanitized): required, at most
/// 65,525 bytes. The sanitized HTML is derived from it when the comment is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub fn parse(s: &str) -> Result<CommentBody, Msg> {
        let t = required(s, BODY_MAX)?;
        Ok(CommentBody(t.replace("\r\n", "\n")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limit_counts_bytes() {
        assert!(CommentBody::parse(&"a".repeat(BODY_MAX)).is_ok());
        assert_eq!(
            CommentBody::parse(&"a".repeat(BODY_MAX + 1)),
            Err(Msg::TooLong { max: BODY_MAX })
        );
        assert_eq!(CommentBody::parse("\n \t"), Err(Msg::Required));
    }
}
