//! The local user pool, in MiniStack's Cognito: created at the first start with the settings the
//! CDK stack deploys (case-insensitive usernames, e-mail verified by a code, the password policy),
//! found again by name after a restart. Plus what a user does with it — sign up, confirm, sign in —
//! for the integration tests and the benchmarks, through the same unauthenticated Cognito calls a
//! browser makes.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, PasswordPolicyType,
    PreventUserExistenceErrorTypes, SchemaAttributeType, TimeUnitsType, TokenValidityUnitsType,
    UserPoolPolicyType, UsernameConfigurationType, VerifiedAttributeType,
};
use aws_types::SdkConfig;
use thiserror::Error;
use tracing::info;

/// The region the local stack signs for; MiniStack's tokens name it in their issuer.
pub const REGION: &str = "us-east-1";
/// The name of `make dev`'s pool and of its web client (tests name theirs).
pub const POOL_NAME: &str = "chatastrophy-local";
pub const WEB_CLIENT_NAME: &str = "web";
/// MiniStack's outbox of the e-mails Cognito would send (verification codes).
pub const OUTBOX_PATH: &str = "/_ministack/ses/messages";

#[derive(Debug, Error)]
pub enum CognitoError {
    #[error("Cognito {operation} failed: {message}")]
    Call {
        operation: &'static str,
        message: String,
    },
    #[error("Cognito {0} answered without the expected field")]
    Incomplete(&'static str),
}

fn failed<E: std::error::Error + 'static>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_cognitoidentityprovider::error::SdkError<E>) -> CognitoError {
    move |error| CognitoError::Call {
        operation,
        message: DisplayErrorContext(error).to_string(),
    }
}

/// A user pool and the web UI's app client in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    /// Cognito's endpoint (MiniStack's), where browsers send their Cognito calls.
    pub endpoint: String,
    pub pool_id: String,
    pub client_id: String,
}

impl UserPool {
    /// The `iss` of the pool's tokens: AWS's format, which MiniStack issues too.
    pub fn issuer(&self) -> String {
        chat_domain::auth::cognito_issuer(REGION, &self.pool_id)
    }

    /// Where the pool's signing keys are served (MiniStack serves them itself).
    pub fn jwks_url(&self) -> String {
        format!("{}/{}/.well-known/jwks.json", self.endpoint, self.pool_id)
    }

    /// Where the codes Cognito "e-mails" can be read.
    pub fn outbox_url(&self) -> String {
        format!("{}{OUTBOX_PATH}", self.endpoint)
    }

    /// The `auth` object of the site's `config.json`.
    pub fn web_config(&self) -> serde_json::Value {
        serde_json::json!({
            "region": REGION,
            "userPoolId": self.pool_id,
            "userPoolClientId": self.client_id,
            "endpoint": self.endpoint,
        })
    }
}

/// A Cognito client for MiniStack at `endpoint`.
pub fn client(sdk: &SdkConfig, endpoint: &str) -> Client {
    let config = aws_sdk_cognitoidentityprovider::config::Builder::from(sdk)
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}

/// The pool called `pool_name` with its web client, created when missing.
pub async fn ensure_user_pool(
    client: &Client,
    endpoint: &str,
    pool_name: &str,
) -> Result<UserPool, CognitoError> {
    let pool_id = match find_pool(client, pool_name).await? {
        Some(id) => id,
        None => create_pool(client, pool_name).await?,
    };
    let client_id = match find_web_client(client, &pool_id).await? {
        Some(id) => id,
        None => create_web_client(client, &pool_id).await?,
    };
    Ok(UserPool {
        endpoint: endpoint.to_owned(),
        pool_id,
        client_id,
    })
}

async fn find_pool(client: &Client, pool_name: &str) -> Result<Option<String>, CognitoError> {
    let mut pages = client
        .list_user_pools()
        .max_results(60)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed("ListUserPools"))?;
        let found = page
            .user_pools()
            .iter()
            .find(|pool| pool.name() == Some(pool_name))
            .and_then(|pool| pool.id().map(str::to_owned));
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// A pool with the deployed pool's rules (cdk/lib/identity.ts).
async fn create_pool(client: &Client, pool_name: &str) -> Result<String, CognitoError> {
    let password = PasswordPolicyType::builder()
        .minimum_length(8)
        .require_uppercase(true)
        .require_lowercase(true)
        .require_numbers(true)
        .require_symbols(true)
        .build();
    let usernames = UsernameConfigurationType::builder()
        .case_sensitive(false)
        .build()
        .map_err(|_| CognitoError::Incomplete("UsernameConfiguration"))?;
    let email = SchemaAttributeType::builder()
        .name("email")
        .required(true)
        .mutable(true)
        .build();
    let created = client
        .create_user_pool()
        .pool_name(pool_name)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(password)
                .build(),
        )
        .username_configuration(usernames)
        .schema(email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .map_err(failed("CreateUserPool"))?;
    let id = created
        .user_pool()
        .and_then(|pool| pool.id())
        .ok_or(CognitoError::Incomplete("CreateUserPool"))?
        .to_owned();
    info!(pool_id = id, "created the local user pool");
    Ok(id)
}

async fn find_web_client(client: &Client, pool_id: &str) -> Result<Option<String>, CognitoError> {
    let listed = client
        .list_user_pool_clients()
        .user_pool_id(pool_id)
        .max_results(60)
        .send()
        .await
        .map_err(failed("ListUserPoolClients"))?;
    Ok(listed
        .user_pool_clients()
        .iter()
        .find(|app| app.client_name() == Some(WEB_CLIENT_NAME))
        .and_then(|app| app.client_id().map(str::to_owned)))
}

/// The deployed web client's settings, plus password sign-in for the tests and benchmarks (the
/// deployed client allows SRP only).
async fn create_web_client(client: &Client, pool_id: &str) -> Result<String, CognitoError> {
    let units = TokenValidityUnitsType::builder()
        .access_token(TimeUnitsType::Hours)
        .id_token(TimeUnitsType::Hours)
        .refresh_token(TimeUnitsType::Days)
        .build();
    let created = client
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(WEB_CLIENT_NAME)
        .generate_secret(false)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(1)
        .id_token_validity(1)
        .refresh_token_validity(30)
        .token_validity_units(units)
        .enable_token_revocation(true)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .map_err(failed("CreateUserPoolClient"))?;
    created
        .user_pool_client()
        .and_then(|app| app.client_id())
        .map(str::to_owned)
        .ok_or(CognitoError::Incomplete("CreateUserPoolClient"))
}

/// What a signed-in user holds.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

/// Signs `username` up with `email` and `password` (the account waits for its e-mail to be
/// confirmed), as a new user does in the browser.
pub async fn sign_up(
    client: &Client,
    pool: &UserPool,
    username: &str,
    email: &str,
    password: &str,
) -> Result<(), CognitoError> {
    let email = AttributeType::builder()
        .name("email")
        .value(email)
        .build()
        .map_err(|_| CognitoError::Incomplete("AttributeType"))?;
    client
        .sign_up()
        .client_id(&pool.client_id)
        .username(username)
        .password(password)
        .user_attributes(email)
        .send()
        .await
        .map_err(failed("SignUp"))?;
    Ok(())
}

/// Confirms the e-mail with the code Cognito sent to it.
pub async fn confirm(
    client: &Client,
    pool: &UserPool,
    username: &str,
    code: &str,
) -> Result<(), CognitoError> {
    client
        .confirm_sign_up()
        .client_id(&pool.client_id)
        .username(username)
        .confirmation_code(code)
        .send()
        .await
        .map_err(failed("ConfirmSignUp"))?;
    Ok(())
}

/// Confirms an account as an operator would (the benchmarks' many users read no e-mail).
pub async fn admin_confirm(
    client: &Client,
    pool: &UserPool,
    username: &str,
) -> Result<(), CognitoError> {
    client
        .admin_confirm_sign_up()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .send()
        .await
        .map_err(failed("AdminConfirmSignUp"))?;
    Ok(())
}

/// Signs in with a password (USER_PASSWORD_AUTH).
pub async fn sign_in(
    client: &Client,
    pool: &UserPool,
    username: &str,
    password: &str,
) -> Result<Tokens, CognitoError> {
    let answer = client
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(failed("InitiateAuth"))?;
    let result = answer
        .authentication_result()
        .ok_or(CognitoError::Incomplete("InitiateAuth"))?;
    let field = |value: Option<&str>| {
        value
            .map(str::to_owned)
            .ok_or(CognitoError::Incomplete("InitiateAuth"))
    };
    Ok(Tokens {
        access_token: field(result.access_token())?,
        id_token: field(result.id_token())?,
        refresh_token: field(result.refresh_token())?,
    })
}
