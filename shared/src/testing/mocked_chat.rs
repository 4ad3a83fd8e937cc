//! The use cases over the real AWS adapters, their SDK clients mocked: [`mock_chat`] and its
//! variants, [`mock_media`], and [`mock_remover`] (a deleted message's attachment).

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionOutput;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use crate::apigateway::ApiGatewayNotifier;
use crate::chat::Chat;
use crate::dynamodb::{DynamoStore, TableNames};
use crate::media_access::MediaAccess;
use crate::rules::FixedClock;
use crate::s3::{S3MediaRemover, S3MediaSigner};

use super::call_log::{CallLog, Recorder, S3Recorder};
use super::{
    CLIENTS_TABLE, CONVERSATIONS_INDEX, CONVERSATIONS_TABLE, MEDIA_BUCKET, MESSAGES_INDEX,
    MESSAGES_TABLE, NOW,
};

pub type MockChat = Chat<DynamoStore, ApiGatewayNotifier, FixedClock>;
pub type MockMedia = MediaAccess<DynamoStore, S3MediaSigner, FixedClock>;

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
        mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| {
            aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder().build()
        }),
        mock!(aws_sdk_dynamodb::Client::transact_write_items).then_output(|| {
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput::builder()
                .build()
        }),
        mock!(aws_sdk_dynamodb::Client::batch_write_item).then_output(|| {
            aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput::builder().build()
        }),
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

/// The remover of deleted messages' attachments (bucket [`MEDIA_BUCKET`]) whose S3 calls must be
/// exactly `s3` in order, logged as their operation (`DeleteObject`) in `log`: with the log of a
/// [`mock_chat`], the one log orders S3 and DynamoDB calls.
pub fn mock_remover(s3: &[&Rule], log: &CallLog) -> S3MediaRemover {
    remover(s3, RuleMode::Sequential, log)
}

/// A remover whose every DeleteObject succeeds: for fuzzing the handlers' input paths.
pub fn permissive_remover() -> S3MediaRemover {
    let deleted = mock!(aws_sdk_s3::Client::delete_object).then_output(|| {
        aws_sdk_s3::operation::delete_object::DeleteObjectOutput::builder().build()
    });
    remover(&[&deleted], RuleMode::MatchAny, &CallLog::default())
}

fn remover(s3: &[&Rule], mode: RuleMode, log: &CallLog) -> S3MediaRemover {
    let s3_log = log.clone();
    let client = mock_client!(aws_sdk_s3, mode, s3.iter().copied(), move |config| config
        .interceptor(Recorder(s3_log.clone()))
        .retry_config(RetryConfig::disabled()));
    S3MediaRemover::new(client, MEDIA_BUCKET)
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

/// The media use cases over a store that answers every read with "nothing there" (no room has
/// the caller as a member), for the fuzzer and the requests that read nothing; see
/// [`mock_media_with`].
pub fn mock_media() -> (MockMedia, CallLog) {
    let nothing_there = mock!(aws_sdk_dynamodb::Client::get_item)
        .then_output(|| aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder().build());
    build_media(&[&nothing_there], RuleMode::MatchAny)
}

/// The media use cases over an S3 client that answers no request (presigning is computed
/// locally, so any S3 call would fail) and a store whose DynamoDB calls must be exactly
/// `dynamodb` in order (room memberships). The log shows each presign as `presign <Operation>`,
/// each DynamoDB call as its operation.
pub fn mock_media_with(dynamodb: &[&Rule]) -> (MockMedia, CallLog) {
    build_media(dynamodb, RuleMode::Sequential)
}

fn build_media(dynamodb: &[&Rule], dynamodb_mode: RuleMode) -> (MockMedia, CallLog) {
    let log = CallLog::default();
    let ddb_log = log.clone();
    let dynamodb_client = mock_client!(
        aws_sdk_dynamodb,
        dynamodb_mode,
        dynamodb.iter().copied(),
        move |config| config
            .interceptor(Recorder(ddb_log.clone()))
            .retry_config(RetryConfig::disabled())
    );
    // No rule, and passthrough to the mock HTTP client (which answers nothing): presigning runs
    // the client's request pipeline up to signing, which a rule-less mock would refuse, while any
    // request really sent is recorded and fails.
    let s3_client = aws_sdk_s3::Client::from_conf(
        S3MediaSigner::configure(aws_sdk_s3::Config::builder().with_test_defaults_v2())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(aws_smithy_mocks::MockResponseInterceptor::new().allow_passthrough())
            .interceptor(S3Recorder(log.clone()))
            .build(),
    );
    let media = MediaAccess::new(
        DynamoStore::new(dynamodb_client, tables()),
        S3MediaSigner::new(s3_client, MEDIA_BUCKET),
        FixedClock(NOW),
    );
    (media, log)
}

fn tables() -> TableNames {
    TableNames {
        clients: CLIENTS_TABLE.into(),
        messages: MESSAGES_TABLE.into(),
        messages_by_conversation: MESSAGES_INDEX.into(),
        conversations: CONVERSATIONS_TABLE.into(),
        conversations_by_member: CONVERSATIONS_INDEX.into(),
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
