//! The authorizer's settings, read once at cold start: the user pool, its app client and where its
//! keys are published.

use thiserror::Error;

use super::http::HttpKeySource;
use super::token::{AccessTokenVerifier, TokenSettings};
use crate::config::ConfigError;
use crate::rules::SystemClock;

/// The user pool's id (`<region>_<id>`).
pub const USER_POOL_ID_ENV: &str = "USER_POOL_ID";
/// The app client the browser signs in with.
pub const USER_POOL_CLIENT_ID_ENV: &str = "USER_POOL_CLIENT_ID";
/// The region of the issuer URL (Lambda sets it).
pub const REGION_ENV: &str = "AWS_REGION";
/// Optional: where the keys are, when not at the issuer (the local stack's Cognito serves them
/// itself).
pub const JWKS_URL_ENV: &str = "JWKS_URL";

#[derive(Debug, Error)]
pub enum AuthConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("{0} is not an absolute http(s) URL")]
    InvalidJwksUrl(String),
    #[error(transparent)]
    Tls(#[from] ConfigError),
}

/// What the verifier checks tokens against, and where it finds the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    pub token: TokenSettings,
    pub jwks_url: String,
}

/// The `iss` of a user pool's tokens, on AWS and in the local stack alike.
pub fn cognito_issuer(region: &str, user_pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}")
}

impl AuthSettings {
    pub fn from_env() -> Result<Self, AuthConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from `variable` (empty counts as unset).
    pub fn from_lookup(variable: impl Fn(&str) -> Option<String>) -> Result<Self, AuthConfigError> {
        let value = |name| variable(name).filter(|value| !value.is_empty());
        let required = |name: &'static str| value(name).ok_or(AuthConfigError::Missing(name));
        let issuer = cognito_issuer(&required(REGION_ENV)?, &required(USER_POOL_ID_ENV)?);
        let jwks_url =
            value(JWKS_URL_ENV).unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        Ok(Self {
            token: TokenSettings::new(issuer, required(USER_POOL_CLIENT_ID_ENV)?),
            jwks_url,
        })
    }
}

/// The verifier of a Lambda authorizer: settings from the environment, keys over HTTP.
pub fn verifier_from_env()
-> Result<AccessTokenVerifier<HttpKeySource, SystemClock>, AuthConfigError> {
    let settings = AuthSettings::from_env()?;
    let source = HttpKeySource::new(settings.jwks_url)?;
    Ok(AccessTokenVerifier::new(
        settings.token,
        source,
        SystemClock,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<AuthSettings, AuthConfigError> {
        AuthSettings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    const POOL: [(&str, &str); 3] = [
        ("AWS_REGION", "eu-west-1"),
        ("USER_POOL_ID", "eu-west-1_AbC"),
        ("USER_POOL_CLIENT_ID", "client-1"),
    ];

    #[test]
    fn the_issuer_and_the_jwks_url_follow_the_pool() {
        let settings = settings(&POOL).unwrap();
        let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC";
        assert_eq!(settings.token.issuer, issuer);
        assert_eq!(settings.token.client_id, "client-1");
        assert_eq!(settings.jwks_url, format!("{issuer}/.well-known/jwks.json"));
    }

    #[test]
    fn jwks_url_points_elsewhere_without_changing_the_issuer() {
        let local = "http://127.0.0.1:8709/eu-west-1_AbC/.well-known/jwks.json";
        let mut vars = POOL.to_vec();
        vars.push(("JWKS_URL", local));
        let settings = settings(&vars).unwrap();
        assert_eq!(settings.jwks_url, local);
        assert!(settings.token.issuer.starts_with("https://cognito-idp."));
    }

    #[test]
    fn each_required_variable_is_named_when_missing() {
        for (missing, _) in POOL {
            let mut vars: Vec<_> = POOL
                .iter()
                .filter(|(k, _)| *k != missing)
                .copied()
                .collect();
            vars.push((missing, ""));
            assert!(
                matches!(settings(&vars), Err(AuthConfigError::Missing(name)) if name == missing),
                "{missing}"
            );
        }
    }
}
