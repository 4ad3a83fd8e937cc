//! The `getDownloadUrl` handler over a real S3 presigner (nothing is sent to S3, nothing is read
//! from DynamoDB: the caller comes from the authorizer's context): who may read which media, and
//! what the URLs allow.

use chat_domain::testing::*;
use route_download_url::handle;
use serde_json::{Value, json};

const CALLER: &str = "c1";
const ALICE_AVATAR: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";
const ALICE_TO_BOB: &str = "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf";

fn get_download_url(username: &str, body: Value) -> chat_domain::lambda::Request {
    route_request("getDownloadUrl", CALLER, username, Some(&body.to_string()))
}

/// The handler's answer to `body` from `username`, as the caller gets it.
async fn answer(media: &MockMedia, username: &str, body: Value) -> Value {
    reply_json(
        &handle(media, get_download_url(username, body))
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn a_participant_gets_a_short_lived_get_for_each_key() {
    let (media, log) = mock_media();

    let response = handle(
        &media,
        get_download_url("Bob", json!({"action": "getDownloadUrl", "keys": [ALICE_AVATAR, ALICE_TO_BOB], "requestId": "d-1"})),
    )
    .await
    .unwrap();

    assert_eq!(log.calls(), ["presign GetObject", "presign GetObject"]);
    let answer = reply_json(&response);
    assert_eq!(answer["type"], "downloadUrls", "{answer}");
    assert_eq!(answer["requestId"], "d-1");
    assert_eq!(answer["expiresAt"], NOW + 600_000, "valid 10 minutes");
    let urls = answer["urls"].as_object().unwrap();
    assert_eq!(urls.len(), 2);
    for key in [ALICE_AVATAR, ALICE_TO_BOB] {
        let url = urls[key].as_str().unwrap();
        assert!(
            url.starts_with(&format!(
                "https://{MEDIA_BUCKET}.s3.us-east-1.amazonaws.com/{key}?"
            )),
            "{url}"
        );
        assert!(url.contains("X-Amz-Expires=600"), "{url}");
        assert!(url.contains("X-Amz-SignedHeaders=host"), "{url}");
    }
    log.export("download-url", "a people list avatar and an attachment");
}

#[tokio::test]
async fn anyone_signed_in_may_see_a_profile_picture() {
    let (media, _) = mock_media();
    let answer = answer(
        &media,
        "carol",
        json!({"action": "getDownloadUrl", "keys": [ALICE_AVATAR]}),
    )
    .await;
    assert_eq!(answer["type"], "downloadUrls");
    assert!(answer["urls"][ALICE_AVATAR].is_string());
}

#[tokio::test]
async fn someone_outside_the_conversation_gets_no_url_at_all() {
    let (media, log) = mock_media();

    let answer = answer(&media, "carol", json!({"action": "getDownloadUrl", "keys": [ALICE_AVATAR, ALICE_TO_BOB], "requestId": "d-2"})).await;

    assert_eq!(answer["type"], "error");
    assert_eq!(answer["code"], "forbidden_media");
    assert_eq!(answer["requestId"], "d-2");
    assert!(log.calls().is_empty(), "nothing is signed");
}

#[tokio::test]
async fn keys_the_server_never_issued_are_refused_before_any_call() {
    for keys in [
        json!(["../avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png"]),
        json!(["avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.html"]),
        json!(["attachments/dm/alice/bob/carol/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf"]),
        json!(["index.html"]),
    ] {
        let (media, log) = mock_media();
        let answer = answer(
            &media,
            "Alice",
            json!({"action": "getDownloadUrl", "keys": keys}),
        )
        .await;
        assert_eq!(answer["code"], "invalid_media_key", "{keys}");
        assert!(log.calls().is_empty());
    }
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_gets_no_url() {
    let (media, log) = mock_media();
    let body = json!({"action": "getDownloadUrl", "keys": [ALICE_AVATAR]}).to_string();
    let result = handle(
        &media,
        anonymous_request("getDownloadUrl", CALLER, Some(&body)),
    )
    .await;
    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
