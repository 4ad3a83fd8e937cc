//! The `$connect` authorizer over tokens signed by keys the test generates and an in-memory JWKS.

mod support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_domain::auth::{REFRESH_INTERVAL, TokenSettings};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_runtime::Diagnostic;
use route_authorizer::{AuthorizerError, handle};
use serde_json::json;
use support::*;

/// Asserts that `token` is refused for `reason`, and that the handler answers Unauthorized.
async fn assert_refused(verifier: &Verifier, token: &str, reason: &str) {
    let refusal = verifier.verify(token).await.unwrap_err();
    assert_eq!(refusal.reason(), reason, "{refusal}");
    let error = handle(verifier, event_with(token)).await.unwrap_err();
    assert_eq!(error, AuthorizerError::Unauthorized);
    assert_eq!(error.to_string(), "Unauthorized");
}

#[tokio::test]
async fn a_valid_access_token_allows_the_connect_with_the_user_as_context() {
    let (verifier, _, _) = verifier();
    let token = sign(main_key(), "main", &access_claims());

    let response = handle(&verifier, event_with(&token)).await.unwrap();

    // As API Gateway reads it.
    let json = serde_json::to_value(&response).unwrap();
    assert_eq!(json["principalId"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(
        json["policyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Action": ["execute-api:Invoke"],
                "Effect": "Allow",
                "Resource": [METHOD_ARN],
            }],
        })
    );
    assert_eq!(
        json["context"],
        json!({ "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "username": "Alice" })
    );
}

#[tokio::test]
async fn the_token_may_come_first_and_the_header_name_in_any_case() {
    let (verifier, _, _) = verifier();
    let token = sign(main_key(), "main", &access_claims());
    let mut raw = serde_json::to_value(connect_event(None)).unwrap();
    raw["headers"]["SEC-WEBSOCKET-PROTOCOL"] = json!(format!("{token},chatastrophy.v1"));
    let event = serde_json::from_value(raw).unwrap();
    assert!(handle(&verifier, event).await.is_ok());
}

#[tokio::test]
async fn no_token_is_unauthorized() {
    let (verifier, keys, _) = verifier();
    for header in [
        None,
        Some(""),
        Some("chatastrophy.v1"),
        Some("chat.v2, chatastrophy.v1, a, b"),
    ] {
        let error = handle(&verifier, connect_event(header)).await.unwrap_err();
        assert_eq!(error.to_string(), "Unauthorized", "{header:?}");
    }
    // A token without our protocol: not a Chatastrophy client.
    let token = sign(main_key(), "main", &access_claims());
    let error = handle(&verifier, connect_event(Some(&token)))
        .await
        .unwrap_err();
    assert_eq!(error, AuthorizerError::Unauthorized);
    assert_eq!(keys.fetches(), 0, "nothing to check, nothing fetched");
}

#[tokio::test]
async fn a_malformed_token_is_unauthorized() {
    let (verifier, _, _) = verifier();
    let valid = sign(main_key(), "main", &access_claims());
    let parts: Vec<&str> = valid.split('.').collect();
    for token in [
        "not-a-jwt".to_owned(),
        "a.b.c".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[2]),
        format!("{}.{}.!{}", parts[0], parts[1], parts[2]),
        // Signed, but the claims are not an object, or a claim has the wrong type.
        sign(main_key(), "main", &json!([1])),
        sign(main_key(), "main", &with(json!({ "exp": "tomorrow" }))),
        sign(main_key(), "main", &with(json!({ "username": 7 }))),
    ] {
        assert_refused(&verifier, &token, "malformed").await;
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_the_leeway_only() {
    let (verifier, _, _) = verifier();
    let leeway = verifier.settings().leeway.as_secs() as i64;
    let within = sign(
        main_key(),
        "main",
        &with(json!({ "exp": NOW - leeway + 5 })),
    );
    assert!(handle(&verifier, event_with(&within)).await.is_ok());
    let beyond = sign(
        main_key(),
        "main",
        &with(json!({ "exp": NOW - leeway - 1 })),
    );
    assert_refused(&verifier, &beyond, "expired").await;
    let without = sign(main_key(), "main", &with(json!({ "exp": null })));
    assert_refused(&verifier, &without, "malformed").await;
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let (verifier, _, _) = verifier();
    let token = sign(main_key(), "main", &with(json!({ "nbf": NOW + 3600 })));
    assert_refused(&verifier, &token, "not_yet_valid").await;
    let leeway = verifier.settings().leeway.as_secs() as i64;
    let soon = sign(main_key(), "main", &with(json!({ "nbf": NOW + leeway })));
    assert!(handle(&verifier, event_with(&soon)).await.is_ok());
}

#[tokio::test]
async fn a_token_of_another_pool_or_client_is_refused() {
    let (verifier, _, _) = verifier();
    let other_pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other";
    for (changes, reason) in [
        (json!({ "iss": other_pool }), "wrong_issuer"),
        (json!({ "iss": format!("{}/", issuer()) }), "wrong_issuer"),
        (json!({ "iss": null }), "wrong_issuer"),
        (json!({ "client_id": "another-client" }), "wrong_client"),
        (json!({ "client_id": null }), "wrong_client"),
    ] {
        let token = sign(main_key(), "main", &with(changes));
        assert_refused(&verifier, &token, reason).await;
    }
}

#[tokio::test]
async fn an_id_token_of_the_same_pool_is_refused() {
    let (verifier, _, _) = verifier();
    let id_token = with(json!({
        "token_use": "id",
        "aud": CLIENT_ID,
        "client_id": null,
        "cognito:username": "Alice",
        "email": "alice@example.com",
    }));
    let token = sign(main_key(), "main", &id_token);
    assert_refused(&verifier, &token, "wrong_token_use").await;
    // Even one that also carries a client_id: only token_use tells them apart.
    let with_client = with(json!({ "token_use": "id", "aud": CLIENT_ID }));
    let token = sign(main_key(), "main", &with_client);
    assert_refused(&verifier, &token, "wrong_token_use").await;
}

#[tokio::test]
async fn an_unsigned_token_is_refused_without_a_key_fetch() {
    let (verifier, keys, _) = verifier();
    let payload = URL_SAFE_NO_PAD.encode(access_claims().to_string());
    for header in [
        r#"{"alg":"none","typ":"JWT","kid":"main"}"#,
        r#"{"alg":"None","kid":"main"}"#,
    ] {
        let header = URL_SAFE_NO_PAD.encode(header);
        let token = format!("{header}.{payload}.");
        assert_refused(&verifier, &token, "unsupported_algorithm").await;
        let token = format!("{header}.{payload}");
        assert_refused(&verifier, &token, "malformed").await;
    }
    assert_eq!(keys.fetches(), 0);
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    let (verifier, _, _) = verifier();
    // The keys are loaded, as they would be in a warm container.
    let valid = sign(main_key(), "main", &access_claims());
    handle(&verifier, event_with(&valid)).await.unwrap();
    for secret in main_key().public_forms() {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("main".into());
        let key = EncodingKey::from_secret(&secret);
        let token = jsonwebtoken::encode(&header, &access_claims(), &key).unwrap();
        assert_refused(&verifier, &token, "unsupported_algorithm").await;
    }
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_the_pools_kid_is_refused() {
    let (verifier, _, _) = verifier();
    let forged = sign(other_key(), "main", &access_claims());
    assert_refused(&verifier, &forged, "bad_signature").await;
    // A valid signature over other claims.
    let valid = sign(main_key(), "main", &access_claims());
    let parts: Vec<&str> = valid.split('.').collect();
    let tampered = URL_SAFE_NO_PAD.encode(with(json!({ "username": "Mallory" })).to_string());
    let token = format!("{}.{tampered}.{}", parts[0], parts[2]);
    assert_refused(&verifier, &token, "bad_signature").await;
}

#[tokio::test]
async fn unknown_kids_refetch_the_keys_at_most_once_a_minute() {
    let (verifier, keys, clock) = verifier();
    let valid = sign(main_key(), "main", &access_claims());
    handle(&verifier, event_with(&valid)).await.unwrap();
    assert_eq!(keys.fetches(), 1, "fetched on first use");
    clock.advance(Duration::from_secs(600));
    handle(&verifier, event_with(&valid)).await.unwrap();
    assert_eq!(keys.fetches(), 1, "then kept");

    let forged = |kid: &str| sign(other_key(), kid, &access_claims());
    assert_refused(&verifier, &forged("forged-1"), "unknown_key").await;
    assert_eq!(keys.fetches(), 2, "an unknown kid refetches");
    clock.advance(REFRESH_INTERVAL - Duration::from_secs(1));
    for i in 2..50 {
        let token = forged(&format!("forged-{i}"));
        assert_refused(&verifier, &token, "unknown_key").await;
    }
    assert_eq!(keys.fetches(), 2, "a flood of forged kids does not");
    clock.advance(Duration::from_secs(1));
    assert_refused(&verifier, &forged("forged-50"), "unknown_key").await;
    assert_eq!(keys.fetches(), 3, "after a minute, again");
    // The clock moved 11 minutes: the token's hour is not over.
    handle(&verifier, event_with(&valid)).await.unwrap();
}

#[tokio::test]
async fn a_rotated_key_is_accepted_once_published() {
    let (verifier, keys, clock) = verifier();
    let old = sign(main_key(), "main", &access_claims());
    handle(&verifier, event_with(&old)).await.unwrap();

    // The pool publishes its next key and starts signing with it.
    keys.publish(vec![main_key().jwk("main"), other_key().jwk("next")]);
    clock.advance(REFRESH_INTERVAL);
    let new = sign(other_key(), "next", &access_claims());
    let response = handle(&verifier, event_with(&new)).await.unwrap();
    assert_eq!(
        response.principal_id.as_deref(),
        Some("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    );
    assert_eq!(keys.fetches(), 2);
    handle(&verifier, event_with(&old)).await.unwrap();
}

#[tokio::test]
async fn unreachable_keys_refuse_with_a_server_error_not_unauthorized() {
    let (verifier, keys, _) = verifier();
    keys.fail(true);
    let valid = sign(main_key(), "main", &access_claims());
    let error = handle(&verifier, event_with(&valid)).await.unwrap_err();
    assert_eq!(error, AuthorizerError::KeysUnavailable);
    assert_ne!(error.to_string(), "Unauthorized");
    // Retried after the failure back-off, not before.
    let again = handle(&verifier, event_with(&valid)).await.unwrap_err();
    assert_eq!(again, AuthorizerError::KeysUnavailable);
    assert_eq!(keys.fetches(), 1);
}

#[tokio::test]
async fn a_username_the_chat_does_not_accept_is_refused() {
    let (verifier, _, _) = verifier();
    for username in [
        json!("bad name"),
        json!(""),
        json!("a".repeat(33)),
        json!(".."),
    ] {
        let token = sign(main_key(), "main", &with(json!({ "username": username })));
        assert_refused(&verifier, &token, "bad_username").await;
    }
    let token = sign(main_key(), "main", &with(json!({ "username": null })));
    assert_refused(&verifier, &token, "bad_username").await;
    let token = sign(main_key(), "main", &with(json!({ "sub": "" })));
    assert_refused(&verifier, &token, "missing_subject").await;
}

#[tokio::test]
async fn an_event_without_method_arn_is_never_allowed() {
    let (verifier, _, _) = verifier();
    let token = sign(main_key(), "main", &access_claims());
    let mut event = event_with(&token);
    event.method_arn = None;
    let error = handle(&verifier, event).await.unwrap_err();
    assert_eq!(error, AuthorizerError::MissingMethodArn);
}

#[test]
fn lambda_reports_unauthorized_as_the_error_message_api_gateway_reads() {
    let diagnostic = Diagnostic::from(AuthorizerError::Unauthorized);
    assert_eq!(diagnostic.error_message, "Unauthorized");
    assert_eq!(diagnostic.error_type, "Unauthorized");
    let diagnostic = Diagnostic::from(AuthorizerError::KeysUnavailable);
    assert_ne!(diagnostic.error_message, "Unauthorized");
}

#[test]
fn the_default_leeway_is_small() {
    let settings = TokenSettings::new(issuer(), CLIENT_ID);
    assert!(settings.leeway <= Duration::from_secs(60));
}

#[tokio::test]
async fn the_logs_give_the_reason_and_never_the_token() {
    let (verifier, _, _) = verifier();
    let forged = sign(other_key(), "main", &access_claims());
    let expired = sign(main_key(), "main", &with(json!({ "exp": NOW - 3600 })));
    let valid = sign(main_key(), "main", &access_claims());
    let event = |token: &str| {
        let mut event = event_with(token);
        event.request_context.request_id = Some("req-logs".into());
        event
    };
    for token in [&forged, &expired] {
        handle(&verifier, event(token)).await.unwrap_err();
    }
    handle(&verifier, event(&valid)).await.unwrap();

    let text = logs().text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains(r#"request_id="req-logs""#))
        .collect();
    assert_eq!(lines.len(), 3, "one line per request: {text}");
    assert!(lines[0].contains(r#"outcome="deny" reason="bad_signature""#));
    assert!(lines[1].contains(r#"outcome="deny" reason="expired""#));
    assert!(lines[2].contains(r#"outcome="allow""#));
    for token in [&forged, &expired, &valid] {
        for part in token.split('.') {
            assert!(!text.contains(part), "a part of a token was logged: {text}");
        }
    }
    assert!(!text.contains("chatastrophy.v1"), "the header was logged");
}
