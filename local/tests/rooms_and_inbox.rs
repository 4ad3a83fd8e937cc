//! Rooms, the inbox, read state, scoped presence and the people directory end to end (#14): real
//! WebSocket clients of users signed in with Cognito, the local gateway running the route
//! handlers, and DynamoDB Local.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use support::{Client, TestStack, stack};

/// How long a client listens for an event that must not come.
const QUIET: Duration = Duration::from_millis(400);

/// `alice` creates a room named `name` with `members`; its `room` answer.
async fn create_room(owner: &mut Client, name: &str, members: &[&str]) -> Value {
    let answer = owner
        .request(
            json!({"action": "createRoom", "name": name, "members": members, "requestId": "create"}),
            "room",
        )
        .await;
    assert_eq!(answer["type"], "room", "{answer}");
    answer
}

/// Sends a message into a room and returns its ack, asserting that the sending connection gets
/// no `message` copy of it meanwhile and that a room message has no `to`.
async fn send_in_room(
    sender: &mut Client,
    room_id: &str,
    text: &str,
    client_message_id: &str,
) -> Value {
    sender
        .send(json!({"action": "sendMessage", "conversationId": room_id, "text": text, "clientMessageId": client_message_id}))
        .await;
    loop {
        let event = sender.next_event().await;
        assert_ne!(
            event["type"], "message",
            "{} got its own message: {event}",
            sender.username
        );
        assert_ne!(event["type"], "error", "{event}");
        if event["type"] == "messageAck" {
            assert_eq!(event["message"]["conversationId"], room_id);
            assert!(
                event["message"].get("to").is_none(),
                "a room message has no to: {event}"
            );
            return event;
        }
    }
}

/// The next `message` event's message.
async fn next_message(client: &mut Client) -> Value {
    client.next_of_type("message").await["message"].clone()
}

/// The `message` events that arrive within `QUIET`.
async fn stray_messages(client: &mut Client) -> Vec<Value> {
    client
        .events_within(QUIET)
        .await
        .into_iter()
        .filter(|event| event["type"] == "message")
        .collect()
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

fn id_of(ack: &Value) -> String {
    ack["message"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an ack with an id: {ack}"))
        .to_owned()
}

fn ids(messages: &Value) -> Vec<&str> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("a list: {messages}"))
        .iter()
        .map(|m| m["id"].as_str().expect("a message id"))
        .collect()
}

/// The caller's inbox entry for `conversation_id` (first page, default size).
async fn inbox_entry(client: &mut Client, conversation_id: &str) -> Option<Value> {
    let inbox = client
        .request(json!({"action": "getConversations"}), "conversations")
        .await;
    assert_eq!(inbox["type"], "conversations", "{inbox}");
    inbox["conversations"]
        .as_array()
        .expect("a list of conversations")
        .iter()
        .find(|c| c["conversationId"] == conversation_id)
        .cloned()
}

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

#[tokio::test]
async fn three_users_talk_in_a_room_and_each_message_reaches_every_other_member_once() {
    let stack = stack().await;
    let [mut alice, mut alice_tab, mut bob, mut carol] =
        connect_all(&stack, ["alice", "alice", "bob", "carol"]).await;

    let created = create_room(&mut alice, " Design ", &["bob", "CAROL", "alice", "bob"]).await;
    let room = &created["room"];
    let room_id = room["conversationId"]
        .as_str()
        .expect("a room id")
        .to_owned();
    assert_eq!(created["requestId"], "create");
    assert!(
        room_id.starts_with("room#") && room_id.len() == "room#".len() + 26,
        "{room_id}"
    );
    assert_eq!(
        (
            room["name"].as_str(),
            room["memberCount"].as_u64(),
            room["createdBy"].as_str()
        ),
        (Some("Design"), Some(3), Some("alice")),
        "the name trimmed, the caller and a repeated name counted once"
    );
    for member in [&mut bob, &mut carol] {
        let added = member.next_of_type("membership").await;
        assert_eq!(
            (
                added["conversationId"].as_str(),
                added["change"].as_str(),
                added["by"].as_str()
            ),
            (Some(room_id.as_str()), Some("added"), Some("alice")),
            "{added}"
        );
        let users: Vec<String> = added["users"]
            .as_array()
            .expect("the added users")
            .iter()
            .map(|u| u.as_str().expect("a username").to_ascii_lowercase())
            .collect();
        assert!(
            users.contains(&member.username),
            "{} is among the added: {added}",
            member.username
        );
        assert_eq!(added["room"], *room, "the membership carries the room");
        assert!(
            added.get("requestId").is_none(),
            "only the answer echoes it"
        );
    }

    // Each message reaches the other members and the sender's other tab, never the sending tab.
    let from_alice = send_in_room(&mut alice, &room_id, "hello room", "a-1").await;
    for other in [&mut alice_tab, &mut bob, &mut carol] {
        assert_eq!(
            next_message(other).await,
            from_alice["message"],
            "{}",
            other.username
        );
    }
    let from_bob = send_in_room(&mut bob, &room_id, "hi from bob", "b-1").await;
    for other in [&mut alice, &mut alice_tab, &mut carol] {
        assert_eq!(
            next_message(other).await,
            from_bob["message"],
            "{}",
            other.username
        );
    }
    let from_carol = send_in_room(&mut carol, &room_id, "carol here", "c-1").await;
    for other in [&mut alice, &mut alice_tab, &mut bob] {
        assert_eq!(
            next_message(other).await,
            from_carol["message"],
            "{}",
            other.username
        );
    }
    for client in [&mut alice, &mut alice_tab, &mut bob, &mut carol] {
        assert_eq!(
            stray_messages(client).await,
            Vec::<Value>::new(),
            "{} got a message twice",
            client.username
        );
    }

    // History: any member pages back through the room, which has no `with`.
    let first = bob
        .request(
            json!({"action": "getMessages", "conversationId": room_id, "limit": 2}),
            "messages",
        )
        .await;
    assert_eq!(first["type"], "messages", "{first}");
    assert_eq!(first["conversationId"], room_id.as_str());
    assert!(first.get("with").is_none(), "{first}");
    assert_eq!(
        ids(&first["messages"]),
        [id_of(&from_carol), id_of(&from_bob)]
    );
    assert!(first["nextCursor"].is_string(), "{first}");
    let second = bob
        .request(
            json!({"action": "getMessages", "conversationId": room_id, "limit": 2, "cursor": first["nextCursor"]}),
            "messages",
        )
        .await;
    assert_eq!(ids(&second["messages"]), [id_of(&from_alice)]);
    assert_eq!(second["nextCursor"], Value::Null);

    // The inbox: the room with its last message; unread counts what came after one's own message.
    for (client, role, unread) in [
        (&mut alice, "owner", 2),
        (&mut bob, "member", 1),
        (&mut carol, "member", 0),
    ] {
        let entry = inbox_entry(client, &room_id)
            .await
            .unwrap_or_else(|| panic!("{}'s inbox lists the room", client.username));
        assert_eq!(
            (
                entry["kind"].as_str(),
                entry["name"].as_str(),
                entry["memberCount"].as_u64(),
                entry["role"].as_str()
            ),
            (Some("room"), Some("Design"), Some(3), Some(role)),
            "{entry}"
        );
        assert_eq!(
            entry["lastMessage"],
            json!({"messageId": id_of(&from_carol), "from": "carol", "preview": "carol here", "sentAt": from_carol["message"]["sentAt"]})
        );
        assert_eq!(entry["lastActivityAt"], from_carol["message"]["sentAt"]);
        assert_eq!(
            (entry["unread"].as_u64(), entry["unreadMore"].as_bool()),
            (Some(unread), Some(false)),
            "{}: {entry}",
            client.username
        );
        assert!(entry.get("with").is_none(), "{entry}");
    }

    // The members: roles, read points (each moved by their own message) and presence.
    let members = carol
        .request(
            json!({"action": "getMembers", "conversationId": room_id, "requestId": "g-1"}),
            "members",
        )
        .await;
    assert_eq!(members["type"], "members", "{members}");
    assert_eq!(members["requestId"], "g-1");
    assert_eq!(members["nextCursor"], Value::Null);
    let listed: Vec<(&str, &str, &str, bool)> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["username"].as_str().expect("a username"),
                m["role"].as_str().expect("a role"),
                m["readMessageId"].as_str().unwrap_or("none"),
                m["online"].as_bool().expect("presence"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("alice", "owner", id_of(&from_alice).as_str(), true),
            ("bob", "member", id_of(&from_bob).as_str(), true),
            ("carol", "member", id_of(&from_carol).as_str(), true),
        ]
    );
}

#[tokio::test]
async fn a_removed_member_is_cut_off_at_once_and_refused_everything_in_the_room() {
    let stack = stack().await;
    let [mut alice, mut bob, mut carol] = connect_all(&stack, ["alice", "bob", "carol"]).await;
    let created = create_room(&mut alice, "Plans", &["bob", "carol"]).await;
    let room_id = created["room"]["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    bob.next_of_type("membership").await;
    carol.next_of_type("membership").await;
    let before = alice.send_to(&room_id, "before", "a-1").await;
    assert_eq!(
        next_message(&mut carol).await["id"],
        before["message"]["id"]
    );
    assert_eq!(next_message(&mut bob).await["id"], before["message"]["id"]);

    // A member may not remove anyone.
    let refused = bob
        .request(
            json!({"action": "removeMember", "conversationId": room_id, "username": "carol", "requestId": "x"}),
            "membership",
        )
        .await;
    assert_eq!(
        (refused["code"].as_str(), refused["requestId"].as_str()),
        (Some("forbidden_role"), Some("x")),
        "{refused}"
    );

    let removed = alice
        .request(
            json!({"action": "removeMember", "conversationId": room_id, "username": "Carol", "requestId": "rm"}),
            "membership",
        )
        .await;
    assert_eq!(removed["type"], "membership", "{removed}");
    assert_eq!(
        (
            removed["change"].as_str(),
            removed["users"].clone(),
            removed["by"].as_str(),
            removed["room"]["memberCount"].as_u64(),
            removed["requestId"].as_str()
        ),
        (
            Some("removed"),
            json!(["carol"]),
            Some("alice"),
            Some(2),
            Some("rm")
        )
    );
    for told in [&mut bob, &mut carol] {
        let event = told.next_of_type("membership").await;
        assert_eq!(
            (event["change"].as_str(), event["users"].clone()),
            (Some("removed"), json!(["carol"])),
            "{}: {event}",
            told.username
        );
    }

    let after = alice.send_to(&room_id, "after", "a-2").await;
    assert_eq!(next_message(&mut bob).await["id"], after["message"]["id"]);
    assert_eq!(stray_messages(&mut carol).await, Vec::<Value>::new());

    let message_id = id_of(&before);
    for request in [
        json!({"action": "sendMessage", "conversationId": room_id, "text": "let me back", "clientMessageId": "c-1"}),
        json!({"action": "getMessages", "conversationId": room_id}),
        json!({"action": "markRead", "conversationId": room_id, "messageId": message_id}),
        json!({"action": "getMembers", "conversationId": room_id}),
        json!({"action": "watchPresence", "conversationId": room_id, "usernames": ["alice"]}),
        json!({"action": "addMembers", "conversationId": room_id, "usernames": ["carol"]}),
    ] {
        let refused = carol.request(request.clone(), "error").await;
        assert_eq!(
            (refused["type"].as_str(), refused["code"].as_str()),
            (Some("error"), Some("not_a_member")),
            "{request}: {refused}"
        );
        assert_eq!(refused["action"], request["action"], "{refused}");
    }
    assert_eq!(
        inbox_entry(&mut carol, &room_id).await,
        None,
        "the room left carol's inbox"
    );
    assert_eq!(
        carol.request(json!({"action": "ping"}), "pong").await,
        json!({"type": "pong"}),
        "the connection stays open"
    );
    // Nobody else heard about carol's attempts.
    assert_eq!(stray_messages(&mut bob).await, Vec::<Value>::new());
    assert_eq!(stray_messages(&mut alice).await, Vec::<Value>::new());
}

#[tokio::test]
async fn read_state_follows_the_reader_across_tabs_and_reaches_the_direct_partner() {
    let stack = stack().await;
    let [mut alice, mut bob, mut bob_tab, mut carol] =
        connect_all(&stack, ["alice", "bob", "bob", "carol"]).await;
    let direct = "dm#alice#bob";
    let mut sent = Vec::new();
    for i in 1..=3 {
        sent.push(id_of(
            &alice
                .send_to(direct, &format!("news {i}"), &format!("a-{i}"))
                .await,
        ));
    }
    for tab in [&mut bob, &mut bob_tab] {
        for id in &sent {
            assert_eq!(next_message(tab).await["id"], id.as_str());
        }
    }
    let unread = inbox_entry(&mut bob, direct)
        .await
        .expect("the direct conversation");
    assert_eq!(
        (
            unread["kind"].as_str(),
            unread["with"]["username"].as_str(),
            unread["with"]["online"].as_bool(),
            unread["unread"].as_u64(),
            unread["lastMessage"]["preview"].as_str()
        ),
        (
            Some("direct"),
            Some("alice"),
            Some(true),
            Some(3),
            Some("news 3")
        ),
        "{unread}"
    );
    assert!(
        unread.get("readMessageId").is_none(),
        "bob read nothing yet: {unread}"
    );

    // Tab 1 reads up to the second message: tab 2 and alice hear of it.
    let marked = bob
        .request(
            json!({"action": "markRead", "conversationId": direct, "messageId": sent[1], "requestId": "m-1"}),
            "readState",
        )
        .await;
    assert_eq!(
        marked,
        json!({"type": "readState", "conversationId": direct, "username": "bob", "messageId": sent[1], "requestId": "m-1"})
    );
    let told = json!({"type": "readState", "conversationId": direct, "username": "bob", "messageId": sent[1]});
    assert_eq!(bob_tab.next_of_type("readState").await, told);
    assert_eq!(alice.next_of_type("readState").await, told);
    let entry = inbox_entry(&mut bob_tab, direct).await.expect("listed");
    assert_eq!(
        (entry["unread"].as_u64(), entry["readMessageId"].as_str()),
        (Some(1), Some(sent[1].as_str()))
    );

    bob_tab
        .request(
            json!({"action": "markRead", "conversationId": direct, "messageId": sent[2]}),
            "readState",
        )
        .await;
    assert_eq!(
        bob.next_of_type("readState").await["messageId"],
        sent[2].as_str()
    );
    assert_eq!(
        alice.next_of_type("readState").await["messageId"],
        sent[2].as_str()
    );
    assert_eq!(
        inbox_entry(&mut bob, direct).await.expect("listed")["unread"],
        0
    );
    assert_eq!(
        inbox_entry(&mut alice, direct).await.expect("listed")["otherReadMessageId"],
        sent[2].as_str(),
        "alice sees how far bob read"
    );

    // Backwards: the answer is the later read point, and nobody is told.
    let back = bob
        .request(
            json!({"action": "markRead", "conversationId": direct, "messageId": sent[0]}),
            "readState",
        )
        .await;
    assert_eq!(back["messageId"], sent[2].as_str(), "{back}");
    assert_eq!(
        events_of_type(&mut bob_tab, "readState").await,
        Vec::<Value>::new()
    );
    assert_eq!(
        events_of_type(&mut alice, "readState").await,
        Vec::<Value>::new()
    );

    // A malformed id, a well-formed id of no message, a message of another conversation.
    let elsewhere = id_of(&alice.send_to("dm#alice#carol", "not for bob", "a-x").await);
    carol.next_of_type("message").await;
    for message_id in [
        "not-an-id",
        "01JDQ8Z7W4K3M2N1P0Q9R8S7T6",
        elsewhere.as_str(),
    ] {
        let refused = bob
            .request(
                json!({"action": "markRead", "conversationId": direct, "messageId": message_id, "requestId": "bad"}),
                "readState",
            )
            .await;
        assert_eq!(
            (refused["code"].as_str(), refused["requestId"].as_str()),
            (Some("invalid_message_id"), Some("bad")),
            "{message_id}: {refused}"
        );
    }

    // In a room a read reaches only the reader's own connections.
    let room = create_room(&mut alice, "Readers", &["bob"]).await;
    let room_id = room["room"]["conversationId"].as_str().unwrap().to_owned();
    let in_room = id_of(&alice.send_to(&room_id, "read me", "a-r").await);
    bob.next_of_type("message").await;
    bob_tab.next_of_type("message").await;
    bob.request(
        json!({"action": "markRead", "conversationId": room_id, "messageId": in_room}),
        "readState",
    )
    .await;
    assert_eq!(
        bob_tab.next_of_type("readState").await["conversationId"],
        room_id.as_str()
    );
    assert_eq!(
        events_of_type(&mut alice, "readState").await,
        Vec::<Value>::new()
    );
    let members = alice
        .request(
            json!({"action": "getMembers", "conversationId": room_id}),
            "members",
        )
        .await;
    assert_eq!(
        members["members"][1],
        json!({"username": "bob", "role": "member", "readMessageId": in_room, "online": true}),
        "the room's members show how far each read"
    );
}

#[tokio::test]
async fn presence_reaches_direct_partners_and_watchers_but_no_one_else() {
    let stack = stack().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        connect_all(&stack, ["alice", "bob", "carol", "dave"]).await;
    // bob talks with alice directly; carol shares only a room with her; dave shares nothing.
    alice.send_message("bob", "hi", "a-1").await;
    bob.next_of_type("message").await;
    let room = create_room(&mut carol, "Ops", &["alice"]).await;
    let room_id = room["room"]["conversationId"].as_str().unwrap().to_owned();
    alice.next_of_type("membership").await;

    let watched = carol
        .request(
            json!({"action": "watchPresence", "conversationId": room_id, "usernames": ["Alice"], "requestId": "w-1"}),
            "watched",
        )
        .await;
    assert_eq!(
        watched,
        json!({"type": "watched", "conversationId": room_id, "users": [{"username": "alice", "online": true}], "requestId": "w-1"})
    );
    let outsider = dave
        .request(
            json!({"action": "watchPresence", "conversationId": room_id, "usernames": ["alice"]}),
            "watched",
        )
        .await;
    assert_eq!(outsider["code"], "not_a_member", "{outsider}");
    let not_in_room = carol
        .request(
            json!({"action": "watchPresence", "conversationId": room_id, "usernames": ["dave"]}),
            "watched",
        )
        .await;
    assert_eq!(not_in_room["code"], "not_a_member", "{not_in_room}");

    alice.close().await;
    for told in [&mut bob, &mut carol] {
        let presence = told.next_of_type("presence").await;
        assert_eq!(
            (
                presence["user"]["username"].as_str(),
                presence["user"]["online"].as_bool()
            ),
            (Some("alice"), Some(false)),
            "{}: {presence}",
            told.username
        );
        assert!(
            presence["user"]["lastSeen"].as_i64().unwrap_or(0) > 0,
            "{presence}"
        );
    }
    let mut alice = Client::connect(&stack, "alice").await;
    for told in [&mut bob, &mut carol] {
        let presence = told.next_of_type("presence").await;
        assert_eq!(
            (
                presence["user"]["username"].as_str(),
                presence["user"]["online"].as_bool()
            ),
            (Some("alice"), Some(true)),
            "{}: {presence}",
            told.username
        );
    }
    assert_eq!(
        events_of_type(&mut dave, "presence").await,
        Vec::<Value>::new(),
        "dave shares no conversation with alice"
    );
    // Nor does anyone hear about dave, nor bob about carol (they share nothing).
    dave.close().await;
    assert_eq!(
        events_of_type(&mut alice, "presence").await,
        Vec::<Value>::new()
    );
    carol.close().await;
    assert_eq!(
        events_of_type(&mut bob, "presence").await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn people_are_found_by_name_prefix_a_page_at_a_time() {
    let stack = stack().await;
    let mut clients = connect_all(&stack, ["bob", "carol", "Carla", "caroline", "carmen"]).await;
    let bob = &mut clients[0];

    let first = bob
        .request(
            json!({"action": "searchPeople", "prefix": "CAR", "limit": 3, "requestId": "s-1"}),
            "people",
        )
        .await;
    assert_eq!(first["type"], "people", "{first}");
    assert_eq!(first["requestId"], "s-1");
    assert_eq!(
        first["users"],
        json!([{"username": "Carla"}, {"username": "carmen"}, {"username": "carol"}]),
        "name order, case aside; no presence"
    );
    let cursor = first["nextCursor"].clone();
    assert!(cursor.is_string(), "{first}");
    let second = bob
        .request(
            json!({"action": "searchPeople", "prefix": "car", "limit": 3, "cursor": cursor}),
            "people",
        )
        .await;
    assert_eq!(second["users"], json!([{"username": "caroline"}]));
    assert_eq!(second["nextCursor"], Value::Null);

    let narrower = bob
        .request(
            json!({"action": "searchPeople", "prefix": "caro"}),
            "people",
        )
        .await;
    assert_eq!(
        narrower["users"],
        json!([{"username": "carol"}, {"username": "caroline"}])
    );
    let nobody = bob
        .request(json!({"action": "searchPeople", "prefix": "zed"}), "people")
        .await;
    assert_eq!(
        (nobody["users"].clone(), nobody["nextCursor"].clone()),
        (json!([]), Value::Null)
    );
    for prefix in ["", "a b", &"c".repeat(33)] {
        let refused = bob
            .request(
                json!({"action": "searchPeople", "prefix": prefix}),
                "people",
            )
            .await;
        assert_eq!(refused["code"], "invalid_prefix", "{prefix:?}: {refused}");
    }
    let refused = bob
        .request(
            json!({"action": "searchPeople", "prefix": "c", "limit": 51}),
            "people",
        )
        .await;
    assert_eq!(refused["code"], "invalid_limit", "{refused}");
}

#[tokio::test]
async fn roles_decide_who_renames_and_ownership_moves_by_hand_over() {
    let stack = stack().await;
    let [mut alice, mut bob, mut carol] = connect_all(&stack, ["alice", "bob", "carol"]).await;
    let room = create_room(&mut alice, "Team", &["bob"]).await;
    let room_id = room["room"]["conversationId"].as_str().unwrap().to_owned();
    bob.next_of_type("membership").await;

    let refused = bob
        .request(
            json!({"action": "renameRoom", "conversationId": room_id, "name": "Mine"}),
            "room",
        )
        .await;
    assert_eq!(refused["code"], "forbidden_role", "{refused}");
    let refused = alice
        .request(
            json!({"action": "removeMember", "conversationId": room_id, "username": "alice"}),
            "membership",
        )
        .await;
    assert_eq!(refused["code"], "owner_must_transfer", "{refused}");

    let handed = alice
        .request(
            json!({"action": "setRole", "conversationId": room_id, "username": "bob", "role": "owner"}),
            "membership",
        )
        .await;
    assert_eq!(
        (
            handed["change"].as_str(),
            handed["users"].clone(),
            handed["role"].as_str(),
            handed["by"].as_str()
        ),
        (Some("role"), json!(["bob"]), Some("owner"), Some("alice")),
        "{handed}"
    );
    assert_eq!(bob.next_of_type("membership").await["change"], "role");

    let renamed = bob
        .request(
            json!({"action": "renameRoom", "conversationId": room_id, "name": "Bob's team"}),
            "room",
        )
        .await;
    assert_eq!(renamed["room"]["name"], "Bob's team", "{renamed}");
    assert_eq!(
        alice.next_of_type("room").await["room"]["name"],
        "Bob's team"
    );

    // alice, an admin now, adds carol, who hears of it; adding her again adds nobody.
    let added = alice
        .request(
            json!({"action": "addMembers", "conversationId": room_id, "usernames": ["carol"]}),
            "membership",
        )
        .await;
    assert_eq!(
        (
            added["change"].as_str(),
            added["users"].clone(),
            added["room"]["memberCount"].as_u64()
        ),
        (Some("added"), json!(["carol"]), Some(3)),
        "{added}"
    );
    assert_eq!(
        carol.next_of_type("membership").await["users"],
        json!(["carol"])
    );
    let again = alice
        .request(
            json!({"action": "addMembers", "conversationId": room_id, "usernames": ["CAROL"]}),
            "membership",
        )
        .await;
    assert_eq!(again["users"], json!([]), "{again}");

    // carol leaves on her own.
    let left = carol
        .request(
            json!({"action": "removeMember", "conversationId": room_id, "username": "carol"}),
            "membership",
        )
        .await;
    assert_eq!(
        (
            left["change"].as_str(),
            left["by"].as_str(),
            left["room"]["memberCount"].as_u64()
        ),
        (Some("left"), Some("carol"), Some(2)),
        "{left}"
    );
    let members = bob
        .request(
            json!({"action": "getMembers", "conversationId": room_id}),
            "members",
        )
        .await;
    let roles: HashMap<&str, &str> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, HashMap::from([("alice", "admin"), ("bob", "owner")]));
}
