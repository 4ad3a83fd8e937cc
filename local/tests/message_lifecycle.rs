//! The message lifecycle end to end (#15): edit, delete, react, reply and typing, with real
//! WebSocket clients of users signed in with Cognito, the local gateway running the route
//! handlers, DynamoDB Local and the local S3.

mod support;

use std::time::Duration;

use chat_domain::reactions::{MAX_DISTINCT_REACTIONS, TYPING_INTERVAL_MS};
use serde_json::{Value, json};
use support::{Client, TestStack, http, stack};

/// How long a client listens for an event that must not come.
const QUIET: Duration = Duration::from_millis(400);

/// A connection of each of `names`, in order (a name twice: two tabs of that user).
async fn connect_all<const N: usize>(stack: &TestStack, names: [&str; N]) -> [Client; N] {
    let mut clients = Vec::new();
    for name in names {
        clients.push(Client::connect(stack, name).await);
    }
    clients
        .try_into()
        .unwrap_or_else(|_| unreachable!("N clients"))
}

/// `owner` creates a room with `members` (each of whom is told); the room's id.
async fn create_room(owner: &mut Client, members: &mut [&mut Client]) -> String {
    let names: Vec<String> = members.iter().map(|m| m.username.clone()).collect();
    let answer = owner
        .request(
            json!({"action": "createRoom", "name": "Lifecycle", "members": names}),
            "room",
        )
        .await;
    assert_eq!(answer["type"], "room", "{answer}");
    for member in members.iter_mut() {
        member.next_of_type("membership").await;
    }
    answer["room"]["conversationId"]
        .as_str()
        .expect("a room id")
        .to_owned()
}

/// Sends `request` with `requestId` and returns the event that echoes it (its answer or an
/// `error`), skipping the broadcasts of other users that may arrive first.
async fn ask(client: &mut Client, request: Value, request_id: &str) -> Value {
    let mut request = request;
    request["requestId"] = json!(request_id);
    client.send(request).await;
    loop {
        let event = client.next_event().await;
        if event["requestId"] == request_id {
            return event;
        }
    }
}

/// Sends a message (optionally a reply) and returns the stored message of its ack.
async fn send(
    client: &mut Client,
    conversation_id: &str,
    text: &str,
    client_message_id: &str,
    reply_to: Option<&str>,
) -> Value {
    let mut request = json!({"action": "sendMessage", "conversationId": conversation_id, "text": text, "clientMessageId": client_message_id});
    if let Some(reply_to) = reply_to {
        request["replyTo"] = json!(reply_to);
    }
    let ack = client.request(request, "messageAck").await;
    assert_eq!(ack["type"], "messageAck", "{ack}");
    ack["message"].clone()
}

fn edit(conversation_id: &str, message_id: &str, text: &str) -> Value {
    json!({"action": "editMessage", "conversationId": conversation_id, "messageId": message_id, "text": text})
}

fn delete(conversation_id: &str, message_id: &str) -> Value {
    json!({"action": "deleteMessage", "conversationId": conversation_id, "messageId": message_id})
}

fn react(conversation_id: &str, message_id: &str, emoji: &str, reacted: bool) -> Value {
    json!({"action": "react", "conversationId": conversation_id, "messageId": message_id, "emoji": emoji, "reacted": reacted})
}

fn typing(conversation_id: &str) -> Value {
    json!({"action": "typing", "conversationId": conversation_id})
}

fn id_of(message: &Value) -> String {
    message["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a message with an id: {message}"))
        .to_owned()
}

/// Asserts `answer` is an `error` of `code` for `action`, echoing `request_id`.
fn assert_refused(answer: &Value, code: &str, action: &str, request_id: &str) {
    assert_eq!(
        (
            answer["type"].as_str(),
            answer["code"].as_str(),
            answer["action"].as_str(),
            answer["requestId"].as_str()
        ),
        (Some("error"), Some(code), Some(action), Some(request_id)),
        "{answer}"
    );
}

/// A refused request leaves the connection open: it still answers a ping.
async fn assert_open(client: &mut Client) {
    let pong = client.request(json!({"action": "ping"}), "pong").await;
    assert_eq!(
        pong["type"], "pong",
        "{} is still connected",
        client.username
    );
}

/// The events of `event_type` that arrive within `QUIET`.
async fn events_of_type(client: &mut Client, event_type: &str) -> Vec<Value> {
    client
        .events_within(QUIET)
        .await
        .into_iter()
        .filter(|event| event["type"] == event_type)
        .collect()
}

/// The newest page of the conversation's history, as `client` sees it.
async fn history(client: &mut Client, conversation_id: &str) -> Vec<Value> {
    let page = client
        .request(
            json!({"action": "getMessages", "conversationId": conversation_id}),
            "messages",
        )
        .await;
    assert_eq!(page["type"], "messages", "{page}");
    page["messages"].as_array().expect("a list").clone()
}

/// The message `id` of a history page.
fn message<'a>(page: &'a [Value], id: &str) -> &'a Value {
    page.iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is in the page: {page:?}"))
}

/// The caller's inbox entry's `lastMessage` for `conversation_id`.
async fn last_message(client: &mut Client, conversation_id: &str) -> Value {
    let inbox = client
        .request(json!({"action": "getConversations"}), "conversations")
        .await;
    assert_eq!(inbox["type"], "conversations", "{inbox}");
    inbox["conversations"]
        .as_array()
        .expect("a list of conversations")
        .iter()
        .find(|c| c["conversationId"] == conversation_id)
        .unwrap_or_else(|| panic!("{conversation_id} is in the inbox: {inbox}"))["lastMessage"]
        .clone()
}

/// `event` without its `requestId`: what the other connections get of an answer.
fn broadcast_of(event: &Value) -> Value {
    let mut event = event.clone();
    event
        .as_object_mut()
        .expect("an event object")
        .remove("requestId");
    event
}

#[tokio::test]
async fn the_author_edits_a_message_and_every_member_sees_the_new_text() {
    let stack = stack().await;
    let [mut alice, mut alice_tab, mut bob, mut carol] =
        connect_all(&stack, ["alice", "alice", "bob", "carol"]).await;
    let room = create_room(&mut alice, &mut [&mut bob]).await;
    let original = send(&mut alice, &room, "helo room", "a-1", None).await;
    let id = id_of(&original);
    bob.next_of_type("message").await;
    alice_tab.next_of_type("message").await;

    let edited = ask(&mut alice, edit(&room, &id, "  hello room  "), "e-1").await;
    assert_eq!(edited["type"], "messageEdited", "{edited}");
    let edited_at = edited["editedAt"].as_i64().expect("editedAt");
    assert!(
        edited_at >= original["sentAt"].as_i64().unwrap(),
        "{edited}"
    );
    assert_eq!(
        edited,
        json!({"type": "messageEdited", "conversationId": room, "messageId": id, "text": "hello room", "editedAt": edited_at, "requestId": "e-1"}),
        "the text is trimmed as when sending"
    );
    for other in [&mut bob, &mut alice_tab] {
        assert_eq!(
            other.next_of_type("messageEdited").await,
            broadcast_of(&edited),
            "{}",
            other.username
        );
    }
    assert_eq!(
        events_of_type(&mut alice, "messageEdited").await,
        Vec::<Value>::new(),
        "the editing connection only gets its answer"
    );
    assert_eq!(
        events_of_type(&mut carol, "messageEdited").await,
        Vec::<Value>::new(),
        "an outsider hears nothing"
    );
    for viewer in [&mut alice, &mut bob] {
        let page = history(viewer, &room).await;
        let shown = message(&page, &id);
        assert_eq!(
            (
                shown["text"].as_str(),
                shown["editedAt"].as_i64(),
                shown["sentAt"].as_i64(),
                shown["from"].as_str()
            ),
            (
                Some("hello room"),
                Some(edited_at),
                original["sentAt"].as_i64(),
                Some("alice")
            ),
            "{shown}"
        );
    }

    // Only the author edits; the refused keep their connection.
    let refused = ask(&mut bob, edit(&room, &id, "bob was here"), "e-2").await;
    assert_refused(&refused, "not_author", "editMessage", "e-2");
    assert_open(&mut bob).await;
    let refused = ask(&mut carol, edit(&room, &id, "carol was here"), "e-3").await;
    assert_refused(&refused, "not_a_member", "editMessage", "e-3");
    assert_open(&mut carol).await;

    // The text rules of sending: a message without a file cannot be emptied.
    let refused = ask(&mut alice, edit(&room, &id, "   "), "e-4").await;
    assert_refused(&refused, "empty_text", "editMessage", "e-4");
    let refused = ask(&mut alice, edit(&room, &id, &"x".repeat(4001)), "e-5").await;
    assert_refused(&refused, "text_too_long", "editMessage", "e-5");

    // The same text again stores nothing: the answer is the message as it is.
    let same = ask(&mut alice, edit(&room, &id, "hello room"), "e-6").await;
    assert_eq!(
        (same["type"].as_str(), same["editedAt"].as_i64()),
        (Some("messageEdited"), Some(edited_at)),
        "{same}"
    );

    // A message id of another conversation, or no message id at all.
    let elsewhere = alice.send_message("bob", "psst", "a-2").await;
    let elsewhere_id = id_of(&elsewhere["message"]);
    let refused = ask(&mut alice, edit(&room, &elsewhere_id, "moved"), "e-7").await;
    assert_refused(&refused, "invalid_message_id", "editMessage", "e-7");
    let refused = ask(&mut alice, edit(&room, "not-a-message", "x"), "e-8").await;
    assert_refused(&refused, "invalid_message_id", "editMessage", "e-8");
    let refused = ask(&mut alice, edit("room#nope", &id, "x"), "e-9").await;
    assert_refused(&refused, "invalid_conversation", "editMessage", "e-9");
    let page = history(&mut bob, &room).await;
    assert_eq!(message(&page, &id)["text"], "hello room", "nothing changed");
}

#[tokio::test]
async fn a_reaction_counts_each_member_once_and_a_retry_changes_nothing() {
    let stack = stack().await;
    let [mut alice, mut bob, mut carol] = connect_all(&stack, ["alice", "bob", "carol"]).await;
    let room = create_room(&mut alice, &mut [&mut bob]).await;
    let id = id_of(&send(&mut alice, &room, "lunch at noon?", "a-1", None).await);
    bob.next_of_type("message").await;

    let answer = ask(&mut bob, react(&room, &id, "👍", true), "r-1").await;
    assert_eq!(
        answer,
        json!({"type": "reaction", "conversationId": room, "messageId": id, "emoji": "👍", "count": 1, "user": "bob", "reacted": true, "requestId": "r-1"})
    );
    assert_eq!(alice.next_of_type("reaction").await, broadcast_of(&answer));

    // A retry states the same wanted state: the same answer, nothing stored twice, nobody told.
    let retry = ask(&mut bob, react(&room, &id, "👍", true), "r-1").await;
    assert_eq!(retry, answer, "the retry's answer");
    assert_eq!(
        events_of_type(&mut alice, "reaction").await,
        Vec::<Value>::new(),
        "a retry that changes nothing is not broadcast"
    );

    let answer = ask(&mut alice, react(&room, &id, "👍", true), "r-2").await;
    assert_eq!(
        (answer["count"].as_u64(), answer["user"].as_str()),
        (Some(2), Some("alice")),
        "{answer}"
    );
    assert_eq!(bob.next_of_type("reaction").await, broadcast_of(&answer));
    // "❤" and "❤️" are one reaction, kept in the fully-qualified form.
    let answer = ask(&mut alice, react(&room, &id, "\u{2764}", true), "r-3").await;
    assert_eq!(
        (answer["emoji"].as_str(), answer["count"].as_u64()),
        (Some("\u{2764}\u{fe0f}"), Some(1)),
        "{answer}"
    );
    let answer = ask(&mut bob, react(&room, &id, "\u{2764}\u{fe0f}", true), "r-4").await;
    assert_eq!(answer["count"], 2, "{answer}");
    // Bob takes his 👍 back.
    let answer = ask(&mut bob, react(&room, &id, "👍", false), "r-5").await;
    assert_eq!(
        (answer["count"].as_u64(), answer["reacted"].as_bool()),
        (Some(1), Some(false)),
        "{answer}"
    );
    let told = alice.next_of_type("reaction").await;
    assert_eq!(
        (
            told["emoji"].as_str(),
            told["user"].as_str(),
            told["count"].as_u64()
        ),
        (Some("❤️"), Some("bob"), Some(2)),
        "{told}"
    );
    assert_eq!(alice.next_of_type("reaction").await, broadcast_of(&answer));

    // History: counts for everyone, `reacted` for the viewer, ordered by emoji.
    let mut order = ["👍", "❤️"];
    order.sort_unstable();
    for (viewer, reacted_thumbs) in [(&mut alice, true), (&mut bob, false)] {
        let page = history(viewer, &room).await;
        let reactions = &message(&page, &id)["reactions"];
        let expected: Vec<Value> = order
            .iter()
            .map(|emoji| match *emoji {
                "👍" => json!({"emoji": "👍", "count": 1, "reacted": reacted_thumbs}),
                _ => json!({"emoji": "❤️", "count": 2, "reacted": true}),
            })
            .collect();
        assert_eq!(
            *reactions,
            json!(expected),
            "as {} sees it",
            viewer.username
        );
    }

    // Bad input and strangers are refused; the connection stays open.
    for (n, bad) in ["a", "👍👍", "", ":+1:", "<b>"].into_iter().enumerate() {
        let request_id = format!("bad-{n}");
        let refused = ask(&mut bob, react(&room, &id, bad, true), &request_id).await;
        assert_refused(&refused, "invalid_emoji", "react", &request_id);
    }
    assert_open(&mut bob).await;
    let refused = ask(
        &mut bob,
        json!({"action": "react", "conversationId": room, "messageId": id, "emoji": "👍"}),
        "no-state",
    )
    .await;
    assert_refused(&refused, "missing_field", "react", "no-state");
    let refused = ask(&mut carol, react(&room, &id, "👍", true), "c-1").await;
    assert_refused(&refused, "not_a_member", "react", "c-1");
    assert_open(&mut carol).await;
    let page = history(&mut alice, &room).await;
    assert_eq!(
        message(&page, &id)["reactions"].as_array().map(Vec::len),
        Some(2),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn concurrent_reactions_all_count_and_a_message_holds_at_most_twenty_emojis() {
    let stack = stack().await;
    let [mut alice, mut bob] = connect_all(&stack, ["alice", "bob"]).await;
    let room = create_room(&mut alice, &mut [&mut bob]).await;
    let id = id_of(&send(&mut alice, &room, "vote with emojis", "a-1", None).await);
    bob.next_of_type("message").await;

    // Both add the same new emoji at once: neither reaction is lost.
    let mut together = react(&room, &id, "🎉", true);
    together["requestId"] = json!("both");
    alice.send(together.clone()).await;
    bob.send(together).await;
    let mut counts = Vec::new();
    for client in [&mut alice, &mut bob] {
        loop {
            let event = client.next_event().await;
            if event["requestId"] == "both" {
                assert_eq!(event["type"], "reaction", "{event}");
                counts.push(event["count"].as_u64().expect("a count"));
                break;
            }
        }
    }
    counts.sort_unstable();
    assert_eq!(counts, [1, 2], "each write saw the other's or came first");
    let page = history(&mut alice, &room).await;
    assert_eq!(
        message(&page, &id)["reactions"],
        json!([{"emoji": "🎉", "count": 2, "reacted": true}])
    );

    // Up to the limit of distinct emojis, then no new one; an existing one still takes more.
    let others = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
        "😗", "😙", "😚", "🙂", "🤗",
    ];
    let (within, beyond) = others.split_at(MAX_DISTINCT_REACTIONS - 1);
    for (n, emoji) in within.iter().enumerate() {
        let answer = ask(
            &mut alice,
            react(&room, &id, emoji, true),
            &format!("r-{n}"),
        )
        .await;
        assert_eq!(answer["type"], "reaction", "{answer}");
    }
    let too_many = ask(&mut alice, react(&room, &id, beyond[0], true), "r-21").await;
    assert_refused(&too_many, "too_many_reactions", "react", "r-21");
    let existing = ask(&mut bob, react(&room, &id, within[0], true), "b-1").await;
    assert_eq!(
        (existing["type"].as_str(), existing["count"].as_u64()),
        (Some("reaction"), Some(2)),
        "{existing}"
    );
    // Once one is gone, a new one fits again.
    let removed = ask(&mut alice, react(&room, &id, within[1], false), "r-gone").await;
    assert_eq!(removed["count"], 0, "{removed}");
    let fits = ask(&mut alice, react(&room, &id, beyond[0], true), "r-fits").await;
    assert_eq!(fits["type"], "reaction", "{fits}");
    let page = history(&mut bob, &room).await;
    let reactions = message(&page, &id)["reactions"]
        .as_array()
        .expect("reactions")
        .clone();
    assert_eq!(reactions.len(), MAX_DISTINCT_REACTIONS, "{reactions:?}");
    let emojis: Vec<&str> = reactions
        .iter()
        .map(|r| r["emoji"].as_str().unwrap())
        .collect();
    let mut sorted = emojis.clone();
    sorted.sort_unstable();
    assert_eq!(emojis, sorted, "ordered by emoji");
    assert!(!emojis.contains(&within[1]), "an emptied reaction is gone");
}

#[tokio::test]
async fn a_reply_quotes_the_original_as_it_is_now_and_a_deletion_leaves_a_tombstone() {
    let stack = stack().await;
    let [mut alice, mut bob, mut carol] = connect_all(&stack, ["alice", "bob", "carol"]).await;
    let room = create_room(&mut alice, &mut [&mut bob]).await;
    let original = send(&mut alice, &room, "Who brings the cake?", "a-1", None).await;
    let id = id_of(&original);
    bob.next_of_type("message").await;

    let reply = send(&mut bob, &room, "I do", "b-1", Some(&id)).await;
    let reply_id = id_of(&reply);
    let quote = json!({"messageId": id, "from": "alice", "text": "Who brings the cake?"});
    assert_eq!(reply["replyTo"], quote, "{reply}");
    let delivered = alice.next_of_type("message").await;
    assert_eq!(delivered["message"], reply, "the event carries the quote");

    // The quote follows an edit of the original.
    let edited = ask(
        &mut alice,
        edit(&room, &id, "Who brings the cake on Friday?"),
        "e-1",
    )
    .await;
    assert_eq!(edited["type"], "messageEdited", "{edited}");
    bob.next_of_type("messageEdited").await;
    let page = history(&mut bob, &room).await;
    assert_eq!(
        message(&page, &reply_id)["replyTo"]["text"],
        "Who brings the cake on Friday?"
    );
    let reacted = ask(&mut bob, react(&room, &id, "🎂", true), "r-1").await;
    assert_eq!(reacted["type"], "reaction", "{reacted}");
    alice.next_of_type("reaction").await;

    // Deleted: a tombstone for everyone, and the reply's quote says so.
    let deleted = ask(&mut alice, delete(&room, &id), "d-1").await;
    assert_eq!(deleted["type"], "messageDeleted", "{deleted}");
    let deleted_at = deleted["deletedAt"].as_i64().expect("deletedAt");
    assert_eq!(
        deleted,
        json!({"type": "messageDeleted", "conversationId": room, "messageId": id, "deletedAt": deleted_at, "deletedBy": "alice", "requestId": "d-1"})
    );
    assert_eq!(
        bob.next_of_type("messageDeleted").await,
        broadcast_of(&deleted)
    );
    assert_eq!(
        events_of_type(&mut carol, "messageDeleted").await,
        Vec::<Value>::new()
    );
    for viewer in [&mut alice, &mut bob] {
        let page = history(viewer, &room).await;
        let tombstone = message(&page, &id);
        assert_eq!(
            (
                tombstone["text"].as_str(),
                tombstone["deletedAt"].as_i64(),
                tombstone["deletedBy"].as_str()
            ),
            (Some(""), Some(deleted_at), Some("alice")),
            "{tombstone}"
        );
        for gone in ["reactions", "attachment", "replyTo"] {
            assert!(tombstone.get(gone).is_none(), "no {gone}: {tombstone}");
        }
        let quote = &message(&page, &reply_id)["replyTo"];
        assert_eq!(
            (
                quote["messageId"].as_str(),
                quote["text"].as_str(),
                quote["deleted"].as_bool()
            ),
            (Some(id.as_str()), Some(""), Some(true)),
            "{quote}"
        );
    }

    // Nothing more can happen to a deleted message.
    let again = ask(&mut alice, delete(&room, &id), "d-2").await;
    assert_refused(&again, "message_deleted", "deleteMessage", "d-2");
    let refused = ask(&mut alice, edit(&room, &id, "back"), "e-2").await;
    assert_refused(&refused, "message_deleted", "editMessage", "e-2");
    let refused = ask(&mut bob, react(&room, &id, "👍", true), "r-2").await;
    assert_refused(&refused, "message_deleted", "react", "r-2");
    let refused = bob
        .request(
            json!({"action": "sendMessage", "conversationId": room, "text": "me too", "clientMessageId": "b-2", "replyTo": id}),
            "messageAck",
        )
        .await;
    assert_eq!(
        (
            refused["code"].as_str(),
            refused["clientMessageId"].as_str()
        ),
        (Some("message_deleted"), Some("b-2")),
        "{refused}"
    );
    assert_open(&mut bob).await;

    // A reply names a message of the same conversation only.
    let elsewhere = bob.send_message("alice", "psst", "b-3").await;
    let refused = bob
        .request(
            json!({"action": "sendMessage", "conversationId": room, "text": "re", "clientMessageId": "b-4", "replyTo": id_of(&elsewhere["message"])}),
            "messageAck",
        )
        .await;
    assert_eq!(refused["code"], "invalid_message_id", "{refused}");
    let refused = carol
        .request(
            json!({"action": "sendMessage", "conversationId": room, "text": "hi", "clientMessageId": "c-1", "replyTo": reply_id}),
            "messageAck",
        )
        .await;
    assert_eq!(refused["code"], "not_a_member", "{refused}");
    let refused = ask(&mut carol, delete(&room, &reply_id), "c-2").await;
    assert_refused(&refused, "not_a_member", "deleteMessage", "c-2");

    // The inbox follows an edit and a deletion of the last message.
    let fixed = ask(&mut bob, edit(&room, &reply_id, "I do!"), "e-3").await;
    assert_eq!(fixed["type"], "messageEdited", "{fixed}");
    let last = last_message(&mut alice, &room).await;
    assert_eq!(
        (last["messageId"].as_str(), last["preview"].as_str()),
        (Some(reply_id.as_str()), Some("I do!")),
        "{last}"
    );
    let gone = ask(&mut bob, delete(&room, &reply_id), "d-3").await;
    assert_eq!(gone["deletedBy"], "bob", "{gone}");
    let last = last_message(&mut alice, &room).await;
    assert_eq!(
        (
            last["messageId"].as_str(),
            last["preview"].as_str(),
            last["deleted"].as_bool()
        ),
        (Some(reply_id.as_str()), Some(""), Some(true)),
        "{last}"
    );
}

#[tokio::test]
async fn a_room_admin_deletes_a_members_message_and_a_plain_member_cannot() {
    let stack = stack().await;
    let [mut alice, mut bob, mut dave] = connect_all(&stack, ["alice", "bob", "dave"]).await;
    let room = create_room(&mut alice, &mut [&mut bob, &mut dave]).await;
    let from_dave = id_of(&send(&mut dave, &room, "buy cheap watches", "d-1", None).await);
    let from_alice = id_of(&send(&mut alice, &room, "welcome", "a-1", None).await);

    let refused = ask(&mut bob, delete(&room, &from_dave), "b-1").await;
    assert_refused(&refused, "not_author", "deleteMessage", "b-1");
    assert_open(&mut bob).await;
    let refused = ask(&mut dave, delete(&room, &from_alice), "d-2").await;
    assert_refused(&refused, "not_author", "deleteMessage", "d-2");

    let promoted = alice
        .request(
            json!({"action": "setRole", "conversationId": room, "username": "bob", "role": "admin"}),
            "membership",
        )
        .await;
    assert_eq!(promoted["role"], "admin", "{promoted}");
    let deleted = ask(&mut bob, delete(&room, &from_dave), "b-2").await;
    assert_eq!(
        (deleted["type"].as_str(), deleted["deletedBy"].as_str()),
        (Some("messageDeleted"), Some("bob")),
        "{deleted}"
    );
    for told in [&mut alice, &mut dave] {
        assert_eq!(
            told.next_of_type("messageDeleted").await,
            broadcast_of(&deleted),
            "{}",
            told.username
        );
    }
    // An admin still edits nobody else's message.
    let refused = ask(&mut bob, edit(&room, &from_alice, "hijacked"), "b-3").await;
    assert_refused(&refused, "not_author", "editMessage", "b-3");

    // A direct conversation has no admins: only the author deletes.
    let direct = alice.send_message("bob", "between us", "a-2").await;
    let direct_id = id_of(&direct["message"]);
    let conversation = direct["message"]["conversationId"].as_str().unwrap();
    let refused = ask(&mut bob, delete(conversation, &direct_id), "b-4").await;
    assert_refused(&refused, "not_author", "deleteMessage", "b-4");
    let deleted = ask(&mut alice, delete(conversation, &direct_id), "a-3").await;
    assert_eq!(deleted["type"], "messageDeleted", "{deleted}");
    assert_eq!(
        bob.next_of_type("messageDeleted").await,
        broadcast_of(&deleted)
    );
}

/// Alice uploads `content` for her conversation with bob and sends it with `text`; the ack's
/// message.
async fn alice_sends_bob_a_file(alice: &mut Client, content: &[u8], text: &str) -> Value {
    let grant = alice
        .request(
            json!({"action": "getUploadUrl", "purpose": "attachment", "to": "bob", "contentType": "text/plain", "size": content.len()}),
            "uploadUrl",
        )
        .await;
    assert_eq!(grant["type"], "uploadUrl", "{grant}");
    let headers: Vec<(&str, &str)> = grant["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str().expect("a header value")))
        .collect();
    let url = grant["url"].as_str().expect("a URL");
    assert_eq!(
        http("PUT", url, &headers, content.to_vec()).await.status,
        200
    );
    let ack = alice
        .request(
            json!({"action": "sendMessage", "to": "bob", "text": text, "clientMessageId": "f-1", "attachment": {
                "key": grant["key"], "name": "minutes.txt", "contentType": "text/plain", "size": content.len()}}),
            "messageAck",
        )
        .await;
    assert_eq!(ack["type"], "messageAck", "{ack}");
    ack["message"].clone()
}

async fn object_exists(stack: &TestStack, key: &str) -> bool {
    stack
        .s3
        .head_object()
        .bucket(&stack.media_bucket)
        .key(key)
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn deleting_a_message_with_a_file_deletes_the_file() {
    let stack = stack().await;
    let [mut alice, mut bob] = connect_all(&stack, ["alice", "bob"]).await;
    let sent = alice_sends_bob_a_file(&mut alice, b"minutes of the meeting", "see attached").await;
    let id = id_of(&sent);
    let conversation = sent["conversationId"].as_str().unwrap().to_owned();
    let key = sent["attachment"]["key"].as_str().unwrap().to_owned();
    bob.next_of_type("message").await;
    let urls = bob
        .request(
            json!({"action": "getDownloadUrl", "keys": [key], "requestId": "u-1"}),
            "downloadUrls",
        )
        .await;
    let url = urls["urls"][&key]
        .as_str()
        .expect("a download URL")
        .to_owned();
    assert_eq!(http("GET", &url, &[], vec![]).await.status, 200);
    assert!(object_exists(&stack, &key).await, "uploaded");

    // A message with a file may lose its text.
    let edited = ask(&mut alice, edit(&conversation, &id, " "), "e-1").await;
    assert_eq!(
        (edited["type"].as_str(), edited["text"].as_str()),
        (Some("messageEdited"), Some("")),
        "{edited}"
    );
    let page = history(&mut bob, &conversation).await;
    assert_eq!(message(&page, &id)["attachment"], sent["attachment"]);

    let deleted = ask(&mut alice, delete(&conversation, &id), "d-1").await;
    assert_eq!(deleted["type"], "messageDeleted", "{deleted}");
    assert_eq!(
        bob.next_of_type("messageDeleted").await,
        broadcast_of(&deleted)
    );
    assert!(
        !object_exists(&stack, &key).await,
        "the file is deleted from the bucket"
    );
    let status = http("GET", &url, &[], vec![]).await.status;
    assert!(
        status == 404 || status == 403,
        "a URL issued before answers {status}"
    );
    let page = history(&mut bob, &conversation).await;
    let tombstone = message(&page, &id);
    assert!(tombstone.get("attachment").is_none(), "{tombstone}");
    assert_eq!(tombstone["text"], "", "{tombstone}");
    let last = last_message(&mut bob, &conversation).await;
    assert_eq!(
        (
            last["deleted"].as_bool(),
            last["preview"].as_str(),
            last.get("attachmentName")
        ),
        (Some(true), Some(""), None),
        "{last}"
    );
}

#[tokio::test]
async fn typing_reaches_the_other_members_only_and_at_most_once_per_interval() {
    let stack = stack().await;
    let [mut alice, mut alice_tab, mut bob, mut bob_tab, mut carol] =
        connect_all(&stack, ["alice", "alice", "bob", "bob", "carol"]).await;
    let room = create_room(&mut alice, &mut [&mut bob]).await;

    let signal = json!({"type": "typing", "conversationId": room, "from": "bob"});
    bob.send(typing(&room)).await;
    for other in [&mut alice, &mut alice_tab] {
        assert_eq!(
            other.next_of_type("typing").await,
            signal,
            "{}",
            other.username
        );
    }
    let forwarded = tokio::time::Instant::now();
    bob.expect_no_message(QUIET).await; // no answer on success
    for not_told in [&mut bob_tab, &mut carol] {
        assert_eq!(
            events_of_type(not_told, "typing").await,
            Vec::<Value>::new(),
            "{} is not told",
            not_told.username
        );
    }

    // Within the interval, from any of bob's tabs: dropped, silently.
    bob.send(typing(&room)).await;
    bob_tab.send(typing(&room)).await;
    assert_eq!(
        events_of_type(&mut alice, "typing").await,
        Vec::<Value>::new()
    );
    bob.expect_no_message(QUIET).await;
    // Another user's typing has a gate of its own.
    alice.send(typing(&room)).await;
    for other in [&mut bob, &mut bob_tab] {
        assert_eq!(
            other.next_of_type("typing").await,
            json!({"type": "typing", "conversationId": room, "from": "alice"}),
            "{}",
            other.username
        );
    }
    assert_eq!(
        events_of_type(&mut alice_tab, "typing").await,
        Vec::<Value>::new(),
        "none of the typer's own tabs"
    );

    // Past the interval, bob's typing goes out again.
    let interval = Duration::from_millis(u64::try_from(TYPING_INTERVAL_MS).unwrap());
    tokio::time::sleep_until(forwarded + interval + Duration::from_millis(200)).await;
    bob.send(typing(&room)).await;
    assert_eq!(alice.next_of_type("typing").await, signal);

    // Only members may signal.
    let refused = carol.request(typing(&room), "typing").await;
    assert_eq!(
        (refused["code"].as_str(), refused["action"].as_str()),
        (Some("not_a_member"), Some("typing")),
        "{refused}"
    );
    let refused = carol.request(typing("room#nope"), "typing").await;
    assert_eq!(refused["code"], "invalid_conversation", "{refused}");
    assert_open(&mut carol).await;
    assert_eq!(
        events_of_type(&mut alice, "typing").await,
        Vec::<Value>::new(),
        "a refused signal reaches nobody"
    );
}
