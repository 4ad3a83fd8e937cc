//! Putting the local stack together: tables in DynamoDB Local (from `shared/tables.json`, the
//! definitions the CDK stack deploys), the media bucket with its CORS rules and the user pool in
//! MiniStack, the handlers' SDK clients pointed at local endpoints, the authorizer's verifier
//! pointed at the pool's keys, and the gateway in front of them.

use std::path::PathBuf;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider, StalledStreamProtectionConfig,
};
use aws_sdk_dynamodb::types::TimeToLiveSpecification;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use aws_types::SdkConfig;
use chat_domain::auth::{AccessTokenVerifier, AuthConfigError, HttpKeySource, TokenSettings};
use chat_domain::s3::S3MediaRemover;
use chat_domain::schema::{TableDefinition, Tables};
use chat_domain::{
    ApiGatewayNotifier, Chat, DynamoStore, MediaAccess, S3MediaSigner, SystemClock, TableNames,
    config,
};
use thiserror::Error;
use tokio::net::TcpListener;
use tracing::info;

use crate::cognito::{self, CognitoError};
use crate::gateway::{self, GatewayConfig, Handlers, Limits, RunningGateway};

#[derive(Debug, Error)]
pub enum StackError {
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("shared/tables.json is invalid: {0}")]
    Schema(#[from] serde_json::Error),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("could not create table {table}: {message}")]
    CreateTable { table: String, message: String },
    #[error("could not set up the media bucket {bucket}: {message}")]
    MediaBucket { bucket: String, message: String },
    #[error("could not set up the user pool: {0}")]
    UserPool(#[from] CognitoError),
    #[error("could not set up the authorizer: {0}")]
    Authorizer(#[from] AuthConfigError),
}

/// What the gateway serves and where its data lives.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// 0: any free port.
    pub gateway_port: u16,
    pub stage: String,
    pub limits: Limits,
    pub web_dir: PathBuf,
    pub dynamodb_endpoint: String,
    pub tables: TableNames,
    /// MiniStack: S3 and Cognito.
    pub ministack_endpoint: String,
    pub media_bucket: String,
    /// The user pool to use (created if missing).
    pub user_pool_name: String,
}

/// The media bucket of `make dev`; tests give each stack its own.
pub const MEDIA_BUCKET: &str = "chatastrophy-media";

/// Dev servers that may run the UI against this stack besides the gateway itself (Vite's default).
const DEV_SERVER_ORIGINS: [&str; 2] = ["http://127.0.0.1:5173", "http://localhost:5173"];

/// Table names for a stack; tests give each stack its own prefix to share one DynamoDB Local.
pub fn table_names(prefix: &str) -> Result<TableNames, StackError> {
    let tables = Tables::load()?;
    let first_index = |table: &TableDefinition| {
        table
            .global_secondary_indexes
            .first()
            .map(|index| index.index_name.clone())
            .unwrap_or_default()
    };
    Ok(TableNames {
        clients: format!("{prefix}{}", tables.clients.logical_name),
        messages: format!("{prefix}{}", tables.messages.logical_name),
        messages_by_conversation: first_index(&tables.messages),
        conversations: format!("{prefix}{}", tables.conversations.logical_name),
        conversations_by_member: first_index(&tables.conversations),
    })
}

/// SDK configuration for local endpoints: fixed region and dummy credentials, over the functions'
/// HTTPS client (which speaks plain HTTP to 127.0.0.1 as well). Stalled-stream protection is off:
/// DynamoDB Local (one JVM sharing two cores with everything else under load) can pause longer
/// than the SDK's grace period, which AWS's DynamoDB does not; in Lambda the SDK's default
/// protection stays on.
pub fn local_sdk_config() -> Result<SdkConfig, StackError> {
    let credentials = Credentials::new("local", "local", None, None, "local-stack");
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(config::aws_https_client()?)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .build())
}

pub fn dynamodb_client(sdk: &SdkConfig, endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}

/// S3 settings for the local S3: path-style addressing (no per-bucket host names on 127.0.0.1),
/// otherwise the presigning settings the functions use.
pub fn s3_config(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_s3::config::Builder {
    config::s3_config(sdk)
        .endpoint_url(endpoint)
        .force_path_style(true)
}

/// An S3 client for the local S3 (creating the bucket, the tests' checks).
pub fn s3_client(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(s3_config(sdk, endpoint).build())
}

/// Creates the media bucket if needed and sets its CORS rules to what the CDK stack deploys
/// (browsers `PUT` and `GET` with presigned URLs) for `origins`.
pub async fn ensure_media_bucket(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    origins: &[String],
) -> Result<(), StackError> {
    let failed = |message: String| StackError::MediaBucket {
        bucket: bucket.to_owned(),
        message,
    };
    let created = client.create_bucket().bucket(bucket).send().await;
    if let Err(error) = created {
        let owned = error
            .as_service_error()
            .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists());
        if !owned {
            return Err(failed(
                aws_sdk_s3::error::DisplayErrorContext(error).to_string(),
            ));
        }
    }
    let rule = CorsRule::builder()
        .set_allowed_origins(Some(origins.to_vec()))
        .allowed_methods("PUT")
        .allowed_methods("GET")
        .allowed_headers("*")
        .expose_headers("ETag")
        .max_age_seconds(3000)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let cors = CorsConfiguration::builder()
        .cors_rules(rule)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    client
        .put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(cors)
        .send()
        .await
        .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
    Ok(())
}

/// Creates any missing table with its indexes and TTL, exactly as defined in `tables.json`.
pub async fn ensure_tables(client: &Client, names: &TableNames) -> Result<(), StackError> {
    let definitions = Tables::load()?;
    let existing = client
        .list_tables()
        .send()
        .await
        .map_err(|e| StackError::CreateTable {
            table: "(listing)".into(),
            message: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        })?
        .table_names
        .unwrap_or_default();
    for (definition, name) in [
        (&definitions.clients, &names.clients),
        (&definitions.messages, &names.messages),
        (&definitions.conversations, &names.conversations),
    ] {
        if !existing.contains(name) {
            create_table(client, definition, name).await?;
        }
    }
    Ok(())
}

async fn create_table(
    client: &Client,
    definition: &TableDefinition,
    name: &str,
) -> Result<(), StackError> {
    let failed = |message: String| StackError::CreateTable {
        table: name.to_owned(),
        message,
    };
    definition
        .create_table(client, name)
        .map_err(|e| failed(e.to_string()))?
        .send()
        .await
        .map_err(|e| failed(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
    if let Some(attribute) = &definition.time_to_live_attribute {
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(|e| failed(e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| failed(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
    }
    info!(table = name, "created table");
    Ok(())
}

/// Starts the gateway over DynamoDB at `config.dynamodb_endpoint`, creating the tables if needed.
pub async fn start_gateway(config: StackConfig) -> Result<RunningGateway, StackError> {
    let port = config.gateway_port;
    let listen_error = |source| StackError::Listen { port, source };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(listen_error)?;
    let addr = listener.local_addr().map_err(listen_error)?;
    let sdk = local_sdk_config()?;
    let dynamodb = dynamodb_client(&sdk, &config.dynamodb_endpoint);
    ensure_tables(&dynamodb, &config.tables).await?;
    // The handlers post through the real management API client, to this very gateway.
    let management =
        config::management_client(&sdk, &gateway::management_endpoint(addr, &config.stage));
    let store = DynamoStore::new(dynamodb, config.tables);
    let chat = Chat::new(
        store.clone(),
        ApiGatewayNotifier::new(management),
        SystemClock,
    );
    // The page is served by this gateway, so the browser uploads from its origin.
    let origins: Vec<String> = [
        format!("http://127.0.0.1:{}", addr.port()),
        format!("http://localhost:{}", addr.port()),
    ]
    .into_iter()
    .chain(DEV_SERVER_ORIGINS.map(str::to_owned))
    .collect();
    let s3 = s3_client(&sdk, &config.ministack_endpoint);
    ensure_media_bucket(&s3, &config.media_bucket, &origins).await?;
    let media_remover = S3MediaRemover::new(s3, config.media_bucket.clone());
    let media = MediaAccess::new(
        store,
        S3MediaSigner::presign_only(
            s3_config(&sdk, &config.ministack_endpoint),
            config.media_bucket,
        ),
        SystemClock,
    );
    let cognito = cognito::client(&sdk, &config.ministack_endpoint);
    let user_pool =
        cognito::ensure_user_pool(&cognito, &config.ministack_endpoint, &config.user_pool_name)
            .await?;
    // The authorizer function's own verifier; only the JWKS URL differs from AWS (MiniStack
    // serves the keys itself).
    let verifier = AccessTokenVerifier::new(
        TokenSettings::new(user_pool.issuer(), &user_pool.client_id),
        HttpKeySource::new(user_pool.jwks_url())?,
        SystemClock,
    );
    let gateway_config = GatewayConfig {
        stage: config.stage,
        limits: config.limits,
        web_dir: config.web_dir,
        user_pool,
    };
    let handlers = Handlers {
        verifier,
        chat,
        media,
        media_remover,
    };
    gateway::start(listener, gateway_config, handlers).map_err(listen_error)
}
