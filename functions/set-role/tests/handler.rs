//! The `setRole` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::Update;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_set_role::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const PARTITION: &str = "CONV#room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn set_role_as(username: &str, body: Value) -> chat_domain::lambda::Request {
    route_request("setRole", ME, username, Some(&body.to_string()))
}

fn making(username: &str, role: &str) -> Value {
    json!({"action": "setRole", "conversationId": ROOM, "username": username, "role": role, "requestId": "r1"})
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

fn posts(log: &CallLog) -> Vec<String> {
    let mut posts: Vec<_> = log
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("PostToConnection"))
        .collect();
    posts.sort();
    posts
}

/// GetItem (strongly consistent) of the room's meta item, answering `found`.
fn get_room(found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(|r| {
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.consistent_read() == Some(true)
                && r.key().is_some_and(|key| is_room_key(key, "META"))
        })
        .then_output(move || GetItemOutput::builder().set_item(found.clone()).build())
}

/// Whether `update` sets `user_key`'s role to `role`, only if they are a member.
fn sets_role(update: &Update, user_key: &str, role: &str) -> bool {
    update.table_name() == CONVERSATIONS_TABLE
        && is_room_key(update.key(), &format!("MEMBER#{user_key}"))
        && update.update_expression() == "SET #role = :role"
        && update.condition_expression() == Some("attribute_exists(#pk)")
        && update
            .expression_attribute_values()
            .and_then(|v| v.get(":role"))
            == Some(&s(role))
}

fn is_role_update(
    r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput,
    user_key: &str,
    role: &str,
) -> bool {
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && r.key()
            .is_some_and(|key| is_room_key(key, &format!("MEMBER#{user_key}")))
        && r.update_expression() == Some("SET #role = :role")
        && r.condition_expression() == Some("attribute_exists(#pk)")
        && r.expression_attribute_values().and_then(|v| v.get(":role")) == Some(&s(role))
}

/// One UpdateItem of `user_key`'s role.
fn role_set(user_key: &'static str, role: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_role_update(r, user_key, role))
        .then_output(|| UpdateItemOutput::builder().build())
}

/// The handover: `new_owner` becomes the owner and `old_owner` an admin, in one transaction.
fn ownership_handed(new_owner: &'static str, old_owner: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(move |r| {
            let updates: Vec<&Update> = r
                .transact_items()
                .iter()
                .filter_map(|write| write.update())
                .collect();
            r.transact_items().len() == 2
                && updates.len() == 2
                && updates.iter().any(|u| sets_role(u, new_owner, "owner"))
                && updates.iter().any(|u| sets_role(u, old_owner, "admin"))
        })
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// Alice (owner), bob and carol, all online; Alice also on another connection.
fn the_three_of_them(bob_role: &str) -> (Rule, Rule) {
    (
        query_members(vec![
            member_item("Alice", "owner"),
            member_item("bob", bob_role),
            member_item("carol", "member"),
        ]),
        users_read(
            &["alice", "bob", "carol"],
            vec![
                user_item("Alice", &[ME, "c4"], None),
                user_item("bob", &["c2"], None),
                user_item("carol", &["c3"], None),
            ],
        ),
    )
}

fn bob_made_admin(event: &Value) -> bool {
    event["type"] == "membership"
        && event["conversationId"] == ROOM
        && event["change"] == "role"
        && event["users"] == json!(["bob"])
        && event["role"] == "admin"
        && event["by"] == "Alice"
        && event.get("requestId").is_none()
}

#[tokio::test]
async fn the_owner_makes_a_member_an_admin_and_every_member_hears_of_it() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let target = get_member("bob", Some(member_item("bob", "member")));
    let update = role_set("bob", "admin");
    let room = get_room(Some(room_item("Team", 3)));
    let (members, users) = the_three_of_them("admin");
    let (c2, c3, c4) = (
        post_event("c2", bob_made_admin),
        post_event("c3", bob_made_admin),
        post_event("c4", bob_made_admin),
    );
    let (chat, log) = mock_chat(
        &[&caller, &target, &update, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let response = handle(&chat, set_role_as("Alice", making("Bob", "admin")))
        .await
        .unwrap();

    assert_eq!(
        log.calls()[..6],
        [
            "GetItem",
            "GetItem",
            "UpdateItem",
            "GetItem",
            "Query",
            "BatchGetItem"
        ]
    );
    assert_eq!(
        posts(&log),
        [
            "PostToConnection c2",
            "PostToConnection c3",
            "PostToConnection c4"
        ],
        "no post to the calling connection"
    );
    assert_eq!(log.calls().len(), 9);
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "membership", "conversationId": ROOM, "change": "role",
            "users": ["bob"], "role": "admin", "by": "Alice", "requestId": "r1",
            "room": {"conversationId": ROOM, "name": "Team", "memberCount": 3,
                     "createdBy": "bob", "createdAt": NOW - 9000},
        })
    );
    log.export(
        "set-role",
        "the owner makes a member an admin in a room of 3, all online",
    );
}

#[tokio::test]
async fn making_someone_the_owner_hands_ownership_over_in_one_transaction() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let target = get_member("bob", Some(member_item("bob", "admin")));
    let handover = ownership_handed("bob", "alice");
    let room = get_room(Some(room_item("Team", 3)));
    let (members, users) = the_three_of_them("owner");
    let (c2, c3, c4) = (post_ok("c2"), post_ok("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[&caller, &target, &handover, &room, &members, &users],
        &[&c2, &c3, &c4],
    );

    let answer = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "owner")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "role", "{answer}");
    assert_eq!(answer["role"], "owner");
    assert_eq!(answer["by"], "Alice", "the previous owner, now an admin");
    assert_eq!(
        log.calls()[..3],
        ["GetItem", "GetItem", "TransactWriteItems"]
    );
    assert_eq!(posts(&log).len(), 3);
}

#[tokio::test]
async fn only_the_owner_changes_roles_and_never_their_own() {
    for (caller_key, caller_name, caller_role, body) in [
        ("carol", "carol", "admin", making("bob", "admin")),
        ("carol", "carol", "member", making("bob", "member")),
        ("alice", "Alice", "owner", making("alice", "admin")),
        ("alice", "Alice", "owner", making("ALICE", "owner")),
    ] {
        let caller = get_member(caller_key, Some(member_item(caller_name, caller_role)));
        let (chat, log) = mock_chat(&[&caller], &[]);

        let event = reply_json(
            &handle(&chat, set_role_as(caller_name, body.clone()))
                .await
                .unwrap(),
        );

        assert_eq!(event["code"], "forbidden_role", "{caller_role}: {body}");
        assert_eq!(event["action"], "setRole");
        assert_eq!(event["requestId"], "r1");
        assert_eq!(log.calls(), ["GetItem"], "nothing changed");
    }
}

#[tokio::test]
async fn a_role_for_someone_not_in_the_room_is_not_in_room() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let target = get_member("bob", None);
    let (chat, log) = mock_chat(&[&caller, &target], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "not_in_room", "{event}");
    assert_eq!(log.calls(), ["GetItem", "GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member("mallory", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Mallory", making("Mallory", "owner")))
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
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "requestId": "r1"}),
            "missing_field",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "king", "requestId": "r1"}),
            "invalid_role",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "bob", "role": "Owner"}),
            "invalid_role",
        ),
        (
            json!({"action": "setRole", "conversationId": ROOM, "username": "b b", "role": "admin"}),
            "invalid_username",
        ),
        (
            json!({"action": "setRole", "conversationId": "dm#alice#bob", "username": "bob", "role": "admin"}),
            "invalid_conversation",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(
            &handle(&chat, set_role_as("Alice", body.clone()))
                .await
                .unwrap(),
        );
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
    let target = get_member("bob", Some(member_item("bob", "member")));
    let failing = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
        UpdateItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&caller, &target, &failing], &[]);

    let event = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(event["code"], "service_unavailable", "{event}");
    assert_eq!(event["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "GetItem", "UpdateItem"]);
}

#[tokio::test]
async fn a_gone_connection_is_removed_and_the_role_change_stands() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let target = get_member("bob", Some(member_item("bob", "member")));
    let update = role_set("bob", "admin");
    let room = get_room(Some(room_item("Team", 3)));
    let (members, users) = the_three_of_them("admin");
    let delete = delete_connection("c3", Some(connection_item("c3", "carol")));
    let detach = detach_connection("carol", "c3", Some(user_item("carol", &[], Some(NOW))));
    let (c2, gone, c4) = (post_ok("c2"), post_gone("c3"), post_ok("c4"));
    let (chat, log) = mock_chat(
        &[
            &caller, &target, &update, &room, &members, &users, &delete, &detach,
        ],
        &[&c2, &gone, &c4],
    );

    let answer = reply_json(
        &handle(&chat, set_role_as("Alice", making("bob", "admin")))
            .await
            .unwrap(),
    );

    assert_eq!(answer["change"], "role", "{answer}");
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
    let body = making("bob", "admin").to_string();

    let error = handle(&chat, anonymous_request("setRole", ME, Some(&body)))
        .await
        .unwrap_err();

    assert!(error.to_string().contains("no caller identity"), "{error}");
    assert_eq!(log.calls(), Vec::<String>::new());
}
