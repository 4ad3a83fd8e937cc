//! The media URLs function's handler over a real S3 presigner and a mocked DynamoDB client, one
//! module per action it serves.

#[path = "handler/get_download_url.rs"]
mod get_download_url;
#[path = "handler/get_upload_url.rs"]
mod get_upload_url;

use chat_domain::testing::*;
use route_media_urls::handle;
use serde_json::json;

#[tokio::test]
async fn other_actions_are_not_served_here() {
    let (media, log) = mock_media();
    let body = json!({"action": "getClients"});
    let request = route_request("getClients", "c1", "Alice", Some(&body.to_string()));
    let answer = reply_json(&handle(&media, request).await.unwrap());
    assert_eq!(answer["code"], "unknown_action");
    assert!(log.calls().is_empty());
}

#[tokio::test]
async fn another_functions_action_is_not_served_here() {
    let (media, log) = mock_media();
    let body = json!({"action": "getConversations"});

    let response = handle(
        &media,
        route_request("getConversations", "c1", "Alice", Some(&body.to_string())),
    )
    .await
    .unwrap();

    let answer = reply_json(&response);
    assert_eq!(answer["code"], "unknown_action", "{answer}");
    assert_eq!(answer["action"], "getConversations", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("getUploadUrl and getDownloadUrl")),
        "{answer}"
    );
    assert!(log.calls().is_empty());
}
