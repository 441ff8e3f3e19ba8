//! Passwords: hashed with Argon2id (memory-hard; the `argon2` crate's defaults, 19 MiB and 2 passes, as
//! OWASP recommends), kept as PHC strings with their salt and parameters, and checked in constant time.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Letters and digits that cannot be mistaken for one another when read aloud or copied from paper (no
/// `0/O`, `1/l/I`).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// A new random password of 16 characters (about 93 bits), from the operating system's generator.
pub fn generate() -> String {
    let mut bytes = [0u8; 16];
    let mut out = String::with_capacity(bytes.len());
    // Rejection sampling keeps every character equally likely.
    while out.len() < bytes.len() {
        OsRng.fill_bytes(&mut bytes);
        for &b in &bytes {
            let limit = 256 - 256 % ALPHABET.len();
            if usize::from(b) < limit && out.len() < bytes.len() {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    out
}

/// Why a password is not acceptable.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("a password needs at least {MIN_LENGTH} characters"));
    }
    if password.trim() != password {
        return Err("a password may not begin or end with a space".into());
    }
    Ok(())
}

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// True when `password` is the one hashed in `phc` (the comparison takes the same time wherever they
/// differ); false also when `phc` is not a PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let p = generate();
        assert_eq!(p.len(), 16);
        assert!(p.bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(p, generate());
        let (a, b) = (hash(&p).unwrap(), hash(&p).unwrap());
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify(&p, &a) && verify(&p, &b));
        assert!(!verify("wrong password", &a));
        assert!(!verify(&p, "not a hash"));
        assert!(check_strength("short").is_err() && check_strength(" padded password ").is_err());
        assert!(check_strength("mật khẩu đủ dài").is_ok());
    }
}
