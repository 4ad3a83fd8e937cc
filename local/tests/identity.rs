//! Identity end to end: users sign up, confirm their e-mail and sign in with the local Cognito
//! (MiniStack), connect with the access token in the subprotocol through the `$connect`
//! authorizer, and chat; nobody else can connect as them or read what is theirs.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use local_stack::cognito;
use serde_json::json;
use support::{Client, PASSWORD, clients_item, handshake, refused_status, stack, subprotocols};

#[tokio::test]
async fn new_users_sign_up_confirm_sign_in_and_chat_as_who_their_token_says() {
    let stack = stack().await;
    let mut alice = Client::connect(&stack, "Alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    // A body that names someone else changes nothing: the sender is the token's user.
    alice
        .send(json!({"action": "sendMessage", "to": "bob", "from": "carol", "text": "hi bob", "clientMessageId": "a-1"}))
        .await;

    let message = bob.next_of_type("message").await;
    assert_eq!(message["message"]["from"], "Alice");
    assert_eq!(message["message"]["text"], "hi bob");
    assert_eq!(
        alice.next_of_type("messageAck").await["message"]["from"],
        "Alice"
    );
}

#[tokio::test]
async fn a_stranger_who_knows_a_username_cannot_connect_as_that_user() {
    let stack = stack().await;
    let _bob = Client::connect(&stack, "bob").await;
    let pool = stack.user_pool().clone();
    let bobs_tokens = cognito::sign_in(&stack.cognito, &pool, "bob", PASSWORD)
        .await
        .unwrap();
    // A token of another pool (its own issuer, keys and app client) for a user called bob.
    let other_pool = cognito::ensure_user_pool(&stack.cognito, &pool.endpoint, "elsewhere")
        .await
        .unwrap();
    cognito::sign_up(
        &stack.cognito,
        &other_pool,
        "bob",
        "mallory@example.com",
        PASSWORD,
    )
    .await
    .unwrap();
    cognito::admin_confirm(&stack.cognito, &other_pool, "bob")
        .await
        .unwrap();
    let other_pools_token = cognito::sign_in(&stack.cognito, &other_pool, "bob", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let unsigned = forged_unsigned_token(&bobs_tokens.access_token);
    let tampered = tampered_token(&bobs_tokens.access_token, "Alice");

    let attempts = [
        ("no subprotocol at all", None),
        (
            "our protocol but no token",
            Some("chatastrophy.v1".to_owned()),
        ),
        (
            "a token but not our protocol",
            Some(bobs_tokens.access_token.clone()),
        ),
        ("garbage", Some(subprotocols("not-a-jwt"))),
        ("alg none", Some(subprotocols(&unsigned))),
        ("a tampered payload", Some(subprotocols(&tampered))),
        ("an ID token", Some(subprotocols(&bobs_tokens.id_token))),
        (
            "another pool's token",
            Some(subprotocols(&other_pools_token)),
        ),
    ];
    for (attempt, protocols) in attempts {
        let refused = handshake(&stack, protocols.as_deref())
            .await
            .err()
            .unwrap_or_else(|| panic!("{attempt}: the handshake must be refused"));
        assert_eq!(refused_status(&refused), Some(401), "{attempt}: {refused}");
    }
    // A name in the URL is not an identity either.
    let by_name =
        tokio_tungstenite::connect_async(format!("{}?username=bob", stack.gateway.websocket_url()))
            .await
            .expect_err("refused");
    assert_eq!(refused_status(&by_name), Some(401));

    assert_eq!(stack.gateway.open_connections(), 1, "only bob's own");
    let bob = clients_item(&stack, "USERS", "USER#bob").await.unwrap();
    assert_eq!(
        bob["connectionIds"].as_ss().unwrap().len(),
        1,
        "no connection was written for any attempt"
    );
    assert_eq!(clients_item(&stack, "USERS", "USER#alice").await, None);
}

#[tokio::test]
async fn a_token_reads_only_its_own_users_conversations_and_files() {
    let stack = stack().await;
    let mut bob = Client::connect(&stack, "bob").await;
    let mut carol = Client::connect(&stack, "carol").await;
    bob.send_message("carol", "just between us", "b-1").await;
    carol.next_of_type("message").await;
    let mut alice = Client::connect(&stack, "alice").await;

    for other in ["bob", "carol"] {
        let page = alice
            .request(json!({"action": "getMessages", "with": other}), "messages")
            .await;
        assert_eq!(
            page["messages"],
            json!([]),
            "alice's own (empty) conversation with {other}"
        );
    }
    let upload = bob
        .request(
            json!({"action": "getUploadUrl", "purpose": "attachment", "to": "carol", "contentType": "image/png", "size": 10, "requestId": "u-1"}),
            "uploadUrl",
        )
        .await;
    let key = upload["key"].as_str().expect("a key").to_owned();
    let refused = alice
        .request(
            json!({"action": "getDownloadUrl", "keys": [key], "requestId": "d-1"}),
            "downloadUrls",
        )
        .await;
    assert_eq!(refused["code"], "forbidden_media", "{refused}");
    let allowed = carol
        .request(
            json!({"action": "getDownloadUrl", "keys": [key], "requestId": "d-2"}),
            "downloadUrls",
        )
        .await;
    assert_eq!(allowed["type"], "downloadUrls", "{allowed}");
}

#[tokio::test]
async fn a_name_belongs_to_the_account_that_first_used_it_whatever_the_case() {
    let stack = stack().await;
    let _dave = Client::connect(&stack, "Dave").await;
    // The deployed pool refuses a second "dave" at sign-up (case-insensitive usernames); the
    // chat does not rely on it: the name is bound to the first account's `sub`.
    let impostor = stack.sign_up("dave").await;

    let refused = handshake(&stack, Some(&subprotocols(&impostor)))
        .await
        .expect_err("the second account is refused");

    assert_eq!(refused_status(&refused), Some(403));
    assert_eq!(stack.gateway.open_connections(), 1);
}

/// `token`'s claims with `alg: none` and no signature.
fn forged_unsigned_token(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT");
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"ministack-key-1"}"#);
    format!("{header}.{payload}.")
}

/// `token` with its `username` claim changed and the original signature kept.
fn tampered_token(token: &str, username: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url")).unwrap();
    claims["username"] = json!(username);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}
