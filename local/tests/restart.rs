//! History and the inbox survive restarting both the gateway and DynamoDB Local (data on disk, as
//! `make dev` runs).

mod support;

use local_stack::dynamodb_local::{DynamoDbLocal, Storage};
use local_stack::gateway::Limits;
use serde_json::json;
use support::{Client, fresh_tables, stack_on};

/// The user pool both runs find (a restarted `make dev` finds its pool by name).
const POOL: &str = "restart-pool";

#[tokio::test]
async fn history_survives_restarting_the_gateway_and_dynamodb_local() {
    let data = std::env::temp_dir().join(format!("chatastrophy-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let tables = fresh_tables();
    let start = |data: std::path::PathBuf| DynamoDbLocal::launch(0, Storage::OnDisk(data));
    let dynamodb = start(data.clone()).await.unwrap();
    let stack = stack_on(
        Limits::default(),
        &dynamodb.endpoint(),
        tables.clone(),
        POOL,
    )
    .await;
    let mut alice = Client::connect(&stack, "alice").await;
    let _bob = Client::connect(&stack, "bob").await;
    let ack = alice.send_message("bob", "remember me", "a-1").await;
    stack.gateway.stop().await;
    dynamodb.stop();

    let dynamodb = start(data.clone()).await.unwrap();
    let stack = stack_on(Limits::default(), &dynamodb.endpoint(), tables, POOL).await;
    let mut bob = Client::connect(&stack, "bob").await;
    let page = bob
        .request(
            json!({"action": "getMessages", "with": "alice"}),
            "messages",
        )
        .await;
    assert_eq!(page["messages"], json!([ack["message"]]));
    let inbox = bob
        .request(json!({"action": "getConversations"}), "conversations")
        .await;
    let with_alice = &inbox["conversations"][0];
    assert_eq!(with_alice["lastMessage"]["preview"], "remember me");
    assert_eq!(with_alice["unread"], 1, "read state lives in the database");
    assert_eq!(
        with_alice["with"]["online"], false,
        "alice was disconnected by the shutdown"
    );
    stack.gateway.stop().await;
    dynamodb.stop();
    let _ = std::fs::remove_dir_all(&data);
}
