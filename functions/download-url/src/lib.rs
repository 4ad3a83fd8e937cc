//! `getDownloadUrl` route: presigned S3 downloads for media keys, if the caller may read every one
//! of them (profile pictures: anyone signed in; attachments: the two users of the conversation).

use chat_domain::MediaAccess;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::MediaSigner;
use chat_domain::protocol::{ClientAction, GET_DOWNLOAD_URL};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<M: MediaSigner, C: Clock>(
    media: &MediaAccess<M, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        let get = match lambda::decode(request) {
            Ok(ClientAction::GetDownloadUrl(get)) => get,
            other => return lambda::reply(&lambda::not_served(other, GET_DOWNLOAD_URL)),
        };
        let event = match media.download_urls(&caller.identity.username, &get).await {
            Ok(grant) => {
                info!(keys = get.keys.len(), "downloads presigned");
                grant.to_event(&get)
            }
            Err(error) => {
                lambda::request_error_event(&error, GET_DOWNLOAD_URL, get.request_id.as_ref())
            }
        };
        lambda::reply(&event)
    })
    .await
}
