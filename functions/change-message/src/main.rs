//! Composition root of the `editMessage`, `deleteMessage` and `react` Lambda: configuration,
//! clients and ports, once per cold start. Besides the chat's store and connections it deletes a
//! deleted message's attachment (IAM: s3:DeleteObject on the media bucket's attachments/ only).

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let (chat, media) = config::posting_chat_and_media_remover_from_env()?;
    lambda::serve(|request| route_change_message::handle(&chat, &media, request)).await
}
