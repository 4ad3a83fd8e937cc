//! The `createRoom` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the creator and the first members get.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_rooms::handle;
use serde_json::{Value, json};

const ME: &str = "c1";

fn create(body: Value) -> chat_domain::lambda::Request {
    route_request("createRoom", ME, "Alice", Some(&body.to_string()))
}

fn team_with_bob_and_carol() -> Value {
    json!({"action": "createRoom", "name": "  Team  ", "members": ["bob", "Carol"], "requestId": "r1"})
}

fn is_room_id(id: &Value) -> bool {
    id.as_str()
        .and_then(|id| id.strip_prefix("room#"))
        .is_some_and(|ulid| ulid.len() == 26)
}

/// The `membership` event the first members get: added by Alice, no request id (not theirs).
fn added_bob_and_carol(event: &Value) -> bool {
    event["type"] == "membership"
        && event["change"] == "added"
        && event["users"] == json!(["bob", "carol"])
        && event["by"] == "Alice"
        && is_room_id(&event["conversationId"])
        && event["room"]["conversationId"] == event["conversationId"]
        && event["room"]["memberCount"] == 3
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn creates_the_room_in_one_transaction_then_tells_the_members_and_the_callers_other_tabs() {
    let alice = || user_item("Alice", &[ME, "c4"], None);
    let (bob, carol) = (
        || user_item("bob", &["c2"], None),
        || user_item("carol", &["c3"], None),
    );
    let everyone = batch_get_these_users(&["alice", "bob", "carol"], vec![alice(), bob(), carol()]);
    let transaction = room_created(
        "Team",
        "Alice",
        &[
            ("alice", "Alice", "owner"),
            ("bob", "bob", "member"),
            ("carol", "carol", "member"),
        ],
    );
    let c2 = post_event("c2", added_bob_and_carol);
    let c3 = post_event("c3", added_bob_and_carol);
    let c4 = post_event("c4", |e| {
        e["type"] == "room" && e["room"]["name"] == "Team" && e.get("requestId").is_none()
    });
    let (chat, log) = mock_chat(&[&everyone, &transaction], &[&c2, &c3, &c4]);

    let response = handle(&chat, create(team_with_bob_and_carol()))
        .await
        .unwrap();

    let calls = log.calls();
    assert_eq!(
        calls[..2],
        ["BatchGetItem", "TransactWriteItems"],
        "the users read first hold their connections: no second read"
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
    let answer = reply_json(&response);
    assert_eq!(answer["type"], "room", "{answer}");
    assert_eq!(answer["requestId"], "r1");
    let room = &answer["room"];
    assert!(is_room_id(&room["conversationId"]), "{room}");
    assert_eq!(room["name"], "Team");
    assert_eq!(room["memberCount"], 3);
    assert_eq!(
        room["createdBy"], "Alice",
        "the owner is who the token says"
    );
    assert_eq!(room["createdAt"], NOW);
    // The rooms function's call log for the benchmark (one scenario per function).
    log.export(
        "rooms",
        "createRoom: a room with 2 first members, each with 1 connection",
    );
}

#[tokio::test]
async fn the_creator_named_among_the_members_is_the_owner_only() {
    let alice = || user_item("Alice", &[ME], None);
    let everyone = batch_get_these_users(
        &["alice", "bob"],
        vec![alice(), user_item("bob", &[], None)],
    );
    let transaction = room_created(
        "Team",
        "Alice",
        &[("alice", "Alice", "owner"), ("bob", "bob", "member")],
    );
    let (chat, log) = mock_chat(&[&everyone, &transaction], &[]);
    let body = json!({"action": "createRoom", "name": "Team", "members": ["ALICE", "bob"]});

    let answer = reply_json(&handle(&chat, create(body)).await.unwrap());

    assert_eq!(answer["room"]["memberCount"], 2, "{answer}");
    assert_eq!(
        log.calls(),
        ["BatchGetItem", "TransactWriteItems"],
        "nobody online to tell"
    );
}

#[tokio::test]
async fn a_room_without_first_members_tells_only_the_callers_other_tabs() {
    let alice = || user_item("Alice", &[ME, "c4"], None);
    let me = batch_get_these_users(&["alice"], vec![alice()]);
    let transaction = room_created("Team", "Alice", &[("alice", "Alice", "owner")]);
    let c4 = post_ok("c4");
    let (chat, log) = mock_chat(&[&me, &transaction], &[&c4]);

    let answer = reply_json(
        &handle(
            &chat,
            create(json!({"action": "createRoom", "name": "Team"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(answer["room"]["memberCount"], 1, "{answer}");
    assert_eq!(answer.get("requestId"), None);
    assert_eq!(
        log.calls(),
        ["BatchGetItem", "TransactWriteItems", "PostToConnection c4"]
    );
}

#[tokio::test]
async fn an_unknown_first_member_is_refused_and_nothing_is_stored() {
    let everyone = batch_get_these_users(
        &["alice", "bob", "carol"],
        vec![
            user_item("Alice", &[ME], None),
            user_item("bob", &["c2"], None),
        ],
    );
    let (chat, log) = mock_chat(&[&everyone], &[]);

    let event = reply_json(
        &handle(&chat, create(team_with_bob_and_carol()))
            .await
            .unwrap(),
    );

    assert_eq!(event["type"], "error");
    assert_eq!(event["code"], "unknown_recipient");
    assert_eq!(event["action"], "createRoom");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["BatchGetItem"], "no write, no post");
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    let crowd: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
    for (body, code) in [
        (
            json!({"action": "createRoom", "members": ["bob"]}),
            "missing_field",
        ),
        (
            json!({"action": "createRoom", "name": " \t ", "requestId": "r1"}),
            "invalid_room_name",
        ),
        (
            json!({"action": "createRoom", "name": "a\u{7}b"}),
            "invalid_room_name",
        ),
        (
            json!({"action": "createRoom", "name": "x".repeat(65)}),
            "invalid_room_name",
        ),
        (
            json!({"action": "createRoom", "name": "Team", "members": crowd, "requestId": "r1"}),
            "too_many_members",
        ),
        (
            json!({"action": "createRoom", "name": "Team", "members": ["b b"]}),
            "invalid_username",
        ),
        (
            json!({"action": "createRoom", "name": "Team", "members": "bob"}),
            "invalid_field",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, create(body.clone())).await.unwrap());
        assert_error_reply(&event, code, &body);
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nobody_is_told() {
    let everyone = batch_get_these_users(
        &["alice", "bob", "carol"],
        vec![
            user_item("Alice", &[ME, "c4"], None),
            user_item("bob", &["c2"], None),
            user_item("carol", &["c3"], None),
        ],
    );
    let failing = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_error(|| {
        TransactWriteItemsError::InternalServerError(InternalServerError::builder().build())
    });
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(&[&everyone, &failing], &[&c2, &c3, &c4]);

    let event = reply_json(
        &handle(&chat, create(team_with_bob_and_carol()))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["BatchGetItem", "TransactWriteItems"]);
}

#[tokio::test]
async fn a_gone_connection_of_a_member_is_removed_and_the_room_is_still_created() {
    let alice = || user_item("Alice", &[ME], None);
    let (bob, carol) = (
        || user_item("bob", &["c2"], None),
        || user_item("carol", &["c3"], None),
    );
    let everyone = batch_get_these_users(&["alice", "bob", "carol"], vec![alice(), bob(), carol()]);
    let transaction = room_created(
        "Team",
        "Alice",
        &[
            ("alice", "Alice", "owner"),
            ("bob", "bob", "member"),
            ("carol", "carol", "member"),
        ],
    );
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c3) = (post_gone("c2"), post_ok("c3"));
    let (chat, log) = mock_chat(&[&everyone, &transaction, &delete, &detach], &[&gone, &c3]);

    let answer = reply_json(
        &handle(&chat, create(team_with_bob_and_carol()))
            .await
            .unwrap(),
    );

    assert_eq!(answer["type"], "room", "{answer}");
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c3"]);
    assert_eq!(
        log.calls()[4..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out"
    );
    assert_eq!(
        (delete.num_calls(), detach.num_calls(), c3.num_calls()),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = team_with_bob_and_carol().to_string();
    let request = anonymous_request("createRoom", ME, Some(&body));

    let error = handle(&chat, request).await.unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
