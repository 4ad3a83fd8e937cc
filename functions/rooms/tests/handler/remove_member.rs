//! The `removeMember` handler over mocked DynamoDB and API Gateway clients: which AWS calls it
//! makes, in which order, and what the caller, the members and the removed user get.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn remove_as(username: &str, body: Value) -> chat_domain::lambda::Request {
    route_request("removeMember", ME, username, Some(&body.to_string()))
}

fn removing(username: &str) -> Value {
    json!({"action": "removeMember", "conversationId": ROOM, "username": username, "requestId": "r1"})
}

/// After bob left or was removed: Alice and Carol remain, and the three users are read (bob to
/// be told too).
fn alice_and_carol_remain() -> (Rule, Rule) {
    (
        query_members(
            ROOM,
            vec![
                member_item(ROOM, "Alice", "owner"),
                member_item(ROOM, "carol", "admin"),
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

fn bob_removed_by_alice(event: &Value) -> bool {
    event["type"] == "membership"
        && event["conversationId"] == ROOM
        && event["change"] == "removed"
        && event["users"] == json!(["bob"])
        && event["by"] == "Alice"
        && event["room"]["memberCount"] == 2
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn the_owner_removes_a_member_who_hears_of_it_with_everyone_still_in() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let transaction = member_removed(ROOM, "bob");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 2)));
    let (members, users) = alice_and_carol_remain();
    let (c2, c3, c4) = (
        post_event("c2", bob_removed_by_alice),
        post_event("c3", bob_removed_by_alice),
        post_event("c4", bob_removed_by_alice),
    );
    let (chat, log) = mock_chat(
        &[&caller, &target, &transaction, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let response = handle(&chat, remove_as("Alice", removing("BOB")))
        .await
        .unwrap();

    assert_eq!(
        log.calls()[..6],
        [
            "GetItem",
            "GetItem",
            "TransactWriteItems",
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
        "the removed user is told, the calling connection answered"
    );
    assert_eq!(log.calls().len(), 9);
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "membership", "conversationId": ROOM, "change": "removed",
            "users": ["bob"], "by": "Alice", "requestId": "r1",
            "room": {"conversationId": ROOM, "name": "Team", "memberCount": 2,
                     "createdBy": "bob", "createdAt": NOW - 9000},
        })
    );
}

#[tokio::test]
async fn a_member_removing_themself_leaves_without_a_second_read() {
    let caller = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let transaction = member_removed(ROOM, "bob");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 2)));
    let (members, users) = alice_and_carol_remain();
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[&caller, &transaction, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let answer = reply_json(
        &handle(&chat, remove_as("bob", removing("bob")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "left", "{answer}");
    assert_eq!(answer["users"], json!(["bob"]));
    assert_eq!(answer["by"], "bob");
    assert_eq!(
        log.calls()[..5],
        [
            "GetItem",
            "TransactWriteItems",
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
        "bob's other connections hear of it too, not the calling one"
    );
}

#[tokio::test]
async fn the_owner_cannot_leave_while_others_are_in() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 3)));
    let (chat, log) = mock_chat(&[&caller, &room], &[]);

    let event = reply_json(
        &handle(&chat, remove_as("Alice", removing("alice")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "owner_must_transfer", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "GetItem"], "nothing removed");
}

#[tokio::test]
async fn the_owner_alone_in_the_room_may_leave_it() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let before = get_room(ROOM, Some(room_item(ROOM, "Team", 1)));
    let transaction = member_removed(ROOM, "alice");
    let after = get_room(ROOM, Some(room_item(ROOM, "Team", 0)));
    let nobody = query_members(ROOM, vec![], None);
    let alice = batch_get_these_users(&["alice"], vec![user_item("Alice", &[ME, "c4"], None)]);
    let c4 = post_ok("c4");
    let (chat, log) = mock_chat(
        &[&caller, &before, &transaction, &after, &nobody, &alice],
        &[&c4],
    );

    let answer = reply_json(
        &handle(&chat, remove_as("Alice", removing("alice")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "left", "{answer}");
    assert_eq!(answer["room"]["memberCount"], 0);
    assert_eq!(log.calls().last().unwrap(), "PostToConnection c4");
}

#[tokio::test]
async fn admins_remove_only_members_and_members_remove_nobody_else() {
    for (caller_name, caller_role, target_role) in [
        ("carol", "admin", "admin"),
        ("carol", "admin", "owner"),
        ("carol", "member", "member"),
    ] {
        let caller = get_member(
            ROOM,
            "carol",
            Some(member_item(ROOM, caller_name, caller_role)),
        );
        let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", target_role)));
        let (chat, log) = mock_chat(&[&caller, &target], &[]);

        let event = reply_json(
            &handle(&chat, remove_as("carol", removing("bob")))
                .await
                .unwrap(),
        );

        assert_eq!(
            event["code"], "forbidden_role",
            "{caller_role} removing {target_role}"
        );
        assert_eq!(event["action"], "removeMember");
        assert_eq!(log.calls(), ["GetItem", "GetItem"], "nothing removed");
    }
}

#[tokio::test]
async fn removing_someone_who_is_not_in_the_room_is_not_in_room() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", None);
    let (chat, log) = mock_chat(&[&caller, &target], &[]);

    let event = reply_json(
        &handle(&chat, remove_as("Alice", removing("bob")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "not_in_room", "{event}");
    assert_eq!(log.calls(), ["GetItem", "GetItem"]);
}

#[tokio::test]
async fn a_member_removed_meanwhile_by_someone_else_is_not_in_room_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let raced = member_removed_meanwhile(ROOM, "bob");
    let (chat, log) = mock_chat(&[&caller, &target, &raced], &[]);

    let event = reply_json(
        &handle(&chat, remove_as("Alice", removing("bob")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "not_in_room", "{event}");
    assert_eq!(log.calls(), ["GetItem", "GetItem", "TransactWriteItems"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member(ROOM, "mallory", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(
        &handle(&chat, remove_as("Mallory", removing("bob")))
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
            json!({"action": "removeMember", "conversationId": ROOM, "requestId": "r1"}),
            "missing_field",
        ),
        (
            json!({"action": "removeMember", "conversationId": ROOM, "username": "b b"}),
            "invalid_username",
        ),
        (
            json!({"action": "removeMember", "conversationId": "dm#alice#bob", "username": "bob", "requestId": "r1"}),
            "invalid_conversation",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(
            &handle(&chat, remove_as("Alice", body.clone()))
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
    let failing = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_error(|| {
        TransactWriteItemsError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&caller, &target, &failing], &[]);

    let event = reply_json(
        &handle(&chat, remove_as("Alice", removing("bob")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "GetItem", "TransactWriteItems"]);
}

#[tokio::test]
async fn a_gone_connection_of_the_removed_user_is_cleaned_up_and_the_removal_stands() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let target = get_member(ROOM, "bob", Some(member_item(ROOM, "bob", "member")));
    let transaction = member_removed(ROOM, "bob");
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 2)));
    let (members, users) = alice_and_carol_remain();
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c3, c4) = (post_gone("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[
            &caller,
            &target,
            &transaction,
            &room,
            &members,
            &users,
            &delete,
            &detach,
        ],
        &[&gone, &c3, &c4],
    );

    let answer = reply_json(
        &handle(&chat, remove_as("Alice", removing("bob")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "removed", "{answer}");
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
    let body = removing("bob").to_string();

    let error = handle(&chat, anonymous_request("removeMember", ME, Some(&body)))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
