//! `getUploadUrl` route: a presigned S3 upload for a profile picture or an attachment, under a key
//! the server chooses, for exactly the declared type and size. The file itself goes from the
//! browser to S3, never through this function or the WebSocket.

use chat_domain::MediaAccess;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::MediaSigner;
use chat_domain::protocol::{ClientAction, GET_UPLOAD_URL};
use chat_domain::rules::Clock;
use tracing::info;

pub async fn handle<M: MediaSigner, C: Clock>(
    media: &MediaAccess<M, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    let request = &request;
    lambda::route_as_caller(request, |caller| async move {
        let get = match lambda::decode(request) {
            Ok(ClientAction::GetUploadUrl(get)) => get,
            other => return lambda::reply(&lambda::not_served(other, GET_UPLOAD_URL)),
        };
        let event = match media.upload_url(&caller.identity.username, &get).await {
            Ok(grant) => {
                info!(
                    purpose = get.upload_for.purpose().as_str(),
                    content_type = get.media_type.mime(),
                    size = get.size,
                    "upload presigned"
                );
                grant.to_event(&get)
            }
            Err(error) => {
                lambda::request_error_event(&error, GET_UPLOAD_URL, get.request_id.as_ref())
            }
        };
        lambda::reply(&event)
    })
    .await
}
