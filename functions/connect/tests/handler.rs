//! The `$connect` handler over mocked DynamoDB and API Gateway clients.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::lambda::Request;
use chat_domain::testing::*;
use route_connect::handle;

/// The token a browser offers as its second subprotocol (never echoed, never logged).
const TOKEN: &str = "eyJraWQiOiJrMSJ9.eyJzdWIiOiJzIn0.c2ln";

/// `$connect` of `username`'s browser, as API Gateway passes it on after the authorizer's Allow.
fn connect(connection_id: &str, username: &str) -> Request {
    let mut request = route_request("$connect", connection_id, username, None);
    request.headers.insert(
        "Sec-WebSocket-Protocol",
        format!("chatastrophy.v1, {TOKEN}").parse().unwrap(),
    );
    request
}

/// A post to `connection_id` whose payload must be this presence event.
fn presence_post(connection_id: &'static str, username: &'static str, online: bool) -> Rule {
    post_event(connection_id, move |event| {
        event["type"] == "presence"
            && event["user"]["username"] == username
            && event["user"]["online"] == online
            && event["user"].get("connectionIds").is_none()
    })
}

#[tokio::test]
async fn a_first_connection_registers_the_user_and_tells_everyone_online() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "Alice");
    let users = query_users(vec![
        user_item("Alice", &["c1"], None),
        user_item("bob", &["c2", "c3"], None),
        user_item("carol", &[], Some(NOW - 5000)),
    ]);
    let (c2, c3) = (
        presence_post("c2", "Alice", true),
        presence_post("c3", "Alice", true),
    );
    let (chat, log) = mock_chat(&[&attach, &save, &users], &[&c2, &c3]);

    let response = handle(&chat, connect("c1", "Alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    let calls = log.calls();
    assert_eq!(calls[..3], ["UpdateItem", "PutItem", "Query"]);
    assert_eq!(
        calls.len(),
        5,
        "one small event per other online connection, none to offline users: {calls:?}"
    );
    assert_eq!((c2.num_calls(), c3.num_calls()), (1, 1));
    log.export(
        "connect",
        "first connection of a new user, 1 other user online with 2 tabs",
    );
}

#[tokio::test]
async fn another_tab_of_an_online_user_is_registered_quietly_under_the_first_spelling() {
    let attach = attach_connection("alice", "c9", Some(user_item("Alice", &["c1"], None)));
    let save = put_connection("c9", "Alice");
    let (chat, log) = mock_chat(&[&attach, &save], &[]);

    let response = handle(&chat, connect("c9", "ALICE")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        ["UpdateItem", "PutItem"],
        "no presence event: already online"
    );
}

#[tokio::test]
async fn a_returning_user_is_announced_again() {
    let attach = attach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW - 60_000))));
    let save = put_connection("c2", "bob");
    let users = query_users(vec![
        user_item("Alice", &["c1"], None),
        user_item("bob", &["c2"], None),
    ]);
    let c1 = presence_post("c1", "bob", true);
    let (chat, log) = mock_chat(&[&attach, &save, &users], &[&c1]);

    assert_eq!(
        handle(&chat, connect("c2", "bob"))
            .await
            .unwrap()
            .status_code,
        200
    );
    assert_eq!(
        log.calls(),
        ["UpdateItem", "PutItem", "Query", "PostToConnection c1"]
    );
}

#[tokio::test]
async fn a_connect_without_the_authorizers_identity_is_a_lambda_error_and_writes_nothing() {
    let (chat, log) = mock_chat(&[], &[]);
    let mut request = anonymous_request("$connect", "c1", None);
    // What a client sent before identity existed: a name is not an identity.
    request.query_string_parameters =
        std::collections::HashMap::from([("username".to_owned(), "bob".to_owned())]).into();

    assert!(handle(&chat, request).await.is_err());
    assert!(log.calls().is_empty(), "no connection or user item");
}

#[tokio::test]
async fn a_name_bound_to_another_account_is_refused_with_403_and_nothing_else_is_written() {
    let attach = attach_connection_name_taken("alice", "c1");
    let (chat, log) = mock_chat(&[&attach], &[]);

    let response = handle(&chat, connect("c1", "ALICE")).await.unwrap();

    assert_eq!(response.status_code, 403);
    assert_eq!(reply_json(&response)["code"], "name_taken");
    assert_eq!(
        log.calls(),
        ["UpdateItem"],
        "no connection record, no presence"
    );
}

#[tokio::test]
async fn the_answer_names_our_subprotocol_and_never_the_token() {
    let attach = attach_connection("alice", "c1", Some(user_item("alice", &["c0"], None)));
    let save = put_connection("c1", "alice");
    let (chat, _) = mock_chat(&[&attach, &save], &[]);

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        response.headers.get("sec-websocket-protocol").unwrap(),
        "chatastrophy.v1"
    );
    let serialized = serde_json::to_string(&response).unwrap();
    assert!(!serialized.contains(TOKEN), "{serialized}");
}

#[tokio::test]
async fn a_client_that_offers_no_subprotocol_gets_none_back() {
    let attach = attach_connection("alice", "c1", Some(user_item("alice", &["c0"], None)));
    let save = put_connection("c1", "alice");
    let (chat, _) = mock_chat(&[&attach, &save], &[]);
    let mut request = connect("c1", "alice");
    request.headers.clear();

    let response = handle(&chat, request).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert!(response.headers.is_empty());
}

#[tokio::test]
async fn a_storage_failure_refuses_the_connection_with_500() {
    let attach = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
        UpdateItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&attach], &[]);

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 500);
    assert_eq!(reply_json(&response)["code"], "service_unavailable");
    assert_eq!(log.calls(), ["UpdateItem"]);
}

#[tokio::test]
async fn a_connection_record_that_cannot_be_saved_is_detached_again() {
    let attach = attach_connection("alice", "c1", None);
    let save = mock!(aws_sdk_dynamodb::Client::put_item)
        .then_error(|| PutItemError::InternalServerError(InternalServerError::builder().build()));
    let undo = detach_connection("alice", "c1", Some(user_item("alice", &[], Some(NOW))));
    let (chat, log) = mock_chat(&[&attach, &save, &undo], &[]);

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 500);
    assert_eq!(log.calls(), ["UpdateItem", "PutItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_presence_post_to_a_gone_connection_cleans_it_up() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "alice");
    let users = query_users(vec![user_item("bob", &["c2"], None)]);
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let gone = post_gone("c2");
    let (chat, log) = mock_chat(&[&attach, &save, &users, &delete, &detach], &[&gone]);

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "PutItem",
            "Query",
            "PostToConnection c2",
            "DeleteItem",
            "UpdateItem"
        ]
    );
}
