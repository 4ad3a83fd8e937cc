//! The `setAvatar` handler over mocked DynamoDB and API Gateway clients: which picture a user may
//! set, the exact calls, and who is told.

use chat_domain::testing::*;
use route_set_avatar::handle;
use serde_json::{Value, json};

const CALLER: &str = "c1";
const ALICE_AVATAR: &str = "avatars/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png";

fn set_avatar_request(body: Value) -> chat_domain::lambda::Request {
    route_request("setAvatar", CALLER, "Alice", Some(&body.to_string()))
}

/// The handler's answer to `body`, as the caller gets it.
async fn answer(chat: &MockChat, body: Value) -> Value {
    reply_json(&handle(chat, set_avatar_request(body)).await.unwrap())
}

/// A post to `connection_id` whose payload must be Alice's `profile` event with `avatar_key`.
fn profile_post(connection_id: &'static str, avatar_key: Option<&'static str>) -> Rule {
    post_event(connection_id, move |event| {
        event["type"] == "profile"
            && event.get("requestId").is_none()
            && event["user"]["username"] == "Alice"
            && event["user"]["avatarKey"].as_str() == avatar_key
    })
}

/// The calls but the posts, which go out concurrently.
fn store_calls(log: &CallLog) -> Vec<String> {
    log.calls()
        .into_iter()
        .filter(|call| !call.starts_with("PostToConnection"))
        .collect()
}

/// Alice's audience: her direct partner bob (online on c2) and carol's connection c5 watching her.
fn alices_audience() -> (Rule, Rule, Rule) {
    (
        query_direct_partners("alice", vec![direct_member_item("Alice", "bob")]),
        query_watchers("alice", vec![watch_item("alice", "c5", "carol")]),
        batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]),
    )
}

#[tokio::test]
async fn sets_the_picture_then_tells_the_callers_other_tabs_partners_and_watchers() {
    let update = set_avatar(
        "alice",
        Some(ALICE_AVATAR),
        Some(with_avatar(
            user_item("Alice", &[CALLER, "c3"], None),
            ALICE_AVATAR,
        )),
    );
    let (partners, watchers, bob_record) = alices_audience();
    let (bob, alice_other_tab, carol, stranger) = (
        profile_post("c2", Some(ALICE_AVATAR)),
        profile_post("c3", Some(ALICE_AVATAR)),
        profile_post("c5", Some(ALICE_AVATAR)),
        post_ok("c9"),
    );
    let (chat, log) = mock_chat(
        &[&update, &partners, &watchers, &bob_record],
        &[&bob, &alice_other_tab, &carol, &stranger],
    );

    let response = handle(
        &chat,
        set_avatar_request(json!({"action": "setAvatar", "key": ALICE_AVATAR, "requestId": "a-1"})),
    )
    .await
    .unwrap();

    assert_eq!(
        store_calls(&log),
        ["UpdateItem", "Query", "Query", "BatchGetItem"],
        "store, then read the audience by Alice's own keys"
    );
    let calls = log.calls();
    assert_eq!(
        calls[1], "PostToConnection c3",
        "her own other tab first, before the audience is read: {calls:?}"
    );
    assert_eq!(
        calls.len(),
        7,
        "no post to the calling connection nor to strangers: {calls:?}"
    );
    assert_eq!(
        (
            bob.num_calls(),
            alice_other_tab.num_calls(),
            carol.num_calls(),
            stranger.num_calls()
        ),
        (1, 1, 1, 0)
    );
    let answer = reply_json(&response);
    assert_eq!(
        answer,
        json!({"type": "profile", "requestId": "a-1", "user": {"username": "Alice", "online": true, "avatarKey": ALICE_AVATAR}})
    );
    log.export(
        "set-avatar",
        "1 direct partner online, 1 watching connection, the caller with 1 other tab",
    );
}

#[tokio::test]
async fn the_callers_own_connections_are_told_once_even_when_they_watch_her() {
    let update = set_avatar(
        "alice",
        Some(ALICE_AVATAR),
        Some(with_avatar(
            user_item("Alice", &[CALLER, "c3"], None),
            ALICE_AVATAR,
        )),
    );
    let partners = query_direct_partners("alice", vec![]);
    // Her other tab has a room on screen whose member list includes her.
    let watchers = query_watchers(
        "alice",
        vec![
            watch_item("alice", "c3", "alice"),
            watch_item("alice", CALLER, "alice"),
        ],
    );
    let other_tab = profile_post("c3", Some(ALICE_AVATAR));
    let (chat, log) = mock_chat(&[&update, &partners, &watchers], &[&other_tab]);

    let answer = answer(&chat, json!({"action": "setAvatar", "key": ALICE_AVATAR})).await;

    assert_eq!(answer["type"], "profile");
    assert_eq!(other_tab.num_calls(), 1);
    assert_eq!(
        log.calls(),
        ["UpdateItem", "PostToConnection c3", "Query", "Query"],
        "no partners: no user read; the calling connection gets the answer only"
    );
}

#[tokio::test]
async fn null_removes_the_picture() {
    let update = set_avatar("alice", None, Some(user_item("Alice", &[CALLER], None)));
    let (partners, watchers, bob_record) = alices_audience();
    let (bob, carol) = (profile_post("c2", None), profile_post("c5", None));
    let (chat, _) = mock_chat(
        &[&update, &partners, &watchers, &bob_record],
        &[&bob, &carol],
    );

    let response = handle(
        &chat,
        set_avatar_request(json!({"action": "setAvatar", "key": null})),
    )
    .await
    .unwrap();

    let answer = reply_json(&response);
    assert_eq!(answer["type"], "profile");
    assert!(answer["user"].get("avatarKey").is_none());
    assert_eq!((bob.num_calls(), carol.num_calls()), (1, 1));
}

#[tokio::test]
async fn someone_elses_picture_is_refused_and_nothing_is_written() {
    let (chat, log) = mock_chat(&[], &[]);

    let answer = answer(&chat, json!({"action": "setAvatar", "key": "avatars/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png", "requestId": "a-2"})).await;

    assert_eq!(answer["code"], "forbidden_media");
    assert_eq!(answer["requestId"], "a-2");
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn an_attachment_key_or_a_made_up_key_is_refused_before_any_call() {
    for key in [
        "attachments/dm/alice/bob/alice/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png",
        "avatars/alice/me.png",
        "https://example.com/me.png",
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let answer = answer(&chat, json!({"action": "setAvatar", "key": key})).await;
        assert_eq!(answer["code"], "invalid_media_key", "{key}");
        assert!(log.calls().is_empty());
    }
}

#[tokio::test]
async fn a_gone_connection_is_cleaned_up_without_failing_the_caller() {
    let update = set_avatar(
        "alice",
        Some(ALICE_AVATAR),
        Some(with_avatar(
            user_item("Alice", &[CALLER], None),
            ALICE_AVATAR,
        )),
    );
    let partners = query_direct_partners("alice", vec![direct_member_item("Alice", "bob")]);
    let watchers = query_watchers("alice", vec![]);
    let bob = batch_get_these_users(&["bob"], vec![user_item("bob", &["c2"], None)]);
    let delete = delete_connection("c2", Some(connection_item("c2", "bob")));
    let detach = detach_connection("bob", "c2", Some(user_item("bob", &[], Some(NOW))));
    let gone = post_gone("c2");
    let (chat, log) = mock_chat(
        &[&update, &partners, &watchers, &bob, &delete, &detach],
        &[&gone],
    );

    let answer = answer(&chat, json!({"action": "setAvatar", "key": ALICE_AVATAR})).await;

    assert_eq!(answer["type"], "profile");
    assert_eq!(
        log.calls(),
        [
            "UpdateItem",
            "Query",
            "Query",
            "BatchGetItem",
            "PostToConnection c2",
            "DeleteItem",
            "UpdateItem"
        ]
    );
}

#[tokio::test]
async fn a_connection_whose_user_is_gone_must_sign_in_again() {
    let update = set_avatar("alice", Some(ALICE_AVATAR), None);
    let (chat, log) = mock_chat(&[&update], &[]);

    let answer = answer(&chat, json!({"action": "setAvatar", "key": ALICE_AVATAR})).await;

    assert_eq!(answer["code"], "unknown_connection");
    assert_eq!(log.calls(), ["UpdateItem"], "no user is created");
}
