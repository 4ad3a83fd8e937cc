//! The media URLs routes: `getUploadUrl` and `getDownloadUrl`, one module each. They share one
//! function because both presign S3 requests for media keys under the same membership rules; see
//! docs/decisions.md, "One function per concept". Files go between the browser and S3, never
//! through this function or the WebSocket.

mod get_download_url;
mod get_upload_url;

use chat_domain::MediaAccess;
use chat_domain::events::Echo;
use chat_domain::lambda::{self, HandlerError, Request, Response, ServedActions};
use chat_domain::media_access::{GetDownloadUrl, GetUploadUrl};
use chat_domain::ports::{ConversationLookup, MediaSigner};
use chat_domain::protocol::{ClientAction, RoutedAction};
use chat_domain::rules::Clock;

/// The requests this function serves, one per route.
#[derive(Debug)]
pub enum MediaUrlRequest {
    Upload(GetUploadUrl),
    Download(GetDownloadUrl),
}

impl ServedActions for MediaUrlRequest {
    const ROUTES: &'static str = "getUploadUrl and getDownloadUrl";

    fn from_action(action: ClientAction) -> Option<Self> {
        match action {
            ClientAction::GetUploadUrl(get) => Some(Self::Upload(get)),
            ClientAction::GetDownloadUrl(get) => Some(Self::Download(get)),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Upload(_) => GetUploadUrl::NAME,
            Self::Download(_) => GetDownloadUrl::NAME,
        }
    }

    fn echo(&self) -> Echo {
        match self {
            Self::Upload(get) => RoutedAction::echo(get),
            Self::Download(get) => RoutedAction::echo(get),
        }
    }
}

pub async fn handle<S: ConversationLookup, M: MediaSigner, C: Clock>(
    media: &MediaAccess<S, M, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |caller, get: MediaUrlRequest| async move {
        match get {
            MediaUrlRequest::Upload(get) => {
                get_upload_url::get_upload_url(media, &caller, get).await
            }
            MediaUrlRequest::Download(get) => {
                get_download_url::get_download_url(media, &caller, get).await
            }
        }
    })
    .await
}
