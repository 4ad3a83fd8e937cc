//! The use cases over the in-memory store and notifier: their rules about ordering, retries,
//! cleanup, membership and presence, without an SDK or any I/O. Direct conversations here; rooms,
//! the inbox and presence in their own modules.

mod inbox;
mod lifecycle;
mod presence;
mod rooms;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::identity::Identity;
use crate::media::{MediaKey, MediaType};
use crate::model::{Connection, HistoryCursor};
use crate::rules::{ClientMessageId, FixedClock, MessageText, PageLimit, Username};
use crate::testing::{CallLog, MemoryStore, NOW, RecordingNotifier, identity};

use super::{Chat, ChatError, Delivery, GetMessages, History, SendMessage, SentMessage, SetAvatar};

type MemoryChat = Chat<MemoryStore, RecordingNotifier, FixedClock>;

/// A store and a notifier that log to one call log, so a test sees what was stored before a post.
struct World {
    store: MemoryStore,
    notifier: RecordingNotifier,
    log: CallLog,
}

impl World {
    fn new() -> Self {
        let log = CallLog::default();
        Self {
            store: MemoryStore::logging_to(&log),
            notifier: RecordingNotifier::logging_to(&log),
            log,
        }
    }

    /// `name` signed in on each of `connection_ids` (offline when there is none).
    fn sign_in(&self, name: &str, connection_ids: &[&str]) {
        self.store.sign_in(&identity(name), connection_ids);
    }

    fn chat(&self) -> MemoryChat {
        self.chat_at(NOW)
    }

    /// The chat with its clock at `now`: message ids sort by the millisecond they were assigned
    /// in, so messages sent at different instants have a known order.
    fn chat_at(&self, now: i64) -> MemoryChat {
        Chat::new(self.store.clone(), self.notifier.clone(), FixedClock(now))
    }

    /// `a` and `b` have a direct conversation (as its first message would leave them).
    fn partners(&self, a: &str, b: &str) {
        let id = ConversationId::direct(&name(a).key(), &name(b).key());
        for user in [a, b] {
            self.store.seed_member(&crate::model::Member {
                conversation_id: id.clone(),
                username: name(user),
                role: crate::rooms::Role::Member,
                joined_at: NOW,
                read_message_id: None,
            });
        }
    }

    /// The events delivered since the `from`th post, by connection id.
    fn events_since(&self, from: usize) -> Vec<(String, ServerEvent)> {
        let mut events: Vec<_> = self.notifier.posts()[from..]
            .iter()
            .map(|post| (post.connection_id.clone(), post.event()))
            .collect();
        events.sort_by(|a, b| a.0.cmp(&b.0));
        events
    }

    /// `from` sends `request` from `connection_id` and is refused: nothing is stored or posted.
    async fn refused_send(
        &self,
        from: &str,
        connection_id: &str,
        request: SendMessage,
    ) -> ChatError {
        let error = self
            .chat()
            .send_message(&name(from), connection_id, request)
            .await
            .expect_err("the send is refused");
        assert!(self.store.messages().is_empty());
        assert!(self.notifier.posts().is_empty());
        error
    }
}

fn name(raw: &str) -> Username {
    Username::parse(raw).unwrap()
}

/// A text message to `recipient`, by name.
fn text_to(recipient: &str, text: &str, client_message_id: &str) -> SendMessage {
    SendMessage {
        conversation: ConversationRef::DirectWith(name(recipient)),
        text: Some(MessageText::parse(text).unwrap()),
        attachment: None,
        client_message_id: ClientMessageId::parse(client_message_id).unwrap(),
        reply_to: None,
    }
}

/// `event` delivered to each of `connection_ids`, as [`RecordingNotifier::events`] lists them.
fn each(connection_ids: &[&str], event: &ServerEvent) -> Vec<(String, ServerEvent)> {
    connection_ids
        .iter()
        .map(|id| ((*id).to_owned(), event.clone()))
        .collect()
}

fn texts(history: &History) -> Vec<&str> {
    history
        .page
        .messages
        .iter()
        .map(|message| message.text.as_str())
        .collect()
}

/// A page of two messages of `conversation`, after `cursor`.
fn two_messages(conversation: ConversationRef, cursor: Option<HistoryCursor>) -> GetMessages {
    GetMessages {
        conversation,
        limit: PageLimit::new(2).unwrap(),
        cursor,
    }
}

async fn send(
    chat: &MemoryChat,
    from: &str,
    connection_id: &str,
    request: SendMessage,
) -> SentMessage {
    chat.send_message(&name(from), connection_id, request)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_is_stored_then_goes_to_the_recipient_and_the_senders_other_connections() {
    let world = World::new();
    world.sign_in("Alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1", "b2"]);

    let sent = send(&world.chat(), "alice", "a1", text_to("BOB", "hi", "c-1")).await;

    assert!(!sent.duplicate);
    // Names as the users' records spell them, not as the request did.
    assert_eq!(sent.message.from.as_str(), "Alice");
    assert_eq!(sent.message.to.as_ref().map(Username::as_str), Some("bob"));
    assert_eq!(sent.message.text, "hi");
    assert_eq!(world.store.messages(), std::slice::from_ref(&sent.message));
    assert_eq!(
        world.notifier.events(),
        each(
            &["a2", "b1", "b2"],
            &ServerEvent::message(&sent.message, None)
        )
    );
    assert_eq!(
        sent.delivery,
        Delivery {
            delivered: 3,
            gone: 0,
            failed: 0
        }
    );
    let calls = world.log.calls();
    assert_eq!(
        calls[..6],
        [
            "users",
            "put_message",
            "record_last_message",
            "join_direct",
            "join_direct",
            "advance_read_point"
        ],
        "stored, and the conversation updated, before any post"
    );
    let mut posts = calls[6..].to_vec();
    posts.sort();
    assert_eq!(posts, ["post a2", "post b1", "post b2"]);
}

#[tokio::test]
async fn a_retry_with_the_same_client_message_id_is_stored_once_and_not_delivered_again() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1"]);
    let first = send(
        &world.chat_at(NOW),
        "alice",
        "a1",
        text_to("bob", "hi", "c-1"),
    )
    .await;
    let posts = world.notifier.posts();

    let retry = send(
        &world.chat_at(NOW + 5_000),
        "alice",
        "a1",
        text_to("bob", "hi", "c-1"),
    )
    .await;

    assert!(retry.duplicate);
    assert_eq!(retry.message, first.message, "the original, id and time");
    assert_eq!(retry.delivery, Delivery::default());
    assert_eq!(world.store.messages(), [first.message]);
    assert_eq!(world.notifier.posts(), posts);
}

#[tokio::test]
async fn a_gone_recipient_connection_is_removed_and_the_send_still_succeeds() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1", "b2"]);
    world.notifier.mark_gone("b2");

    let sent = send(&world.chat(), "alice", "a1", text_to("bob", "hi", "c-1")).await;

    assert_eq!(
        sent.delivery,
        Delivery {
            delivered: 1,
            gone: 1,
            failed: 0
        }
    );
    assert_eq!(world.store.messages(), std::slice::from_ref(&sent.message));
    assert_eq!(
        world.notifier.events(),
        each(&["b1"], &ServerEvent::message(&sent.message, None))
    );
    assert_eq!(world.store.user("bob").unwrap().connection_ids, ["b1"]);
    assert_eq!(world.store.connection("b2"), None);
    assert!(world.store.connection("b1").is_some());
}

#[tokio::test]
async fn sending_into_a_conversation_of_others_is_refused() {
    let world = World::new();
    for user in ["alice", "bob", "carol"] {
        world.sign_in(user, &[]);
    }
    let request = SendMessage {
        conversation: ConversationRef::Id(ConversationId::parse("dm#bob#carol").unwrap()),
        ..text_to("bob", "hi", "c-1")
    };

    let error = world.refused_send("alice", "a1", request).await;

    assert!(matches!(error, ChatError::NotAMember), "{error:?}");
}

#[tokio::test]
async fn sending_to_yourself_is_refused() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);

    let error = world
        .refused_send("alice", "a1", text_to("ALICE", "hi", "c-1"))
        .await;

    assert!(matches!(error, ChatError::MessageToSelf), "{error:?}");
}

#[tokio::test]
async fn sending_to_an_unknown_user_is_refused() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);

    let error = world
        .refused_send("alice", "a1", text_to("Nobody", "hi", "c-1"))
        .await;

    assert!(
        matches!(&error, ChatError::UnknownRecipient(key) if key.as_str() == "nobody"),
        "{error:?}"
    );
}

#[tokio::test]
async fn history_pages_newest_first_with_a_cursor_that_continues() {
    let world = World::new();
    for user in ["alice", "bob", "carol"] {
        world.sign_in(user, &[]);
    }
    for (i, (from, to)) in [
        ("alice", "bob"),
        ("bob", "alice"),
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "alice"),
        ("alice", "bob"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = NOW + i64::try_from(i).unwrap();
        let request = text_to(to, &format!("m{i}"), &format!("c-{i}"));
        let connection_id = format!("{from}-tab");
        send(&world.chat_at(at), from, &connection_id, request).await;
    }
    let chat = world.chat();
    let with_bob = || ConversationRef::DirectWith(name("Bob"));

    let first = chat
        .history(&name("alice"), &two_messages(with_bob(), None))
        .await
        .unwrap();
    assert_eq!(first.conversation.id().as_str(), "dm#alice#bob");
    assert_eq!(first.with.as_deref(), Some("Bob"));
    assert_eq!(texts(&first), ["m5", "m4"]);

    // The other member continues by id from where the first page ended.
    let by_id = ConversationRef::Id(first.conversation.id().clone());
    let second = chat
        .history(&name("bob"), &two_messages(by_id, first.page.next.clone()))
        .await
        .unwrap();
    assert_eq!(second.with.as_deref(), Some("alice"));
    assert_eq!(texts(&second), ["m2", "m1"]);

    let last = chat
        .history(&name("alice"), &two_messages(with_bob(), second.page.next))
        .await
        .unwrap();
    assert_eq!(texts(&last), ["m0"]);
    assert_eq!(last.page.next, None, "no cursor past the first message");
}

#[tokio::test]
async fn connect_announces_presence_only_on_the_users_first_connection() {
    let world = World::new();
    world.sign_in("bob", &["b1"]);
    world.partners("alice", "bob");

    world
        .chat()
        .connect("a1", &identity("Alice"))
        .await
        .unwrap();
    let alice = world.store.user("alice").unwrap();
    assert_eq!(alice.connection_ids, ["a1"]);
    assert_eq!(
        world.notifier.events(),
        each(&["b1"], &ServerEvent::presence(&alice))
    );

    world
        .chat()
        .connect("a2", &identity("alice"))
        .await
        .unwrap();
    assert_eq!(world.notifier.posts().len(), 1, "alice was already online");
    assert_eq!(
        world.store.user("alice").unwrap().connection_ids,
        ["a1", "a2"]
    );
    // The first sign-in's spelling names every connection.
    assert_eq!(
        world.store.connection("a2"),
        Some(Connection {
            connection_id: "a2".into(),
            username: name("Alice"),
            connected_at: NOW,
        })
    );
}

#[tokio::test]
async fn disconnect_announces_only_when_the_users_last_connection_closes() {
    let world = World::new();
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    world.partners("alice", "bob");
    let later = NOW + 60_000;

    world.chat_at(later).disconnect("a1").await.unwrap();
    assert!(world.notifier.posts().is_empty(), "alice is still online");
    assert_eq!(world.store.user("alice").unwrap().connection_ids, ["a2"]);
    assert_eq!(world.store.connection("a1"), None);

    world.chat_at(later).disconnect("a2").await.unwrap();
    let alice = world.store.user("alice").unwrap();
    assert!(!alice.is_online());
    assert_eq!(alice.last_seen, Some(later));
    assert_eq!(
        world.notifier.events(),
        each(&["b1"], &ServerEvent::presence(&alice))
    );

    // API Gateway may deliver `$disconnect` twice: the second finds nothing to do.
    world.chat_at(later).disconnect("a2").await.unwrap();
    assert_eq!(world.notifier.posts().len(), 1);
}

#[tokio::test]
async fn a_name_bound_to_another_account_is_refused() {
    let world = World::new();
    world.sign_in("bob", &["b1"]);
    let impostor = Identity {
        sub: "sub-impostor".into(),
        username: name("BOB"),
    };

    let error = world.chat().connect("x1", &impostor).await.unwrap_err();

    assert!(
        matches!(&error, ChatError::NameTaken(taken) if taken.as_str() == "BOB"),
        "{error:?}"
    );
    assert_eq!(world.store.connection("x1"), None);
    assert_eq!(world.store.user("bob").unwrap().connection_ids, ["b1"]);
    assert!(world.notifier.posts().is_empty());
}

#[tokio::test]
async fn set_avatar_refuses_another_users_picture() {
    let world = World::new();
    world.sign_in("alice", &["a1"]);
    world.sign_in("bob", &["b1"]);
    let request = SetAvatar {
        key: Some(MediaKey::new_avatar(name("bob").key(), MediaType::Png)),
        request_id: None,
    };

    let error = world
        .chat()
        .set_avatar(&name("alice"), "a1", &request)
        .await
        .unwrap_err();

    assert!(matches!(error, ChatError::ForbiddenMedia(_)), "{error:?}");
    assert_eq!(world.store.user("alice").unwrap().avatar_key, None);
    assert!(world.notifier.posts().is_empty());
}

#[tokio::test]
async fn set_avatar_announces_to_partners_and_own_other_connections() {
    let world = World::new();
    world.sign_in("alice", &["a1", "a2"]);
    world.sign_in("bob", &["b1"]);
    world.sign_in("stranger", &["s1"]);
    world.partners("alice", "bob");
    let key = MediaKey::new_avatar(name("alice").key(), MediaType::Png);
    let request = SetAvatar {
        key: Some(key.clone()),
        request_id: None,
    };

    let user = world
        .chat()
        .set_avatar(&name("Alice"), "a1", &request)
        .await
        .unwrap();

    assert_eq!(user.avatar_key, Some(key));
    assert_eq!(world.store.user("alice"), Some(user.clone()));
    assert_eq!(
        world.notifier.events(),
        each(&["a2", "b1"], &ServerEvent::profile(&user, None))
    );
}

#[tokio::test]
async fn set_avatar_of_a_user_no_longer_stored_asks_to_reconnect() {
    let world = World::new();

    let error = world
        .chat()
        .set_avatar(
            &name("ghost"),
            "g1",
            &SetAvatar {
                key: None,
                request_id: None,
            },
        )
        .await
        .unwrap_err();

    assert!(matches!(error, ChatError::UnknownConnection), "{error:?}");
    assert!(world.notifier.posts().is_empty());
}
