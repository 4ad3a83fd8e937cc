//! `searchPeople`, `watchPresence` and `setAvatar`: the people directory, presence on screen, and
//! profile pictures.

use serde_json::Value;

use crate::chat::{SearchPeople, SetAvatar, WatchPresence};
use crate::events::Echo;
use crate::media::MediaKey;
use crate::model::decode_key_cursor;
use crate::rules::RuleError;

use super::{Fields, ProtocolError, routed_action};

pub const SEARCH_PEOPLE: &str = "searchPeople";
pub const WATCH_PRESENCE: &str = "watchPresence";
pub const SET_AVATAR: &str = "setAvatar";

pub(super) fn search_people(fields: &Fields<'_>) -> Result<SearchPeople, ProtocolError> {
    Ok(SearchPeople::new(
        fields.required_str("prefix")?,
        fields.optional_u64("limit")?,
        fields
            .optional_str("cursor")?
            .map(decode_key_cursor)
            .transpose()?,
        fields.optional_request_id()?,
    )?)
}

pub(super) fn watch_presence(fields: &Fields<'_>) -> Result<WatchPresence, ProtocolError> {
    let usernames = fields
        .usernames("usernames")?
        .ok_or(ProtocolError::MissingField("usernames"))?;
    Ok(WatchPresence::new(
        fields.conversation_id()?,
        usernames,
        fields.optional_request_id()?,
    )?)
}

pub(super) fn set_avatar(fields: &Fields<'_>) -> Result<SetAvatar, ProtocolError> {
    // `null` removes the picture, so here (unlike elsewhere) null and absent differ.
    let key = match fields.raw("key") {
        None => return Err(ProtocolError::MissingField("key")),
        Some(Value::Null) => None,
        Some(Value::String(key)) => match MediaKey::parse(key)? {
            avatar @ MediaKey::Avatar { .. } => Some(avatar),
            MediaKey::Attachment { .. } => {
                return Err(RuleError::InvalidMediaKey(
                    "setAvatar takes the key of a profile picture upload",
                )
                .into());
            }
        },
        Some(_) => {
            return Err(ProtocolError::WrongType {
                field: "key",
                expected: "a string or null",
            });
        }
    };
    Ok(SetAvatar {
        key,
        request_id: fields.optional_request_id()?,
    })
}

routed_action!(SearchPeople, SEARCH_PEOPLE, SearchPeople, |r| {
    Echo::request_id(r.request_id.as_ref())
});
routed_action!(WatchPresence, WATCH_PRESENCE, WatchPresence, |r| {
    Echo::request_id(r.request_id.as_ref())
});

routed_action!(SetAvatar, SET_AVATAR, SetAvatar, |set| Echo::request_id(
    set.request_id.as_ref()
));

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ClientAction;
    use super::super::tests::{code_of, decode_json};
    use super::*;

    const ATTACHMENT_KEY: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";
    const AVATAR_KEY: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

    #[test]
    fn set_avatar_takes_a_profile_picture_key_or_null() {
        let set = decode_json(json!({"action": "setAvatar", "key": AVATAR_KEY}));
        assert!(
            matches!(
                set,
                Ok(ClientAction::SetAvatar(SetAvatar {
                    key: Some(MediaKey::Avatar { .. }),
                    ..
                }))
            ),
            "{set:?}"
        );
        let remove = decode_json(json!({"action": "setAvatar", "key": null}));
        assert!(matches!(
            remove,
            Ok(ClientAction::SetAvatar(SetAvatar { key: None, .. }))
        ));
        assert_eq!(code_of(json!({"action": "setAvatar"})), "missing_field");
        assert_eq!(
            code_of(json!({"action": "setAvatar", "key": 3})),
            "invalid_field"
        );
        assert_eq!(
            code_of(json!({"action": "setAvatar", "key": ATTACHMENT_KEY})),
            "invalid_media_key"
        );
    }
}
