//! The `addMembers` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
/// The newcomers of most tests (key, display name): dave, the third one named, is already in.
const BOB_AND_CAROL: &[(&str, &str)] = &[("bob", "bob"), ("carol", "Carol")];

fn add(body: Value) -> chat_domain::lambda::Request {
    route_request("addMembers", ME, "Alice", Some(&body.to_string()))
}

/// Bob and Carol, and Dave who is already in.
fn add_bob_carol_and_dave() -> Value {
    json!({"action": "addMembers", "conversationId": ROOM, "usernames": ["BOB", "carol", "dave"], "requestId": "r1"})
}

/// The caller (an owner), then the newcomers' users: bob, Carol and dave all exist.
fn caller_and_users() -> (Rule, Rule) {
    (
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner"))),
        batch_get_these_users(
            &["bob", "carol", "dave"],
            vec![
                user_item("bob", &["c2"], None),
                user_item("Carol", &["c3"], None),
                user_item("dave", &["c5"], None),
            ],
        ),
    )
}

/// Of bob, carol and dave, only dave is a member already.
fn only_dave_is_in() -> Rule {
    batch_get_members(
        ROOM,
        &["bob", "carol", "dave"],
        vec![member_item(ROOM, "dave", "member")],
    )
}

fn all_four() -> (Rule, Rule) {
    (
        query_members(
            ROOM,
            vec![
                member_item(ROOM, "Alice", "owner"),
                member_item(ROOM, "bob", "member"),
                member_item(ROOM, "Carol", "member"),
                member_item(ROOM, "dave", "member"),
            ],
            None,
        ),
        batch_get_these_users(
            &["alice", "bob", "carol", "dave"],
            vec![
                user_item("Alice", &[ME, "c4"], None),
                user_item("bob", &["c2"], None),
                user_item("Carol", &["c3"], None),
                user_item("dave", &["c5"], None),
            ],
        ),
    )
}

/// The `membership` event every member gets: no request id (not theirs).
fn added_bob_and_carol(event: &Value) -> bool {
    event["type"] == "membership"
        && event["conversationId"] == ROOM
        && event["change"] == "added"
        && event["users"] == json!(["bob", "Carol"])
        && event["by"] == "Alice"
        && event["room"]["memberCount"] == 4
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn adds_the_newcomers_in_one_transaction_and_tells_every_member_the_new_ones_included() {
    let (caller, users) = caller_and_users();
    let already = only_dave_is_in();
    let transaction = members_added(ROOM, BOB_AND_CAROL);
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 4)));
    let (members, everyone) = all_four();
    let (c2, c3, c4, c5) = (
        post_event("c2", added_bob_and_carol),
        post_event("c3", added_bob_and_carol),
        post_event("c4", added_bob_and_carol),
        post_event("c5", added_bob_and_carol),
    );
    let (chat, log) = mock_chat(
        &[
            &caller,
            &users,
            &already,
            &transaction,
            &room,
            &members,
            &everyone,
        ],
        &[&c2, &c3, &c4, &c5],
    );

    let response = handle(&chat, add(add_bob_carol_and_dave())).await.unwrap();

    assert_eq!(
        log.calls()[..7],
        [
            "GetItem",
            "BatchGetItem",
            "BatchGetItem",
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
            "PostToConnection c4",
            "PostToConnection c5"
        ],
        "no post to the calling connection"
    );
    assert_eq!(log.calls().len(), 11);
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "membership", "conversationId": ROOM, "change": "added",
            "users": ["bob", "Carol"], "by": "Alice", "requestId": "r1",
            "room": {"conversationId": ROOM, "name": "Team", "memberCount": 4,
                     "createdBy": "bob", "createdAt": NOW - 9000},
        })
    );
}

#[tokio::test]
async fn when_everyone_named_is_already_in_the_answer_lists_nobody_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "admin")));
    let users = batch_get_these_users(&["dave"], vec![user_item("dave", &["c5"], None)]);
    let already = batch_get_members(ROOM, &["dave"], vec![member_item(ROOM, "dave", "member")]);
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 2)));
    let (chat, log) = mock_chat(&[&caller, &users, &already, &room], &[]);
    let body = json!({"action": "addMembers", "conversationId": ROOM, "usernames": ["dave"]});

    let answer = reply_json(&handle(&chat, add(body)).await.unwrap());

    assert_eq!(answer["type"], "membership", "{answer}");
    assert_eq!(answer["users"], json!([]));
    assert_eq!(answer["room"]["memberCount"], 2);
    assert_eq!(
        log.calls(),
        ["GetItem", "BatchGetItem", "BatchGetItem", "GetItem"],
        "no write, no post"
    );
}

#[tokio::test]
async fn a_room_that_would_pass_its_limit_is_refused_as_full() {
    let (caller, users) = caller_and_users();
    let already = only_dave_is_in();
    let full = members_added_cancelled(
        ROOM,
        BOB_AND_CAROL,
        vec![
            check_failed(Some(room_item(ROOM, "Team", 999))),
            check_passed(),
            check_passed(),
        ],
    );
    let (chat, log) = mock_chat(&[&caller, &users, &already, &full], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "room_full", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(
        log.calls(),
        [
            "GetItem",
            "BatchGetItem",
            "BatchGetItem",
            "TransactWriteItems"
        ]
    );
}

#[tokio::test]
async fn a_newcomer_added_meanwhile_by_someone_else_is_a_conflict_to_retry() {
    let (caller, users) = caller_and_users();
    let already = only_dave_is_in();
    let raced = members_added_cancelled(
        ROOM,
        BOB_AND_CAROL,
        vec![check_passed(), check_failed(None), check_passed()],
    );
    let (chat, log) = mock_chat(&[&caller, &users, &already, &raced], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "conflict", "{event}");
    assert_eq!(log.calls().len(), 4, "nobody is told");
}

#[tokio::test]
async fn a_plain_member_may_not_add_and_nothing_is_read_further() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "forbidden_role", "{event}");
    assert_eq!(event["action"], "addMembers");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member(ROOM, "alice", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn an_unknown_user_is_refused_and_nobody_is_added() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")));
    let users = batch_get_these_users(
        &["bob", "carol", "dave"],
        vec![user_item("bob", &[], None), user_item("dave", &[], None)],
    );
    let (chat, log) = mock_chat(&[&caller, &users], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "unknown_recipient", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "BatchGetItem"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    let crowd: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
    for (body, code) in [
        (
            json!({"action": "addMembers", "conversationId": ROOM}),
            "missing_field",
        ),
        (
            json!({"action": "addMembers", "conversationId": ROOM, "usernames": [], "requestId": "r1"}),
            "too_many_members",
        ),
        (
            json!({"action": "addMembers", "conversationId": ROOM, "usernames": crowd}),
            "too_many_members",
        ),
        (
            json!({"action": "addMembers", "conversationId": ROOM, "usernames": ["b b"]}),
            "invalid_username",
        ),
        (
            json!({"action": "addMembers", "conversationId": "dm#alice#bob", "usernames": ["carol"], "requestId": "r1"}),
            "invalid_conversation",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, add(body.clone())).await.unwrap());
        assert_error_reply(&event, code, &body);
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nobody_is_told() {
    let (caller, users) = caller_and_users();
    let already = only_dave_is_in();
    let failing = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_error(|| {
        TransactWriteItemsError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&caller, &users, &already, &failing], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls().len(), 4);
}

#[tokio::test]
async fn a_gone_connection_is_removed_and_the_members_are_still_added() {
    let (caller, users) = caller_and_users();
    let already = only_dave_is_in();
    let transaction = members_added(ROOM, BOB_AND_CAROL);
    let room = get_room(ROOM, Some(room_item(ROOM, "Team", 4)));
    let (members, everyone) = all_four();
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c3, c4, c5) = (post_gone("c2"), post_ok("c3"), post_ok("c4"), post_ok("c5"));
    let (chat, log) = mock_chat(
        &[
            &caller,
            &users,
            &already,
            &transaction,
            &room,
            &members,
            &everyone,
            &delete,
            &detach,
        ],
        &[&gone, &c3, &c4, &c5],
    );

    let answer = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(answer["change"], "added", "{answer}");
    assert_eq!(
        log.calls()[11..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out"
    );
    assert_eq!((delete.num_calls(), detach.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = add_bob_carol_and_dave().to_string();

    let error = handle(&chat, anonymous_request("addMembers", ME, Some(&body)))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
