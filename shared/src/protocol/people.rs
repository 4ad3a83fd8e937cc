//! `getClients` and `setAvatar`: the people of the chat, their presence and their pictures.

use serde_json::Value;

use crate::chat::{GetClients, SetAvatar};
use crate::events::Echo;
use crate::media::MediaKey;
use crate::rules::RuleError;

use super::{Fields, ProtocolError, routed_action};

pub const GET_CLIENTS: &str = "getClients";
pub const SET_AVATAR: &str = "setAvatar";

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

routed_action!(GetClients, GET_CLIENTS, GetClients);

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
