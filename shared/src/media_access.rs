//! The media use cases: presigned uploads (`getUploadUrl`) and downloads (`getDownloadUrl`). Who
//! may do what is decided here from the caller's verified identity and the media rules; the signer
//! only signs. Profile pictures and direct conversations' attachments need nothing but the caller
//! and the keys; a room's attachments need the caller's membership, read from the store when asked
//! (strongly consistent: whoever has left the room gets no more URLs).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::try_join_all;

use crate::chat::ChatError;
use crate::conversation::{ConversationId, ConversationRef, Target};
use crate::media::{
    DOWNLOAD_URL_LIFETIME, MediaKey, MediaType, Purpose, ReadAccess, UPLOAD_URL_LIFETIME,
};
use crate::ports::{ConversationLookup, MediaSigner, PresignedRequest};
use crate::rules::{Clock, RequestId, UserKey, Username};

const FORBIDDEN_DOWNLOAD: &str = "only the members of a conversation can read its attachments";

/// `getUploadUrl`: a presigned upload for a file the client is about to send or set as its picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUploadUrl {
    pub upload_for: UploadFor,
    pub media_type: MediaType,
    pub size: u64,
    pub request_id: Option<RequestId>,
}

/// What an upload is for, with what that needs to choose its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadFor {
    Avatar,
    /// A file for a conversation of the caller's.
    Attachment {
        conversation: ConversationRef,
    },
}

impl UploadFor {
    pub fn purpose(&self) -> Purpose {
        match self {
            Self::Avatar => Purpose::Avatar,
            Self::Attachment { .. } => Purpose::Attachment,
        }
    }
}

/// `getDownloadUrl`: presigned downloads for media keys the client was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDownloadUrl {
    pub keys: Vec<MediaKey>,
    pub request_id: Option<RequestId>,
}

/// A presigned upload for a key the server chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    pub key: MediaKey,
    pub request: PresignedRequest,
    /// When the URL stops working (epoch ms).
    pub expires_at: i64,
}

/// Presigned downloads, one per key asked for, all valid until `expires_at` (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadGrant {
    pub urls: Vec<(MediaKey, String)>,
    pub expires_at: i64,
}

/// Uploads and downloads of media, over a signer and the membership lookup of rooms.
pub struct MediaAccess<S, M, C> {
    store: S,
    signer: M,
    clock: C,
}

impl<S, M, C> MediaAccess<S, M, C>
where
    S: ConversationLookup,
    M: MediaSigner,
    C: Clock,
{
    pub fn new(store: S, signer: M, clock: C) -> Self {
        Self {
            store,
            signer,
            clock,
        }
    }

    /// `getUploadUrl`: a key under the caller's own prefix (and, for an attachment, the
    /// conversation's), and a `PUT` signed for exactly the declared type and size. An attachment
    /// is only for a conversation of the caller's: a direct one they are one of the users of
    /// (decided by its id), or a room they are a member of now (else `not_a_member`, whether the
    /// room exists or not).
    pub async fn upload_url(
        &self,
        me: &Username,
        request: &GetUploadUrl,
    ) -> Result<UploadGrant, ChatError> {
        let me = me.key();
        let key = match &request.upload_for {
            UploadFor::Avatar => MediaKey::new_avatar(me, request.media_type),
            UploadFor::Attachment { conversation } => {
                let target = conversation.target(&me)?;
                if let Target::Room(room) = &target
                    && !self.is_member(room, &me).await?
                {
                    return Err(ChatError::NotAMember);
                }
                MediaKey::new_attachment_for(me, &target, request.media_type)
            }
        };
        let (now, expires_at) = self.validity(UPLOAD_URL_LIFETIME);
        let signed = self
            .signer
            .presign_upload(
                &key,
                request.media_type,
                request.size,
                now,
                UPLOAD_URL_LIFETIME,
            )
            .await?;
        Ok(UploadGrant {
            key,
            request: signed,
            expires_at,
        })
    }

    /// `getDownloadUrl`: a `GET` for every key, if the caller may read every one of them
    /// (else `forbidden_media`, and nothing is signed). Each room named by a key costs one
    /// membership read, however many of its files are asked for.
    pub async fn download_urls(
        &self,
        me: &Username,
        request: &GetDownloadUrl,
    ) -> Result<DownloadGrant, ChatError> {
        let me = me.key();
        let mut rooms: Vec<&ConversationId> = Vec::new();
        for key in &request.keys {
            match key.read_access(&me) {
                ReadAccess::Granted => {}
                ReadAccess::Denied => return Err(ChatError::ForbiddenMedia(FORBIDDEN_DOWNLOAD)),
                ReadAccess::IfMemberOf(room) => {
                    if !rooms.contains(&room) {
                        rooms.push(room);
                    }
                }
            }
        }
        let memberships = try_join_all(rooms.iter().map(|room| self.is_member(room, &me))).await?;
        if memberships.contains(&false) {
            return Err(ChatError::ForbiddenMedia(FORBIDDEN_DOWNLOAD));
        }
        let (now, expires_at) = self.validity(DOWNLOAD_URL_LIFETIME);
        let mut urls = Vec::with_capacity(request.keys.len());
        for key in &request.keys {
            let signed = self
                .signer
                .presign_download(key, now, DOWNLOAD_URL_LIFETIME)
                .await?;
            urls.push((key.clone(), signed.url));
        }
        Ok(DownloadGrant { urls, expires_at })
    }

    /// Whether `user` is a member of `room` now (strongly consistent).
    async fn is_member(&self, room: &ConversationId, user: &UserKey) -> Result<bool, ChatError> {
        Ok(self.store.member(room, user).await?.is_some())
    }

    /// The signing time (whole seconds, as SigV4 signs it) and when a URL signed then expires.
    fn validity(&self, lifetime: Duration) -> (SystemTime, i64) {
        let now_ms = self.clock.now_millis();
        let signed_at_ms = now_ms - now_ms.rem_euclid(1000);
        let signed_at =
            UNIX_EPOCH + Duration::from_millis(u64::try_from(signed_at_ms).unwrap_or(0));
        let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        (signed_at, signed_at_ms.saturating_add(lifetime_ms))
    }
}
