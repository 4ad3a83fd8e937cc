//! `getUploadUrl` route: a presigned S3 upload for a profile picture or an attachment, under a key
//! the server chooses, for exactly the declared type and size. An attachment is only for a
//! conversation of the caller's (a room's membership is read first). The file itself goes from the
//! browser to S3, never through this function or the WebSocket.

use chat_domain::MediaAccess;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::media_access::GetUploadUrl;
use chat_domain::ports::{ConversationLookup, MediaSigner};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<S: ConversationLookup, M: MediaSigner, C: Clock>(
    media: &MediaAccess<S, M, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |caller, get: GetUploadUrl| async move {
        let grant = media.upload_url(&caller.identity.username, &get).await?;
        info!(
            purpose = get.upload_for.purpose().as_str(),
            content_type = get.media_type.mime(),
            size = get.size,
            "upload presigned"
        );
        Ok(ServerEvent::upload_url(&grant, &get))
    })
    .await
}
