//! Building blocks for tests (feature `test-support`, dev-only), two kinds:
//!
//! - the route functions' unit tests run a [`Chat`](crate::chat::Chat) over the real AWS adapters
//!   whose SDK clients are mocked with `aws-smithy-mocks` ([`mock_chat`]), answered by rules for
//!   each request ([`put_message_stored`], [`post_gone`], ...) with items as the adapter stores
//!   them ([`user_item`], ...), and keep a [`CallLog`] of every AWS call in the order it was made,
//!   across both clients. DynamoDB rules run in [`RuleMode::Sequential`]: a call that is not the
//!   next expected one panics, so a test's rule list *is* the exact sequence of DynamoDB calls.
//!   Posts are matched by connection id in any order (they go out concurrently);
//! - the use cases' tests run over in-memory doubles of the ports: a [`MemoryStore`] with the
//!   adapter's semantics and a [`RecordingNotifier`], no SDK and no I/O.

mod apigateway_rules;
mod call_log;
mod conversation_items;
mod conversation_rules;
mod dynamodb_items;
mod dynamodb_rules;
mod lifecycle_rules;
mod memory_store;
mod mocked_chat;
mod recording_notifier;
mod requests;
mod room_rules;

pub use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

pub use apigateway_rules::{post_event, post_gone, post_ok};
pub use call_log::CallLog;
pub use conversation_items::{
    direct_conversation, direct_member_item, direct_meta_item, member_item, room_item,
    room_message_item, watch_item, with_joined_at, with_last_message, with_read_point,
};
pub use conversation_rules::{
    advance_read_point, batch_get_members, batch_get_these_users, get_member, get_room,
    is_conversation_key, join_direct, query_direct_partners, query_members, query_members_after,
    query_watchers, record_last_message, record_last_message_superseded,
};
pub use dynamodb_items::{
    Item, connection_item, message_item, n, s, ss, user_item, with_attachment, with_avatar,
};
pub use dynamodb_rules::{
    attach_connection, attach_connection_name_taken, batch_get_users, count_message,
    count_messages_after, delete_connection, detach_connection, put_connection,
    put_message_duplicate, put_message_fails, put_message_stored, query_messages, query_users,
    set_avatar,
};
pub use lifecycle_rules::{
    ReactionWrite, batch_get_messages, get_message_item, message_deleted, message_edit_refused,
    message_edited, object_deleted, query_message, reaction_conflicted, reaction_written,
    revise_last_message, typing_gate, with_deletion, with_edit, with_reaction, with_reply_to,
};
pub use memory_store::MemoryStore;
pub use mocked_chat::{
    MockChat, MockMedia, mock_chat, mock_chat_with_retries, mock_media, mock_media_with,
    mock_remover, permissive_chat, permissive_remover,
};
pub use recording_notifier::{Post, RecordingNotifier};
pub use requests::{
    anonymous_request, assert_error_reply, code_and_action, identity, reply_json, route_request,
};
pub use room_rules::{
    check_failed, check_passed, is_rename, is_role_update, member_removed,
    member_removed_meanwhile, members_added, members_added_cancelled, ownership_handed, role_set,
    room_created, room_renamed,
};

/// The clock every test runs at.
pub const NOW: i64 = 1_764_000_000_000;
pub const CLIENTS_TABLE: &str = "Clients";
pub const MESSAGES_TABLE: &str = "Messages";
pub const MESSAGES_INDEX: &str = "byConversation";
pub const CONVERSATIONS_TABLE: &str = "Conversations";
pub const CONVERSATIONS_INDEX: &str = "byMember";
pub const MEDIA_BUCKET: &str = "chat-media";
