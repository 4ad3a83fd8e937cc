//! The `getUploadUrl` handler over a real S3 presigner (presigning is computed locally; the S3
//! client has no mock rule, so any S3 call would fail) and a mocked DynamoDB client, read only for
//! a room's membership (the caller comes from the authorizer's context): which uploads it signs,
//! and what it refuses.

use std::collections::HashMap;

use chat_domain::testing::*;
use route_media_urls::handle;
use serde_json::{Value, json};

const CALLER: &str = "c1";

fn get_upload_url(body: Value) -> chat_domain::lambda::Request {
    route_request("getUploadUrl", CALLER, "Alice", Some(&body.to_string()))
}

/// The handler's answer to `body`, as the caller gets it.
async fn answer(media: &MockMedia, body: Value) -> Value {
    reply_json(&handle(media, get_upload_url(body)).await.unwrap())
}

/// The query parameters of a presigned URL.
fn query(url: &str) -> HashMap<String, String> {
    let (_, query) = url.split_once('?').expect("a presigned URL has a query");
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| {
            (
                name.to_owned(),
                value.replace("%3B", ";").replace("%2F", "/"),
            )
        })
        .collect()
}

/// `2025-11-24T16:00:00Z`, the mocked clock, as SigV4 writes it.
const NOW_AMZ_DATE: &str = "20251124T160000Z";

#[tokio::test]
async fn signs_a_short_lived_put_of_exactly_the_declared_type_and_size_under_the_users_prefix() {
    let (media, log) = mock_media();

    let response = handle(
        &media,
        get_upload_url(json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/png", "size": 1234, "requestId": "u-1"})),
    )
    .await
    .unwrap();

    assert_eq!(
        log.calls(),
        ["presign PutObject"],
        "one signature, computed locally: nothing is sent to S3"
    );
    let answer = reply_json(&response);
    assert_eq!(answer["type"], "uploadUrl", "{answer}");
    assert_eq!(answer["requestId"], "u-1");
    assert_eq!(answer["purpose"], "avatar");
    assert_eq!(answer["method"], "PUT");
    assert_eq!(answer["contentType"], "image/png");
    assert_eq!(answer["size"], 1234);
    assert_eq!(answer["headers"], json!({"content-type": "image/png"}));
    let key = answer["key"].as_str().unwrap();
    assert!(
        key.starts_with("avatars/alice/") && key.ends_with(".png"),
        "{key}"
    );

    let url = answer["url"].as_str().unwrap();
    let (location, _) = url.split_once('?').unwrap();
    assert_eq!(
        location,
        format!("https://{MEDIA_BUCKET}.s3.us-east-1.amazonaws.com/{key}"),
        "the server's key, in the media bucket"
    );
    let query = query(url);
    assert_eq!(
        query["X-Amz-SignedHeaders"],
        "content-length;content-type;host"
    );
    assert_eq!(query["X-Amz-Date"], NOW_AMZ_DATE);
    assert_eq!(query["X-Amz-Expires"], "300", "valid 5 minutes");
    assert_eq!(answer["expiresAt"], NOW + 300_000);
    assert!(
        !query.keys().any(|name| name.starts_with("x-amz-checksum")),
        "no checksum of an empty body is signed: {url}"
    );
}

#[tokio::test]
async fn an_attachment_key_is_scoped_to_the_conversation_and_the_sender() {
    let (media, _) = mock_media();

    let response = handle(
        &media,
        get_upload_url(json!({"action": "getUploadUrl", "purpose": "attachment", "to": "Bob", "contentType": "application/pdf", "size": 10_485_760})),
    )
    .await
    .unwrap();

    let answer = reply_json(&response);
    let key = answer["key"].as_str().unwrap();
    assert!(
        key.starts_with("attachments/dm/alice/bob/alice/") && key.ends_with(".pdf"),
        "{key}"
    );
    assert_eq!(answer["headers"]["content-type"], "application/pdf");
    assert!(answer.get("requestId").is_none());
}

#[tokio::test]
async fn every_upload_gets_a_new_key() {
    let (media, _) = mock_media();
    let body = json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/gif", "size": 5});
    let one = reply_json(&handle(&media, get_upload_url(body.clone())).await.unwrap());
    let two = reply_json(&handle(&media, get_upload_url(body)).await.unwrap());
    assert_ne!(one["key"], two["key"]);
}

#[tokio::test]
async fn refused_types_and_sizes_make_no_aws_call() {
    let refusals = [
        (
            json!({"purpose": "avatar", "contentType": "application/pdf", "size": 10}),
            "unsupported_media_type",
        ),
        (
            json!({"purpose": "avatar", "contentType": "image/svg+xml", "size": 10}),
            "unsupported_media_type",
        ),
        (
            json!({"purpose": "attachment", "to": "bob", "contentType": "text/html", "size": 10}),
            "unsupported_media_type",
        ),
        (
            json!({"purpose": "avatar", "contentType": "image/jpeg", "size": 2_097_153}),
            "file_too_large",
        ),
        (
            json!({"purpose": "attachment", "to": "bob", "contentType": "application/zip", "size": 10_485_761}),
            "file_too_large",
        ),
        (
            json!({"purpose": "avatar", "contentType": "image/jpeg", "size": 0}),
            "invalid_size",
        ),
        (
            json!({"purpose": "attachment", "contentType": "image/png", "size": 10}),
            "missing_field",
        ),
        (
            json!({"purpose": "cover", "contentType": "image/png", "size": 10}),
            "invalid_purpose",
        ),
    ];
    for (mut body, code) in refusals {
        body["action"] = json!("getUploadUrl");
        body["requestId"] = json!("u-9");
        let (media, log) = mock_media();
        let answer = reply_json(&handle(&media, get_upload_url(body.clone())).await.unwrap());
        assert_eq!(answer["type"], "error", "{body}");
        assert_eq!(answer["code"], code, "{body}");
        assert_eq!(answer["action"], "getUploadUrl");
        assert_eq!(
            answer["requestId"], "u-9",
            "the client can tell which upload failed"
        );
        assert!(log.calls().is_empty(), "{body}: {:?}", log.calls());
    }
}

#[tokio::test]
async fn an_attachment_for_yourself_is_refused() {
    let (media, log) = mock_media();
    let answer = answer(&media, json!({"action": "getUploadUrl", "purpose": "attachment", "to": "ALICE", "contentType": "image/png", "size": 1, "requestId": "u-2"})).await;
    assert_eq!(answer["code"], "invalid_recipient");
    assert_eq!(answer["requestId"], "u-2");
    assert!(log.calls().is_empty(), "nothing is signed");
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_gets_no_url() {
    let (media, log) = mock_media();
    let body = json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/png", "size": 1}).to_string();
    let result = handle(
        &media,
        anonymous_request("getUploadUrl", CALLER, Some(&body)),
    )
    .await;
    assert!(result.is_err());
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn the_key_is_under_the_verified_callers_prefix_whoever_the_body_names() {
    let (media, _) = mock_media();
    let body = json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/png", "size": 1, "user": "bob"});
    let request = route_request("getUploadUrl", CALLER, "Mallory", Some(&body.to_string()));
    let answer = reply_json(&handle(&media, request).await.unwrap());
    let key = answer["key"].as_str().unwrap();
    assert!(key.starts_with("avatars/mallory/"), "{key}");
}

#[tokio::test]
async fn an_attachment_for_a_conversation_of_others_is_refused() {
    let (media, log) = mock_media();
    let answer = answer(&media, json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "dm#bob#carol", "contentType": "image/png", "size": 1, "requestId": "u-3"})).await;
    assert_eq!(answer["code"], "not_a_member");
    assert_eq!(answer["requestId"], "u-3");
    assert!(log.calls().is_empty(), "nothing is signed");
}

#[tokio::test]
async fn an_attachment_by_conversation_id_is_keyed_like_one_by_name() {
    let (media, _) = mock_media();
    let answer = answer(&media, json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "dm#alice#bob", "contentType": "image/png", "size": 1})).await;
    let key = answer["key"].as_str().unwrap();
    assert!(key.starts_with("attachments/dm/alice/bob/alice/"), "{key}");
}

/// A room Alice may or may not be a member of.
const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const ROOM_ULID: &str = "01JDQ8Z7W4K3M2N1P0Q9R8S7T6";

/// The strongly consistent GetItem of `user`'s member item of [`ROOM`], answered with `found`.
fn get_room_member(user: &'static str, found: Option<Item>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |get| {
            let key = get.key().unwrap();
            get.table_name() == Some(CONVERSATIONS_TABLE)
                && get.consistent_read() == Some(true)
                && key["pk"] == s(&format!("CONV#{ROOM}"))
                && key["sk"] == s(&format!("MEMBER#{user}"))
        })
        .then_output(move || {
            aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder()
                .set_item(found.clone())
                .build()
        })
}

/// A member item of [`ROOM`], as the adapter stores it.
fn room_member_item(user: &str) -> Item {
    Item::from([
        ("pk".to_owned(), s(&format!("CONV#{ROOM}"))),
        ("sk".to_owned(), s(&format!("MEMBER#{user}"))),
        ("member".to_owned(), s(user)),
        ("conversationId".to_owned(), s(ROOM)),
        ("username".to_owned(), s(user)),
        ("role".to_owned(), s("member")),
        ("joinedAt".to_owned(), n(NOW - 1)),
    ])
}

fn room_upload(request_id: &str) -> Value {
    json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": ROOM, "contentType": "image/png", "size": 1234, "requestId": request_id})
}

#[tokio::test]
async fn a_room_member_gets_a_key_scoped_to_the_room_and_themself_after_one_membership_read() {
    let (media, log) =
        mock_media_with(&[&get_room_member("alice", Some(room_member_item("alice")))]);

    let answer = answer(&media, room_upload("u-4")).await;

    assert_eq!(
        log.calls(),
        ["GetItem", "presign PutObject"],
        "the membership is read first, then signed"
    );
    assert_eq!(answer["type"], "uploadUrl", "{answer}");
    assert_eq!(answer["requestId"], "u-4");
    let key = answer["key"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("attachments/room/{ROOM_ULID}/alice/")) && key.ends_with(".png"),
        "{key}"
    );
    let url = answer["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "https://{MEDIA_BUCKET}.s3.us-east-1.amazonaws.com/{key}?"
        )),
        "{url}"
    );
}

#[tokio::test]
async fn someone_who_is_not_a_member_of_the_room_gets_no_url() {
    let (media, log) = mock_media_with(&[&get_room_member("alice", None)]);

    let answer = answer(&media, room_upload("u-5")).await;

    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "not_a_member");
    assert_eq!(answer["action"], "getUploadUrl");
    assert_eq!(answer["requestId"], "u-5");
    assert_eq!(log.calls(), ["GetItem"], "nothing is signed");
}

#[tokio::test]
async fn a_failed_membership_read_signs_nothing() {
    let unavailable = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        aws_sdk_dynamodb::operation::get_item::GetItemError::ProvisionedThroughputExceededException(
            aws_sdk_dynamodb::types::error::ProvisionedThroughputExceededException::builder()
                .message("slow down")
                .build(),
        )
    });
    let (media, log) = mock_media_with(&[&unavailable]);

    let answer = answer(&media, room_upload("u-6")).await;

    assert_eq!(answer["code"], "service_unavailable", "{answer}");
    assert_eq!(log.calls(), ["GetItem"]);
}

#[tokio::test]
async fn direct_attachments_and_avatars_read_nothing_from_the_store() {
    for body in [
        json!({"action": "getUploadUrl", "purpose": "attachment", "to": "bob", "contentType": "image/png", "size": 1}),
        json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "dm#alice#bob", "contentType": "image/png", "size": 1}),
        json!({"action": "getUploadUrl", "purpose": "avatar", "contentType": "image/png", "size": 1}),
    ] {
        // No DynamoDB rule: any call would panic, and show in the log.
        let (media, log) = mock_media_with(&[]);
        let answer = answer(&media, body.clone()).await;
        assert_eq!(answer["type"], "uploadUrl", "{body}: {answer}");
        assert_eq!(log.calls(), ["presign PutObject"], "{body}");
    }
}

#[tokio::test]
async fn a_malformed_room_id_is_refused_before_any_call() {
    let (media, log) = mock_media_with(&[]);
    let answer = answer(&media, json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": "room#01jdq8z7w4k3m2n1p0q9r8s7t6", "contentType": "image/png", "size": 1})).await;
    assert_eq!(answer["code"], "invalid_conversation", "{answer}");
    assert!(log.calls().is_empty());
}
