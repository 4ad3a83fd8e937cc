//! Rooms: group conversations with a name, members and roles. The rules of who may do what are
//! here; the use cases apply them ([`crate::chat`]).

use std::collections::BTreeSet;
use std::fmt;

use crate::rules::{RuleError, Username};

/// Most members a room holds.
pub const MAX_ROOM_MEMBERS: u32 = 1000;
/// Most users one `createRoom` or `addMembers` names (a room's first members fit one transaction).
pub const MAX_MEMBERS_PER_REQUEST: usize = 50;
/// Longest room name, in characters, after trimming.
pub const ROOM_NAME_MAX_CHARS: usize = 64;
/// Most users one `watchPresence` names.
pub const MAX_WATCHED_PER_REQUEST: usize = 50;
/// Default and largest page of `getMembers`.
pub const DEFAULT_MEMBERS_LIMIT: u32 = 100;
/// Default and largest page of `getConversations`.
pub const DEFAULT_INBOX_LIMIT: u32 = 20;
pub const MAX_INBOX_LIMIT: u32 = 50;
/// Default and largest page of `searchPeople`.
pub const DEFAULT_PEOPLE_LIMIT: u32 = 20;
pub const MAX_PEOPLE_LIMIT: u32 = 50;
/// Most conversations an inbox lists (a user's memberships read per `getConversations`).
pub const MAX_INBOX_CONVERSATIONS: usize = 1000;
/// Unread counts are exact below this; at it, the client shows "99+".
pub const UNREAD_COUNT_CAP: u32 = 100;
/// Longest preview of a conversation's last message, in characters.
pub const PREVIEW_MAX_CHARS: usize = 100;

/// A member's role in a room. A direct conversation's two users are both `Member`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(RuleError::InvalidRole),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Owners and admins rename the room and add members.
    pub fn manages_room(self) -> bool {
        self >= Self::Admin
    }

    /// Whether this role may remove a member who has `other`: the owner anyone, an admin members.
    pub fn may_remove(self, other: Self) -> bool {
        match self {
            Self::Owner => other != Self::Owner,
            Self::Admin => other == Self::Member,
            Self::Member => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A room's name: trimmed, 1 to [`ROOM_NAME_MAX_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > ROOM_NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(RuleError::InvalidRoomName);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The users a request names: each once, at least one (unless `allow_none`), at most
/// [`MAX_MEMBERS_PER_REQUEST`].
pub fn distinct_usernames(
    names: Vec<Username>,
    allow_none: bool,
) -> Result<Vec<Username>, RuleError> {
    let mut seen = BTreeSet::new();
    let names: Vec<Username> = names
        .into_iter()
        .filter(|name| seen.insert(name.key()))
        .collect();
    if names.len() > MAX_MEMBERS_PER_REQUEST || (names.is_empty() && !allow_none) {
        return Err(RuleError::TooManyMembers);
    }
    Ok(names)
}

/// The preview of a message's text shown in the inbox: its first [`PREVIEW_MAX_CHARS`] characters.
pub fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_trimmed_and_limited() {
        assert_eq!(RoomName::parse("  Team  ").unwrap().as_str(), "Team");
        assert!(RoomName::parse(&"é".repeat(64)).is_ok());
        for bad in ["", "   ", &"a".repeat(65), "a\nb", "a\u{7}"] {
            assert_eq!(
                RoomName::parse(bad),
                Err(RuleError::InvalidRoomName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn owners_remove_anyone_else_admins_only_members() {
        assert!(Role::Owner.may_remove(Role::Admin));
        assert!(Role::Owner.may_remove(Role::Member));
        assert!(!Role::Owner.may_remove(Role::Owner));
        assert!(Role::Admin.may_remove(Role::Member));
        assert!(!Role::Admin.may_remove(Role::Admin));
        assert!(!Role::Admin.may_remove(Role::Owner));
        assert!(!Role::Member.may_remove(Role::Member));
        assert!(Role::Admin.manages_room() && Role::Owner.manages_room());
        assert!(!Role::Member.manages_room());
    }

    #[test]
    fn roles_round_trip_and_nothing_else_parses() {
        for role in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("Owner"), Err(RuleError::InvalidRole));
    }

    #[test]
    fn previews_cut_characters_not_bytes() {
        assert_eq!(preview(&"é".repeat(150)).chars().count(), 100);
        assert_eq!(preview("hi"), "hi");
    }
}
