//! API keys: the file that lists them, a new key, and the check of a request's key.
//!
//! A key is `pg_` and 32 random bytes in base64url; the file keeps only its SHA-256, so one
//! hash and one lookup check a request and a leaked file gives no key away. Keys are never
//! logged.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Ask GraphQL queries.
    Reader,
    /// Everything a reader may, and read `/metrics`.
    Admin,
}

impl Role {
    /// The role's name, as the file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reader" => Ok(Role::Reader),
            "admin" => Ok(Role::Admin),
            other => Err(format!("`{other}` is not a role: use reader or admin")),
        }
    }
}

/// Who a valid key belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// The key's name, from the file.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// The keys a server accepts, by the SHA-256 of each.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    by_hash: HashMap<[u8; 32], Client>,
}

/// Why a keys file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// The file cannot be read or written.
    #[error("cannot use the keys file `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a keys file.
    #[error("`{path}` is not a keys file: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with its line and column.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    key: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    role: Role,
    hash: String,
}

impl Keys {
    /// Reads a keys file: `[[key]]` tables of `name`, `role` (`reader` or `admin`) and `hash`
    /// (`sha256:` and 64 hex digits).
    pub fn load(path: &Path) -> Result<Keys, KeysError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KeysError::Io {
            path: shown.clone(),
            source,
        })?;
        Keys::parse(&text).map_err(|message| KeysError::Invalid {
            path: shown,
            message,
        })
    }

    fn parse(text: &str) -> Result<Keys, String> {
        let file: File = toml::from_str(text).map_err(|e| one_line(&e.to_string()))?;
        let mut by_hash = HashMap::new();
        for entry in file.key {
            let hash = parse_hash(&entry.hash).ok_or_else(|| {
                format!(
                    "the key `{}` has no `sha256:` and 64 hex digits",
                    entry.name
                )
            })?;
            let client = Client {
                name: entry.name,
                role: entry.role,
            };
            if let Some(other) = by_hash.insert(hash, client) {
                return Err(format!("the key `{}` is listed twice", other.name));
            }
        }
        Ok(Keys { by_hash })
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The client whose key a request carries (`Authorization: Bearer KEY`): `Ok(None)` when
    /// it carries none, `Err(())` when the key is not one of these.
    pub(crate) fn client(&self, headers: &HeaderMap) -> Result<Option<&Client>, ()> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(())?;
        self.by_hash.get(&hash(key.trim())).map(Some).ok_or(())
    }
}

/// A new key, and the line that lists it in a keys file.
pub fn new_key(name: &str, role: Role) -> Result<(String, String), String> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return Err("a key's name is printable text without quotes or backslashes".into());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a key: {e}"))?;
    let key = format!(
        "pg_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hex: String = hash(&key).iter().map(|b| format!("{b:02x}")).collect();
    let entry = format!(
        "\n[[key]]\nname = \"{name}\"\nrole = \"{}\"\nhash = \"sha256:{hex}\"\n",
        role.as_str()
    );
    Ok((key, entry))
}

/// Adds a new key to a keys file (made if missing) and gives the key, which the file does not
/// keep. The file must read as a keys file before and after.
pub fn add_key(path: &Path, name: &str, role: Role) -> Result<String, KeysError> {
    let shown = path.display().to_string();
    let io = |source| KeysError::Io {
        path: shown.clone(),
        source,
    };
    let before = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let invalid = |message| KeysError::Invalid {
        path: shown.clone(),
        message,
    };
    Keys::parse(&before).map_err(invalid)?;
    let (key, entry) = new_key(name, role).map_err(invalid)?;
    Keys::parse(&(before + &entry)).map_err(invalid)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(entry.as_bytes()).map_err(io)?;
    Ok(key)
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let hex = text.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A TOML error on one line: its message and place, without the quoted source.
fn one_line(message: &str) -> String {
    message
        .lines()
        .filter(|l| !l.trim_start().starts_with('|') && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {key}").parse().unwrap(),
        );
        headers
    }

    #[test]
    fn a_new_key_is_known_by_its_hash_alone() {
        let (key, entry) = new_key("dashboard", Role::Reader).unwrap();
        assert!(key.starts_with("pg_") && key.len() == 3 + 43, "{key}");
        assert!(!entry.contains(&key));
        let keys = Keys::parse(&entry).unwrap();
        assert_eq!(
            keys.client(&bearer(&key)),
            Ok(Some(&Client {
                name: "dashboard".into(),
                role: Role::Reader
            }))
        );
        assert_eq!(keys.client(&bearer("pg_guess")), Err(()));
        assert_eq!(keys.client(&HeaderMap::new()), Ok(None));
        let (other, _) = new_key("dashboard", Role::Reader).unwrap();
        assert_ne!(key, other);
    }

    #[test]
    fn a_bad_keys_file_says_what_is_wrong() {
        let err = Keys::parse("[[key]]\nname = \"x\"\nrole = \"owner\"\nhash = \"sha256:00\"\n")
            .unwrap_err();
        assert!(err.contains("owner") && err.contains("line 3"), "{err}");
        let err = Keys::parse("[[key]]\nname = \"x\"\nrole = \"admin\"\nhash = \"md5:00\"\n")
            .unwrap_err();
        assert_eq!(err, "the key `x` has no `sha256:` and 64 hex digits");
        assert!(new_key("a \"b\"", Role::Admin).is_err());
    }
}
