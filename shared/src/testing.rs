//! Building blocks for the route functions' unit tests (feature `test-support`, dev-only): a
//! [`Chat`] over the real AWS adapters whose SDK clients are mocked with `aws-smithy-mocks`, and a
//! [`CallLog`] of every AWS call in the order it was made, across both clients.
//!
//! DynamoDB rules run in [`RuleMode::Sequential`]: a call that is not the next expected one panics,
//! so a test's rule list *is* the exact sequence of DynamoDB calls. Posts are matched by connection
//! id in any order (they go out concurrently).

use std::sync::{Arc, Mutex};

use aws_sdk_apigatewaymanagement::operation::post_to_connection::{
    PostToConnectionError, PostToConnectionInput, PostToConnectionOutput,
};
use aws_sdk_apigatewaymanagement::types::error::GoneException;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use std::collections::HashMap;

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, UpdateItemInput, UpdateItemOutput,
};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, InternalServerError};
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

pub use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use crate::apigateway::ApiGatewayNotifier;
use crate::chat::Chat;
use crate::dynamodb::{DynamoStore, TableNames};
use crate::media_access::MediaAccess;
use crate::rules::FixedClock;
use crate::s3::S3MediaSigner;

/// The clock every mocked test runs at.
pub const NOW: i64 = 1_764_000_000_000;
pub const CLIENTS_TABLE: &str = "Clients";
pub const MESSAGES_TABLE: &str = "Messages";
pub const MESSAGES_INDEX: &str = "byConversation";
pub const MEDIA_BUCKET: &str = "chat-media";

pub type MockChat = Chat<DynamoStore, ApiGatewayNotifier, FixedClock>;
pub type MockMedia = MediaAccess<S3MediaSigner, FixedClock>;

/// Every AWS call made, in order: the operation name, and for posts the target connection
/// (`"PostToConnection c2"`).
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<String>>>);

impl CallLog {
    pub fn calls(&self) -> Vec<String> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }

    /// For `make bench`: writes the calls of a representative run of `action` to
    /// `$CHATASTROPHY_CALLS_DIR/<function>.json`, from which the benchmark prices each action.
    /// Does nothing when the variable is unset (a normal test run).
    pub fn export(&self, action: &str, scenario: &str) {
        let Some(dir) = std::env::var_os("CHATASTROPHY_CALLS_DIR") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let report =
            serde_json::json!({"action": action, "scenario": scenario, "calls": self.calls()});
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("{action}.json")), report.to_string()));
        if let Err(error) = written {
            panic!("could not export the call log of {action}: {error}");
        }
    }

    fn push(&self, call: String) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push(call);
        }
    }
}

#[derive(Debug)]
struct Recorder(CallLog);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "CallLogRecorder"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("?", Metadata::name)
            .to_owned();
        let call = match context.input().downcast_ref::<PostToConnectionInput>() {
            Some(post) => format!("{operation} {}", post.connection_id().unwrap_or("?")),
            None => operation,
        };
        self.0.push(call);
        Ok(())
    }
}

/// A chat whose DynamoDB calls must be exactly `dynamodb` in order, and whose posts are answered
/// by `posts`. SDK retries are off so each rule answers exactly one call (see
/// [`mock_chat_with_retries`] for the retry behaviour itself).
pub fn mock_chat(dynamodb: &[&Rule], posts: &[&Rule]) -> (MockChat, CallLog) {
    build(
        dynamodb,
        RuleMode::Sequential,
        posts,
        RetryConfig::disabled(),
    )
}

/// A chat whose store answers every call, in any order, with "nothing there" or "done", and whose
/// posts succeed: for fuzzing the handlers' input paths, where only the answer matters.
pub fn permissive_chat() -> MockChat {
    let rules = [
        mock!(aws_sdk_dynamodb::Client::batch_get_item)
            .then_output(|| BatchGetItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::put_item).then_output(|| PutItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::update_item)
            .then_output(|| UpdateItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::delete_item)
            .then_output(|| DeleteItemOutput::builder().build()),
        mock!(aws_sdk_dynamodb::Client::query).then_output(|| QueryOutput::builder().build()),
    ];
    let post = mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .then_output(|| PostToConnectionOutput::builder().build());
    let rules: Vec<&Rule> = rules.iter().collect();
    build(
        &rules,
        RuleMode::MatchAny,
        &[&post],
        RetryConfig::disabled(),
    )
    .0
}

/// Like [`mock_chat`], with the SDK's standard retries on (3 attempts, as deployed).
pub fn mock_chat_with_retries(dynamodb: &[&Rule], posts: &[&Rule]) -> (MockChat, CallLog) {
    build(
        dynamodb,
        RuleMode::Sequential,
        posts,
        RetryConfig::standard(),
    )
}

/// The media use cases over an S3 client that answers no request: presigning is computed
/// locally, so any S3 call would fail. The log shows each presign as `presign <Operation>`; the
/// use cases call nothing else.
pub fn mock_media() -> (MockMedia, CallLog) {
    let log = CallLog::default();
    let s3_log = log.clone();
    // No rule, and passthrough to the mock HTTP client (which answers nothing): presigning runs
    // the client's request pipeline up to signing, which a rule-less mock would refuse, while any
    // request really sent is recorded and fails.
    let s3_client = aws_sdk_s3::Client::from_conf(
        S3MediaSigner::configure(aws_sdk_s3::Config::builder().with_test_defaults_v2())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(aws_smithy_mocks::MockResponseInterceptor::new().allow_passthrough())
            .interceptor(S3Recorder(s3_log.clone()))
            .build(),
    );
    let media = MediaAccess::new(S3MediaSigner::new(s3_client, MEDIA_BUCKET), FixedClock(NOW));
    (media, log)
}

/// Records S3 requests as they would leave: a presigned one (signature in the query string, which
/// presigning stops at and never sends) as `presign <Operation>`, any other as its operation.
#[derive(Debug)]
struct S3Recorder(CallLog);

impl Intercept for S3Recorder {
    fn name(&self) -> &'static str {
        "S3CallRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("?", Metadata::name);
        let presigned = context.request().uri().contains("X-Amz-Signature=");
        self.0.push(if presigned {
            format!("presign {operation}")
        } else {
            operation.to_owned()
        });
        Ok(())
    }
}

fn tables() -> TableNames {
    TableNames {
        clients: CLIENTS_TABLE.into(),
        messages: MESSAGES_TABLE.into(),
        messages_by_conversation: MESSAGES_INDEX.into(),
    }
}

fn build(
    dynamodb: &[&Rule],
    dynamodb_mode: RuleMode,
    posts: &[&Rule],
    retry: RetryConfig,
) -> (MockChat, CallLog) {
    let log = CallLog::default();
    let (ddb_log, post_log) = (log.clone(), log.clone());
    let ddb_retry = retry.clone();
    let dynamodb_client = mock_client!(
        aws_sdk_dynamodb,
        dynamodb_mode,
        dynamodb.iter().copied(),
        move |config| config
            .interceptor(Recorder(ddb_log.clone()))
            .retry_config(ddb_retry.clone())
            .sleep_impl(TokioSleep::new())
    );
    let management_client = mock_client!(
        aws_sdk_apigatewaymanagement,
        RuleMode::MatchAny,
        posts.iter().copied(),
        move |config| config
            .interceptor(Recorder(post_log.clone()))
            .retry_config(retry.clone())
    );
    let chat = Chat::new(
        DynamoStore::new(dynamodb_client, tables()),
        ApiGatewayNotifier::new(management_client),
        FixedClock(NOW),
    );
    (chat, log)
}

/// A post to `connection_id` that succeeds.
pub fn post_ok(connection_id: &'static str) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| r.connection_id() == Some(connection_id))
        .then_output(|| PostToConnectionOutput::builder().build())
}

/// A post to `connection_id` that succeeds, matching only when its payload is an event that
/// `expected` accepts.
pub fn post_event(
    connection_id: &'static str,
    expected: impl Fn(&serde_json::Value) -> bool + Send + Sync + 'static,
) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| {
            let event = serde_json::from_slice(r.data().map(|d| d.as_ref()).unwrap_or_default())
                .unwrap_or_default();
            r.connection_id() == Some(connection_id) && expected(&event)
        })
        .then_output(|| PostToConnectionOutput::builder().build())
}

/// A post to `connection_id` that answers 410 Gone: the socket is no longer there.
pub fn post_gone(connection_id: &'static str) -> Rule {
    mock!(aws_sdk_apigatewaymanagement::Client::post_to_connection)
        .match_requests(move |r| r.connection_id() == Some(connection_id))
        .then_error(|| PostToConnectionError::GoneException(GoneException::builder().build()))
}

/// Shorthand for a string attribute.
pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// Shorthand for a number attribute.
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Shorthand for a string-set attribute.
pub fn ss(values: &[&str]) -> AttributeValue {
    AttributeValue::Ss(values.iter().map(|v| (*v).to_owned()).collect())
}

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The stored record of a connection of `username`, made at [`NOW`].
pub fn connection_item(connection_id: &str, username: &str) -> Item {
    HashMap::from([
        ("pk".into(), s(&format!("CONNECTION#{connection_id}"))),
        ("sk".into(), s("CONNECTION")),
        ("connectionId".into(), s(connection_id)),
        ("username".into(), s(username)),
        ("connectedAt".into(), n(NOW)),
        (
            "expiresAt".into(),
            n(NOW / 1000 + crate::rules::CONNECTION_TTL_SECS),
        ),
    ])
}

/// The stored record of a user with these live connections.
pub fn user_item(username: &str, connection_ids: &[&str], last_seen: Option<i64>) -> Item {
    let mut item = HashMap::from([
        ("pk".into(), s("USERS")),
        (
            "sk".into(),
            s(&format!("USER#{}", username.to_ascii_lowercase())),
        ),
        ("username".into(), s(username)),
    ]);
    if !connection_ids.is_empty() {
        item.insert("connectionIds".into(), ss(connection_ids));
    }
    if let Some(last_seen) = last_seen {
        item.insert("lastSeen".into(), n(last_seen));
    }
    item
}

/// A stored direct message.
pub fn message_item(id: &str, from: &str, to: &str, client_message_id: &str) -> Item {
    let (a, b) = (from.to_ascii_lowercase(), to.to_ascii_lowercase());
    let conversation = if a <= b {
        format!("dm#{a}#{b}")
    } else {
        format!("dm#{b}#{a}")
    };
    HashMap::from([
        ("conversationId".into(), s(&conversation)),
        ("dedupKey".into(), s(&format!("{a}#{client_message_id}"))),
        ("messageId".into(), s(id)),
        ("from".into(), s(from)),
        ("to".into(), s(to)),
        ("text".into(), s("hello")),
        ("sentAt".into(), n(NOW - 1000)),
        ("clientMessageId".into(), s(client_message_id)),
    ])
}

fn is_key(key: Option<&Item>, pk: &str, sk: &str) -> bool {
    key.is_some_and(|key| key.get("pk") == Some(&s(pk)) && key.get("sk") == Some(&s(sk)))
}

/// PutItem of a connection record.
pub fn put_connection(connection_id: &'static str, username: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(move |r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && r.item() == Some(&connection_item(connection_id, username))
        })
        .then_output(|| PutItemOutput::builder().build())
}

/// DeleteItem of a connection record, returning the old record if there was one.
pub fn delete_connection(connection_id: &'static str, old: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::delete_item)
        .match_requests(move |r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && is_key(
                    r.key(),
                    &format!("CONNECTION#{connection_id}"),
                    "CONNECTION",
                )
        })
        .then_output(move || {
            DeleteItemOutput::builder()
                .set_attributes(old.clone())
                .build()
        })
}

/// UpdateItem adding `connection_id` to the user, returning the user as it was (`None`: new user).
pub fn attach_connection(
    user_key: &'static str,
    connection_id: &'static str,
    before: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            r.table_name() == Some(CLIENTS_TABLE)
                && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
                && r.update_expression().is_some_and(|e| e.starts_with("ADD"))
                && r.condition_expression() == Some("attribute_not_exists(#sub) OR #sub = :sub")
                && values.and_then(|v| v.get(":id")) == Some(&ss(&[connection_id]))
                && values.and_then(|v| v.get(":sub")) == Some(&s(&format!("sub-{user_key}")))
        })
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(before.clone())
                .build()
        })
}

/// The attach of [`attach_connection`] refused because the name belongs to another account (the
/// `sub` condition fails).
pub fn attach_connection_name_taken(user_key: &'static str, connection_id: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            is_key(r.key(), "USERS", &format!("USER#{user_key}"))
                && r.expression_attribute_values().and_then(|v| v.get(":id"))
                    == Some(&ss(&[connection_id]))
        })
        .then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        })
}

/// UpdateItem removing `connection_id` from the user, returning the user after
/// (`None`: no such user, the condition fails).
pub fn detach_connection(
    user_key: &'static str,
    connection_id: &'static str,
    after: Option<Item>,
) -> Rule {
    let rule = mock!(aws_sdk_dynamodb::Client::update_item).match_requests(move |r| {
        r.table_name() == Some(CLIENTS_TABLE)
            && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
            && r.update_expression()
                .is_some_and(|e| e.starts_with("DELETE"))
            && r.expression_attribute_values().and_then(|v| v.get(":id"))
                == Some(&ss(&[connection_id]))
            && r.expression_attribute_values().and_then(|v| v.get(":now")) == Some(&n(NOW))
    });
    user_after_update(rule, after)
}

/// An update of a user that must exist: answers the user `after` it, or (`None`) fails the
/// `attribute_exists` condition as DynamoDB does for a missing user.
fn user_after_update(
    rule: aws_smithy_mocks::RuleBuilder<UpdateItemInput, UpdateItemOutput, UpdateItemError>,
    after: Option<Item>,
) -> Rule {
    match after {
        Some(after) => rule.then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(after.clone()))
                .build()
        }),
        None => rule.then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder().build(),
            )
        }),
    }
}

/// UpdateItem setting (`Some`) or removing (`None`) the user's `avatarKey`, returning the user
/// after (`None` for `after`: no such user, the condition fails).
pub fn set_avatar(
    user_key: &'static str,
    avatar: Option<&'static str>,
    after: Option<Item>,
) -> Rule {
    let rule = mock!(aws_sdk_dynamodb::Client::update_item).match_requests(move |r| {
        let value = r
            .expression_attribute_values()
            .and_then(|v| v.get(":avatar"));
        let expression_matches = match avatar {
            Some(key) => {
                r.update_expression() == Some("SET #avatar = :avatar") && value == Some(&s(key))
            }
            None => r.update_expression() == Some("REMOVE #avatar") && value.is_none(),
        };
        r.table_name() == Some(CLIENTS_TABLE)
            && is_key(r.key(), "USERS", &format!("USER#{user_key}"))
            && r.condition_expression() == Some("attribute_exists(#pk)")
            && expression_matches
    });
    user_after_update(rule, after)
}

/// `item` (a stored user) with a profile picture.
pub fn with_avatar(mut item: Item, avatar_key: &str) -> Item {
    item.insert("avatarKey".into(), s(avatar_key));
    item
}

/// `item` (a stored message) with an attachment.
pub fn with_attachment(
    mut item: Item,
    key: &str,
    name: &str,
    content_type: &str,
    size: u64,
) -> Item {
    item.extend([
        ("attachmentKey".into(), s(key)),
        ("attachmentName".into(), s(name)),
        ("attachmentType".into(), s(content_type)),
        ("attachmentSize".into(), AttributeValue::N(size.to_string())),
    ]);
    item
}

/// BatchGetItem of users (strongly consistent), answering with `found`.
pub fn batch_get_users(found: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::batch_get_item)
        .match_requests(|r| {
            r.request_items()
                .and_then(|items| items.get(CLIENTS_TABLE))
                .is_some_and(|keys| keys.consistent_read() == Some(true))
        })
        .then_output(move || {
            BatchGetItemOutput::builder()
                .responses(CLIENTS_TABLE, found.clone())
                .build()
        })
}

/// Query of the users partition, answering one page with `users`.
pub fn query_users(users: Vec<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            r.table_name() == Some(CLIENTS_TABLE)
                && r.expression_attribute_values()
                    .and_then(|v| v.get(":users"))
                    == Some(&s("USERS"))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(users.clone()))
                .build()
        })
}

/// Conditional PutItem of a message that stores it.
pub fn put_message_stored() -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            r.table_name() == Some(MESSAGES_TABLE)
                && r.condition_expression() == Some("attribute_not_exists(#key)")
        })
        .then_output(|| PutItemOutput::builder().build())
}

/// Conditional PutItem of a message whose sender and client id are already stored as `original`.
pub fn put_message_duplicate(original: Item) -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| r.table_name() == Some(MESSAGES_TABLE))
        .then_error(move || {
            PutItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .set_item(Some(original.clone()))
                    .build(),
            )
        })
}

/// PutItem of a message failing with DynamoDB's 500 InternalServerError.
pub fn put_message_fails() -> Rule {
    mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| r.table_name() == Some(MESSAGES_TABLE))
        .then_error(|| PutItemError::InternalServerError(InternalServerError::builder().build()))
}

/// Query of the conversation index, newest first, answering `items` and `last_key`.
pub fn query_messages(
    conversation: &'static str,
    limit: i32,
    items: Vec<Item>,
    last_key: Option<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            r.table_name() == Some(MESSAGES_TABLE)
                && r.index_name() == Some(MESSAGES_INDEX)
                && r.scan_index_forward() == Some(false)
                && r.limit() == Some(limit)
                && r.expression_attribute_values().and_then(|v| v.get(":c"))
                    == Some(&s(conversation))
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(items.clone()))
                .set_last_evaluated_key(last_key.clone())
                .build()
        })
}

/// A WebSocket event as API Gateway delivers it to a route's function, on a connection of
/// `username` (the `$connect` authorizer's context, as API Gateway passes it on).
pub fn route_request(
    route_key: &str,
    connection_id: &str,
    username: &str,
    body: Option<&str>,
) -> crate::lambda::Request {
    let mut request = anonymous_request(route_key, connection_id, body);
    request.request_context.authorizer.fields = identity(username).to_context();
    request
}

/// A WebSocket event without the authorizer's context (an API whose `$connect` has no authorizer).
pub fn anonymous_request(
    route_key: &str,
    connection_id: &str,
    body: Option<&str>,
) -> crate::lambda::Request {
    let mut request = crate::lambda::Request::default();
    request.request_context.route_key = Some(route_key.to_owned());
    request.request_context.connection_id = Some(connection_id.to_owned());
    request.request_context.request_id = Some("request-1".to_owned());
    request.body = body.map(str::to_owned);
    request
}

/// The verified identity of `username` in tests (its `sub` is derived from the name).
pub fn identity(username: &str) -> crate::identity::Identity {
    crate::identity::Identity {
        sub: format!("sub-{}", username.to_ascii_lowercase()),
        username: crate::rules::Username::parse(username).expect("a valid test username"),
    }
}

/// The event a route replied with (the route response body).
pub fn reply_json(response: &crate::lambda::Response) -> serde_json::Value {
    match &response.body {
        Some(aws_lambda_events::encodings::Body::Text(text)) => {
            serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
        }
        _ => serde_json::Value::Null,
    }
}
