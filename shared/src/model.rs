//! The chat's records: connections, users and messages, as the use cases and the stores see them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::conversation::ConversationId;
use crate::media::{Attachment, MediaKey};
use crate::reactions::Reaction;
use crate::rooms::Role;
use crate::rules::{CONNECTION_TTL_SECS, ClientMessageId, RuleError, UserKey, Username};

/// One live WebSocket connection of a user (a tab or a device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub connection_id: String,
    pub username: Username,
    pub connected_at: i64,
}

impl Connection {
    /// When the record may be deleted by DynamoDB's TTL (epoch seconds, as TTL requires).
    pub fn expires_at_secs(&self) -> i64 {
        self.connected_at / 1000 + CONNECTION_TTL_SECS
    }
}

/// A user as everybody may see them, plus the ids of their live connections (never sent to clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: Username,
    pub connection_ids: Vec<String>,
    /// When the user's last connection closed (epoch ms); `None` while they never left.
    pub last_seen: Option<i64>,
    /// The user's profile picture.
    pub avatar_key: Option<MediaKey>,
}

impl User {
    pub fn is_online(&self) -> bool {
        !self.connection_ids.is_empty()
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Server-assigned ULID: sorts by time.
    pub id: String,
    pub conversation_id: ConversationId,
    pub from: Username,
    /// The other user of a direct conversation; `None` in a room.
    pub to: Option<Username>,
    /// Empty when the message is only an attachment.
    pub text: String,
    pub attachment: Option<Attachment>,
    /// Server time (epoch ms).
    pub sent_at: i64,
    pub client_message_id: ClientMessageId,
    /// When its author last edited the text (epoch ms).
    pub edited_at: Option<i64>,
    /// Set once the message is deleted: then text, attachment, reply and reactions are gone.
    pub deleted: Option<Deletion>,
    /// The message of the same conversation this one answers.
    pub reply_to: Option<MessageRef>,
    /// Sorted by emoji; empty for a deleted message.
    pub reactions: Vec<Reaction>,
}

/// Who deleted a message, and when (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    pub by: Username,
    pub at: i64,
}

/// Another message of the same conversation, by id and by its key in the messages table (so a
/// page's quotes are read in one batch, not one index query each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub id: String,
    pub dedup_key: String,
}

impl MessageRef {
    pub fn to(message: &Message) -> Self {
        Self {
            id: message.id.clone(),
            dedup_key: message.dedup_key(),
        }
    }
}

impl Message {
    /// The message's idempotency key within its conversation: one sender cannot store two messages
    /// with the same client id, so a retried send finds the original.
    pub fn dedup_key(&self) -> String {
        dedup_key(&self.from.key(), &self.client_message_id)
    }
}

pub fn dedup_key(sender: &UserKey, client_message_id: &ClientMessageId) -> String {
    format!("{sender}#{}", client_message_id.as_str())
}

/// Outcome of a conditional message write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    Stored,
    /// A message with the same sender and client id already exists: this is it, unchanged.
    Duplicate(Box<Message>),
}

/// One page of a conversation's history, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// Where the next (older) page starts; `None` when this page reaches the first message.
    pub next: Option<HistoryCursor>,
}

/// A user's membership of a conversation (a room, or one side of a direct conversation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub conversation_id: ConversationId,
    pub username: Username,
    pub role: Role,
    pub joined_at: i64,
    /// The last message this member has read (`None`: nothing yet).
    pub read_message_id: Option<String>,
}

/// A room as its members see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: ConversationId,
    pub name: String,
    pub created_by: Username,
    pub created_at: i64,
    pub member_count: u32,
}

/// The last message of a conversation, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastMessage {
    pub message_id: String,
    pub from: Username,
    /// The text's beginning ([`crate::rooms::preview`]); empty for an attachment alone.
    pub preview: String,
    pub attachment_name: Option<String>,
    pub sent_at: i64,
    /// The message was deleted since (then preview and attachment name are empty).
    pub deleted: bool,
}

impl LastMessage {
    pub fn of(message: &Message) -> Self {
        Self {
            message_id: message.id.clone(),
            from: message.from.clone(),
            preview: crate::rooms::preview(&message.text),
            attachment_name: message
                .attachment
                .as_ref()
                .map(|attachment| attachment.name.as_str().to_owned()),
            sent_at: message.sent_at,
            deleted: message.deleted.is_some(),
        }
    }
}

/// A conversation's record: a room's details, and for every conversation its last message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationMeta {
    pub id: ConversationId,
    /// `None` for a direct conversation.
    pub room: Option<Room>,
    pub last: Option<LastMessage>,
}

/// One page of a conversation's members, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// The last member's key, when more may follow.
    pub next: Option<UserKey>,
}

/// One page of the people directory, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    /// The last user's key, when more may follow.
    pub next: Option<UserKey>,
}

/// A page position after a user key (members, the directory), as clients see it: opaque.
pub fn encode_key_cursor(key: &UserKey) -> String {
    URL_SAFE_NO_PAD.encode(key.as_str())
}

/// Accepts only what [`encode_key_cursor`] produces: a user key.
pub fn decode_key_cursor(encoded: &str) -> Result<UserKey, RuleError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| RuleError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| RuleError::InvalidCursor)?;
    Username::parse(&text)
        .ok()
        .map(|name| name.key())
        .filter(|key| key.as_str() == text)
        .ok_or(RuleError::InvalidCursor)
}

/// Outcome of moving a read point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadAdvance {
    /// The read point is now the given message.
    Advanced,
    /// It already was at this later (or the same) message: nothing changed.
    AlreadyAt(String),
    /// The user is not a member of the conversation.
    NotAMember,
}

/// Position after the last message of a history page: the last item's keys in the conversation
/// index. Clients see it only as an opaque string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCursor {
    pub message_id: String,
    pub dedup_key: String,
}

impl HistoryCursor {
    const MAX_ENCODED_LEN: usize = 256;

    pub fn after(message: &Message) -> Self {
        Self {
            message_id: message.id.clone(),
            dedup_key: message.dedup_key(),
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}", self.message_id, self.dedup_key))
    }

    /// Accepts only what [`HistoryCursor::encode`] produces, so a forged cursor is a clear error, not
    /// a storage exception.
    pub fn decode(encoded: &str) -> Result<Self, RuleError> {
        if encoded.len() > Self::MAX_ENCODED_LEN {
            return Err(RuleError::InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| RuleError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| RuleError::InvalidCursor)?;
        let (message_id, dedup_key) = text.split_once('\n').ok_or(RuleError::InvalidCursor)?;
        let ulid_like =
            message_id.len() == 26 && message_id.chars().all(|c| c.is_ascii_alphanumeric());
        let (sender, client_id) = dedup_key.split_once('#').ok_or(RuleError::InvalidCursor)?;
        let sender_ok = Username::parse(sender).is_ok_and(|u| u.key().as_str() == sender);
        if !ulid_like || !sender_ok || ClientMessageId::parse(client_id).is_err() {
            return Err(RuleError::InvalidCursor);
        }
        Ok(Self {
            message_id: message_id.to_owned(),
            dedup_key: dedup_key.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            id: "01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into(),
            conversation_id: ConversationId::from_stored("dm#alice#bob"),
            from: Username::parse("Alice").unwrap(),
            to: Some(Username::parse("bob").unwrap()),
            text: "hi".into(),
            attachment: None,
            sent_at: 1,
            client_message_id: ClientMessageId::parse("c-1").unwrap(),
            edited_at: None,
            deleted: None,
            reply_to: None,
            reactions: Vec::new(),
        }
    }

    #[test]
    fn cursor_round_trips_and_is_opaque() {
        let cursor = HistoryCursor::after(&message());
        assert_eq!(cursor.dedup_key, "alice#c-1");
        let encoded = cursor.encode();
        assert!(!encoded.contains('#'));
        assert_eq!(HistoryCursor::decode(&encoded), Ok(cursor));
    }

    #[test]
    fn forged_cursors_are_refused() {
        let forged = [
            "",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("no-newline"),
            &URL_SAFE_NO_PAD.encode("short\nalice#c-1"),
            &URL_SAFE_NO_PAD.encode("01JDQ8Z7W4K3M2N1P0Q9R8S7T6\nAlice#c-1"),
            &URL_SAFE_NO_PAD.encode("01JDQ8Z7W4K3M2N1P0Q9R8S7T6\nalice#c 1"),
            &"A".repeat(300),
        ];
        for cursor in forged {
            assert_eq!(
                HistoryCursor::decode(cursor),
                Err(RuleError::InvalidCursor),
                "{cursor:?}"
            );
        }
    }

    #[test]
    fn connection_record_outlives_api_gateways_two_hour_limit() {
        let connection = Connection {
            connection_id: "c".into(),
            username: Username::parse("a").unwrap(),
            connected_at: 1_700_000_000_000,
        };
        assert!(connection.expires_at_secs() >= 1_700_000_000 + 2 * 60 * 60);
    }
}
