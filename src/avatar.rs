//! Identicons drawn by Causerie itself, so that no avatar request ever leaves for a
//! third party. The key is the HMAC of the commenter's email (see `crypto`); the
//! picture is a symmetric 5×5 pattern in one colour derived from the key.

/// A key as the URL carries it: 32 lowercase hex digits.
pub fn is_valid_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The SVG for a valid key (see [`is_valid_key`]).
pub fn identicon_svg(key: &str) -> String {
    let bytes: Vec<u8> = (0..key.len() / 2)
        .filter_map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).ok())
        .collect();
    let hue = u16::from_be_bytes([bytes[0], bytes[1]]) % 360;
    let saturation = 45 + bytes[2] % 25;
    let lightness = 40 + bytes[3] % 15;
    let mut cells = String::new();
    // 15 bits choose the left three columns; the right two mirror them.
    let bits = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    for row in 0..5u32 {
        for col in 0..3u32 {
            if bits >> (row * 3 + col) & 1 == 1 {
                for x in [col, 4 - col] {
                    cells.push_str(&format!(
                        r#"<rect x="{}" y="{}" width="1" height="1"/>"#,
                        x + 1,
                        row + 1
                    ));
                    if col == 2 {
                        break;
                    }
                }
            }
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="56" height="56" shape-rendering="crispEdges"><rect width="7" height="7" fill="#f2f2f2"/><g fill="hsl({hue},{saturation}%,{lightness}%)">{cells}</g></svg>"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_picture_other_key_other_picture() {
        let a = identicon_svg("0123456789abcdef0123456789abcdef");
        assert_eq!(a, identicon_svg("0123456789abcdef0123456789abcdef"));
        assert_ne!(a, identicon_svg("fedcba9876543210fedcba9876543210"));
        assert!(a.starts_with("<svg") && a.ends_with("</svg>"));
    }

    #[test]
    fn only_hex_keys_of_the_right_length_are_valid() {
        assert!(is_valid_key("0123456789abcdef0123456789abcdef"));
        assert!(!is_valid_key("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_valid_key("../etc/passwd"));
        assert!(!is_valid_key("abc"));
    }
}
