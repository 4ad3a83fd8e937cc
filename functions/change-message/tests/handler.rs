//! The `editMessage`, `deleteMessage` and `react` handler over mocked DynamoDB, API Gateway and S3
//! clients: which AWS calls each path makes, in which order, and what the caller and the other
//! members' connections get.

use aws_sdk_dynamodb::operation::query::QueryError;
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_change_message::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const MSG: &str = "01JDQ9A0000000000000000001";
const ATTACHMENT: &str =
    "attachments/room/01JDQ8Z7W4K3M2N1P0Q9R8S7T6/alice/01JDQ9B0000000000000000001.png";
const THUMBS_UP: &str = "\u{1F44D}";
const HEART: &str = "\u{2764}\u{FE0F}";

fn request(body: &Value) -> chat_domain::lambda::Request {
    let action = body["action"].as_str().unwrap_or("editMessage");
    route_request(action, ME, "Alice", Some(&body.to_string()))
}

/// The handler over `dynamodb` (in order), `posts`, and an S3 client expecting `s3` (in order).
async fn run(dynamodb: &[&Rule], posts: &[&Rule], s3: &[&Rule], body: &Value) -> (Value, CallLog) {
    let (chat, log) = mock_chat(dynamodb, posts);
    let remover = mock_remover(s3, &log);
    // Boxed: the handler's future nests the SDK's deep future types.
    let response = Box::pin(handle(&chat, &remover, request(body)))
        .await
        .unwrap();
    assert_eq!(response.status_code, 200);
    (reply_json(&response), log)
}

fn alice_in_room(role: &str) -> Rule {
    get_member(ROOM, "alice", Some(member_item(ROOM, "Alice", role)))
}

/// A message of `from` in the room, with text "hello room".
fn message_of(from: &str) -> Item {
    room_message_item(MSG, ROOM, from, "k1")
}

fn found(message: &Item) -> Rule {
    query_message(ROOM, MSG, Some(message.clone()))
}

/// The room's members and their connections: Alice on the calling c1 and on c4, bob on c2.
fn fan_out() -> (Rule, Rule) {
    let members = query_members(
        ROOM,
        vec![
            member_item(ROOM, "Alice", "admin"),
            member_item(ROOM, "bob", "member"),
        ],
        None,
    );
    let users = batch_get_these_users(
        &["alice", "bob"],
        vec![
            user_item("Alice", &[ME, "c4"], None),
            user_item("bob", &["c2"], None),
        ],
    );
    (members, users)
}

fn edit(text: &str) -> Value {
    json!({"action": "editMessage", "conversationId": ROOM, "messageId": MSG, "text": text, "requestId": "r1"})
}

fn delete() -> Value {
    json!({"action": "deleteMessage", "conversationId": ROOM, "messageId": MSG, "requestId": "r1"})
}

fn react(emoji: &str, reacted: bool) -> Value {
    json!({"action": "react", "conversationId": ROOM, "messageId": MSG, "emoji": emoji, "reacted": reacted, "requestId": "r1"})
}

fn is_type(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |event| {
        event["type"] == kind && event["messageId"] == MSG && event.get("requestId").is_none()
    }
}

// editMessage

#[tokio::test]
async fn the_author_edits_with_one_conditional_update_and_the_other_connections_hear_of_it() {
    let message = message_of("Alice");
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let update = message_edited(message.clone(), "hello again");
    let preview = revise_last_message(ROOM, MSG, false, "hello again");
    let (members, users) = fan_out();
    let (c2, c4) = (
        post_event("c2", is_type("messageEdited")),
        post_event("c4", is_type("messageEdited")),
    );

    let (answer, log) = run(
        &[&caller, &lookup, &update, &preview, &members, &users],
        &[&c2, &c4],
        &[],
        &edit(" hello again "),
    )
    .await;

    assert_eq!(
        answer,
        json!({"type": "messageEdited", "conversationId": ROOM, "messageId": MSG,
               "text": "hello again", "editedAt": NOW, "requestId": "r1"})
    );
    assert_eq!(
        log.calls()[..6],
        [
            "GetItem",
            "Query",
            "UpdateItem",
            "UpdateItem",
            "Query",
            "BatchGetItem"
        ],
        "membership, the message by id, the edit, the preview, then the fan-out"
    );
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c4"]);
    assert_eq!(log.calls().len(), 8);
    log.export(
        "change-message",
        "an edit in a room of 2, 2 other connections online",
    );
}

#[tokio::test]
async fn an_edit_to_the_same_text_writes_and_posts_nothing() {
    let message = message_of("Alice");
    let (caller, lookup) = (alice_in_room("member"), found(&message));

    let (answer, log) = run(&[&caller, &lookup], &[], &[], &edit("hello room")).await;

    assert_eq!(answer["type"], "messageEdited", "{answer}");
    assert_eq!(answer["text"], "hello room");
    assert_eq!(answer["requestId"], "r1");
    assert_eq!(log.calls(), ["GetItem", "Query"]);
}

#[tokio::test]
async fn only_the_author_may_edit_even_a_room_admin_may_not() {
    let message = message_of("bob");
    let (caller, lookup) = (alice_in_room("admin"), found(&message));
    let body = edit("mine now");

    let (answer, log) = run(&[&caller, &lookup], &[], &[], &body).await;

    assert_error_reply(&answer, "not_author", &body);
    assert_eq!(answer["action"], "editMessage");
    assert_eq!(log.calls(), ["GetItem", "Query"]);
}

#[tokio::test]
async fn an_edit_losing_to_a_deletion_is_message_deleted_and_nobody_is_told() {
    let message = message_of("Alice");
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let tombstone = with_deletion(message.clone(), "bob", NOW - 10);
    let update = message_edit_refused(message.clone(), "too late", Some(tombstone));
    let body = edit("too late");

    let (answer, log) = run(&[&caller, &lookup, &update], &[], &[], &body).await;

    assert_error_reply(&answer, "message_deleted", &body);
    assert_eq!(log.calls(), ["GetItem", "Query", "UpdateItem"]);
}

#[tokio::test]
async fn an_already_deleted_message_is_refused_before_any_write() {
    let tombstone = with_deletion(message_of("Alice"), "Alice", NOW - 10);

    for body in [edit("back"), delete(), react(THUMBS_UP, true)] {
        let (caller, lookup) = (alice_in_room("member"), found(&tombstone));
        let (answer, log) = run(&[&caller, &lookup], &[], &[], &body).await;
        assert_error_reply(&answer, "message_deleted", &body);
        assert_eq!(answer["action"], body["action"]);
        assert_eq!(log.calls(), ["GetItem", "Query"], "{body}");
    }
}

#[tokio::test]
async fn a_message_id_of_another_conversation_is_invalid_message_id() {
    for body in [edit("hi"), delete(), react(THUMBS_UP, true)] {
        let (caller, lookup) = (alice_in_room("member"), query_message(ROOM, MSG, None));
        let (answer, log) = run(&[&caller, &lookup], &[], &[], &body).await;
        assert_error_reply(&answer, "invalid_message_id", &body);
        assert_eq!(log.calls(), ["GetItem", "Query"], "{body}");
    }
}

#[tokio::test]
async fn a_stranger_is_refused_before_the_message_is_looked_up() {
    for body in [edit("hi"), delete(), react(THUMBS_UP, true)] {
        let caller = get_member(ROOM, "alice", None);
        let (answer, log) = run(&[&caller], &[], &[], &body).await;
        assert_error_reply(&answer, "not_a_member", &body);
        assert_eq!(answer["action"], body["action"]);
        assert_eq!(log.calls(), ["GetItem"], "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_service_unavailable_naming_the_action() {
    let caller = alice_in_room("member");
    let failing = mock!(aws_sdk_dynamodb::Client::query)
        .then_error(|| QueryError::InternalServerError(InternalServerError::builder().build()));
    let body = react(THUMBS_UP, true);

    let (answer, log) = run(&[&caller, &failing], &[], &[], &body).await;

    assert_error_reply(&answer, "service_unavailable", &body);
    assert_eq!(answer["action"], "react");
    assert_eq!(log.calls(), ["GetItem", "Query"]);
}

#[tokio::test]
async fn a_gone_connection_is_cleaned_up_and_the_edit_still_succeeds() {
    let message = message_of("Alice");
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let update = message_edited(message.clone(), "hello again");
    let preview = revise_last_message(ROOM, MSG, false, "hello again");
    let (members, users) = fan_out();
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let (gone, c4) = (post_gone("c2"), post_ok("c4"));

    let (answer, log) = run(
        &[
            &caller, &lookup, &update, &preview, &members, &users, &delete, &detach,
        ],
        &[&gone, &c4],
        &[],
        &edit("hello again"),
    )
    .await;

    assert_eq!(answer["type"], "messageEdited", "{answer}");
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c4"]);
    let calls = log.calls();
    assert_eq!(
        calls[calls.len() - 2..],
        ["DeleteItem", "UpdateItem"],
        "{calls:?}"
    );
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (
            json!({"action": "editMessage", "conversationId": ROOM, "messageId": MSG, "requestId": "r1"}),
            "missing_field",
        ),
        (
            json!({"action": "editMessage", "conversationId": ROOM, "messageId": "nope", "text": "x"}),
            "invalid_message_id",
        ),
        (
            json!({"action": "deleteMessage", "conversationId": "room#x", "messageId": MSG, "requestId": "r2"}),
            "invalid_conversation",
        ),
        (
            json!({"action": "react", "conversationId": ROOM, "messageId": MSG, "emoji": "ab", "reacted": true}),
            "invalid_emoji",
        ),
        (
            json!({"action": "react", "conversationId": ROOM, "messageId": MSG, "emoji": THUMBS_UP}),
            "missing_field",
        ),
    ] {
        let (answer, log) = run(&[], &[], &[], &body).await;
        assert_error_reply(&answer, code, &body);
        assert!(log.calls().is_empty(), "{body}: {:?}", log.calls());
    }
}

#[tokio::test]
async fn another_routes_action_is_not_served_here() {
    let body = json!({"action": "typing", "conversationId": ROOM});
    let (answer, log) = run(&[], &[], &[], &body).await;
    assert_eq!(answer["code"], "unknown_action", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("editMessage, deleteMessage and react")),
        "{answer}"
    );
    assert!(log.calls().is_empty());
}

// deleteMessage

#[tokio::test]
async fn the_author_deletes_the_attachment_first_then_leaves_a_tombstone() {
    let message = with_attachment(
        message_of("Alice"),
        ATTACHMENT,
        "cat.png",
        "image/png",
        48_213,
    );
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let removed = object_deleted(ATTACHMENT);
    let update = message_deleted(message.clone(), "Alice");
    let preview = revise_last_message(ROOM, MSG, true, "");
    let (members, users) = fan_out();
    let is_deletion =
        |event: &Value| is_type("messageDeleted")(event) && event["deletedBy"] == "Alice";
    let (c2, c4) = (post_event("c2", is_deletion), post_event("c4", is_deletion));

    let (answer, log) = run(
        &[&caller, &lookup, &update, &preview, &members, &users],
        &[&c2, &c4],
        &[&removed],
        &delete(),
    )
    .await;

    assert_eq!(
        answer,
        json!({"type": "messageDeleted", "conversationId": ROOM, "messageId": MSG,
               "deletedAt": NOW, "deletedBy": "Alice", "requestId": "r1"})
    );
    assert_eq!(
        log.calls()[..7],
        [
            "GetItem",
            "Query",
            "DeleteObject",
            "UpdateItem",
            "UpdateItem",
            "Query",
            "BatchGetItem"
        ],
        "the file goes before the tombstone is written"
    );
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c4"]);
}

#[tokio::test]
async fn a_room_admin_deletes_a_members_message_as_themselves() {
    let message = message_of("bob");
    let (caller, lookup) = (alice_in_room("admin"), found(&message));
    let update = message_deleted(message.clone(), "Alice");
    let preview = revise_last_message(ROOM, MSG, true, "");
    let (members, users) = fan_out();
    let (c2, c4) = (post_ok("c2"), post_ok("c4"));

    let (answer, log) = run(
        &[&caller, &lookup, &update, &preview, &members, &users],
        &[&c2, &c4],
        &[],
        &delete(),
    )
    .await;

    assert_eq!(answer["type"], "messageDeleted", "{answer}");
    assert_eq!(answer["deletedBy"], "Alice");
    assert_eq!(
        log.calls().len(),
        8,
        "no S3 call: the message had no attachment"
    );
}

#[tokio::test]
async fn a_plain_member_may_not_delete_someone_elses_message() {
    let message = with_attachment(message_of("bob"), ATTACHMENT, "cat.png", "image/png", 1);
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let body = delete();

    let (answer, log) = run(&[&caller, &lookup], &[], &[], &body).await;

    assert_error_reply(&answer, "not_author", &body);
    assert_eq!(log.calls(), ["GetItem", "Query"], "the file is left alone");
}

// react

#[tokio::test]
async fn a_first_reaction_is_one_versioned_update_and_the_others_hear_of_it() {
    let message = message_of("bob");
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let after = with_reaction(message.clone(), THUMBS_UP, &["alice"], 1);
    let update = reaction_written(
        message.clone(),
        THUMBS_UP,
        "alice",
        ReactionWrite::AddNew { seen: None },
        after,
    );
    let (members, users) = fan_out();
    let is_reaction = |event: &Value| {
        is_type("reaction")(event) && event["user"] == "Alice" && event["count"] == 1
    };
    let (c2, c4) = (post_event("c2", is_reaction), post_event("c4", is_reaction));

    let (answer, log) = run(
        &[&caller, &lookup, &update, &members, &users],
        &[&c2, &c4],
        &[],
        &react(THUMBS_UP, true),
    )
    .await;

    assert_eq!(
        answer,
        json!({"type": "reaction", "conversationId": ROOM, "messageId": MSG, "emoji": THUMBS_UP,
               "count": 1, "user": "Alice", "reacted": true, "requestId": "r1"})
    );
    assert_eq!(
        log.calls()[..5],
        ["GetItem", "Query", "UpdateItem", "Query", "BatchGetItem"]
    );
    assert_eq!(log.posts(), ["PostToConnection c2", "PostToConnection c4"]);
}

#[tokio::test]
async fn a_reaction_is_removed_with_one_update() {
    let message = with_reaction(message_of("bob"), HEART, &["alice", "bob"], 1);
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let after = with_reaction(message_of("bob"), HEART, &["bob"], 1);
    let update = reaction_written(
        message.clone(),
        HEART,
        "alice",
        ReactionWrite::Remove,
        after,
    );
    let (members, users) = fan_out();
    let (c2, c4) = (post_ok("c2"), post_ok("c4"));

    // "❤" without its variation selector is the same reaction.
    let (answer, log) = run(
        &[&caller, &lookup, &update, &members, &users],
        &[&c2, &c4],
        &[],
        &react("\u{2764}", false),
    )
    .await;

    assert_eq!(answer["type"], "reaction", "{answer}");
    assert_eq!(
        (answer["emoji"].as_str(), answer["count"].as_u64()),
        (Some(HEART), Some(1))
    );
    assert_eq!(answer["reacted"], false);
    assert_eq!(log.posts().len(), 2);
}

#[tokio::test]
async fn a_reaction_already_as_wanted_is_confirmed_by_a_consistent_read_and_changes_nothing() {
    let message = with_reaction(message_of("bob"), THUMBS_UP, &["alice"], 1);
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let reread = get_message_item(message.clone(), Some(message.clone()));

    let (answer, log) = run(
        &[&caller, &lookup, &reread],
        &[],
        &[],
        &react(THUMBS_UP, true),
    )
    .await;

    assert_eq!(answer["type"], "reaction", "{answer}");
    assert_eq!(
        (answer["count"].as_u64(), answer["reacted"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(
        log.calls(),
        ["GetItem", "Query", "GetItem"],
        "no write, no post"
    );
}

#[tokio::test]
async fn a_twenty_first_distinct_emoji_is_too_many_reactions() {
    const TWENTY: [&str; 20] = [
        "\u{1F600}",
        "\u{1F603}",
        "\u{1F604}",
        "\u{1F601}",
        "\u{1F606}",
        "\u{1F605}",
        "\u{1F602}",
        "\u{1F923}",
        "\u{1F60A}",
        "\u{1F607}",
        "\u{1F642}",
        "\u{1F643}",
        "\u{1F609}",
        "\u{1F60C}",
        "\u{1F60D}",
        "\u{1F970}",
        "\u{1F618}",
        "\u{1F617}",
        "\u{1F619}",
        "\u{1F61A}",
    ];
    let message = TWENTY.iter().fold(message_of("bob"), |item, emoji| {
        with_reaction(item, emoji, &["bob"], 20)
    });
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let reread = get_message_item(message.clone(), Some(message.clone()));
    let body = react(THUMBS_UP, true);

    let (answer, log) = run(&[&caller, &lookup, &reread], &[], &[], &body).await;

    assert_error_reply(&answer, "too_many_reactions", &body);
    assert_eq!(log.calls(), ["GetItem", "Query", "GetItem"]);
}

#[tokio::test]
async fn a_reaction_losing_a_race_is_decided_again_on_a_fresh_read() {
    let message = message_of("bob");
    let (caller, lookup) = (alice_in_room("member"), found(&message));
    let lost = reaction_conflicted(
        message.clone(),
        THUMBS_UP,
        "alice",
        ReactionWrite::AddNew { seen: None },
    );
    // Meanwhile bob reacted with a heart.
    let now = with_reaction(message.clone(), HEART, &["bob"], 1);
    let reread = get_message_item(message.clone(), Some(now.clone()));
    let after = with_reaction(now, THUMBS_UP, &["alice"], 2);
    let won = reaction_written(
        message.clone(),
        THUMBS_UP,
        "alice",
        ReactionWrite::AddNew { seen: Some(1) },
        after,
    );
    let (members, users) = fan_out();
    let (c2, c4) = (post_ok("c2"), post_ok("c4"));

    let (answer, log) = run(
        &[&caller, &lookup, &lost, &reread, &won, &members, &users],
        &[&c2, &c4],
        &[],
        &react(THUMBS_UP, true),
    )
    .await;

    assert_eq!(answer["type"], "reaction", "{answer}");
    assert_eq!(answer["count"], 1);
    assert_eq!(
        log.calls()[..5],
        ["GetItem", "Query", "UpdateItem", "GetItem", "UpdateItem"]
    );
}
