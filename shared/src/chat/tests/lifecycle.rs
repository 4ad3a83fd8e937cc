//! A message's life after it is sent: edits by its author, deletions (tombstones) by its author or
//! a room's owner or admin, reactions, replies quoting the message as it is now, and the typing
//! signal that reaches the other members at most once per interval.

use std::sync::{Arc, Mutex, PoisonError};

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::{MessageView, ReplyView, ServerEvent};
use crate::media::{Attachment, FileName, MediaKey, MediaType};
use crate::model::{Member, Message, Room};
use crate::ports::{MediaDeletion, StoreError};
use crate::reactions::{MAX_DISTINCT_REACTIONS, TYPING_INTERVAL_MS};
use crate::rooms::Role;
use crate::rules::{MessageText, PageLimit, RuleError};
use crate::testing::{CallLog, NOW};

use super::super::{
    ChatError, DeleteMessage, Deleted, Delivery, EditMessage, Edited, GetMessages, History, React,
    Reacted, SendMessage, Typing, TypingOutcome,
};
use super::rooms::{create, text_in};
use super::{World, each, name, send, text_to};

/// A deleted object's key, with the calls the chat had made when it was deleted.
type MediaDeletionCall = (MediaKey, Vec<String>);

/// The media store's deletions.
#[derive(Clone, Default)]
struct RecordingMedia {
    deletions: Arc<Mutex<Vec<MediaDeletionCall>>>,
    log: CallLog,
    fails: bool,
}

impl RecordingMedia {
    fn logging_to(log: &CallLog) -> Self {
        Self {
            log: log.clone(),
            ..Self::default()
        }
    }

    fn failing() -> Self {
        Self {
            fails: true,
            ..Self::default()
        }
    }

    fn deletions(&self) -> Vec<MediaDeletionCall> {
        self.deletions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl MediaDeletion for RecordingMedia {
    async fn delete_object(&self, key: &MediaKey) -> Result<(), StoreError> {
        if self.fails {
            return Err(StoreError::Malformed("the media store refused".into()));
        }
        self.deletions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((key.clone(), self.log.calls()));
        Ok(())
    }
}

fn dm(a: &str, b: &str) -> ConversationId {
    ConversationId::direct(&name(a).key(), &name(b).key())
}

fn edit(message: &Message, text: &str) -> EditMessage {
    EditMessage {
        conversation: message.conversation_id.clone(),
        message_id: message.id.clone(),
        text: (!text.trim().is_empty()).then(|| MessageText::parse(text).unwrap()),
        request_id: None,
    }
}

fn delete(message: &Message) -> DeleteMessage {
    DeleteMessage {
        conversation: message.conversation_id.clone(),
        message_id: message.id.clone(),
        request_id: None,
    }
}

fn react(message: &Message, emoji: &str, reacted: bool) -> React {
    React {
        conversation: message.conversation_id.clone(),
        message_id: message.id.clone(),
        emoji: emoji.to_owned(),
        reacted,
        request_id: None,
    }
}

fn reply(request: SendMessage, to: &Message) -> SendMessage {
    SendMessage {
        reply_to: Some(to.id.clone()),
        ..request
    }
}

/// A direct conversation of alice (a1, a2) and bob (b1) with one message of alice's, sent at NOW.
async fn alice_to_bob(world: &World, text: &str) -> Message {
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    send(&world.chat(), "alice", "a1", text_to("bob", text, "c-1"))
        .await
        .message
}

/// A room of alice (owner, a1), bob (admin, b1), carol and dave (members, c1, d1), with one
/// message of carol's.
async fn team(world: &World) -> (Room, Message) {
    for (user, connection) in [
        ("alice", "a1"),
        ("bob", "b1"),
        ("carol", "c1"),
        ("dave", "d1"),
    ] {
        world.sign_in(user, &[connection]);
    }
    let room = create(world, "alice", "a1", &["bob", "carol", "dave"]).await;
    let mut bob = world.store.membership(&room.id, "bob").unwrap();
    bob.role = Role::Admin;
    world.store.seed_member(&bob);
    let message = send(
        &world.chat(),
        "carol",
        "c1",
        text_in(&room.id, "hello", "c-1"),
    )
    .await
    .message;
    (room, message)
}

async fn edited(
    world: &World,
    at: i64,
    who: &str,
    connection: &str,
    request: &EditMessage,
) -> Edited {
    world
        .chat_at(at)
        .edit_message(&name(who), connection, request)
        .await
        .unwrap()
}

async fn deleted(world: &World, who: &str, connection: &str, message: &Message) -> Deleted {
    world
        .chat_at(NOW + 2)
        .delete_message(
            &RecordingMedia::default(),
            &name(who),
            connection,
            &delete(message),
        )
        .await
        .unwrap()
}

async fn reacted(world: &World, who: &str, connection: &str, request: &React) -> Reacted {
    world
        .chat()
        .react(&name(who), connection, request)
        .await
        .unwrap()
}

async fn history(world: &World, who: &str, conversation: &ConversationId, limit: u64) -> History {
    world
        .chat()
        .history(
            &name(who),
            &GetMessages {
                conversation: ConversationRef::Id(conversation.clone()),
                limit: PageLimit::new(limit).unwrap(),
                cursor: None,
            },
        )
        .await
        .unwrap()
}

/// The page's messages as `viewer` receives them.
async fn views(world: &World, viewer: &str, conversation: &ConversationId) -> Vec<MessageView> {
    let page = history(world, viewer, conversation, 50).await;
    match ServerEvent::messages(&page, &name(viewer).key()) {
        ServerEvent::Messages { messages, .. } => messages,
        other => panic!("{other:?}"),
    }
}

fn posts_since(world: &World, from: usize) -> usize {
    world.notifier.posts().len() - from
}

// --- Edit ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_author_edits_a_message_and_the_others_are_told() {
    let world = World::new();
    let message = alice_to_bob(&world, "helo").await;
    let before = world.notifier.posts().len();

    let done = edited(&world, NOW + 1, "alice", "a1", &edit(&message, " hello ")).await;

    assert!(done.changed);
    assert_eq!(done.message.text, "hello");
    assert_eq!(done.message.edited_at, Some(NOW + 1));
    assert_eq!(
        world
            .store
            .stored_message(&message.conversation_id, &message.id),
        Some(done.message.clone())
    );
    let event = ServerEvent::message_edited(&done.message, None);
    assert_eq!(world.events_since(before), each(&["a2", "b1"], &event));
    assert_eq!(done.delivery.delivered, 2);
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::json!({"type": "messageEdited", "conversationId": "dm#alice#bob", "messageId": message.id, "text": "hello", "editedAt": NOW + 1})
    );
}

#[tokio::test]
async fn only_the_author_edits_even_in_a_room_they_manage() {
    let world = World::new();
    let message = alice_to_bob(&world, "hi").await;
    let before = world.notifier.posts().len();

    let error = world
        .chat()
        .edit_message(&name("bob"), "b1", &edit(&message, "bye"))
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::NotAuthor), "{error:?}");
    assert_eq!(error.code(), "not_author");

    let room_world = World::new();
    let (_, carols) = team(&room_world).await;
    let error = room_world
        .chat()
        .edit_message(&name("alice"), "a1", &edit(&carols, "owned"))
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::NotAuthor), "{error:?}");

    assert_eq!(world.store.messages()[0].text, "hi");
    assert_eq!(posts_since(&world, before), 0);
    assert_eq!(room_world.store.messages()[0].text, "hello");
}

#[tokio::test]
async fn an_edit_that_changes_nothing_writes_and_posts_nothing() {
    let world = World::new();
    let message = alice_to_bob(&world, "same").await;
    let before = world.notifier.posts().len();

    let done = edited(&world, NOW + 1, "alice", "a1", &edit(&message, "  same ")).await;

    assert!(!done.changed);
    assert_eq!(done.message, message);
    assert_eq!(done.delivery, Delivery::default());
    assert!(!world.log.calls().contains(&"edit_message".to_owned()));
    assert_eq!(posts_since(&world, before), 0);
    // The answer is the message as it is: never edited, so no time.
    assert!(matches!(
        ServerEvent::message_edited(&done.message, None),
        ServerEvent::MessageEdited {
            edited_at: None,
            ..
        }
    ));
}

#[tokio::test]
async fn only_a_message_with_an_attachment_may_lose_its_text() {
    let world = World::new();
    let message = alice_to_bob(&world, "words").await;

    let error = world
        .chat()
        .edit_message(&name("alice"), "a1", &edit(&message, " "))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ChatError::Rule(RuleError::EmptyText)),
        "{error:?}"
    );
    assert_eq!(error.code(), "empty_text");
    assert_eq!(world.store.messages()[0].text, "words");

    let key = MediaKey::new_attachment(name("alice").key(), name("bob").key(), MediaType::Png);
    let with_file = SendMessage {
        attachment: Some(attachment(key)),
        ..text_to("bob", "a caption", "c-2")
    };
    let photo = send(&world.chat(), "alice", "a1", with_file).await.message;
    let done = edited(&world, NOW + 1, "alice", "a1", &edit(&photo, "")).await;
    assert_eq!(done.message.text, "");
    assert!(done.message.attachment.is_some());
}

fn attachment(key: MediaKey) -> Attachment {
    Attachment::new(key, FileName::parse("cat.png").unwrap(), "image/png", 42).unwrap()
}

// --- Delete -------------------------------------------------------------------------------

#[tokio::test]
async fn the_author_deletes_a_message_and_a_tombstone_stays_in_history() {
    let world = World::new();
    let message = alice_to_bob(&world, "oops").await;
    let before = world.notifier.posts().len();

    let done = deleted(&world, "alice", "a1", &message).await;

    assert_eq!(done.deletion.by, name("alice"));
    assert_eq!(done.deletion.at, NOW + 2);
    assert_eq!(done.message.text, "");
    assert_eq!(done.message.deleted, Some(done.deletion.clone()));
    let event = ServerEvent::message_deleted(&done.message, &done.deletion, None);
    assert_eq!(world.events_since(before), each(&["a2", "b1"], &event));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::json!({"type": "messageDeleted", "conversationId": "dm#alice#bob", "messageId": message.id, "deletedAt": NOW + 2, "deletedBy": "alice"})
    );

    let shown = views(&world, "bob", &message.conversation_id).await;
    assert_eq!(shown.len(), 1, "the tombstone keeps its place");
    assert_eq!(
        (
            shown[0].text.as_str(),
            shown[0].deleted_at,
            shown[0].deleted_by.as_deref()
        ),
        ("", Some(NOW + 2), Some("alice"))
    );
}

#[tokio::test]
async fn in_a_room_the_owner_and_admins_delete_others_messages_plain_members_cannot() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    let second = send(
        &world.chat(),
        "carol",
        "c1",
        text_in(&room.id, "again", "c-2"),
    )
    .await
    .message;
    let before = world.notifier.posts().len();

    let error = world
        .chat()
        .delete_message(
            &RecordingMedia::default(),
            &name("dave"),
            "d1",
            &delete(&carols),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::NotAuthor), "{error:?}");
    assert_eq!(posts_since(&world, before), 0);
    assert!(world.store.messages().iter().all(|m| m.deleted.is_none()));

    let by_admin = deleted(&world, "bob", "b1", &carols).await;
    assert_eq!(by_admin.deletion.by, name("bob"));
    let by_owner = deleted(&world, "alice", "a1", &second).await;
    assert_eq!(by_owner.deletion.by, name("alice"));
    // Every member but the calling connection hears of it.
    let event = ServerEvent::message_deleted(&by_owner.message, &by_owner.deletion, None);
    let last_posts: Vec<_> = world
        .events_since(before)
        .into_iter()
        .filter(|(_, posted)| *posted == event)
        .collect();
    assert_eq!(last_posts, each(&["b1", "c1", "d1"], &event));
}

#[tokio::test]
async fn a_deleted_messages_attachment_is_removed_before_the_tombstone_is_written() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1"]);
    let key = MediaKey::new_attachment(name("alice").key(), name("bob").key(), MediaType::Png);
    let with_file = SendMessage {
        text: None,
        attachment: Some(attachment(key.clone())),
        ..text_to("bob", "x", "c-1")
    };
    let photo = send(&world.chat(), "alice", "a1", with_file).await.message;

    let refused = world
        .chat()
        .delete_message(
            &RecordingMedia::failing(),
            &name("alice"),
            "a1",
            &delete(&photo),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "service_unavailable");
    assert_eq!(
        world.store.messages(),
        std::slice::from_ref(&photo),
        "nothing changed: retry"
    );

    let media = RecordingMedia::logging_to(&world.log);
    let done = world
        .chat()
        .delete_message(&media, &name("alice"), "a1", &delete(&photo))
        .await
        .unwrap();
    let deletions = media.deletions();
    assert_eq!(deletions.len(), 1);
    assert_eq!(deletions[0].0, key);
    assert!(!deletions[0].1.contains(&"delete_message".to_owned()));
    assert!(world.log.calls().contains(&"delete_message".to_owned()));
    assert_eq!(done.message.attachment, None);
}

#[tokio::test]
async fn a_deleted_message_cannot_be_edited_deleted_reacted_to_or_answered() {
    let world = World::new();
    let message = alice_to_bob(&world, "gone soon").await;
    deleted(&world, "alice", "a1", &message).await;
    let before = world.notifier.posts().len();
    let chat = world.chat();
    let alice = name("alice");

    let errors = [
        chat.edit_message(&alice, "a1", &edit(&message, "x"))
            .await
            .unwrap_err(),
        chat.delete_message(&RecordingMedia::default(), &alice, "a1", &delete(&message))
            .await
            .unwrap_err(),
        chat.react(&name("bob"), "b1", &react(&message, "👍", true))
            .await
            .unwrap_err(),
        chat.send_message(
            &name("bob"),
            "b1",
            reply(text_to("alice", "?", "c-9"), &message),
        )
        .await
        .unwrap_err(),
    ];
    for error in errors {
        assert!(matches!(error, ChatError::MessageDeleted), "{error:?}");
        assert_eq!(error.code(), "message_deleted");
    }
    assert_eq!(posts_since(&world, before), 0);
    assert_eq!(world.store.messages().len(), 1);
}

#[tokio::test]
async fn a_message_of_another_conversation_is_unknown_and_strangers_are_not_members() {
    let world = World::new();
    let message = alice_to_bob(&world, "private").await;
    world.sign_in("carol", &["c1"]);
    world.sign_in("dave", &["d1"]);
    let elsewhere = send(&world.chat(), "carol", "c1", text_to("dave", "hey", "c-5"))
        .await
        .message;
    let chat = world.chat();

    // alice names her own conversation but carol's message.
    let moved = |request: EditMessage| EditMessage {
        conversation: dm("alice", "bob"),
        ..request
    };
    let error = chat
        .edit_message(&name("carol"), "c1", &moved(edit(&elsewhere, "x")))
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::NotAMember), "{error:?}");
    let error = chat
        .react(
            &name("alice"),
            "a1",
            &React {
                conversation: dm("alice", "bob"),
                ..react(&elsewhere, "👍", true)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::UnknownMessage), "{error:?}");
    assert_eq!(error.code(), "invalid_message_id");
    let error = chat
        .send_message(
            &name("alice"),
            "a1",
            reply(text_to("bob", "re", "c-6"), &elsewhere),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::UnknownMessage), "{error:?}");

    // Strangers learn nothing, not even whether the message exists.
    for request in [delete(&message), delete(&elsewhere)] {
        let error = chat
            .delete_message(
                &RecordingMedia::default(),
                &name("dave"),
                "d1",
                &DeleteMessage {
                    conversation: dm("alice", "bob"),
                    ..request
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(error, ChatError::NotAMember), "{error:?}");
    }
    let error = chat
        .typing(
            &name("carol"),
            &Typing {
                conversation: dm("alice", "bob"),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::NotAMember), "{error:?}");
    assert!(world.store.messages().iter().all(|m| m.deleted.is_none()));
}

#[tokio::test]
async fn room_actions_need_a_membership() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    world.sign_in("eve", &["e1"]);
    let before = world.notifier.posts().len();
    let chat = world.chat();
    let eve = name("eve");

    let errors = [
        chat.react(&eve, "e1", &react(&carols, "👍", true))
            .await
            .unwrap_err(),
        chat.edit_message(&eve, "e1", &edit(&carols, "x"))
            .await
            .unwrap_err(),
        chat.typing(
            &eve,
            &Typing {
                conversation: room.id.clone(),
            },
        )
        .await
        .unwrap_err(),
    ];
    for error in errors {
        assert!(matches!(error, ChatError::NotAMember), "{error:?}");
    }
    assert_eq!(posts_since(&world, before), 0);
}

// --- Reactions ----------------------------------------------------------------------------

#[tokio::test]
async fn a_reaction_that_is_not_exactly_one_emoji_is_refused_and_changes_nothing() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    for bad in ["", "x", "👍👍", ":+1:", " 👍"] {
        let before = world.notifier.posts().len();
        let error = world
            .chat()
            .react(&name("bob"), "b1", &react(&carols, bad, true))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "invalid_emoji", "{bad:?}");
        assert_eq!(posts_since(&world, before), 0);
    }
    assert!(
        world
            .store
            .stored_message(&room.id, &carols.id)
            .unwrap()
            .reactions
            .is_empty()
    );
}

#[tokio::test]
async fn reactions_add_and_remove_and_a_retry_changes_nothing_twice() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    let before = world.notifier.posts().len();

    let added = reacted(&world, "dave", "d1", &react(&carols, "❤", true)).await;
    assert_eq!((added.count, added.changed, added.reacted), (1, true, true));
    assert_eq!(added.emoji.as_str(), "❤️");
    let event = ServerEvent::reaction(&added, None);
    assert_eq!(
        world.events_since(before),
        each(&["a1", "b1", "c1"], &event)
    );
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::json!({"type": "reaction", "conversationId": room.id.as_str(), "messageId": carols.id, "emoji": "❤️", "count": 1, "user": "dave", "reacted": true})
    );

    let retry_from = world.notifier.posts().len();
    let retry = reacted(&world, "dave", "d1", &react(&carols, "❤️", true)).await;
    assert_eq!((retry.count, retry.changed), (1, false));
    assert_eq!(
        posts_since(&world, retry_from),
        0,
        "a retry broadcasts nothing"
    );

    let second = reacted(&world, "bob", "b1", &react(&carols, "❤️", true)).await;
    assert_eq!(second.count, 2);
    let removed = reacted(&world, "dave", "d1", &react(&carols, "❤️", false)).await;
    assert_eq!(
        (removed.count, removed.changed, removed.reacted),
        (1, true, false)
    );
    let again = reacted(&world, "dave", "d1", &react(&carols, "❤️", false)).await;
    assert_eq!((again.count, again.changed), (1, false));

    let stored = world.store.stored_message(&room.id, &carols.id).unwrap();
    assert_eq!(stored.reactions.len(), 1);
    assert_eq!(stored.reactions[0].users, [name("bob").key()]);
}

#[tokio::test]
async fn a_message_holds_at_most_twenty_distinct_emojis() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    let emojis: Vec<&str> = emojis::iter()
        .map(emojis::Emoji::as_str)
        .take(MAX_DISTINCT_REACTIONS + 1)
        .collect();
    for emoji in &emojis[..MAX_DISTINCT_REACTIONS] {
        reacted(&world, "dave", "d1", &react(&carols, emoji, true)).await;
    }
    let before = world.notifier.posts().len();

    let error = world
        .chat()
        .react(
            &name("bob"),
            "b1",
            &react(&carols, emojis[MAX_DISTINCT_REACTIONS], true),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ChatError::TooManyReactions), "{error:?}");
    assert_eq!(error.code(), "too_many_reactions");
    assert_eq!(posts_since(&world, before), 0);

    // Adding to an emoji already there is always fine, and removing one makes room.
    let joined = reacted(&world, "bob", "b1", &react(&carols, emojis[0], true)).await;
    assert_eq!(joined.count, 2);
    reacted(&world, "dave", "d1", &react(&carols, emojis[1], false)).await;
    let last = reacted(
        &world,
        "bob",
        "b1",
        &react(&carols, emojis[MAX_DISTINCT_REACTIONS], true),
    )
    .await;
    assert!(last.changed);
    let stored = world.store.stored_message(&room.id, &carols.id).unwrap();
    assert_eq!(stored.reactions.len(), MAX_DISTINCT_REACTIONS);
}

#[tokio::test]
async fn history_counts_reactions_and_flags_the_viewers_own() {
    let world = World::new();
    let (room, carols) = team(&world).await;
    reacted(&world, "dave", "d1", &react(&carols, "👍", true)).await;
    reacted(&world, "bob", "b1", &react(&carols, "👍", true)).await;
    reacted(&world, "bob", "b1", &react(&carols, "😂", true)).await;

    let of = |views: Vec<MessageView>| {
        views[0]
            .reactions
            .iter()
            .map(|r| (r.emoji.clone(), r.count, r.reacted))
            .collect::<Vec<_>>()
    };
    let mut expected = vec![("👍".to_owned(), 2, true), ("😂".to_owned(), 1, false)];
    expected.sort();
    assert_eq!(of(views(&world, "dave", &room.id).await), expected);
    let for_bob: Vec<_> = expected
        .iter()
        .map(|(e, c, _)| (e.clone(), *c, true))
        .collect();
    assert_eq!(of(views(&world, "bob", &room.id).await), for_bob);
    let for_carol: Vec<_> = expected
        .iter()
        .map(|(e, c, _)| (e.clone(), *c, false))
        .collect();
    assert_eq!(of(views(&world, "carol", &room.id).await), for_carol);

    // A deleted message loses its reactions.
    deleted(&world, "carol", "c1", &carols).await;
    assert!(
        views(&world, "dave", &room.id).await[0]
            .reactions
            .is_empty()
    );
}

// --- Replies ------------------------------------------------------------------------------

#[tokio::test]
async fn a_reply_quotes_the_message_it_answers_live_and_in_history() {
    let world = World::new();
    let original = alice_to_bob(&world, "lunch?").await;
    let before = world.notifier.posts().len();

    let sent = world
        .chat_at(NOW + 1)
        .send_message(
            &name("bob"),
            "b1",
            reply(text_to("alice", "yes", "c-2"), &original),
        )
        .await
        .unwrap();

    assert_eq!(
        sent.message.reply_to.as_ref().map(|r| r.id.as_str()),
        Some(original.id.as_str())
    );
    assert_eq!(sent.quoted.as_ref(), Some(&original));
    let quote = ReplyView {
        message_id: original.id.clone(),
        from: Some("alice".into()),
        text: "lunch?".into(),
        attachment_name: None,
        deleted: false,
    };
    let event = ServerEvent::message(&sent.message, Some(&original));
    let ServerEvent::Message { message: live } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(live.reply_to.as_ref(), Some(&quote));
    assert_eq!(world.events_since(before), each(&["a1", "a2"], &event));
    let ServerEvent::MessageAck { message: ack, .. } = ServerEvent::message_ack(&sent) else {
        panic!("not an ack");
    };
    assert_eq!(ack.reply_to.as_ref(), Some(&quote));

    let shown = views(&world, "alice", &original.conversation_id).await;
    assert_eq!(shown[0].reply_to.as_ref(), Some(&quote));
}

#[tokio::test]
async fn a_quote_off_the_page_is_read_by_key_and_follows_edits_and_deletion() {
    let world = World::new();
    let original = alice_to_bob(&world, "first draft").await;
    let answer = world
        .chat_at(NOW + 1)
        .send_message(
            &name("bob"),
            "b1",
            reply(text_to("alice", "nice", "c-2"), &original),
        )
        .await
        .unwrap()
        .message;
    let conversation = original.conversation_id.clone();

    let page = history(&world, "bob", &conversation, 1).await;
    assert_eq!(page.page.messages, std::slice::from_ref(&answer));
    assert_eq!(page.quoted, std::slice::from_ref(&original));
    assert!(world.log.calls().contains(&"messages_by_key".to_owned()));

    edited(&world, NOW + 2, "alice", "a1", &edit(&original, "final")).await;
    let quote = |views: Vec<MessageView>| views[0].reply_to.clone().unwrap();
    let after_edit = quote(views(&world, "bob", &conversation).await);
    assert_eq!(
        (after_edit.text.as_str(), after_edit.deleted),
        ("final", false)
    );

    deleted(&world, "alice", "a1", &original).await;
    let after_delete = quote(views(&world, "bob", &conversation).await);
    assert_eq!(
        after_delete,
        ReplyView {
            message_id: original.id.clone(),
            from: Some("alice".into()),
            text: String::new(),
            attachment_name: None,
            deleted: true,
        }
    );
}

#[tokio::test]
async fn a_reply_to_an_unknown_message_is_refused_and_nothing_is_stored() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1"]);
    let request = SendMessage {
        reply_to: Some("01JDQ8Z7W4K3M2N1P0Q9R8S7T6".into()),
        ..text_to("bob", "re", "c-1")
    };

    let error = world.refused_send("alice", "a1", request).await;

    assert!(matches!(error, ChatError::UnknownMessage), "{error:?}");
}

// --- Typing -------------------------------------------------------------------------------

#[tokio::test]
async fn typing_reaches_only_the_other_members_and_at_most_once_per_interval() {
    let world = World::new();
    let (room, _) = team(&world).await;
    world.sign_in("carol", &["c1", "c2"]);
    let request = Typing {
        conversation: room.id.clone(),
    };
    let before = world.notifier.posts().len();

    let first = world
        .chat_at(NOW)
        .typing(&name("carol"), &request)
        .await
        .unwrap();
    let event = ServerEvent::typing(&room.id, &name("carol"));
    assert_eq!(
        first,
        TypingOutcome::Forwarded(Delivery {
            delivered: 3,
            gone: 0,
            failed: 0
        })
    );
    assert_eq!(
        world.events_since(before),
        each(&["a1", "b1", "d1"], &event)
    );
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::json!({"type": "typing", "conversationId": room.id.as_str(), "from": "carol"})
    );

    let soon = world
        .chat_at(NOW + TYPING_INTERVAL_MS - 1)
        .typing(&name("carol"), &request)
        .await
        .unwrap();
    assert_eq!(soon, TypingOutcome::Dropped);
    assert_eq!(posts_since(&world, before), 3);

    // Another member's gate is their own.
    let dave = world
        .chat_at(NOW + 1)
        .typing(&name("dave"), &request)
        .await
        .unwrap();
    assert!(matches!(dave, TypingOutcome::Forwarded(_)));

    let later = world
        .chat_at(NOW + TYPING_INTERVAL_MS)
        .typing(&name("carol"), &request)
        .await
        .unwrap();
    assert!(matches!(later, TypingOutcome::Forwarded(_)));
    assert_eq!(posts_since(&world, before), 3 + 4 + 3);
    assert!(
        world.notifier.posts()[before..]
            .iter()
            .all(|post| !post.connection_id.starts_with('c') || post.event() != event),
        "none of carol's connections hears her typing"
    );
}

#[tokio::test]
async fn typing_in_a_direct_conversation_reaches_only_the_other_user() {
    let world = World::new();
    alice_to_bob(&world, "hi").await;
    let before = world.notifier.posts().len();

    world
        .chat()
        .typing(
            &name("bob"),
            &Typing {
                conversation: dm("alice", "bob"),
            },
        )
        .await
        .unwrap();

    assert_eq!(
        world.events_since(before),
        each(
            &["a1", "a2"],
            &ServerEvent::typing(&dm("alice", "bob"), &name("bob"))
        )
    );
}

// --- Inbox --------------------------------------------------------------------------------

#[tokio::test]
async fn the_inbox_preview_follows_an_edit_or_deletion_of_the_last_message_only() {
    let world = World::new();
    let first = alice_to_bob(&world, "one").await;
    let conversation = first.conversation_id.clone();
    let preview = || {
        world
            .store
            .conversation(&conversation)
            .unwrap()
            .last
            .unwrap()
    };

    edited(&world, NOW + 1, "alice", "a1", &edit(&first, "one, edited")).await;
    assert_eq!(preview().preview, "one, edited");

    let second = world
        .chat_at(NOW + 5)
        .send_message(&name("bob"), "b1", text_to("alice", "two", "c-2"))
        .await
        .unwrap()
        .message;
    edited(&world, NOW + 6, "alice", "a1", &edit(&first, "one, again")).await;
    assert_eq!(
        (preview().message_id, preview().preview),
        (second.id.clone(), "two".to_owned()),
        "an older message's edit leaves the preview"
    );

    deleted(&world, "bob", "b1", &second).await;
    let last = preview();
    assert_eq!(
        (last.message_id, last.preview.as_str(), last.deleted),
        (second.id, "", true)
    );
    let view = crate::events::LastMessageView::from(&preview());
    assert_eq!(
        serde_json::to_value(&view).unwrap()["deleted"],
        serde_json::json!(true)
    );
}

#[tokio::test]
async fn a_demoted_admin_cannot_delete_others_messages_any_more() {
    // The room's role comes from the stored membership, read strongly consistent: a demoted
    // admin cannot delete others' messages any more.
    let world = World::new();
    let (room, carols) = team(&world).await;
    world.store.seed_member(&Member {
        role: Role::Member,
        ..world.store.membership(&room.id, "bob").unwrap()
    });

    let error = world
        .chat()
        .delete_message(
            &RecordingMedia::default(),
            &name("bob"),
            "b1",
            &delete(&carols),
        )
        .await
        .unwrap_err();

    assert!(matches!(error, ChatError::NotAuthor), "{error:?}");
}
