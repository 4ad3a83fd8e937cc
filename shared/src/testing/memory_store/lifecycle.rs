//! A message's life after it is sent, in memory with the DynamoDB adapter's semantics: lookups by
//! id or key within one conversation, edits and deletions conditional on the message being the one
//! read and not deleted, reactions atomic per message with a distinct-emoji limit, and the typing
//! gate letting one signal through per user and conversation per interval.

use crate::conversation::ConversationId;
use crate::model::{Deletion, Message};
use crate::ports::{
    MessageLookup, MessageRevision, ReactionOutcome, ReactionStore, RevisionOutcome, StoreError,
    TypingGate,
};
use crate::reactions::{Emoji, Reaction, TYPING_INTERVAL_MS};
use crate::rules::{UserKey, Username};

use super::{MemoryStore, Tables};

impl MemoryStore {
    /// The stored message `id` of `conversation`, as it is now.
    pub fn stored_message(&self, conversation: &ConversationId, id: &str) -> Option<Message> {
        self.lock()
            .messages
            .iter()
            .find(|message| message.conversation_id == *conversation && message.id == id)
            .cloned()
    }
}

impl Tables {
    /// The stored item of `message` (by its table key) if it still is that message (its id), as
    /// the adapter's condition `messageId = :id` checks.
    fn stored_mut(&mut self, message: &Message) -> Option<&mut Message> {
        let key = message.dedup_key();
        self.messages.iter_mut().find(|stored| {
            stored.conversation_id == message.conversation_id
                && stored.dedup_key() == key
                && stored.id == message.id
        })
    }

    /// Applies `change` to `message` unless it is gone or deleted.
    fn revise(&mut self, message: &Message, change: impl FnOnce(&mut Message)) -> RevisionOutcome {
        match self.stored_mut(message) {
            None => RevisionOutcome::Missing,
            Some(stored) if stored.deleted.is_some() => RevisionOutcome::Deleted,
            Some(stored) => {
                change(stored);
                RevisionOutcome::Revised(stored.clone())
            }
        }
    }

    fn set_reaction(
        &mut self,
        message: &Message,
        user: &UserKey,
        emoji: &Emoji,
        reacted: bool,
        max_distinct: usize,
    ) -> ReactionOutcome {
        let stored = match self.stored_mut(message) {
            None => return ReactionOutcome::Missing,
            Some(stored) if stored.deleted.is_some() => return ReactionOutcome::Deleted,
            Some(stored) => stored,
        };
        let distinct = stored.reactions.len();
        let reactions = &mut stored.reactions;
        let position = reactions.binary_search_by(|reaction| reaction.emoji.cmp(emoji));
        match (position, reacted) {
            (Ok(at), true) => {
                let reaction = &mut reactions[at];
                match reaction.users.binary_search(user) {
                    Ok(_) => ReactionOutcome::Unchanged {
                        count: reaction.count(),
                    },
                    Err(slot) => {
                        reaction.users.insert(slot, user.clone());
                        ReactionOutcome::Changed {
                            count: reaction.count(),
                        }
                    }
                }
            }
            (Err(_), true) if distinct >= max_distinct => ReactionOutcome::TooMany,
            (Err(slot), true) => {
                reactions.insert(
                    slot,
                    Reaction {
                        emoji: emoji.clone(),
                        users: vec![user.clone()],
                    },
                );
                ReactionOutcome::Changed { count: 1 }
            }
            (Ok(at), false) => {
                let reaction = &mut reactions[at];
                match reaction.users.binary_search(user) {
                    Err(_) => ReactionOutcome::Unchanged {
                        count: reaction.count(),
                    },
                    Ok(found) => {
                        reaction.users.remove(found);
                        let count = reaction.count();
                        // An emptied string set disappears from the item.
                        if count == 0 {
                            reactions.remove(at);
                        }
                        ReactionOutcome::Changed { count }
                    }
                }
            }
            (Err(_), false) => ReactionOutcome::Unchanged { count: 0 },
        }
    }

    fn try_typing(&mut self, conversation: &ConversationId, user: &UserKey, now: i64) -> bool {
        let gate = (conversation.as_str().to_owned(), user.clone());
        match self.typing_gates.get(&gate) {
            Some(until) if *until > now => false,
            _ => {
                self.typing_gates.insert(gate, now + TYPING_INTERVAL_MS);
                true
            }
        }
    }
}

impl MessageLookup for MemoryStore {
    async fn message(
        &self,
        conversation: &ConversationId,
        message_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        Ok(self.call("message", |tables| {
            tables
                .messages
                .iter()
                .find(|message| {
                    message.conversation_id == *conversation && message.id == message_id
                })
                .cloned()
        }))
    }

    async fn messages_by_key(
        &self,
        conversation: &ConversationId,
        dedup_keys: &[String],
    ) -> Result<Vec<Message>, StoreError> {
        Ok(self.call("messages_by_key", |tables| {
            tables
                .messages
                .iter()
                .filter(|message| {
                    message.conversation_id == *conversation
                        && dedup_keys.contains(&message.dedup_key())
                })
                .cloned()
                .collect()
        }))
    }
}

impl MessageRevision for MemoryStore {
    async fn edit_message(
        &self,
        message: &Message,
        text: &str,
        edited_at: i64,
    ) -> Result<RevisionOutcome, StoreError> {
        Ok(self.call("edit_message", |tables| {
            tables.revise(message, |stored| {
                text.clone_into(&mut stored.text);
                stored.edited_at = Some(edited_at);
            })
        }))
    }

    async fn delete_message(
        &self,
        message: &Message,
        by: &Username,
        at: i64,
    ) -> Result<RevisionOutcome, StoreError> {
        Ok(self.call("delete_message", |tables| {
            tables.revise(message, |stored| {
                stored.text.clear();
                stored.attachment = None;
                stored.reply_to = None;
                stored.reactions.clear();
                stored.deleted = Some(Deletion { by: by.clone(), at });
            })
        }))
    }
}

impl ReactionStore for MemoryStore {
    async fn set_reaction(
        &self,
        message: &Message,
        user: &UserKey,
        emoji: &Emoji,
        reacted: bool,
        max_distinct: usize,
    ) -> Result<ReactionOutcome, StoreError> {
        Ok(self.call("set_reaction", |tables| {
            tables.set_reaction(message, user, emoji, reacted, max_distinct)
        }))
    }
}

impl TypingGate for MemoryStore {
    async fn try_typing(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.call("try_typing", |tables| {
            tables.try_typing(conversation, user, now)
        }))
    }
}
