//! The `renameRoom` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, InternalServerError};
use chat_domain::testing::*;
use route_rename_room::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const PARTITION: &str = "CONV#room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn rename(body: Value) -> chat_domain::lambda::Request {
    route_request("renameRoom", ME, "Alice", Some(&body.to_string()))
}

fn to_launch() -> Value {
    json!({"action": "renameRoom", "conversationId": ROOM, "name": " Launch ", "requestId": "r1"})
}

/// A stored member item of the room.
fn member_item(username: &str, role: &str) -> Item {
    let key = username.to_ascii_lowercase();
    HashMap::from([
        ("pk".into(), s(PARTITION)),
        ("sk".into(), s(&format!("MEMBER#{key}"))),
        ("member".into(), s(&key)),
        ("conversationId".into(), s(ROOM)),
        ("username".into(), s(username)),
        ("role".into(), s(role)),
        ("joinedAt".into(), n(NOW - 5000)),
    ])
}

/// The room's stored meta item, created by bob.
fn room_item(name: &str, member_count: i64) -> Item {
    HashMap::from([
        ("pk".into(), s(PARTITION)),
        ("sk".into(), s("META")),
        ("conversationId".into(), s(ROOM)),
        ("kind".into(), s("room")),
        ("name".into(), s(name)),
        ("createdBy".into(), s("bob")),
        ("createdAt".into(), n(NOW - 9000)),
        ("memberCount".into(), n(member_count)),
    ])
}

fn is_room_key(key: &Item, sk: &str) -> bool {
    key.get("pk") == Some(&s(PARTITION)) && key.get("sk") == Some(&s(sk))
}

/// GetItem (strongly consistent) of `user_key`'s member item, answering `found`.
fn get_member(user_key: &'static str, found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.consistent_read() == Some(true)
                && r.key()
                    .is_some_and(|key| is_room_key(key, &format!("MEMBER#{user_key}")))
        })
        .then_output(move || GetItemOutput::builder().set_item(found.clone()).build())
}

fn is_rename_to(r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput, name: &str) -> bool {
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && r.key().is_some_and(|key| is_room_key(key, "META"))
        && r.update_expression() == Some("SET #name = :name")
        && r.condition_expression() == Some("#kind = :room")
        && r.expression_attribute_values().and_then(|v| v.get(":name")) == Some(&s(name))
        && r.return_values() == Some(&ReturnValue::AllNew)
}

/// UpdateItem of the room's name (only if it is a room), answering the room after.
fn renamed(name: &'static str, after: Item) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_rename_to(r, name))
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        })
}

/// Query (strongly consistent) of the room's member items, answering `members`.
fn query_members(members: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.consistent_read() == Some(true)
                && values.and_then(|v| v.get(":pk")) == Some(&s(PARTITION))
                && values.and_then(|v| v.get(":members")) == Some(&s("MEMBER#"))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(members.clone()))
                .build()
        })
}

/// The user keys a BatchGetItem of the Clients table asks for, sorted.
fn user_keys_asked(request: &BatchGetItemInput) -> Vec<String> {
    let mut keys: Vec<String> = request
        .request_items()
        .and_then(|items| items.get(CLIENTS_TABLE))
        .map(|wanted| {
            wanted
                .keys()
                .iter()
                .filter_map(|key| key.get("sk")?.as_s().ok())
                .map(|sk| sk.trim_start_matches("USER#").to_owned())
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

/// BatchGetItem of exactly the users `keys` (strongly consistent), answering `found`.
fn users_read(keys: &'static [&'static str], found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            r.request_items()
                .and_then(|items| items.get(CLIENTS_TABLE))
                .is_some_and(|wanted| wanted.consistent_read() == Some(true))
                && user_keys_asked(r) == keys
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CLIENTS_TABLE, found.clone())
                .build()
        })
}

fn the_members() -> Rule {
    query_members(vec![
        member_item("Alice", "admin"),
        member_item("bob", "owner"),
        member_item("carol", "member"),
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

fn is_launch(event: &Value) -> bool {
    event["type"] == "room"
        && event["room"]["conversationId"] == ROOM
        && event["room"]["name"] == "Launch"
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn an_admin_renames_the_room_and_every_members_connection_but_the_callers_hears_of_it() {
    let caller = get_member("alice", Some(member_item("Alice", "admin")));
    let update = renamed("Launch", room_item("Launch", 3));
    let members = the_members();
    let users = users_read(
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
    assert_eq!(posts(&log), ["PostToConnection c2", "PostToConnection c4"]);
    assert_eq!(log.calls().len(), 6);
    let answer = reply_json(&response);
    assert_eq!(
        answer,
        json!({"type": "room", "requestId": "r1", "room": {
            "conversationId": ROOM, "name": "Launch", "memberCount": 3,
            "createdBy": "bob", "createdAt": NOW - 9000,
        }})
    );
    log.export(
        "rename-room",
        "a room of 3 members, 2 other connections online",
    );
}

#[tokio::test]
async fn a_plain_member_may_not_rename_and_nothing_changes() {
    let caller = get_member("alice", Some(member_item("Alice", "member")));
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "forbidden_role", "{event}");
    assert_eq!(event["action"], "renameRoom");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member("alice", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, rename(to_launch())).await.unwrap());

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn a_room_gone_meanwhile_is_not_a_member_and_nobody_is_told() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let update = mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(|r| is_rename_to(r, "Launch"))
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
        assert_eq!(
            (event["type"].as_str(), event["code"].as_str()),
            (Some("error"), Some(code)),
            "{body}"
        );
        assert_eq!(event["requestId"], body["requestId"], "{body}");
        assert_eq!(log.calls(), Vec::<String>::new(), "{code}: no AWS call");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_nobody_is_told() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
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
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let update = renamed("Launch", room_item("Launch", 3));
    let members = the_members();
    let users = users_read(
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
    assert_eq!(posts(&log), ["PostToConnection c2", "PostToConnection c3"]);
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
