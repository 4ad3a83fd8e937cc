//! The `setRole` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn set_role_as(username: &str, body: Value) -> chat_domain::lambda::Request {
    route_request("setRole", ME, username, Some(&body.to_string()))
}

fn making(username: &str, role: &str) -> Value {
    json!({"action": "setRole", "conversationId": ROOM, "username": username, "role": role, "requestId": "r1"})
}

/// Alice (owner), bob and carol, all online; Alice also on another connection.
fn the_three_of_them(bob_role: &str) -> (Rule, Rule) {
    (
        query_members(
            ROOM,
            vec![
                member_item(ROOM, "Alice", "owner"),
                member_item(ROOM, "bob", bob_role),
                member_item(ROOM, "carol", "member"),
            ],
            None,
        ),
        batch_get_these_users(
            &["alice", "bob", "carol"],
            vec![
                user_item("Alice", &[ME, "c4"], None),
                user_item("bob", &["c2"], None),
                user_item("carol", &["c3"], None),
            ],
        ),
    )
}

fn bob_made_admin(event: &Value) -> bool {
    event["type"] == "membership"
        && event["conversationId"] == ROOM
        && event["change"] == "role"
        && event["users"] == json!(["bob"])
        && event["role"] == "admin"
        && event["by"] == "Alice"
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn the_owner_makes_a_member_an_admin_and_every_member_hears_of_it() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let update = role_set(ROOM, "bob", "admin");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 3)));
    let (members, users) = the_three_of_them("admin");
    let (c2, c3, c4) = (
        post_event("c2", bob_made_admin),
        post_event("c3", bob_made_admin),
        post_event("c4", bob_made_admin),
    );
    let (chat, log) = mock_chat(
        &[&caller, &target, &update, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let response = handle(&chat, set_role_as("Alice", making("Bob", "admin")))
        .await
        .unwrap();

    assert_eq!(
        log.calls()[..6],
        [
            "GetItem",
            "GetItem",
            "UpdateItem",
            "GetItem",
            "Query",
            "BatchGetItem"
        ]
    );
    assert_eq!(
        log.posts(),
        [
            "PostToConnection c2",
            "PostToConnection c3",
            "PostToConnection c4"
        ],
        "no post to the calling connection"
    );
    assert_eq!(log.calls().len(), 9);
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "membership", "conversationId": ROOM, "change": "role",
            "users": ["bob"], "role": "admin", "by": "Alice", "requestId": "r1",
            "room": {"conversationId": ROOM, "name": "Team", "memberCount": 3,
                     "createdBy": "bob", "createdAt": NOW - 9000},
        })
    );
}

#[tokio::test]
async fn making_someone_the_owner_hands_ownership_over_in_one_transaction() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "admin")));
    let handover = ownership_handed(ROOM, "bob", "alice");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 3)));
    let (members, users) = the_three_of_them("owner");
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[&caller, &target, &handover, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let answer = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "owner")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "role", "{answer}");
    assert_eq!(answer["role"], "owner");
    assert_eq!(answer["by"], "Alice", "the previous owner, now an admin");
    assert_eq!(
        log.calls()[..3],
        ["GetItem", "GetItem", "TransactWriteItems"]
    );
    assert_eq!(log.posts().len(), 3);
}

#[tokio::test]
async fn only_the_owner_changes_roles_and_never_their_own() {
    for (caller_key, caller_name, caller_role, body) in [
        ("carol", "carol", "admin", making("bob", "admin")),
        ("carol", "carol", "member", making("bob", "member")),
        ("alice", "Alice", "owner", making("alice", "admin")),
        ("alice", "Alice", "owner", making("ALICE", "owner")),
    ] {
        let caller = get_member(
            ROOM,
            caller_key,
            Some(member_item(ROOM, caller_name, caller_role)),
        );
        let (chat, log) = mock_chat(&[&caller], &[]);

        let event = reply_json(
            &handle(&chat, set_role_as(caller_name, body.clone()))
                .await
                .unwrap(),
        );

        assert_eq!(event["code"], "forbidden_role", "{caller_role}: {body}");
        assert_eq!(event["action"], "setRole");
        assert_eq!(event["requestId"], "r1");
        assert_eq!(log.calls(), ["GetItem"], "nothing changed");
    }
}

#[tokio::test]
async fn a_role_for_someone_not_in_the_room_is_not_in_room() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", None);
    let (chat, log) = mock_chat(&[&caller, &target], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "not_in_room", "{event}");
    assert_eq!(log.calls(), ["GetItem", "GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member(ROOM, "mallory", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Mallory", making("Mallory", "owner")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "requestId": "r1"}),
            "missing_field",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "king", "requestId": "r1"}),
            "invalid_role",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "Owner"}),
            "invalid_role",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "b b", "role": "admin"}),
            "invalid_username",
        ),
        (
            json!({"action": "setRole", "conversationId": "dm#alice#bob", "username": "bob", "role": "admin"}),
            "invalid_conversation",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(
            &handle(&chat, set_role_as("Alice", body.clone()))
                .await
                .unwrap(),
        );
        assert_error_reply(&event, code, &body);
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let failing = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
        UpdateItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&caller, &target, &failing], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "GetItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_gone_connection_is_removed_and_the_role_change_stands() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let update = role_set(ROOM, "bob", "admin");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 3)));
    let (members, users) = the_three_of_them("admin");
    let delete = delete_connection("c3", Some(connection_item("c3", "carol")));
    let detach = detach_connection("carol", "c3", Some(user_item("carol", &[], Some(NOW))));
    let (c2, gone, c4) = (post_ok("c2"), post_gone("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[
            &caller, &target, &update, &room, &members, &users, &delete, &detach,
        ],
        &[&c2, &gone, &c4],
    );

    let answer = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "role", "{answer}");
    assert_eq!(
        log.calls()[9..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out"
    );
    assert_eq!((delete.num_calls(), detach.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = making("bob", "admin").to_string();

    let error = handle(&chat, anonymous_request("setRole", ME, Some(&body)))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
