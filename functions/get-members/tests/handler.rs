//! The `getMembers` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::model::encode_key_cursor;
use chat_domain::rules::Username;
use chat_domain::testing::*;
use route_get_members::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const DIRECT: &str = "dm#alice#bob";
const READ: &str = "01JDQ8Z7W4K3M2N1P0Q9R8S7T0";
const BOB_AVATAR: &str = "avatars/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T1.png";

fn get_members(body: Value) -> chat_domain::lambda::Request {
    route_request("getMembers", ME, "Alice", Some(&body.to_string()))
}

/// The strongly consistent Query of a conversation's member items, `limit` of them after the member
/// `after` (a user key).
fn query_member_page(
    conversation: &'static str,
    limit: i32,
    after: Option<&'static str>,
    found: Vec<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            let start_matches = match after {
                Some(after) => is_conversation_key(
                    r.exclusive_start_key(),
                    conversation,
                    &format!("MEMBER#{after}"),
                ),
                None => r.exclusive_start_key().is_none(),
            };
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.index_name().is_none()
                && r.consistent_read() == Some(true)
                && r.limit() == Some(limit)
                && r.key_condition_expression() == Some("#pk = :pk AND begins_with(#sk, :members)")
                && values.and_then(|v| v.get(":pk")) == Some(&s(&format!("CONV#{conversation}")))
                && values.and_then(|v| v.get(":members")) == Some(&s("MEMBER#"))
                && start_matches
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(found.clone()))
                .build()
        })
}

#[tokio::test]
async fn a_rooms_members_come_with_their_roles_read_points_and_presence() {
    let members = vec![
        with_read_point(member_item(ROOM, "Alice", "owner"), READ),
        member_item(ROOM, "bob", "admin"),
        with_read_point(member_item(ROOM, "Carol", "member"), READ),
    ];
    let dynamodb = [
        get_member(
            ROOM,
            "alice",
            Some(with_read_point(member_item(ROOM, "Alice", "owner"), READ)),
        ),
        query_member_page(ROOM, 101, None, members),
        batch_get_users(vec![
            user_item("Alice", &["c1"], None),
            with_avatar(user_item("bob", &[], Some(NOW - 5000)), BOB_AVATAR),
            user_item("Carol", &["c9"], Some(NOW - 9000)),
        ]),
    ];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let response = handle(
        &chat,
        get_members(json!({"action": "getMembers", "conversationId": ROOM, "requestId": "r-1"})),
    )
    .await
    .unwrap();

    assert_eq!(log.calls(), ["GetItem", "Query", "BatchGetItem"]);
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "members",
            "conversationId": ROOM,
            "members": [
                {"username": "Alice", "role": "owner", "readMessageId": READ, "online": true},
                {"username": "bob", "role": "admin", "online": false, "lastSeen": NOW - 5000, "avatarKey": BOB_AVATAR},
                {"username": "Carol", "role": "member", "readMessageId": READ, "online": true, "lastSeen": NOW - 9000},
            ],
            "nextCursor": null,
            "requestId": "r-1",
        })
    );
    log.export("get-members", "a room of three members, one page");
}

#[tokio::test]
async fn a_member_without_a_user_record_is_listed_offline_by_the_stored_name() {
    let dynamodb = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        query_member_page(ROOM, 101, None, vec![member_item(ROOM, "Dave", "member")]),
        batch_get_users(vec![]),
    ];
    let (chat, _log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_members(json!({"action": "getMembers", "conversationId": ROOM})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        page["members"],
        json!([{"username": "Dave", "role": "member", "online": false}])
    );
}

#[tokio::test]
async fn a_full_page_hands_out_a_cursor_and_the_cursor_continues_after_its_last_member() {
    let first = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        query_member_page(
            ROOM,
            3,
            None,
            vec![
                member_item(ROOM, "Alice", "member"),
                member_item(ROOM, "bob", "owner"),
                member_item(ROOM, "Carol", "member"),
            ],
        ),
        batch_get_users(vec![
            user_item("Alice", &["c1"], None),
            user_item("bob", &[], None),
        ]),
    ];
    let (chat, _log) = mock_chat(&first.iter().collect::<Vec<_>>(), &[]);
    let page = reply_json(
        &handle(
            &chat,
            get_members(json!({"action": "getMembers", "conversationId": ROOM, "limit": 2})),
        )
        .await
        .unwrap(),
    );
    let listed: Vec<&str> = page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["username"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["Alice", "bob"]);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(
        cursor,
        encode_key_cursor(&Username::parse("bob").unwrap().key())
    );

    let second = [
        get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member"))),
        query_member_page(
            ROOM,
            3,
            Some("bob"),
            vec![member_item(ROOM, "Carol", "member")],
        ),
        batch_get_users(vec![user_item("Carol", &[], None)]),
    ];
    let (chat, log) = mock_chat(&second.iter().collect::<Vec<_>>(), &[]);
    let body =
        json!({"action": "getMembers", "conversationId": ROOM, "limit": 2, "cursor": cursor});
    let page = reply_json(&handle(&chat, get_members(body)).await.unwrap());

    assert_eq!(log.calls(), ["GetItem", "Query", "BatchGetItem"]);
    assert_eq!(page["members"][0]["username"], "Carol");
    assert_eq!(page["nextCursor"], Value::Null);
}

#[tokio::test]
async fn a_direct_conversation_lists_its_two_members_without_reading_a_membership() {
    let dynamodb = [
        query_member_page(
            DIRECT,
            101,
            None,
            vec![
                with_read_point(member_item(DIRECT, "Alice", "member"), READ),
                member_item(DIRECT, "bob", "member"),
            ],
        ),
        batch_get_users(vec![
            user_item("Alice", &["c1"], None),
            user_item("bob", &["b1"], None),
        ]),
    ];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_members(json!({"action": "getMembers", "conversationId": DIRECT})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(log.calls(), ["Query", "BatchGetItem"]);
    assert_eq!(page["conversationId"], DIRECT);
    assert_eq!(page["members"].as_array().unwrap().len(), 2);
    assert_eq!(page["members"][1]["online"], true);
}

#[tokio::test]
async fn a_room_the_caller_is_not_in_is_refused_after_reading_only_the_membership() {
    let dynamodb = [get_member(ROOM, "alice", None)];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let event = reply_json(
        &handle(
            &chat,
            get_members(
                json!({"action": "getMembers", "conversationId": ROOM, "requestId": "r-2"}),
            ),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("getMembers"))
    );
    assert_eq!(event["requestId"], "r-2");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn a_direct_conversation_of_others_is_refused_without_any_read() {
    let (chat, log) = mock_chat(&[], &[]);

    let event = reply_json(
        &handle(
            &chat,
            get_members(json!({"action": "getMembers", "conversationId": "dm#bob#carol"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (Some("error"), Some("not_a_member"), Some("getMembers"))
    );
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (json!({"action": "getMembers"}), "missing_field"),
        (
            json!({"action": "getMembers", "conversationId": "room#nope"}),
            "invalid_conversation",
        ),
        (
            json!({"action": "getMembers", "conversationId": ROOM, "limit": 101}),
            "invalid_limit",
        ),
        (
            json!({"action": "getMembers", "conversationId": ROOM, "cursor": "!forged"}),
            "invalid_cursor",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, get_members(body.clone())).await.unwrap());
        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some(code), Some("getMembers")),
            "{body}"
        );
        assert!(log.calls().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event() {
    let failing = mock!(aws_sdk_dynamodb::Client::get_item)
        .then_error(|| GetItemError::InternalServerError(InternalServerError::builder().build()));
    let (chat, log) = mock_chat(&[&failing], &[]);

    let event = reply_json(
        &handle(
            &chat,
            get_members(json!({"action": "getMembers", "conversationId": ROOM})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (
            Some("error"),
            Some("service_unavailable"),
            Some("getMembers")
        )
    );
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "getMembers", "conversationId": ROOM}).to_string();

    let result = handle(&chat, anonymous_request("getMembers", ME, Some(&body))).await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
