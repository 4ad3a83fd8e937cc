//! Media rules: which files may be uploaded for what, how large, under which key, and who may read
//! them. Pure functions, no I/O: the S3 adapter only signs what these rules allowed.
//!
//! Keys are chosen by the server and say whose a file is:
//! - profile picture: `avatars/<user>/<ulid>.<ext>`: anyone signed in may read it;
//! - attachment of a direct conversation: `attachments/dm/<a>/<b>/<sender>/<ulid>.<ext>`, `a` < `b`
//!   the conversation's users: the key alone says who may read it;
//! - attachment of a room: `attachments/room/<room ULID>/<sender>/<ulid>.<ext>`: readable by the
//!   room's members as they are when asked, which only the store knows ([`ReadAccess`]).
//!
//! An attachment's conversation segments are its [`ConversationId`] with `/` for `#` (neither can
//! appear in a username or a ULID), so each conversation has exactly one key prefix.

use std::fmt;
use std::time::Duration;

use crate::conversation::{ConversationId, Target};
use crate::rules::{FILE_NAME_MAX_CHARS, RuleError, UserKey, Username};

/// Largest profile picture, in bytes.
pub const AVATAR_MAX_BYTES: u64 = 2 * 1024 * 1024;
/// Largest attachment, in bytes.
pub const ATTACHMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// How long a presigned upload works: long enough to start a 10 MB upload on a slow link, short
/// enough that a leaked URL is soon useless.
pub const UPLOAD_URL_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// How long a presigned download works; clients cache it and ask again after.
pub const DOWNLOAD_URL_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Most keys one `getDownloadUrl` may ask for (a people list or a history page at once).
pub const MAX_DOWNLOAD_KEYS: usize = 50;

const AVATARS: &str = "avatars";
const ATTACHMENTS: &str = "attachments";
const DIRECT: &str = "dm";
const ROOM: &str = "room";

/// A media type the chat accepts. Nothing a browser would run as a page or a script (HTML, SVG,
/// JavaScript) is on the list, so a file served from the bucket can never act as the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Png,
    Jpeg,
    Webp,
    Gif,
    Pdf,
    PlainText,
    Csv,
    Zip,
    Mp3,
    Mp4,
    Docx,
    Xlsx,
    Pptx,
}

impl MediaType {
    pub const ALL: [MediaType; 13] = [
        Self::Png,
        Self::Jpeg,
        Self::Webp,
        Self::Gif,
        Self::Pdf,
        Self::PlainText,
        Self::Csv,
        Self::Zip,
        Self::Mp3,
        Self::Mp4,
        Self::Docx,
        Self::Xlsx,
        Self::Pptx,
    ];

    /// The `Content-Type`, as signed into the upload and served back by S3.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Pdf => "application/pdf",
            Self::PlainText => "text/plain",
            Self::Csv => "text/csv",
            Self::Zip => "application/zip",
            Self::Mp3 => "audio/mpeg",
            Self::Mp4 => "video/mp4",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
        }
    }

    /// The key's extension, so a key alone says what it holds.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Pdf => "pdf",
            Self::PlainText => "txt",
            Self::Csv => "csv",
            Self::Zip => "zip",
            Self::Mp3 => "mp3",
            Self::Mp4 => "mp4",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::Webp | Self::Gif)
    }

    /// Looks a `Content-Type` up on the allow-list (case-insensitive, parameters not allowed).
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|media_type| media_type.mime().eq_ignore_ascii_case(mime.trim()))
    }

    fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|media_type| media_type.extension() == extension)
    }
}

/// What an upload is for: each purpose has its own types, size limit and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Avatar,
    Attachment,
}

impl Purpose {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw {
            "avatar" => Ok(Self::Avatar),
            "attachment" => Ok(Self::Attachment),
            _ => Err(RuleError::InvalidPurpose),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avatar => "avatar",
            Self::Attachment => "attachment",
        }
    }

    pub fn max_bytes(self) -> u64 {
        match self {
            Self::Avatar => AVATAR_MAX_BYTES,
            Self::Attachment => ATTACHMENT_MAX_BYTES,
        }
    }

    /// The media type, if `mime` may be uploaded for this purpose.
    pub fn media_type(self, mime: &str) -> Result<MediaType, RuleError> {
        MediaType::from_mime(mime)
            .filter(|media_type| self == Self::Attachment || media_type.is_image())
            .ok_or_else(|| RuleError::UnsupportedMediaType {
                media_type: mime.chars().take(100).collect(),
                purpose: self.as_str(),
            })
    }

    /// The size, if a file of `size` bytes may be uploaded for this purpose.
    pub fn check_size(self, size: u64) -> Result<u64, RuleError> {
        if size == 0 {
            return Err(RuleError::InvalidSize);
        }
        if size > self.max_bytes() {
            return Err(RuleError::FileTooLarge {
                size,
                max: self.max_bytes(),
                purpose: self.as_str(),
            });
        }
        Ok(size)
    }
}

/// Where a file lives in the media bucket, and so whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaKey {
    Avatar {
        owner: UserKey,
        id: String,
        media_type: MediaType,
    },
    Attachment {
        /// The conversation it was uploaded for: a direct one `sender` is one of the two users
        /// of, or a room.
        conversation: ConversationId,
        sender: UserKey,
        id: String,
        media_type: MediaType,
    },
}

/// Whether a reader may get a download URL for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAccess<'a> {
    Granted,
    Denied,
    /// Only if the reader is a member of this room now: the use case asks the store.
    IfMemberOf(&'a ConversationId),
}

impl MediaKey {
    /// A new key for `owner`'s profile picture.
    pub fn new_avatar(owner: UserKey, media_type: MediaType) -> Self {
        Self::Avatar {
            owner,
            id: ulid::Ulid::generate().to_string(),
            media_type,
        }
    }

    /// A new key for a file `sender` sends to `recipient` in their direct conversation.
    pub fn new_attachment(sender: UserKey, recipient: UserKey, media_type: MediaType) -> Self {
        let conversation = ConversationId::direct(&sender, &recipient);
        Self::new_attachment_in(sender, conversation, media_type)
    }

    /// A new key for a file `sender` sends to the conversation `target` (as resolved for
    /// `sender`: a direct one of theirs, or a room whose membership the caller checked).
    pub fn new_attachment_for(sender: UserKey, target: &Target, media_type: MediaType) -> Self {
        Self::new_attachment_in(sender, target.id().clone(), media_type)
    }

    fn new_attachment_in(
        sender: UserKey,
        conversation: ConversationId,
        media_type: MediaType,
    ) -> Self {
        Self::Attachment {
            conversation,
            sender,
            id: ulid::Ulid::generate().to_string(),
            media_type,
        }
    }

    /// Accepts only keys of the shapes above, with valid user keys, a ULID and a known extension:
    /// anything else is a key this server never issued.
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let invalid = RuleError::InvalidMediaKey("this key was not issued by the chat");
        let segments: Vec<&str> = raw.split('/').collect();
        let (id, media_type) = segments
            .last()
            .and_then(|file| file.split_once('.'))
            .and_then(|(id, extension)| {
                let media_type = MediaType::from_extension(extension)?;
                // Only the canonical (upper-case) form, so a key has one spelling.
                ulid::Ulid::from_string(id)
                    .ok()
                    .filter(|ulid| ulid.to_string() == id)?;
                Some((id.to_owned(), media_type))
            })
            .ok_or(invalid.clone())?;
        let user = |segment: &str| {
            Username::parse(segment)
                .ok()
                .map(|name| name.key())
                .filter(|key| key.as_str() == segment)
        };
        match segments.as_slice() {
            [AVATARS, owner, _] => Ok(Self::Avatar {
                owner: user(owner).ok_or(invalid)?,
                id,
                media_type,
            }),
            [ATTACHMENTS, DIRECT, a, b, sender, _] => {
                let (a, b, sender) = match (user(a), user(b), user(sender)) {
                    (Some(a), Some(b), Some(sender)) => (a, b, sender),
                    _ => return Err(invalid),
                };
                if a >= b || (sender != a && sender != b) {
                    return Err(invalid);
                }
                Ok(Self::Attachment {
                    conversation: ConversationId::direct(&a, &b),
                    sender,
                    id,
                    media_type,
                })
            }
            [ATTACHMENTS, ROOM, room, sender, _] => {
                let conversation = ConversationId::parse(&format!("{ROOM}#{room}"))
                    .ok()
                    .filter(ConversationId::is_room);
                match (conversation, user(sender)) {
                    (Some(conversation), Some(sender)) => Ok(Self::Attachment {
                        conversation,
                        sender,
                        id,
                        media_type,
                    }),
                    _ => Err(invalid),
                }
            }
            _ => Err(invalid),
        }
    }

    pub fn media_type(&self) -> MediaType {
        match self {
            Self::Avatar { media_type, .. } | Self::Attachment { media_type, .. } => *media_type,
        }
    }

    /// Whether `reader` may get a download URL: everybody signed in sees profile pictures; a
    /// direct conversation's attachment only its two users; a room's only its members (which the
    /// key cannot say: the store must).
    pub fn read_access(&self, reader: &UserKey) -> ReadAccess<'_> {
        match self {
            Self::Avatar { .. } => ReadAccess::Granted,
            Self::Attachment { conversation, .. } if conversation.is_room() => {
                ReadAccess::IfMemberOf(conversation)
            }
            Self::Attachment { conversation, .. } => match conversation.direct_members() {
                Some((a, b)) if a == *reader || b == *reader => ReadAccess::Granted,
                _ => ReadAccess::Denied,
            },
        }
    }

    /// Whether this is `user`'s own profile picture.
    pub fn is_avatar_of(&self, user: &UserKey) -> bool {
        matches!(self, Self::Avatar { owner, .. } if owner == user)
    }

    /// Whether this is a file `sender` uploaded for `conversation`.
    pub fn is_attachment_of(&self, sender: &UserKey, conversation: &ConversationId) -> bool {
        matches!(
            self,
            Self::Attachment { conversation: of, sender: uploader, .. }
                if uploader == sender && of == conversation
        )
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Avatar {
                owner,
                id,
                media_type,
            } => write!(f, "{AVATARS}/{owner}/{id}.{}", media_type.extension()),
            Self::Attachment {
                conversation,
                sender,
                id,
                media_type,
            } => write!(
                f,
                "{ATTACHMENTS}/{}/{sender}/{id}.{}",
                conversation.as_str().replace('#', "/"),
                media_type.extension()
            ),
        }
    }
}

/// An attachment's file name as shown to people: never part of a key or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let name = raw.trim();
        let chars = name.chars().count();
        let forbidden = |c: char| c.is_control() || c == '/' || c == '\\';
        if (1..=FILE_NAME_MAX_CHARS).contains(&chars) && !name.chars().any(forbidden) {
            Ok(Self(name.to_owned()))
        } else {
            Err(RuleError::InvalidFileName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A file attached to a message: an upload of the sender's for that conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub key: MediaKey,
    pub name: FileName,
    pub media_type: MediaType,
    pub size: u64,
}

impl Attachment {
    /// Checks the parts a client declares against each other and the attachment rules.
    pub fn new(key: MediaKey, name: FileName, mime: &str, size: u64) -> Result<Self, RuleError> {
        let media_type = Purpose::Attachment.media_type(mime)?;
        let size = Purpose::Attachment.check_size(size)?;
        if !matches!(key, MediaKey::Attachment { .. }) {
            return Err(RuleError::InvalidMediaKey(
                "an attachment's key must be one issued for an attachment",
            ));
        }
        if key.media_type() != media_type {
            return Err(RuleError::InvalidMediaKey(
                "the key was issued for another contentType",
            ));
        }
        Ok(Self {
            key,
            name,
            media_type,
            size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::ConversationRef;
    use proptest::prelude::*;

    fn key(name: &str) -> UserKey {
        Username::parse(name).unwrap().key()
    }

    #[test]
    fn avatars_take_images_up_to_2_mb() {
        for mime in ["image/png", "image/jpeg", "IMAGE/WEBP", "image/gif"] {
            assert!(Purpose::Avatar.media_type(mime).is_ok(), "{mime}");
        }
        for mime in ["application/pdf", "image/svg+xml", "text/html", ""] {
            assert_eq!(
                Purpose::Avatar.media_type(mime).unwrap_err().code(),
                "unsupported_media_type",
                "{mime}"
            );
        }
        assert_eq!(
            Purpose::Avatar.check_size(AVATAR_MAX_BYTES),
            Ok(AVATAR_MAX_BYTES)
        );
        assert_eq!(
            Purpose::Avatar
                .check_size(AVATAR_MAX_BYTES + 1)
                .unwrap_err()
                .code(),
            "file_too_large"
        );
        assert_eq!(Purpose::Avatar.check_size(0), Err(RuleError::InvalidSize));
    }

    #[test]
    fn attachments_take_the_allow_list_up_to_10_mb_and_nothing_scriptable() {
        for media_type in MediaType::ALL {
            assert_eq!(
                Purpose::Attachment.media_type(media_type.mime()),
                Ok(media_type)
            );
        }
        for mime in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "text/javascript",
            "application/xhtml+xml",
            "image/png; charset=utf-8",
        ] {
            assert!(Purpose::Attachment.media_type(mime).is_err(), "{mime}");
        }
        assert!(Purpose::Attachment.check_size(ATTACHMENT_MAX_BYTES).is_ok());
        assert!(
            Purpose::Attachment
                .check_size(ATTACHMENT_MAX_BYTES + 1)
                .is_err()
        );
    }

    #[test]
    fn keys_are_scoped_to_the_user_or_the_conversation_and_sender() {
        let avatar = MediaKey::new_avatar(key("Alice"), MediaType::Png);
        let text = avatar.to_string();
        assert!(text.starts_with("avatars/alice/"), "{text}");
        assert!(text.ends_with(".png"));
        assert_eq!(MediaKey::parse(&text), Ok(avatar.clone()));
        assert!(avatar.is_avatar_of(&key("alice")));
        assert!(!avatar.is_avatar_of(&key("bob")));

        let sent_by_bob = MediaKey::new_attachment(key("bob"), key("Alice"), MediaType::Pdf);
        let text = sent_by_bob.to_string();
        assert!(text.starts_with("attachments/dm/alice/bob/bob/"), "{text}");
        assert!(text.ends_with(".pdf"));
        assert_eq!(MediaKey::parse(&text), Ok(sent_by_bob.clone()));
        let conversation = ConversationId::direct(&key("alice"), &key("bob"));
        assert!(sent_by_bob.is_attachment_of(&key("bob"), &conversation));
        assert!(!sent_by_bob.is_attachment_of(&key("alice"), &conversation));
        let other = ConversationId::direct(&key("bob"), &key("carol"));
        assert!(!sent_by_bob.is_attachment_of(&key("bob"), &other));
    }

    #[test]
    fn new_keys_are_unique() {
        let first = MediaKey::new_avatar(key("a"), MediaType::Png);
        let second = MediaKey::new_avatar(key("a"), MediaType::Png);
        assert_ne!(first, second);
    }

    #[test]
    fn attachments_are_readable_by_their_conversation_only_avatars_by_everyone() {
        let attachment = MediaKey::new_attachment(key("alice"), key("bob"), MediaType::Png);
        assert_eq!(attachment.read_access(&key("alice")), ReadAccess::Granted);
        assert_eq!(attachment.read_access(&key("bob")), ReadAccess::Granted);
        assert_eq!(attachment.read_access(&key("carol")), ReadAccess::Denied);
        let avatar = MediaKey::new_avatar(key("alice"), MediaType::Png);
        assert_eq!(avatar.read_access(&key("carol")), ReadAccess::Granted);
    }

    fn room() -> ConversationId {
        ConversationId::new_room(1_700_000_000_000)
    }

    #[test]
    fn a_room_attachment_is_keyed_by_the_room_and_the_sender() {
        let room = room();
        let ulid = room.room_ulid().unwrap().to_owned();
        let sent = MediaKey::new_attachment_for(
            key("Carol"),
            &Target::Room(room.clone()),
            MediaType::Xlsx,
        );
        let text = sent.to_string();
        assert!(
            text.starts_with(&format!("attachments/room/{ulid}/carol/")),
            "{text}"
        );
        assert!(text.ends_with(".xlsx"), "{text}");
        assert_eq!(text.split('/').count(), 5, "{text}");
        assert_eq!(MediaKey::parse(&text), Ok(sent.clone()));
        assert_eq!(sent.media_type(), MediaType::Xlsx);

        assert!(sent.is_attachment_of(&key("carol"), &room));
        assert!(
            !sent.is_attachment_of(&key("dave"), &room),
            "another sender"
        );
        let other_room = ConversationId::new_room(1_700_000_000_001);
        assert!(!sent.is_attachment_of(&key("carol"), &other_room));
        let direct = ConversationId::direct(&key("carol"), &key("dave"));
        assert!(!sent.is_attachment_of(&key("carol"), &direct));
        assert!(!sent.is_avatar_of(&key("carol")));
    }

    #[test]
    fn a_room_attachment_is_readable_by_whoever_is_a_member_when_asked() {
        let room = room();
        let sent =
            MediaKey::new_attachment_for(key("carol"), &Target::Room(room.clone()), MediaType::Png);
        for reader in ["carol", "dave"] {
            assert_eq!(
                sent.read_access(&key(reader)),
                ReadAccess::IfMemberOf(&room),
                "not even the sender is decided by the key: they may have left"
            );
        }
    }

    #[test]
    fn a_direct_target_keys_like_naming_the_recipient() {
        let direct = ConversationRef::DirectWith(Username::parse("Bob").unwrap())
            .target(&key("alice"))
            .unwrap();
        let by_target = MediaKey::new_attachment_for(key("alice"), &direct, MediaType::Pdf);
        assert!(
            by_target
                .to_string()
                .starts_with("attachments/dm/alice/bob/alice/"),
            "{by_target}"
        );
        assert!(by_target.is_attachment_of(&key("alice"), direct.id()));
    }

    #[test]
    fn forged_room_attachment_keys_are_refused() {
        let id = "01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
        let room = "01JDQ8Z7W4K3M2N1P0Q9R8S7T7";
        assert!(MediaKey::parse(&format!("attachments/room/{room}/carol/{id}.png")).is_ok());
        for bad in [
            format!("attachments/room/{}/carol/{id}.png", room.to_lowercase()),
            format!("attachments/room/{}/carol/{id}.png", &room[..25]),
            format!("attachments/room/{room}x/carol/{id}.png"),
            format!("attachments/room/not-a-ulid/carol/{id}.png"),
            format!("attachments/room/{room}/Carol/{id}.png"),
            format!("attachments/room/{room}/../{id}.png"),
            format!("attachments/room/{room}/carol/{}.png", id.to_lowercase()),
            format!("attachments/room/{room}/carol/{id}.svg"),
            format!("attachments/room/{room}/carol/{id}"),
            format!("attachments/room/{room}/carol/x/{id}.png"),
            format!("attachments/room/{room}/{id}.png"),
            format!("attachments/room/room#{room}/carol/{id}.png"),
            format!("attachments/room#{room}/carol/{id}.png"),
            format!("attachments/rooms/{room}/carol/{id}.png"),
            format!("attachments/room/{room}/carol/{id}.png/"),
            format!("attachments/room//carol/{id}.png"),
            format!("attachments/{room}/carol/{id}.png"),
        ] {
            assert_eq!(
                MediaKey::parse(&bad).map_err(|e| e.code()),
                Err("invalid_media_key"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_room_attachment_must_match_the_key_it_was_uploaded_under() {
        let key = MediaKey::new_attachment_for(key("carol"), &Target::Room(room()), MediaType::Pdf);
        let name = FileName::parse("plan.pdf").unwrap();
        assert!(Attachment::new(key.clone(), name.clone(), "application/pdf", 10).is_ok());
        assert_eq!(
            Attachment::new(key, name, "image/png", 10)
                .unwrap_err()
                .code(),
            "invalid_media_key"
        );
    }

    #[test]
    fn keys_the_server_never_issues_are_refused() {
        let id = "01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
        for bad in [
            String::new(),
            format!("avatars/alice/{id}"),
            format!("avatars/alice/{id}.exe"),
            format!("avatars/alice/{id}.svg"),
            format!("avatars/Alice/{id}.png"),
            format!("avatars/../{id}.png"),
            format!("avatars/alice/x/{id}.png"),
            "avatars/alice/not-a-ulid.png".to_owned(),
            format!("avatars/alice/{}.png", id.to_lowercase()),
            format!("/avatars/alice/{id}.png"),
            format!("attachments/dm/bob/alice/bob/{id}.png"),
            format!("attachments/dm/alice/bob/carol/{id}.png"),
            format!("attachments/dm/alice/alice/alice/{id}.png"),
            format!("attachments/room/alice/bob/bob/{id}.png"),
            format!("uploads/alice/{id}.png"),
        ] {
            assert_eq!(
                MediaKey::parse(&bad).map_err(|e| e.code()),
                Err("invalid_media_key"),
                "{bad:?}"
            );
        }
        assert!(MediaKey::parse(&format!("attachments/dm/a.b/bob/bob/{id}.zip")).is_ok());
    }

    #[test]
    fn file_names_are_display_text_without_paths_or_control_characters() {
        assert_eq!(
            FileName::parse(" report final.pdf ").unwrap().as_str(),
            "report final.pdf"
        );
        assert!(FileName::parse("résumé 😀.docx").is_ok());
        for bad in [
            "",
            "   ",
            "a/b.txt",
            "a\\b.txt",
            "bell\u{7}.txt",
            &"a".repeat(256),
        ] {
            assert_eq!(
                FileName::parse(bad),
                Err(RuleError::InvalidFileName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_attachment_must_match_the_key_it_was_uploaded_under() {
        let png = MediaKey::new_attachment(key("alice"), key("bob"), MediaType::Png);
        let name = FileName::parse("cat.png").unwrap();
        assert!(Attachment::new(png.clone(), name.clone(), "image/png", 10).is_ok());
        let wrong_type = Attachment::new(png.clone(), name.clone(), "application/pdf", 10);
        assert_eq!(wrong_type.unwrap_err().code(), "invalid_media_key");
        let avatar = MediaKey::new_avatar(key("alice"), MediaType::Png);
        let avatar_as_attachment = Attachment::new(avatar, name.clone(), "image/png", 10);
        assert_eq!(
            avatar_as_attachment.unwrap_err().code(),
            "invalid_media_key"
        );
        let too_big = Attachment::new(png, name, "image/png", ATTACHMENT_MAX_BYTES + 1);
        assert_eq!(too_big.unwrap_err().code(), "file_too_large");
    }

    proptest! {
        #[test]
        fn arbitrary_keys_never_panic_and_parsed_keys_round_trip(raw in "[a-z/._0-9A-Z-]{0,80}") {
            if let Ok(parsed) = MediaKey::parse(&raw) {
                prop_assert_eq!(parsed.to_string(), raw);
            }
        }

        #[test]
        fn room_attachment_keys_round_trip_and_any_change_of_case_is_refused(
            made_at in 0i64..=(1i64 << 48) - 1,
            sender in "[a-z0-9_-][a-z0-9_.-]{0,19}",
            type_index in 0usize..MediaType::ALL.len(),
        ) {
            let room = ConversationId::new_room(made_at);
            let media_type = MediaType::ALL[type_index];
            let sent = MediaKey::new_attachment_for(key(&sender), &Target::Room(room.clone()), media_type);
            let text = sent.to_string();
            prop_assert_eq!(MediaKey::parse(&text), Ok(sent.clone()));
            let shouted = text.replacen(&format!("/{sender}/"), &format!("/{}/", sender.to_uppercase()), 1);
            if shouted != text {
                prop_assert!(MediaKey::parse(&shouted).is_err(), "{}", shouted);
            }
            let quiet = text.replacen(room.room_ulid().unwrap(), &room.room_ulid().unwrap().to_lowercase(), 1);
            if quiet != text {
                prop_assert!(MediaKey::parse(&quiet).is_err(), "{}", quiet);
            }
        }
    }
}
