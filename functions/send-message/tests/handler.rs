//! The `sendMessage` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the sender gets back.

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::types::error::ForbiddenException;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use chat_domain::testing::*;
use route_send_message::handle;
use serde_json::{Value, json};
use std::collections::HashMap;

const SENDER: &str = "c1";
const DIRECT: &str = "dm#alice#bob";

fn send(body: Value) -> chat_domain::lambda::Request {
    route_request("sendMessage", SENDER, "Alice", Some(&body.to_string()))
}

fn hello_bob() -> Value {
    json!({"action": "sendMessage", "to": "bob", "text": "  hello bob  ", "clientMessageId": "m-1"})
}

/// BatchGetItem(recipient and sender): the one read before every write. Who the sender is comes
/// from the authorizer's context, not from a read of the connection.
fn sender_and_users(bob_connections: &[&str], alice_connections: &[&str]) -> Rule {
    batch_get_users(vec![
        user_item("bob", bob_connections, None),
        user_item("Alice", alice_connections, None),
    ])
}

fn posts(log: &CallLog) -> Vec<String> {
    let mut posts: Vec<_> = log
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("PostToConnection"))
        .collect();
    posts.sort();
    posts
}

/// The bookkeeping of a message of Alice to bob, a fixed number of idempotent writes: the
/// conversation's last message, both member items upserted, Alice's read point moved to it
/// (`read`: the message id, when the test knows it).
fn alice_to_bob_bookkeeping(read: Option<&'static str>) -> [Rule; 4] {
    [
        record_last_message(DIRECT, "Alice"),
        join_direct(DIRECT, "Alice"),
        join_direct(DIRECT, "bob"),
        advance_read_point(DIRECT, "alice", read),
    ]
}

/// The DynamoDB calls of a new direct message: recipient and sender read, message stored, then
/// its bookkeeping.
const DIRECT_SEND: [&str; 6] = [
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "UpdateItem",
    "UpdateItem",
    "UpdateItem",
];

#[tokio::test]
async fn persists_then_delivers_to_every_recipient_connection_and_the_senders_other_tabs() {
    let users = sender_and_users(&["c2", "c3"], &[SENDER, "c4"]);
    let put = put_message_stored();
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[&users, &put, &meta, &join_alice, &join_bob, &read],
        &[&c2, &c3, &c4],
    );

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    let calls = log.calls();
    assert_eq!(
        calls[..6],
        DIRECT_SEND,
        "persist and record before any post"
    );
    assert_eq!(
        posts(&log),
        [
            "PostToConnection c2",
            "PostToConnection c3",
            "PostToConnection c4"
        ]
    );
    assert_eq!(
        calls.len(),
        9,
        "no post to the sending connection: {calls:?}"
    );
    let ack = reply_json(&response);
    assert_eq!(ack["type"], "messageAck");
    assert_eq!(ack["duplicate"], false);
    let message = &ack["message"];
    assert_eq!(
        message["from"], "Alice",
        "sender comes from the verified identity, not the client"
    );
    assert_eq!(message["to"], "bob");
    assert_eq!(message["text"], "hello bob");
    assert_eq!(message["conversationId"], "dm#alice#bob");
    assert_eq!(message["clientMessageId"], "m-1");
    assert_eq!(message["sentAt"], NOW);
    assert_eq!(message["id"].as_str().unwrap().len(), 26);
    log.export(
        "send-message",
        "to a recipient with 2 connections, sender with 1 other tab",
    );
}

#[tokio::test]
async fn a_gone_connection_is_removed_and_the_others_still_get_the_message() {
    let users = sender_and_users(&["c2", "c3"], &[SENDER]);
    let put = put_message_stored();
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &["c3"], Some(NOW))));
    let (gone, c3) = (post_gone("c2"), post_ok("c3"));
    let (chat, log) = mock_chat(
        &[
            &users,
            &put,
            &meta,
            &join_alice,
            &join_bob,
            &read,
            &delete,
            &detach,
        ],
        &[&gone, &c3],
    );

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    assert_eq!(posts(&log), ["PostToConnection c2", "PostToConnection c3"]);
    assert_eq!(
        log.calls()[8..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out"
    );
    assert_eq!(
        reply_json(&response)["type"],
        "messageAck",
        "the sender is not failed"
    );
    assert_eq!(
        (delete.num_calls(), detach.num_calls(), c3.num_calls()),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_retry_with_the_same_client_message_id_stores_nothing_and_returns_the_original() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let original = message_item("01JDQ8Z7W4K3M2N1P0Q9R8S7T6", "Alice", "bob", "m-1");
    let put = put_message_duplicate(original);
    // The bookkeeping is done again for the original (idempotent): a first attempt that failed
    // after storing the message is repaired by its retry.
    let [meta, join_alice, join_bob, read] =
        alice_to_bob_bookkeeping(Some("01JDQ8Z7W4K3M2N1P0Q9R8S7T6"));
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(
        &[&users, &put, &meta, &join_alice, &join_bob, &read],
        &[&c2],
    );

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    assert_eq!(
        log.calls(),
        DIRECT_SEND,
        "no second message, no re-delivery"
    );
    assert_eq!(c2.num_calls(), 0);
    let ack = reply_json(&response);
    assert_eq!(ack["type"], "messageAck");
    assert_eq!(ack["duplicate"], true);
    assert_eq!(ack["message"]["id"], "01JDQ8Z7W4K3M2N1P0Q9R8S7T6");
    assert_eq!(ack["message"]["sentAt"], NOW - 1000);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    let too_long = "x".repeat(4001);
    let cases = [
        ("{not json".to_owned(), "invalid_json"),
        (json!({"action": "sendMessage", "text": "hi"}).to_string(), "missing_field"),
        (json!({"action": "sendMessage", "to": 1, "text": "hi"}).to_string(), "invalid_field"),
        (json!({"action": "sendMessage", "to": "bob", "text": "   "}).to_string(), "empty_text"),
        (json!({"action": "sendMessage", "to": "bob", "text": too_long, "clientMessageId": "m-9"}).to_string(), "text_too_long"),
        (json!({"action": "sendMessage", "to": "b b", "text": "hi"}).to_string(), "invalid_username"),
        (json!({"action": "sendMessage", "to": "bob", "text": "hi", "clientMessageId": "a b"}).to_string(), "invalid_client_message_id"),
        (json!({"action": "getClients"}).to_string(), "unknown_action"),
        (" ".repeat(40 * 1024), "payload_too_large"),
    ];
    for (body, code) in cases {
        let (chat, log) = mock_chat(&[], &[]);
        let response = handle(
            &chat,
            route_request("sendMessage", SENDER, "Alice", Some(&body)),
        )
        .await
        .unwrap();
        let event = reply_json(&response);
        assert_eq!(
            (event["type"].as_str(), event["code"].as_str()),
            (Some("error"), Some(code))
        );
        assert!(!event["message"].as_str().unwrap().is_empty());
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
        if code == "text_too_long" {
            assert_eq!(
                event["clientMessageId"], "m-9",
                "the client can mark its message failed"
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_recipient_is_an_error_and_nothing_is_stored() {
    let users = batch_get_users(vec![user_item("Alice", &[SENDER], None)]);
    let (chat, log) = mock_chat(&[&users], &[]);

    let event = reply_json(&handle(&chat, send(hello_bob())).await.unwrap());

    assert_eq!(event["code"], "unknown_recipient");
    assert_eq!(event["clientMessageId"], "m-1");
    assert_eq!(log.calls(), ["BatchGetItem"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let request = anonymous_request("sendMessage", SENDER, Some(&hello_bob().to_string()));

    let error = handle(&chat, request).await.unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn the_sender_is_who_the_token_says_whatever_the_body_claims() {
    let users = batch_get_users(vec![
        user_item("bob", &[], None),
        user_item("Mallory", &[SENDER], None),
    ]);
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item().cloned().unwrap_or_default();
            item.get("from") == Some(&s("Mallory"))
                && item.get("conversationId") == Some(&s("dm#bob#mallory"))
        })
        .then_output(|| PutItemOutput::builder().build());
    let meta = record_last_message("dm#bob#mallory", "Mallory");
    let (join_mallory, join_bob) = (
        join_direct("dm#bob#mallory", "Mallory"),
        join_direct("dm#bob#mallory", "bob"),
    );
    let read = advance_read_point("dm#bob#mallory", "mallory", None);
    let (chat, log) = mock_chat(&[&users, &put, &meta, &join_mallory, &join_bob, &read], &[]);
    let body = json!({"action": "sendMessage", "to": "bob", "from": "Alice", "text": "hi", "clientMessageId": "m-1"});

    let request = route_request("sendMessage", SENDER, "Mallory", Some(&body.to_string()));
    let ack = reply_json(&handle(&chat, request).await.unwrap());

    assert_eq!(ack["message"]["from"], "Mallory", "{ack}");
    assert_eq!(log.calls(), DIRECT_SEND);
}

#[tokio::test]
async fn a_message_to_oneself_is_refused_without_an_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "sendMessage", "to": "ALICE", "text": "note to self"});

    let event = reply_json(&handle(&chat, send(body)).await.unwrap());

    assert_eq!(event["code"], "invalid_recipient");
    assert_eq!(log.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nothing_is_delivered() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let put = put_message_fails();
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(&[&users, &put], &[&c2]);

    let event = reply_json(&handle(&chat, send(hello_bob())).await.unwrap());

    assert_eq!(event["type"], "error");
    assert_eq!(event["code"], "service_unavailable");
    assert_eq!(event["action"], "sendMessage");
    assert_eq!(
        event["clientMessageId"], "m-1",
        "the client retries with the same id"
    );
    assert_eq!(c2.num_calls(), 0);
    assert_eq!(log.calls(), ["BatchGetItem", "PutItem"]);
}

#[tokio::test]
async fn a_failed_post_other_than_gone_keeps_the_connection_and_still_acks() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let put = put_message_stored();
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let forbidden =
        mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection).then_error(|| {
            PostToConnectionError::ForbiddenException(ForbiddenException::builder().build())
        });
    let (chat, log) = mock_chat(
        &[&users, &put, &meta, &join_alice, &join_bob, &read],
        &[&forbidden],
    );

    let event = reply_json(&handle(&chat, send(hello_bob())).await.unwrap());

    assert_eq!(event["type"], "messageAck");
    assert_eq!(
        log.calls().last().unwrap(),
        "PostToConnection c2",
        "no cleanup"
    );
}

#[tokio::test]
async fn throttled_writes_are_retried_by_the_sdk_and_stored_once() {
    let users = sender_and_users(&[], &[SENDER]);
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .sequence()
        // DynamoDB's wire form of a throttle, so the SDK's own classifier decides to retry.
        .http_status(
            400,
            Some(r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#.into()),
        )
        .output(|| PutItemOutput::builder().build())
        .build();
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let (chat, _log) =
        mock_chat_with_retries(&[&users, &put, &meta, &join_alice, &join_bob, &read], &[]);

    let event = reply_json(&handle(&chat, send(hello_bob())).await.unwrap());

    assert_eq!(event["type"], "messageAck", "{event}");
    assert_eq!(put.num_calls(), 2, "one throttled attempt, one stored");
}

#[tokio::test]
async fn an_event_without_connection_id_is_a_lambda_error() {
    let (chat, _log) = mock_chat(&[], &[]);
    let mut request = send(hello_bob());
    request.request_context.connection_id = None;
    assert!(handle(&chat, request).await.is_err());
}

const PHOTO_KEY: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg";

fn with_photo(key: &str) -> Value {
    json!({"action": "sendMessage", "to": "bob", "text": "", "clientMessageId": "m-5",
        "attachment": {"key": key, "name": "beach.jpg", "contentType": "image/jpeg", "size": 123456}})
}

#[tokio::test]
async fn a_file_of_the_senders_for_this_conversation_is_stored_with_the_message_and_delivered() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item().cloned().unwrap_or_default();
            r.table_name() == Some(MESSAGES_TABLE)
                && item.get("attachmentKey") == Some(&s(PHOTO_KEY))
                && item.get("attachmentName") == Some(&s("beach.jpg"))
                && item.get("attachmentType") == Some(&s("image/jpeg"))
                && item.get("attachmentSize") == Some(&n(123_456))
                && item.get("text") == Some(&s(""))
        })
        .then_output(|| PutItemOutput::builder().build());
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(
        &[&users, &put, &meta, &join_alice, &join_bob, &read],
        &[&c2],
    );

    let response = handle(&chat, send(with_photo(PHOTO_KEY))).await.unwrap();

    assert_eq!(log.calls()[..6], DIRECT_SEND);
    assert_eq!(log.calls()[6..], ["PostToConnection c2"]);
    let ack = reply_json(&response);
    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["message"]["text"], "");
    assert_eq!(
        ack["message"]["attachment"],
        json!({"key": PHOTO_KEY, "name": "beach.jpg", "contentType": "image/jpeg", "size": 123456})
    );
}

#[tokio::test]
async fn a_file_of_someone_else_or_of_another_conversation_is_refused_and_nothing_is_stored() {
    for key in [
        // Bob's upload, to the same conversation.
        "attachments/dm/alice/bob/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg",
        // Alice's upload, for her conversation with carol.
        "attachments/dm/alice/carol/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg",
    ] {
        let users = sender_and_users(&["c2"], &[SENDER]);
        let (chat, log) = mock_chat(&[&users], &[]);

        let answer = reply_json(&handle(&chat, send(with_photo(key))).await.unwrap());

        assert_eq!(answer["code"], "forbidden_media", "{key}");
        assert_eq!(answer["clientMessageId"], "m-5");
        assert_eq!(log.calls(), ["BatchGetItem"], "no PutItem, no post");
    }
}

#[tokio::test]
async fn a_message_by_conversation_id_is_stored_in_that_conversation() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item().cloned().unwrap_or_default();
            item.get("conversationId") == Some(&s("dm#alice#bob"))
                && item.get("to") == Some(&s("bob"))
        })
        .then_output(|| PutItemOutput::builder().build());
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(
        &[&users, &put, &meta, &join_alice, &join_bob, &read],
        &[&c2],
    );
    let body = json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": "by id", "clientMessageId": "m-1"});

    let ack = reply_json(&handle(&chat, send(body)).await.unwrap());

    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["message"]["conversationId"], "dm#alice#bob");
    assert_eq!(log.calls()[..6], DIRECT_SEND);
    assert_eq!(log.calls()[6..], ["PostToConnection c2"]);
}

#[tokio::test]
async fn a_conversation_of_others_is_refused_without_an_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "sendMessage", "conversationId": "dm#bob#carol", "text": "let me in", "clientMessageId": "m-9"});

    let event = reply_json(&handle(&chat, send(body)).await.unwrap());

    assert_eq!(event["code"], "not_a_member");
    assert_eq!(event["clientMessageId"], "m-9");
    assert_eq!(log.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn a_retry_after_a_later_message_leaves_the_last_message_as_it_is() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let original = message_item("01JDQ8Z7W4K3M2N1P0Q9R8S7T6", "Alice", "bob", "m-1");
    let put = put_message_duplicate(original);
    // A later message is already the conversation's last: the condition refuses, which is fine.
    let meta = record_last_message_superseded(DIRECT, "Alice");
    let [_, join_alice, join_bob, read] =
        alice_to_bob_bookkeeping(Some("01JDQ8Z7W4K3M2N1P0Q9R8S7T6"));
    let (chat, log) = mock_chat(&[&users, &put, &meta, &join_alice, &join_bob, &read], &[]);

    let ack = reply_json(&handle(&chat, send(hello_bob())).await.unwrap());

    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["duplicate"], true);
    assert_eq!(log.calls(), DIRECT_SEND);
}

// Rooms: membership is read (strongly consistent) before anything is written; the message has no
// `to`; it reaches every live connection of every member but the sending one.

const ROOM: &str = "room#01JDQ9A0B1C2D3E4F5G6H7J8K9";

fn hello_room() -> Value {
    json!({"action": "sendMessage", "conversationId": ROOM, "text": "hello all", "clientMessageId": "r-1"})
}

fn alice_in_the_room() -> Rule {
    get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "owner")))
}

/// PutItem of Alice's message into the room: no `to`, whatever the room's size.
fn put_room_message() -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item().cloned().unwrap_or_default();
            r.table_name() == Some(MESSAGES_TABLE)
                && r.condition_expression() == Some("attribute_not_exists(#key)")
                && item.get("conversationId") == Some(&s(ROOM))
                && item.get("from") == Some(&s("Alice"))
                && item.get("dedupKey") == Some(&s("alice#r-1"))
                && !item.contains_key("to")
        })
        .then_output(|| PutItemOutput::builder().build())
}

/// A post to `connection_id` of Alice's room message, which names no recipient.
fn room_message_post(connection_id: &'static str) -> Rule {
    post_event(connection_id, |event| {
        event["type"] == "message"
            && event["message"]["conversationId"] == ROOM
            && event["message"]["from"] == "Alice"
            && event["message"]["text"] == "hello all"
            && event["message"].get("to").is_none()
    })
}

/// The room's four members: Alice (c1 sending, c4 another tab), bob (c2), carol (c3), dave
/// (offline).
fn room_members() -> (Rule, Rule) {
    (
        query_members(
            ROOM,
            vec![
                member_item(ROOM, "Alice", "owner"),
                member_item(ROOM, "bob", "admin"),
                member_item(ROOM, "carol", "member"),
                member_item(ROOM, "dave", "member"),
            ],
            None,
        ),
        batch_get_these_users(
            &["alice", "bob", "carol", "dave"],
            vec![
                user_item("Alice", &[SENDER, "c4"], None),
                user_item("bob", &["c2"], None),
                user_item("carol", &["c3"], None),
                user_item("dave", &[], Some(NOW - 5000)),
            ],
        ),
    )
}

/// The DynamoDB calls of a new room message: membership, message, last message, read point,
/// then the members and their connections.
const ROOM_SEND: [&str; 6] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "UpdateItem",
    "Query",
    "BatchGetItem",
];

#[tokio::test]
async fn a_member_sends_into_a_room_and_every_other_member_connection_gets_it() {
    let (member, put) = (alice_in_the_room(), put_room_message());
    let meta = record_last_message(ROOM, "Alice");
    let read = advance_read_point(ROOM, "alice", None);
    let (members, users) = room_members();
    let (c2, c3, c4, sender) = (
        room_message_post("c2"),
        room_message_post("c3"),
        room_message_post("c4"),
        post_ok(SENDER),
    );
    let (chat, log) = mock_chat(
        &[&member, &put, &meta, &read, &members, &users],
        &[&c2, &c3, &c4, &sender],
    );

    let response = handle(&chat, send(hello_room())).await.unwrap();

    let calls = log.calls();
    assert_eq!(calls[..6], ROOM_SEND, "stored and recorded before any post");
    assert_eq!(
        posts(&log),
        [
            "PostToConnection c2",
            "PostToConnection c3",
            "PostToConnection c4"
        ],
        "every member's live connections but the sending one"
    );
    assert_eq!(
        (
            c2.num_calls(),
            c3.num_calls(),
            c4.num_calls(),
            sender.num_calls()
        ),
        (1, 1, 1, 0)
    );
    let ack = reply_json(&response);
    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["duplicate"], false);
    assert_eq!(ack["message"]["conversationId"], ROOM);
    assert_eq!(ack["message"]["from"], "Alice");
    assert!(ack["message"].get("to").is_none(), "{ack}");
}

#[tokio::test]
async fn a_stored_room_message_is_acknowledged_even_when_its_members_cannot_be_read() {
    let (member, put) = (alice_in_the_room(), put_room_message());
    let meta = record_last_message(ROOM, "Alice");
    let read = advance_read_point(ROOM, "alice", None);
    let members = mock!(aws_sdk_dynamodb::Client::query).then_error(|| {
        aws_sdk_dynamodb::operation::query::QueryError::InternalServerError(
            aws_sdk_dynamodb::types::error::InternalServerError::builder().build(),
        )
    });
    let (chat, log) = mock_chat(&[&member, &put, &meta, &read, &members], &[]);

    let response = handle(&chat, send(hello_room())).await.unwrap();

    // An error would make the client retry, and a retry (a duplicate) delivers nothing: the
    // members find the message in history and their inbox instead.
    let ack = reply_json(&response);
    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["duplicate"], false);
    assert_eq!(
        log.calls(),
        ROOM_SEND[..5],
        "no post without the member list"
    );
}

#[tokio::test]
async fn a_room_message_reaches_the_members_of_every_page_of_the_member_list() {
    let (member, put) = (alice_in_the_room(), put_room_message());
    let meta = record_last_message(ROOM, "Alice");
    let read = advance_read_point(ROOM, "alice", None);
    let bob = member_item(ROOM, "bob", "member");
    let cut = HashMap::from([
        ("pk".to_owned(), s(&format!("CONV#{ROOM}"))),
        ("sk".to_owned(), s("MEMBER#bob")),
    ]);
    let first = query_members(
        ROOM,
        vec![member_item(ROOM, "Alice", "owner"), bob],
        Some(cut.clone()),
    );
    let second = query_members_after(ROOM, cut, vec![member_item(ROOM, "carol", "member")], None);
    let users = batch_get_these_users(
        &["alice", "bob", "carol"],
        vec![
            user_item("Alice", &[SENDER], None),
            user_item("bob", &["c2"], None),
            user_item("carol", &["c3"], None),
        ],
    );
    let (c2, c3) = (room_message_post("c2"), room_message_post("c3"));
    let (chat, log) = mock_chat(
        &[&member, &put, &meta, &read, &first, &second, &users],
        &[&c2, &c3],
    );

    let ack = reply_json(&handle(&chat, send(hello_room())).await.unwrap());

    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(
        log.calls()[4..7],
        ["Query", "Query", "BatchGetItem"],
        "a 1 MB page of members is followed to the end"
    );
    assert_eq!(posts(&log), ["PostToConnection c2", "PostToConnection c3"]);
}

#[tokio::test]
async fn a_non_member_cannot_send_into_a_room_and_nothing_is_stored() {
    let member = get_member(ROOM, "alice", None);
    let (chat, log) = mock_chat(&[&member], &[]);

    let event = reply_json(&handle(&chat, send(hello_room())).await.unwrap());

    assert_eq!(event["type"], "error");
    assert_eq!(event["code"], "not_a_member");
    assert_eq!(event["action"], "sendMessage");
    assert_eq!(event["clientMessageId"], "r-1");
    assert_eq!(
        log.calls(),
        ["GetItem"],
        "no PutItem, no bookkeeping, no post"
    );
}

#[tokio::test]
async fn a_gone_connection_during_a_room_delivery_is_cleaned_up_and_the_send_succeeds() {
    let (member, put) = (alice_in_the_room(), put_room_message());
    let meta = record_last_message(ROOM, "Alice");
    let read = advance_read_point(ROOM, "alice", None);
    let (members, users) = room_members();
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c3, c4) = (
        post_gone("c2"),
        room_message_post("c3"),
        room_message_post("c4"),
    );
    let (chat, log) = mock_chat(
        &[
            &member, &put, &meta, &read, &members, &users, &delete, &detach,
        ],
        &[&gone, &c3, &c4],
    );

    let ack = reply_json(&handle(&chat, send(hello_room())).await.unwrap());

    assert_eq!(ack["type"], "messageAck", "the sender is not failed: {ack}");
    let calls = log.calls();
    assert_eq!(calls[..6], ROOM_SEND);
    assert_eq!(
        calls[9..],
        ["DeleteItem", "UpdateItem"],
        "cleanup after the fan-out: {calls:?}"
    );
    assert_eq!(
        (
            c3.num_calls(),
            c4.num_calls(),
            delete.num_calls(),
            detach.num_calls()
        ),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn a_retried_room_message_redoes_the_bookkeeping_and_posts_nothing() {
    let member = alice_in_the_room();
    let original = room_message_item("01JDQ9B0C1D2E3F4G5H6J7K8M9", ROOM, "Alice", "r-1");
    let put = put_message_duplicate(original);
    let meta = record_last_message(ROOM, "Alice");
    let read = advance_read_point(ROOM, "alice", Some("01JDQ9B0C1D2E3F4G5H6J7K8M9"));
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(&[&member, &put, &meta, &read], &[&c2]);

    let ack = reply_json(&handle(&chat, send(hello_room())).await.unwrap());

    assert_eq!(ack["duplicate"], true, "{ack}");
    assert_eq!(ack["message"]["id"], "01JDQ9B0C1D2E3F4G5H6J7K8M9");
    assert!(ack["message"].get("to").is_none());
    assert_eq!(
        log.calls(),
        ["GetItem", "PutItem", "UpdateItem", "UpdateItem"],
        "no member read, no re-delivery"
    );
    assert_eq!(c2.num_calls(), 0);
}

#[tokio::test]
async fn a_room_file_must_be_the_senders_upload_for_that_room() {
    let ulid = ROOM.trim_start_matches("room#");
    for (key, accepted) in [
        (
            format!("attachments/room/{ulid}/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg"),
            true,
        ),
        // Bob's upload to the same room.
        (
            format!("attachments/room/{ulid}/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg"),
            false,
        ),
        // Alice's upload to another room.
        (
            "attachments/room/01JDQ8Z7W4K3M2N1P0Q9R8S7T6/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.jpg"
                .to_owned(),
            false,
        ),
    ] {
        let member = alice_in_the_room();
        let put = mock!(aws_sdk_dynamodb::Client::put_item)
            .match_requests(|r| {
                r.item().is_some_and(|item| {
                    item.contains_key("attachmentKey") && !item.contains_key("to")
                })
            })
            .then_output(|| PutItemOutput::builder().build());
        let meta = record_last_message(ROOM, "Alice");
        let read = advance_read_point(ROOM, "alice", None);
        let members = query_members(ROOM, vec![member_item(ROOM, "Alice", "owner")], None);
        let users = batch_get_these_users(&["alice"], vec![user_item("Alice", &[SENDER], None)]);
        let (chat, log) = if accepted {
            mock_chat(&[&member, &put, &meta, &read, &members, &users], &[])
        } else {
            mock_chat(&[&member], &[])
        };
        let body = json!({"action": "sendMessage", "conversationId": ROOM, "text": "", "clientMessageId": "r-5",
            "attachment": {"key": key, "name": "beach.jpg", "contentType": "image/jpeg", "size": 1234}});

        let answer = reply_json(&handle(&chat, send(body)).await.unwrap());

        if accepted {
            assert_eq!(answer["type"], "messageAck", "{key}: {answer}");
            assert_eq!(answer["message"]["attachment"]["key"], key.as_str());
            assert_eq!(log.calls(), ROOM_SEND, "{key}");
        } else {
            assert_eq!(answer["code"], "forbidden_media", "{key}: {answer}");
            assert_eq!(log.calls(), ["GetItem"], "{key}: no PutItem");
        }
    }
}

/// Bob's message Alice replies to (stored with dedup key `bob#b-1`).
const ORIGINAL: &str = "01JDQ8Z7W4K3M2N1P0Q9R8S7A1";

fn reply_to_original() -> Value {
    json!({"action": "sendMessage", "to": "bob", "text": "yes", "clientMessageId": "m-2", "replyTo": ORIGINAL})
}

#[tokio::test]
async fn a_reply_looks_up_the_original_then_stores_its_reference_and_quotes_it() {
    let users = sender_and_users(&["c2"], &[SENDER]);
    let original = query_message(
        DIRECT,
        ORIGINAL,
        Some(message_item(ORIGINAL, "bob", "Alice", "b-1")),
    );
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item();
            r.table_name() == Some(MESSAGES_TABLE)
                && item.and_then(|i| i.get("replyToId")) == Some(&s(ORIGINAL))
                && item.and_then(|i| i.get("replyToKey")) == Some(&s("bob#b-1"))
        })
        .then_output(|| PutItemOutput::builder().build());
    let [meta, join_alice, join_bob, read] = alice_to_bob_bookkeeping(None);
    let quoting = |event: &Value| event["message"]["replyTo"]["messageId"] == ORIGINAL;
    let c2 = post_event("c2", quoting);
    let (chat, log) = mock_chat(
        &[
            &users,
            &original,
            &put,
            &meta,
            &join_alice,
            &join_bob,
            &read,
        ],
        &[&c2],
    );

    let ack = reply_json(&handle(&chat, send(reply_to_original())).await.unwrap());

    assert_eq!(
        log.calls()[..3],
        ["BatchGetItem", "Query", "PutItem"],
        "the original is checked before the reply is stored"
    );
    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(
        ack["message"]["replyTo"],
        json!({"messageId": ORIGINAL, "from": "bob", "text": "hello"})
    );
    assert_eq!(log.posts(), ["PostToConnection c2"]);
}

#[tokio::test]
async fn a_reply_to_a_deleted_or_unknown_message_is_refused_before_anything_is_stored() {
    let tombstone = with_deletion(
        message_item(ORIGINAL, "bob", "Alice", "b-1"),
        "bob",
        NOW - 5,
    );
    for (found, code) in [
        (Some(tombstone), "message_deleted"),
        (None, "invalid_message_id"),
    ] {
        let users = sender_and_users(&["c2"], &[SENDER]);
        let original = query_message(DIRECT, ORIGINAL, found);
        let (chat, log) = mock_chat(&[&users, &original], &[]);
        let body = reply_to_original();

        let event = reply_json(&handle(&chat, send(body.clone())).await.unwrap());

        assert_error_reply(&event, code, &body);
        assert_eq!(event["action"], "sendMessage");
        assert_eq!(log.calls(), ["BatchGetItem", "Query"], "{code}");
    }
}
