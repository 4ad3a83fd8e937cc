//! The `watchPresence` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemError, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_watch_presence::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const DIRECT: &str = "dm#alice#bob";

fn watch_presence(body: Value) -> chat_domain::lambda::Request {
    route_request("watchPresence", ME, "Alice", Some(&body.to_string()))
}

fn watch(conversation: &str, usernames: &[&str]) -> Value {
    json!({"action": "watchPresence", "conversationId": conversation, "usernames": usernames, "requestId": "r-1"})
}

/// The BatchWriteItem of one watch item per watched user, for Alice's connection `c1`.
fn put_watches(watched: &'static [&'static str]) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .match_requests(move |r| {
            let Some(writes) = r.request_items().and_then(|items| items.get(CLIENTS_TABLE)) else {
                return false;
            };
            let mut items: Vec<Item> = writes
                .iter()
                .filter_map(|write| Some(write.put_request()?.item().clone()))
                .collect();
            items.sort_by_key(|item| format!("{:?}", item.get("pk")));
            let expected: Vec<Item> = watched
                .iter()
                .map(|name| watch_item(name, ME, "alice"))
                .collect();
            writes.len() == watched.len() && items == expected
        })
        .then_output(|| BatchWriteItemOutput::builder().build())
}

/// The member items of `usernames` in `conversation`.
fn members(conversation: &str, usernames: &[&str]) -> Vec<Item> {
    usernames
        .iter()
        .map(|name| member_item(conversation, name, "member"))
        .collect()
}

fn rules(rules: &[Rule]) -> Vec<&Rule> {
    rules.iter().collect()
}

#[tokio::test]
async fn members_of_a_shared_room_are_watched_and_answered_with_their_presence_now() {
    let dynamodb = [
        batch_get_members(
            ROOM,
            &["alice", "bob", "carol"],
            members(ROOM, &["alice", "bob", "carol"]),
        ),
        put_watches(&["bob", "carol"]),
        batch_get_users(vec![
            user_item("Carol", &[], Some(NOW - 7000)),
            user_item("bob", &["b1"], None),
        ]),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let response = handle(&chat, watch_presence(watch(ROOM, &["Carol", "bob", "BOB"])))
        .await
        .unwrap();

    assert_eq!(
        log.calls(),
        ["BatchGetItem", "BatchWriteItem", "BatchGetItem"]
    );
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "watched",
            "conversationId": ROOM,
            "users": [
                {"username": "bob", "online": true},
                {"username": "Carol", "online": false, "lastSeen": NOW - 7000},
            ],
            "requestId": "r-1",
        })
    );
    log.export("watch-presence", "two members of a room on screen");
}

#[tokio::test]
async fn the_other_user_of_a_direct_conversation_is_watched_without_a_membership_read() {
    let dynamodb = [
        put_watches(&["bob"]),
        batch_get_users(vec![user_item("bob", &[], Some(NOW - 1000))]),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let response = handle(&chat, watch_presence(watch(DIRECT, &["bob"])))
        .await
        .unwrap();

    assert_eq!(log.calls(), ["BatchWriteItem", "BatchGetItem"]);
    assert_eq!(
        reply_json(&response)["users"],
        json!([{"username": "bob", "online": false, "lastSeen": NOW - 1000}])
    );
}

#[tokio::test]
async fn someone_outside_a_direct_conversation_is_refused_without_any_call() {
    for conversation in [DIRECT, "dm#bob#carol"] {
        let (chat, log) = mock_chat(&[], &[]);

        let event = reply_json(
            &handle(
                &chat,
                watch_presence(watch(conversation, &["bob", "carol"])),
            )
            .await
            .unwrap(),
        );

        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some("not_a_member"), Some("watchPresence")),
            "{conversation}"
        );
        assert_eq!(event["requestId"], "r-1");
        assert!(log.calls().is_empty(), "{:?}", log.calls());
    }
}

#[tokio::test]
async fn a_user_who_is_not_in_the_room_is_refused_and_nothing_is_watched() {
    let dynamodb = [batch_get_members(
        ROOM,
        &["alice", "bob", "mallory"],
        members(ROOM, &["alice", "bob"]),
    )];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(
        &handle(&chat, watch_presence(watch(ROOM, &["bob", "mallory"])))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("watchPresence"))
    );
    assert_eq!(log.calls(), ["BatchGetItem"]);
}

#[tokio::test]
async fn a_room_the_caller_is_not_in_is_refused_and_nothing_is_watched() {
    let dynamodb = [batch_get_members(
        ROOM,
        &["alice", "bob"],
        members(ROOM, &["bob"]),
    )];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(
        &handle(&chat, watch_presence(watch(ROOM, &["bob"])))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("watchPresence"))
    );
    assert_eq!(log.calls(), ["BatchGetItem"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    let too_many: Vec<String> = (0..51).map(|i| format!("user{i}")).collect();
    for (body, code) in [
        (
            json!({"action": "watchPresence", "conversationId": ROOM}),
            "missing_field",
        ),
        (
            json!({"action": "watchPresence", "conversationId": ROOM, "usernames": []}),
            "too_many_members",
        ),
        (
            json!({"action": "watchPresence", "conversationId": ROOM, "usernames": too_many}),
            "too_many_members",
        ),
        (
            json!({"action": "watchPresence", "conversationId": ROOM, "usernames": "bob"}),
            "invalid_field",
        ),
        (
            json!({"action": "watchPresence", "conversationId": ROOM, "usernames": ["not a name"]}),
            "invalid_username",
        ),
        (
            json!({"action": "watchPresence", "conversationId": "room#x", "usernames": ["bob"]}),
            "invalid_conversation",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, watch_presence(body.clone())).await.unwrap());
        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some(code), Some("watchPresence")),
            "{body}"
        );
        assert!(log.calls().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event() {
    let failing = mock!(aws_sdk_dynamodb::Client::batch_write_item).then_error(|| {
        BatchWriteItemError::InternalServerError(InternalServerError::builder().build())
    });
    let (chat, log) = mock_chat(&[&failing], &[]);

    let event = reply_json(
        &handle(&chat, watch_presence(watch(DIRECT, &["bob"])))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (
            Some("error"),
            Some("service_unavailable"),
            Some("watchPresence")
        )
    );
    assert_eq!(log.calls(), ["BatchWriteItem"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = watch(DIRECT, &["bob"]).to_string();

    let result = handle(&chat, anonymous_request("watchPresence", ME, Some(&body))).await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
