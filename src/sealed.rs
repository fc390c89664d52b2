//! Sensitive identifiers at rest (SPEC.md "Privacy": a USCIS receipt number is stored
//! encrypted and shown masked). A value is sealed with AES-256-GCM under a random nonce, and
//! indexed by an HMAC-SHA256 of it, so uniqueness can be checked without decrypting. Both
//! come from RustCrypto; nothing here is home-made cryptography.
//!
//! The 32-byte key comes from `DATA_KEY` (64 hex digits). Without it the service generates
//! one on first start and keeps it in `app_secrets`, which still keeps the numbers out of
//! exports, logs and table dumps, but not out of a dump of the whole database: production
//! should set `DATA_KEY` and keep it apart from the backups.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 12;

/// The key that seals and indexes sensitive values.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<DataKey> {
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("a data key is 32 bytes (64 hex digits)"))?;
        Ok(DataKey(key))
    }

    pub fn from_hex(text: &str) -> anyhow::Result<DataKey> {
        DataKey::from_bytes(&hex::decode(text.trim())?)
    }

    pub fn generate() -> DataKey {
        DataKey(Aes256Gcm::generate_key(OsRng).into())
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Nonce followed by the ciphertext and its tag.
    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let cipher = Aes256Gcm::new(&self.0.into());
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(&nonce, plain.as_bytes())
                .expect("AES-GCM encrypts any length the service stores"),
        );
        out
    }

    /// The value sealed by [`seal`](Self::seal), if this key sealed it unchanged.
    pub fn open(&self, sealed: &[u8]) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new(&self.0.into());
        let plain = cipher.decrypt(Nonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }

    /// A keyed digest of `plain` in a named `purpose`: equal values give equal digests, and
    /// without the key the digest says nothing about the value.
    pub fn index(&self, purpose: &str, plain: &str) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(plain.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// `IOE0912345678` → `IOE******5678`: enough to match a notice, not enough to use.
pub fn mask_receipt_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_unchanged() {
        let key = DataKey::generate();
        let sealed = key.seal("IOE0912345678");
        assert!(!sealed.windows(13).any(|w| w == b"IOE0912345678"));
        assert_eq!(key.open(&sealed).as_deref(), Some("IOE0912345678"));
        assert_ne!(key.seal("IOE0912345678"), sealed, "a fresh nonce each time");
        assert_eq!(DataKey::generate().open(&sealed), None);
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&tampered), None);
    }

    #[test]
    fn the_index_is_stable_per_key_and_purpose() {
        let key = DataKey::from_hex(&"11".repeat(32)).unwrap();
        assert_eq!(key.index("uscis", "A"), key.index("uscis", "A"));
        assert_ne!(key.index("uscis", "A"), key.index("other", "A"));
        assert_ne!(
            key.index("uscis", "A"),
            DataKey::generate().index("uscis", "A")
        );
        assert!(DataKey::from_hex("abcd").is_err());
    }

    #[test]
    fn receipt_numbers_show_three_letters_and_four_digits() {
        assert_eq!(mask_receipt_number("IOE0912345678"), "IOE******5678");
    }
}
