//! What the server sends to clients (docs/protocol.md, "Server events"), told apart by their `type`
//! field. Every event is built here, from the domain's values, so the handlers and use cases never
//! assemble wire structs themselves.

mod views;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chat::{
    InboxPage, MembershipChange, MembershipChangeKind, ReadPoint, RoomMembers, Watched,
};
use crate::media_access::{DownloadGrant, GetUploadUrl, UploadGrant};
use crate::model::{Message, MessagePage, Room, User, UserPage};
use crate::rules::RequestId;

pub use views::{
    AttachmentView, ConversationView, LastMessageView, MemberView, MessageView, PersonView,
    RoomView, UserView,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerEvent {
    /// A message for this user (or sent by this user from another connection).
    Message { message: MessageView },
    /// The sending connection's confirmation: the message as stored.
    MessageAck {
        message: MessageView,
        /// True when this was a retry of a message already stored.
        duplicate: bool,
    },
    /// A page of a conversation's history, newest first.
    Messages {
        conversation_id: String,
        /// The other user of a direct conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        with: Option<String>,
        messages: Vec<MessageView>,
        next_cursor: Option<String>,
    },
    /// A user came online or went offline: to their direct partners and watchers.
    Presence { user: UserView },
    /// A room was created (to its creator), renamed (to its members).
    Room {
        room: RoomView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A room's membership changed: members added, removed, left, or a role changed.
    Membership {
        conversation_id: String,
        room: RoomView,
        change: String,
        users: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<String>,
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A page of a conversation's members.
    Members {
        conversation_id: String,
        members: Vec<MemberView>,
        next_cursor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A page of the caller's inbox.
    Conversations {
        conversations: Vec<ConversationView>,
        next_cursor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A member's read point moved.
    ReadState {
        conversation_id: String,
        username: String,
        message_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A page of the people directory.
    People {
        users: Vec<PersonView>,
        next_cursor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Answer to `watchPresence`: the watched users' presence now.
    Watched {
        conversation_id: String,
        users: Vec<UserView>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A user changed their profile picture (also the answer to `setAvatar`, which alone carries
    /// the request's `requestId`).
    Profile {
        user: UserView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Answer to `getUploadUrl`: where and how the browser sends the file.
    UploadUrl {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        purpose: String,
        key: String,
        url: String,
        method: String,
        headers: BTreeMap<String, String>,
        content_type: String,
        size: u64,
        expires_at: i64,
    },
    /// Answer to `getDownloadUrl`: a presigned URL per key.
    DownloadUrls {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        urls: BTreeMap<String, String>,
        expires_at: i64,
    },
    /// Answer to `ping`.
    Pong,
    /// A request was refused; the connection stays open.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
}

fn echo(request_id: Option<&RequestId>) -> Option<String> {
    request_id.map(|id| id.as_str().to_owned())
}

/// The ids of a request that its answer, or its refusal, carries back so the client can tell
/// which of its requests it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Echo {
    pub client_message_id: Option<String>,
    pub request_id: Option<String>,
}

impl Echo {
    pub fn request_id(id: Option<&RequestId>) -> Self {
        Self {
            request_id: id.map(|id| id.as_str().to_owned()),
            ..Self::default()
        }
    }
}

impl ServerEvent {
    /// A message delivered to a live connection.
    pub fn message(message: &Message) -> Self {
        Self::Message {
            message: message.into(),
        }
    }

    pub fn message_ack(message: &Message, duplicate: bool) -> Self {
        Self::MessageAck {
            message: message.into(),
            duplicate,
        }
    }

    /// A history page of `conversation_id`; `with` names the other user of a direct conversation.
    pub fn messages(conversation_id: &str, with: Option<String>, page: &MessagePage) -> Self {
        Self::Messages {
            conversation_id: conversation_id.to_owned(),
            with,
            messages: page.messages.iter().map(MessageView::from).collect(),
            next_cursor: page.next.as_ref().map(|cursor| cursor.encode()),
        }
    }

    pub fn room(room: &Room, request_id: Option<&RequestId>) -> Self {
        Self::Room {
            room: room.into(),
            request_id: echo(request_id),
        }
    }

    pub fn membership(change: &MembershipChange, request_id: Option<&RequestId>) -> Self {
        Self::Membership {
            conversation_id: change.room.id.as_str().to_owned(),
            room: (&change.room).into(),
            change: match change.kind {
                MembershipChangeKind::Added => "added",
                MembershipChangeKind::Removed => "removed",
                MembershipChangeKind::Left => "left",
                MembershipChangeKind::Role => "role",
            }
            .to_owned(),
            users: change
                .users
                .iter()
                .map(|user| user.as_str().to_owned())
                .collect(),
            role: change.role.map(|role| role.as_str().to_owned()),
            by: change.by.as_str().to_owned(),
            request_id: echo(request_id),
        }
    }

    pub fn members(members: &RoomMembers, request_id: Option<&RequestId>) -> Self {
        Self::Members {
            conversation_id: members.conversation.as_str().to_owned(),
            members: MemberView::page(members),
            next_cursor: members.next.as_ref().map(crate::model::encode_key_cursor),
            request_id: echo(request_id),
        }
    }

    pub fn conversations(page: &InboxPage, request_id: Option<&RequestId>) -> Self {
        Self::Conversations {
            conversations: page.entries.iter().map(ConversationView::from).collect(),
            next_cursor: page.next.as_ref().map(crate::chat::InboxCursor::encode),
            request_id: echo(request_id),
        }
    }

    pub fn read_state(point: &ReadPoint, request_id: Option<&RequestId>) -> Self {
        Self::ReadState {
            conversation_id: point.conversation.as_str().to_owned(),
            username: point.username.as_str().to_owned(),
            message_id: point.message_id.clone(),
            request_id: echo(request_id),
        }
    }

    pub fn people(page: &UserPage, request_id: Option<&RequestId>) -> Self {
        Self::People {
            users: page.users.iter().map(PersonView::from).collect(),
            next_cursor: page.next.as_ref().map(crate::model::encode_key_cursor),
            request_id: echo(request_id),
        }
    }

    pub fn watched(watched: &Watched, request_id: Option<&RequestId>) -> Self {
        Self::Watched {
            conversation_id: watched.conversation.as_str().to_owned(),
            users: watched.users.iter().map(UserView::from).collect(),
            request_id: echo(request_id),
        }
    }

    pub fn presence(user: &User) -> Self {
        Self::Presence {
            user: UserView::from(user),
        }
    }

    /// A profile change; `request_id` only in the answer to the `setAvatar` that made it.
    pub fn profile(user: &User, request_id: Option<&RequestId>) -> Self {
        Self::Profile {
            user: UserView::from(user),
            request_id: request_id.map(|id| id.as_str().to_owned()),
        }
    }

    /// The `uploadUrl` answer to `request`.
    pub fn upload_url(grant: &UploadGrant, request: &GetUploadUrl) -> Self {
        Self::UploadUrl {
            request_id: request.request_id.as_ref().map(|id| id.as_str().to_owned()),
            purpose: request.upload_for.purpose().as_str().to_owned(),
            key: grant.key.to_string(),
            url: grant.request.url.clone(),
            method: grant.request.method.clone(),
            headers: grant.request.headers.iter().cloned().collect(),
            content_type: request.media_type.mime().to_owned(),
            size: request.size,
            expires_at: grant.expires_at,
        }
    }

    /// The `downloadUrls` answer to the request with `request_id`.
    pub fn download_urls(grant: &DownloadGrant, request_id: Option<&RequestId>) -> Self {
        Self::DownloadUrls {
            request_id: request_id.map(|id| id.as_str().to_owned()),
            urls: grant
                .urls
                .iter()
                .map(|(key, url)| (key.to_string(), url.clone()))
                .collect(),
            expires_at: grant.expires_at,
        }
    }

    /// A refusal with a stable `code`, about `action` when it is known.
    pub fn error(code: &str, message: impl Into<String>, action: Option<&str>, echo: Echo) -> Self {
        Self::Error {
            code: code.to_owned(),
            message: message.into(),
            action: action.map(str::to_owned),
            client_message_id: echo.client_message_id,
            request_id: echo.request_id,
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no custom impls.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::MediaType;
    use crate::rules::TEXT_MAX_CHARS;
    use serde_json::{Value, json};

    const AVATAR_KEY: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

    #[test]
    fn events_serialize_with_type_and_camel_case_fields() {
        let user = UserView {
            username: "bob".into(),
            online: false,
            last_seen: Some(5),
            avatar_key: None,
        };
        assert_eq!(
            serde_json::to_value(ServerEvent::Presence { user }).unwrap(),
            json!({"type": "presence", "user": {"username": "bob", "online": false, "lastSeen": 5}})
        );
        assert_eq!(
            serde_json::to_value(ServerEvent::messages(
                "dm#alice#bob",
                Some("bob".into()),
                &MessagePage::default()
            ))
            .unwrap(),
            json!({"type": "messages", "conversationId": "dm#alice#bob", "with": "bob", "messages": [], "nextCursor": null})
        );
        assert_eq!(ServerEvent::Pong.to_json(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn largest_valid_message_event_stays_far_below_the_32k_frame() {
        let message = MessageView {
            id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
            conversation_id: format!("dm#{}#{}", "a".repeat(32), "b".repeat(32)),
            from: "a".repeat(32),
            to: Some("b".repeat(32)),
            text: "😀".repeat(TEXT_MAX_CHARS),
            sent_at: i64::MAX,
            client_message_id: "c".repeat(64),
            attachment: Some(AttachmentView {
                key: format!(
                    "attachments/dm/{}/{}/{}/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pptx",
                    "a".repeat(32),
                    "b".repeat(32),
                    "a".repeat(32)
                ),
                name: "😀".repeat(crate::rules::FILE_NAME_MAX_CHARS),
                content_type: MediaType::Pptx.mime().to_owned(),
                size: u64::MAX,
            }),
        };
        let size = ServerEvent::Message { message }.to_json().len();
        assert!(size < 20 * 1024, "{size} bytes");
    }

    #[test]
    fn media_fields_serialize_only_when_present() {
        let user = UserView {
            username: "bob".into(),
            online: true,
            last_seen: None,
            avatar_key: Some(AVATAR_KEY.into()),
        };
        assert_eq!(
            serde_json::to_value(ServerEvent::Profile {
                user,
                request_id: None
            })
            .unwrap(),
            json!({"type": "profile", "user": {"username": "bob", "online": true, "avatarKey": AVATAR_KEY}})
        );
        let plain: Value =
            serde_json::from_str(&ServerEvent::error("x", "y", None, Echo::default()).to_json())
                .unwrap();
        assert!(plain.get("requestId").is_none());
        assert!(plain.get("clientMessageId").is_none());
    }
}
