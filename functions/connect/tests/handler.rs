//! The `$connect` handler over mocked DynamoDB and API Gateway clients.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::query::QueryError;
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

/// The DynamoDB calls of a connect that announces the user: register, then read the audience
/// (direct partners and watchers, both keyed by the user), then the partners' records.
const ANNOUNCING_CONNECT: [&str; 5] = ["UpdateItem", "PutItem", "Query", "Query", "BatchGetItem"];

/// The calls but the posts, which go out concurrently.
fn store_calls(log: &CallLog) -> Vec<String> {
    log.calls()
        .into_iter()
        .filter(|call| !call.starts_with("PostToConnection"))
        .collect()
}

/// The posts, sorted by connection id.
fn posts(log: &CallLog) -> Vec<String> {
    let mut posts: Vec<_> = log
        .calls()
        .into_iter()
        .filter(|call| call.starts_with("PostToConnection"))
        .collect();
    posts.sort();
    posts
}

#[tokio::test]
async fn a_first_connection_registers_the_user_and_tells_their_direct_partners_and_watchers() {
    let attach = attach_connection(
        "alice",
        "c1",
        Some(user_item("Alice", &[], Some(NOW - 60_000))),
    );
    let save = put_connection("c1", "Alice");
    // Bob talks with Alice; carol has Alice's profile on screen (a room they share); dave is a
    // stranger to her, online too, but in no answer.
    let partners = query_direct_partners("alice", vec![direct_member_item("alice", "bob")]);
    let watchers = query_watchers("alice", vec![watch_item("alice", "c5", "carol")]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2", "c3"], None)]);
    let (c2, c3, c5, dave) = (
        presence_post("c2", "Alice", true),
        presence_post("c3", "Alice", true),
        presence_post("c5", "Alice", true),
        post_ok("c9"),
    );
    let (chat, log) = mock_chat(
        &[&attach, &save, &partners, &watchers, &bob],
        &[&c2, &c3, &c5, &dave],
    );

    let response = handle(&chat, connect("c1", "Alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(store_calls(&log), ANNOUNCING_CONNECT);
    assert_eq!(
        posts(&log),
        [
            "PostToConnection c2",
            "PostToConnection c3",
            "PostToConnection c5"
        ],
        "one small event per partner or watcher connection, none to strangers"
    );
    assert_eq!(
        (
            c2.num_calls(),
            c3.num_calls(),
            c5.num_calls(),
            dave.num_calls()
        ),
        (1, 1, 1, 0)
    );
    log.export(
        "connect",
        "first live connection of a user, 1 direct partner online with 2 tabs, 1 watching connection",
    );
}

#[tokio::test]
async fn a_new_user_without_conversations_reads_their_audience_and_tells_nobody() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "Alice");
    let partners = query_direct_partners("alice", vec![]);
    let watchers = query_watchers("alice", vec![]);
    let (chat, log) = mock_chat(&[&attach, &save, &partners, &watchers], &[]);

    let response = handle(&chat, connect("c1", "Alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        ["UpdateItem", "PutItem", "Query", "Query"],
        "no partners: no user read, no post"
    );
}

#[tokio::test]
async fn the_calls_of_a_connect_do_not_depend_on_the_number_of_registered_users() {
    let mut runs = Vec::new();
    for registered in [3, 3000] {
        let attach = attach_connection("alice", "c1", Some(user_item("alice", &[], Some(NOW))));
        let save = put_connection("c1", "alice");
        let partners = query_direct_partners("alice", vec![direct_member_item("alice", "bob")]);
        let watchers = query_watchers("alice", vec![watch_item("alice", "c5", "carol")]);
        let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
        // The directory of every registered user, last in the sequence: a connect that read it
        // (or any other table-wide read) would reach this rule or fail the sequence.
        let everyone: Vec<Item> = (0..registered)
            .map(|i| user_item(&format!("user{i}"), &[], None))
            .collect();
        let directory = query_users(everyone);
        let (c2, c5) = (post_ok("c2"), post_ok("c5"));
        let (chat, log) = mock_chat(
            &[&attach, &save, &partners, &watchers, &bob, &directory],
            &[&c2, &c5],
        );

        let response = handle(&chat, connect("c1", "alice")).await.unwrap();

        assert_eq!(response.status_code, 200);
        assert_eq!(directory.num_calls(), 0, "the user directory is never read");
        let calls = log.calls();
        assert!(!calls.iter().any(|call| call == "Scan"), "{calls:?}");
        runs.push((store_calls(&log), posts(&log)));
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0].0, ANNOUNCING_CONNECT);
    assert_eq!(runs[0].1, ["PostToConnection c2", "PostToConnection c5"]);
}

#[tokio::test]
async fn a_partner_who_also_watches_gets_the_event_once_per_connection() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "alice");
    let partners = query_direct_partners("alice", vec![direct_member_item("alice", "bob")]);
    let watchers = query_watchers("alice", vec![watch_item("alice", "c2", "bob")]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let c2 = presence_post("c2", "alice", true);
    let (chat, log) = mock_chat(&[&attach, &save, &partners, &watchers, &bob], &[&c2]);

    handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(c2.num_calls(), 1);
    assert_eq!(posts(&log), ["PostToConnection c2"]);
}

#[tokio::test]
async fn an_audience_that_cannot_be_read_does_not_refuse_the_connection() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "alice");
    let partners = mock!(aws_sdk_dynamodb::Client::query)
        .then_error(|| QueryError::InternalServerError(InternalServerError::builder().build()));
    let watchers = query_watchers("alice", vec![watch_item("alice", "c5", "carol")]);
    let c5 = presence_post("c5", "alice", true);
    let (chat, log) = mock_chat(&[&attach, &save, &partners, &watchers], &[&c5]);

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 200, "presence is best effort");
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "PutItem",
            "Query",
            "Query",
            "PostToConnection c5"
        ],
        "the watchers are still told"
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
    let partners = query_direct_partners("bob", vec![direct_member_item("bob", "Alice")]);
    let watchers = query_watchers("bob", vec![]);
    let alice = batch_get_these_users(&["alice"], vec![user_item("Alice", &["c1"], None)]);
    let c1 = presence_post("c1", "bob", true);
    let (chat, log) = mock_chat(&[&attach, &save, &partners, &watchers, &alice], &[&c1]);

    assert_eq!(
        handle(&chat, connect("c2", "bob"))
            .await
            .unwrap()
            .status_code,
        200
    );
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "PutItem",
            "Query",
            "Query",
            "BatchGetItem",
            "PostToConnection c1"
        ]
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
    let partners = query_direct_partners("alice", vec![direct_member_item("alice", "bob")]);
    let watchers = query_watchers("alice", vec![]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let gone = post_gone("c2");
    let (chat, log) = mock_chat(
        &[&attach, &save, &partners, &watchers, &bob, &delete, &detach],
        &[&gone],
    );

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "PutItem",
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
async fn a_watching_connection_that_is_gone_is_detached_from_its_watcher() {
    let attach = attach_connection("alice", "c1", None);
    let save = put_connection("c1", "alice");
    let partners = query_direct_partners("alice", vec![]);
    let watchers = query_watchers("alice", vec![watch_item("alice", "c5", "carol")]);
    let delete = delete_connection("c5", Some(connection_item("c5", "carol")));
    let detach = detach_connection("carol", "c5", Some(user_item("carol", &[], Some(NOW))));
    let gone = post_gone("c5");
    let (chat, log) = mock_chat(
        &[&attach, &save, &partners, &watchers, &delete, &detach],
        &[&gone],
    );

    let response = handle(&chat, connect("c1", "alice")).await.unwrap();

    assert_eq!(response.status_code, 200);
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "PutItem",
            "Query",
            "Query",
            "PostToConnection c5",
            "DeleteItem",
            "UpdateItem"
        ]
    );
}
