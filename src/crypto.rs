//! Sensitive text encrypted at rest (progress-note narratives, risk-review notes):
//! XChaCha20-Poly1305 with a 256-bit key from `ONWARD_DATA_KEY` (64 hex characters). A database
//! dump alone does not reveal the text. Each sealed value names the key that sealed it (the first
//! 8 hex characters of the key's SHA-256), so that a rotation can find what still needs
//! re-encrypting and a wrong key is noticed at start-up instead of as garbage on a page.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A data key, ready to seal and open text.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        write!(f, "DataKey({})", self.id)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("a data key is 64 hexadecimal characters (32 bytes); generate one with `onward keys generate`")]
    BadKey,
    #[error("the stored text is not in Onward's sealed format")]
    Malformed,
    #[error("the text was sealed with key {0}, which is not configured")]
    UnknownKey(String),
    #[error("the text does not open with key {0}: it was altered, or the key is wrong")]
    Tampered(String),
}

const PREFIX: &str = "v1";

impl DataKey {
    pub fn parse(hex_key: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let id = hex::encode(Sha256::digest(&bytes))[..8].to_string();
        Ok(Self {
            id,
            cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// A new random key, as 64 hex characters.
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    /// The key's short public name (not secret).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `v1:<key id>:<nonce>:<ciphertext>`, hex; a fresh random nonce each time.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            // Encryption of an in-memory buffer cannot fail for XChaCha20-Poly1305.
            .unwrap_or_default();
        format!(
            "{PREFIX}:{}:{}:{}",
            self.id,
            hex::encode(nonce),
            hex::encode(sealed)
        )
    }

    /// Open a value sealed by this key.
    pub fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let (key_id, nonce, body) = split(sealed)?;
        if key_id != self.id {
            return Err(CryptoError::UnknownKey(key_id.to_string()));
        }
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(&nonce), body.as_slice())
            .map_err(|_| CryptoError::Tampered(self.id.clone()))?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }
}

/// The key id a sealed value names.
pub fn key_id_of(sealed: &str) -> Option<&str> {
    split(sealed).ok().map(|(id, _, _)| id)
}

fn split(sealed: &str) -> Result<(&str, Vec<u8>, Vec<u8>), CryptoError> {
    let mut parts = sealed.splitn(4, ':');
    let (Some(PREFIX), Some(id), Some(nonce), Some(body)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptoError::Malformed);
    };
    let nonce = hex::decode(nonce).map_err(|_| CryptoError::Malformed)?;
    let body = hex::decode(body).map_err(|_| CryptoError::Malformed)?;
    if nonce.len() != 24 {
        return Err(CryptoError::Malformed);
    }
    Ok((id, nonce, body))
}

/// The configured keys: the current one seals; older ones (during a rotation) still open.
#[derive(Debug, Clone)]
pub struct Keyring {
    pub current: DataKey,
    pub previous: Vec<DataKey>,
}

impl Keyring {
    pub fn seal(&self, plaintext: &str) -> String {
        self.current.seal(plaintext)
    }

    pub fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let id = key_id_of(sealed).ok_or(CryptoError::Malformed)?;
        std::iter::once(&self.current)
            .chain(self.previous.iter())
            .find(|k| k.id() == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_string()))?
            .open(sealed)
    }

    pub fn knows(&self, id: &str) -> bool {
        self.current.id() == id || self.previous.iter().any(|k| k.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_hides_the_words() {
        let key = DataKey::parse(&DataKey::generate_hex()).unwrap();
        let sealed = key.seal("He spoke about his brother for the first time");
        assert!(!sealed.contains("brother"));
        assert_ne!(
            sealed,
            key.seal("He spoke about his brother for the first time"),
            "fresh nonce"
        );
        assert_eq!(
            key.open(&sealed).unwrap(),
            "He spoke about his brother for the first time"
        );
        let other = DataKey::parse(&DataKey::generate_hex()).unwrap();
        assert!(matches!(
            other.open(&sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(matches!(key.open(&tampered), Err(CryptoError::Tampered(_))));
        assert_eq!(DataKey::parse("abc").unwrap_err(), CryptoError::BadKey);
        let ring = Keyring {
            current: other,
            previous: vec![key],
        };
        assert!(
            ring.open(&sealed).is_ok(),
            "an older key still opens during a rotation"
        );
    }
}
