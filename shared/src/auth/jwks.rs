//! The user pool's signing keys (a JSON Web Key Set) and the port that fetches them.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use thiserror::Error;

/// Fetching the key set failed. Says nothing about any token: the caller refuses the request as
/// "keys unavailable", not as a bad token.
#[derive(Debug, Error)]
pub enum KeyFetchError {
    #[error("the key set request failed: {0}")]
    Request(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the key set request timed out")]
    Timeout,
    #[error("the key set endpoint answered HTTP {0}")]
    Status(u16),
    #[error("the key set is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the key set is not JWKS JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Where the key set comes from: the user pool's JWKS URL in production, an in-memory set in tests.
///
/// Returns `impl Future + Send` (rather than `async fn`) like the ports in [`crate::ports`], so the
/// futures are `Send` for the Lambda runtime and the local gateway.
pub trait KeySetSource: Send + Sync {
    fn fetch(&self) -> impl Future<Output = Result<Jwks, KeyFetchError>> + Send;
}

/// The RSA signature keys of a key set, by `kid`.
#[derive(Clone, Default)]
pub struct Jwks {
    keys: HashMap<String, DecodingKey>,
}

/// One entry of `{"keys": [...]}`; everything optional so that one odd entry does not void the set.
#[derive(Deserialize)]
struct JwkEntry {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct JwkSetDocument {
    keys: Vec<JwkEntry>,
}

impl Jwks {
    /// Parses a JWKS document, keeping only RSA signature keys with a `kid` (Cognito publishes
    /// only those; any other key could never verify an RS256 token anyway).
    pub fn from_json(json: &[u8]) -> Result<Self, KeyFetchError> {
        let document: JwkSetDocument = serde_json::from_slice(json)?;
        let keys = document
            .keys
            .into_iter()
            .filter_map(|entry| {
                let usable = entry.kty.as_deref() == Some("RSA")
                    && entry.alg.as_deref().is_none_or(|alg| alg == "RS256")
                    && entry.usage.as_deref().is_none_or(|usage| usage == "sig");
                if !usable {
                    return None;
                }
                let (kid, n, e) = (entry.kid?, entry.n?, entry.e?);
                // Only base64url is checked here; ring checks the key itself when verifying.
                let key = DecodingKey::from_rsa_components(&n, &e).ok()?;
                Some((kid, key))
            })
            .collect();
        Ok(Self { keys })
    }

    pub fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid)
    }

    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.keys.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rsa_signature_keys_with_a_kid_are_kept() {
        let json = br#"{"keys":[
            {"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB","alg":"RS256","use":"sig"},
            {"kty":"RSA","kid":"bare","n":"AQAB","e":"AQAB"},
            {"kty":"EC","kid":"ec","crv":"P-256","x":"AQAB","y":"AQAB"},
            {"kty":"RSA","kid":"enc","n":"AQAB","e":"AQAB","use":"enc"},
            {"kty":"RSA","kid":"ps","n":"AQAB","e":"AQAB","alg":"PS256"},
            {"kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"no-modulus","e":"AQAB"},
            {"kty":"RSA","kid":"bad-base64","n":"!!!","e":"AQAB"}
        ]}"#;
        let jwks = Jwks::from_json(json).unwrap();
        assert_eq!(jwks.len(), 2, "{jwks:?}");
        assert!(jwks.contains("a") && jwks.contains("bare"));
        assert!(jwks.get("ec").is_none());
    }

    #[test]
    fn a_document_that_is_not_a_key_set_is_an_error() {
        for json in [&b"not json"[..], b"{}", br#"{"keys":{}}"#, b"[]"] {
            assert!(
                matches!(Jwks::from_json(json), Err(KeyFetchError::Json(_))),
                "{}",
                String::from_utf8_lossy(json)
            );
        }
        assert!(Jwks::from_json(br#"{"keys":[]}"#).unwrap().is_empty());
    }
}
