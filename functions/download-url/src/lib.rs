//! `getDownloadUrl` route: presigned S3 downloads for media keys, if the caller may read every one
//! of them (profile pictures: anyone signed in; a direct conversation's attachments: its two users,
//! as the key says; a room's: its members now, read from the store).

use chat_domain::MediaAccess;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::media_access::GetDownloadUrl;
use chat_domain::ports::{ConversationLookup, MediaSigner};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S: ConversationLookup, M: MediaSigner, C: Clock>(
    media: &MediaAccess<S, M, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |caller, get: GetDownloadUrl| async move {
        let grant = media.download_urls(&caller.identity.username, &get).await?;
        info!(keys = get.keys.len(), "downloads presigned");
        Ok(ServerEvent::download_urls(&grant, get.request_id.as_ref()))
    })
    .await
}
