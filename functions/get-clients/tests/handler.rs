//! The `getClients` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::query::{QueryError, QueryOutput};
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::testing::*;
use route_get_clients::handle;
use serde_json::json;
use std::collections::HashMap;

fn get_clients(body: &str) -> chat_domain::lambda::Request {
    route_request("getClients", "c1", "alice", Some(body))
}

#[tokio::test]
async fn lists_every_user_across_pages_with_presence_and_never_a_connection_id() {
    let page_end = HashMap::from([
        ("pk".to_owned(), s("USERS")),
        ("sk".to_owned(), s("USER#bob")),
    ]);
    let first = user_item("bob", &["conn-b1", "conn-b2"], Some(NOW - 9000));
    let second = user_item("Alice", &[], Some(NOW - 5000));
    let pages = mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| r.exclusive_start_key().is_none())
        .then_output(move || {
            QueryOutput::builder()
                .items(first.clone())
                .set_last_evaluated_key(Some(page_end.clone()))
                .build()
        });
    let rest = mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            r.exclusive_start_key().and_then(|k| k.get("sk")) == Some(&s("USER#bob"))
        })
        .then_output(move || QueryOutput::builder().items(second.clone()).build());
    let (chat, log) = mock_chat(&[&pages, &rest], &[]);

    let response = handle(&chat, get_clients(r#"{"action":"getClients"}"#))
        .await
        .unwrap();

    assert_eq!(log.calls(), ["Query", "Query"], "every page, no Scan");
    assert_eq!(
        reply_json(&response),
        json!({"type": "clients", "users": [
            {"username": "Alice", "online": false, "lastSeen": NOW - 5000},
            {"username": "bob", "online": true, "lastSeen": NOW - 9000},
        ]})
    );
    let body = format!("{:?}", response.body);
    assert!(
        !body.contains("conn-b1"),
        "connection ids never leave the server"
    );
    log.export("get-clients", "users spread over 2 result pages");
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event() {
    let failing = mock!(aws_sdk_dynamodb::Client::query)
        .then_error(|| QueryError::InternalServerError(InternalServerError::builder().build()));
    let (chat, _log) = mock_chat(&[&failing], &[]);

    let event = reply_json(
        &handle(&chat, get_clients(r#"{"action":"getClients"}"#))
            .await
            .unwrap(),
    );

    assert_eq!(
        (event["code"].as_str(), event["action"].as_str()),
        (Some("service_unavailable"), Some("getClients"))
    );
}

#[tokio::test]
async fn a_body_that_is_not_get_clients_gets_an_error_and_no_aws_call() {
    for (body, code) in [
        ("[]", "invalid_json"),
        (r#"{"action":"ping"}"#, "unknown_action"),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, get_clients(body)).await.unwrap());
        assert_eq!(event["code"], code);
        assert!(log.calls().is_empty());
    }
}

#[tokio::test]
async fn a_users_profile_picture_is_listed_by_its_key() {
    let avatar = "avatars/bob/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.webp";
    let users = query_users(vec![with_avatar(user_item("bob", &["c2"], None), avatar)]);
    let (chat, _) = mock_chat(&[&users], &[]);

    let response = handle(&chat, get_clients(r#"{"action":"getClients"}"#))
        .await
        .unwrap();

    assert_eq!(
        reply_json(&response)["users"],
        json!([{"username": "bob", "online": true, "avatarKey": avatar}])
    );
}
