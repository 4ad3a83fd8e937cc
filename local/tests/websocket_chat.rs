//! The chat end to end: real WebSocket clients, the local gateway running the route handlers, and
//! DynamoDB Local.

mod support;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use chat_domain::DynamoStore;
use chat_domain::identity::Identity;
use chat_domain::model::Connection;
use chat_domain::ports::{ConnectionStore, UserLookup, UserSessions};
use chat_domain::rules::Username;
use local_stack::gateway::Limits;
use serde_json::{Value, json};
use support::{Client, connection_record, fresh_tables, stack, stack_user_sub, stack_with};
use tokio_tungstenite::tungstenite::Message;

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn two_users_chat_both_ways_and_then_see_each_other_come_and_go() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "Alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    let ack = alice.send_message("bob", "hi bob", "a-1").await;
    let received = bob.next_of_type("message").await;
    assert_eq!(
        received["message"], ack["message"],
        "the recipient gets the stored message"
    );
    assert_eq!(received["message"]["from"], "Alice");

    bob.send_message("ALICE", "hi alice", "b-1").await;
    let reply = alice.next_of_type("message").await;
    assert_eq!(
        (
            reply["message"]["from"].as_str(),
            reply["message"]["text"].as_str()
        ),
        (Some("bob"), Some("hi alice"))
    );

    // Now that they share a conversation, each sees the other come and go.
    bob.close().await;
    let gone = alice.next_of_type("presence").await;
    assert_eq!(
        (
            gone["user"]["username"].as_str(),
            gone["user"]["online"].as_bool()
        ),
        (Some("bob"), Some(false)),
        "{gone}"
    );
    let _bob = Client::connect(&stack, "bob").await;
    let back = alice.next_of_type("presence").await;
    assert_eq!(
        (
            back["user"]["username"].as_str(),
            back["user"]["online"].as_bool()
        ),
        (Some("bob"), Some(true)),
        "{back}"
    );
    let inbox = alice
        .request(json!({"action": "getConversations"}), "conversations")
        .await;
    let with = &inbox["conversations"][0]["with"];
    assert_eq!(
        (with["username"].as_str(), with["online"].as_bool()),
        (Some("bob"), Some(true)),
        "the inbox shows the partner's presence: {inbox}"
    );
}

#[tokio::test]
async fn every_tab_of_a_user_gets_every_message() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob_phone = Client::connect(&stack, "bob").await;
    let mut bob_laptop = Client::connect(&stack, "bob").await;

    alice.send_message("bob", "to both tabs", "a-1").await;
    for tab in [&mut bob_phone, &mut bob_laptop] {
        assert_eq!(
            tab.next_of_type("message").await["message"]["text"],
            "to both tabs"
        );
    }

    let ack = bob_phone
        .send_message("alice", "from the phone", "b-1")
        .await;
    assert_eq!(
        alice.next_of_type("message").await["message"]["id"],
        ack["message"]["id"]
    );
    let copy = bob_laptop.next_of_type("message").await;
    assert_eq!(
        copy["message"]["id"], ack["message"]["id"],
        "the sender's other tab stays in sync"
    );
    bob_phone.expect_no_message(QUIET).await;
}

#[tokio::test]
async fn history_pages_back_through_250_messages_in_both_directions() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    let mut sent = Vec::new();
    for i in 0..250 {
        let (sender, to) = if i % 3 == 0 {
            (&mut bob, "alice")
        } else {
            (&mut alice, "bob")
        };
        let ack = sender
            .send_message(to, &format!("message {i}"), &format!("m-{i}"))
            .await;
        sent.push(ack["message"]["id"].as_str().unwrap().to_owned());
    }

    let mut pages = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = bob
            .request(
                json!({"action": "getMessages", "with": "Alice", "limit": 100, "cursor": cursor}),
                "messages",
            )
            .await;
        assert_eq!(page["type"], "messages", "{page}");
        let ids: Vec<String> = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        pages.push(ids);
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            break;
        }
    }

    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    let listed: Vec<String> = pages.concat();
    let mut newest_first = sent.clone();
    newest_first.reverse();
    assert_eq!(
        listed, newest_first,
        "every message once, newest first, across pages"
    );
}

#[tokio::test]
async fn a_retried_send_is_stored_once() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    let first = alice.send_message("bob", "only once", "same-id").await;
    let retry = alice.send_message("bob", "only once", "same-id").await;

    assert_eq!(
        (first["duplicate"].as_bool(), retry["duplicate"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(retry["message"], first["message"]);
    let page = bob
        .request(
            json!({"action": "getMessages", "with": "alice"}),
            "messages",
        )
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_stale_connection_is_cleaned_up_on_the_next_send_and_the_sender_still_gets_the_ack() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    // A connection API Gateway no longer knows but the table still lists (a lost $disconnect).
    let store = DynamoStore::new(stack.dynamodb.clone(), stack.tables.clone());
    let bob_name = Username::parse("bob").unwrap();
    let bob_sub = stack_user_sub(&stack, "bob").await;
    let bob_identity = Identity {
        sub: bob_sub,
        username: bob_name.clone(),
    };
    store
        .attach_connection(&bob_identity, "dead-socket")
        .await
        .unwrap();
    store
        .save_connection(&Connection {
            connection_id: "dead-socket".into(),
            username: bob_name.clone(),
            connected_at: 1,
        })
        .await
        .unwrap();

    alice.send_message("bob", "are you there?", "a-1").await;

    assert_eq!(
        bob.next_of_type("message").await["message"]["text"],
        "are you there?"
    );
    let bob_user = store.users(&[bob_name.key()]).await.unwrap().remove(0);
    assert_eq!(
        bob_user.connection_ids.len(),
        1,
        "only the live socket remains: {:?}",
        bob_user.connection_ids
    );
    assert!(!bob_user.connection_ids.contains(&"dead-socket".to_owned()));
    assert_eq!(connection_record(&stack, "dead-socket").await, None);
}

#[tokio::test]
async fn bad_input_gets_documented_errors_and_the_connection_stays_open() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    alice.send_raw(Message::Text("{not json".into())).await;
    assert_eq!(alice.next_of_type("error").await["code"], "invalid_json");
    alice.send(json!({"action": "dance"})).await;
    let unknown = alice.next_of_type("error").await;
    assert_eq!(unknown["code"], "unknown_action");
    assert!(unknown["message"].as_str().unwrap().contains("dance"));
    let retired = alice
        .request(json!({"action": "getClients"}), "clients")
        .await;
    assert_eq!(
        retired["code"], "unknown_action",
        "getClients is retired: {retired}"
    );
    alice.send(json!({"action": "sendMessage", "to": "bob", "text": "x".repeat(4001), "clientMessageId": "long"})).await;
    let too_long = alice.next_of_type("error").await;
    assert_eq!(
        (
            too_long["code"].as_str(),
            too_long["clientMessageId"].as_str()
        ),
        (Some("text_too_long"), Some("long"))
    );
    alice.send(json!({"action": "ping"})).await;
    assert_eq!(alice.next_of_type("pong").await, json!({"type": "pong"}));

    // Still open and working, and bob never noticed.
    alice.send_message("bob", "still here", "a-1").await;
    assert_eq!(
        bob.next_of_type("message").await["message"]["text"],
        "still here"
    );
}

#[tokio::test]
async fn a_frame_over_32_kb_closes_only_that_socket_with_1009() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    alice
        .send_raw(Message::Text("x".repeat(33 * 1024).into()))
        .await;
    assert_eq!(alice.closed_with().await, Some(1009));

    let mut carol = Client::connect(&stack, "carol").await;
    bob.send_message("carol", "others are unaffected", "b-1")
        .await;
    assert_eq!(
        carol.next_of_type("message").await["message"]["text"],
        "others are unaffected"
    );
}

#[tokio::test]
async fn leaving_marks_the_user_offline_with_last_seen_for_their_partners() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    // Presence reaches the users one has a direct conversation with, so they talk first.
    bob.send_message("alice", "bye soon", "b-1").await;
    alice.next_of_type("message").await;

    bob.close().await;

    let presence = alice.next_of_type("presence").await;
    assert_eq!(presence["user"]["username"], "bob");
    assert_eq!(presence["user"]["online"], false);
    assert!(presence["user"]["lastSeen"].as_i64().unwrap() > 0);
    let inbox = alice
        .request(json!({"action": "getConversations"}), "conversations")
        .await;
    assert_eq!(
        inbox["conversations"][0]["with"], presence["user"],
        "{inbox}"
    );
}

#[tokio::test]
async fn idle_and_overlong_connections_are_closed_and_disconnected() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(600),
        max_connection_duration: Duration::from_millis(1500),
        ..Limits::default()
    };
    let stack = stack_with(limits, &support::dynamodb().endpoint(), fresh_tables()).await;

    let mut idle = Client::connect(&stack, "idle").await;
    assert_eq!(idle.closed_with().await, Some(1001));

    let mut chatty = Client::connect(&stack, "chatty").await;
    let started = std::time::Instant::now();
    let code = loop {
        chatty.send(json!({"action": "ping"})).await;
        tokio::select! {
            code = chatty.closed_with() => break code,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    };
    assert_eq!(code, Some(1001));
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "pings kept it open until the maximum duration"
    );

    // $disconnect ran for both: of the members of a room with them, only the observer is online.
    let mut observer = Client::connect(&stack, "observer").await;
    let room = observer
        .request(
            json!({"action": "createRoom", "name": "check", "members": ["idle", "chatty"]}),
            "room",
        )
        .await;
    assert_eq!(room["type"], "room", "{room}");
    let members = observer
        .request(
            json!({"action": "getMembers", "conversationId": room["room"]["conversationId"]}),
            "members",
        )
        .await;
    let online: Vec<&Value> = members["members"]
        .as_array()
        .unwrap_or_else(|| panic!("members: {members}"))
        .iter()
        .filter(|u| u["online"] == true)
        .map(|u| &u["username"])
        .collect();
    assert_eq!(online, [&json!("observer")], "{members}");
}

#[tokio::test]
async fn the_management_api_answers_the_real_sdk_client_like_api_gateway() {
    let stack = stack().await;
    let mut bob = Client::connect(&stack, "bob").await;
    let sdk = local_stack::stack::local_sdk_config().expect("local SDK configuration");
    let management =
        chat_domain::config::management_client(&sdk, &stack.gateway.management_endpoint());
    let key = std::collections::HashMap::from([
        ("pk".to_owned(), AttributeValue::S("USERS".into())),
        ("sk".to_owned(), AttributeValue::S("USER#bob".into())),
    ]);
    let user = stack
        .dynamodb
        .get_item()
        .table_name(&stack.tables.clients)
        .set_key(Some(key))
        .send()
        .await
        .unwrap();
    let bob_id = match user.item.unwrap().remove("connectionIds") {
        Some(AttributeValue::Ss(ids)) => ids[0].clone(),
        other => panic!("{other:?}"),
    };

    let info = management
        .get_connection()
        .connection_id(&bob_id)
        .send()
        .await
        .unwrap();
    assert!(info.connected_at.is_some());
    assert_eq!(
        info.identity.unwrap().source_ip.as_deref(),
        Some("127.0.0.1")
    );

    management
        .post_to_connection()
        .connection_id(&bob_id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(
            r#"{"type":"pong"}"#,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bob.next_event().await, json!({"type": "pong"}));

    let gone = management
        .get_connection()
        .connection_id("no-such-id")
        .send()
        .await
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_gone_exception()),
        "{gone:?}"
    );

    management
        .delete_connection()
        .connection_id(&bob_id)
        .send()
        .await
        .unwrap();
    assert_eq!(bob.closed_with().await, Some(1000));
    let post = management
        .post_to_connection()
        .connection_id(&bob_id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new("late"))
        .send()
        .await
        .unwrap_err();
    assert!(
        post.as_service_error()
            .is_some_and(|e| e.is_gone_exception())
    );
}

#[tokio::test]
async fn conversations_are_named_by_id_and_only_their_members_may_use_them() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "Alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    let mut carol = Client::connect(&stack, "carol").await;

    let ack = alice
        .request(
            json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": "by id", "clientMessageId": "a-1"}),
            "messageAck",
        )
        .await;
    assert_eq!(ack["message"]["conversationId"], "dm#alice#bob");
    assert_eq!(ack["message"]["to"], "bob");
    assert_eq!(
        bob.next_of_type("message").await["message"]["text"],
        "by id"
    );

    let page = bob
        .request(
            json!({"action": "getMessages", "conversationId": "dm#alice#bob"}),
            "messages",
        )
        .await;
    assert_eq!(
        (page["conversationId"].as_str(), page["with"].as_str()),
        (Some("dm#alice#bob"), Some("alice"))
    );
    assert_eq!(page["messages"][0]["id"], ack["message"]["id"]);

    // Knowing the id grants nothing: carol can neither post into nor read the conversation.
    for request in [
        json!({"action": "sendMessage", "conversationId": "dm#alice#bob", "text": "let me in", "clientMessageId": "c-1"}),
        json!({"action": "getMessages", "conversationId": "dm#alice#bob"}),
        json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "dm#alice#bob", "contentType": "image/png", "size": 10}),
    ] {
        let refused = carol.request(request.clone(), "error").await;
        assert_eq!(refused["code"], "not_a_member", "{request}");
    }
    let malformed = carol
        .request(
            json!({"action": "getMessages", "conversationId": "dm#bob#alice"}),
            "error",
        )
        .await;
    assert_eq!(malformed["code"], "invalid_conversation");
    alice.expect_no_message(QUIET).await;
    bob.expect_no_message(QUIET).await;
    assert_eq!(
        carol.request(json!({"action": "ping"}), "pong").await["type"],
        "pong",
        "the connection stays open"
    );
}
