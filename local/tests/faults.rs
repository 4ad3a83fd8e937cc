//! Faults against the local stack: the database going away for a moment must give clients a clear,
//! retryable error, never a panic or a dead gateway, and a retry must store the message once.

mod support;

use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::gateway::Limits;
use serde_json::json;
use support::{Client, fresh_tables, stack_with};

#[tokio::test]
async fn dynamodb_down_for_a_moment_gives_a_retryable_error_and_the_retry_stores_once() {
    let data = std::env::temp_dir().join(format!("chatastrophy-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let start = |port: u16| DynamoDbLocal::launch(port, Storage::OnDisk(data.clone()));
    let dynamodb = start(0).await.unwrap();
    let port = dynamodb.port();
    let stack = stack_with(Limits::default(), &dynamodb.endpoint(), fresh_tables()).await;
    let mut alice = Client::connect(&stack, "alice").await;
    let mut bob = Client::connect(&stack, "bob").await;

    dynamodb.stop();
    let send = json!({"action": "sendMessage", "to": "bob", "text": "through the outage", "clientMessageId": "outage-1"});
    let refused = alice.request(send.clone(), "messageAck").await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "service_unavailable");
    assert_eq!(
        refused["clientMessageId"], "outage-1",
        "the client knows which message to retry"
    );
    alice.send(json!({"action": "ping"})).await;
    assert_eq!(
        alice.next_of_type("pong").await["type"],
        "pong",
        "the gateway keeps serving"
    );

    let dynamodb = start(port).await.unwrap();
    let first = alice.request(send.clone(), "messageAck").await;
    let again = alice.request(send, "messageAck").await;
    assert_eq!(
        (first["duplicate"].as_bool(), again["duplicate"].as_bool()),
        (Some(false), Some(true)),
        "{first} {again}"
    );
    assert_eq!(
        bob.next_of_type("message").await["message"]["clientMessageId"],
        "outage-1"
    );
    let page = bob
        .request(
            json!({"action": "getMessages", "with": "alice"}),
            "messages",
        )
        .await;
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        1,
        "stored exactly once: {page}"
    );

    stack.gateway.stop().await;
    dynamodb.stop();
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn a_connect_while_dynamodb_is_down_is_refused_with_500_not_a_hang() {
    let dynamodb = DynamoDbLocal::launch(0, Storage::InMemory).await.unwrap();
    let stack = stack_with(Limits::default(), &dynamodb.endpoint(), fresh_tables()).await;
    dynamodb.stop();

    match Client::try_connect(&stack, "alice").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 500)
        }
        other => panic!("expected HTTP 500, got {:?}", other.map(|_| ())),
    }
    stack.gateway.stop().await;
}
