//! The `getDownloadUrl` handler over a real S3 presigner (nothing is sent to S3) and a mocked
//! DynamoDB client, read only for room memberships (the caller comes from the authorizer's
//! context): who may read which media, and what the URLs allow.

use chat_domain::testing::*;
use route_media_urls::handle;
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
    // The media-urls function's call log for the benchmark (one scenario per function).
    log.export(
        "media-urls",
        "getDownloadUrl: a people list avatar and an attachment",
    );
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

const ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6";
const ROOM_FILE: &str =
    "attachments/room/01JDQ8Z7W4K3M2N1P0Q9R8S7T6/carol/01JDQ8Z7W4K3M2N1P0Q9R8S7T7.pdf";
const ROOM_PICTURE: &str =
    "attachments/room/01JDQ8Z7W4K3M2N1P0Q9R8S7T6/dave/01JDQ8Z7W4K3M2N1P0Q9R8S7T8.png";
const OTHER_ROOM: &str = "room#01JDQ8Z7W4K3M2N1P0Q9R8S7T9";
const OTHER_ROOM_FILE: &str =
    "attachments/room/01JDQ8Z7W4K3M2N1P0Q9R8S7T9/carol/01JDQ8Z7W4K3M2N1P0Q9R8S7TA.txt";

/// A strongly consistent GetItem of one of `user`'s member items, answered as a member of the
/// rooms of `member_of` only (so the rooms of a request may be read in any order).
fn get_membership(user: &'static str, member_of: &'static [&'static str]) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |get| {
            let key = get.key().unwrap();
            get.table_name() == Some(CONVERSATIONS_TABLE)
                && get.consistent_read() == Some(true)
                && key["sk"] == s(&format!("MEMBER#{user}"))
        })
        .then_compute_output(move |get| {
            let pk = get.key().unwrap()["pk"].as_s().unwrap().clone();
            let room = pk.strip_prefix("CONV#").unwrap().to_owned();
            let item = member_of.contains(&room.as_str()).then(|| {
                Item::from([
                    ("pk".to_owned(), s(&pk)),
                    ("sk".to_owned(), s(&format!("MEMBER#{user}"))),
                    ("member".to_owned(), s(user)),
                    ("conversationId".to_owned(), s(&room)),
                    ("username".to_owned(), s(user)),
                    ("role".to_owned(), s("member")),
                    ("joinedAt".to_owned(), n(NOW - 1)),
                ])
            });
            aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder()
                .set_item(item)
                .build()
        })
}

#[tokio::test]
async fn a_room_member_gets_urls_after_one_membership_read_per_room() {
    let (media, log) = mock_media_with(&[&get_membership("erin", &[ROOM])]);

    let answer = answer(
        &media,
        "Erin",
        json!({"action": "getDownloadUrl", "keys": [ROOM_FILE, ALICE_AVATAR, ROOM_PICTURE], "requestId": "d-3"}),
    )
    .await;

    assert_eq!(
        log.calls(),
        [
            "GetItem",
            "presign GetObject",
            "presign GetObject",
            "presign GetObject"
        ],
        "two files of one room: one read"
    );
    assert_eq!(answer["type"], "downloadUrls", "{answer}");
    assert_eq!(answer["requestId"], "d-3");
    for key in [ROOM_FILE, ALICE_AVATAR, ROOM_PICTURE] {
        let url = answer["urls"][key].as_str().unwrap();
        assert!(
            url.starts_with(&format!(
                "https://{MEDIA_BUCKET}.s3.us-east-1.amazonaws.com/{key}?"
            )),
            "{url}"
        );
    }
}

#[tokio::test]
async fn someone_not_in_the_room_gets_no_url_not_even_its_uploader_once_gone() {
    for reader in ["mallory", "carol"] {
        let (media, log) = mock_media_with(&[&get_membership(reader, &[])]);

        let answer = answer(
            &media,
            reader,
            json!({"action": "getDownloadUrl", "keys": [ALICE_AVATAR, ROOM_FILE], "requestId": "d-4"}),
        )
        .await;

        assert_eq!(answer["type"], "error", "{reader}: {answer}");
        assert_eq!(answer["code"], "forbidden_media");
        assert_eq!(answer["requestId"], "d-4");
        assert_eq!(log.calls(), ["GetItem"], "{reader}: nothing is signed");
    }
}

#[tokio::test]
async fn every_room_asked_about_must_have_the_caller_as_a_member() {
    const BOTH: &[&str] = &[ROOM, OTHER_ROOM];
    const ONE: &[&str] = &[ROOM];
    for (member_of, granted) in [(BOTH, true), (ONE, false)] {
        // The rooms are read concurrently: either rule answers either read.
        let (first, second) = (
            get_membership("erin", member_of),
            get_membership("erin", member_of),
        );
        let (media, log) = mock_media_with(&[&first, &second]);

        let answer = answer(
            &media,
            "erin",
            json!({"action": "getDownloadUrl", "keys": [ROOM_FILE, OTHER_ROOM_FILE]}),
        )
        .await;

        let mut expected = vec!["GetItem", "GetItem"];
        if granted {
            assert_eq!(answer["type"], "downloadUrls", "{answer}");
            assert!(answer["urls"][OTHER_ROOM_FILE].is_string(), "{answer}");
            expected.extend(["presign GetObject", "presign GetObject"]);
        } else {
            assert_eq!(answer["code"], "forbidden_media", "{answer}");
        }
        assert_eq!(log.calls(), expected, "{member_of:?}");
    }
}

#[tokio::test]
async fn a_direct_attachment_refused_by_its_key_reads_no_membership() {
    let (media, log) = mock_media_with(&[]);
    let answer = answer(
        &media,
        "carol",
        json!({"action": "getDownloadUrl", "keys": [ROOM_FILE, ALICE_TO_BOB]}),
    )
    .await;
    assert_eq!(answer["code"], "forbidden_media", "{answer}");
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}

#[tokio::test]
async fn direct_attachments_and_avatars_read_nothing_from_the_store() {
    // No DynamoDB rule: any call would panic, and show in the log.
    let (media, log) = mock_media_with(&[]);
    let answer = answer(
        &media,
        "alice",
        json!({"action": "getDownloadUrl", "keys": [ALICE_TO_BOB, ALICE_AVATAR]}),
    )
    .await;
    assert_eq!(answer["type"], "downloadUrls", "{answer}");
    assert_eq!(log.calls(), ["presign GetObject", "presign GetObject"]);
}
