//! The `searchPeople` handler over a mocked DynamoDB client.

use aws_sdk_dynamodb::operation::query::{QueryError, QueryOutput};
use aws_sdk_dynamodb::types::error::InternalServerError;
use chat_domain::model::encode_key_cursor;
use chat_domain::rules::Username;
use chat_domain::testing::*;
use route_search_people::handle;
use serde_json::{Value, json};

const ME: &str = "c1";
const ALBERT_AVATAR: &str = "avatars/albert/01JDQ8Z7W4K3M2N1P0Q9R8S7T1.png";

fn search_people(body: Value) -> chat_domain::lambda::Request {
    route_request("searchPeople", ME, "Alice", Some(&body.to_string()))
}

fn key_cursor(username: &str) -> String {
    encode_key_cursor(&Username::parse(username).unwrap().key())
}

/// The Query of the users partition for keys starting with `prefix`, `limit` items after `after`.
fn query_prefix(
    prefix: &'static str,
    limit: i32,
    after: Option<&'static str>,
    found: Vec<Item>,
) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(move |r| {
            let values = r.expression_attribute_values();
            let start = r.exclusive_start_key();
            let start_matches = match after {
                Some(after) => start.is_some_and(|key| {
                    key.get("pk") == Some(&s("USERS"))
                        && key.get("sk") == Some(&s(&format!("USER#{after}")))
                }),
                None => start.is_none(),
            };
            r.table_name() == Some(CLIENTS_TABLE)
                && r.index_name().is_none()
                && r.key_condition_expression()
                    == Some("#pk = :users AND begins_with(#sk, :prefix)")
                && r.limit() == Some(limit)
                && values.and_then(|v| v.get(":users")) == Some(&s("USERS"))
                && values.and_then(|v| v.get(":prefix")) == Some(&s(&format!("USER#{prefix}")))
                && start_matches
        })
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(found.clone()))
                .build()
        })
}

#[tokio::test]
async fn people_are_found_by_a_case_insensitive_name_prefix_without_their_presence() {
    let query = query_prefix(
        "al",
        21,
        None,
        vec![
            with_avatar(user_item("Albert", &["a1"], None), ALBERT_AVATAR),
            user_item("Alice", &["c1"], Some(NOW - 1000)),
        ],
    );
    let (chat, log) = mock_chat(&[&query], &[]);

    let response = handle(
        &chat,
        search_people(json!({"action": "searchPeople", "prefix": "AL", "requestId": "r-1"})),
    )
    .await
    .unwrap();

    assert_eq!(log.calls(), ["Query"], "a key range, never a scan");
    assert_eq!(
        reply_json(&response),
        json!({
            "type": "people",
            "users": [
                {"username": "Albert", "avatarKey": ALBERT_AVATAR},
                {"username": "Alice"},
            ],
            "nextCursor": null,
            "requestId": "r-1",
        })
    );
    log.export("search-people", "a prefix matching two people");
}

#[tokio::test]
async fn a_full_page_hands_out_a_cursor_and_the_cursor_continues_after_its_last_person() {
    let query = query_prefix(
        "b",
        3,
        None,
        vec![
            user_item("Bea", &[], None),
            user_item("bob", &[], None),
            user_item("Boris", &[], None),
        ],
    );
    let (chat, _log) = mock_chat(&[&query], &[]);
    let page = reply_json(
        &handle(
            &chat,
            search_people(json!({"action": "searchPeople", "prefix": "b", "limit": 2})),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        page["users"],
        json!([{"username": "Bea"}, {"username": "bob"}])
    );
    assert_eq!(page["nextCursor"], key_cursor("bob"));

    let query = query_prefix("b", 3, Some("bob"), vec![user_item("Boris", &[], None)]);
    let (chat, log) = mock_chat(&[&query], &[]);
    let body =
        json!({"action": "searchPeople", "prefix": "B", "limit": 2, "cursor": key_cursor("bob")});
    let page = reply_json(&handle(&chat, search_people(body)).await.unwrap());

    assert_eq!(log.calls(), ["Query"]);
    assert_eq!(page["users"], json!([{"username": "Boris"}]));
    assert_eq!(page["nextCursor"], Value::Null);
}

#[tokio::test]
async fn invalid_requests_get_an_error_event_and_make_no_aws_call() {
    for (body, code) in [
        (json!({"action": "searchPeople"}), "missing_field"),
        (
            json!({"action": "searchPeople", "prefix": ""}),
            "invalid_prefix",
        ),
        (
            json!({"action": "searchPeople", "prefix": "a b"}),
            "invalid_prefix",
        ),
        (
            json!({"action": "searchPeople", "prefix": "USER#"}),
            "invalid_prefix",
        ),
        (
            json!({"action": "searchPeople", "prefix": "a".repeat(33)}),
            "invalid_prefix",
        ),
        (
            json!({"action": "searchPeople", "prefix": 5}),
            "invalid_field",
        ),
        (
            json!({"action": "searchPeople", "prefix": "al", "limit": 51}),
            "invalid_limit",
        ),
        (
            json!({"action": "searchPeople", "prefix": "al", "cursor": "!forged"}),
            "invalid_cursor",
        ),
        (
            // A cursor of another search cannot move this one outside its prefix.
            json!({"action": "searchPeople", "prefix": "al", "cursor": key_cursor("zed")}),
            "invalid_cursor",
        ),
    ] {
        let (chat, log) = mock_chat(&[], &[]);
        let event = reply_json(&handle(&chat, search_people(body.clone())).await.unwrap());
        assert_eq!(
            code_and_action(&event),
            (Some("error"), Some(code), Some("searchPeople")),
            "{body}"
        );
        assert!(log.calls().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn a_storage_failure_is_a_retryable_error_event() {
    let failing = mock!(aws_sdk_dynamodb::Client::query)
        .then_error(|| QueryError::InternalServerError(InternalServerError::builder().build()));
    let (chat, log) = mock_chat(&[&failing], &[]);

    let event = reply_json(
        &handle(
            &chat,
            search_people(json!({"action": "searchPeople", "prefix": "al", "requestId": "r-2"})),
        )
        .await
        .unwrap(),
    );

    assert_eq!(
        code_and_action(&event),
        (
            Some("error"),
            Some("service_unavailable"),
            Some("searchPeople")
        )
    );
    assert_eq!(event["requestId"], "r-2");
    assert_eq!(log.calls(), ["Query"]);
}

#[tokio::test]
async fn an_event_without_the_authorizers_identity_is_a_lambda_error_and_makes_no_aws_call() {
    let (chat, log) = mock_chat(&[], &[]);
    let body = json!({"action": "searchPeople", "prefix": "al"}).to_string();

    let result = handle(&chat, anonymous_request("searchPeople", ME, Some(&body))).await;

    assert!(result.is_err());
    assert!(log.calls().is_empty());
}
