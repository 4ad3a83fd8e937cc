//! What the server sends to clients (docs/protocol.md, "Server events"), told apart by their `type`
//! field. Every event is built here, from the domain's values, so the handlers and use cases never
//! assemble wire structs themselves.

mod views;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chat::{
    History, InboxPage, MembershipChange, MembershipChangeKind, Reacted, ReadPoint, RoomMembers,
    SentMessage, Watched,
};
use crate::conversation::ConversationId;
use crate::media_access::{DownloadGrant, GetUploadUrl, UploadGrant};
use crate::model::{Deletion, Message, Room, User, UserPage};
use crate::rules::{RequestId, UserKey, Username};

pub use views::{
    AttachmentView, ConversationView, LastMessageView, MemberView, MessageView, PersonView,
    ReactionView, ReplyView, RoomView, UserView,
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
    /// A message's text was edited (to the conversation's members; the answer to `editMessage`
    /// carries its `requestId`).
    MessageEdited {
        conversation_id: String,
        message_id: String,
        text: String,
        /// Absent only in the answer to an edit that changed nothing of a never edited message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        edited_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A message was deleted: only its tombstone stays.
    MessageDeleted {
        conversation_id: String,
        message_id: String,
        deleted_at: i64,
        deleted_by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// `user` reacts (`reacted`) or no longer reacts with `emoji` to a message; `count` is the
    /// emoji's count now.
    Reaction {
        conversation_id: String,
        message_id: String,
        emoji: String,
        count: u32,
        user: String,
        reacted: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// `from` is typing in the conversation (to the other members only).
    Typing {
        conversation_id: String,
        from: String,
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
    /// A new message delivered to a live connection, with the quote of the message it answers
    /// (`quoted`). A new message has no reactions, so it reads the same for every viewer.
    pub fn message(message: &Message, quoted: Option<&Message>) -> Self {
        Self::Message {
            message: MessageView::for_viewer(message, quoted, &message.from.key()),
        }
    }

    /// The sending connection's answer: the message as stored (the original one when this was a
    /// retry), as its sender sees it.
    pub fn message_ack(sent: &SentMessage) -> Self {
        let message = &sent.message;
        Self::MessageAck {
            message: MessageView::for_viewer(message, sent.quoted.as_ref(), &message.from.key()),
            duplicate: sent.duplicate,
        }
    }

    /// A history page as `viewer` sees it (their reactions flagged), with the quotes resolved.
    pub fn messages(history: &History, viewer: &UserKey) -> Self {
        let quote = |message: &Message| {
            let reference = message.reply_to.as_ref()?;
            history
                .quoted
                .iter()
                .find(|quoted| quoted.id == reference.id)
        };
        Self::Messages {
            conversation_id: history.conversation.id().as_str().to_owned(),
            with: history.with.clone(),
            messages: history
                .page
                .messages
                .iter()
                .map(|message| MessageView::for_viewer(message, quote(message), viewer))
                .collect(),
            next_cursor: history.page.next.as_ref().map(|cursor| cursor.encode()),
        }
    }

    /// `message`'s text as it now is.
    pub fn message_edited(message: &Message, request_id: Option<&RequestId>) -> Self {
        Self::MessageEdited {
            conversation_id: message.conversation_id.as_str().to_owned(),
            message_id: message.id.clone(),
            text: message.text.clone(),
            edited_at: message.edited_at,
            request_id: echo(request_id),
        }
    }

    /// `message` was deleted as `deletion` says.
    pub fn message_deleted(
        message: &Message,
        deletion: &Deletion,
        request_id: Option<&RequestId>,
    ) -> Self {
        Self::MessageDeleted {
            conversation_id: message.conversation_id.as_str().to_owned(),
            message_id: message.id.clone(),
            deleted_at: deletion.at,
            deleted_by: deletion.by.as_str().to_owned(),
            request_id: echo(request_id),
        }
    }

    pub fn reaction(reacted: &Reacted, request_id: Option<&RequestId>) -> Self {
        Self::Reaction {
            conversation_id: reacted.conversation.as_str().to_owned(),
            message_id: reacted.message_id.clone(),
            emoji: reacted.emoji.as_str().to_owned(),
            count: reacted.count,
            user: reacted.user.as_str().to_owned(),
            reacted: reacted.reacted,
            request_id: echo(request_id),
        }
    }

    pub fn typing(conversation: &ConversationId, from: &Username) -> Self {
        Self::Typing {
            conversation_id: conversation.as_str().to_owned(),
            from: from.as_str().to_owned(),
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
            serde_json::to_value(ServerEvent::Messages {
                conversation_id: "dm#alice#bob".into(),
                with: Some("bob".into()),
                messages: Vec::new(),
                next_cursor: None,
            })
            .unwrap(),
            json!({"type": "messages", "conversationId": "dm#alice#bob", "with": "bob", "messages": [], "nextCursor": null})
        );
        assert_eq!(ServerEvent::Pong.to_json(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn largest_valid_message_event_stays_far_below_the_32k_frame() {
        // The longest emoji a reaction may be, skin tones included.
        let emoji = emojis::iter()
            .flat_map(|emoji| {
                std::iter::once(emoji).chain(emoji.skin_tones().into_iter().flatten())
            })
            .map(emojis::Emoji::as_str)
            .max_by_key(|emoji| emoji.len())
            .unwrap();
        assert!(crate::reactions::Emoji::parse(emoji).is_ok());
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
            edited_at: Some(i64::MAX),
            deleted_at: None,
            deleted_by: None,
            reply_to: Some(ReplyView {
                message_id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
                from: Some("b".repeat(32)),
                text: "😀".repeat(crate::rooms::PREVIEW_MAX_CHARS),
                attachment_name: Some("😀".repeat(crate::rooms::PREVIEW_MAX_CHARS)),
                deleted: false,
            }),
            reactions: (0..crate::reactions::MAX_DISTINCT_REACTIONS)
                .map(|_| ReactionView {
                    emoji: emoji.to_owned(),
                    count: u32::MAX,
                    reacted: true,
                })
                .collect(),
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
