//! The `sendMessage` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the sender gets back.

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::types::error::ForbiddenException;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use chat_domain::testing::*;
use route_send_message::handle;
use serde_json::{Value, json};

const SENDER: &str = "c1";

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

#[tokio::test]
async fn persists_then_delivers_to_every_recipient_connection_and_the_senders_other_tabs() {
    let users = sender_and_users(&["c2", "c3"], &[SENDER, "c4"]);
    let put = put_message_stored();
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(&[&users, &put], &[&c2, &c3, &c4]);

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    let calls = log.calls();
    assert_eq!(
        calls[..2],
        ["BatchGetItem", "PutItem"],
        "persist before any post"
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
        5,
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
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &["c3"], Some(NOW))));
    let (gone, c3) = (post_gone("c2"), post_ok("c3"));
    let (chat, log) = mock_chat(&[&users, &put, &delete, &detach], &[&gone, &c3]);

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    assert_eq!(posts(&log), ["PostToConnection c2", "PostToConnection c3"]);
    assert_eq!(
        log.calls()[4..],
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
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(&[&users, &put], &[&c2]);

    let response = handle(&chat, send(hello_bob())).await.unwrap();

    assert_eq!(
        log.calls(),
        ["BatchGetItem", "PutItem"],
        "no second write, no re-delivery"
    );
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
    let (chat, log) = mock_chat(&[&users, &put], &[]);
    let body = json!({"action": "sendMessage", "to": "bob", "from": "Alice", "text": "hi", "clientMessageId": "m-1"});

    let request = route_request("sendMessage", SENDER, "Mallory", Some(&body.to_string()));
    let ack = reply_json(&handle(&chat, request).await.unwrap());

    assert_eq!(ack["message"]["from"], "Mallory", "{ack}");
    assert_eq!(log.calls(), ["BatchGetItem", "PutItem"]);
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
    let forbidden =
        mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection).then_error(|| {
            PostToConnectionError::ForbiddenException(ForbiddenException::builder().build())
        });
    let (chat, log) = mock_chat(&[&users, &put], &[&forbidden]);

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
    let (chat, _log) = mock_chat_with_retries(&[&users, &put], &[]);

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
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(&[&users, &put], &[&c2]);

    let response = handle(&chat, send(with_photo(PHOTO_KEY))).await.unwrap();

    assert_eq!(
        log.calls(),
        ["BatchGetItem", "PutItem", "PostToConnection c2"]
    );
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
    let c2 = post_ok("c2");
    let (chat, log) = mock_chat(&[&users, &put], &[&c2]);
    let body = json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": "by id", "clientMessageId": "m-1"});

    let ack = reply_json(&handle(&chat, send(body)).await.unwrap());

    assert_eq!(ack["type"], "messageAck", "{ack}");
    assert_eq!(ack["message"]["conversationId"], "dm#alice#bob");
    assert_eq!(
        log.calls(),
        ["BatchGetItem", "PutItem", "PostToConnection c2"]
    );
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
