//! The `$disconnect` handler over mocked DynamoDB and API Gateway clients.

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionOutput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_disconnect::handle;
use serde_json::Value;

fn disconnect(connection_id: &str) -> chat_domain::lambda::Request {
    route_request("$disconnect", connection_id, "alice", None)
}

#[tokio::test]
async fn the_last_connection_going_marks_the_user_offline_and_tells_everyone_online() {
    let delete = delete_connection("c1", Some(connection_item("c1", "Alice")));
    let detach = detach_connection("alice", "c1", Some(user_item("Alice", &[], Some(NOW))));
    let users = query_users(vec![
        user_item("Alice", &[], Some(NOW)),
        user_item("bob", &["c2"], None),
    ]);
    let offline = mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(|r| {
            let event: Value =
                serde_json::from_slice(r.data().map(|d| d.as_ref()).unwrap_or_default())
                    .unwrap_or_default();
            r.connection_id() == Some("c2")
                && event["type"] == "presence"
                && event["user"]
                    == serde_json::json!({"username": "Alice", "online": false, "lastSeen": NOW})
        })
        .then_output(|| PostToConnectionOutput::builder().build());
    let (chat, log) = mock_chat(&[&delete, &detach, &users], &[&offline]);

    let response = handle(&chat, disconnect("c1")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        ["DeleteItem", "UpdateItem", "Query", "PostToConnection c2"]
    );
    log.export(
        "disconnect",
        "last connection of a user, 1 other user online",
    );
}

#[tokio::test]
async fn closing_one_of_several_tabs_keeps_the_user_online_quietly() {
    let delete = delete_connection("c1", Some(connection_item("c1", "Alice")));
    let detach = detach_connection("alice", "c1", Some(user_item("Alice", &["c4"], Some(NOW))));
    let (chat, log) = mock_chat(&[&delete, &detach], &[]);

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        200
    );
    assert_eq!(log.calls(), ["DeleteItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_connection_already_cleaned_up_after_a_410_needs_nothing_more() {
    let delete = delete_connection("c1", None);
    let (chat, log) = mock_chat(&[&delete], &[]);

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        200
    );
    assert_eq!(log.calls(), ["DeleteItem"]);
}

#[tokio::test]
async fn a_user_that_no_longer_exists_is_not_recreated() {
    let delete = delete_connection("c1", Some(connection_item("c1", "ghost")));
    let detach = detach_connection("ghost", "c1", None);
    let (chat, log) = mock_chat(&[&delete, &detach], &[]);

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        200
    );
    assert_eq!(log.calls(), ["DeleteItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_storage_failure_is_reported_as_500_without_panicking() {
    let delete = mock!(aws_sdk_dynamodb::Client::delete_item).then_error(|| {
        DeleteItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&delete], &[]);

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        500
    );
    assert_eq!(log.calls(), ["DeleteItem"]);
}
