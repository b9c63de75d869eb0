//! HTTP caching of GET answers (`ETag`, `Cache-Control`, 304 on `If-None-Match`) and Apollo's
//! automatic persisted queries (a query sent once with its text, then by its SHA-256 alone).
//!
//! An answer depends only on the version of the data, the reloads seen (`dataStatus`), the
//! request (text, variables, operation) and who asks (role, media type): the `ETag` hashes
//! exactly these, so it is known before anything runs and a 304 costs no work.

use std::sync::Arc;

use async_graphql::Variables;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

use crate::gql::cache::Bounded;

/// The most texts the persisted-query store holds before it starts over (it is bounded in
/// bytes too, by `--persisted-query-bytes`).
const PERSISTED_TEXTS: usize = 100_000;

/// The query texts clients have sent with their SHA-256, by the hash in lowercase hex.
/// When full it starts over: a client whose hash is gone gets `PersistedQueryNotFound` and
/// sends the text again, as the protocol expects.
pub(crate) struct PersistedQueries(Bounded<Arc<str>>);

impl PersistedQueries {
    pub(super) fn new(max_bytes: usize) -> Self {
        PersistedQueries(Bounded::new(PERSISTED_TEXTS, max_bytes))
    }

    pub(super) fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.0.get(hash)
    }

    pub(super) fn put(&self, hash: String, text: &str) {
        self.0.put(hash, Arc::from(text), text.len());
    }
}

/// What a request's `extensions.persistedQuery` asks: the SHA-256 of its query, in lowercase
/// hex; `None` without one. `Err` says in words what is wrong with it.
pub(super) fn persisted_hash(
    extensions: Option<&serde_json::Value>,
) -> Result<Option<String>, &'static str> {
    let asked = extensions.and_then(|x| x.get("persistedQuery"));
    let Some(asked) = asked.filter(|a| !a.is_null()) else {
        return Ok(None);
    };
    let Some(asked) = asked.as_object() else {
        return Err("`extensions.persistedQuery` must be an object");
    };
    if asked.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
        return Err("only version 1 of persisted queries is known: send `\"version\": 1`");
    }
    match asked.get("sha256Hash").and_then(serde_json::Value::as_str) {
        Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err("`persistedQuery.sha256Hash` must be the query's SHA-256 in 64 hex digits"),
    }
}

/// The SHA-256 of a query text, in lowercase hex.
pub(super) fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Everything a GET answer depends on.
pub(super) struct Inputs<'a> {
    pub(super) data_version: &'a str,
    pub(super) revision: u64,
    /// Reloads that validated and that failed: `dataStatus { lastReload }` changes with them.
    pub(super) reloads: (u64, u64),
    pub(super) query: &'a str,
    pub(super) variables: &'a Variables,
    pub(super) operation_name: Option<&'a str>,
    pub(super) media: &'a str,
    /// `reader`, `admin`, or `none` without keys.
    pub(super) role: &'a str,
}

/// The weak `ETag` of an answer: weak, since the same answer goes out plain, gzip or brotli.
pub(super) fn etag(inputs: &Inputs) -> String {
    let mut hash = blake3::Hasher::new();
    // Each part is preceded by its length, so no two requests hash the same bytes.
    let mut part = |bytes: &[u8]| {
        hash.update(&(bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(inputs.data_version.as_bytes());
    part(&inputs.revision.to_le_bytes());
    part(&inputs.reloads.0.to_le_bytes());
    part(&inputs.reloads.1.to_le_bytes());
    part(inputs.query.as_bytes());
    part(&serde_json::to_vec(inputs.variables).unwrap_or_default());
    part(inputs.operation_name.unwrap_or("").as_bytes());
    part(&[u8::from(inputs.operation_name.is_some())]);
    part(inputs.media.as_bytes());
    part(inputs.role.as_bytes());
    let hex = hash.finalize().to_hex();
    format!("W/\"{}\"", &hex[..32])
}

/// Whether `If-None-Match` names `etag` (or is `*`), compared weakly as RFC 9110 asks.
pub(super) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == "*" || bare(tag) == ours)
}

/// Sets the caching headers of a GET answer: with an `ETag` when the answer may be kept (it
/// ran without errors), `no-store` otherwise. Answers may be kept but are revalidated on every
/// use (`no-cache`): the data can change at any moment. `private` when API keys are on.
pub(super) fn set_headers(headers: &mut HeaderMap, etag: Option<&str>, private: bool) {
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    let control = match (etag.and_then(|e| HeaderValue::from_str(e).ok()), private) {
        (Some(etag), private) => {
            headers.insert(header::ETAG, etag);
            if private {
                "private, no-cache"
            } else {
                "public, no-cache"
            }
        }
        (None, _) => "no-store",
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_hex() {
        assert_eq!(
            // The standard's own example (FIPS 180-2, appendix B.1).
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn persisted_query_extensions_are_checked() {
        let ask = |v: serde_json::Value| persisted_hash(Some(&v));
        assert_eq!(ask(serde_json::json!({})), Ok(None));
        assert_eq!(ask(serde_json::json!({"persistedQuery": null})), Ok(None));
        let hash = "A".repeat(64);
        assert_eq!(
            ask(serde_json::json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})),
            Ok(Some("a".repeat(64)))
        );
        assert!(
            ask(serde_json::json!({"persistedQuery": {"version": 2, "sha256Hash": hash}})).is_err()
        );
        assert!(
            ask(serde_json::json!({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}))
                .is_err()
        );
        assert!(ask(serde_json::json!({"persistedQuery": true})).is_err());
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(not_modified(&headers, "W/\"abc\""));
        assert!(!not_modified(&headers, "W/\"abd\""));
        assert!(!not_modified(&HeaderMap::new(), "W/\"abc\""));
    }
}
