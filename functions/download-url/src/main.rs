//! Composition root of the `getDownloadUrl` Lambda: configuration, clients and ports, once per cold
//! start. It presigns downloads (IAM: s3:GetObject on the media prefixes), reads room memberships
//! (IAM: dynamodb:GetItem on the Conversations table) and never posts.

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let media = config::media_access_from_env()?;
    lambda::serve(|request| route_download_url::handle(&media, request)).await
}
