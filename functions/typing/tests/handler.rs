//! The `typing` handler over mocked DynamoDB and API Gateway clients: the rate gate, who the
//! signal reaches (the other members only), and that nothing is answered but refusals.

use chat_domain::testing::*;
use route_typing::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const DIRECT: &str = "dm#alice#bob";

fn typing(conversation: &str) -> Value {
    json!({"action": "typing", "conversationId": conversation})
}

async fn run(
    dynamodb: &[&Rule],
    posts: &[&Rule],
    body: &Value,
) -> (chat_domain::lambda::Response, CallLog) {
    let (chat, log) = mock_chat(dynamodb, posts);
    let request = route_request("typing", ME, "Alice", Some(&body.to_string()));
    (handle(&chat, request).await.unwrap(), log)
}

fn is_alice_typing_in(conversation: &'static str) -> impl Fn(&Value) -> bool {
    move |event| {
        event == &json!({"type": "typing", "conversationId": conversation, "from": "Alice"})
    }
}

#[tokio::test]
async fn a_signal_through_the_gate_reaches_the_other_members_only_and_answers_nothing() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let gate = typing_gate(ROOM, "alice", true);
    let members = query_members(
        ROOM,
        vec![
            member_item(ROOM, "Alice", "member"),
            member_item(ROOM, "bob", "member"),
            member_item(ROOM, "carol", "owner"),
        ],
        None,
    );
    // Alice's other connection (c4) is not told: only the others are.
    let users = batch_get_these_users(
        &["bob", "carol"],
        vec![
            user_item("bob", &["c2"], None),
            user_item("carol", &["c3"], None),
        ],
    );
    let (c2, c3) = (
        post_event("c2", is_alice_typing_in(ROOM)),
        post_event("c3", is_alice_typing_in(ROOM)),
    );

    let (response, log) = run(
        &[&caller, &gate, &members, &users],
        &[&c2, &c3],
        &typing(ROOM),
    )
    .await;

    assert_eq!(response.status_code, 200);
    assert!(response.body.is_none(), "no answer: {:?}", response.body);
    assert_eq!(
        log.calls()[..4],
        ["GetItem", "PutItem", "Query", "BatchGetItem"]
    );
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c3"]);
    assert_eq!(log.calls().len(), 6);
    log.export("typing", "a room of 3, 2 others online");
}

#[tokio::test]
async fn in_a_direct_conversation_the_partner_is_told_without_a_membership_read() {
    let gate = typing_gate(DIRECT, "alice", true);
    let partner = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2", "c5"], None)]);
    let (c2, c5) = (
        post_event("c2", is_alice_typing_in(DIRECT)),
        post_event("c5", is_alice_typing_in(DIRECT)),
    );

    let (response, log) = run(&[&gate, &partner], &[&c2, &c5], &typing(DIRECT)).await;

    assert!(response.body.is_none());
    assert_eq!(log.calls()[..2], ["PutItem", "BatchGetItem"]);
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c5"]);
}

#[tokio::test]
async fn a_signal_within_the_interval_is_dropped_silently() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let gate = typing_gate(ROOM, "alice", false);

    let (response, log) = run(&[&caller, &gate], &[], &typing(ROOM)).await;

    assert_eq!(response.status_code, 200);
    assert!(response.body.is_none());
    assert_eq!(log.calls(), ["GetItem", "PutItem"], "no fan-out, no post");
}

#[tokio::test]
async fn a_gone_connection_is_cleaned_up_without_an_answer() {
    let gate = typing_gate(DIRECT, "alice", true);
    let partner = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));

    let (response, log) = run(
        &[&gate, &partner, &delete, &detach],
        &[&post_gone("c2")],
        &typing(DIRECT),
    )
    .await;

    assert!(response.body.is_none());
    assert_eq!(
        log.calls(),
        [
            "PutItem",
            "BatchGetItem",
            "PostToConnection c2",
            "DeleteItem",
            "UpdateItem"
        ]
    );
}

#[tokio::test]
async fn a_stranger_gets_an_error_and_nobody_is_told() {
    let caller = get_member(ROOM, "alice", None);
    let body = typing(ROOM);

    let (response, log) = run(&[&caller], &[], &body).await;

    let event = reply_json(&response);
    assert_error_reply(&event, "not_a_member", &body);
    assert_eq!(event["action"], "typing");
    assert_eq!(log.calls(), ["GetItem"]);

    // A direct conversation of others: refused by its id alone.
    let body = typing("dm#bob#carol");
    let (response, log) = run(&[], &[], &body).await;
    assert_error_reply(&reply_json(&response), "not_a_member", &body);
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn a_storage_failure_is_service_unavailable() {
    let caller = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let gate = mock!(aws_sdk_dynamodb::Client::put_item).then_error(|| {
        aws_sdk_dynamodb::operation::put_item::PutItemError::InternalServerError(
            aws_sdk_dynamodb::types::error::InternalServerError::builder().build(),
        )
    });
    let body = typing(ROOM);

    let (response, log) = run(&[&caller, &gate], &[], &body).await;

    assert_error_reply(&reply_json(&response), "service_unavailable", &body);
    assert_eq!(log.calls(), ["GetItem", "PutItem"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (json!({"action": "typing"}), "missing_field"),
        (
            json!({"action": "typing", "conversationId": "room#nope"}),
            "invalid_conversation",
        ),
        (
            json!({"action": "typing", "conversationId": 5}),
            "invalid_field",
        ),
    ] {
        let (response, log) = run(&[], &[], &body).await;
        assert_error_reply(&reply_json(&response), code, &body);
        assert!(log.calls().is_empty(), "{body}");
    }
}
