//! `getDownloadUrl`: presigned S3 downloads for media keys, if the caller may read every one of
//! them (profile pictures: anyone signed in; a direct conversation's attachments: its two users, as
//! the key says; a room's: its members now, read from the store).

use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::media_access::GetDownloadUrl;
use chat_domain::ports::{ConversationLookup, MediaSigner};
use chat_domain::rules::Clock;
use chat_domain::{ChatError, MediaAccess};
use tracing::info;

pub(crate) async fn get_download_url<S: ConversationLookup, M: MediaSigner, C: Clock>(
    media: &MediaAccess<S, M, C>,
    caller: &Caller<'_>,
    get: GetDownloadUrl,
) -> Result<ServerEvent, ChatError> {
    let grant = media.download_urls(&caller.identity.username, &get).await?;
    info!(keys = get.keys.len(), "downloads presigned");
    Ok(ServerEvent::download_urls(&grant, get.request_id.as_ref()))
}
