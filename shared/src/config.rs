//! Configuration read once at cold start: table names, index name and the management endpoint come
//! from the environment (set by the CDK stack, or by the local gateway).

use aws_config::{BehaviorVersion, SdkConfig};
use thiserror::Error;

use crate::apigateway::{ApiGatewayNotifier, NoNotifier};
use crate::chat::Chat;
use crate::dynamodb::{DynamoStore, TableNames};
use crate::media_access::MediaAccess;
use crate::rules::SystemClock;
use crate::s3::S3MediaSigner;
use crate::schema::Tables;

/// Environment variable holding the API Gateway management endpoint
/// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
pub const MANAGEMENT_ENDPOINT_ENV: &str = "MANAGEMENT_ENDPOINT";
/// Environment variable holding the media bucket's name.
pub const MEDIA_BUCKET_ENV: &str = "MEDIA_BUCKET";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(String),
    #[error("shared/tables.json is invalid: {0}")]
    Schema(#[from] serde_json::Error),
}

fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// Table and index names from the environment variables named in `tables.json`.
pub fn table_names_from_env() -> Result<TableNames, ConfigError> {
    let tables = Tables::load()?;
    let index_env = tables
        .messages
        .global_secondary_indexes
        .first()
        .map(|index| index.index_name_env.clone())
        .ok_or_else(|| ConfigError::Missing("byConversation index definition".into()))?;
    Ok(TableNames {
        clients: required(&tables.clients.table_name_env)?,
        messages: required(&tables.messages.table_name_env)?,
        messages_by_conversation: required(&index_env)?,
    })
}

pub fn management_endpoint_from_env() -> Result<String, ConfigError> {
    required(MANAGEMENT_ENDPOINT_ENV)
}

/// The AWS SDK configuration from the usual sources (Lambda's role credentials and region;
/// `AWS_ENDPOINT_URL_DYNAMODB` and friends for a local stack).
pub async fn aws_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The chat of a route function that posts to connections, from the environment.
pub async fn posting_chat_from_env()
-> Result<Chat<DynamoStore, ApiGatewayNotifier, SystemClock>, ConfigError> {
    let tables = table_names_from_env()?;
    let endpoint = management_endpoint_from_env()?;
    let sdk = aws_sdk_config().await;
    Ok(Chat::new(
        DynamoStore::new(dynamodb_client(&sdk), tables),
        ApiGatewayNotifier::new(management_client(&sdk, &endpoint)),
        SystemClock,
    ))
}

/// The chat of a route function whose replies travel in the route response: it cannot post.
pub async fn replying_chat_from_env()
-> Result<Chat<DynamoStore, NoNotifier, SystemClock>, ConfigError> {
    let tables = table_names_from_env()?;
    let sdk = aws_sdk_config().await;
    Ok(Chat::new(
        DynamoStore::new(dynamodb_client(&sdk), tables),
        NoNotifier,
        SystemClock,
    ))
}

/// The media use cases of a route function that presigns, from the environment.
pub async fn media_access_from_env()
-> Result<MediaAccess<DynamoStore, S3MediaSigner, SystemClock>, ConfigError> {
    let tables = table_names_from_env()?;
    let bucket = required(MEDIA_BUCKET_ENV)?;
    let sdk = aws_sdk_config().await;
    Ok(MediaAccess::new(
        DynamoStore::new(dynamodb_client(&sdk), tables),
        S3MediaSigner::new(
            aws_sdk_s3::Client::from_conf(s3_config(&sdk).build()),
            bucket,
        ),
        SystemClock,
    ))
}

/// S3 client settings for presigning (see [`S3MediaSigner::configure`]).
pub fn s3_config(sdk: &SdkConfig) -> aws_sdk_s3::config::Builder {
    S3MediaSigner::configure(aws_sdk_s3::config::Builder::from(sdk))
}

/// A DynamoDB client.
pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk)
}

/// A management API client for the stage at `endpoint`.
pub fn management_client(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
    let config = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_apigatewaymanagement::Client::from_conf(config)
}
