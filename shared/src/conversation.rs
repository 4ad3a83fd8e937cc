//! Conversations. Every message, history page and attachment belongs to one, named by its
//! [`ConversationId`]: the direct conversation of two users (`dm#<a>#<b>`) or a room
//! (`room#<ULID>`).
//!
//! Who may use a conversation is decided by membership, never by knowing an id: a direct
//! conversation's members are in its id (decided here); a room's are stored, so the use cases
//! look them up ([`crate::chat`]).

use std::fmt;

use thiserror::Error;

use crate::rules::{RuleError, UserKey, Username};

const DIRECT_PREFIX: &str = "dm";
const ROOM_PREFIX: &str = "room";

/// A conversation's id: the partition key of every message in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(String);

impl ConversationId {
    /// The direct conversation of two users, the same whichever of them asks
    /// (`dm#<smaller key>#<larger key>`; `#` cannot appear in a username).
    pub fn direct(a: &UserKey, b: &UserKey) -> Self {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        Self(format!("{DIRECT_PREFIX}#{first}#{second}"))
    }

    /// A new room's id, made at `now_millis` (`room#<ULID>`).
    pub fn new_room(now_millis: i64) -> Self {
        Self(format!(
            "{ROOM_PREFIX}#{}",
            crate::rules::new_message_id(now_millis)
        ))
    }

    /// An id from a client: only the shapes this server issues, spelled canonically.
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let id = Self(raw.to_owned());
        if id.room_ulid().is_some() {
            return Ok(id);
        }
        match id.direct_members() {
            Some((a, b)) if a < b && Self::direct(&a, &b) == id => Ok(id),
            _ => Err(RuleError::InvalidConversationId),
        }
    }

    /// A room's ULID (`None` for another kind).
    pub fn room_ulid(&self) -> Option<&str> {
        self.0
            .strip_prefix(ROOM_PREFIX)
            .and_then(|rest| rest.strip_prefix('#'))
            .filter(|ulid| crate::rules::is_message_id(ulid))
    }

    pub fn is_room(&self) -> bool {
        self.room_ulid().is_some()
    }

    /// An id read back from storage, trusted as written.
    pub fn from_stored(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two users of a direct conversation, in key order (`None` for another kind).
    pub fn direct_members(&self) -> Option<(UserKey, UserKey)> {
        let mut parts = self.0.split('#');
        let (Some(DIRECT_PREFIX), Some(a), Some(b), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let key = |raw: &str| {
            Username::parse(raw)
                .ok()
                .map(|name| name.key())
                .filter(|key| key.as_str() == raw)
        };
        Some((key(a)?, key(b)?))
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a request names its conversation: by id, or (a direct conversation, as older clients do)
/// by the other user's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationRef {
    Id(ConversationId),
    DirectWith(Username),
}

/// A conversation as the caller may use it: a direct conversation they are one of the two users
/// of, or a room (whose membership the caller must still check against the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Direct(DirectConversation),
    Room(ConversationId),
}

impl Target {
    pub fn id(&self) -> &ConversationId {
        match self {
            Self::Direct(direct) => &direct.id,
            Self::Room(id) => id,
        }
    }
}

/// A direct conversation seen from one of its two users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectConversation {
    pub id: ConversationId,
    pub other: UserKey,
}

/// Why a conversation cannot be used by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConversationError {
    #[error("you are not a member of this conversation")]
    NotAMember,
    #[error("a conversation needs another user than yourself")]
    WithSelf,
}

impl ConversationRef {
    /// The conversation `me` means: a direct one only if `me` is one of its users; a room as named.
    pub fn target(&self, me: &UserKey) -> Result<Target, ConversationError> {
        match self {
            Self::Id(id) if id.is_room() => Ok(Target::Room(id.clone())),
            _ => self.resolve(me).map(Target::Direct),
        }
    }

    /// The direct conversation as `me` sees it, if `me` belongs to it (a room is not one).
    pub fn resolve(&self, me: &UserKey) -> Result<DirectConversation, ConversationError> {
        let other = match self {
            Self::DirectWith(name) => name.key(),
            Self::Id(id) => {
                let (a, b) = id.direct_members().ok_or(ConversationError::NotAMember)?;
                match (a == *me, b == *me) {
                    (true, _) => b,
                    (_, true) => a,
                    _ => return Err(ConversationError::NotAMember),
                }
            }
        };
        if other == *me {
            return Err(ConversationError::WithSelf);
        }
        Ok(DirectConversation {
            id: ConversationId::direct(me, &other),
            other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> UserKey {
        Username::parse(name).unwrap().key()
    }

    #[test]
    fn a_direct_id_is_the_same_whichever_user_asks() {
        let id = ConversationId::direct(&key("Bob"), &key("alice"));
        assert_eq!(id.as_str(), "dm#alice#bob");
        assert_eq!(id, ConversationId::direct(&key("alice"), &key("bob")));
        assert_eq!(id.direct_members(), Some((key("alice"), key("bob"))));
    }

    #[test]
    fn only_canonical_direct_ids_parse() {
        assert_eq!(
            ConversationId::parse("dm#alice#bob").unwrap().as_str(),
            "dm#alice#bob"
        );
        for bad in [
            "",
            "dm#bob#alice",
            "dm#alice#alice",
            "dm#Alice#bob",
            "dm#alice",
            "dm#alice#bob#carol",
            "room#x",
            "room#01jdq8z7w4k3m2n1p0q9r8s7t6",
            "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T",
            "dm#al ice#bob",
            "dm##bob",
        ] {
            assert_eq!(
                ConversationId::parse(bad),
                Err(RuleError::InvalidConversationId),
                "{bad}"
            );
        }
    }

    #[test]
    fn room_ids_are_a_prefix_and_a_canonical_ulid() {
        let id = ConversationId::new_room(1_700_000_000_000);
        assert!(id.is_room());
        assert_eq!(ConversationId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(id.direct_members(), None);
        let named = ConversationRef::Id(id.clone());
        assert_eq!(named.target(&key("carol")), Ok(Target::Room(id)));
        assert_eq!(
            named.resolve(&key("carol")),
            Err(ConversationError::NotAMember)
        );
    }

    #[test]
    fn only_members_resolve_a_conversation() {
        let id = ConversationRef::Id(ConversationId::parse("dm#alice#bob").unwrap());
        let seen = id.resolve(&key("bob")).unwrap();
        assert_eq!(seen.other, key("alice"));
        assert_eq!(seen.id.as_str(), "dm#alice#bob");
        assert_eq!(id.resolve(&key("alice")).unwrap().other, key("bob"));
        assert_eq!(
            id.resolve(&key("carol")),
            Err(ConversationError::NotAMember)
        );
    }

    #[test]
    fn naming_the_other_user_resolves_to_the_same_conversation() {
        let with = ConversationRef::DirectWith(Username::parse("BOB").unwrap());
        let seen = with.resolve(&key("alice")).unwrap();
        assert_eq!(seen.id.as_str(), "dm#alice#bob");
        assert_eq!(
            ConversationRef::DirectWith(Username::parse("Alice").unwrap()).resolve(&key("alice")),
            Err(ConversationError::WithSelf)
        );
    }
}
