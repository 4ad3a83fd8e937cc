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
