//! The inbox and read state: activity order, previews, unread counts that survive reloads, read
//! points that only move forward and reach the reader's other devices.

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::{ConversationView, ServerEvent};
use crate::rooms::UNREAD_COUNT_CAP;
use crate::testing::NOW;

use super::super::{ChatError, GetConversations, InboxPage, MarkRead};
use super::rooms::{create, text_in};
use super::{World, name, text_to};

async fn inbox(
    world: &World,
    who: &str,
    limit: u32,
    cursor: Option<super::super::InboxCursor>,
) -> InboxPage {
    world
        .chat()
        .conversations(
            &name(who),
            &GetConversations {
                limit,
                cursor,
                request_id: None,
            },
        )
        .await
        .unwrap()
}

fn views(page: &InboxPage) -> Vec<ConversationView> {
    page.entries.iter().map(ConversationView::from).collect()
}

fn mark(conversation: &ConversationId, message_id: &str) -> MarkRead {
    MarkRead::new(conversation.clone(), message_id, None).unwrap()
}

#[tokio::test]
async fn the_inbox_lists_direct_conversations_and_rooms_by_latest_activity() {
    let world = World::new();
    for user in ["alice", "bob", "carol"] {
        world.sign_in(user, &[]);
    }
    world
        .chat_at(NOW)
        .send_message(&name("bob"), "b1", text_to("alice", "first", "c-1"))
        .await
        .unwrap();
    let room = create(&world, "carol", "c1", &["alice"]).await;
    world
        .chat_at(NOW + 10)
        .send_message(
            &name("carol"),
            "c1",
            text_in(&room.id, "in the room", "c-2"),
        )
        .await
        .unwrap();
    world
        .chat_at(NOW + 20)
        .send_message(&name("carol"), "c1", text_to("alice", "direct", "c-3"))
        .await
        .unwrap();

    let page = views(&inbox(&world, "alice", 10, None).await);
    let ids: Vec<&str> = page.iter().map(|c| c.conversation_id.as_str()).collect();
    assert_eq!(ids, ["dm#alice#carol", room.id.as_str(), "dm#alice#bob"]);
    let dm = &page[0];
    assert_eq!(dm.kind, "direct");
    assert_eq!(dm.with.as_ref().unwrap().username, "carol");
    assert_eq!(dm.last_message.as_ref().unwrap().preview, "direct");
    assert_eq!((dm.unread, dm.unread_more), (1, false));
    let team = &page[1];
    assert_eq!(
        (team.kind.as_str(), team.name.as_deref()),
        ("room", Some("Team"))
    );
    assert_eq!(
        (team.role.as_deref(), team.member_count),
        (Some("member"), Some(2))
    );
    assert_eq!(team.unread, 1);

    // Carol sent everything in her conversations: nothing is unread for her.
    assert!(
        views(&inbox(&world, "carol", 10, None).await)
            .iter()
            .all(|c| c.unread == 0)
    );
    // A user who shares nothing with alice sees none of it.
    world.sign_in("dave", &[]);
    assert!(inbox(&world, "dave", 10, None).await.entries.is_empty());
}

#[tokio::test]
async fn inbox_pages_continue_where_the_last_ended() {
    let world = World::new();
    world.sign_in("alice", &[]);
    for (i, friend) in ["b", "c", "d", "e", "f"].iter().enumerate() {
        world.sign_in(friend, &[]);
        world
            .chat_at(NOW + i as i64)
            .send_message(&name(friend), "x", text_to("alice", "hi", "c-1"))
            .await
            .unwrap();
    }
    let first = inbox(&world, "alice", 2, None).await;
    let second = inbox(&world, "alice", 2, first.next.clone()).await;
    let third = inbox(&world, "alice", 2, second.next.clone()).await;
    let ids: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|page| views(page))
        .map(|c| c.with.unwrap().username)
        .collect();
    assert_eq!(ids, ["f", "e", "d", "c", "b"]);
    assert!(third.next.is_none());
}

#[tokio::test]
async fn unread_counts_are_exact_to_99_then_99_plus() {
    let world = World::new();
    world.sign_in("alice", &[]);
    world.sign_in("bob", &[]);
    for i in 0..=UNREAD_COUNT_CAP {
        world
            .chat_at(NOW + i64::from(i))
            .send_message(
                &name("bob"),
                "b1",
                text_to("alice", "spam", &format!("c-{i}")),
            )
            .await
            .unwrap();
    }
    let view = &views(&inbox(&world, "alice", 10, None).await)[0];
    assert_eq!((view.unread, view.unread_more), (99, true));
}

#[tokio::test]
async fn mark_read_moves_forward_only_and_reaches_the_readers_other_devices_and_partner() {
    let world = World::new();
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    let first = world
        .chat_at(NOW)
        .send_message(&name("bob"), "b1", text_to("alice", "one", "c-1"))
        .await
        .unwrap()
        .message;
    let second = world
        .chat_at(NOW + 1)
        .send_message(&name("bob"), "b1", text_to("alice", "two", "c-2"))
        .await
        .unwrap()
        .message;
    let dm = first.conversation_id.clone();
    let before = world.notifier.posts().len();

    let point = world
        .chat()
        .mark_read(&name("alice"), "a1", &mark(&dm, &second.id))
        .await
        .unwrap();
    assert_eq!(point.message_id, second.id);
    let mut told: Vec<String> = world
        .events_since(before)
        .iter()
        .filter(|(_, event)| matches!(event, ServerEvent::ReadState { .. }))
        .map(|(id, _)| id.clone())
        .collect();
    told.sort();
    assert_eq!(told, ["a2", "b1"]);
    assert_eq!(views(&inbox(&world, "alice", 10, None).await)[0].unread, 0);
    let bobs = &views(&inbox(&world, "bob", 10, None).await)[0];
    assert_eq!(
        bobs.other_read_message_id.as_deref(),
        Some(second.id.as_str()),
        "Seen"
    );

    // Back to the first message: nothing moves, the answer says where the read point is.
    let posts = world.notifier.posts().len();
    let stays = world
        .chat()
        .mark_read(&name("alice"), "a2", &mark(&dm, &first.id))
        .await
        .unwrap();
    assert_eq!(stays.message_id, second.id);
    assert_eq!(world.notifier.posts().len(), posts);
}

#[tokio::test]
async fn mark_read_refuses_strangers_and_messages_of_other_conversations() {
    let world = World::new();
    for user in ["alice", "bob", "carol"] {
        world.sign_in(user, &[]);
    }
    let message = world
        .chat()
        .send_message(&name("bob"), "b1", text_to("alice", "one", "c-1"))
        .await
        .unwrap()
        .message;
    let room = create(&world, "alice", "a1", &["bob"]).await;
    let stranger = world
        .chat()
        .mark_read(
            &name("carol"),
            "c1",
            &mark(&message.conversation_id, &message.id),
        )
        .await
        .unwrap_err();
    assert!(matches!(stranger, ChatError::NotAMember), "{stranger:?}");
    let elsewhere = world
        .chat()
        .mark_read(&name("alice"), "a1", &mark(&room.id, &message.id))
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), "invalid_message_id");
    let in_room = world
        .chat()
        .send_message(&name("bob"), "b1", text_in(&room.id, "x", "c-2"))
        .await
        .unwrap()
        .message;
    let outsider = world
        .chat()
        .mark_read(&name("carol"), "c1", &mark(&room.id, &in_room.id))
        .await
        .unwrap_err();
    assert_eq!(outsider.code(), "not_a_member");
    let _ = ConversationRef::Id(room.id);
}

#[tokio::test]
async fn in_a_room_a_read_reaches_only_the_readers_own_devices() {
    let world = World::new();
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    let room = create(&world, "bob", "b1", &["alice"]).await;
    let message = world
        .chat()
        .send_message(&name("bob"), "b1", text_in(&room.id, "hi", "c-1"))
        .await
        .unwrap()
        .message;
    let before = world.notifier.posts().len();
    world
        .chat()
        .mark_read(&name("alice"), "a1", &mark(&room.id, &message.id))
        .await
        .unwrap();
    let told: Vec<String> = world
        .events_since(before)
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(told, ["a2"]);
}
