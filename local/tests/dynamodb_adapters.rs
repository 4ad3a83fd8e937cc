//! The DynamoDB adapters against AWS's DynamoDB Local, on tables created from `shared/tables.json`:
//! the key design, GSI pagination, the conditional idempotent put, the TTL attribute, profile
//! pictures and attachments; rooms, memberships, read points and presence watches in
//! [`conversations`]; edits, deletions, reactions, replies and the typing gate in [`lifecycle`].

// A test crate's root takes its modules from `tests/`, where every file is a test binary.
#[path = "dynamodb_adapters/conversations.rs"]
mod conversations;
#[path = "dynamodb_adapters/lifecycle.rs"]
mod lifecycle;
mod support;

use aws_sdk_dynamodb::types::AttributeValue;
use chat_domain::DynamoStore;
use chat_domain::conversation::ConversationId;
use chat_domain::identity::Identity;
use chat_domain::media::{Attachment, FileName, MediaKey, MediaType};
use chat_domain::model::{Connection, HistoryCursor, Message, PutOutcome};
use chat_domain::ports::{
    AttachOutcome, ConnectionCleanup, ConnectionStore, MessageHistory, MessageWriter, ProfileStore,
    UserDirectory, UserLookup, UserSessions,
};
use chat_domain::rules::{
    CONNECTION_TTL_SECS, ClientMessageId, Clock, PageLimit, SystemClock, Username, new_message_id,
};
use local_stack::stack::{self, ensure_tables};
use support::{dynamodb, fresh_tables};

async fn store() -> (
    DynamoStore,
    aws_sdk_dynamodb::Client,
    chat_domain::TableNames,
) {
    let sdk = stack::local_sdk_config().expect("local SDK configuration");
    let client = stack::dynamodb_client(&sdk, &dynamodb().endpoint());
    let tables = fresh_tables();
    ensure_tables(&client, &tables).await.unwrap();
    (
        DynamoStore::new(client.clone(), tables.clone()),
        client,
        tables,
    )
}

fn account(name: &str, sub: &str) -> Identity {
    Identity {
        sub: sub.to_owned(),
        username: user(name),
    }
}

fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

fn message(from: &str, to: &str, n: u32, at: i64) -> Message {
    let (from, to) = (user(from), user(to));
    Message {
        id: new_message_id(at),
        conversation_id: ConversationId::direct(&from.key(), &to.key()),
        from,
        to: Some(to),
        text: format!("message {n}"),
        attachment: None,
        sent_at: at,
        client_message_id: ClientMessageId::parse(&format!("m-{n}")).unwrap(),
        edited_at: None,
        deleted: None,
        reply_to: None,
        reactions: Vec::new(),
    }
}

#[tokio::test]
async fn tables_have_the_key_schema_index_and_ttl_of_tables_json() {
    let (_store, client, tables) = store().await;
    let messages = client
        .describe_table()
        .table_name(&tables.messages)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let key_names = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| {
        schema
            .iter()
            .map(|k| k.attribute_name().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        key_names(messages.key_schema()),
        ["conversationId", "dedupKey"]
    );
    let index = &messages.global_secondary_indexes()[0];
    assert_eq!(index.index_name(), Some("byConversation"));
    assert_eq!(
        key_names(index.key_schema()),
        ["conversationId", "messageId"]
    );

    let conversations = client
        .describe_table()
        .table_name(&tables.conversations)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(key_names(conversations.key_schema()), ["pk", "sk"]);
    let by_member = &conversations.global_secondary_indexes()[0];
    assert_eq!(by_member.index_name(), Some("byMember"));
    assert_eq!(
        key_names(by_member.key_schema()),
        ["member", "conversationId"]
    );

    let ttl = client
        .describe_time_to_live()
        .table_name(&tables.clients)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description.unwrap();
    assert_eq!(ttl.attribute_name(), Some("expiresAt"));
}

#[tokio::test]
async fn connections_and_users_live_at_the_documented_keys() {
    let (store, client, tables) = store().await;
    let alice = user("Alice");
    let connection = Connection {
        connection_id: "c1".into(),
        username: alice.clone(),
        // Now, not a fixed date: DynamoDB Local's TTL sweeper deletes an item whose
        // `expiresAt` has passed, whenever it runs.
        connected_at: SystemClock.now_millis(),
    };

    assert_eq!(
        store
            .attach_connection(&account("Alice", "sub-1"), "c1")
            .await
            .unwrap(),
        AttachOutcome::Attached(None),
        "first sign-in"
    );
    store.save_connection(&connection).await.unwrap();
    let AttachOutcome::Attached(Some(before)) = store
        .attach_connection(&account("ALICE", "sub-1"), "c2")
        .await
        .unwrap()
    else {
        panic!("the same account's second connection is attached");
    };
    assert_eq!(
        (before.username.as_str(), before.connection_ids.as_slice()),
        ("Alice", ["c1".to_owned()].as_slice())
    );
    assert_eq!(
        store
            .attach_connection(&account("alice", "sub-2"), "c9")
            .await
            .unwrap(),
        AttachOutcome::NameTaken,
        "another account with the same name (case aside) is refused"
    );

    let raw = client
        .get_item()
        .table_name(&tables.clients)
        .key("pk", AttributeValue::S("CONNECTION#c1".into()))
        .key("sk", AttributeValue::S("CONNECTION".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires_at: i64 = raw["expiresAt"].as_n().unwrap().parse().unwrap();
    assert_eq!(
        expires_at,
        connection.connected_at / 1000 + CONNECTION_TTL_SECS,
        "TTL in epoch seconds, past API Gateway's 2 h"
    );
    assert_eq!(raw["username"].as_s().unwrap(), "Alice");

    let after = store
        .detach_connection(&alice.key(), "c1", 42)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.connection_ids, after.last_seen),
        (vec!["c2".to_owned()], Some(42))
    );
    let offline = store
        .detach_connection(&alice.key(), "c2", 43)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !offline.is_online(),
        "the set attribute disappears with its last member"
    );
    assert_eq!(
        store
            .detach_connection(&user("nobody").key(), "c9", 44)
            .await
            .unwrap(),
        None,
        "no user is created"
    );
    assert_eq!(
        store.delete_connection("c1").await.unwrap(),
        Some(connection)
    );
    assert_eq!(store.delete_connection("c1").await.unwrap(), None);

    store
        .attach_connection(&account("bob", "sub-3"), "c3")
        .await
        .unwrap();
    let listed: Vec<String> = store
        .search_users("", 10, None)
        .await
        .unwrap()
        .users
        .into_iter()
        .map(|u| u.username.to_string())
        .collect();
    assert_eq!(
        listed,
        ["Alice", "bob"],
        "the nobody user was never created"
    );
    let found = store
        .users(&[user("bob").key(), user("bob").key(), user("ghost").key()])
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "duplicate keys are asked once; missing users are absent"
    );
}

#[tokio::test]
async fn a_second_put_with_the_same_sender_and_client_id_returns_the_original() {
    let (store, _client, _tables) = store().await;
    let original = message("alice", "bob", 1, 1_000);
    let mut retry = message("alice", "bob", 1, 2_000);
    retry.text = "changed on retry".into();

    assert_eq!(
        store.put_message(&original).await.unwrap(),
        PutOutcome::Stored
    );
    assert_eq!(
        store.put_message(&retry).await.unwrap(),
        PutOutcome::Duplicate(Box::new(original.clone()))
    );
    let other_sender = message("bob", "alice", 1, 3_000);
    assert_eq!(
        store.put_message(&other_sender).await.unwrap(),
        PutOutcome::Stored,
        "ids are per sender"
    );
}

#[tokio::test]
async fn history_pages_through_250_messages_of_both_directions_newest_first() {
    let (store, _client, _tables) = store().await;
    let mut stored = Vec::new();
    for n in 0..250 {
        let (from, to) = if n % 2 == 0 {
            ("alice", "bob")
        } else {
            ("Bob", "Alice")
        };
        let m = message(from, to, n, 1_764_000_000_000 + i64::from(n));
        store.put_message(&m).await.unwrap();
        stored.push(m);
    }
    store
        .put_message(&message("alice", "carol", 999, 1_764_000_000_500))
        .await
        .unwrap();

    let conversation = ConversationId::direct(&user("bob").key(), &user("alice").key());
    let mut cursor: Option<HistoryCursor> = None;
    let mut pages = Vec::new();
    loop {
        let page = store
            .message_page(&conversation, PageLimit::new(100).unwrap(), cursor.as_ref())
            .await
            .unwrap();
        pages.push(page.messages.len());
        stored.retain(|m| !page.messages.contains(m));
        let ids: Vec<&String> = page.messages.iter().map(|m| &m.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(ids, sorted, "newest first");
        // Cursors survive the trip through a client.
        cursor = page
            .next
            .map(|c| HistoryCursor::decode(&c.encode()).unwrap());
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, [100, 100, 50]);
    assert!(stored.is_empty(), "every message listed exactly once");
}

#[tokio::test]
async fn a_profile_picture_is_set_and_removed_on_the_user_item_only() {
    let (store, _client, _tables) = store().await;
    let alice = user("Alice");
    store
        .attach_connection(&account("Alice", "sub-1"), "c1")
        .await
        .unwrap();
    let picture = MediaKey::new_avatar(alice.key(), MediaType::Webp);

    let set = store
        .set_avatar(&alice.key(), Some(&picture))
        .await
        .unwrap()
        .expect("alice exists");
    assert_eq!(set.avatar_key, Some(picture.clone()));
    assert_eq!(set.connection_ids, ["c1"], "the rest of the user is kept");
    let listed = store.users(&[alice.key()]).await.unwrap();
    assert_eq!(listed[0].avatar_key, Some(picture));

    let removed = store.set_avatar(&alice.key(), None).await.unwrap().unwrap();
    assert_eq!(removed.avatar_key, None);
    assert_eq!(
        store.set_avatar(&user("nobody").key(), None).await.unwrap(),
        None,
        "no user is created"
    );
    assert_eq!(
        store.search_users("", 10, None).await.unwrap().users.len(),
        1
    );
}

#[tokio::test]
async fn an_attachment_is_stored_with_its_message_and_read_back_in_history() {
    let (store, _client, _tables) = store().await;
    let mut with_file = message("alice", "bob", 1, 1_000);
    with_file.text = String::new();
    with_file.attachment = Some(
        Attachment::new(
            MediaKey::new_attachment(user("alice").key(), user("bob").key(), MediaType::Pdf),
            FileName::parse("minutes.pdf").unwrap(),
            "application/pdf",
            4096,
        )
        .unwrap(),
    );
    store.put_message(&with_file).await.unwrap();
    let plain = message("bob", "alice", 2, 2_000);
    store.put_message(&plain).await.unwrap();

    let page = store
        .message_page(&with_file.conversation_id, PageLimit::default(), None)
        .await
        .unwrap();

    assert_eq!(page.messages, [plain, with_file]);
}
