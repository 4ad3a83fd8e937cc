//! The `$default` handler: keepalive and clear errors for everything unrouted. It has no AWS client.

use chat_domain::testing::{reply_json, route_request};
use route_default::handle;
use serde_json::json;

async fn answer(body: &str) -> serde_json::Value {
    reply_json(
        &handle(route_request("$default", "c1", "alice", Some(body)))
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn ping_gets_pong() {
    assert_eq!(
        answer(r#"{"action":"ping"}"#).await,
        json!({"type": "pong"})
    );
}

#[tokio::test]
async fn an_unknown_action_is_named_in_the_error() {
    let event = answer(r#"{"action":"dance","to":"bob"}"#).await;
    assert_eq!(event["type"], "error");
    assert_eq!(event["code"], "unknown_action");
    assert!(event["message"].as_str().unwrap().contains("\"dance\""));
}

#[tokio::test]
async fn malformed_bodies_get_their_codes() {
    for (body, code) in [
        ("", "invalid_json"),
        ("hello", "invalid_json"),
        ("42", "invalid_json"),
        (r#"{"text":"hi"}"#, "missing_action"),
        (
            r#"{"action":"sendMessage","to":"bob","text":"hi"}"#,
            "unknown_action",
        ),
    ] {
        let event = answer(body).await;
        assert_eq!(
            (event["type"].as_str(), event["code"].as_str()),
            (Some("error"), Some(code)),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_base64_binary_frame_is_decoded_before_routing() {
    let mut request = route_request("$default", "c1", "alice", Some("eyJhY3Rpb24iOiJwaW5nIn0="));
    request.is_base64_encoded = true;
    assert_eq!(reply_json(&handle(request).await.unwrap())["type"], "pong");
}
