//! The `renameRoom` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, InternalServerError};
use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn rename(body: Value) -> chat_domain::lambda::Request {
    route_request("renameRoom", ME, "Alice", Some(&body.to_string()))
}

fn to_launch() -> Value {
    json!({"action": "renameRoom", "conversationId": ROOM, "name": " Launch ", "requestId": "r1"})
}

fn the_members() -> Rule {
    query_members(
        ROOM,
        vec![
            member_item(ROOM, "Alice", "admin"),
            member_item(ROOM, "bob", "owner"),
            member_item(ROOM, "carol", "member"),
        ],
        None,
    )
}

fn is_launch(event: &Value) -> bool {
    event["type"] == "room"
        && event["room"]["conversationId"] == ROOM
        && event["room"]["name"] == "Launch"
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn an_admin_renames_the_room_and_every_members_connection_but_the_callers_hears_of_it() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "admin")));
    let update = room_renamed(ROOM, "Launch", room_item(ROOM, "Launch", 3));
    let members = the_members();
    let users = batch_get_these_users(
        &["alice", "bob", "carol"],
        vec![
            user_item("Alice", &[ME, "c4"], None),
            user_item("bob", &["c2"], None),
            user_item("carol", &[], Some(NOW - 60_000)),
        ],
    );
    let (c2, c4) = (post_event("c2", is_launch), post_event("c4", is_launch));
    let (chat, log) = mock_chat(&[&caller, &update, &members, &users], &[&c2, &c4]);

    let response = handle(&chat, rename(to_launch())).await.unwrap();

    assert_eq!(
        log.calls()[..4],
        ["GetItem", "UpdateItem", "Query", "BatchGetItem"],
        "the membership check first, the fan-out last"
    );
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c4"]);
    assert_eq!(log.calls().len(), 6);
    let answer = reply_json(&response);
    assert_eq!(
        answer,
        json!({"type": "room", "requestId": "r1", "room": {
            "conversationId": ROOM, "name": "Launch", "memberCount": 3,
            "createdBy": "bob", "createdAt": NOW - 9000,
        }})
    );
}

#[tokio::test]
async fn a_plain_member_may_not_rename_and_nothing_changes() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "forbidden_role", "{event}");
    assert_eq!(event["action"], "renameRoom");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member(ROOM, "alice", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn a_room_gone_meanwhile_is_not_a_member_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let update = mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(|r| is_rename(r, ROOM, "Launch"))
        .then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        });
    let (chat, log) = mock_chat(&[&caller, &update], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(log.calls(), ["GetItem", "UpdateItem"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (
            json!({"action": "renameRoom", "conversationId": ROOM}),
            "missing_field",
        ),
        (
            json!({"action": "renameRoom", "conversationId": ROOM, "name": "  ", "requestId": "r1"}),
            "invalid_room_name",
        ),
        (
            json!({"action": "renameRoom", "conversationId": ROOM, "name": "x".repeat(65)}),
            "invalid_room_name",
        ),
        (
            json!({"action": "renameRoom", "conversationId": "dm#alice#bob", "name": "Us", "requestId": "r1"}),
            "invalid_conversation",
        ),
        (
            json!({"action": "renameRoom", "conversationId": "room#nope", "name": "Us"}),
            "invalid_conversation",
        ),
        (
            json!({"action": "renameRoom", "conversationId": 7, "name": "Us"}),
            "invalid_field",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, rename(body.clone())).await.unwrap());
        assert_error_reply(&event, code, &body);
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let update = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
        UpdateItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&caller, &update], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_gone_connection_is_removed_and_the_rename_still_succeeds() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let update = room_renamed(ROOM, "Launch", room_item(ROOM, "Launch", 3));
    let members = the_members();
    let users = batch_get_these_users(
        &["alice", "bob", "carol"],
        vec![
            user_item("Alice", &[ME], None),
            user_item("bob", &["c2"], None),
            user_item("carol", &["c3"], None),
        ],
    );
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c3) = (post_gone("c2"), post_ok("c3"));
    let (chat, log) = mock_chat(
        &[&caller, &update, &members, &users, &delete, &detach],
        &[&gone, &c3],
    );

    let answer = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(answer["type"], "room", "{answer}");
    assert_eq!(answer["room"]["name"], "Launch");
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c3"]);
    assert_eq!(
        log.calls()[6..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out"
    );
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = to_launch().to_string();

    let error = handle(&chat, anonymous_request("renameRoom", ME, Some(&body)))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
