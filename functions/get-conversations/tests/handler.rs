//! The `getConversations` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::query::{QueryError, QueryOutput};
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::chat::InboxCursor;
use chat_domain::conversation::ConversationId;
use chat_domain::testing::*;
use route_get_conversations::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const WITH_BOB: &str = "dm#alice#bob";
const LAUNCH: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const QUIET: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T7";
const BOB_LAST: &str = "01JDQ8Z7W4K3M2N1P0Q9R00009";
const ALICE_READ: &str = "01JDQ8Z7W4K3M2N1P0Q9R00007";
const BOB_READ: &str = "01JDQ8Z7W4K3M2N1P0Q9R00008";
const LAUNCH_LAST: &str = "01JDQ8Z7W4K3M2N1P0Q9R00005";

fn get_conversations(body: Value) -> chat_domain::lambda::Request {
    route_request("getConversations", ME, "Alice", Some(&body.to_string()))
}

/// The Query of the caller's memberships through the `byMember` index.
fn query_memberships(user: &'static str, found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            r.table_name() == Some(CONVERSATIONS_TABLE)
                && r.index_name() == Some(CONVERSATIONS_INDEX)
                && r.key_condition_expression() == Some("#member = :me")
                && r.limit() == Some(1000)
                && r.expression_attribute_values().and_then(|v| v.get(":me")) == Some(&s(user))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(found.clone()))
                .build()
        })
}

/// A BatchGetItem of Conversations items whose sort keys all start with `sort_prefix`
/// (`META`, `MEMBER#`), for exactly the partitions `conversations`.
fn batch_get_conversation_items(
    sort_prefix: &'static str,
    conversations: &'static [&'static str],
    found: Vec<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(move |r| {
            let Some(request) = r
                .request_items()
                .and_then(|items| items.get(CONVERSATIONS_TABLE))
            else {
                return false;
            };
            let mut partitions: Vec<String> = request
                .keys()
                .iter()
                .filter_map(|key| key.get("pk")?.as_s().ok().cloned())
                .collect();
            partitions.sort();
            let mut expected: Vec<String> =
                conversations.iter().map(|c| format!("CONV#{c}")).collect();
            expected.sort();
            request.consistent_read() == Some(true)
                && request.keys().iter().all(|key| {
                    key.get("sk")
                        .and_then(|sk| sk.as_s().ok())
                        .is_some_and(|sk| sk.starts_with(sort_prefix))
                })
                && partitions == expected
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CONVERSATIONS_TABLE, found.clone())
                .build()
        })
}

/// Alice's member item of `conversation`, joined at `joined_at`, read up to `read`.
fn alices_membership(conversation: &str, role: &str, joined_at: i64, read: Option<&str>) -> Item {
    let item = with_joined_at(member_item(conversation, "Alice", role), joined_at);
    match read {
        Some(read) => with_read_point(item, read),
        None => item,
    }
}

fn my_memberships() -> Vec<Item> {
    vec![
        alices_membership(LAUNCH, "admin", NOW - 600_000, Some(LAUNCH_LAST)),
        alices_membership(QUIET, "member", NOW - 2000, None),
        alices_membership(WITH_BOB, "member", NOW - 900_000, Some(ALICE_READ)),
    ]
}

fn metas() -> Vec<Item> {
    vec![
        with_last_message(
            room_item(LAUNCH, "Launch", 12),
            LAUNCH_LAST,
            "Alice",
            NOW - 5000,
        ),
        room_item(QUIET, "Quiet", 2),
        with_last_message(direct_meta_item(WITH_BOB), BOB_LAST, "bob", NOW - 1000),
    ]
}

#[tokio::test]
async fn the_inbox_lists_conversations_by_latest_activity_with_unread_counts_and_presence() {
    let dynamodb = [
        query_memberships("alice", my_memberships()),
        batch_get_conversation_items("META", &[LAUNCH, QUIET, WITH_BOB], metas()),
        // One count per listed conversation, in page order.
        count_messages_after(WITH_BOB, Some(ALICE_READ), 2),
        count_messages_after(QUIET, None, 0),
        count_messages_after(LAUNCH, Some(LAUNCH_LAST), 0),
        batch_get_users(vec![user_item("bob", &["b1"], Some(NOW - 90_000))]),
        batch_get_conversation_items(
            "MEMBER#",
            &[WITH_BOB],
            vec![with_read_point(
                with_joined_at(member_item(WITH_BOB, "bob", "member"), NOW - 900_000),
                BOB_READ,
            )],
        ),
    ];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let response = handle(
        &chat,
        get_conversations(json!({"action": "getConversations", "requestId": "r-1"})),
    )
    .await
    .unwrap();

    assert_eq!(
        log.calls(),
        [
            "Query",
            "BatchGetItem",
            "Query",
            "Query",
            "Query",
            "BatchGetItem",
            "BatchGetItem"
        ]
    );
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "conversations",
            "conversations": [
                {
                    "conversationId": WITH_BOB,
                    "kind": "direct",
                    "with": {"username": "bob", "online": true, "lastSeen": NOW - 90_000},
                    "lastMessage": {"messageId": BOB_LAST, "from": "bob", "preview": "see you at ten", "sentAt": NOW - 1000},
                    "lastActivityAt": NOW - 1000,
                    "unread": 2,
                    "unreadMore": false,
                    "readMessageId": ALICE_READ,
                    "otherReadMessageId": BOB_READ,
                },
                {
                    "conversationId": QUIET,
                    "kind": "room",
                    "name": "Quiet",
                    "memberCount": 2,
                    "role": "member",
                    "lastActivityAt": NOW - 2000,
                    "unread": 0,
                    "unreadMore": false,
                },
                {
                    "conversationId": LAUNCH,
                    "kind": "room",
                    "name": "Launch",
                    "memberCount": 12,
                    "role": "admin",
                    "lastMessage": {"messageId": LAUNCH_LAST, "from": "Alice", "preview": "see you at ten", "sentAt": NOW - 5000},
                    "lastActivityAt": NOW - 5000,
                    "unread": 0,
                    "unreadMore": false,
                    "readMessageId": LAUNCH_LAST,
                },
            ],
            "nextCursor": null,
            "requestId": "r-1",
        })
    );
    log.export(
        "get-conversations",
        "an inbox of one direct conversation and two rooms",
    );
}

#[tokio::test]
async fn a_hundred_unread_messages_or_more_show_as_99_plus() {
    let dynamodb = [
        query_memberships(
            "alice",
            vec![alices_membership(LAUNCH, "member", NOW - 600_000, None)],
        ),
        batch_get_conversation_items(
            "META",
            &[LAUNCH],
            vec![with_last_message(
                room_item(LAUNCH, "Launch", 12),
                LAUNCH_LAST,
                "bob",
                NOW - 5000,
            )],
        ),
        count_messages_after(LAUNCH, None, 100),
    ];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_conversations(json!({"action": "getConversations"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        log.calls(),
        ["Query", "BatchGetItem", "Query"],
        "rooms only: no user read"
    );
    let launch = &page["conversations"][0];
    assert_eq!(
        (&launch["unread"], &launch["unreadMore"]),
        (&json!(99), &json!(true))
    );
}

#[tokio::test]
async fn a_page_counts_only_its_own_conversations_and_its_cursor_continues_after_the_last() {
    let first = [
        query_memberships("alice", my_memberships()),
        batch_get_conversation_items("META", &[LAUNCH, QUIET, WITH_BOB], metas()),
        count_messages_after(WITH_BOB, Some(ALICE_READ), 0),
        count_messages_after(QUIET, None, 0),
        batch_get_users(vec![user_item("bob", &[], None)]),
        batch_get_conversation_items("MEMBER#", &[WITH_BOB], vec![]),
    ];
    let (chat, log) = mock_chat(&first.iter().collect::<Vec<_>>(), &[]);
    let page = reply_json(
        &handle(
            &chat,
            get_conversations(json!({"action": "getConversations", "limit": 2})),
        )
        .await
        .unwrap(),
    );
    assert_eq!(log.calls().len(), 6, "{:?}", log.calls());
    let listed: Vec<&str> = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [WITH_BOB, QUIET]);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(
        InboxCursor::decode(&cursor).unwrap(),
        InboxCursor {
            activity_at: NOW - 2000,
            conversation_id: ConversationId::parse(QUIET).unwrap(),
        }
    );

    let second = [
        query_memberships("alice", my_memberships()),
        batch_get_conversation_items("META", &[LAUNCH, QUIET, WITH_BOB], metas()),
        count_messages_after(LAUNCH, Some(LAUNCH_LAST), 0),
    ];
    let (chat, log) = mock_chat(&second.iter().collect::<Vec<_>>(), &[]);
    let body = json!({"action": "getConversations", "limit": 2, "cursor": cursor});
    let page = reply_json(&handle(&chat, get_conversations(body)).await.unwrap());

    assert_eq!(log.calls(), ["Query", "BatchGetItem", "Query"]);
    assert_eq!(page["conversations"][0]["conversationId"], LAUNCH);
    assert_eq!(page["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(page["nextCursor"], Value::Null);
}

#[tokio::test]
async fn an_empty_inbox_reads_only_the_memberships() {
    let dynamodb = [query_memberships("alice", vec![])];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_conversations(json!({"action": "getConversations"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(log.calls(), ["Query"]);
    assert_eq!(
        page,
        json!({"type": "conversations", "conversations": [], "nextCursor": null})
    );
}

#[tokio::test]
async fn the_inbox_read_is_always_the_callers_own() {
    // Carol's inbox is read by her own key, whatever the request says.
    let dynamodb = [query_memberships("carol", vec![])];
    let (chat, log) = mock_chat(&dynamodb.iter().collect::<Vec<_>>(), &[]);
    let body = json!({"action": "getConversations", "username": "Alice"}).to_string();

    let request = route_request("getConversations", ME, "Carol", Some(&body));
    let page = reply_json(&handle(&chat, request).await.unwrap());

    assert_eq!(page["conversations"], json!([]));
    assert_eq!(log.calls(), ["Query"]);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (
            json!({"action": "getConversations", "limit": 0}),
            "invalid_limit",
        ),
        (
            json!({"action": "getConversations", "limit": 51}),
            "invalid_limit",
        ),
        (
            json!({"action": "getConversations", "limit": "5"}),
            "invalid_field",
        ),
        (
            json!({"action": "getConversations", "cursor": "forged"}),
            "invalid_cursor",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(
            &handle(&chat, get_conversations(body.clone()))
                .await
                .unwrap(),
        );
        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some(code), Some("getConversations")),
            "{body}"
        );
        assert!(log.calls().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event() {
    let failing = mock!(aws_sdk_dynamodb::Client::query)
        .then_error(|| QueryError::InternalServerError(InternalServerError::builder().build()));
    let (chat, log) = mock_chat(&[&failing], &[]);

    let event = reply_json(
        &handle(
            &chat,
            get_conversations(json!({"action": "getConversations", "requestId": "r-9"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (
            Some("error"),
            Some("service_unavailable"),
            Some("getConversations")
        )
    );
    assert_eq!(event["requestId"], "r-9");
    assert_eq!(log.calls(), ["Query"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "getConversations"}).to_string();

    let result = handle(
        &chat,
        anonymous_request("getConversations", ME, Some(&body)),
    )
    .await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
