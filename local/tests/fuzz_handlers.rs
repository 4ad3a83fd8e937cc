//! Fuzzing every route handler's input path: whatever body (or `?username=`) arrives, the handler
//! answers (an event for the caller, or a status for `$connect`) and never panics or fails the
//! invocation. The store answers "nothing there" to everything, so valid requests run their use
//! case too. `make test` runs a few hundred cases; `make fuzz` runs `FUZZ_CASES` of each.

use chat_domain::lambda::{Request, Response};
use chat_domain::protocol::ServerEvent;
use chat_domain::testing::{
    MockChat, MockMedia, permissive_chat, permissive_media, reply_json, route_request,
};

use proptest::prelude::*;
use serde_json::{Value, json};

fn fuzz_cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(300)
}

/// Bodies that look like requests (known actions and fields with arbitrary values) or like nothing.
fn bodies() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9_.#\\- ]{0,40}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        // Values the media fields accept, so the fuzzer reaches presigning too.
        prop_oneof![
            Just("avatar"),
            Just("attachment"),
            Just("image/png"),
            Just("application/pdf"),
            Just("avatars/fuzzer/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.png"),
            Just("attachments/dm/bob/fuzzer/fuzzer/01JDQ8Z7W4K3M2N1P0Q9R8S7T6.pdf"),
        ]
        .prop_map(Value::from),
        (0u64..20_000_000).prop_map(Value::from),
        prop::collection::vec("[a-z/0-9A-Z.]{0,60}", 0..60).prop_map(Value::from),
        ("[a-z./0-9A-Z]{0,70}", "[^/]{0,20}", "[a-z/]{0,20}", any::<u64>()).prop_map(
            |(key, name, content_type, size)| json!({"key": key, "name": name, "contentType": content_type, "size": size})
        ),
    ];
    let action = prop_oneof![
        Just("sendMessage".to_owned()),
        Just("getMessages".to_owned()),
        Just("getClients".to_owned()),
        Just("getUploadUrl".to_owned()),
        Just("getDownloadUrl".to_owned()),
        Just("setAvatar".to_owned()),
        Just("ping".to_owned()),
        any::<String>(),
    ];
    let field = prop_oneof![
        Just("to"),
        Just("text"),
        Just("with"),
        Just("limit"),
        Just("cursor"),
        Just("clientMessageId"),
        Just("requestId"),
        Just("purpose"),
        Just("contentType"),
        Just("size"),
        Just("keys"),
        Just("key"),
        Just("attachment"),
    ];
    let request =
        (action, prop::collection::vec((field, value), 0..8)).prop_map(|(action, fields)| {
            let mut body = json!({"action": action});
            for (name, value) in fields {
                body[name] = value;
            }
            body.to_string()
        });
    prop_oneof![
        4 => request,
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => any::<String>(),
    ]
}

thread_local! {
    // Built once per test thread: a fresh runtime and SDK clients per case would dominate the run.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    static CHAT: MockChat = permissive_chat();
    static MEDIA: MockMedia = permissive_media();
}

fn run<T>(work: impl AsyncFnOnce(&MockChat, &MockMedia) -> T) -> T {
    RUNTIME
        .with(|runtime| CHAT.with(|chat| MEDIA.with(|media| runtime.block_on(work(chat, media)))))
}

async fn every_route(chat: &MockChat, media: &MockMedia, body: &str) -> Vec<Response> {
    let request = |route: &str| route_request(route, "c1", Some(body));
    vec![
        route_send_message::handle(chat, request("sendMessage"))
            .await
            .expect("sendMessage answers"),
        route_get_messages::handle(chat, request("getMessages"))
            .await
            .expect("getMessages answers"),
        route_get_clients::handle(chat, request("getClients"))
            .await
            .expect("getClients answers"),
        route_upload_url::handle(media, request("getUploadUrl"))
            .await
            .expect("getUploadUrl answers"),
        route_download_url::handle(media, request("getDownloadUrl"))
            .await
            .expect("getDownloadUrl answers"),
        route_set_avatar::handle(chat, request("setAvatar"))
            .await
            .expect("setAvatar answers"),
        route_default::handle(request("$default"))
            .await
            .expect("$default answers"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn every_message_route_answers_any_body_with_an_event(body in bodies()) {
        for response in run(async |chat, media| every_route(chat, media, &body).await) {
            prop_assert_eq!(response.status_code, 200);
            let event: ServerEvent = serde_json::from_value(reply_json(&response)).expect("a protocol event");
            if let ServerEvent::Error { code, .. } = event {
                prop_assert!(!code.is_empty());
            }
        }
    }

    #[test]
    fn connect_answers_any_username_with_200_or_a_refusal(username in prop_oneof![any::<String>(), "[A-Za-z0-9_.-]{1,32}"]) {
        let mut request: Request = route_request("$connect", "c1", None);
        request.query_string_parameters = std::collections::HashMap::from([("username".to_owned(), username)]).into();
        let response = run(async |chat, _| route_connect::handle(chat, request).await).expect("$connect answers");
        prop_assert!(matches!(response.status_code, 200 | 400), "{}", response.status_code);
    }
}
