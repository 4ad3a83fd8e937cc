//! The S3 adapters of the media bucket: [`MediaSigner`] (presigned `PutObject` and `GetObject`,
//! computed locally from the function's credentials, never calling S3) and [`MediaDeletion`]
//! (`DeleteObject`, a deleted message's attachment).

use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest as S3Presigned, PresigningConfig};

use crate::media::{MediaKey, MediaType};
use crate::ports::{MediaDeletion, MediaSigner, PresignedRequest, SignError, StoreError};

/// Headers a browser sets itself and may not set from script (the `Content-Length` is still
/// signed, so S3 refuses a body of another size).
const SET_BY_BROWSER: [&str; 2] = ["content-length", "host"];

/// Signs requests for one bucket.
#[derive(Debug, Clone)]
pub struct S3MediaSigner {
    client: Client,
    bucket: String,
}

impl S3MediaSigner {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// A signer whose client can only presign: it has no HTTP client, so no request can ever be
    /// sent through it (presigning stops before sending), and building it skips the TLS set-up a
    /// request would need, at every cold start of the functions that presign.
    pub fn presign_only(config: aws_sdk_s3::config::Builder, bucket: impl Into<String>) -> Self {
        let mut config = Self::configure(config);
        config.set_http_client(None);
        Self::new(Client::from_conf(config.build()), bucket)
    }

    /// The client settings presigning needs. Checksums only where S3 requires them: by default
    /// the SDK would sign a checksum of the (empty) request body into an upload URL, and S3 would
    /// then refuse the browser's real file.
    pub fn configure(config: aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder {
        config.request_checksum_calculation(
            aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
        )
    }
}

fn presigning(
    operation: &'static str,
    now: SystemTime,
    lifetime: Duration,
) -> Result<PresigningConfig, SignError> {
    PresigningConfig::builder()
        .start_time(now)
        .expires_in(lifetime)
        .build()
        .map_err(|e| sign_error(operation, e))
}

fn sign_error(
    operation: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> SignError {
    SignError {
        operation,
        source: Box::new(source),
    }
}

fn browser_request(presigned: &S3Presigned) -> PresignedRequest {
    PresignedRequest {
        method: presigned.method().to_owned(),
        url: presigned.uri().to_owned(),
        headers: presigned
            .headers()
            .filter(|(name, _)| !SET_BY_BROWSER.contains(&name.to_ascii_lowercase().as_str()))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect(),
    }
}

impl MediaSigner for S3MediaSigner {
    async fn presign_upload(
        &self,
        key: &MediaKey,
        media_type: MediaType,
        size: u64,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<PresignedRequest, SignError> {
        const OPERATION: &str = "PutObject";
        let size = i64::try_from(size).map_err(|e| sign_error(OPERATION, e))?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.to_string())
            // Both are signed: S3 refuses another type or another size.
            .content_type(media_type.mime())
            .content_length(size)
            .presigned(presigning(OPERATION, now, lifetime)?)
            .await
            .map_err(|e| sign_error(OPERATION, e))?;
        Ok(browser_request(&presigned))
    }

    async fn presign_download(
        &self,
        key: &MediaKey,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<PresignedRequest, SignError> {
        const OPERATION: &str = "GetObject";
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.to_string())
            .presigned(presigning(OPERATION, now, lifetime)?)
            .await
            .map_err(|e| sign_error(OPERATION, e))?;
        Ok(browser_request(&presigned))
    }
}

/// Deletes objects of one bucket. Separate from [`S3MediaSigner`], whose client may be unable to
/// send anything ([`S3MediaSigner::presign_only`]): this one's client sends requests.
#[derive(Debug, Clone)]
pub struct S3MediaRemover {
    client: Client,
    bucket: String,
}

impl S3MediaRemover {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

impl MediaDeletion for S3MediaRemover {
    async fn delete_object(&self, key: &MediaKey) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.to_string())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // S3 answers a missing key with success; a store that says 404/NoSuchKey means the
            // same: the object is gone, which is what a retried deletion wants.
            Err(SdkError::ServiceError(e))
                if e.err().code() == Some("NoSuchKey") || e.raw().status().as_u16() == 404 =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::request("DeleteObject", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

    fn presign_only_signer() -> S3MediaSigner {
        let config = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::for_tests());
        S3MediaSigner::presign_only(config, "media")
    }

    #[tokio::test]
    async fn a_presign_only_signer_signs_without_an_http_client() {
        let key = MediaKey::new_avatar(
            crate::rules::Username::parse("alice").unwrap().key(),
            MediaType::Png,
        );
        let upload = presign_only_signer()
            .presign_upload(
                &key,
                MediaType::Png,
                1024,
                SystemTime::now(),
                Duration::from_secs(300),
            )
            .await
            .unwrap();
        assert_eq!(upload.method, "PUT");
        assert!(
            upload
                .url
                .starts_with("https://media.s3.eu-west-1.amazonaws.com/avatars/alice/")
        );
        assert!(upload.url.contains("X-Amz-Signature="), "{}", upload.url);
    }

    /// A remover of bucket `media` whose client answers each DeleteObject of `key` with `status`
    /// (and an S3 error document with `code`, if any).
    fn remover_answering(
        key: &MediaKey,
        status: u16,
        code: Option<&'static str>,
    ) -> (S3MediaRemover, aws_smithy_mocks::Rule) {
        use aws_sdk_s3::primitives::SdkBody;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};

        let key = key.to_string();
        let rule = mock!(aws_sdk_s3::Client::delete_object)
            .match_requests(move |r| r.bucket() == Some("media") && r.key() == Some(key.as_str()))
            .then_http_response(move || {
                let body = code.map_or_else(SdkBody::empty, |code| {
                    SdkBody::from(format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                         <Error><Code>{code}</Code><Message>refused</Message></Error>"
                    ))
                });
                aws_smithy_runtime_api::http::Response::new(
                    aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
                    body,
                )
            });
        let client = mock_client!(aws_sdk_s3, RuleMode::Sequential, [&rule], |config| config
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()));
        (S3MediaRemover::new(client, "media"), rule)
    }

    fn attachment_key() -> MediaKey {
        let user = |name| crate::rules::Username::parse(name).unwrap().key();
        MediaKey::new_attachment(user("alice"), user("bob"), MediaType::Pdf)
    }

    #[tokio::test]
    async fn deleting_an_object_sends_one_delete_object_for_its_key() {
        let key = attachment_key();
        let (remover, rule) = remover_answering(&key, 204, None);
        remover.delete_object(&key).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_object_already_gone_is_deleted() {
        let key = attachment_key();
        let (remover, rule) = remover_answering(&key, 404, Some("NoSuchKey"));
        remover.delete_object(&key).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_deletion_is_an_error() {
        let key = attachment_key();
        let (remover, _rule) = remover_answering(&key, 403, Some("AccessDenied"));
        let error = remover.delete_object(&key).await.unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::Request {
                    operation: "DeleteObject",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_presign_only_signer_cannot_send_a_request() {
        let signer = presign_only_signer();
        let sent = signer.client.list_buckets().send().await;
        let error = format!("{:?}", sent.unwrap_err());
        assert!(error.contains("HTTP client"), "{error}");
    }
}
