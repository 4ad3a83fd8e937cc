//! `getUploadUrl` and `getDownloadUrl`: presigned transfers of profile pictures and attachments.

use serde_json::Value;

use crate::events::Echo;
use crate::media::{MAX_DOWNLOAD_KEYS, MediaKey, Purpose};
use crate::media_access::{GetDownloadUrl, GetUploadUrl, UploadFor};

use super::{Fields, ProtocolError, routed_action};

pub const GET_UPLOAD_URL: &str = "getUploadUrl";
pub const GET_DOWNLOAD_URL: &str = "getDownloadUrl";

pub(super) fn get_upload_url(fields: &Fields<'_>) -> Result<GetUploadUrl, ProtocolError> {
    let purpose = Purpose::parse(fields.required_str("purpose")?)?;
    let media_type = purpose.media_type(fields.required_str("contentType")?)?;
    let size = purpose.check_size(fields.required_u64("size")?)?;
    let upload_for = match purpose {
        Purpose::Attachment => UploadFor::Attachment {
            conversation: fields.conversation("to")?,
        },
        Purpose::Avatar => UploadFor::Avatar,
    };
    Ok(GetUploadUrl {
        upload_for,
        media_type,
        size,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn get_download_url(fields: &Fields<'_>) -> Result<GetDownloadUrl, ProtocolError> {
    let wrong_type = ProtocolError::WrongType {
        field: "keys",
        expected: "an array of 1-50 strings",
    };
    let keys = match fields.raw("keys") {
        None | Some(Value::Null) => return Err(ProtocolError::MissingField("keys")),
        Some(Value::Array(keys)) if (1..=MAX_DOWNLOAD_KEYS).contains(&keys.len()) => keys,
        Some(_) => return Err(wrong_type),
    };
    let keys = keys
        .iter()
        .map(|key| match key {
            Value::String(key) => Ok(MediaKey::parse(key)?),
            _ => Err(wrong_type.clone()),
        })
        .collect::<Result<_, _>>()?;
    Ok(GetDownloadUrl {
        keys,
        request_id: fields.optional_request_id()?,
    })
}

routed_action!(GetUploadUrl, GET_UPLOAD_URL, GetUploadUrl, |get| {
    Echo::request_id(get.request_id.as_ref())
});

routed_action!(GetDownloadUrl, GET_DOWNLOAD_URL, GetDownloadUrl, |get| {
    Echo::request_id(get.request_id.as_ref())
});

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ClientAction;
    use super::super::tests::{code_of, decode_json};
    use super::*;
    use crate::conversation::{ConversationId, ConversationRef};
    use crate::media::MediaType;
    use crate::rules::Username;

    const ATTACHMENT_KEY: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";
    const AVATAR_KEY: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

    #[test]
    fn upload_requests_are_checked_against_their_purpose() {
        let decoded = decode_json(
            json!({"action": "getUploadUrl", "purpose": "attachment", "to": "bob", "contentType": "application/pdf", "size": 10, "requestId": "u-1"}),
        );
        let Ok(ClientAction::GetUploadUrl(get)) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!((get.media_type, get.size), (MediaType::Pdf, 10));
        assert_eq!(
            get.upload_for,
            UploadFor::Attachment {
                conversation: ConversationRef::DirectWith(Username::parse("bob").unwrap())
            }
        );
        assert_eq!(get.request_id.unwrap().as_str(), "u-1");

        let by_id = decode_json(
            json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "dm#alice#bob", "contentType": "image/png", "size": 10}),
        );
        let Ok(ClientAction::GetUploadUrl(get)) = by_id else {
            panic!("{by_id:?}")
        };
        assert_eq!(
            get.upload_for,
            UploadFor::Attachment {
                conversation: ConversationRef::Id(ConversationId::parse("dm#alice#bob").unwrap())
            }
        );

        let avatar = decode_json(
            json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/webp", "size": 1}),
        );
        assert!(matches!(
            avatar,
            Ok(ClientAction::GetUploadUrl(GetUploadUrl {
                upload_for: UploadFor::Avatar,
                ..
            }))
        ));

        let refusals = [
            (
                json!({"purpose": "avatar", "contentType": "application/pdf", "size": 1}),
                "unsupported_media_type",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": crate::media::AVATAR_MAX_BYTES + 1}),
                "file_too_large",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": 0}),
                "invalid_size",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": -1}),
                "invalid_field",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png"}),
                "missing_field",
            ),
            (
                json!({"purpose": "banner", "contentType": "image/png", "size": 1}),
                "invalid_purpose",
            ),
            (
                json!({"purpose": "attachment", "contentType": "image/png", "size": 1}),
                "missing_field",
            ),
            (
                json!({"purpose": "attachment", "contentType": "text/html", "size": 1, "to": "bob"}),
                "unsupported_media_type",
            ),
            (
                json!({"purpose": "attachment", "contentType": "image/png", "size": 1, "conversationId": "dm#b#a"}),
                "invalid_conversation",
            ),
            (
                json!({"purpose": "avatar", "contentType": "image/png", "size": 1, "requestId": "a b"}),
                "invalid_request_id",
            ),
        ];
        for (mut body, code) in refusals {
            body["action"] = json!("getUploadUrl");
            assert_eq!(code_of(body.clone()), code, "{body}");
        }
    }

    #[test]
    fn refusals_echo_a_valid_request_id() {
        let refused = decode_json(json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "text/html", "size": 1, "requestId": "u-7"})).unwrap_err();
        let event: serde_json::Value = serde_json::from_str(&refused.to_event().to_json()).unwrap();
        assert_eq!(event["code"], "unsupported_media_type");
        assert_eq!(event["action"], "getUploadUrl");
        assert_eq!(event["requestId"], "u-7");
        let junk = decode_json(json!({"action": "getDownloadUrl", "keys": [], "requestId": "a b"}))
            .unwrap_err();
        assert_eq!(junk.echo.request_id, None);
    }

    #[test]
    fn download_requests_take_1_to_50_issued_keys() {
        let decoded =
            decode_json(json!({"action": "getDownloadUrl", "keys": [AVATAR_KEY, ATTACHMENT_KEY]}));
        let Ok(ClientAction::GetDownloadUrl(get)) = decoded else {
            panic!("{decoded:?}")
        };
        let keys: Vec<String> = get.keys.iter().map(MediaKey::to_string).collect();
        assert_eq!(keys, [AVATAR_KEY, ATTACHMENT_KEY]);
        let too_many = vec![AVATAR_KEY; MAX_DOWNLOAD_KEYS + 1];
        for (keys, code) in [
            (json!([]), "invalid_field"),
            (json!(too_many), "invalid_field"),
            (json!([1]), "invalid_field"),
            (json!("avatars/x"), "invalid_field"),
            (json!(["../../etc/passwd"]), "invalid_media_key"),
            (json!(null), "missing_field"),
        ] {
            assert_eq!(
                code_of(json!({"action": "getDownloadUrl", "keys": keys})),
                code,
                "{keys}"
            );
        }
    }
}
