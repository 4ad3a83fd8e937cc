//! Rooms, memberships, read points, the inbox's reads, the directory and presence watches against
//! DynamoDB Local.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use chat_domain::DynamoStore;
use chat_domain::conversation::ConversationId;
use chat_domain::media::{Attachment, FileName, MediaKey, MediaType};
use chat_domain::model::{Member, Message, ReadAdvance, Room};
use chat_domain::ports::{
    AddMembersOutcome, ConversationActivity, ConversationBatchLookup, ConversationLookup,
    MemberListing, MembershipIndex, MessageHistory, MessageWriter, PresenceAudience,
    PresenceWatches, RoomAdministration, RoomCreation, UserDirectory, UserSessions,
};
use chat_domain::rooms::Role;
use chat_domain::rules::{ClientMessageId, PageLimit, UserKey, new_message_id};

use super::{account, message, store, user};

const AT: i64 = 1_764_000_000_000;

fn key(name: &str) -> UserKey {
    user(name).key()
}

fn new_room(name: &str, by: &str, at: i64) -> Room {
    Room {
        id: ConversationId::new_room(at),
        name: name.to_owned(),
        created_by: user(by),
        created_at: at,
        member_count: 0,
    }
}

fn member(room: &ConversationId, name: &str, role: Role) -> Member {
    Member {
        conversation_id: room.clone(),
        username: user(name),
        role,
        joined_at: AT,
        read_message_id: None,
    }
}

/// A room created by `owner` with `others` as members.
async fn seeded_room(store: &DynamoStore, owner: &str, others: &[&str], at: i64) -> Room {
    let room = new_room("Team", owner, at);
    let mut members = vec![member(&room.id, owner, Role::Owner)];
    members.extend(
        others
            .iter()
            .map(|name| member(&room.id, name, Role::Member)),
    );
    store.create_room(&room, &members).await.unwrap();
    store
        .room(&room.id)
        .await
        .unwrap()
        .expect("the room exists")
}

fn room_message(room: &ConversationId, from: &str, n: u32, at: i64) -> Message {
    Message {
        id: new_message_id(at),
        conversation_id: room.clone(),
        from: user(from),
        to: None,
        text: format!("room message {n}"),
        attachment: None,
        sent_at: at,
        client_message_id: ClientMessageId::parse(&format!("r-{n}")).unwrap(),
        edited_at: None,
        deleted: None,
        reply_to: None,
        reactions: Vec::new(),
    }
}

fn names(members: &[Member]) -> Vec<&str> {
    members.iter().map(|m| m.username.as_str()).collect()
}

#[tokio::test]
async fn a_room_is_created_with_its_members_renamed_and_its_roles_set() {
    let (store, client, tables) = store().await;
    let room = new_room("Team", "Alice", AT);
    let members = [
        member(&room.id, "Alice", Role::Owner),
        member(&room.id, "bob", Role::Member),
        member(&room.id, "Carol", Role::Admin),
        member(&room.id, "BOB", Role::Admin),
    ];
    store.create_room(&room, &members).await.unwrap();

    let stored = store.room(&room.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Room {
            member_count: 3,
            ..room.clone()
        },
        "a user named twice is one member"
    );
    let owner = store
        .member(&room.id, &key("alice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (owner.username.as_str(), owner.role),
        ("Alice", Role::Owner)
    );
    assert_eq!(
        names(&store.all_members(&room.id).await.unwrap()),
        ["Alice", "bob", "Carol"],
        "members in key order, the meta item not among them"
    );
    let raw = client
        .get_item()
        .table_name(&tables.conversations)
        .key("pk", AttributeValue::S(format!("CONV#{}", room.id)))
        .key("sk", AttributeValue::S("MEMBER#carol".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(raw["member"].as_s().unwrap(), "carol", "the index's key");
    assert_eq!(raw["conversationId"].as_s().unwrap(), room.id.as_str());
    assert!(
        store.create_room(&room, &members[..1]).await.is_err(),
        "a room is never created twice"
    );

    let renamed = store.rename_room(&room.id, "Core team").await.unwrap();
    assert_eq!(
        renamed.map(|r| (r.name, r.member_count)),
        Some(("Core team".into(), 3))
    );
    let nowhere = ConversationId::new_room(AT + 1);
    assert_eq!(store.rename_room(&nowhere, "x").await.unwrap(), None);
    let direct = ConversationId::direct(&key("alice"), &key("bob"));
    store
        .join_direct(&direct, &user("alice"), AT)
        .await
        .unwrap();
    store
        .record_last_message(&message("alice", "bob", 1, AT))
        .await
        .unwrap();
    assert_eq!(
        store.rename_room(&direct, "x").await.unwrap(),
        None,
        "a direct conversation is no room"
    );
    assert_eq!(store.room(&direct).await.unwrap(), None);

    store
        .set_roles(&room.id, &[(key("bob"), Role::Admin)])
        .await
        .unwrap();
    store
        .set_roles(
            &room.id,
            &[(key("bob"), Role::Owner), (key("alice"), Role::Admin)],
        )
        .await
        .unwrap();
    let roles: Vec<(String, Role)> = store
        .all_members(&room.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.username.to_string(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("Alice".to_owned(), Role::Admin),
            ("bob".to_owned(), Role::Owner),
            ("Carol".to_owned(), Role::Admin)
        ]
    );
    assert!(
        store
            .set_roles(
                &room.id,
                &[(key("carol"), Role::Member), (key("dave"), Role::Admin)]
            )
            .await
            .is_err(),
        "roles are set only on members"
    );
    assert_eq!(
        store
            .member(&room.id, &key("carol"))
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin,
        "all or nothing"
    );
    assert_eq!(store.member(&room.id, &key("dave")).await.unwrap(), None);
}

#[tokio::test]
async fn read_points_only_move_forward_and_need_a_membership() {
    let (store, _client, _tables) = store().await;
    let room = seeded_room(&store, "alice", &["bob"], AT).await;
    let (first, second) = (new_message_id(AT + 1), new_message_id(AT + 2));

    assert_eq!(
        store
            .advance_read_point(&room.id, &key("alice"), &second)
            .await
            .unwrap(),
        ReadAdvance::Advanced
    );
    assert_eq!(
        store
            .advance_read_point(&room.id, &key("alice"), &first)
            .await
            .unwrap(),
        ReadAdvance::AlreadyAt(second.clone()),
        "never back"
    );
    assert_eq!(
        store
            .advance_read_point(&room.id, &key("alice"), &second)
            .await
            .unwrap(),
        ReadAdvance::AlreadyAt(second.clone())
    );
    assert_eq!(
        store
            .advance_read_point(&room.id, &key("carol"), &second)
            .await
            .unwrap(),
        ReadAdvance::NotAMember
    );
    assert_eq!(
        store.member(&room.id, &key("carol")).await.unwrap(),
        None,
        "no member item is created"
    );
    assert_eq!(
        store
            .member(&room.id, &key("alice"))
            .await
            .unwrap()
            .unwrap()
            .read_message_id,
        Some(second)
    );
    assert_eq!(
        store
            .member(&room.id, &key("bob"))
            .await
            .unwrap()
            .unwrap()
            .read_message_id,
        None
    );

    // A direct conversation's members are made by its messages, and joining again keeps the
    // read point and the first spelling.
    let direct = ConversationId::direct(&key("alice"), &key("bob"));
    store
        .join_direct(&direct, &user("Alice"), AT)
        .await
        .unwrap();
    store
        .advance_read_point(&direct, &key("alice"), &first)
        .await
        .unwrap();
    store
        .join_direct(&direct, &user("ALICE"), AT + 9)
        .await
        .unwrap();
    assert_eq!(
        store.member(&direct, &key("alice")).await.unwrap(),
        Some(Member {
            conversation_id: direct.clone(),
            username: user("Alice"),
            role: Role::Member,
            joined_at: AT,
            read_message_id: Some(first),
        })
    );
}

#[tokio::test]
async fn adding_members_beyond_the_limit_is_refused_and_writes_nothing() {
    let (store, _client, _tables) = store().await;
    let room = seeded_room(&store, "alice", &["bob"], AT).await;
    let newcomers = [
        member(&room.id, "carol", Role::Member),
        member(&room.id, "dave", Role::Member),
    ];

    assert_eq!(
        store.add_members(&room.id, &newcomers, 3).await.unwrap(),
        AddMembersOutcome::Full
    );
    assert_eq!(store.room(&room.id).await.unwrap().unwrap().member_count, 2);
    assert_eq!(store.member(&room.id, &key("carol")).await.unwrap(), None);

    let with_a_member = [
        member(&room.id, "erin", Role::Member),
        member(&room.id, "bob", Role::Member),
    ];
    assert_eq!(
        store
            .add_members(&room.id, &with_a_member, 1000)
            .await
            .unwrap(),
        AddMembersOutcome::Conflict,
        "someone already a member: the caller filters members out first"
    );
    assert_eq!(store.member(&room.id, &key("erin")).await.unwrap(), None);
    assert_eq!(store.room(&room.id).await.unwrap().unwrap().member_count, 2);

    let nowhere = ConversationId::new_room(AT + 1);
    assert_eq!(
        store
            .add_members(&nowhere, &[member(&nowhere, "carol", Role::Member)], 1000)
            .await
            .unwrap(),
        AddMembersOutcome::Conflict,
        "no such room"
    );
    assert_eq!(store.room(&nowhere).await.unwrap(), None, "none is created");

    let AddMembersOutcome::Added(after) = store.add_members(&room.id, &newcomers, 4).await.unwrap()
    else {
        panic!("exactly up to the limit is allowed");
    };
    assert_eq!(after.member_count, 4);
    assert_eq!(
        names(&store.all_members(&room.id).await.unwrap()),
        ["alice", "bob", "carol", "dave"]
    );
    assert_eq!(
        store.add_members(&room.id, &[], 4).await.unwrap(),
        AddMembersOutcome::Added(after)
    );
}

#[tokio::test]
async fn removing_a_member_counts_down_and_forgets_them() {
    let (store, _client, _tables) = store().await;
    let room = seeded_room(&store, "alice", &["bob", "carol"], AT).await;

    let after = store.remove_member(&room.id, &key("bob")).await.unwrap();
    assert_eq!(after.map(|r| r.member_count), Some(2));
    assert_eq!(store.member(&room.id, &key("bob")).await.unwrap(), None);
    assert!(
        store
            .memberships(&key("bob"), 1000)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.remove_member(&room.id, &key("bob")).await.unwrap(),
        None,
        "not a member any more"
    );
    assert_eq!(
        store.room(&room.id).await.unwrap().unwrap().member_count,
        2,
        "a second removal counts nothing"
    );
    let nowhere = ConversationId::new_room(AT + 1);
    assert_eq!(
        store.remove_member(&nowhere, &key("bob")).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_users_memberships_span_rooms_and_direct_conversations_in_id_order() {
    let (store, _client, _tables) = store().await;
    let first = seeded_room(&store, "alice", &["bob"], AT).await;
    let second = seeded_room(&store, "carol", &["Alice"], AT + 1).await;
    let with_bob = ConversationId::direct(&key("alice"), &key("bob"));
    let with_carol = ConversationId::direct(&key("carol"), &key("alice"));
    for (direct, other) in [(&with_bob, "bob"), (&with_carol, "carol")] {
        store.join_direct(direct, &user("alice"), AT).await.unwrap();
        store.join_direct(direct, &user(other), AT).await.unwrap();
    }
    let unrelated = ConversationId::direct(&key("bob"), &key("carol"));
    store
        .join_direct(&unrelated, &user("bob"), AT)
        .await
        .unwrap();

    let ids: Vec<String> = store
        .memberships(&key("alice"), 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.conversation_id.to_string())
        .collect();
    let mut expected = vec![
        first.id.to_string(),
        second.id.to_string(),
        with_bob.to_string(),
        with_carol.to_string(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        store.memberships(&key("alice"), 2).await.unwrap().len(),
        2,
        "at most the cap"
    );

    let partners: BTreeSet<UserKey> = store
        .direct_partners(&key("alice"))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(partners, BTreeSet::from([key("bob"), key("carol")]));
    assert_eq!(
        store.direct_partners(&key("bob")).await.unwrap().len(),
        2,
        "bob is in one room, which is no partner"
    );
    assert!(
        store
            .direct_partners(&key("dave"))
            .await
            .unwrap()
            .is_empty()
    );

    let found = store
        .memberships_of(&[
            (first.id.clone(), key("bob")),
            (first.id.clone(), key("carol")),
            (second.id.clone(), key("alice")),
            (second.id.clone(), key("alice")),
        ])
        .await
        .unwrap();
    let mut found: Vec<(String, String)> = found
        .into_iter()
        .map(|m| (m.conversation_id.to_string(), m.username.to_string()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (first.id.to_string(), "bob".to_owned()),
            (second.id.to_string(), "Alice".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_large_room_is_read_whole_and_by_pages() {
    let (store, _client, _tables) = store().await;
    let room = seeded_room(&store, "owner", &[], AT).await;
    let everyone: Vec<String> = (0..150).map(|n| format!("user{n:03}")).collect();
    for batch in everyone.chunks(50) {
        let members: Vec<Member> = batch
            .iter()
            .map(|name| member(&room.id, name, Role::Member))
            .collect();
        let outcome = store.add_members(&room.id, &members, 1000).await.unwrap();
        assert!(
            matches!(outcome, AddMembersOutcome::Added(_)),
            "{outcome:?}"
        );
    }
    assert_eq!(
        store.room(&room.id).await.unwrap().unwrap().member_count,
        151
    );
    assert_eq!(store.all_members(&room.id).await.unwrap().len(), 151);

    let keys: Vec<(ConversationId, UserKey)> = everyone
        .iter()
        .map(|name| (room.id.clone(), key(name)))
        .collect();
    assert_eq!(
        store.memberships_of(&keys).await.unwrap().len(),
        150,
        "more keys than one BatchGetItem takes"
    );

    let mut listed = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .member_page(&room.id, 100, after.as_ref())
            .await
            .unwrap();
        pages += 1;
        listed.extend(page.members.into_iter().map(|m| m.username.to_string()));
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    assert_eq!(pages, 2, "the last page hands out no cursor");
    let mut expected = everyone.clone();
    expected.push("owner".into());
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn watchers_are_the_connections_watching_a_user() {
    let (store, client, tables) = store().await;
    let expires = AT / 1000 + 3600;
    let many: Vec<UserKey> = (0..30).map(|n| key(&format!("user{n}"))).collect();
    store
        .watch(
            &key("alice"),
            "c1",
            &[key("bob"), key("carol"), key("bob")],
            expires,
        )
        .await
        .unwrap();
    store
        .watch(&key("dave"), "c2", &[key("bob")], expires)
        .await
        .unwrap();
    store
        .watch(&key("dave"), "c3", &many, expires)
        .await
        .unwrap();

    let mut bobs = store.watchers(&key("bob")).await.unwrap();
    bobs.sort();
    assert_eq!(
        bobs,
        [
            (key("alice"), "c1".to_owned()),
            (key("dave"), "c2".to_owned())
        ]
    );
    assert_eq!(
        store.watchers(&key("carol")).await.unwrap(),
        [(key("alice"), "c1".to_owned())]
    );
    for target in &many {
        assert_eq!(
            store.watchers(target).await.unwrap(),
            [(key("dave"), "c3".to_owned())],
            "more watches than one BatchWriteItem takes"
        );
    }
    assert!(store.watchers(&key("erin")).await.unwrap().is_empty());

    let raw = client
        .get_item()
        .table_name(&tables.clients)
        .key("pk", AttributeValue::S("WATCH#bob".into()))
        .key("sk", AttributeValue::S("c1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        raw["expiresAt"].as_n().unwrap(),
        &expires.to_string(),
        "TTL"
    );
    assert_eq!(raw["watcher"].as_s().unwrap(), "alice");
}

#[tokio::test]
async fn the_directory_pages_through_a_prefix() {
    let (store, _client, _tables) = store().await;
    for (n, name) in ["Alice", "alina", "Albert", "bob", "alf", "ALBA"]
        .iter()
        .enumerate()
    {
        store
            .attach_connection(&account(name, &format!("sub-{n}")), &format!("c{n}"))
            .await
            .unwrap();
    }

    let first = store.search_users("al", 3, None).await.unwrap();
    let names = |users: &[chat_domain::model::User]| -> Vec<String> {
        users.iter().map(|u| u.username.to_string()).collect()
    };
    assert_eq!(names(&first.users), ["ALBA", "Albert", "alf"]);
    assert_eq!(first.next, Some(key("alf")));
    let second = store
        .search_users("al", 3, first.next.as_ref())
        .await
        .unwrap();
    assert_eq!(names(&second.users), ["Alice", "alina"]);
    assert_eq!(second.next, None, "the last page hands out no cursor");

    let exact = store.search_users("al", 5, None).await.unwrap();
    assert_eq!((exact.users.len(), exact.next), (5, None));
    assert_eq!(
        names(&store.search_users("b", 20, None).await.unwrap().users),
        ["bob"]
    );
    assert!(
        store
            .search_users("z", 20, None)
            .await
            .unwrap()
            .users
            .is_empty()
    );
    assert_eq!(
        names(
            &store
                .search_users("al", 20, Some(&key("aa")))
                .await
                .unwrap()
                .users
        )
        .len(),
        5,
        "a start before the prefix starts at its first user"
    );
    assert!(
        store
            .search_users("al", 20, Some(&key("b")))
            .await
            .unwrap()
            .users
            .is_empty(),
        "a start after the prefix finds nothing"
    );
}

#[tokio::test]
async fn unread_counts_stop_at_the_cap_and_messages_are_found_in_their_conversation() {
    let (store, _client, _tables) = store().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let m = message("alice", "bob", n, AT + i64::from(n));
        store.put_message(&m).await.unwrap();
        ids.push(m.id);
    }
    let elsewhere = message("alice", "carol", 9, AT + 9);
    store.put_message(&elsewhere).await.unwrap();
    let direct = ConversationId::direct(&key("alice"), &key("bob"));

    assert_eq!(store.count_after(&direct, None, 100).await.unwrap(), 5);
    assert_eq!(
        store
            .count_after(&direct, Some(&ids[2]), 100)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_after(&direct, Some(&ids[4]), 100)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.count_after(&direct, None, 3).await.unwrap(),
        3,
        "capped"
    );
    assert_eq!(store.count_after(&direct, None, 0).await.unwrap(), 0);

    assert!(store.contains_message(&direct, &ids[1]).await.unwrap());
    assert!(
        !store
            .contains_message(&direct, &elsewhere.id)
            .await
            .unwrap(),
        "a message of another conversation"
    );
    assert!(
        !store
            .contains_message(&direct, &new_message_id(AT))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_last_message_moves_forward_and_is_read_back_with_the_conversations() {
    let (store, _client, _tables) = store().await;
    let room = seeded_room(&store, "alice", &["bob"], AT).await;
    let direct = ConversationId::direct(&key("alice"), &key("bob"));
    let earlier = message("alice", "bob", 1, AT + 1);
    let mut later = message("Bob", "alice", 2, AT + 2);
    later.text = "é".repeat(150);

    store.record_last_message(&later).await.unwrap();
    store.record_last_message(&earlier).await.unwrap();
    let mut with_file = room_message(&room.id, "alice", 3, AT + 3);
    with_file.text = String::new();
    with_file.attachment = Some(
        Attachment::new(
            MediaKey::new_attachment(key("alice"), key("bob"), MediaType::Pdf),
            FileName::parse("minutes.pdf").unwrap(),
            "application/pdf",
            4096,
        )
        .unwrap(),
    );
    store.record_last_message(&with_file).await.unwrap();
    let nowhere = ConversationId::new_room(AT + 4);
    store
        .record_last_message(&room_message(&nowhere, "alice", 4, AT + 4))
        .await
        .unwrap();

    let mut metas = store
        .conversation_metas(&[
            direct.clone(),
            room.id.clone(),
            nowhere.clone(),
            direct.clone(),
        ])
        .await
        .unwrap();
    metas.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    assert_eq!(metas.len(), 2, "a message creates no room");
    let (dm, in_room) = (&metas[0], &metas[1]);
    assert_eq!((dm.id.clone(), dm.room.clone()), (direct, None));
    let last = dm.last.as_ref().unwrap();
    assert_eq!(
        (last.message_id.as_str(), last.from.as_str(), last.sent_at),
        (later.id.as_str(), "Bob", AT + 2),
        "the later message stays"
    );
    assert_eq!(last.preview.chars().count(), 100);
    assert_eq!(last.attachment_name, None);
    assert_eq!(in_room.room.as_ref(), Some(&room));
    let last = in_room.last.as_ref().unwrap();
    assert_eq!(
        (last.preview.as_str(), last.attachment_name.as_deref()),
        ("", Some("minutes.pdf"))
    );

    // A text after a file clears the file's name.
    store
        .record_last_message(&room_message(&room.id, "bob", 5, AT + 5))
        .await
        .unwrap();
    let metas = store
        .conversation_metas(std::slice::from_ref(&room.id))
        .await
        .unwrap();
    let last = metas[0].last.as_ref().unwrap();
    assert_eq!(
        (last.preview.as_str(), last.attachment_name.as_deref()),
        ("room message 5", None)
    );
}

#[tokio::test]
async fn a_room_message_is_stored_without_a_recipient() {
    let (store, client, tables) = store().await;
    let room = seeded_room(&store, "alice", &["bob"], AT).await;
    let sent = room_message(&room.id, "alice", 1, AT + 1);
    store.put_message(&sent).await.unwrap();

    let page = store
        .message_page(&room.id, PageLimit::default(), None)
        .await
        .unwrap();
    assert_eq!(page.messages, std::slice::from_ref(&sent));
    let raw = client
        .get_item()
        .table_name(&tables.messages)
        .key("conversationId", AttributeValue::S(room.id.to_string()))
        .key("dedupKey", AttributeValue::S(sent.dedup_key()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!raw.contains_key("to"));
}
