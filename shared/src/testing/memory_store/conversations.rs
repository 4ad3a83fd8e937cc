//! Conversations, members and presence watches in memory, with the DynamoDB adapter's semantics:
//! a read point only moves forward, a room never holds more than its limit, writes of several
//! items happen all or not at all.

use std::collections::BTreeMap;

use crate::conversation::ConversationId;
use crate::model::{ConversationMeta, LastMessage, Member, MemberPage, Message, ReadAdvance, Room};
use crate::ports::{
    AddMembersOutcome, ConversationActivity, ConversationBatchLookup, ConversationLookup,
    MemberListing, MembershipIndex, PresenceAudience, PresenceWatches, RoomAdministration,
    RoomCreation, StoreError,
};
use crate::rooms::Role;
use crate::rules::{UserKey, Username};

use super::{MemoryStore, Refused, Tables, page};

impl MemoryStore {
    /// Seeds a room and its members as [`RoomCreation::create_room`] stores them, without logging
    /// a call.
    pub fn seed_room(&self, room: &Room, members: &[Member]) {
        self.lock()
            .create_room(room, members)
            .unwrap_or_else(|e| panic!("seeding {}: {e}", room.id));
    }

    /// Seeds (or replaces) one member item, without logging a call.
    pub fn seed_member(&self, member: &Member) {
        self.lock().insert_member(member.clone());
    }

    /// The stored record of a conversation.
    pub fn conversation(&self, id: &ConversationId) -> Option<ConversationMeta> {
        self.lock().metas.get(id.as_str()).cloned()
    }

    /// The stored membership of `name` (in any case) in a conversation.
    pub fn membership(&self, id: &ConversationId, name: &str) -> Option<Member> {
        let key = Username::parse(name).ok()?.key();
        self.lock().member(id, &key)
    }

    /// Every stored watch: `(watched, connection id, watcher, expires at secs)`, in key order.
    pub fn watches(&self) -> Vec<(UserKey, String, UserKey, i64)> {
        self.lock()
            .watches
            .iter()
            .map(|((target, connection), (watcher, expires))| {
                (
                    target.clone(),
                    connection.clone(),
                    watcher.clone(),
                    *expires,
                )
            })
            .collect()
    }
}

fn member_key(conversation: &ConversationId, user: &UserKey) -> (String, UserKey) {
    (conversation.as_str().to_owned(), user.clone())
}

/// `members` without a second entry for the same user (the first one wins), as one transaction
/// may name an item only once.
fn distinct(members: &[Member]) -> Vec<&Member> {
    let mut seen = BTreeMap::new();
    for member in members {
        seen.entry(member.username.key()).or_insert(member);
    }
    seen.into_values().collect()
}

impl Tables {
    fn member(&self, conversation: &ConversationId, user: &UserKey) -> Option<Member> {
        self.members.get(&member_key(conversation, user)).cloned()
    }

    fn insert_member(&mut self, member: Member) {
        let key = member_key(&member.conversation_id, &member.username.key());
        self.members.insert(key, member);
    }

    fn room(&self, conversation: &ConversationId) -> Option<Room> {
        self.metas.get(conversation.as_str())?.room.clone()
    }

    fn room_mut(&mut self, conversation: &ConversationId) -> Option<&mut Room> {
        self.metas.get_mut(conversation.as_str())?.room.as_mut()
    }

    /// A conversation's members in key order.
    fn members_of<'a>(
        &'a self,
        conversation: &'a ConversationId,
    ) -> impl Iterator<Item = &'a Member> + 'a {
        self.members
            .iter()
            .filter(move |((id, _), _)| id == conversation.as_str())
            .map(|(_, member)| member)
    }

    /// A user's memberships in conversation id order (the index's sort key).
    fn user_memberships<'a>(&'a self, user: &'a UserKey) -> impl Iterator<Item = &'a Member> + 'a {
        self.members
            .iter()
            .filter(move |((_, key), _)| key == user)
            .map(|(_, member)| member)
    }

    fn create_room(&mut self, room: &Room, members: &[Member]) -> Result<(), StoreError> {
        let members = distinct(members);
        let taken = self.metas.contains_key(room.id.as_str())
            || members
                .iter()
                .any(|member| self.member(&room.id, &member.username.key()).is_some());
        if taken {
            return Err(StoreError::request(
                "TransactWriteItems create room",
                Refused("the room already exists"),
            ));
        }
        let member_count = u32::try_from(members.len()).unwrap_or(u32::MAX);
        self.metas.insert(
            room.id.as_str().to_owned(),
            ConversationMeta {
                id: room.id.clone(),
                room: Some(Room {
                    member_count,
                    ..room.clone()
                }),
                last: None,
            },
        );
        for member in members {
            self.insert_member(member.clone());
        }
        Ok(())
    }

    /// A room's last message moves forward only; a direct conversation's record is created by
    /// its first message; a room that does not exist is not created.
    fn record_last_message(&mut self, message: &Message) {
        let id = &message.conversation_id;
        let last = LastMessage::of(message);
        match self.metas.get_mut(id.as_str()) {
            Some(meta) => {
                let later = meta
                    .last
                    .as_ref()
                    .is_none_or(|stored| stored.message_id < last.message_id);
                if later {
                    meta.last = Some(last);
                }
            }
            None if !id.is_room() => {
                self.metas.insert(
                    id.as_str().to_owned(),
                    ConversationMeta {
                        id: id.clone(),
                        room: None,
                        last: Some(last),
                    },
                );
            }
            None => {}
        }
    }

    fn advance_read_point(
        &mut self,
        conversation: &ConversationId,
        user: &UserKey,
        message_id: &str,
    ) -> ReadAdvance {
        let Some(member) = self.members.get_mut(&member_key(conversation, user)) else {
            return ReadAdvance::NotAMember;
        };
        match &member.read_message_id {
            Some(read) if read.as_str() >= message_id => ReadAdvance::AlreadyAt(read.clone()),
            _ => {
                member.read_message_id = Some(message_id.to_owned());
                ReadAdvance::Advanced
            }
        }
    }

    fn add_members(
        &mut self,
        conversation: &ConversationId,
        members: &[Member],
        max_members: u32,
    ) -> AddMembersOutcome {
        let members = distinct(members);
        let added = u32::try_from(members.len()).unwrap_or(u32::MAX);
        let Some(room) = self.room(conversation) else {
            return AddMembersOutcome::Conflict;
        };
        if room.member_count.saturating_add(added) > max_members {
            return AddMembersOutcome::Full;
        }
        if members
            .iter()
            .any(|member| self.member(conversation, &member.username.key()).is_some())
        {
            return AddMembersOutcome::Conflict;
        }
        for member in members {
            self.insert_member(member.clone());
        }
        let Some(room) = self.room_mut(conversation) else {
            return AddMembersOutcome::Conflict;
        };
        room.member_count += added;
        AddMembersOutcome::Added(room.clone())
    }

    fn remove_member(&mut self, conversation: &ConversationId, user: &UserKey) -> Option<Room> {
        let key = member_key(conversation, user);
        if !self.members.contains_key(&key) || self.room(conversation).is_none() {
            return None;
        }
        self.members.remove(&key);
        let room = self.room_mut(conversation)?;
        room.member_count = room.member_count.saturating_sub(1);
        Some(room.clone())
    }

    fn set_roles(
        &mut self,
        conversation: &ConversationId,
        roles: &[(UserKey, Role)],
    ) -> Result<(), StoreError> {
        if roles
            .iter()
            .any(|(user, _)| self.member(conversation, user).is_none())
        {
            return Err(StoreError::request(
                "UpdateItem role",
                Refused("one of them is not a member"),
            ));
        }
        for (user, role) in roles {
            if let Some(member) = self.members.get_mut(&member_key(conversation, user)) {
                member.role = *role;
            }
        }
        Ok(())
    }
}

impl ConversationLookup for MemoryStore {
    async fn member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> Result<Option<Member>, StoreError> {
        Ok(self.call("member", |tables| tables.member(conversation, user)))
    }

    async fn room(&self, conversation: &ConversationId) -> Result<Option<Room>, StoreError> {
        Ok(self.call("room", |tables| tables.room(conversation)))
    }
}

impl ConversationBatchLookup for MemoryStore {
    async fn memberships_of(
        &self,
        keys: &[(ConversationId, UserKey)],
    ) -> Result<Vec<Member>, StoreError> {
        Ok(self.call("memberships_of", |tables| {
            let mut keys: Vec<(&str, &UserKey)> =
                keys.iter().map(|(id, user)| (id.as_str(), user)).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter_map(|(id, user)| tables.members.get(&(id.to_owned(), user.clone())))
                .cloned()
                .collect()
        }))
    }

    async fn conversation_metas(
        &self,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationMeta>, StoreError> {
        Ok(self.call("conversation_metas", |tables| {
            let mut ids: Vec<&str> = ids.iter().map(ConversationId::as_str).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter()
                .filter_map(|id| tables.metas.get(id).cloned())
                .collect()
        }))
    }
}

impl MemberListing for MemoryStore {
    async fn member_page(
        &self,
        conversation: &ConversationId,
        limit: u32,
        after: Option<&UserKey>,
    ) -> Result<MemberPage, StoreError> {
        Ok(self.call("member_page", |tables| {
            let members = tables
                .members_of(conversation)
                .filter(|member| after.is_none_or(|after| member.username.key() > *after))
                .cloned();
            let (members, next) = page(members, limit, |member| member.username.key());
            MemberPage { members, next }
        }))
    }

    async fn all_members(&self, conversation: &ConversationId) -> Result<Vec<Member>, StoreError> {
        Ok(self.call("all_members", |tables| {
            tables.members_of(conversation).cloned().collect()
        }))
    }
}

impl MembershipIndex for MemoryStore {
    async fn memberships(&self, user: &UserKey, cap: usize) -> Result<Vec<Member>, StoreError> {
        Ok(self.call("memberships", |tables| {
            tables.user_memberships(user).take(cap).cloned().collect()
        }))
    }
}

impl PresenceAudience for MemoryStore {
    async fn direct_partners(&self, user: &UserKey) -> Result<Vec<UserKey>, StoreError> {
        Ok(self.call("direct_partners", |tables| {
            tables
                .user_memberships(user)
                .filter_map(|member| member.conversation_id.direct_members())
                .map(|(a, b)| if a == *user { b } else { a })
                .collect()
        }))
    }

    async fn watchers(&self, user: &UserKey) -> Result<Vec<(UserKey, String)>, StoreError> {
        Ok(self.call("watchers", |tables| {
            tables
                .watches
                .iter()
                .filter(|((target, _), _)| target == user)
                .map(|((_, connection), (watcher, _))| (watcher.clone(), connection.clone()))
                .collect()
        }))
    }
}

impl PresenceWatches for MemoryStore {
    async fn watch(
        &self,
        watcher: &UserKey,
        connection_id: &str,
        targets: &[UserKey],
        expires_at_secs: i64,
    ) -> Result<(), StoreError> {
        self.call("watch", |tables| {
            for target in targets {
                tables.watches.insert(
                    (target.clone(), connection_id.to_owned()),
                    (watcher.clone(), expires_at_secs),
                );
            }
        });
        Ok(())
    }
}

impl ConversationActivity for MemoryStore {
    async fn record_last_message(&self, message: &Message) -> Result<(), StoreError> {
        self.call("record_last_message", |tables| {
            tables.record_last_message(message);
        });
        Ok(())
    }

    async fn join_direct(
        &self,
        conversation: &ConversationId,
        user: &Username,
        now: i64,
    ) -> Result<(), StoreError> {
        self.call("join_direct", |tables| {
            tables
                .members
                .entry(member_key(conversation, &user.key()))
                .or_insert_with(|| Member {
                    conversation_id: conversation.clone(),
                    username: user.clone(),
                    role: Role::Member,
                    joined_at: now,
                    read_message_id: None,
                });
        });
        Ok(())
    }

    async fn revise_last_message(&self, message: &Message) -> Result<(), StoreError> {
        self.call("revise_last_message", |tables| {
            let last = tables
                .metas
                .get_mut(message.conversation_id.as_str())
                .and_then(|meta| meta.last.as_mut())
                .filter(|last| last.message_id == message.id);
            // Otherwise a later message is the last one by now: nothing to revise.
            if let Some(last) = last {
                *last = LastMessage::of(message);
            }
        });
        Ok(())
    }

    async fn advance_read_point(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
        message_id: &str,
    ) -> Result<ReadAdvance, StoreError> {
        Ok(self.call("advance_read_point", |tables| {
            tables.advance_read_point(conversation, user, message_id)
        }))
    }
}

impl RoomCreation for MemoryStore {
    async fn create_room(&self, room: &Room, members: &[Member]) -> Result<(), StoreError> {
        self.call("create_room", |tables| tables.create_room(room, members))
    }
}

impl RoomAdministration for MemoryStore {
    async fn rename_room(
        &self,
        conversation: &ConversationId,
        name: &str,
    ) -> Result<Option<Room>, StoreError> {
        Ok(self.call("rename_room", |tables| {
            let room = tables.room_mut(conversation)?;
            name.clone_into(&mut room.name);
            Some(room.clone())
        }))
    }

    async fn add_members(
        &self,
        conversation: &ConversationId,
        members: &[Member],
        max_members: u32,
    ) -> Result<AddMembersOutcome, StoreError> {
        Ok(self.call("add_members", |tables| {
            tables.add_members(conversation, members, max_members)
        }))
    }

    async fn remove_member(
        &self,
        conversation: &ConversationId,
        user: &UserKey,
    ) -> Result<Option<Room>, StoreError> {
        Ok(self.call("remove_member", |tables| {
            tables.remove_member(conversation, user)
        }))
    }

    async fn set_roles(
        &self,
        conversation: &ConversationId,
        roles: &[(UserKey, Role)],
    ) -> Result<(), StoreError> {
        self.call("set_roles", |tables| tables.set_roles(conversation, roles))
    }
}
