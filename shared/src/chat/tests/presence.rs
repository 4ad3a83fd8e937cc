//! Presence that scales: it reaches direct partners and watchers only; watching needs a shared
//! conversation; the directory finds people by prefix a page at a time.

use crate::conversation::ConversationId;
use crate::events::ServerEvent;
use crate::rules::RuleError;

use super::super::{SearchPeople, WatchPresence};
use super::rooms::create;
use super::{World, identity, name, text_to};

fn presence_to(world: &World, from: usize) -> Vec<String> {
    let mut ids: Vec<String> = world
        .events_since(from)
        .iter()
        .filter(|(_, event)| matches!(event, ServerEvent::Presence { .. }))
        .map(|(id, _)| id.clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn presence_reaches_direct_partners_and_watchers_never_strangers() {
    let world = World::new();
    world.sign_in("alice", &[]);
    world.sign_in("bob", &["b1"]);
    world.sign_in("carol", &["c1"]);
    world.sign_in("stranger", &["s1"]);
    world
        .chat()
        .send_message(&name("bob"), "b1", text_to("alice", "hi", "c-1"))
        .await
        .unwrap();
    let room = create(&world, "carol", "c1", &["alice"]).await;
    world
        .chat()
        .watch_presence(
            &name("carol"),
            "c1",
            &WatchPresence::new(room.id.clone(), vec![name("alice")], None).unwrap(),
        )
        .await
        .unwrap();

    let before = world.notifier.posts().len();
    world
        .chat()
        .connect("a1", &identity("alice"))
        .await
        .unwrap();
    assert_eq!(presence_to(&world, before), ["b1", "c1"]);

    let before = world.notifier.posts().len();
    world.chat().disconnect("a1").await.unwrap();
    assert_eq!(presence_to(&world, before), ["b1", "c1"]);
}

#[tokio::test]
async fn watching_needs_a_shared_conversation() {
    let world = World::new();
    for user in ["alice", "bob", "carol"] {
        world.sign_in(user, &[]);
    }
    let room = create(&world, "alice", "a1", &["bob"]).await;
    let watch = |conversation: &ConversationId, who: &str| {
        WatchPresence::new(conversation.clone(), vec![name(who)], None).unwrap()
    };
    let chat = world.chat();
    let outsider = chat
        .watch_presence(&name("carol"), "c1", &watch(&room.id, "alice"))
        .await
        .unwrap_err();
    assert_eq!(outsider.code(), "not_a_member");
    let not_in_room = chat
        .watch_presence(&name("alice"), "a1", &watch(&room.id, "carol"))
        .await
        .unwrap_err();
    assert_eq!(not_in_room.code(), "not_a_member");
    let dm = ConversationId::parse("dm#alice#bob").unwrap();
    let wrong_partner = chat
        .watch_presence(&name("alice"), "a1", &watch(&dm, "carol"))
        .await
        .unwrap_err();
    assert_eq!(wrong_partner.code(), "not_a_member");
    assert!(world.store.watches().is_empty());

    let watched = chat
        .watch_presence(&name("alice"), "a1", &watch(&room.id, "bob"))
        .await
        .unwrap();
    assert_eq!(watched.users.len(), 1);
    assert_eq!(world.store.watches().len(), 1);
}

#[tokio::test]
async fn the_directory_finds_people_by_prefix_a_page_at_a_time() {
    let world = World::new();
    for user in ["Anna", "annie", "ann.b", "bob", "zed"] {
        world.sign_in(user, &[]);
    }
    let search = |after| SearchPeople::new("AN", Some(2), after, None).unwrap();
    let first = world.chat().search_people(&search(None)).await.unwrap();
    let names: Vec<&str> = first.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["ann.b", "Anna"]);
    let second = world
        .chat()
        .search_people(&search(first.next.clone()))
        .await
        .unwrap();
    let names: Vec<&str> = second.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["annie"]);
    assert!(
        second.next.is_none()
            || world
                .chat()
                .search_people(&search(second.next.clone()))
                .await
                .unwrap()
                .users
                .is_empty()
    );
    assert_eq!(
        SearchPeople::new("a b", None, None, None),
        Err(RuleError::InvalidPrefix)
    );
    assert_eq!(
        SearchPeople::new("", None, None, None),
        Err(RuleError::InvalidPrefix)
    );
}
