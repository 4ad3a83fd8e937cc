//! Rooms: creating one, renaming it, adding and removing members, roles, and listing members.
//! Every change is told to the room's members' live connections as it happens.

use std::collections::BTreeSet;

use crate::conversation::{ConversationId, ConversationRef};
use crate::events::ServerEvent;
use crate::model::{Member, Room, User};
use crate::ports::{
    AddMembersOutcome, ConnectionCleanup, ConnectionNotifier, ConversationBatchLookup,
    ConversationLookup, MemberListing, RoomAdministration, RoomCreation, UserLookup,
};
use crate::rooms::{MAX_ROOM_MEMBERS, Role, RoomName};
use crate::rules::{Clock, RequestId, UserKey, Username};

use super::delivery::owned_connections;
use super::{Chat, ChatError};

/// `createRoom`: a room with a name and its first members (the caller becomes its owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRoom {
    pub name: RoomName,
    pub members: Vec<Username>,
    pub request_id: Option<RequestId>,
}

/// `renameRoom` (owner, admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameRoom {
    pub conversation: ConversationId,
    pub name: RoomName,
    pub request_id: Option<RequestId>,
}

/// `addMembers` (owner, admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddMembers {
    pub conversation: ConversationId,
    pub usernames: Vec<Username>,
    pub request_id: Option<RequestId>,
}

/// `removeMember`: the owner removes anyone else, an admin members; anyone removes themself
/// (leaves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveMember {
    pub conversation: ConversationId,
    pub username: Username,
    pub request_id: Option<RequestId>,
}

/// `setRole` (owner): makes a member an admin or a member, or the owner (the caller becomes an
/// admin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRole {
    pub conversation: ConversationId,
    pub username: Username,
    pub role: Role,
    pub request_id: Option<RequestId>,
}

/// `getMembers`: a page of a conversation's members, with their roles, read points and presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMembers {
    pub conversation: ConversationId,
    pub limit: u32,
    pub after: Option<UserKey>,
    pub request_id: Option<RequestId>,
}

/// What changed in a room's membership, as its members are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChangeKind {
    Added,
    Removed,
    Left,
    Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub room: Room,
    pub kind: MembershipChangeKind,
    pub users: Vec<Username>,
    /// The new role (`Role` changes only). When it is `Owner`, `by` became an admin.
    pub role: Option<Role>,
    pub by: Username,
}

/// A page of members, each with their user record when it exists (for presence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMembers {
    pub conversation: ConversationId,
    pub members: Vec<(Member, Option<User>)>,
    pub next: Option<UserKey>,
}

impl<S, N, C> Chat<S, N, C>
where
    S: RoomCreation + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Creates the room with the caller as its owner and tells the first members.
    pub async fn create_room(
        &self,
        me: &Username,
        connection_id: &str,
        request: &CreateRoom,
    ) -> Result<Room, ChatError> {
        let my_key = me.key();
        let invited: Vec<UserKey> = request
            .members
            .iter()
            .map(Username::key)
            .filter(|key| *key != my_key)
            .collect();
        let mut wanted = invited.clone();
        wanted.push(my_key.clone());
        let users = self.store.users(&wanted).await?;
        let find = |key: &UserKey| users.iter().find(|user| user.username.key() == *key);
        let invited_users = invited
            .iter()
            .map(|key| find(key).ok_or_else(|| ChatError::UnknownRecipient(key.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let owner = find(&my_key).map_or_else(|| me.clone(), |user| user.username.clone());

        let now = self.clock.now_millis();
        let room = Room {
            id: ConversationId::new_room(now),
            name: request.name.as_str().to_owned(),
            created_by: owner.clone(),
            created_at: now,
            member_count: u32::try_from(invited_users.len() + 1).unwrap_or(MAX_ROOM_MEMBERS),
        };
        let member = |username: &Username, role| Member {
            conversation_id: room.id.clone(),
            username: username.clone(),
            role,
            joined_at: now,
            read_message_id: None,
        };
        let members: Vec<Member> = std::iter::once(member(&owner, Role::Owner))
            .chain(
                invited_users
                    .iter()
                    .map(|user| member(&user.username, Role::Member)),
            )
            .collect();
        self.store.create_room(&room, &members).await?;

        let added = MembershipChange {
            room: room.clone(),
            kind: MembershipChangeKind::Added,
            users: invited_users
                .iter()
                .map(|user| user.username.clone())
                .collect(),
            role: None,
            by: owner,
        };
        // The users read above already hold their live connections: no second read to tell them.
        let members: Vec<(UserKey, String)> = invited_users
            .iter()
            .copied()
            .flat_map(owned_connections)
            .collect();
        let my_other_tabs: Vec<(UserKey, String)> = find(&my_key)
            .into_iter()
            .flat_map(owned_connections)
            .filter(|(_, id)| id != connection_id)
            .collect();
        let (added_json, room_json) = (
            ServerEvent::membership(&added, None).to_json(),
            ServerEvent::room(&room, None).to_json(),
        );
        futures_util::join!(
            self.deliver(members, &added_json),
            self.deliver(my_other_tabs, &room_json),
        );
        Ok(room)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup + RoomAdministration + MemberListing + UserLookup + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Renames the room (owner, admin) and tells its members.
    pub async fn rename_room(
        &self,
        me: &Username,
        connection_id: &str,
        request: &RenameRoom,
    ) -> Result<Room, ChatError> {
        let caller = self.room_member(&request.conversation, &me.key()).await?;
        if !caller.role.manages_room() {
            return Err(ChatError::ForbiddenRole(
                "only the room's owner and admins rename it",
            ));
        }
        let room = self
            .store
            .rename_room(&request.conversation, request.name.as_str())
            .await?
            .ok_or(ChatError::NotAMember)?;
        self.post_to_members(
            &room.id,
            &[],
            &ServerEvent::room(&room, None),
            Some(connection_id),
        )
        .await?;
        Ok(room)
    }

    /// Removes a member (or the caller: leaving) and tells the members and the removed user.
    pub async fn remove_member(
        &self,
        me: &Username,
        connection_id: &str,
        request: &RemoveMember,
    ) -> Result<MembershipChange, ChatError> {
        let id = &request.conversation;
        let my_key = me.key();
        let caller = self.room_member(id, &my_key).await?;
        let target_key = request.username.key();
        let (target, kind) = if target_key == my_key {
            if caller.role == Role::Owner {
                let room = self.store.room(id).await?.ok_or(ChatError::NotAMember)?;
                if room.member_count > 1 {
                    return Err(ChatError::OwnerMustTransfer);
                }
            }
            (caller.clone(), MembershipChangeKind::Left)
        } else {
            let target = self
                .store
                .member(id, &target_key)
                .await?
                .ok_or(ChatError::NotInRoom(target_key.clone()))?;
            if !caller.role.may_remove(target.role) {
                return Err(ChatError::ForbiddenRole(
                    "the owner removes anyone, admins remove members",
                ));
            }
            (target, MembershipChangeKind::Removed)
        };
        let room = self
            .store
            .remove_member(id, &target_key)
            .await?
            .ok_or(ChatError::NotInRoom(target_key.clone()))?;
        let change = MembershipChange {
            room,
            kind,
            users: vec![target.username],
            role: None,
            by: caller.username,
        };
        self.post_to_members(
            id,
            &[target_key],
            &ServerEvent::membership(&change, None),
            Some(connection_id),
        )
        .await?;
        Ok(change)
    }

    /// Changes a member's role (owner only); making someone the owner hands ownership over.
    pub async fn set_role(
        &self,
        me: &Username,
        connection_id: &str,
        request: &SetRole,
    ) -> Result<MembershipChange, ChatError> {
        let id = &request.conversation;
        let my_key = me.key();
        let caller = self.room_member(id, &my_key).await?;
        if caller.role != Role::Owner {
            return Err(ChatError::ForbiddenRole(
                "only the room's owner changes roles",
            ));
        }
        let target_key = request.username.key();
        if target_key == my_key {
            return Err(ChatError::ForbiddenRole(
                "the owner keeps their role until they make someone else the owner",
            ));
        }
        let target = self
            .store
            .member(id, &target_key)
            .await?
            .ok_or(ChatError::NotInRoom(target_key.clone()))?;
        let mut roles = vec![(target_key, request.role)];
        if request.role == Role::Owner {
            roles.push((my_key, Role::Admin));
        }
        self.store.set_roles(id, &roles).await?;
        let room = self.store.room(id).await?.ok_or(ChatError::NotAMember)?;
        let change = MembershipChange {
            room,
            kind: MembershipChangeKind::Role,
            users: vec![target.username],
            role: Some(request.role),
            by: caller.username,
        };
        self.post_to_members(
            id,
            &[],
            &ServerEvent::membership(&change, None),
            Some(connection_id),
        )
        .await?;
        Ok(change)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup
        + ConversationBatchLookup
        + RoomAdministration
        + MemberListing
        + UserLookup
        + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    /// Adds users who are not members yet (owner, admin) and tells every member, the new ones
    /// included. Users already in the room are left out of the change.
    pub async fn add_members(
        &self,
        me: &Username,
        connection_id: &str,
        request: &AddMembers,
    ) -> Result<MembershipChange, ChatError> {
        let id = &request.conversation;
        let caller = self.room_member(id, &me.key()).await?;
        if !caller.role.manages_room() {
            return Err(ChatError::ForbiddenRole(
                "only the room's owner and admins add members",
            ));
        }
        let keys: Vec<UserKey> = request.usernames.iter().map(Username::key).collect();
        let users = self.store.users(&keys).await?;
        if let Some(missing) = keys
            .iter()
            .find(|key| !users.iter().any(|user| user.username.key() == **key))
        {
            return Err(ChatError::UnknownRecipient(missing.clone()));
        }
        let pairs: Vec<(ConversationId, UserKey)> =
            keys.iter().map(|key| (id.clone(), key.clone())).collect();
        let already: BTreeSet<UserKey> = self
            .store
            .memberships_of(&pairs)
            .await?
            .iter()
            .map(|member| member.username.key())
            .collect();
        let now = self.clock.now_millis();
        let newcomers: Vec<Member> = users
            .iter()
            .filter(|user| !already.contains(&user.username.key()))
            .map(|user| Member {
                conversation_id: id.clone(),
                username: user.username.clone(),
                role: Role::Member,
                joined_at: now,
                read_message_id: None,
            })
            .collect();
        let room = if newcomers.is_empty() {
            self.store.room(id).await?.ok_or(ChatError::NotAMember)?
        } else {
            match self
                .store
                .add_members(id, &newcomers, MAX_ROOM_MEMBERS)
                .await?
            {
                AddMembersOutcome::Added(room) => room,
                AddMembersOutcome::Full => return Err(ChatError::RoomFull),
                AddMembersOutcome::Conflict => return Err(ChatError::Conflict),
            }
        };
        let change = MembershipChange {
            room,
            kind: MembershipChangeKind::Added,
            users: newcomers
                .into_iter()
                .map(|member| member.username)
                .collect(),
            role: None,
            by: caller.username,
        };
        if !change.users.is_empty() {
            self.post_to_members(
                id,
                &[],
                &ServerEvent::membership(&change, None),
                Some(connection_id),
            )
            .await?;
        }
        Ok(change)
    }
}

impl<S, N, C> Chat<S, N, C>
where
    S: ConversationLookup + MemberListing + UserLookup,
{
    /// A page of the members of one of the caller's conversations, with their presence.
    pub async fn members(
        &self,
        me: &Username,
        request: &GetMembers,
    ) -> Result<RoomMembers, ChatError> {
        let access = self
            .access(
                &me.key(),
                &ConversationRef::Id(request.conversation.clone()),
            )
            .await?;
        let page = self
            .store
            .member_page(access.id(), request.limit, request.after.as_ref())
            .await?;
        let keys: Vec<UserKey> = page.members.iter().map(|m| m.username.key()).collect();
        let users = if keys.is_empty() {
            Vec::new()
        } else {
            self.store.users(&keys).await?
        };
        let members = page
            .members
            .into_iter()
            .map(|member| {
                let user = users
                    .iter()
                    .find(|user| user.username.key() == member.username.key())
                    .cloned();
                (member, user)
            })
            .collect();
        Ok(RoomMembers {
            conversation: request.conversation.clone(),
            members,
            next: page.next,
        })
    }
}
