//! Configuration read once at cold start: table names, index name and the management endpoint come
//! from the environment (set by the CDK stack, or by the local gateway).

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::SdkConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use thiserror::Error;

use crate::apigateway::{ApiGatewayNotifier, NoNotifier};
use crate::chat::Chat;
use crate::dynamodb::{DynamoStore, TableNames};
use crate::media_access::MediaAccess;
use crate::rules::SystemClock;
use crate::s3::{S3MediaRemover, S3MediaSigner};
use crate::schema::{TableDefinition, Tables};

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
    #[error("the HTTPS client's trust store is invalid: {0}")]
    TrustStore(#[from] aws_smithy_http_client::HttpClientError),
}

/// The root CAs of Amazon Trust Services, which sign the certificates of every AWS service
/// endpoint the functions call.
const AWS_ROOT_CAS: &[u8] = include_bytes!("../certs/aws-root-cas.pem");

fn required(name: &str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// Table and index names from the environment variables named in `tables.json`.
pub fn table_names_from_env() -> Result<TableNames, ConfigError> {
    let tables = Tables::load()?;
    Ok(TableNames {
        clients: required(&tables.clients.table_name_env)?,
        messages: required(&tables.messages.table_name_env)?,
        messages_by_conversation: required(first_index_env(&tables.messages)?)?,
        conversations: required(&tables.conversations.table_name_env)?,
        conversations_by_member: required(first_index_env(&tables.conversations)?)?,
    })
}

/// The variable naming the table's (one) index.
fn first_index_env(table: &TableDefinition) -> Result<&str, ConfigError> {
    table
        .global_secondary_indexes
        .first()
        .map(|index| index.index_name_env.as_str())
        .ok_or_else(|| ConfigError::Missing(format!("{} index definition", table.logical_name)))
}

pub fn management_endpoint_from_env() -> Result<String, ConfigError> {
    required(MANAGEMENT_ENDPOINT_ENV)
}

/// The AWS SDK configuration of a function: the region and the role's credentials that Lambda
/// puts in the environment, over [`aws_https_client`], with standard retries (what aws-config
/// gave); timeouts, sleep and clock are the SDK clients' own defaults.
///
/// Built directly rather than by `aws_config::load`, whose provider chains (profile files, web
/// identity, SSO, container and instance metadata, each with its own settings) could only ever
/// find these same variables in Lambda, yet put half a megabyte of code into every binary and
/// ran at every cold start.
pub fn aws_sdk_config() -> Result<SdkConfig, ConfigError> {
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        std::env::var("AWS_SESSION_TOKEN")
            .ok()
            .filter(|token| !token.is_empty()),
        None,
        "Lambda environment",
    );
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(required("AWS_REGION")?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        .http_client(aws_https_client()?)
        .service_config(EndpointUrlsFromEnv)
        .build())
}

/// The SDK's standard endpoint variables, `AWS_ENDPOINT_URL_<SERVICE>` then `AWS_ENDPOINT_URL`
/// (the benchmark points the functions at DynamoDB Local with them); unset in Lambda.
#[derive(Debug)]
struct EndpointUrlsFromEnv;

impl LoadServiceConfig for EndpointUrlsFromEnv {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        service_setting(&key, |name| std::env::var(name).ok())
    }
}

/// `<env>_<SERVICE ID>` (upper case, spaces as underscores), else `<env>`; empty counts as unset.
fn service_setting(
    key: &ServiceConfigKey<'_>,
    variable: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let service = key.service_id().to_ascii_uppercase().replace(' ', "_");
    [format!("{}_{service}", key.env()), key.env().to_owned()]
        .iter()
        .find_map(|name| variable(name).filter(|value| !value.is_empty()))
}

/// The SDK's HTTPS client (rustls on ring), trusting only the AWS root CAs. The default client
/// would load the system's whole CA store at cold start (a file per CA on some systems), which was
/// most of a function's init time; and nothing but AWS endpoints is ever called.
pub fn aws_https_client() -> Result<SharedHttpClient, ConfigError> {
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(aws_tls_provider())
        .tls_context(aws_tls_context()?)
        .build_https())
}

/// rustls on ring, as chosen in the workspace's Cargo.toml; shared with the authorizer's JWKS
/// client ([`crate::auth::HttpKeySource`]).
pub(crate) fn aws_tls_provider() -> tls::Provider {
    tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)
}

/// TLS trusting only the AWS root CAs, which also sign Cognito's JWKS endpoint.
pub(crate) fn aws_tls_context() -> Result<TlsContext, ConfigError> {
    let trust = TrustStore::empty().with_pem_certificate(AWS_ROOT_CAS);
    Ok(TlsContext::builder().with_trust_store(trust).build()?)
}

/// The chat of a route function that posts to connections, from the environment.
pub fn posting_chat_from_env()
-> Result<Chat<DynamoStore, ApiGatewayNotifier, SystemClock>, ConfigError> {
    posting_chat(&aws_sdk_config()?)
}

fn posting_chat(
    sdk: &SdkConfig,
) -> Result<Chat<DynamoStore, ApiGatewayNotifier, SystemClock>, ConfigError> {
    let tables = table_names_from_env()?;
    let endpoint = management_endpoint_from_env()?;
    Ok(Chat::new(
        DynamoStore::new(dynamodb_client(sdk), tables),
        ApiGatewayNotifier::new(management_client(sdk, &endpoint)),
        SystemClock,
    ))
}

/// The posting chat of a route function that also deletes media (a deleted message's
/// attachment), from the environment: one SDK configuration for both.
pub fn posting_chat_and_media_remover_from_env() -> Result<
    (
        Chat<DynamoStore, ApiGatewayNotifier, SystemClock>,
        S3MediaRemover,
    ),
    ConfigError,
> {
    let bucket = required(MEDIA_BUCKET_ENV)?;
    let sdk = aws_sdk_config()?;
    let chat = posting_chat(&sdk)?;
    let s3 = aws_sdk_s3::Client::from_conf(s3_config(&sdk).build());
    Ok((chat, S3MediaRemover::new(s3, bucket)))
}

/// The chat of a route function whose replies travel in the route response: it cannot post.
pub fn replying_chat_from_env() -> Result<Chat<DynamoStore, NoNotifier, SystemClock>, ConfigError> {
    let tables = table_names_from_env()?;
    let sdk = aws_sdk_config()?;
    Ok(Chat::new(
        DynamoStore::new(dynamodb_client(&sdk), tables),
        NoNotifier,
        SystemClock,
    ))
}

/// The media use cases of a route function that presigns, from the environment: over the store
/// too, which reads room memberships (a room's attachments are its members' only).
pub fn media_access_from_env()
-> Result<MediaAccess<DynamoStore, S3MediaSigner, SystemClock>, ConfigError> {
    let bucket = required(MEDIA_BUCKET_ENV)?;
    let tables = table_names_from_env()?;
    let sdk = aws_sdk_config()?;
    Ok(MediaAccess::new(
        DynamoStore::new(dynamodb_client(&sdk), tables),
        S3MediaSigner::presign_only(aws_sdk_s3::config::Builder::from(&sdk), bucket),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_store_holds_the_five_aws_root_cas() {
        let pem = std::str::from_utf8(AWS_ROOT_CAS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        for root in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(pem.contains(&format!("# {root}\n")), "{root}");
        }
    }

    fn endpoint_key(service_id: &str) -> ServiceConfigKey<'_> {
        ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .unwrap()
    }

    #[test]
    fn a_service_endpoint_variable_wins_over_the_general_one() {
        let set = |name: &str| match name {
            "AWS_ENDPOINT_URL_DYNAMODB" => Some("http://127.0.0.1:8000".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:4566".to_owned()),
            "AWS_ENDPOINT_URL_COST_EXPLORER" => Some(String::new()),
            _ => None,
        };
        let dynamodb = service_setting(&endpoint_key("DynamoDB"), set);
        assert_eq!(dynamodb.as_deref(), Some("http://127.0.0.1:8000"));
        let s3 = service_setting(&endpoint_key("S3"), set);
        assert_eq!(s3.as_deref(), Some("http://127.0.0.1:4566"));
        // An empty variable is unset, so the general one applies.
        let spaced = service_setting(&endpoint_key("Cost Explorer"), set);
        assert_eq!(spaced.as_deref(), Some("http://127.0.0.1:4566"));
        assert_eq!(service_setting(&endpoint_key("DynamoDB"), |_| None), None);
    }

    /// The trust store is parsed when the first connection is made: a request through the client
    /// must fail for want of a server, not because the certificates do not parse.
    #[tokio::test]
    async fn the_https_client_builds_its_connector_from_the_trust_store() {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
            .http_client(aws_https_client().unwrap())
            .endpoint_url(format!("https://127.0.0.1:{port}"))
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build();
        let error = aws_sdk_dynamodb::Client::from_conf(config)
            .list_tables()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, aws_sdk_dynamodb::error::SdkError::DispatchFailure(_)),
            "{error:?}"
        );
    }
}
