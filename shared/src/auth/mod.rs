//! Who may connect: the `$connect` authorizer's check of a Cognito access token.
//!
//! [`AccessTokenVerifier`] checks a token against the user pool's signing keys, which a
//! [`KeyCache`] holds and refreshes from a [`KeySetSource`] (the pool's JWKS over HTTP:
//! [`HttpKeySource`]). [`verifier_from_env`] wires them up at cold start.

mod config;
mod http;
mod jwks;
mod key_cache;
mod runtime;
mod token;

pub use config::{
    AuthConfigError, AuthSettings, JWKS_URL_ENV, REGION_ENV, USER_POOL_CLIENT_ID_ENV,
    USER_POOL_ID_ENV, cognito_issuer, verifier_from_env,
};
pub use http::HttpKeySource;
pub use jwks::{Jwks, KeyFetchError, KeySetSource};
pub use key_cache::{KeyCache, KeyLookupError, REFRESH_INTERVAL, RETRY_AFTER_FAILURE};
pub use runtime::{AuthorizerRequest, AuthorizerResponse, serve};
pub use token::{AccessTokenVerifier, DEFAULT_LEEWAY, TokenError, TokenSettings};
