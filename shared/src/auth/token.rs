//! The check of a Cognito access token: an RS256 signature by one of the pool's keys, then the
//! claims that make it an access token of this pool, for this app client, valid now, of a user the
//! chat accepts.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use thiserror::Error;

use super::jwks::KeySetSource;
use super::key_cache::{KeyCache, KeyLookupError};
use crate::identity::Identity;
use crate::rules::{Clock, SystemClock, Username};

/// Clock skew tolerated on `exp` and `nbf`. Lambda's and Cognito's clocks are NTP-synced, so a few
/// seconds would do; 30 s absorbs a stray skew while an expired token stops working soon after.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// What a token must say to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`, compared exactly.
    pub issuer: String,
    /// The app client the browser signs in with (an access token's `client_id`; it has no `aud`).
    pub client_id: String,
    pub leeway: Duration,
}

impl TokenSettings {
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            leeway: DEFAULT_LEEWAY,
        }
    }
}

/// Why a token was refused. Never holds the token or any part of it, so it can be logged.
#[derive(Debug, Error)]
pub enum TokenError {
    #[error("no token among the offered subprotocols")]
    Missing,
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    #[error("the token is not signed with RS256")]
    UnsupportedAlgorithm,
    #[error("the token's header has no kid")]
    MissingKeyId,
    #[error("no key of the user pool has the token's kid")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by another issuer than the user pool")]
    WrongIssuer,
    #[error("the token is not an access token")]
    WrongTokenUse,
    #[error("the token was issued to another app client")]
    WrongClient,
    #[error("the token has no subject")]
    MissingSubject,
    #[error("the token's username is missing or not one the chat accepts")]
    BadUsername,
    #[error("the user pool's keys are unavailable: {0}")]
    KeysUnavailable(#[source] KeyLookupError),
}

impl TokenError {
    /// A stable code for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Missing => "missing_token",
            Self::Malformed(_) => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::MissingKeyId => "missing_kid",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongTokenUse => "wrong_token_use",
            Self::WrongClient => "wrong_client",
            Self::MissingSubject => "missing_subject",
            Self::BadUsername => "bad_username",
            Self::KeysUnavailable(_) => "keys_unavailable",
        }
    }

    /// The token could not be checked at all (the keys could not be had): a failure of ours, not
    /// a verdict on the token.
    pub fn is_keys_unavailable(&self) -> bool {
        matches!(self, Self::KeysUnavailable(_))
    }
}

impl From<KeyLookupError> for TokenError {
    fn from(error: KeyLookupError) -> Self {
        match error {
            KeyLookupError::UnknownKey => Self::UnknownKey,
            unavailable => Self::KeysUnavailable(unavailable),
        }
    }
}

/// The part of the header read before the signature is checked: which algorithm and key.
#[derive(Deserialize)]
struct UnverifiedHeader {
    alg: String,
    kid: Option<String>,
}

impl UnverifiedHeader {
    fn parse(token: &str) -> Result<Self, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(_payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("not three dot-separated parts"));
        };
        let json = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenError::Malformed("the header is not base64url"))?;
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed("the header is not JSON"))
    }
}

/// The claims of a Cognito access token that are checked; the rest are ignored.
#[derive(Deserialize)]
struct AccessClaims {
    iss: Option<String>,
    token_use: Option<String>,
    client_id: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    sub: Option<String>,
    username: Option<String>,
}

/// Checks access tokens of one user pool and app client.
pub struct AccessTokenVerifier<K, C = SystemClock> {
    settings: TokenSettings,
    keys: KeyCache<K, C>,
    validation: Validation,
}

impl<K: KeySetSource, C: Clock> AccessTokenVerifier<K, C> {
    /// A verifier whose keys come from `source`, fetched on first use.
    pub fn new(settings: TokenSettings, source: K, clock: C) -> Self {
        // jsonwebtoken checks the signature with RS256 only (its header's `alg` must be in this
        // list, so HS256 with the public key as secret and `none` are refused). Every claim is
        // checked by `check_claims`, against the injected clock, so its own checks are off.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Self {
            settings,
            keys: KeyCache::new(source, clock),
            validation,
        }
    }

    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// The user the token was issued to, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let header = UnverifiedHeader::parse(token)?;
        // Refused before any key lookup, so that no other algorithm can cause a fetch.
        if header.alg != "RS256" {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let kid = header
            .kid
            .filter(|kid| !kid.is_empty())
            .ok_or(TokenError::MissingKeyId)?;
        let key = self.keys.key(&kid).await?;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &self.validation)
            .map_err(|error| decode_error(error.kind()))?
            .claims;
        self.check_claims(claims, self.keys.clock().now_millis())
    }

    fn check_claims(&self, claims: AccessClaims, now_millis: i64) -> Result<Identity, TokenError> {
        let settings = &self.settings;
        if claims.iss.as_deref() != Some(settings.issuer.as_str()) {
            return Err(TokenError::WrongIssuer);
        }
        // An ID token of the same pool is signed by the same keys: only this claim tells them apart.
        if claims.token_use.as_deref() != Some("access") {
            return Err(TokenError::WrongTokenUse);
        }
        if claims.client_id.as_deref() != Some(settings.client_id.as_str()) {
            return Err(TokenError::WrongClient);
        }
        let now = now_millis.div_euclid(1000);
        let leeway = i64::try_from(settings.leeway.as_secs()).unwrap_or(i64::MAX);
        let exp = claims
            .exp
            .ok_or(TokenError::Malformed("the token has no exp"))?;
        if now >= exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| now.saturating_add(leeway) < nbf)
        {
            return Err(TokenError::NotYetValid);
        }
        let sub = claims
            .sub
            .filter(|sub| !sub.is_empty())
            .ok_or(TokenError::MissingSubject)?;
        let username = claims
            .username
            .and_then(|name| Username::parse(&name).ok())
            .ok_or(TokenError::BadUsername)?;
        Ok(Identity { sub, username })
    }
}

/// jsonwebtoken's verdict, reduced to reasons that hold nothing of the token.
fn decode_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature | ErrorKind::Crypto(_) | ErrorKind::InvalidRsaKey(_) => {
            TokenError::BadSignature
        }
        ErrorKind::InvalidAlgorithm => TokenError::UnsupportedAlgorithm,
        ErrorKind::Base64(_) => TokenError::Malformed("a part is not base64url"),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed("the claims are not the expected JSON")
        }
        _ => TokenError::Malformed("refused by the JWT decoder"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwks::{Jwks, KeyFetchError};
    use crate::rules::FixedClock;

    const NOW: i64 = 1_800_000_000;
    const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";

    struct NoKeys;

    impl KeySetSource for NoKeys {
        async fn fetch(&self) -> Result<Jwks, KeyFetchError> {
            Err(KeyFetchError::Status(500))
        }
    }

    fn verifier() -> AccessTokenVerifier<NoKeys, FixedClock> {
        AccessTokenVerifier::new(
            TokenSettings::new(ISSUER, "client-1"),
            NoKeys,
            FixedClock(NOW * 1000),
        )
    }

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: Some(ISSUER.into()),
            token_use: Some("access".into()),
            client_id: Some("client-1".into()),
            exp: Some(NOW + 3600),
            nbf: None,
            sub: Some("sub-1".into()),
            username: Some("Alice".into()),
        }
    }

    fn check(claims: AccessClaims) -> Result<Identity, TokenError> {
        verifier().check_claims(claims, NOW * 1000)
    }

    /// The local gateway shares one verifier between its connections' tasks.
    #[test]
    fn the_verifier_can_be_shared_between_tasks() {
        fn shared<T: Send + Sync>() {}
        shared::<AccessTokenVerifier<crate::auth::HttpKeySource, SystemClock>>();
    }

    #[test]
    fn an_access_token_of_the_pool_and_client_gives_its_user() {
        let identity = check(claims()).unwrap();
        assert_eq!(identity.sub, "sub-1");
        assert_eq!(identity.username.as_str(), "Alice");
    }

    #[test]
    fn each_claim_is_checked() {
        type Change = fn(&mut AccessClaims);
        let cases: [(Change, &str); 12] = [
            (|c| c.iss = Some(format!("{ISSUER}/")), "wrong_issuer"),
            (|c| c.iss = None, "wrong_issuer"),
            (|c| c.token_use = Some("id".into()), "wrong_token_use"),
            (|c| c.token_use = None, "wrong_token_use"),
            (|c| c.client_id = Some("client-2".into()), "wrong_client"),
            (|c| c.client_id = None, "wrong_client"),
            (|c| c.exp = None, "malformed"),
            (|c| c.sub = Some(String::new()), "missing_subject"),
            (|c| c.sub = None, "missing_subject"),
            (|c| c.username = None, "bad_username"),
            (|c| c.username = Some("bad name".into()), "bad_username"),
            (|c| c.username = Some("..".into()), "bad_username"),
        ];
        for (change, reason) in cases {
            let mut claims = claims();
            change(&mut claims);
            assert_eq!(check(claims).unwrap_err().reason(), reason);
        }
    }

    #[test]
    fn exp_and_nbf_allow_the_leeway_and_no_more() {
        let leeway = DEFAULT_LEEWAY.as_secs() as i64;
        let at = |exp: i64, nbf: Option<i64>| {
            let mut claims = claims();
            claims.exp = Some(exp);
            claims.nbf = nbf;
            check(claims).map_err(|e| e.reason())
        };
        assert!(at(NOW - leeway + 1, None).is_ok());
        assert_eq!(at(NOW - leeway, None).unwrap_err(), "expired");
        assert_eq!(at(i64::MIN, None).unwrap_err(), "expired");
        assert!(at(i64::MAX, Some(NOW + leeway)).is_ok());
        assert_eq!(
            at(NOW + 3600, Some(NOW + leeway + 1)).unwrap_err(),
            "not_yet_valid"
        );
    }

    #[tokio::test]
    async fn what_is_not_an_rs256_jwt_is_refused_before_any_key_is_fetched() {
        let encode = |json: &str| URL_SAFE_NO_PAD.encode(json);
        let cases = [
            ("", "malformed"),
            ("a.b", "malformed"),
            ("a.b.c.d", "malformed"),
            ("!!.e30.", "malformed"),
            (&format!("{}.e30.", encode("[]")), "malformed"),
            (
                &format!("{}.e30.", encode(r#"{"alg":"none","kid":"k"}"#)),
                "unsupported_algorithm",
            ),
            (
                &format!("{}.e30.c2ln", encode(r#"{"alg":"HS256","kid":"k"}"#)),
                "unsupported_algorithm",
            ),
            (
                &format!("{}.e30.c2ln", encode(r#"{"alg":"RS256"}"#)),
                "missing_kid",
            ),
            (
                &format!("{}.e30.c2ln", encode(r#"{"alg":"RS256","kid":""}"#)),
                "missing_kid",
            ),
        ];
        let verifier = verifier();
        for (token, reason) in cases {
            let error = verifier.verify(token).await.unwrap_err();
            assert_eq!(error.reason(), reason, "{token}");
        }
        // Only now does a lookup happen, and the source fails.
        let token = format!("{}.e30.c2ln", encode(r#"{"alg":"RS256","kid":"k"}"#));
        let error = verifier.verify(&token).await.unwrap_err();
        assert!(error.is_keys_unavailable(), "{error}");
    }
}
