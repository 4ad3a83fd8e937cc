//! Attribute values and the records read back from items. An item not shaped as this code writes
//! it is [`StoreError::Malformed`].

use aws_sdk_dynamodb::types::AttributeValue;

use crate::conversation::ConversationId;
use crate::media::{Attachment, FileName, MediaKey};
use crate::model::{
    Connection, ConversationMeta, Deletion, LastMessage, Member, Message, MessageRef, Room, User,
};
use crate::ports::StoreError;
use crate::reactions::{Emoji, Reaction};
use crate::rooms::Role;
use crate::rules::{ClientMessageId, UserKey, Username};

use super::{Item, attr, conversations_key, kind, messages_key};

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(StoreError::Malformed(format!("missing string {name}"))),
    }
}

/// A string attribute that may be absent (but not of another type).
fn get_optional_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    item.contains_key(name)
        .then(|| get_s(item, name))
        .transpose()
}

/// A number attribute that may be absent (but not of another type).
pub(super) fn get_optional_n(item: &Item, name: &str) -> Result<Option<i64>, StoreError> {
    item.contains_key(name)
        .then(|| get_n(item, name))
        .transpose()
}

pub(super) fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| StoreError::Malformed(format!("{name} is not an integer"))),
        _ => Err(StoreError::Malformed(format!("missing number {name}"))),
    }
}

fn get_username(item: &Item, name: &str) -> Result<Username, StoreError> {
    Username::parse(get_s(item, name)?)
        .map_err(|_| StoreError::Malformed(format!("{name} is not a valid username")))
}

/// A user key as stored (a key attribute): a username's lower-case form.
pub(super) fn get_user_key(item: &Item, name: &str) -> Result<UserKey, StoreError> {
    parse_user_key(get_s(item, name)?, name)
}

fn parse_user_key(raw: &str, name: &str) -> Result<UserKey, StoreError> {
    Username::parse(raw)
        .ok()
        .map(|username| username.key())
        .filter(|key| key.as_str() == raw)
        .ok_or_else(|| StoreError::Malformed(format!("{name} is not a user key")))
}

fn get_media_key(item: &Item, name: &str) -> Result<MediaKey, StoreError> {
    MediaKey::parse(get_s(item, name)?)
        .map_err(|_| StoreError::Malformed(format!("{name} is not a media key")))
}

pub(super) fn connection_from(item: &Item) -> Result<Connection, StoreError> {
    Ok(Connection {
        connection_id: get_s(item, attr::CONNECTION_ID)?.to_owned(),
        username: get_username(item, attr::USERNAME)?,
        connected_at: get_n(item, attr::CONNECTED_AT)?,
    })
}

pub(super) fn user_from(item: &Item) -> Result<User, StoreError> {
    let connection_ids = match item.get(attr::CONNECTION_IDS) {
        Some(AttributeValue::Ss(ids)) => ids.clone(),
        _ => Vec::new(),
    };
    let last_seen = item
        .contains_key(attr::LAST_SEEN)
        .then(|| get_n(item, attr::LAST_SEEN))
        .transpose()?;
    let avatar_key = item
        .contains_key(attr::AVATAR_KEY)
        .then(|| get_media_key(item, attr::AVATAR_KEY))
        .transpose()?;
    Ok(User {
        username: get_username(item, attr::USERNAME)?,
        connection_ids,
        last_seen,
        avatar_key,
    })
}

fn attachment_from(item: &Item) -> Result<Option<Attachment>, StoreError> {
    if !item.contains_key(attr::ATTACHMENT_KEY) {
        return Ok(None);
    }
    let malformed = |e: crate::rules::RuleError| StoreError::Malformed(format!("attachment: {e}"));
    let name = FileName::parse(get_s(item, attr::ATTACHMENT_NAME)?).map_err(malformed)?;
    let size = u64::try_from(get_n(item, attr::ATTACHMENT_SIZE)?)
        .map_err(|_| StoreError::Malformed("attachmentSize is negative".into()))?;
    Attachment::new(
        get_media_key(item, attr::ATTACHMENT_KEY)?,
        name,
        get_s(item, attr::ATTACHMENT_TYPE)?,
        size,
    )
    .map(Some)
    .map_err(malformed)
}

/// The name of the attribute holding `emoji`'s reaction.
pub(super) fn reaction_attribute(emoji: &Emoji) -> String {
    format!("{}{emoji}", attr::REACTION_PREFIX)
}

/// The users in `emoji`'s reaction set of `item` (none when the attribute is absent).
pub(super) fn reaction_users(item: &Item, emoji: &Emoji) -> Result<Vec<UserKey>, StoreError> {
    let name = reaction_attribute(emoji);
    match item.get(&name) {
        None => Ok(Vec::new()),
        Some(AttributeValue::Ss(users)) => {
            let mut users = users
                .iter()
                .map(|user| parse_user_key(user, &name))
                .collect::<Result<Vec<_>, _>>()?;
            users.sort();
            users.dedup();
            Ok(users)
        }
        Some(_) => Err(StoreError::Malformed(format!("{name} is not a string set"))),
    }
}

/// Every `reaction:<emoji>` set of the item, sorted by emoji.
fn reactions_from(item: &Item) -> Result<Vec<Reaction>, StoreError> {
    let mut reactions = item
        .keys()
        .filter_map(|name| name.strip_prefix(attr::REACTION_PREFIX))
        .map(|raw| {
            if raw.is_empty() {
                return Err(StoreError::Malformed(format!(
                    "{} names no emoji",
                    attr::REACTION_PREFIX
                )));
            }
            let emoji = Emoji::from_stored(raw);
            let users = reaction_users(item, &emoji)?;
            Ok(Reaction { emoji, users })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    reactions.sort_by(|a, b| a.emoji.cmp(&b.emoji));
    Ok(reactions)
}

fn deletion_from(item: &Item) -> Result<Option<Deletion>, StoreError> {
    get_optional_n(item, attr::DELETED_AT)?
        .map(|at| {
            Ok(Deletion {
                by: get_username(item, attr::DELETED_BY)?,
                at,
            })
        })
        .transpose()
}

fn reply_from(item: &Item) -> Result<Option<MessageRef>, StoreError> {
    get_optional_s(item, attr::REPLY_TO_ID)?
        .map(|id| {
            Ok(MessageRef {
                id: id.to_owned(),
                dedup_key: get_s(item, attr::REPLY_TO_KEY)?.to_owned(),
            })
        })
        .transpose()
}

pub(super) fn message_from(item: &Item) -> Result<Message, StoreError> {
    let to = item
        .contains_key(attr::TO)
        .then(|| get_username(item, attr::TO))
        .transpose()?;
    let deleted = deletion_from(item)?;
    // A tombstone shows nothing of what it was, even a reaction that landed between the
    // deleter's read and their write.
    let (attachment, reply_to, reactions) = if deleted.is_some() {
        (None, None, Vec::new())
    } else {
        (
            attachment_from(item)?,
            reply_from(item)?,
            reactions_from(item)?,
        )
    };
    Ok(Message {
        id: get_s(item, messages_key::MESSAGE_ID)?.to_owned(),
        conversation_id: ConversationId::from_stored(get_s(item, messages_key::CONVERSATION_ID)?),
        from: get_username(item, attr::FROM)?,
        to,
        text: get_s(item, attr::TEXT)?.to_owned(),
        attachment,
        sent_at: get_n(item, attr::SENT_AT)?,
        client_message_id: ClientMessageId::parse(get_s(item, attr::CLIENT_MESSAGE_ID)?)
            .map_err(|_| StoreError::Malformed("invalid clientMessageId".into()))?,
        edited_at: get_optional_n(item, attr::EDITED_AT)?,
        deleted,
        reply_to,
        reactions,
    })
}

fn get_conversation_id(item: &Item) -> Result<ConversationId, StoreError> {
    Ok(ConversationId::from_stored(get_s(
        item,
        conversations_key::CONVERSATION_ID,
    )?))
}

pub(super) fn member_from(item: &Item) -> Result<Member, StoreError> {
    let role = Role::parse(get_s(item, attr::ROLE)?)
        .map_err(|_| StoreError::Malformed("role is not a role".into()))?;
    Ok(Member {
        conversation_id: get_conversation_id(item)?,
        username: get_username(item, attr::USERNAME)?,
        role,
        joined_at: get_n(item, attr::JOINED_AT)?,
        read_message_id: get_optional_s(item, attr::READ_MESSAGE_ID)?.map(str::to_owned),
    })
}

/// The room of a meta item whose `kind` is `room`.
pub(super) fn room_from(item: &Item) -> Result<Room, StoreError> {
    let member_count = u32::try_from(get_n(item, attr::MEMBER_COUNT)?)
        .map_err(|_| StoreError::Malformed("memberCount is out of range".into()))?;
    Ok(Room {
        id: get_conversation_id(item)?,
        name: get_s(item, attr::NAME)?.to_owned(),
        created_by: get_username(item, attr::CREATED_BY)?,
        created_at: get_n(item, attr::CREATED_AT)?,
        member_count,
    })
}

/// Whether a meta item is a room's.
pub(super) fn is_room(item: &Item) -> Result<bool, StoreError> {
    match get_s(item, attr::KIND)? {
        kind::ROOM => Ok(true),
        kind::DIRECT => Ok(false),
        other => Err(StoreError::Malformed(format!("unknown kind {other}"))),
    }
}

pub(super) fn meta_from(item: &Item) -> Result<ConversationMeta, StoreError> {
    let room = is_room(item)?.then(|| room_from(item)).transpose()?;
    let last = match get_optional_s(item, attr::LAST_MESSAGE_ID)? {
        Some(message_id) => Some(LastMessage {
            message_id: message_id.to_owned(),
            from: get_username(item, attr::LAST_FROM)?,
            preview: get_s(item, attr::LAST_PREVIEW)?.to_owned(),
            attachment_name: get_optional_s(item, attr::LAST_ATTACHMENT_NAME)?.map(str::to_owned),
            sent_at: get_n(item, attr::LAST_AT)?,
            deleted: match item.get(attr::LAST_DELETED) {
                None => false,
                Some(AttributeValue::Bool(deleted)) => *deleted,
                Some(_) => {
                    return Err(StoreError::Malformed("lastDeleted is not a boolean".into()));
                }
            },
        }),
        None => None,
    };
    Ok(ConversationMeta {
        id: get_conversation_id(item)?,
        room,
        last,
    })
}
