//! Composition root of the media URLs Lambda (`getUploadUrl`, `getDownloadUrl`): configuration,
//! clients and ports, once per cold start. It presigns uploads and downloads (IAM: s3:PutObject and
//! s3:GetObject on the media prefixes), reads room memberships (IAM: dynamodb:GetItem on the
//! Conversations table) and never posts to connections.

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let media = config::media_access_from_env()?;
    lambda::serve(|request| route_media_urls::handle(&media, request)).await
}
