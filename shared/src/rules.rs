//! Chat rules: what a valid username, message text, page size or id is. Pure functions, no I/O.

use std::fmt;

use thiserror::Error;

/// Longest username accepted, in characters.
pub const USERNAME_MAX_CHARS: usize = 32;
/// Longest message text accepted, in characters, after trimming.
pub const TEXT_MAX_CHARS: usize = 4000;
/// Longest client-chosen message or request id accepted.
pub const CLIENT_MESSAGE_ID_MAX_CHARS: usize = 64;
/// Longest attachment file name accepted, in characters.
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// History page size when the client does not ask for one.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// Largest history page a client may ask for.
pub const MAX_PAGE_LIMIT: u32 = 100;
/// How long a connection record lives without a `$disconnect`: API Gateway closes every socket after
/// 2 hours, so 3 hours leaves a margin for clock skew and a late `$disconnect`.
pub const CONNECTION_TTL_SECS: i64 = 3 * 60 * 60;

/// A broken chat rule. Each variant has a stable machine-readable [`RuleError::code`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error(
        "username must be 1-{USERNAME_MAX_CHARS} characters of letters, digits, '_', '-' or '.'"
    )]
    InvalidUsername,
    #[error("message text is empty")]
    EmptyText,
    #[error("message text is {chars} characters long; the limit is {TEXT_MAX_CHARS}")]
    TextTooLong { chars: usize },
    #[error("message text contains a control character (only newline and tab are allowed)")]
    ControlCharacterInText,
    #[error(
        "clientMessageId must be 1-{CLIENT_MESSAGE_ID_MAX_CHARS} characters of letters, digits, '_' or '-'"
    )]
    InvalidClientMessageId,
    #[error("limit must be between 1 and {MAX_PAGE_LIMIT}")]
    InvalidLimit,
    #[error("cursor is not one this server issued")]
    InvalidCursor,
    #[error(
        "requestId must be 1-{CLIENT_MESSAGE_ID_MAX_CHARS} characters of letters, digits, '_' or '-'"
    )]
    InvalidRequestId,
    #[error("purpose must be \"avatar\" or \"attachment\"")]
    InvalidPurpose,
    #[error("{media_type} is not allowed for {purpose}")]
    UnsupportedMediaType {
        media_type: String,
        purpose: &'static str,
    },
    #[error("the file is {size} bytes; the limit for {purpose} is {max} bytes")]
    FileTooLarge {
        size: u64,
        max: u64,
        purpose: &'static str,
    },
    #[error("size must be at least 1 byte")]
    InvalidSize,
    #[error(
        "file name must be 1-{FILE_NAME_MAX_CHARS} characters without control characters, '/' or '\\'"
    )]
    InvalidFileName,
    #[error("{0}")]
    InvalidMediaKey(&'static str),
    #[error("conversationId is not one this server issued")]
    InvalidConversationId,
    #[error(
        "room name must be 1-{} characters without control characters",
        crate::rooms::ROOM_NAME_MAX_CHARS
    )]
    InvalidRoomName,
    #[error("role must be \"owner\", \"admin\" or \"member\"")]
    InvalidRole,
    #[error(
        "a request names 1 to {} users (createRoom: 0 to {})",
        crate::rooms::MAX_MEMBERS_PER_REQUEST,
        crate::rooms::MAX_MEMBERS_PER_REQUEST
    )]
    TooManyMembers,
    #[error("messageId is not a message id this server issued")]
    InvalidMessageId,
    #[error("prefix must be 1-{USERNAME_MAX_CHARS} characters a username may contain")]
    InvalidPrefix,
    #[error("emoji must be exactly one emoji")]
    InvalidEmoji,
}

impl RuleError {
    /// Stable code sent to clients in `error` events (documented in docs/protocol.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUsername => "invalid_username",
            Self::EmptyText => "empty_text",
            Self::TextTooLong { .. } => "text_too_long",
            Self::ControlCharacterInText => "invalid_text",
            Self::InvalidClientMessageId => "invalid_client_message_id",
            Self::InvalidLimit => "invalid_limit",
            Self::InvalidCursor => "invalid_cursor",
            Self::InvalidRequestId => "invalid_request_id",
            Self::InvalidPurpose => "invalid_purpose",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::InvalidSize => "invalid_size",
            Self::InvalidFileName => "invalid_file_name",
            Self::InvalidMediaKey(_) => "invalid_media_key",
            Self::InvalidConversationId => "invalid_conversation",
            Self::InvalidRoomName => "invalid_room_name",
            Self::InvalidRole => "invalid_role",
            Self::TooManyMembers => "too_many_members",
            Self::InvalidMessageId => "invalid_message_id",
            Self::InvalidPrefix => "invalid_prefix",
            Self::InvalidEmoji => "invalid_emoji",
        }
    }
}

/// A username as the user typed it. Usernames are unique regardless of case: [`Username::key`] is the
/// identity, the typed form is only for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        let chars = raw.chars().count();
        // A name of dots only would be `.` or `..` as a segment of a media key's path.
        let only_dots = raw.chars().all(|c| c == '.');
        if (1..=USERNAME_MAX_CHARS).contains(&chars) && raw.chars().all(valid_char) && !only_dots {
            Ok(Self(raw.to_owned()))
        } else {
            Err(RuleError::InvalidUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity of the user (ASCII lowercase: usernames are ASCII).
    pub fn key(&self) -> UserKey {
        UserKey(self.0.to_ascii_lowercase())
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lowercase identity of a user, as stored in keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserKey(String);

impl UserKey {
    /// Rebuilds a key read back from storage (already lowercase).
    pub fn from_stored(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Message text, trimmed, 1..=4000 characters, no control characters but newline and tab.
///
/// With at most 4 UTF-8 bytes per character the text stays under 16 KB, so a whole `message` event
/// stays far below API Gateway's 32 KB frame limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(RuleError::EmptyText);
        }
        let chars = text.chars().count();
        if chars > TEXT_MAX_CHARS {
            return Err(RuleError::TextTooLong { chars });
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(RuleError::ControlCharacterInText);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The client's id for a message it sends; a retry with the same id returns the stored message
/// instead of storing it twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientMessageId(String);

/// A short URL-safe token: what clients may choose as an id.
fn is_client_token(raw: &str) -> bool {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    (1..=CLIENT_MESSAGE_ID_MAX_CHARS).contains(&raw.len()) && raw.chars().all(valid_char)
}

impl ClientMessageId {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        if is_client_token(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(RuleError::InvalidClientMessageId)
        }
    }

    /// An id for a client that sent none: such a message simply is not deduplicated.
    pub fn generate() -> Self {
        Self(ulid::Ulid::generate().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The client's id for a media request, echoed in the answer (and in an `error`) so the client can
/// tell which of its requests it answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        if is_client_token(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(RuleError::InvalidRequestId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many history messages one page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub fn new(limit: u64) -> Result<Self, RuleError> {
        u32::try_from(limit)
            .ok()
            .filter(|l| (1..=MAX_PAGE_LIMIT).contains(l))
            .map(Self)
            .ok_or(RuleError::InvalidLimit)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(DEFAULT_PAGE_LIMIT)
    }
}

/// A server-assigned message id: a ULID, so ids sort by the time they were assigned.
pub fn new_message_id(now_millis: i64) -> String {
    let millis = u64::try_from(now_millis).unwrap_or(0);
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis);
    ulid::Ulid::from_datetime(at).to_string()
}

/// Whether `raw` has the shape of an id [`new_message_id`] issues (a canonical ULID).
pub fn is_message_id(raw: &str) -> bool {
    ulid::Ulid::from_string(raw).is_ok_and(|ulid| ulid.to_string() == raw)
}

/// Milliseconds since the Unix epoch: the server's time for messages, presence and connections.
pub trait Clock: Send + Sync {
    fn now_millis(&self) -> i64;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock stopped at one instant, for tests and reproducible runs.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_allow_letters_digits_and_three_marks() {
        for ok in ["a", "Alice", "bob_2", "x.y-z", ".a", "a..", &"a".repeat(32)] {
            assert_eq!(Username::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            " alice",
            "al ice",
            "al#ice",
            "élodie",
            "a/b",
            ".",
            "..",
            &"a".repeat(33),
        ] {
            assert_eq!(
                Username::parse(bad),
                Err(RuleError::InvalidUsername),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn usernames_are_unique_regardless_of_case() {
        let typed = Username::parse("Alice").unwrap();
        assert_eq!(typed.key(), Username::parse("aLICE").unwrap().key());
        assert_eq!(typed.key().as_str(), "alice");
        assert_eq!(typed.as_str(), "Alice", "display form is kept");
    }

    #[test]
    fn text_is_trimmed_and_limited_in_characters_not_bytes() {
        assert_eq!(MessageText::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(MessageText::parse(" \n\t "), Err(RuleError::EmptyText));
        let emoji_limit = "😀".repeat(TEXT_MAX_CHARS);
        assert!(MessageText::parse(&emoji_limit).is_ok());
        assert_eq!(
            MessageText::parse(&"a".repeat(TEXT_MAX_CHARS + 1)),
            Err(RuleError::TextTooLong {
                chars: TEXT_MAX_CHARS + 1
            })
        );
    }

    #[test]
    fn text_keeps_newlines_and_tabs_but_refuses_other_control_characters() {
        assert!(MessageText::parse("line 1\nline\t2").is_ok());
        assert_eq!(
            MessageText::parse("bell\u{7}"),
            Err(RuleError::ControlCharacterInText)
        );
    }

    #[test]
    fn client_message_ids_are_short_url_safe_tokens() {
        assert!(ClientMessageId::parse("c-1_A").is_ok());
        assert!(ClientMessageId::parse("0191f7a2-7c1e-7cc0-a1f4-7f2d6c1b8e90").is_ok());
        for bad in ["", "a b", "x#y", &"a".repeat(65)] {
            assert_eq!(
                ClientMessageId::parse(bad),
                Err(RuleError::InvalidClientMessageId)
            );
        }
        assert!(ClientMessageId::parse(ClientMessageId::generate().as_str()).is_ok());
    }

    #[test]
    fn page_limit_defaults_to_50_and_allows_1_to_100() {
        assert_eq!(PageLimit::default().get(), 50);
        assert_eq!(PageLimit::new(1).unwrap().get(), 1);
        assert_eq!(PageLimit::new(100).unwrap().get(), 100);
        for bad in [0, 101, u64::from(u32::MAX) + 1] {
            assert_eq!(PageLimit::new(bad), Err(RuleError::InvalidLimit));
        }
    }

    #[test]
    fn message_ids_sort_by_time() {
        let earlier = new_message_id(1_700_000_000_000);
        let later = new_message_id(1_700_000_000_001);
        assert_eq!(earlier.len(), 26);
        assert!(earlier < later);
    }
}
