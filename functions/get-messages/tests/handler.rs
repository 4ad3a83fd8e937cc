//! The `getMessages` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::query::QueryOutput;
use chat_domain::model::HistoryCursor;
use chat_domain::testing::*;
use route_get_messages::handle;
use serde_json::{Value, json};
use std::collections::HashMap;

const ME: &str = "c1";
const CONVERSATION: &str = "dm#alice#bob";

fn get_messages(body: Value) -> chat_domain::lambda::Request {
    route_request("getMessages", ME, "Alice", Some(&body.to_string()))
}

/// `count` messages between Alice and bob, newest first, ids descending.
fn messages(count: usize, newest: usize) -> Vec<Item> {
    (0..count)
        .map(|i| {
            let n = newest - i;
            let (from, to) = if n.is_multiple_of(2) {
                ("Alice", "bob")
            } else {
                ("bob", "Alice")
            };
            message_item(
                &format!("01JDQ8Z7W4K3M2N1P0Q9R{n:05}"),
                from,
                to,
                &format!("m-{n}"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_full_page_reads_one_extra_item_to_know_an_older_page_exists() {
    let query = query_messages(CONVERSATION, 51, messages(51, 200), None);
    let (chat, log) = mock_chat(&[&query], &[]);

    let response = handle(
        &chat,
        get_messages(json!({"action": "getMessages", "with": "bob"})),
    )
    .await
    .unwrap();

    assert_eq!(log.calls(), ["Query"]);
    let page = reply_json(&response);
    assert_eq!(page["type"], "messages");
    assert_eq!(page["with"], "bob");
    let listed = page["messages"].as_array().unwrap();
    assert_eq!(listed.len(), 50, "default limit");
    assert_eq!(
        listed[0]["id"], "01JDQ8Z7W4K3M2N1P0Q9R00200",
        "newest first"
    );
    let cursor = HistoryCursor::decode(page["nextCursor"].as_str().unwrap()).unwrap();
    assert_eq!(
        cursor.message_id, "01JDQ8Z7W4K3M2N1P0Q9R00151",
        "continues after the last listed"
    );
    log.export("get-messages", "a full page of 50 messages");
}

#[tokio::test]
async fn the_last_page_has_no_cursor() {
    let query = query_messages(CONVERSATION, 11, messages(3, 3), None);
    let (chat, _log) = mock_chat(&[&query], &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_messages(json!({"action": "getMessages", "with": "BOB", "limit": 10})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(page["messages"].as_array().unwrap().len(), 3);
    assert_eq!(page["nextCursor"], Value::Null);
}

#[tokio::test]
async fn a_cursor_continues_the_query_where_the_last_page_ended() {
    let cursor = HistoryCursor {
        message_id: "01JDQ8Z7W4K3M2N1P0Q9R00151".into(),
        dedup_key: "bob#m-151".into(),
    };
    let query = mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            let start = r.exclusive_start_key().cloned().unwrap_or_default();
            start.get("conversationId") == Some(&s(CONVERSATION))
                && start.get("messageId") == Some(&s("01JDQ8Z7W4K3M2N1P0Q9R00151"))
                && start.get("dedupKey") == Some(&s("bob#m-151"))
        })
        .then_output(|| {
            QueryOutput::builder()
                .set_items(Some(messages(2, 150)))
                .build()
        });
    let (chat, _log) = mock_chat(&[&query], &[]);

    let body = json!({"action": "getMessages", "with": "bob", "cursor": cursor.encode()});
    let page = reply_json(&handle(&chat, get_messages(body)).await.unwrap());

    assert_eq!(page["messages"][0]["id"], "01JDQ8Z7W4K3M2N1P0Q9R00150");
}

#[tokio::test]
async fn a_query_cut_short_by_the_1mb_limit_is_continued_until_the_page_is_full() {
    let cut = HashMap::from([("conversationId".to_owned(), s(CONVERSATION))]);
    let first = query_messages(CONVERSATION, 11, messages(4, 100), Some(cut));
    let second = query_messages(CONVERSATION, 7, messages(7, 96), None);
    let (chat, log) = mock_chat(&[&first, &second], &[]);

    let page = reply_json(
        &handle(
            &chat,
            get_messages(json!({"action": "getMessages", "with": "bob", "limit": 10})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(log.calls(), ["Query", "Query"]);
    assert_eq!(page["messages"].as_array().unwrap().len(), 10);
    assert!(page["nextCursor"].is_string());
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (json!({"action": "getMessages"}), "missing_field"),
        (
            json!({"action": "getMessages", "with": "bob", "limit": 0}),
            "invalid_limit",
        ),
        (
            json!({"action": "getMessages", "with": "bob", "limit": "5"}),
            "invalid_field",
        ),
        (
            json!({"action": "getMessages", "with": "bob", "cursor": "forged"}),
            "invalid_cursor",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, get_messages(body)).await.unwrap());
        assert_eq!(
            (event["type"].as_str(), event["code"].as_str()),
            (Some("error"), Some(code))
        );
        assert_eq!(event["action"], "getMessages");
        assert!(log.calls().is_empty());
    }
}

#[tokio::test]
async fn the_conversation_read_is_always_the_callers_own() {
    // Carol asks for "her conversation with bob": she gets dm#bob#carol, never Alice's with bob,
    // whatever she knows of it.
    let query = query_messages("dm#bob#carol", 51, vec![], None);
    let (chat, log) = mock_chat(&[&query], &[]);
    let body = json!({"action": "getMessages", "with": "bob"});

    let request = route_request("getMessages", ME, "carol", Some(&body.to_string()));
    let page = reply_json(&handle(&chat, request).await.unwrap());

    assert_eq!(page["messages"], json!([]));
    assert_eq!(log.calls(), ["Query"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "getMessages", "with": "bob"}).to_string();

    let result = handle(&chat, anonymous_request("getMessages", ME, Some(&body))).await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn a_message_with_a_file_comes_back_with_its_attachment() {
    let key = "attachments/dm/alice/bob/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf";
    let stored = with_attachment(
        message_item("01JDQ8Z7W4K3M2N1P0Q9R8S7T6", "bob", "Alice", "m-1"),
        key,
        "minutes.pdf",
        "application/pdf",
        2048,
    );
    let query = query_messages(CONVERSATION, 51, vec![stored], None);
    let (chat, _) = mock_chat(&[&query], &[]);

    let response = handle(
        &chat,
        get_messages(json!({"action": "getMessages", "with": "bob"})),
    )
    .await
    .unwrap();

    assert_eq!(
        reply_json(&response)["messages"][0]["attachment"],
        json!({"key": key, "name": "minutes.pdf", "contentType": "application/pdf", "size": 2048})
    );
}

#[tokio::test]
async fn a_conversation_named_by_id_is_read_and_named_in_the_answer() {
    let query = query_messages(CONVERSATION, 11, messages(2, 2), None);
    let (chat, log) = mock_chat(&[&query], &[]);
    let body = json!({"action": "getMessages", "conversationId": CONVERSATION, "limit": 10});

    let page = reply_json(&handle(&chat, get_messages(body)).await.unwrap());

    assert_eq!(log.calls(), ["Query"]);
    assert_eq!(page["conversationId"], CONVERSATION);
    assert_eq!(page["with"], "bob", "the other member, by key");
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_conversation_of_others_is_refused_without_reading_it() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "getMessages", "conversationId": "dm#bob#carol"});

    let event = reply_json(&handle(&chat, get_messages(body)).await.unwrap());

    assert_eq!(
        (event["code"].as_str(), event["action"].as_str()),
        (Some("not_a_member"), Some("getMessages"))
    );
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}

// Rooms: membership is read (strongly consistent) before the history; knowing a room's id grants
// nothing.

const ROOM: &str = "room#01JDQ9A0B1C2D3E4F5G6H7J8K9";

/// `count` messages of the room by Alice and bob, newest first.
fn room_messages(count: usize, newest: usize) -> Vec<Item> {
    (0..count)
        .map(|i| {
            let n = newest - i;
            let from = if n.is_multiple_of(2) { "Alice" } else { "bob" };
            room_message_item(
                &format!("01JDQ8Z7W4K3M2N1P0Q9R{n:05}"),
                ROOM,
                from,
                &format!("r-{n}"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_member_reads_a_rooms_history_which_names_no_other_user() {
    let member = get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", "member")));
    let query = query_messages(ROOM, 11, room_messages(3, 3), None);
    let (chat, log) = mock_chat(&[&member, &query], &[]);
    let body = json!({"action": "getMessages", "conversationId": ROOM, "limit": 10});

    let page = reply_json(&handle(&chat, get_messages(body)).await.unwrap());

    assert_eq!(
        log.calls(),
        ["GetItem", "Query"],
        "membership, then the page"
    );
    assert_eq!(page["type"], "messages", "{page}");
    assert_eq!(page["conversationId"], ROOM);
    assert!(page.get("with").is_none(), "a room has no `with`: {page}");
    let listed = page["messages"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(
        listed[0]["id"], "01JDQ8Z7W4K3M2N1P0Q9R00003",
        "newest first"
    );
    assert_eq!(
        (listed[0]["from"].as_str(), listed[1]["from"].as_str()),
        (Some("bob"), Some("Alice"))
    );
    assert!(
        listed.iter().all(|message| message.get("to").is_none()),
        "room messages have no `to`: {page}"
    );
    assert_eq!(page["nextCursor"], Value::Null);
}

#[tokio::test]
async fn a_non_member_gets_not_a_member_and_the_room_is_not_read() {
    let member = get_member(ROOM, "alice", None);
    let (chat, log) = mock_chat(&[&member], &[]);
    let body = json!({"action": "getMessages", "conversationId": ROOM});

    let event = reply_json(&handle(&chat, get_messages(body)).await.unwrap());

    assert_eq!(
        (event["code"].as_str(), event["action"].as_str()),
        (Some("not_a_member"), Some("getMessages"))
    );
    assert_eq!(log.calls(), ["GetItem"], "no Query of its messages");
}

#[tokio::test]
async fn quoted_messages_off_the_page_are_read_in_one_batch_and_those_on_it_from_the_page() {
    // The newest replies to an older message off the page (m-1) and to one on the page (m-3).
    let off_page = message_item("01JDQ8Z7W4K3M2N1P0Q9R00001", "bob", "Alice", "m-1");
    let mut page = messages(3, 5);
    page[0] = with_reply_to(page[0].clone(), "01JDQ8Z7W4K3M2N1P0Q9R00001", "bob#m-1");
    page[1] = with_reply_to(page[1].clone(), "01JDQ8Z7W4K3M2N1P0Q9R00003", "bob#m-3");
    let query = query_messages(CONVERSATION, 11, page, None);
    let quotes = batch_get_messages(
        vec![off_page.clone()],
        vec![with_edit(off_page, "edited", NOW)],
    );
    let (chat, log) = mock_chat(&[&query, &quotes], &[]);

    let response = handle(
        &chat,
        get_messages(json!({"action": "getMessages", "with": "bob", "limit": 10})),
    )
    .await
    .unwrap();

    assert_eq!(
        log.calls(),
        ["Query", "BatchGetItem"],
        "one read for the quotes off the page"
    );
    let listed = reply_json(&response)["messages"].clone();
    assert_eq!(
        listed[0]["replyTo"],
        json!({"messageId": "01JDQ8Z7W4K3M2N1P0Q9R00001", "from": "bob", "text": "edited"}),
        "the quote as the original is now"
    );
    assert_eq!(
        listed[1]["replyTo"]["messageId"],
        "01JDQ8Z7W4K3M2N1P0Q9R00003"
    );
    assert_eq!(listed[1]["replyTo"]["from"], "bob");
}
