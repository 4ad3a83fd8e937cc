//! Reactions and typing: which emoji a reaction may be, how many distinct ones a message holds, and
//! how often a typing signal goes out. Pure rules, no I/O.

use std::fmt;

use crate::rules::{RuleError, UserKey};

/// Most distinct emojis one message carries; adding to one already there is always accepted.
pub const MAX_DISTINCT_REACTIONS: usize = 20;
/// At most one `typing` per user and conversation is forwarded in this window; the rest are dropped.
pub const TYPING_INTERVAL_MS: i64 = 3_000;
/// How long a typing gate item lives before DynamoDB's TTL removes it (it only matters for 3 s).
pub const TYPING_GATE_TTL_SECS: i64 = 60;

/// One emoji, in its canonical fully-qualified form ("❤" and "❤️" are one reaction).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Emoji(String);

impl Emoji {
    /// Accepts exactly one emoji that Unicode's emoji list knows (skin tones and sequences included).
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        emojis::get(raw)
            .map(|emoji| Self(emoji.as_str().to_owned()))
            .ok_or(RuleError::InvalidEmoji)
    }

    /// An emoji read back from storage, where only [`Emoji::parse`]d ones are written. Not
    /// checked again: the check needs Unicode's emoji list, which would add about a megabyte to
    /// every function that reads messages (docs/decisions.md).
    pub fn from_stored(stored: impl Into<String>) -> Self {
        Self(stored.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The users who reacted to a message with one emoji.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub emoji: Emoji,
    /// Sorted, each once.
    pub users: Vec<UserKey>,
}

impl Reaction {
    pub fn count(&self) -> u32 {
        u32::try_from(self.users.len()).unwrap_or(u32::MAX)
    }

    pub fn includes(&self, user: &UserKey) -> bool {
        self.users.binary_search(user).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emoji_is_exactly_one_known_emoji_in_its_canonical_form() {
        for ok in ["👍", "👍🏽", "❤️", "👨‍👩‍👧", "🏳️‍🌈", "🇫🇷", "#️⃣", "🫠"]
        {
            assert_eq!(Emoji::parse(ok).unwrap().as_str(), ok, "{ok:?}");
        }
        assert_eq!(Emoji::parse("❤").unwrap(), Emoji::parse("❤️").unwrap());
        for bad in ["", "a", "1", "👍👍", "😀x", " 👍", ":+1:", "<b>"] {
            assert_eq!(Emoji::parse(bad), Err(RuleError::InvalidEmoji), "{bad:?}");
        }
    }
}
