//! The rooms function's handler over mocked DynamoDB and API Gateway clients, one module per
//! action it serves.

#[path = "handler/add_members.rs"]
mod add_members;
#[path = "handler/create_room.rs"]
mod create_room;
#[path = "handler/remove_member.rs"]
mod remove_member;
#[path = "handler/rename_room.rs"]
mod rename_room;
#[path = "handler/set_role.rs"]
mod set_role;

use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::json;

#[tokio::test]
async fn another_functions_action_is_not_served_here() {
    let body = json!({"action": "getMembers", "conversationId": "room#01JAAAAAAAAAAAAAAAAAAAAAAA"});
    let (chat, log) = mock_chat(&[], &[]);

    let response = handle(
        &chat,
        route_request("getMembers", "c1", "Alice", Some(&body.to_string())),
    )
    .await
    .unwrap();

    let answer = reply_json(&response);
    assert_eq!(answer["code"], "unknown_action", "{answer}");
    assert_eq!(answer["action"], "getMembers", "{answer}");
    assert!(
        answer["message"].as_str().is_some_and(
            |m| m.contains("createRoom, renameRoom, addMembers, removeMember and setRole")
        ),
        "{answer}"
    );
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}
