//! Secrets at rest: password hashes, token digests, and secret keys sealed with the master key.
//!
//! - Passwords: argon2id PHC strings (slow and salted), checked by `password_pool`.
//! - Tokens: 32 random bytes, base64url, with a prefix naming their kind; only their SHA-256
//!   digest is stored, which is enough because the value itself is unguessable.
//! - Secret keys (SK): they must be recovered to compute HMACs, so they are encrypted with
//!   AES-256-GCM under the operator's master key. The sealed form is `nonce (12) || ciphertext`.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the master key must be base64 of exactly 32 bytes")]
    BadMasterKey,
    #[error("a sealed secret could not be opened: wrong master key, or damaged data")]
    Unseal,
    #[error("the system random source failed: {0}")]
    Random(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(buf)
}

/// A fresh secret value: `prefix` + 43 characters of base64url (256 bits).
pub fn new_token(prefix: &str) -> Result<String, SecretError> {
    Ok(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>()?)
    ))
}

/// A random string of `len` characters from `alphabet` (for AKs, SKs and passwords).
pub fn random_string(len: usize, alphabet: &[u8]) -> Result<String, SecretError> {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes::<64>()? {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - (256 % alphabet.len());
            if (byte as usize) < limit && out.len() < len {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(out)
}

pub const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Lower-case hex SHA-256, the stored form of a token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| SecretError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// A hash that no password matches, checked when the user does not exist so that a wrong user
/// name costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that is never used").unwrap_or_default())
}

/// The key that seals secret keys at rest.
#[derive(Clone)]
pub struct MasterKey {
    cipher: Aes256Gcm,
    /// A digest that identifies the key without revealing it, for messages: operators can
    /// tell which key a replica runs with. (Whether a key fits the database is decided by
    /// opening the stored secrets, see `bootstrap::master_key`.)
    fingerprint: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.fingerprint)
    }
}

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretError::BadMasterKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadMasterKey)?;
        let mut fp = Sha256::new();
        fp.update(b"vizjobs master key fingerprint\0");
        fp.update(key);
        Ok(Self {
            cipher: Aes256Gcm::new(&key.into()),
            fingerprint: hex::encode(&fp.finalize()[..8]),
        })
    }

    /// A new random key, in the base64 form operators store.
    pub fn generate() -> Result<String, SecretError> {
        Ok(STANDARD.encode(random_bytes::<32>()?))
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SecretError> {
        let nonce = random_bytes::<12>()?;
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| SecretError::Unseal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < 12 {
            return Err(SecretError::Unseal);
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Unseal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = MasterKey::from_base64(&MasterKey::generate().unwrap()).unwrap();
        let other = MasterKey::from_base64(&MasterKey::generate().unwrap()).unwrap();
        let sealed = key.seal(b"my secret key").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(&sealed).unwrap(), b"my secret key");
        assert!(other.open(&sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(&tampered).is_err());
        assert!(key.open(&[1, 2, 3]).is_err());
        assert_ne!(key.fingerprint(), other.fingerprint());
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = new_token("vjt_").unwrap();
        let b = new_token("vjt_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(token_digest("abc"), token_digest("abc"));
        assert_eq!(token_digest("abc").len(), 64);
        let s = random_string(40, ALNUM).unwrap();
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| ALNUM.contains(&b)));
    }
}
