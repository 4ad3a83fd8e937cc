//! A message's life after it is sent against DynamoDB Local: lookups by id and by key, replies,
//! edits, tombstones, reactions (atomic under concurrency, within the distinct limit), the typing
//! gate, and the inbox's last message following edits and deletions.

use aws_sdk_dynamodb::types::AttributeValue;
use chat_domain::DynamoStore;
use chat_domain::conversation::ConversationId;
use chat_domain::media::{Attachment, FileName, MediaKey, MediaType};
use chat_domain::model::{Deletion, LastMessage, Message, MessageRef};
use chat_domain::ports::{
    ConversationActivity, ConversationBatchLookup, MessageHistory, MessageLookup, MessageRevision,
    MessageWriter, ReactionOutcome, ReactionStore, RevisionOutcome, TypingGate,
};
use chat_domain::reactions::{Emoji, MAX_DISTINCT_REACTIONS, TYPING_GATE_TTL_SECS};
use chat_domain::rules::{Clock, PageLimit, SystemClock, UserKey, new_message_id};
use futures_util::future::join_all;

use super::{message, store, user};

const AT: i64 = 1_764_000_000_000;

fn key(name: &str) -> UserKey {
    user(name).key()
}

fn emoji(raw: &str) -> Emoji {
    Emoji::parse(raw).unwrap()
}

fn with_attachment(mut message: Message) -> Message {
    message.attachment = Some(
        Attachment::new(
            MediaKey::new_attachment(
                message.from.key(),
                message.to.as_ref().expect("a direct message").key(),
                MediaType::Pdf,
            ),
            FileName::parse("minutes.pdf").unwrap(),
            "application/pdf",
            4096,
        )
        .unwrap(),
    );
    message
}

/// `message` stored, then read back as the use cases read it (through the index).
async fn stored(store: &DynamoStore, message: &Message) -> Message {
    store.put_message(message).await.unwrap();
    reread(store, message).await
}

async fn reread(store: &DynamoStore, message: &Message) -> Message {
    store
        .message(&message.conversation_id, &message.id)
        .await
        .unwrap()
        .expect("the message is stored")
}

/// The message's raw item in the base table.
async fn raw_item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    message: &Message,
) -> std::collections::HashMap<String, AttributeValue> {
    client
        .get_item()
        .table_name(table)
        .key(
            "conversationId",
            AttributeValue::S(message.conversation_id.to_string()),
        )
        .key("dedupKey", AttributeValue::S(message.dedup_key()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

fn attribute_names(item: &std::collections::HashMap<String, AttributeValue>) -> Vec<&str> {
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

async fn react(
    store: &DynamoStore,
    message: &Message,
    who: &str,
    with: &str,
    reacted: bool,
) -> ReactionOutcome {
    store
        .set_reaction(
            message,
            &key(who),
            &emoji(with),
            reacted,
            MAX_DISTINCT_REACTIONS,
        )
        .await
        .unwrap()
}

/// Each reaction of `message` as (emoji, its users).
fn reactions(message: &Message) -> Vec<(String, Vec<String>)> {
    message
        .reactions
        .iter()
        .map(|r| {
            (
                r.emoji.to_string(),
                r.users.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_message_is_found_by_id_in_its_own_conversation_only() {
    let (store, _client, _tables) = store().await;
    let to_bob = message("alice", "bob", 1, AT);
    let to_carol = message("alice", "carol", 2, AT + 1);
    store.put_message(&to_bob).await.unwrap();
    store.put_message(&to_carol).await.unwrap();

    assert_eq!(
        store
            .message(&to_bob.conversation_id, &to_bob.id)
            .await
            .unwrap(),
        Some(to_bob.clone())
    );
    assert_eq!(
        store
            .message(&to_carol.conversation_id, &to_bob.id)
            .await
            .unwrap(),
        None,
        "knowing an id does not reach into another conversation"
    );
    assert_eq!(
        store
            .message(&to_bob.conversation_id, &new_message_id(AT + 5))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn messages_are_read_by_key_in_one_batch_within_their_conversation() {
    let (store, _client, _tables) = store().await;
    let first = message("alice", "bob", 1, AT);
    let second = message("bob", "alice", 2, AT + 1);
    let third = message("alice", "bob", 3, AT + 2);
    let elsewhere = message("alice", "carol", 4, AT + 3);
    for m in [&first, &second, &third, &elsewhere] {
        store.put_message(m).await.unwrap();
    }

    let mut found = store
        .messages_by_key(
            &first.conversation_id,
            &[
                third.dedup_key(),
                first.dedup_key(),
                third.dedup_key(),
                "alice#never-sent".into(),
                elsewhere.dedup_key(),
            ],
        )
        .await
        .unwrap();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        found,
        [first.clone(), third],
        "each once; missing keys and other conversations' messages absent"
    );
    assert_eq!(
        store
            .messages_by_key(&first.conversation_id, &[])
            .await
            .unwrap(),
        []
    );
}

#[tokio::test]
async fn a_reply_is_stored_with_its_reference_and_read_back() {
    let (store, client, tables) = store().await;
    let original = message("alice", "bob", 1, AT);
    store.put_message(&original).await.unwrap();
    let mut reply = message("bob", "alice", 2, AT + 1);
    reply.reply_to = Some(MessageRef::to(&original));

    let read = stored(&store, &reply).await;
    assert_eq!(read, reply);
    let raw = raw_item(&client, &tables.messages, &reply).await;
    assert_eq!(raw["replyToId"].as_s().unwrap(), &original.id);
    assert_eq!(raw["replyToKey"].as_s().unwrap(), "alice#m-1");
    let page = store
        .message_page(&reply.conversation_id, PageLimit::default(), None)
        .await
        .unwrap();
    assert_eq!(page.messages, [reply, original]);
}

#[tokio::test]
async fn an_edit_replaces_the_text_and_stamps_the_time() {
    let (store, _client, _tables) = store().await;
    let original = stored(&store, &message("alice", "bob", 1, AT)).await;

    let RevisionOutcome::Revised(edited) = store
        .edit_message(&original, "fixed typo", AT + 10)
        .await
        .unwrap()
    else {
        panic!("the message is there to edit");
    };
    assert_eq!(
        edited,
        Message {
            text: "fixed typo".into(),
            edited_at: Some(AT + 10),
            ..original.clone()
        }
    );
    assert_eq!(reread(&store, &original).await, edited);

    let file = stored(&store, &with_attachment(message("alice", "bob", 2, AT + 1))).await;
    let RevisionOutcome::Revised(emptied) = store.edit_message(&file, "", AT + 11).await.unwrap()
    else {
        panic!("the message is there to edit");
    };
    assert_eq!(
        (emptied.text.as_str(), emptied.attachment.is_some()),
        ("", true),
        "a file keeps its attachment without text"
    );

    let never_sent = message("alice", "bob", 3, AT + 2);
    assert_eq!(
        store.edit_message(&never_sent, "x", AT + 12).await.unwrap(),
        RevisionOutcome::Missing
    );
    assert_eq!(
        store
            .message(&never_sent.conversation_id, &never_sent.id)
            .await
            .unwrap(),
        None,
        "an edit never creates a message"
    );
}

#[tokio::test]
async fn a_deletion_leaves_a_tombstone_without_text_file_reply_or_reactions() {
    let (store, client, tables) = store().await;
    let original = stored(&store, &message("bob", "alice", 1, AT)).await;
    let mut sent = with_attachment(message("alice", "bob", 2, AT + 1));
    sent.reply_to = Some(MessageRef::to(&original));
    let sent = stored(&store, &sent).await;
    react(&store, &sent, "bob", "👍", true).await;
    react(&store, &sent, "alice", "🎉", true).await;
    let read = reread(&store, &sent).await;
    assert_eq!(read.reactions.len(), 2);

    let RevisionOutcome::Revised(tombstone) = store
        .delete_message(&read, &user("Alice"), AT + 20)
        .await
        .unwrap()
    else {
        panic!("the message is there to delete");
    };
    assert_eq!(
        tombstone,
        Message {
            text: String::new(),
            attachment: None,
            reply_to: None,
            reactions: Vec::new(),
            deleted: Some(Deletion {
                by: user("Alice"),
                at: AT + 20,
            }),
            ..sent.clone()
        }
    );
    assert_eq!(reread(&store, &sent).await, tombstone);
    let raw = raw_item(&client, &tables.messages, &sent).await;
    assert_eq!(
        attribute_names(&raw),
        [
            "clientMessageId",
            "conversationId",
            "dedupKey",
            "deletedAt",
            "deletedBy",
            "from",
            "messageId",
            "sentAt",
            "text",
            "to"
        ],
        "nothing of the content is kept"
    );

    assert_eq!(
        store
            .delete_message(&read, &user("Alice"), AT + 21)
            .await
            .unwrap(),
        RevisionOutcome::Deleted,
        "a second deletion changes nothing"
    );
    assert_eq!(
        store.edit_message(&read, "back", AT + 22).await.unwrap(),
        RevisionOutcome::Deleted
    );
    assert_eq!(
        react(&store, &read, "bob", "👍", true).await,
        ReactionOutcome::Deleted
    );
    assert_eq!(
        raw_item(&client, &tables.messages, &sent).await,
        raw,
        "nothing was written"
    );
    let never_sent = message("alice", "bob", 3, AT + 2);
    assert_eq!(
        store
            .delete_message(&never_sent, &user("alice"), AT + 23)
            .await
            .unwrap(),
        RevisionOutcome::Missing
    );
}

#[tokio::test]
async fn reactions_are_set_to_the_state_asked_once_each() {
    let (store, client, tables) = store().await;
    let sent = stored(&store, &message("alice", "bob", 1, AT)).await;

    assert_eq!(
        react(&store, &sent, "alice", "❤", true).await,
        ReactionOutcome::Changed { count: 1 }
    );
    assert_eq!(
        react(&store, &reread(&store, &sent).await, "alice", "❤️", true).await,
        ReactionOutcome::Unchanged { count: 1 },
        "one emoji whichever its form; a retry changes nothing"
    );
    assert_eq!(
        react(&store, &reread(&store, &sent).await, "Bob", "❤️", true).await,
        ReactionOutcome::Changed { count: 2 }
    );
    assert_eq!(
        react(&store, &reread(&store, &sent).await, "bob", "👍", true).await,
        ReactionOutcome::Changed { count: 1 }
    );
    let read = reread(&store, &sent).await;
    assert_eq!(
        reactions(&read),
        [
            ("❤️".to_owned(), vec!["alice".to_owned(), "bob".to_owned()]),
            ("👍".to_owned(), vec!["bob".to_owned()])
        ],
        "sorted by emoji, users sorted"
    );
    let raw = raw_item(&client, &tables.messages, &sent).await;
    assert_eq!(
        raw["reaction:❤️"].as_ss().map(Vec::len),
        Ok(2),
        "one string set per emoji"
    );

    assert_eq!(
        react(&store, &read, "alice", "❤️", false).await,
        ReactionOutcome::Changed { count: 1 }
    );
    assert_eq!(
        react(&store, &read, "alice", "❤️", false).await,
        ReactionOutcome::Unchanged { count: 1 },
        "a stale read is checked before answering that nothing changed"
    );
    assert_eq!(
        react(&store, &read, "carol", "👍", false).await,
        ReactionOutcome::Unchanged { count: 1 },
        "removing a reaction one never made"
    );
    assert_eq!(
        react(&store, &sent, "bob", "👍", false).await,
        ReactionOutcome::Changed { count: 0 },
        "the message as read before the reaction still removes it"
    );
    react(&store, &sent, "bob", "❤️", false).await;
    let read = reread(&store, &sent).await;
    assert_eq!(read.reactions, [], "emptied sets disappear");
    assert!(
        !attribute_names(&raw_item(&client, &tables.messages, &sent).await)
            .iter()
            .any(|name| name.starts_with("reaction:")),
    );

    let never_sent = message("alice", "bob", 2, AT + 1);
    assert_eq!(
        react(&store, &never_sent, "alice", "👍", true).await,
        ReactionOutcome::Missing
    );
    assert_eq!(
        store
            .message(&never_sent.conversation_id, &never_sent.id)
            .await
            .unwrap(),
        None,
        "a reaction never creates a message"
    );
}

#[tokio::test]
async fn concurrent_reactions_with_one_emoji_all_count() {
    let (store, _client, _tables) = store().await;
    let sent = stored(&store, &message("alice", "bob", 1, AT)).await;
    let users: Vec<String> = (0..20).map(|i| format!("user{i:02}")).collect();

    let outcomes = join_all(
        users
            .iter()
            .map(|name| react(&store, &sent, name, "👍", true)),
    )
    .await;
    let mut counts: Vec<u32> = outcomes
        .iter()
        .map(|outcome| match outcome {
            ReactionOutcome::Changed { count } => *count,
            other => panic!("every reaction is added: {other:?}"),
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=20).collect::<Vec<_>>(),
        "each add is applied on its own, one after the other"
    );
    let read = reread(&store, &sent).await;
    assert_eq!(reactions(&read), [("👍".to_owned(), users.clone())]);

    let removals = join_all(
        users
            .iter()
            .step_by(2)
            .map(|name| react(&store, &read, name, "👍", false)),
    )
    .await;
    assert!(
        removals
            .iter()
            .all(|outcome| matches!(outcome, ReactionOutcome::Changed { .. }))
    );
    assert_eq!(reread(&store, &sent).await.reactions[0].count(), 10);
}

const EMOJIS: [&str; 21] = [
    "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗",
    "😙", "😚", "🙂", "🤗", "🤩",
];

#[tokio::test]
async fn the_distinct_emoji_limit_holds_under_concurrent_new_emojis() {
    // The limit is the caller's: a small one makes the races many and the test short.
    const LIMIT: usize = 4;
    let (store, _client, _tables) = store().await;
    let sent = stored(&store, &message("alice", "bob", 1, AT)).await;

    // 12 users add 12 new emojis at once. Each new emoji takes the message's version lock, so
    // most lose a race or several; a call that loses every attempt is an error (the client sees
    // `service_unavailable`) and is sent again, as a client would.
    let outcomes = join_all(EMOJIS[..12].iter().enumerate().map(|(i, with)| {
        let (store, sent) = (&store, &sent);
        async move {
            let user = key(&format!("user{i:02}"));
            for _ in 0..20 {
                if let Ok(outcome) = store
                    .set_reaction(sent, &user, &emoji(with), true, LIMIT)
                    .await
                {
                    return outcome;
                }
            }
            panic!("{user} {with} never got through");
        }
    }))
    .await;
    let added = outcomes
        .iter()
        .filter(|outcome| **outcome == ReactionOutcome::Changed { count: 1 })
        .count();
    let refused = outcomes
        .iter()
        .filter(|outcome| **outcome == ReactionOutcome::TooMany)
        .count();
    assert_eq!((added, refused), (LIMIT, 12 - LIMIT), "{outcomes:?}");
    let read = reread(&store, &sent).await;
    assert_eq!(read.reactions.len(), LIMIT);
}

#[tokio::test]
async fn a_message_holds_at_most_20_distinct_emojis() {
    let (store, _client, _tables) = store().await;
    let sent = stored(&store, &message("alice", "bob", 1, AT)).await;
    for (i, with) in EMOJIS[..MAX_DISTINCT_REACTIONS].iter().enumerate() {
        assert_eq!(
            react(&store, &sent, &format!("user{i:02}"), with, true).await,
            ReactionOutcome::Changed { count: 1 }
        );
    }
    let read = reread(&store, &sent).await;
    assert_eq!(read.reactions.len(), MAX_DISTINCT_REACTIONS);

    let one_more = EMOJIS[MAX_DISTINCT_REACTIONS];
    assert_eq!(
        react(&store, &read, "late", one_more, true).await,
        ReactionOutcome::TooMany
    );
    assert_eq!(
        react(&store, &read, "late", EMOJIS[0], true).await,
        ReactionOutcome::Changed { count: 2 },
        "adding to an emoji already there is always fine"
    );
    react(&store, &read, "user01", EMOJIS[1], false).await;
    assert_eq!(
        react(&store, &read, "late", one_more, true).await,
        ReactionOutcome::Changed { count: 1 },
        "a freed place takes a new emoji"
    );
    assert_eq!(
        reread(&store, &sent).await.reactions.len(),
        MAX_DISTINCT_REACTIONS
    );
}

#[tokio::test]
async fn reactions_survive_a_history_page_and_an_edit() {
    let (store, _client, _tables) = store().await;
    let sent = stored(&store, &message("alice", "bob", 1, AT)).await;
    react(&store, &sent, "bob", "🙏", true).await;
    react(&store, &sent, "alice", "🙏", true).await;
    let read = reread(&store, &sent).await;

    let RevisionOutcome::Revised(edited) =
        store.edit_message(&read, "edited", AT + 5).await.unwrap()
    else {
        panic!("the message is there to edit");
    };
    assert_eq!(edited.reactions, read.reactions);
    let page = store
        .message_page(&sent.conversation_id, PageLimit::default(), None)
        .await
        .unwrap();
    assert_eq!(page.messages, [edited]);
    assert_eq!(
        reactions(&page.messages[0]),
        [("🙏".to_owned(), vec!["alice".to_owned(), "bob".to_owned()])]
    );
}

#[tokio::test]
async fn the_typing_gate_lets_one_signal_through_per_user_and_conversation_every_3_s() {
    let (store, client, tables) = store().await;
    // Now, not a fixed date: DynamoDB Local's TTL sweeper deletes an expired gate whenever it runs.
    let now = SystemClock.now_millis();
    let direct = ConversationId::direct(&key("alice"), &key("bob"));
    let other = ConversationId::direct(&key("alice"), &key("carol"));

    assert!(store.try_typing(&direct, &key("alice"), now).await.unwrap());
    assert!(
        !store
            .try_typing(&direct, &key("alice"), now + 1_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .try_typing(&direct, &key("bob"), now + 1_000)
            .await
            .unwrap(),
        "each user has their own gate"
    );
    assert!(
        store
            .try_typing(&other, &key("alice"), now + 1_000)
            .await
            .unwrap(),
        "and each conversation"
    );
    assert!(
        store
            .try_typing(&direct, &key("alice"), now + 3_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_typing(&direct, &key("alice"), now + 5_999)
            .await
            .unwrap()
    );

    let raw = client
        .get_item()
        .table_name(&tables.clients)
        .key("pk", AttributeValue::S(format!("TYPING#{direct}")))
        .key("sk", AttributeValue::S("alice".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        raw["until"].as_n().unwrap().parse::<i64>().unwrap(),
        now + 6_000
    );
    assert_eq!(
        raw["expiresAt"].as_n().unwrap().parse::<i64>().unwrap(),
        (now + 3_000) / 1000 + TYPING_GATE_TTL_SECS,
        "TTL in epoch seconds"
    );
}

#[tokio::test]
async fn the_inbox_last_message_follows_edits_and_deletions_of_the_last_one_only() {
    let (store, _client, _tables) = store().await;
    let older = stored(&store, &message("alice", "bob", 1, AT)).await;
    let last = stored(&store, &with_attachment(message("bob", "alice", 2, AT + 1))).await;
    store.record_last_message(&older).await.unwrap();
    store.record_last_message(&last).await.unwrap();
    let (store, conversation) = (&store, &last.conversation_id);
    let inbox = || async move {
        store
            .conversation_metas(std::slice::from_ref(conversation))
            .await
            .unwrap()
            .remove(0)
            .last
            .unwrap()
    };

    let RevisionOutcome::Revised(older_edited) = store
        .edit_message(&older, "older, edited", AT + 5)
        .await
        .unwrap()
    else {
        panic!("edited");
    };
    store.revise_last_message(&older_edited).await.unwrap();
    assert_eq!(
        inbox().await,
        LastMessage::of(&last),
        "an older message changes nothing"
    );

    let RevisionOutcome::Revised(last_edited) = store
        .edit_message(&last, "see you at ten", AT + 6)
        .await
        .unwrap()
    else {
        panic!("edited");
    };
    store.revise_last_message(&last_edited).await.unwrap();
    assert_eq!(inbox().await, LastMessage::of(&last_edited));
    assert_eq!(inbox().await.preview, "see you at ten");

    let RevisionOutcome::Revised(tombstone) = store
        .delete_message(&last_edited, &user("bob"), AT + 7)
        .await
        .unwrap()
    else {
        panic!("deleted");
    };
    store.revise_last_message(&tombstone).await.unwrap();
    let deleted = inbox().await;
    assert_eq!(
        (
            deleted.deleted,
            deleted.preview.as_str(),
            deleted.attachment_name.as_deref()
        ),
        (true, "", None)
    );
    assert_eq!(deleted, LastMessage::of(&tombstone));
    store.revise_last_message(&last_edited).await.unwrap();
    assert!(
        inbox().await.deleted,
        "an edit that lost the race with the deletion does not show again"
    );

    let newer = stored(store, &message("alice", "bob", 3, AT + 10)).await;
    store.record_last_message(&newer).await.unwrap();
    assert_eq!(
        inbox().await,
        LastMessage::of(&newer),
        "a newer message is not deleted"
    );
}
