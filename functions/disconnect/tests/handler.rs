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

/// A post to `connection_id` that succeeds only with Alice's offline presence, last seen now.
fn offline_post(connection_id: &'static str) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| {
            let event: Value =
                serde_json::from_slice(r.data().map(|d| d.as_ref()).unwrap_or_default())
                    .unwrap_or_default();
            r.connection_id() == Some(connection_id)
                && event["type"] == "presence"
                && event["user"]
                    == serde_json::json!({"username": "Alice", "online": false, "lastSeen": NOW})
        })
        .then_output(|| PostToConnectionOutput::builder().build())
}

#[tokio::test]
async fn the_last_connection_going_marks_the_user_offline_and_tells_their_partners_and_watchers() {
    let delete = delete_connection("c1", Some(connection_item("c1", "Alice")));
    let detach = detach_connection("alice", "c1", Some(user_item("Alice", &[], Some(NOW))));
    let partners = query_direct_partners("alice", vec![direct_member_item("Alice", "bob")]);
    let watchers = query_watchers("alice", vec![watch_item("alice", "c5", "carol")]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let (c2, c5) = (offline_post("c2"), offline_post("c5"));
    let (chat, log) = mock_chat(&[&delete, &detach, &partners, &watchers, &bob], &[&c2, &c5]);

    let response = handle(&chat, disconnect("c1")).await.unwrap();

    assert_eq!(response.status_code, 200);
    let calls = log.calls();
    assert_eq!(
        calls[..5],
        ["DeleteItem", "UpdateItem", "Query", "Query", "BatchGetItem"],
        "the audience is read by the user's own keys, never the user directory"
    );
    let mut posts = calls[5..].to_vec();
    posts.sort();
    assert_eq!(posts, ["PostToConnection c2", "PostToConnection c5"]);
    assert_eq!((c2.num_calls(), c5.num_calls()), (1, 1));
    log.export(
        "disconnect",
        "last connection of a user, 1 direct partner online, 1 watching connection",
    );
}

#[tokio::test]
async fn a_user_with_no_audience_goes_offline_without_a_post() {
    let delete = delete_connection("c1", Some(connection_item("c1", "Alice")));
    let detach = detach_connection("alice", "c1", Some(user_item("Alice", &[], Some(NOW))));
    let partners = query_direct_partners("alice", vec![]);
    let watchers = query_watchers("alice", vec![]);
    let (chat, log) = mock_chat(&[&delete, &detach, &partners, &watchers], &[]);

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        200
    );
    assert_eq!(log.calls(), ["DeleteItem", "UpdateItem", "Query", "Query"]);
}

#[tokio::test]
async fn a_partner_whose_connection_is_gone_is_cleaned_up_and_the_disconnect_succeeds() {
    let delete = delete_connection("c1", Some(connection_item("c1", "Alice")));
    let detach = detach_connection("alice", "c1", Some(user_item("Alice", &[], Some(NOW))));
    let partners = query_direct_partners("alice", vec![direct_member_item("Alice", "bob")]);
    let watchers = query_watchers("alice", vec![]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let delete_bobs = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach_bobs = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let gone = post_gone("c2");
    let (chat, log) = mock_chat(
        &[
            &delete,
            &detach,
            &partners,
            &watchers,
            &bob,
            &delete_bobs,
            &detach_bobs,
        ],
        &[&gone],
    );

    assert_eq!(
        handle(&chat, disconnect("c1")).await.unwrap().status_code,
        200
    );
    assert_eq!(
        log.calls(),
        [
            "DeleteItem",
            "UpdateItem",
            "Query",
            "Query",
            "BatchGetItem",
            "PostToConnection c2",
            "DeleteItem",
            "UpdateItem"
        ]
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
