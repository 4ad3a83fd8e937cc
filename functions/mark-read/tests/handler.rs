//! The `markRead` handler over mocked DynamoDB and API Gateway management clients.

use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, UpdateItemInput, UpdateItemOutput,
};
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, InternalServerError};
use chat_domain::testing::*;
use route_mark_read::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const DIRECT: &str = "dm#alice#bob";
const MESSAGE: &str = "01JDQ8Z7W4K3M2N1P0Q9R00009";
const LATER: &str = "01JDQ8Z7W4K3M2N1P0Q9R00012";

fn mark_read(body: Value) -> chat_domain::lambda::Request {
    route_request("markRead", ME, "Alice", Some(&body.to_string()))
}

fn mark(conversation: &str, message_id: &str) -> Value {
    json!({"action": "markRead", "conversationId": conversation, "messageId": message_id, "requestId": "r-1"})
}

/// Whether `r` is the conditional UpdateItem moving Alice's read point forward to `message_id`.
fn is_advance(r: &UpdateItemInput, conversation: &str, message_id: &str) -> bool {
    r.table_name() == Some(CONVERSATIONS_TABLE)
        && is_conversation_key(r.key(), conversation, "MEMBER#alice")
        && r.update_expression() == Some("SET #read = :m")
        && r.condition_expression()
            == Some("attribute_exists(#pk) AND (attribute_not_exists(#read) OR #read < :m)")
        && r.return_values_on_condition_check_failure()
            == Some(&ReturnValuesOnConditionCheckFailure::AllOld)
        && r.expression_attribute_values().and_then(|v| v.get(":m")) == Some(&s(message_id))
}

/// Alice's read point moves to `message_id`.
fn read_point_advanced(conversation: &'static str, message_id: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_advance(r, conversation, message_id))
        .then_output(|| UpdateItemOutput::builder().build())
}

/// The move to `message_id` is refused by its condition; DynamoDB hands back the item as it is
/// (`None`: there is no member item).
fn read_point_refused(
    conversation: &'static str,
    message_id: &'static str,
    stored: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| is_advance(r, conversation, message_id))
        .then_error(move || {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .set_item(stored.clone())
                    .build(),
            )
        })
}

/// A `readState` event for Alice's read point at `message_id`, as posted (no `requestId`).
fn is_read_state(event: &Value, conversation: &str, message_id: &str) -> bool {
    *event
        == json!({"type": "readState", "conversationId": conversation, "username": "Alice", "messageId": message_id})
}

fn rules(rules: &[Rule]) -> Vec<&Rule> {
    rules.iter().collect()
}

#[tokio::test]
async fn a_read_in_a_room_reaches_only_the_readers_other_connections() {
    let dynamodb = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        count_message(ROOM, MESSAGE, true),
        read_point_advanced(ROOM, MESSAGE),
        batch_get_users(vec![user_item("Alice", &["c1", "c2"], None)]),
    ];
    let posts = [post_event("c2", |e| is_read_state(e, ROOM, MESSAGE))];
    let (chat, log) = mock_chat(&rules(&dynamodb), &rules(&posts));

    let response = handle(&chat, mark_read(mark(ROOM, MESSAGE))).await.unwrap();

    assert_eq!(
        log.calls(),
        [
            "GetItem",
            "Query",
            "UpdateItem",
            "BatchGetItem",
            "PostToConnection c2"
        ]
    );
    assert_eq!(
        reply_json(&response),
        json!({"type": "readState", "conversationId": ROOM, "username": "Alice", "messageId": MESSAGE, "requestId": "r-1"})
    );
    log.export("mark-read", "a read in a room, the reader on two devices");
}

#[tokio::test]
async fn a_read_in_a_direct_conversation_also_reaches_the_other_user() {
    let dynamodb = [
        count_message(DIRECT, MESSAGE, true),
        read_point_advanced(DIRECT, MESSAGE),
        batch_get_users(vec![
            user_item("Alice", &["c1", "c2"], None),
            user_item("bob", &["b1"], None),
        ]),
    ];
    let posts = [
        post_event("c2", |e| is_read_state(e, DIRECT, MESSAGE)),
        post_event("b1", |e| is_read_state(e, DIRECT, MESSAGE)),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &rules(&posts));

    let response = handle(&chat, mark_read(mark(DIRECT, MESSAGE)))
        .await
        .unwrap();

    let calls = log.calls();
    assert_eq!(
        calls[..3],
        ["Query", "UpdateItem", "BatchGetItem"],
        "no membership read: the id says who"
    );
    let mut posted = calls[3..].to_vec();
    posted.sort();
    assert_eq!(posted, ["PostToConnection b1", "PostToConnection c2"]);
    assert_eq!(reply_json(&response)["messageId"], MESSAGE);
}

#[tokio::test]
async fn a_read_point_already_further_is_kept_answered_and_posted_to_nobody() {
    let dynamodb = [
        count_message(DIRECT, MESSAGE, true),
        read_point_refused(
            DIRECT,
            MESSAGE,
            Some(with_read_point(
                member_item(DIRECT, "Alice", "member"),
                LATER,
            )),
        ),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let response = handle(&chat, mark_read(mark(DIRECT, MESSAGE)))
        .await
        .unwrap();

    assert_eq!(log.calls(), ["Query", "UpdateItem"]);
    assert_eq!(
        reply_json(&response),
        json!({"type": "readState", "conversationId": DIRECT, "username": "Alice", "messageId": LATER, "requestId": "r-1"})
    );
}

#[tokio::test]
async fn a_room_the_caller_is_not_in_is_refused_before_its_messages_are_looked_at() {
    let dynamodb = [get_member(ROOM, "alice", None)];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(&handle(&chat, mark_read(mark(ROOM, MESSAGE))).await.unwrap());

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("markRead"))
    );
    assert_eq!(event["requestId"], "r-1");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn a_direct_conversation_of_others_is_refused_without_any_read() {
    let (chat, log) = mock_chat(&[], &[]);

    let event = reply_json(
        &handle(&chat, mark_read(mark("dm#bob#carol", MESSAGE)))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("markRead"))
    );
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}

#[tokio::test]
async fn a_direct_conversation_without_the_callers_member_item_is_not_a_membership() {
    let dynamodb = [
        count_message(DIRECT, MESSAGE, true),
        read_point_refused(DIRECT, MESSAGE, None),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(
        &handle(&chat, mark_read(mark(DIRECT, MESSAGE)))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("markRead"))
    );
    assert_eq!(log.calls(), ["Query", "UpdateItem"]);
}

#[tokio::test]
async fn a_message_of_another_conversation_is_refused_and_moves_nothing() {
    let dynamodb = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        count_message(ROOM, MESSAGE, false),
    ];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(&handle(&chat, mark_read(mark(ROOM, MESSAGE))).await.unwrap());

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("invalid_message_id"), Some("markRead"))
    );
    assert_eq!(log.calls(), ["GetItem", "Query"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (
            json!({"action": "markRead", "conversationId": DIRECT}),
            "missing_field",
        ),
        (
            json!({"action": "markRead", "conversationId": DIRECT, "messageId": "not-a-ulid"}),
            "invalid_message_id",
        ),
        (
            json!({"action": "markRead", "conversationId": "dm#alice", "messageId": MESSAGE}),
            "invalid_conversation",
        ),
        (
            json!({"action": "markRead", "conversationId": DIRECT, "messageId": 7}),
            "invalid_field",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, mark_read(body.clone())).await.unwrap());
        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some(code), Some("markRead")),
            "{body}"
        );
        assert!(log.calls().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event_and_posts_nothing() {
    let failing = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
        UpdateItemError::InternalServerError(InternalServerError::builder().build())
    });
    let dynamodb = [count_message(DIRECT, MESSAGE, true), failing];
    let (chat, log) = mock_chat(&rules(&dynamodb), &[]);

    let event = reply_json(
        &handle(&chat, mark_read(mark(DIRECT, MESSAGE)))
            .await
            .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("service_unavailable"), Some("markRead"))
    );
    assert_eq!(log.calls(), ["Query", "UpdateItem"]);
}

#[tokio::test]
async fn a_gone_connection_is_cleaned_up_and_the_read_still_succeeds() {
    let dynamodb = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        count_message(ROOM, MESSAGE, true),
        read_point_advanced(ROOM, MESSAGE),
        batch_get_users(vec![user_item("Alice", &["c1", "c2"], None)]),
        delete_connection("c2", Some(connection_item("c2", "Alice"))),
        detach_connection("alice", "c2", Some(user_item("Alice", &["c1"], None))),
    ];
    let posts = [post_gone("c2")];
    let (chat, log) = mock_chat(&rules(&dynamodb), &rules(&posts));

    let response = handle(&chat, mark_read(mark(ROOM, MESSAGE))).await.unwrap();

    assert_eq!(
        log.calls(),
        [
            "GetItem",
            "Query",
            "UpdateItem",
            "BatchGetItem",
            "PostToConnection c2",
            "DeleteItem",
            "UpdateItem"
        ]
    );
    assert_eq!(reply_json(&response)["type"], "readState");
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = mark(DIRECT, MESSAGE).to_string();

    let result = handle(&chat, anonymous_request("markRead", ME, Some(&body))).await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
