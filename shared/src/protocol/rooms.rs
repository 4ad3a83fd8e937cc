//! `createRoom`, `renameRoom`, `addMembers`, `removeMember`, `setRole`, `getMembers`: rooms and
//! their members.

use crate::chat::{AddMembers, CreateRoom, GetMembers, RemoveMember, RenameRoom, SetRole};
use crate::events::Echo;
use crate::model::decode_key_cursor;
use crate::rooms::{DEFAULT_MEMBERS_LIMIT, Role, RoomName, distinct_usernames};
use crate::rules::Username;

use super::{Fields, ProtocolError, routed_action};

pub const CREATE_ROOM: &str = "createRoom";
pub const RENAME_ROOM: &str = "renameRoom";
pub const ADD_MEMBERS: &str = "addMembers";
pub const REMOVE_MEMBER: &str = "removeMember";
pub const SET_ROLE: &str = "setRole";
pub const GET_MEMBERS: &str = "getMembers";

pub(super) fn create_room(fields: &Fields<'_>) -> Result<CreateRoom, ProtocolError> {
    Ok(CreateRoom {
        name: RoomName::parse(fields.required_str("name")?)?,
        members: distinct_usernames(fields.usernames("members")?.unwrap_or_default(), true)?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn rename_room(fields: &Fields<'_>) -> Result<RenameRoom, ProtocolError> {
    Ok(RenameRoom {
        conversation: fields.room_id()?,
        name: RoomName::parse(fields.required_str("name")?)?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn add_members(fields: &Fields<'_>) -> Result<AddMembers, ProtocolError> {
    let usernames = fields
        .usernames("usernames")?
        .ok_or(ProtocolError::MissingField("usernames"))?;
    Ok(AddMembers {
        conversation: fields.room_id()?,
        usernames: distinct_usernames(usernames, false)?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn remove_member(fields: &Fields<'_>) -> Result<RemoveMember, ProtocolError> {
    Ok(RemoveMember {
        conversation: fields.room_id()?,
        username: Username::parse(fields.required_str("username")?)?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn set_role(fields: &Fields<'_>) -> Result<SetRole, ProtocolError> {
    Ok(SetRole {
        conversation: fields.room_id()?,
        username: Username::parse(fields.required_str("username")?)?,
        role: Role::parse(fields.required_str("role")?)?,
        request_id: fields.optional_request_id()?,
    })
}

pub(super) fn get_members(fields: &Fields<'_>) -> Result<GetMembers, ProtocolError> {
    Ok(GetMembers {
        conversation: fields.conversation_id()?,
        limit: fields.limit(DEFAULT_MEMBERS_LIMIT, DEFAULT_MEMBERS_LIMIT)?,
        after: fields
            .optional_str("cursor")?
            .map(decode_key_cursor)
            .transpose()?,
        request_id: fields.optional_request_id()?,
    })
}

routed_action!(CreateRoom, CREATE_ROOM, CreateRoom, |r| Echo::request_id(
    r.request_id.as_ref()
));
routed_action!(RenameRoom, RENAME_ROOM, RenameRoom, |r| Echo::request_id(
    r.request_id.as_ref()
));
routed_action!(AddMembers, ADD_MEMBERS, AddMembers, |r| Echo::request_id(
    r.request_id.as_ref()
));
routed_action!(RemoveMember, REMOVE_MEMBER, RemoveMember, |r| {
    Echo::request_id(r.request_id.as_ref())
});
routed_action!(SetRole, SET_ROLE, SetRole, |r| Echo::request_id(
    r.request_id.as_ref()
));
routed_action!(GetMembers, GET_MEMBERS, GetMembers, |r| Echo::request_id(
    r.request_id.as_ref()
));

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ClientAction;
    use super::super::tests::{code_of, decode_json};
    use crate::rooms::MAX_MEMBERS_PER_REQUEST;

    const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

    #[test]
    fn create_room_takes_a_name_and_distinct_first_members() {
        let Ok(ClientAction::CreateRoom(create)) = decode_json(json!({
            "action": "createRoom", "name": "  Team ", "members": ["Bob", "bob", "carol"], "requestId": "r1"
        })) else {
            panic!("createRoom did not decode");
        };
        assert_eq!(create.name.as_str(), "Team");
        let names: Vec<&str> = create.members.iter().map(|m| m.as_str()).collect();
        assert_eq!(names, ["Bob", "carol"]);
        assert!(matches!(
            decode_json(json!({"action": "createRoom", "name": "Solo"})),
            Ok(ClientAction::CreateRoom(_))
        ));
    }

    #[test]
    fn room_actions_refuse_bad_input_with_stable_codes() {
        let too_many: Vec<String> = (0..=MAX_MEMBERS_PER_REQUEST)
            .map(|i| format!("u{i}"))
            .collect();
        for (request, code) in [
            (
                json!({"action": "createRoom", "name": ""}),
                "invalid_room_name",
            ),
            (json!({"action": "createRoom"}), "missing_field"),
            (
                json!({"action": "createRoom", "name": "x", "members": "bob"}),
                "invalid_field",
            ),
            (
                json!({"action": "createRoom", "name": "x", "members": [1]}),
                "invalid_field",
            ),
            (
                json!({"action": "createRoom", "name": "x", "members": ["no spaces"]}),
                "invalid_username",
            ),
            (
                json!({"action": "createRoom", "name": "x", "members": too_many}),
                "too_many_members",
            ),
            (
                json!({"action": "renameRoom", "conversationId": "dm#alice#bob", "name": "x"}),
                "invalid_conversation",
            ),
            (
                json!({"action": "renameRoom", "conversationId": "room#nope", "name": "x"}),
                "invalid_conversation",
            ),
            (
                json!({"action": "addMembers", "conversationId": ROOM}),
                "missing_field",
            ),
            (
                json!({"action": "addMembers", "conversationId": ROOM, "usernames": []}),
                "too_many_members",
            ),
            (
                json!({"action": "removeMember", "conversationId": ROOM}),
                "missing_field",
            ),
            (
                json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "king"}),
                "invalid_role",
            ),
            (
                json!({"action": "getMembers", "conversationId": ROOM, "limit": 0}),
                "invalid_limit",
            ),
            (
                json!({"action": "getMembers", "conversationId": ROOM, "limit": 101}),
                "invalid_limit",
            ),
            (
                json!({"action": "getMembers", "conversationId": ROOM, "cursor": "!!"}),
                "invalid_cursor",
            ),
        ] {
            assert_eq!(code_of(request.clone()), code, "{request}");
        }
    }

    #[test]
    fn refusals_echo_the_request_id() {
        let rejection = decode_json(
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "x", "requestId": "r9"}),
        )
        .unwrap_err();
        assert_eq!(rejection.echo.request_id.as_deref(), Some("r9"));
    }
}
