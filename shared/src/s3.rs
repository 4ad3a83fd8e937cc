//! The S3 adapter of [`MediaSigner`]: presigned `PutObject` and `GetObject` on the media bucket.
//! Presigning is computed locally from the function's credentials; it never calls S3.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::{PresignedRequest as S3Presigned, PresigningConfig};

use crate::media::{MediaKey, MediaType};
use crate::ports::{MediaSigner, PresignedRequest, SignError};

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

    #[tokio::test]
    async fn a_presign_only_signer_cannot_send_a_request() {
        let signer = presign_only_signer();
        let sent = signer.client.list_buckets().send().await;
        let error = format!("{:?}", sent.unwrap_err());
        assert!(error.contains("HTTP client"), "{error}");
    }
}
