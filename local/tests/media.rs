//! Profile pictures and attachments end to end: real WebSocket clients ask the gateway (the route
//! functions' own handlers) for presigned URLs, and upload to and download from the local S3 over
//! HTTP as a browser does. The local S3 checks the signatures, so what S3 would refuse it refuses.

mod support;

use std::time::Duration;

use chat_domain::conversation::ConversationId;
use chat_domain::media::{MediaKey, MediaType, UPLOAD_URL_LIFETIME};
use chat_domain::model::{Member, Room};
use chat_domain::ports::{MediaSigner, RoomAdministration, RoomCreation};
use chat_domain::rooms::Role;
use chat_domain::rules::Username;
use chat_domain::{DynamoStore, S3MediaSigner};
use local_stack::stack;
use serde_json::{Value, json};
use support::{Client, HttpAnswer, TestStack, http, ministack, stack};

/// A tiny valid PNG (1x1 pixel).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Asks for an upload URL and returns the `uploadUrl` answer.
async fn upload_url(client: &mut Client, request: Value) -> Value {
    let mut request = request;
    request["action"] = json!("getUploadUrl");
    let answer = client.request(request, "uploadUrl").await;
    assert_eq!(answer["type"], "uploadUrl", "{answer}");
    answer
}

/// Sends `body` as the browser does: the answer's method, URL and headers.
async fn put(answer: &Value, body: &[u8]) -> HttpAnswer {
    let headers: Vec<(&str, &str)> = answer["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str().unwrap()))
        .collect();
    http(
        answer["method"].as_str().unwrap(),
        answer["url"].as_str().unwrap(),
        &headers,
        body.to_vec(),
    )
    .await
}

async fn download_url(client: &mut Client, key: &str) -> Value {
    client
        .request(
            json!({"action": "getDownloadUrl", "keys": [key], "requestId": "d-1"}),
            "downloadUrls",
        )
        .await
}

#[tokio::test]
async fn a_profile_picture_goes_straight_to_s3_and_everyone_sees_it() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "Alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    // Profile changes reach the people one talks to.
    alice.send_message("bob", "hi", "m-1").await;

    let grant = upload_url(
        &mut alice,
        json!({"purpose": "avatar", "contentType": "image/png", "size": PNG.len(), "requestId": "u-1"}),
    )
    .await;
    assert_eq!(grant["requestId"], "u-1");
    let key = grant["key"].as_str().unwrap().to_owned();
    assert_eq!(put(&grant, PNG).await.status, 200, "the upload is accepted");

    let profile = alice
        .request(json!({"action": "setAvatar", "key": key}), "profile")
        .await;
    assert_eq!(profile["user"]["avatarKey"], key.as_str());
    let announced = bob.next_of_type("profile").await;
    assert_eq!(announced["user"]["username"], "Alice");
    assert_eq!(announced["user"]["avatarKey"], key.as_str());
    let people = bob
        .request(json!({"action": "searchPeople", "prefix": "ali"}), "people")
        .await;
    assert_eq!(people["users"][0]["avatarKey"], key.as_str(), "{people}");

    let urls = download_url(&mut bob, &key).await;
    assert_eq!(urls["type"], "downloadUrls", "{urls}");
    let picture = http("GET", urls["urls"][&key].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(picture.status, 200);
    assert_eq!(picture.body, PNG);
    assert_eq!(picture.headers["content-type"], "image/png");

    let removed = alice
        .request(json!({"action": "setAvatar", "key": null}), "profile")
        .await;
    assert!(removed["user"].get("avatarKey").is_none(), "{removed}");
}

#[tokio::test]
async fn s3_refuses_an_upload_of_another_size_type_or_key() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let grant = upload_url(
        &mut alice,
        json!({"purpose": "attachment", "to": "bob", "contentType": "text/plain", "size": 100}),
    )
    .await;

    let bigger = put(&grant, &[b'a'; 101]).await;
    assert_eq!(bigger.status, 403, "a larger file than declared");
    let smaller = put(&grant, &[b'a'; 99]).await;
    assert_eq!(smaller.status, 403, "a smaller file than declared");
    let url = grant["url"].as_str().unwrap();
    let as_html = http(
        "PUT",
        url,
        &[("content-type", "text/html")],
        vec![b'a'; 100],
    )
    .await;
    assert_eq!(as_html.status, 403, "another type than declared");
    let elsewhere = url.replacen("/attachments/", "/avatars/", 1);
    let moved = http(
        "PUT",
        &elsewhere,
        &[("content-type", "text/plain")],
        vec![b'a'; 100],
    )
    .await;
    assert_eq!(moved.status, 403, "another key than the server chose");
    let anonymous = http(
        "PUT",
        url.split('?').next().unwrap(),
        &[("content-type", "text/plain")],
        vec![b'a'; 100],
    )
    .await;
    assert_eq!(anonymous.status, 403, "no signature at all");

    assert_eq!(
        put(&grant, &[b'a'; 100]).await.status,
        200,
        "exactly as declared"
    );
}

#[tokio::test]
async fn the_server_refuses_oversized_and_unlisted_uploads_before_signing() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    for (request, code) in [
        (
            json!({"purpose": "avatar", "contentType": "image/png", "size": 2 * 1024 * 1024 + 1}),
            "file_too_large",
        ),
        (
            json!({"purpose": "attachment", "to": "bob", "contentType": "application/zip", "size": 10 * 1024 * 1024 + 1}),
            "file_too_large",
        ),
        (
            json!({"purpose": "avatar", "contentType": "application/pdf", "size": 10}),
            "unsupported_media_type",
        ),
        (
            json!({"purpose": "attachment", "to": "bob", "contentType": "image/svg+xml", "size": 10}),
            "unsupported_media_type",
        ),
    ] {
        let mut request = request;
        request["action"] = json!("getUploadUrl");
        let answer = alice.request(request.clone(), "uploadUrl").await;
        assert_eq!(answer["type"], "error", "{request}");
        assert_eq!(answer["code"], code, "{request}");
    }
    alice.send(json!({"action": "ping"})).await;
    assert_eq!(
        alice.next_of_type("pong").await["type"],
        "pong",
        "the socket stays open"
    );
}

#[tokio::test]
async fn an_expired_upload_url_is_refused() {
    let stack = stack().await;
    let sdk = stack::local_sdk_config().expect("local SDK configuration");
    let signer = S3MediaSigner::presign_only(
        stack::s3_config(&sdk, &ministack().endpoint()),
        stack.media_bucket.clone(),
    );
    let key = MediaKey::new_avatar(Username::parse("alice").unwrap().key(), MediaType::Png);
    let signed_long_ago =
        std::time::SystemTime::now() - UPLOAD_URL_LIFETIME - Duration::from_secs(60);
    let request = signer
        .presign_upload(
            &key,
            MediaType::Png,
            PNG.len() as u64,
            signed_long_ago,
            UPLOAD_URL_LIFETIME,
        )
        .await
        .unwrap();

    let answer = http(
        "PUT",
        &request.url,
        &[("content-type", "image/png")],
        PNG.to_vec(),
    )
    .await;

    assert_eq!(answer.status, 403);
    assert!(String::from_utf8_lossy(&answer.body).contains("expired"));
}

/// Alice uploads a file for her conversation with bob and sends it.
async fn alice_sends_bob_a_file(alice: &mut Client) -> Value {
    let content = b"minutes of the meeting";
    let grant = upload_url(
        alice,
        json!({"purpose": "attachment", "to": "bob", "contentType": "text/plain", "size": content.len()}),
    )
    .await;
    assert_eq!(put(&grant, content).await.status, 200);
    let ack = alice
        .request(
            json!({"action": "sendMessage", "to": "bob", "clientMessageId": "f-1", "attachment": {
                "key": grant["key"], "name": "minutes.txt", "contentType": "text/plain", "size": content.len()}}),
            "messageAck",
        )
        .await;
    assert_eq!(ack["type"], "messageAck", "{ack}");
    ack
}

#[tokio::test]
async fn an_attachment_reaches_the_recipient_and_only_the_conversation_can_read_it() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;
    let mut carol = Client::connect(&stack, "carol").await;

    let ack = alice_sends_bob_a_file(&mut alice).await;
    let key = ack["message"]["attachment"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let delivered = bob.next_of_type("message").await;
    assert_eq!(
        delivered["message"]["attachment"],
        ack["message"]["attachment"]
    );
    assert_eq!(delivered["message"]["text"], "");
    let history = bob
        .request(
            json!({"action": "getMessages", "with": "alice"}),
            "messages",
        )
        .await;
    assert_eq!(history["messages"][0]["attachment"]["name"], "minutes.txt");

    let urls = download_url(&mut bob, &key).await;
    let file = http("GET", urls["urls"][&key].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(
        (file.status, file.body.as_slice()),
        (200, &b"minutes of the meeting"[..])
    );

    let refused = download_url(&mut carol, &key).await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "forbidden_media");
    assert_eq!(refused["requestId"], "d-1");
    let bare = urls["urls"][&key]
        .as_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        http("GET", &bare, &[], vec![]).await.status,
        403,
        "the bucket is private"
    );
}

#[tokio::test]
async fn a_file_cannot_be_sent_under_someone_elses_upload() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut carol = Client::connect(&stack, "carol").await;
    let _bob = Client::connect(&stack, "bob").await;
    let ack = alice_sends_bob_a_file(&mut alice).await;

    let stolen = carol
        .request(
            json!({"action": "sendMessage", "to": "bob", "clientMessageId": "s-1", "attachment": ack["message"]["attachment"]}),
            "messageAck",
        )
        .await;

    assert_eq!(stolen["code"], "forbidden_media", "{stolen}");
    assert_eq!(stolen["clientMessageId"], "s-1");
}

#[tokio::test]
async fn browsers_may_upload_from_the_chats_own_origin_only() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let grant = upload_url(
        &mut alice,
        json!({"purpose": "avatar", "contentType": "image/png", "size": PNG.len()}),
    )
    .await;
    let url = grant["url"].as_str().unwrap();
    let own_origin = format!("http://127.0.0.1:{}", stack.gateway.addr().port());
    let preflight = |origin: String| {
        let url = url.to_owned();
        async move {
            http(
                "OPTIONS",
                &url,
                &[
                    ("origin", origin.as_str()),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "content-type"),
                ],
                vec![],
            )
            .await
        }
    };

    let allowed = preflight(own_origin.clone()).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        own_origin.as_str()
    );
    let foreign = preflight("https://evil.example".to_owned()).await;
    assert_eq!(foreign.status, 403);
}

/// A room of `owner` and `members`, stored through the adapter `createRoom` uses (this file is
/// about media: the room actions have their own tests).
async fn seeded_room(stack: &TestStack, owner: &str, members: &[&str]) -> (DynamoStore, Room) {
    let store = DynamoStore::new(stack.dynamodb.clone(), stack.tables.clone());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let room = Room {
        id: ConversationId::new_room(now),
        name: "Design".to_owned(),
        created_by: Username::parse(owner).unwrap(),
        created_at: now,
        member_count: 0,
    };
    let member = |name: &str, role| Member {
        conversation_id: room.id.clone(),
        username: Username::parse(name).unwrap(),
        role,
        joined_at: now,
        read_message_id: None,
    };
    let mut all = vec![member(owner, Role::Owner)];
    all.extend(members.iter().map(|name| member(name, Role::Member)));
    store.create_room(&room, &all).await.unwrap();
    (store, room)
}

#[tokio::test]
async fn a_room_member_sends_a_file_every_member_can_read_and_nobody_else() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "Bob").await;
    let mut carol = Client::connect(&stack, "carol").await;
    let (store, room) = seeded_room(&stack, "alice", &["Bob"]).await;
    let room_id = room.id.as_str();

    let content = b"the room's agenda";
    let grant = upload_url(
        &mut alice,
        json!({"purpose": "attachment", "conversationId": room_id, "contentType": "text/plain", "size": content.len(), "requestId": "u-r"}),
    )
    .await;
    assert_eq!(grant["requestId"], "u-r");
    let key = grant["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with(&format!(
            "attachments/room/{}/alice/",
            room.id.room_ulid().unwrap()
        )),
        "{key}"
    );
    assert_eq!(put(&grant, content).await.status, 200);
    let ack = alice
        .request(
            json!({"action": "sendMessage", "conversationId": room_id, "clientMessageId": "r-1", "attachment": {
                "key": key, "name": "agenda.txt", "contentType": "text/plain", "size": content.len()}}),
            "messageAck",
        )
        .await;
    assert_eq!(ack["type"], "messageAck", "{ack}");
    let delivered = bob.next_of_type("message").await;
    assert_eq!(delivered["message"]["attachment"]["key"], key.as_str());

    let urls = download_url(&mut bob, &key).await;
    assert_eq!(urls["type"], "downloadUrls", "{urls}");
    let file = http("GET", urls["urls"][&key].as_str().unwrap(), &[], vec![]).await;
    assert_eq!((file.status, file.body.as_slice()), (200, &content[..]));

    let refused = download_url(&mut carol, &key).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "forbidden_media");
    assert_eq!(refused["requestId"], "d-1");
    let no_upload = carol
        .request(
            json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": room_id, "contentType": "text/plain", "size": 1, "requestId": "u-c"}),
            "uploadUrl",
        )
        .await;
    assert_eq!(no_upload["type"], "error", "{no_upload}");
    assert_eq!(no_upload["code"], "not_a_member");
    assert_eq!(no_upload["requestId"], "u-c");
    let stolen = carol
        .request(
            json!({"action": "sendMessage", "to": "alice", "clientMessageId": "s-1", "attachment": ack["message"]["attachment"]}),
            "messageAck",
        )
        .await;
    assert_eq!(stolen["code"], "forbidden_media", "{stolen}");

    // Once removed, bob gets no more URLs for the room's files, even one he was shown.
    store
        .remove_member(&room.id, &Username::parse("bob").unwrap().key())
        .await
        .unwrap()
        .expect("bob was a member");
    let gone = download_url(&mut bob, &key).await;
    assert_eq!(gone["code"], "forbidden_media", "{gone}");
    let urls = download_url(&mut alice, &key).await;
    assert_eq!(
        urls["type"], "downloadUrls",
        "the sender is still a member: {urls}"
    );
}

#[tokio::test]
async fn a_room_that_does_not_exist_is_refused_like_one_of_others() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "alice").await;
    let nowhere = ConversationId::new_room(1_700_000_000_000);
    let answer = alice
        .request(
            json!({"action": "getUploadUrl", "purpose": "attachment", "conversationId": nowhere.as_str(), "contentType": "image/png", "size": PNG.len()}),
            "uploadUrl",
        )
        .await;
    assert_eq!(answer["code"], "not_a_member", "{answer}");
    let forged = format!(
        "attachments/room/{}/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png",
        nowhere.room_ulid().unwrap()
    );
    let refused = download_url(&mut alice, &forged).await;
    assert_eq!(refused["code"], "forbidden_media", "{refused}");
}
