//! The `addMembers` handler over mocked DynamoDB and API Gateway clients: which AWS calls it makes,
//! in which order, and what the caller and the room's members get.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsInput, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::CancellationReason;
use aws_sdk_dynamodb::types::error::{InternalServerError, TransactionCanceledException};
use chat_domain::testing::*;
use route_add_members::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const PARTITION: &str = "CONV#room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

fn add(body: Value) -> chat_domain::lambda::Request {
    route_request("addMembers", ME, "Alice", Some(&body.to_string()))
}

/// Bob and Carol, and Dave who is already in.
fn add_bob_carol_and_dave() -> Value {
    json!({"action": "addMembers", "conversationId": ROOM, "usernames": ["BOB", "carol", "dave"], "requestId": "r1"})
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

/// BatchGetItem (strongly consistent) of exactly the member items of `keys` in the room,
/// answering `found` (those who are members).
fn memberships_read(keys: &'static [&'static str], found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            let Some(wanted) = r
                .request_items()
                .and_then(|items| items.get(CONVERSATIONS_TABLE))
            else {
                return false;
            };
            let mut asked: Vec<String> = wanted
                .keys()
                .iter()
                .filter(|key| key.get("pk") == Some(&s(PARTITION)))
                .filter_map(|key| key.get("sk")?.as_s().ok())
                .map(|sk| sk.trim_start_matches("MEMBER#").to_owned())
                .collect();
            asked.sort();
            wanted.consistent_read() == Some(true) && asked == keys
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CONVERSATIONS_TABLE, found.clone())
                .build()
        })
}

/// Whether `request` is the transaction adding `newcomers` (key, display name) as members:
/// the member count first, grown only while it stays within 1000, then one create-only put per
/// newcomer.
fn is_adding(request: &TransactWriteItemsInput, newcomers: &[(&str, &str)]) -> bool {
    let Some((count, puts)) = request.transact_items().split_first() else {
        return false;
    };
    let added = i64::try_from(newcomers.len()).unwrap_or_default();
    let count_ok = count.update().is_some_and(|update| {
        let values = update.expression_attribute_values();
        update.table_name() == CONVERSATIONS_TABLE
            && is_room_key(update.key(), "META")
            && update.update_expression() == "ADD #count :added"
            && update.condition_expression() == Some("#kind = :room AND #count <= :most")
            && values.and_then(|v| v.get(":added")) == Some(&n(added))
            && values.and_then(|v| v.get(":most")) == Some(&n(1000 - added))
    });
    let mut put: Vec<(String, String)> = puts
        .iter()
        .filter_map(|write| {
            let put = write.put()?;
            let item = put.item();
            let key = item.get("member")?.as_s().ok()?.clone();
            let name = item.get("username")?.as_s().ok()?.clone();
            let new_member = put.table_name() == CONVERSATIONS_TABLE
                && put.condition_expression() == Some("attribute_not_exists(#pk)")
                && item.get("pk") == Some(&s(PARTITION))
                && item.get("sk") == Some(&s(&format!("MEMBER#{key}")))
                && item.get("conversationId") == Some(&s(ROOM))
                && item.get("role") == Some(&s("member"))
                && item.get("joinedAt") == Some(&n(NOW));
            new_member.then_some((key, name))
        })
        .collect();
    put.sort();
    let mut expected: Vec<(String, String)> = newcomers
        .iter()
        .map(|(key, name)| ((*key).to_owned(), (*name).to_owned()))
        .collect();
    expected.sort();
    count_ok && put.len() == puts.len() && put == expected
}

/// The transaction adding bob and Carol, which succeeds.
fn bob_and_carol_added() -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(|r| is_adding(r, &[("bob", "bob"), ("carol", "Carol")]))
        .then_output(|| TransactWriteItemsOutput::builder().build())
}

/// The transaction adding bob and Carol, cancelled for these reasons (one per item, in order).
fn bob_and_carol_refused(reasons: Vec<CancellationReason>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::transact_write_items)
        .match_requests(|r| is_adding(r, &[("bob", "bob"), ("carol", "Carol")]))
        .then_error(move || {
            TransactWriteItemsError::TransactionCanceledException(
                TransactionCanceledException::builder()
                    .set_cancellation_reasons(Some(reasons.clone()))
                    .build(),
            )
        })
}

fn passed() -> CancellationReason {
    CancellationReason::builder().code("None").build()
}

fn condition_failed(item: Option<Item>) -> CancellationReason {
    CancellationReason::builder()
        .code("ConditionalCheckFailed")
        .set_item(item)
        .build()
}

/// The caller (an owner), then the newcomers' users: bob, Carol and dave all exist.
fn caller_and_users() -> (Rule, Rule) {
    (
        get_member("alice", Some(member_item("Alice", "owner"))),
        users_read(
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
    memberships_read(
        &["bob", "carol", "dave"],
        vec![member_item("dave", "member")],
    )
}

fn all_four() -> (Rule, Rule) {
    (
        query_members(vec![
            member_item("Alice", "owner"),
            member_item("bob", "member"),
            member_item("Carol", "member"),
            member_item("dave", "member"),
        ]),
        users_read(
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
    let transaction = bob_and_carol_added();
    let room = get_room(Some(room_item("Team", 4)));
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
        posts(&log),
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
    log.export(
        "add-members",
        "2 newcomers and 1 member already in, 4 connections online",
    );
}

#[tokio::test]
async fn when_everyone_named_is_already_in_the_answer_lists_nobody_and_nobody_is_told() {
    let caller = get_member("alice", Some(member_item("Alice", "admin")));
    let users = users_read(&["dave"], vec![user_item("dave", &["c5"], None)]);
    let already = memberships_read(&["dave"], vec![member_item("dave", "member")]);
    let room = get_room(Some(room_item("Team", 2)));
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
    let full = bob_and_carol_refused(vec![
        condition_failed(Some(room_item("Team", 999))),
        passed(),
        passed(),
    ]);
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
    let raced = bob_and_carol_refused(vec![passed(), condition_failed(None), passed()]);
    let (chat, log) = mock_chat(&[&caller, &users, &already, &raced], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "conflict", "{event}");
    assert_eq!(log.calls().len(), 4, "nobody is told");
}

#[tokio::test]
async fn a_plain_member_may_not_add_and_nothing_is_read_further() {
    let caller = get_member("alice", Some(member_item("Alice", "member")));
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "forbidden_role", "{event}");
    assert_eq!(event["action"], "addMembers");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn someone_outside_the_room_is_refused_whatever_id_they_know() {
    let caller = get_member("alice", None);
    let (chat, log) = mock_chat(&[&caller], &[]);

    let event = reply_json(&handle(&chat, add(add_bob_carol_and_dave())).await.unwrap());

    assert_eq!(event["code"], "not_a_member", "{event}");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn an_unknown_user_is_refused_and_nobody_is_added() {
    let caller = get_member("alice", Some(member_item("Alice", "owner")));
    let users = users_read(
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
    let transaction = bob_and_carol_added();
    let room = get_room(Some(room_item("Team", 4)));
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
