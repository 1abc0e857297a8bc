//! Seal signing keys: Ed25519, stored as PKCS#8 PEM files readable only by
//! their owner, kept outside the data directory.
//!
//! Whoever can write the data directory must not be able to sign seals, or a
//! seal would prove nothing: so a key file inside the data directory is
//! refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::rngs::SysRng;
use rand::TryRng;

/// What went wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
    #[error(
        "{path} is inside the data directory {data_dir}: keep seal keys elsewhere, or whoever \
         can change the log could also sign seals"
    )]
    InsideDataDir { path: PathBuf, data_dir: PathBuf },
    #[error("{path} already exists: choose another path, an existing key is never overwritten")]
    Exists { path: PathBuf },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an Ed25519 private key in PKCS#8 PEM: {problem}; create one with `markaz keys generate`")]
    NotAPrivateKey { path: PathBuf, problem: String },
    #[error(
        "`{given}` is neither 64 hex digits nor a PEM file holding an Ed25519 public or private \
         key: {problem}"
    )]
    NotAPublicKey { given: String, problem: String },
}

/// A new random signing key.
pub fn generate() -> Result<SigningKey, KeyError> {
    let mut secret = [0u8; 32];
    SysRng
        .try_fill_bytes(&mut secret)
        .map_err(|error| KeyError::Randomness(error.to_string()))?;
    Ok(SigningKey::from_bytes(&secret))
}

/// Refuses `path` when it lies inside `data_dir` (both resolved as far as they exist).
pub fn ensure_outside(path: &Path, data_dir: &Path) -> Result<(), KeyError> {
    let resolve = |p: &Path| -> PathBuf {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        // Resolve the longest existing ancestor so that links and `..` cannot hide the data dir.
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        loop {
            if let Ok(real) = existing.canonicalize() {
                return rest
                    .iter()
                    .rev()
                    .fold(real, |acc: PathBuf, part| acc.join(part));
            }
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return absolute,
            }
        }
    };
    let (path, data_dir) = (resolve(path), resolve(data_dir));
    if path.starts_with(&data_dir) {
        return Err(KeyError::InsideDataDir { path, data_dir });
    }
    Ok(())
}

/// Writes `key` to a new file at `path` with mode 0600.
pub fn write_signing_key(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::NotAPrivateKey {
            path: path.to_path_buf(),
            problem: e.to_string(),
        })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let io = |action| {
        let path = path.to_path_buf();
        move |source| KeyError::Io {
            action,
            path,
            source,
        }
    };
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            io("create")(source)
        }
    })?;
    file.write_all(pem.as_bytes()).map_err(io("write"))?;
    file.sync_all().map_err(io("sync"))
}

/// Reads a signing key written by `write_signing_key`.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| KeyError::NotAPrivateKey {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })
}

/// The public key as PEM (SubjectPublicKeyInfo), for a `.pub` file.
pub fn public_key_pem(key: &VerifyingKey) -> String {
    key.to_public_key_pem(LineEnding::LF)
        .unwrap_or_else(|_| hex::encode(key.as_bytes()))
}

/// Reads a public key given as 64 hex digits, or as a file holding a PEM
/// public key (or a private key, whose public half is taken).
pub fn read_public_key(given: &str) -> Result<VerifyingKey, KeyError> {
    let problem = |problem: String| KeyError::NotAPublicKey {
        given: given.to_owned(),
        problem,
    };
    let trimmed = given.trim();
    if trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(trimmed, &mut bytes).map_err(|e| problem(e.to_string()))?;
        return VerifyingKey::from_bytes(&bytes).map_err(|e| problem(e.to_string()));
    }
    let text = std::fs::read_to_string(given).map_err(|e| problem(e.to_string()))?;
    if let Ok(key) = VerifyingKey::from_public_key_pem(&text) {
        return Ok(key);
    }
    SigningKey::from_pkcs8_pem(&text)
        .map(|key| key.verifying_key())
        .map_err(|e| problem(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_file_which_only_its_owner_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal.pem");
        let key = generate().unwrap();
        write_signing_key(&path, &key).unwrap();
        assert_eq!(read_signing_key(&path).unwrap(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            write_signing_key(&path, &key),
            Err(KeyError::Exists { .. })
        ));
        let public = key.verifying_key();
        assert_eq!(
            read_public_key(&hex::encode(public.as_bytes())).unwrap(),
            public
        );
        let pub_path = dir.path().join("seal.pub");
        std::fs::write(&pub_path, public_key_pem(&public)).unwrap();
        assert_eq!(read_public_key(pub_path.to_str().unwrap()).unwrap(), public);
        assert_eq!(read_public_key(path.to_str().unwrap()).unwrap(), public);
        assert!(read_public_key("not-a-key").is_err());
    }

    #[test]
    fn keys_inside_the_data_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        assert!(ensure_outside(&data.join("key.pem"), &data).is_err());
        assert!(ensure_outside(&data.join("sub/../key.pem"), &data).is_err());
        assert!(ensure_outside(&dir.path().join("key.pem"), &data).is_ok());
        // A data directory that does not exist yet is compared as written.
        let later = dir.path().join("later");
        assert!(ensure_outside(&later.join("k.pem"), &later).is_err());
    }
}
