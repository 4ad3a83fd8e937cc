//! The inbox and read state: the caller's conversations by latest activity, with their last
//! message, unread counts and (direct) the other user's presence and read point; and moving a
//! read point forward, which the caller's other devices (and a direct partner) learn at once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::try_join_all;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::model::{ConversationMeta, Member, ReadAdvance, User};
use crate::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationActivity, ConversationBatchLookup,
    ConversationLookup, MembershipIndex, MessageHistory, UserLookup,
};
use crate::rooms::{MAX_INBOX_CONVERSATIONS, UNREAD_COUNT_CAP};
use crate::rules::{Clock, RequestId, RuleError, UserKey, Username, is_message_id};

use super::access::Access;
use super::{Chat, ChatError};

/// `getConversations`: a page of the caller's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetConversations {
    pub limit: u32,
    pub cursor: Option<InboxCursor>,
    pub request_id: Option<RequestId>,
}

/// `markRead`: the caller has read `message_id` (and everything before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkRead {
    pub conversation: ConversationId,
    pub message_id: String,
    pub request_id: Option<RequestId>,
}

impl MarkRead {
    pub fn new(
        conversation: ConversationId,
        message_id: &str,
        request_id: Option<RequestId>,
    ) -> Result<Self, RuleError> {
        if !is_message_id(message_id) {
            return Err(RuleError::InvalidMessageId);
        }
        Ok(Self {
            conversation,
            message_id: message_id.to_owned(),
            request_id,
        })
    }
}

/// Where an inbox page ends: the last conversation's activity time and id (the sort order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCursor {
    pub activity_at: i64,
    pub conversation_id: ConversationId,
}

impl InboxCursor {
    const MAX_ENCODED_LEN: usize = 256;

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}", self.activity_at, self.conversation_id))
    }

    /// Accepts only what [`InboxCursor::encode`] produces.
    pub fn decode(encoded: &str) -> Result<Self, RuleError> {
        if encoded.len() > Self::MAX_ENCODED_LEN {
            return Err(RuleError::InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| RuleError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| RuleError::InvalidCursor)?;
        let (at, id) = text.split_once('\n').ok_or(RuleError::InvalidCursor)?;
        Ok(Self {
            activity_at: at.parse().map_err(|_| RuleError::InvalidCursor)?,
            conversation_id: ConversationId::parse(id).map_err(|_| RuleError::InvalidCursor)?,
        })
    }

    fn of(entry: &InboxEntry) -> Self {
        Self {
            activity_at: entry.activity_at,
            conversation_id: entry.meta.id.clone(),
        }
    }
}

/// One conversation of the inbox, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    pub meta: ConversationMeta,
    pub membership: Member,
    /// The last message's time, else when the caller joined.
    pub activity_at: i64,
    /// Messages after the caller's read point, counted up to [`UNREAD_COUNT_CAP`].
    pub unread: u32,
    /// The other user of a direct conversation (with presence) and their read point.
    pub other: Option<User>,
    pub other_read_message_id: Option<String>,
}

/// A page of the inbox, most recent activity first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxPage {
    pub entries: Vec<InboxEntry>,
    pub next: Option<InboxCursor>,
}

/// A read point as it is after `markRead`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPoint {
    pub conversation: ConversationId,
    pub username: Username,
    pub message_id: String,
}

impl<S, N, C> Chat<S, N, C>
where
    S: MembershipIndex + ConversationBatchLookup + MessageHistory + UserLookup,
{
    /// A page of the caller's conversations, most recent activity first. Reads the caller's own
    /// memberships (at most [`MAX_INBOX_CONVERSATIONS`]) and, for the page, one count each.
    pub async fn conversations(
        &self,
        me: &Username,
        request: &GetConversations,
    ) -> Result<InboxPage, ChatError> {
        let my_key = me.key();
        let memberships = self
            .store
            .memberships(&my_key, MAX_INBOX_CONVERSATIONS)
            .await?;
        let ids: Vec<ConversationId> = memberships
            .iter()
            .map(|member| member.conversation_id.clone())
            .collect();
        let metas = if ids.is_empty() {
            Vec::new()
        } else {
            self.store.conversation_metas(&ids).await?
        };
        let mut entries: Vec<InboxEntry> = memberships
            .into_iter()
            .filter_map(|membership| {
                let meta = metas
                    .iter()
                    .find(|meta| meta.id == membership.conversation_id)?
                    .clone();
                let activity_at = meta.last.as_ref().map_or(membership.joined_at, |last| {
                    last.sent_at.max(membership.joined_at)
                });
                Some(InboxEntry {
                    meta,
                    membership,
                    activity_at,
                    unread: 0,
                    other: None,
                    other_read_message_id: None,
                })
            })
            .collect();
        entries.sort_by(|a, b| {
            b.activity_at
                .cmp(&a.activity_at)
                .then_with(|| a.meta.id.cmp(&b.meta.id))
        });
        if let Some(cursor) = &request.cursor {
            entries.retain(|entry| {
                (entry.activity_at, &cursor.conversation_id) < (cursor.activity_at, &entry.meta.id)
            });
        }
        let limit = request.limit as usize;
        let next = (entries.len() > limit).then(|| InboxCursor::of(&entries[limit - 1]));
        entries.truncate(limit);
        self.fill_page(&my_key, &mut entries).await?;
        Ok(InboxPage { entries, next })
    }

    /// The page's unread counts, and for direct conversations the other user and read point.
    async fn fill_page(&self, me: &UserKey, entries: &mut [InboxEntry]) -> Result<(), ChatError> {
        let counts = try_join_all(entries.iter().map(|entry| {
            self.store.count_after(
                &entry.meta.id,
                entry.membership.read_message_id.as_deref(),
                UNREAD_COUNT_CAP,
            )
        }))
        .await?;
        let others: Vec<(ConversationId, UserKey)> = entries
            .iter()
            .filter_map(|entry| {
                let (a, b) = entry.meta.id.direct_members()?;
                Some((entry.meta.id.clone(), if a == *me { b } else { a }))
            })
            .collect();
        let (users, memberships) = if others.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let keys: Vec<UserKey> = others.iter().map(|(_, user)| user.clone()).collect();
            futures_util::try_join!(self.store.users(&keys), self.store.memberships_of(&others))?
        };
        for (entry, unread) in entries.iter_mut().zip(counts) {
            entry.unread = unread;
            let Some((_, other)) = others.iter().find(|(id, _)| *id == entry.meta.id) else {
                continue;
            };
            entry.other = users
                .iter()
                .find(|user| user.username.key() == *other)
                .cloned();
            entry.other_read_message_id = memberships
                .iter()
                .find(|m| m.conversation_id == entry.meta.id && m.username.key() == *other)
                .and_then(|m| m.read_message_id.clone());
        }
        Ok(())
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: MessageHistory + ConversationLookup + ConversationActivity + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Moves the caller's read point forward to `message_id` (never back) and tells their other
    /// connections and, in a direct conversation, the other user. Answers with the read point as
    /// it is (a later one when the caller had already read further).
    pub async fn mark_read(
        &self,
        me: &Username,
        connection_id: &str,
        request: &MarkRead,
    ) -> Result<ReadPoint, ChatError> {
        let my_key = me.key();
        let conversation = &request.conversation;
        // Membership first, so a stranger cannot learn which messages a room holds.
        let access = self
            .access(&my_key, &ConversationRef::Id(conversation.clone()))
            .await?;
        if !self
            .store
            .contains_message(conversation, &request.message_id)
            .await?
        {
            return Err(ChatError::UnknownMessage);
        }
        let read = |message_id: String| ReadPoint {
            conversation: conversation.clone(),
            username: me.clone(),
            message_id,
        };
        match self
            .store
            .advance_read_point(conversation, &my_key, &request.message_id)
            .await?
        {
            ReadAdvance::NotAMember => Err(ChatError::NotAMember),
            ReadAdvance::AlreadyAt(later) => Ok(read(later)),
            ReadAdvance::Advanced => {
                let point = read(request.message_id.clone());
                let mut audience = vec![my_key];
                if let Access::Direct(direct) = access {
                    audience.push(direct.other);
                }
                self.post_to_users(
                    &audience,
                    &ServerEvent::read_state(&point, None),
                    Some(connection_id),
                )
                .await?;
                Ok(point)
            }
        }
    }
}
