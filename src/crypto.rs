//! The instance secret and what is derived from it: avatar keys (an HMAC of the
//! email, never a plain hash that anyone could recompute from a known address), signed
//! form tokens, and the random edit tokens whose hashes alone are stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// 32 random bytes generated at first start and kept in the database.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl Secret {
    pub fn generate_hex() -> String {
        hex::encode(random_bytes::<32>())
    }

    pub fn from_hex(s: &str) -> anyhow::Result<Secret> {
        let bytes = hex::decode(s.trim())?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the stored instance secret is not 32 bytes"))?;
        Ok(Secret(arr))
    }

    fn mac(&self, purpose: &str, data: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac
    }

    /// The avatar key of an email: 128 bits of HMAC, hex.
    pub fn avatar_key(&self, normalized_email: &str) -> String {
        let tag = self
            .mac("avatar", normalized_email.as_bytes())
            .finalize()
            .into_bytes();
        hex::encode(&tag[..16])
    }

    /// A keyed digest of `data` under `purpose`, hex: what is stored to recognize a
    /// value (an address's requests) without storing the value.
    pub fn keyed(&self, purpose: &str, data: &str) -> String {
        hex::encode(self.mac(purpose, data.as_bytes()).finalize().into_bytes())
    }

    /// `data.signature`, for values handed to a browser and checked when they return.
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        let tag = self.mac(purpose, data.as_bytes()).finalize().into_bytes();
        format!("{data}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The data of a value made by [`Secret::sign`] for the same purpose, if untouched.
    pub fn verify<'a>(&self, purpose: &str, signed: &'a str) -> Option<&'a str> {
        let (data, sig) = signed.rsplit_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        self.mac(purpose, data.as_bytes()).verify_slice(&sig).ok()?;
        Some(data)
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// A new edit token: 256 random bits, URL-safe.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// What is stored of a token: its SHA-256. Tokens are random, so no salt is needed.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two stored-form hashes without an early exit.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A random password for the first moderator: 20 characters from an unambiguous set.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::from_hex(&Secret::generate_hex()).unwrap()
    }

    #[test]
    fn signed_values_verify_only_untouched_and_for_their_purpose() {
        let s = secret();
        let signed = s.sign("form", "1700000000");
        assert_eq!(s.verify("form", &signed), Some("1700000000"));
        assert_eq!(s.verify("other", &signed), None);
        assert_eq!(s.verify("form", &signed.replace("17", "18")), None);
        assert_eq!(secret().verify("form", &signed), None);
    }

    #[test]
    fn avatar_key_depends_on_the_instance_secret() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.avatar_key("x@example.org"), a.avatar_key("x@example.org"));
        assert_ne!(a.avatar_key("x@example.org"), b.avatar_key("x@example.org"));
        assert_eq!(a.avatar_key("x@example.org").len(), 32);
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (t1, t2) = (new_token(), new_token());
        assert_ne!(t1, t2);
        assert_eq!(hash_token(&t1), hash_token(&t1));
        assert!(same_hash(&hash_token(&t1), &hash_token(&t1)));
        assert!(!same_hash(&hash_token(&t1), &hash_token(&t2)));
    }
}
