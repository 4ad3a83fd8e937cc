//! The records events carry, as clients see them: never connection ids or internal keys.

use serde::{Deserialize, Serialize};

use crate::chat::{InboxEntry, RoomMembers};
use crate::media::{Attachment, MediaKey};
use crate::model::{LastMessage, Member, Message, MessageRef, Room, User};
use crate::reactions::Reaction;
use crate::rooms::{UNREAD_COUNT_CAP, preview};
use crate::rules::UserKey;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub conversation_id: String,
    pub from: String,
    /// The other user of a direct conversation; absent in a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub text: String,
    pub sent_at: i64,
    pub client_message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<AttachmentView>,
    /// When its author last edited the text (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// When it was deleted (epoch ms): then `text` is empty and there is no attachment, reply
    /// or reaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// Who deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<String>,
    /// The message it answers, as that one is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyView>,
    /// Ordered by emoji; `reacted` is the viewer's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionView>,
}

/// The quote of the message a reply answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyView {
    pub message_id: String,
    /// Absent only when the quoted message cannot be found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The beginning of its text ([`crate::rooms::preview`]); empty when deleted.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ReplyView {
    /// The quote of `reference`, from `original` when it was found.
    pub fn new(reference: &MessageRef, original: Option<&Message>) -> Self {
        let original = original.filter(|original| original.id == reference.id);
        let shown = original.filter(|original| original.deleted.is_none());
        Self {
            message_id: reference.id.clone(),
            from: original.map(|original| original.from.as_str().to_owned()),
            text: shown.map(|shown| preview(&shown.text)).unwrap_or_default(),
            // A quote is short: its file name is cut like its text.
            attachment_name: shown
                .and_then(|shown| shown.attachment.as_ref())
                .map(|attachment| preview(attachment.name.as_str())),
            deleted: original.is_some_and(|original| original.deleted.is_some()),
        }
    }
}

/// One emoji's reactions on a message, as one viewer sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionView {
    pub emoji: String,
    pub count: u32,
    /// Whether the viewer is among them.
    pub reacted: bool,
}

impl ReactionView {
    pub fn new(reaction: &Reaction, viewer: &UserKey) -> Self {
        Self {
            emoji: reaction.emoji.as_str().to_owned(),
            count: reaction.count(),
            reacted: reaction.includes(viewer),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub key: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

impl From<&Attachment> for AttachmentView {
    fn from(attachment: &Attachment) -> Self {
        Self {
            key: attachment.key.to_string(),
            name: attachment.name.as_str().to_owned(),
            content_type: attachment.media_type.mime().to_owned(),
            size: attachment.size,
        }
    }
}

impl MessageView {
    /// `message` as `viewer` sees it (their own reactions flagged), with the quote of the message
    /// it answers from `quoted` (which may be any message: only the one it answers is used).
    pub fn for_viewer(message: &Message, quoted: Option<&Message>, viewer: &UserKey) -> Self {
        let deleted = message.deleted.as_ref();
        let shown = deleted.is_none().then_some(message);
        Self {
            id: message.id.clone(),
            conversation_id: message.conversation_id.as_str().to_owned(),
            from: message.from.as_str().to_owned(),
            to: message.to.as_ref().map(|to| to.as_str().to_owned()),
            text: shown.map(|shown| shown.text.clone()).unwrap_or_default(),
            sent_at: message.sent_at,
            client_message_id: message.client_message_id.as_str().to_owned(),
            attachment: shown
                .and_then(|shown| shown.attachment.as_ref())
                .map(AttachmentView::from),
            edited_at: message.edited_at,
            deleted_at: deleted.map(|deletion| deletion.at),
            deleted_by: deleted.map(|deletion| deletion.by.as_str().to_owned()),
            reply_to: shown
                .and_then(|shown| shown.reply_to.as_ref())
                .map(|reference| ReplyView::new(reference, quoted)),
            reactions: shown
                .map(|shown| {
                    let mut reactions: Vec<ReactionView> = shown
                        .reactions
                        .iter()
                        .filter(|reaction| reaction.count() > 0)
                        .map(|reaction| ReactionView::new(reaction, viewer))
                        .collect();
                    reactions.sort_by(|a, b| a.emoji.cmp(&b.emoji));
                    reactions
                })
                .unwrap_or_default(),
        }
    }
}

/// A user as clients see them: never their connection ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub username: String,
    pub online: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            username: user.username.as_str().to_owned(),
            online: user.is_online(),
            last_seen: user.last_seen,
            avatar_key: user.avatar_key.as_ref().map(MediaKey::to_string),
        }
    }
}

/// A room's details, as its members see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomView {
    pub conversation_id: String,
    pub name: String,
    pub member_count: u32,
    pub created_by: String,
    pub created_at: i64,
}

impl From<&Room> for RoomView {
    fn from(room: &Room) -> Self {
        Self {
            conversation_id: room.id.as_str().to_owned(),
            name: room.name.clone(),
            member_count: room.member_count,
            created_by: room.created_by.as_str().to_owned(),
            created_at: room.created_at,
        }
    }
}

/// A member of a conversation: role, read point and presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub username: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_message_id: Option<String>,
    pub online: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
}

impl MemberView {
    pub fn new(member: &Member, user: Option<&User>) -> Self {
        Self {
            username: user.map_or_else(
                || member.username.as_str().to_owned(),
                |user| user.username.as_str().to_owned(),
            ),
            role: member.role.as_str().to_owned(),
            read_message_id: member.read_message_id.clone(),
            online: user.is_some_and(User::is_online),
            last_seen: user.and_then(|user| user.last_seen),
            avatar_key: user
                .and_then(|user| user.avatar_key.as_ref())
                .map(MediaKey::to_string),
        }
    }

    pub fn page(members: &RoomMembers) -> Vec<Self> {
        members
            .members
            .iter()
            .map(|(member, user)| Self::new(member, user.as_ref()))
            .collect()
    }
}

/// A person in the directory: no presence (that is for those who share a conversation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
}

impl From<&User> for PersonView {
    fn from(user: &User) -> Self {
        Self {
            username: user.username.as_str().to_owned(),
            avatar_key: user.avatar_key.as_ref().map(MediaKey::to_string),
        }
    }
}

/// A conversation's last message, as the inbox previews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastMessageView {
    pub message_id: String,
    pub from: String,
    pub preview: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_name: Option<String>,
    pub sent_at: i64,
    /// The message was deleted (then the preview is empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl From<&LastMessage> for LastMessageView {
    fn from(last: &LastMessage) -> Self {
        Self {
            message_id: last.message_id.clone(),
            from: last.from.as_str().to_owned(),
            preview: if last.deleted {
                String::new()
            } else {
                last.preview.clone()
            },
            attachment_name: last.attachment_name.clone().filter(|_| !last.deleted),
            sent_at: last.sent_at,
            deleted: last.deleted,
        }
    }
}

/// One conversation of the caller's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    pub conversation_id: String,
    /// `direct` or `room`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The other user of a direct conversation, with presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<UserView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    /// The caller's role in a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<LastMessageView>,
    pub last_activity_at: i64,
    /// Unread messages, exact up to 99; with `unreadMore`, "99+".
    pub unread: u32,
    pub unread_more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_read_message_id: Option<String>,
}

impl From<&InboxEntry> for ConversationView {
    fn from(entry: &InboxEntry) -> Self {
        let room = entry.meta.room.as_ref();
        let with = entry.other.as_ref().map(UserView::from).or_else(|| {
            // The other user's record is gone: show them by the key in the id, offline.
            let (a, b) = entry.meta.id.direct_members()?;
            let other = if a == entry.membership.username.key() {
                b
            } else {
                a
            };
            Some(UserView {
                username: other.as_str().to_owned(),
                online: false,
                last_seen: None,
                avatar_key: None,
            })
        });
        Self {
            conversation_id: entry.meta.id.as_str().to_owned(),
            kind: if room.is_some() { "room" } else { "direct" }.to_owned(),
            name: room.map(|room| room.name.clone()),
            with: if room.is_some() { None } else { with },
            member_count: room.map(|room| room.member_count),
            role: room.map(|_| entry.membership.role.as_str().to_owned()),
            last_message: entry.meta.last.as_ref().map(LastMessageView::from),
            last_activity_at: entry.activity_at,
            unread: entry.unread.min(UNREAD_COUNT_CAP - 1),
            unread_more: entry.unread >= UNREAD_COUNT_CAP,
            read_message_id: entry.membership.read_message_id.clone(),
            other_read_message_id: entry.other_read_message_id.clone(),
        }
    }
}
