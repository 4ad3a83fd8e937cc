//! `getUploadUrl`: a presigned S3 upload for a profile picture or an attachment, under a key the
//! server chooses, for exactly the declared type and size. An attachment is only for a
//! conversation of the caller's (a room's membership is read first).

use chat_domain::events::ServerEvent;
use chat_domain::lambda::Caller;
use chat_domain::media_access::GetUploadUrl;
use chat_domain::ports::{ConversationLookup, MediaSigner};
use chat_domain::rules::Clock;
use chat_domain::{ChatError, MediaAccess};
use tracing::info;

pub(crate) async fn get_upload_url<S: ConversationLookup, M: MediaSigner, C: Clock>(
    media: &MediaAccess<S, M, C>,
    caller: &Caller<'_>,
    get: GetUploadUrl,
) -> Result<ServerEvent, ChatError> {
    let grant = media.upload_url(&caller.identity.username, &get).await?;
    info!(
        purpose = get.upload_for.purpose().as_str(),
        content_type = get.media_type.mime(),
        size = get.size,
        "upload presigned"
    );
    Ok(ServerEvent::upload_url(&grant, &get))
}
