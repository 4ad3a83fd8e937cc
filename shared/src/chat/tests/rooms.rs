//! Rooms: creation, roles, membership changes taking effect at once, room messages at a fixed cost.

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::model::Room;
use crate::rooms::{MAX_ROOM_MEMBERS, Role, RoomName};
use crate::rules::{ClientMessageId, MessageText, PageLimit};
use crate::testing::NOW;

use super::super::{
    AddMembers, ChatError, CreateRoom, GetMembers, GetMessages, MembershipChangeKind, RemoveMember,
    RenameRoom, SendMessage, SetRole,
};
use super::{World, name};

/// A text message into `room`.
pub(super) fn text_in(room: &ConversationId, text: &str, client_message_id: &str) -> SendMessage {
    SendMessage {
        conversation: ConversationRef::Id(room.clone()),
        text: Some(MessageText::parse(text).unwrap()),
        attachment: None,
        client_message_id: ClientMessageId::parse(client_message_id).unwrap(),
        reply_to: None,
    }
}

/// `owner` creates a room named `name` with `members`, from connection `connection_id`.
pub(super) async fn create(
    world: &World,
    owner: &str,
    connection_id: &str,
    members: &[&str],
) -> Room {
    world
        .chat()
        .create_room(
            &name(owner),
            connection_id,
            &CreateRoom {
                name: RoomName::parse("Team").unwrap(),
                members: members.iter().map(|m| name(m)).collect(),
                request_id: None,
            },
        )
        .await
        .unwrap()
}

fn remove(room: &Room, who: &str) -> RemoveMember {
    RemoveMember {
        conversation: room.id.clone(),
        username: name(who),
        request_id: None,
    }
}

fn add(room: &Room, who: &[&str]) -> AddMembers {
    AddMembers {
        conversation: room.id.clone(),
        usernames: who.iter().map(|w| name(w)).collect(),
        request_id: None,
    }
}

fn history(room: &Room) -> GetMessages {
    GetMessages {
        conversation: ConversationRef::Id(room.id.clone()),
        limit: PageLimit::default(),
        cursor: None,
    }
}

#[tokio::test]
async fn a_room_is_created_with_its_owner_and_first_members_who_are_told() {
    let world = World::new();
    world.sign_in("Alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    world.sign_in("carol", &[]);

    let room = create(&world, "alice", "a1", &["BOB", "carol", "alice"]).await;

    assert!(room.id.is_room());
    assert_eq!((room.name.as_str(), room.member_count), ("Team", 3));
    assert_eq!(room.created_by.as_str(), "Alice");
    let role = |who: &str| world.store.membership(&room.id, who).map(|m| m.role);
    assert_eq!(role("alice"), Some(Role::Owner));
    assert_eq!(role("bob"), Some(Role::Member));
    assert_eq!(role("carol"), Some(Role::Member));
    let events = world.notifier.events();
    let added = events
        .iter()
        .find(|(id, _)| id == "b1")
        .map(|(_, event)| event.clone());
    let Some(ServerEvent::Membership {
        change, users, by, ..
    }) = added
    else {
        panic!("bob was not told: {events:?}");
    };
    assert_eq!((change.as_str(), by.as_str()), ("added", "Alice"));
    assert_eq!(users, ["bob", "carol"]);
    assert!(
        events
            .iter()
            .any(|(id, event)| id == "a2" && matches!(event, ServerEvent::Room { .. })),
        "the creator's other tab learns of the room"
    );
    assert!(
        !events.iter().any(|(id, _)| id == "a1"),
        "the calling tab gets the answer"
    );
}

#[tokio::test]
async fn a_room_cannot_be_created_with_someone_who_does_not_exist() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    let error = world
        .chat()
        .create_room(
            &name("alice"),
            "a1",
            &CreateRoom {
                name: RoomName::parse("Team").unwrap(),
                members: vec![name("ghost")],
                request_id: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unknown_recipient");
    assert!(world.notifier.posts().is_empty());
}

#[tokio::test]
async fn a_room_message_reaches_every_member_but_the_sending_connection_at_a_fixed_cost() {
    let world = World::new();
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    world.sign_in("carol", &["c1"]);
    world.sign_in("dave", &["d1"]);
    let room = create(&world, "alice", "a1", &["bob", "carol"]).await;
    let before = world.notifier.posts().len();

    let sent = world
        .chat()
        .send_message(&name("alice"), "a1", text_in(&room.id, "hello", "c-1"))
        .await
        .unwrap();

    assert_eq!(sent.message.to, None);
    assert_eq!(sent.message.conversation_id, room.id);
    let mut got: Vec<String> = world
        .events_since(before)
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    got.sort();
    assert_eq!(got, ["a2", "b1", "c1"], "dave is not a member");
    let last = world.store.conversation(&room.id).unwrap().last.unwrap();
    assert_eq!(
        (last.preview.as_str(), last.from.as_str()),
        ("hello", "alice")
    );
    assert_eq!(
        world
            .store
            .membership(&room.id, "alice")
            .unwrap()
            .read_message_id,
        Some(sent.message.id.clone()),
        "sending reads everything before"
    );

    // The same send into a room twice the size writes exactly as much.
    let writes = |calls: &[String]| {
        calls
            .iter()
            .filter(|call| {
                [
                    "put_message",
                    "record_last_message",
                    "advance_read_point",
                    "join_direct",
                ]
                .contains(&call.as_str())
            })
            .count()
    };
    let small = {
        let start = world.log.calls().len();
        world
            .chat()
            .send_message(&name("bob"), "b1", text_in(&room.id, "two", "c-2"))
            .await
            .unwrap();
        writes(&world.log.calls()[start..])
    };
    for extra in ["e", "f", "g", "h"] {
        world.sign_in(extra, &[]);
    }
    world
        .chat()
        .add_members(&name("alice"), "a1", &add(&room, &["e", "f", "g", "h"]))
        .await
        .unwrap();
    let start = world.log.calls().len();
    world
        .chat()
        .send_message(&name("bob"), "b1", text_in(&room.id, "three", "c-3"))
        .await
        .unwrap();
    assert_eq!(writes(&world.log.calls()[start..]), small);
    assert_eq!(small, 3, "message, conversation, sender's read point");
}

#[tokio::test]
async fn a_removed_member_stops_receiving_and_reading_at_once() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1"]);
    world.sign_in("carol", &["c1"]);
    let room = create(&world, "alice", "a1", &["bob", "carol"]).await;

    let change = world
        .chat()
        .remove_member(&name("alice"), "a1", &remove(&room, "bob"))
        .await
        .unwrap();
    assert_eq!(change.kind, MembershipChangeKind::Removed);
    assert_eq!(change.room.member_count, 2);
    assert!(
        world.notifier.events().iter().any(|(id, event)| id == "b1"
            && matches!(event, ServerEvent::Membership { change, .. } if change == "removed")),
        "bob is told he was removed"
    );

    let before = world.notifier.posts().len();
    world
        .chat()
        .send_message(
            &name("alice"),
            "a1",
            text_in(&room.id, "without bob", "c-1"),
        )
        .await
        .unwrap();
    assert!(
        !world.events_since(before).iter().any(|(id, _)| id == "b1"),
        "bob no longer receives"
    );
    for error in [
        world
            .chat()
            .history(&name("bob"), &history(&room))
            .await
            .unwrap_err(),
        world
            .chat()
            .send_message(&name("bob"), "b1", text_in(&room.id, "still here?", "c-2"))
            .await
            .unwrap_err(),
        world
            .chat()
            .members(
                &name("bob"),
                &GetMembers {
                    conversation: room.id.clone(),
                    limit: 100,
                    after: None,
                    request_id: None,
                },
            )
            .await
            .unwrap_err(),
    ] {
        assert_eq!(error.code(), "not_a_member");
    }
}

#[tokio::test]
async fn only_owners_and_admins_manage_and_admins_cannot_remove_admins() {
    let world = World::new();
    for user in ["alice", "bob", "carol", "dave"] {
        world.sign_in(user, &[]);
    }
    let room = create(&world, "alice", "a1", &["bob", "carol"]).await;
    let chat = world.chat();

    let rename = RenameRoom {
        conversation: room.id.clone(),
        name: RoomName::parse("Renamed").unwrap(),
        request_id: None,
    };
    assert_eq!(
        chat.rename_room(&name("bob"), "b1", &rename)
            .await
            .unwrap_err()
            .code(),
        "forbidden_role"
    );
    assert_eq!(
        chat.add_members(&name("bob"), "b1", &add(&room, &["dave"]))
            .await
            .unwrap_err()
            .code(),
        "forbidden_role"
    );
    assert_eq!(
        chat.remove_member(&name("bob"), "b1", &remove(&room, "carol"))
            .await
            .unwrap_err()
            .code(),
        "forbidden_role"
    );
    let make = |who: &str, role| SetRole {
        conversation: room.id.clone(),
        username: name(who),
        role,
        request_id: None,
    };
    chat.set_role(&name("alice"), "a1", &make("bob", Role::Admin))
        .await
        .unwrap();
    chat.set_role(&name("alice"), "a1", &make("carol", Role::Admin))
        .await
        .unwrap();
    assert_eq!(
        chat.set_role(&name("bob"), "b1", &make("carol", Role::Member))
            .await
            .unwrap_err()
            .code(),
        "forbidden_role",
        "only the owner changes roles"
    );
    assert_eq!(
        chat.remove_member(&name("bob"), "b1", &remove(&room, "carol"))
            .await
            .unwrap_err()
            .code(),
        "forbidden_role",
        "an admin does not remove an admin"
    );
    assert_eq!(
        chat.rename_room(&name("bob"), "b1", &rename)
            .await
            .unwrap()
            .name,
        "Renamed"
    );
    assert_eq!(
        chat.remove_member(&name("alice"), "a1", &remove(&room, "dave"))
            .await
            .unwrap_err()
            .code(),
        "not_in_room"
    );
    assert_eq!(
        chat.set_role(&name("dave"), "d1", &make("bob", Role::Owner))
            .await
            .unwrap_err()
            .code(),
        "not_a_member"
    );
}

#[tokio::test]
async fn the_owner_hands_over_ownership_before_leaving() {
    let world = World::new();
    world.sign_in("alice", &[]);
    world.sign_in("bob", &[]);
    let room = create(&world, "alice", "a1", &["bob"]).await;
    let chat = world.chat();

    assert_eq!(
        chat.remove_member(&name("alice"), "a1", &remove(&room, "alice"))
            .await
            .unwrap_err()
            .code(),
        "owner_must_transfer"
    );
    let handed = chat
        .set_role(
            &name("alice"),
            "a1",
            &SetRole {
                conversation: room.id.clone(),
                username: name("bob"),
                role: Role::Owner,
                request_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(handed.role, Some(Role::Owner));
    assert_eq!(
        world.store.membership(&room.id, "bob").unwrap().role,
        Role::Owner
    );
    assert_eq!(
        world.store.membership(&room.id, "alice").unwrap().role,
        Role::Admin
    );

    let left = chat
        .remove_member(&name("alice"), "a1", &remove(&room, "alice"))
        .await
        .unwrap();
    assert_eq!(left.kind, MembershipChangeKind::Left);
    assert_eq!(left.room.member_count, 1);
    assert_eq!(world.store.membership(&room.id, "alice"), None);
}

#[tokio::test]
async fn adding_members_skips_those_already_in_and_stops_at_the_room_limit() {
    let world = World::new();
    world.sign_in("owner", &[]);
    let names: Vec<String> = (0..MAX_ROOM_MEMBERS).map(|i| format!("u{i}")).collect();
    for user in &names {
        world.sign_in(user, &[]);
    }
    let room = create(&world, "owner", "o1", &["u0"]).await;
    let again = world
        .chat()
        .add_members(&name("owner"), "o1", &add(&room, &["u0"]))
        .await
        .unwrap();
    assert!(again.users.is_empty(), "u0 is already a member");

    // Fill the room: the owner and u0..u998.
    for chunk in names[1..(MAX_ROOM_MEMBERS as usize - 1)].chunks(50) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        world
            .chat()
            .add_members(&name("owner"), "o1", &add(&room, &chunk))
            .await
            .unwrap();
    }
    assert_eq!(
        world
            .store
            .conversation(&room.id)
            .unwrap()
            .room
            .unwrap()
            .member_count,
        MAX_ROOM_MEMBERS
    );
    let last = names.last().unwrap().as_str();
    let error = world
        .chat()
        .add_members(&name("owner"), "o1", &add(&room, &[last]))
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::RoomFull), "{error:?}");
    assert_eq!(world.store.membership(&room.id, last), None);
}

#[tokio::test]
async fn members_come_with_roles_read_points_and_presence() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &[]);
    let room = create(&world, "alice", "a1", &["bob"]).await;
    world
        .chat_at(NOW + 1)
        .send_message(&name("alice"), "a1", text_in(&room.id, "hi", "c-1"))
        .await
        .unwrap();

    let page = world
        .chat()
        .members(
            &name("bob"),
            &GetMembers {
                conversation: room.id.clone(),
                limit: 1,
                after: None,
                request_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.members.len(), 1);
    let (alice, user) = &page.members[0];
    assert_eq!(
        (alice.username.as_str(), alice.role),
        ("alice", Role::Owner)
    );
    assert!(alice.read_message_id.is_some());
    assert!(user.as_ref().is_some_and(|user| user.is_online()));
    let rest = world
        .chat()
        .members(
            &name("bob"),
            &GetMembers {
                conversation: room.id.clone(),
                limit: 1,
                after: page.next.clone(),
                request_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.members[0].0.username.as_str(), "bob");
}
