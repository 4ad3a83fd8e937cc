//! Fuzzing every route handler's input path: whatever body (or `Sec-WebSocket-Protocol` header)
//! arrives, the handler answers (an event for the caller, or a status for `$connect` and for a
//! `typing` that went through) and never panics or fails the invocation. The store answers "nothing there" to everything, so valid requests run their use
//! case too. The `$connect` authorizer, given any handshake, refuses it as `Unauthorized` (the
//! fuzzer cannot sign with the pool's key) without panicking. `make test` runs a few hundred
//! cases; `make fuzz` runs `FUZZ_CASES` of each.

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chat_domain::auth::{
    AccessTokenVerifier, AuthorizerRequest, Jwks, KeyFetchError, KeySetSource, TokenSettings,
};
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{HandlerError, Request, Response};
use chat_domain::routes::Registry;
use chat_domain::s3::S3MediaRemover;
use chat_domain::testing::{
    MockChat, MockMedia, mock_media, permissive_chat, permissive_remover, reply_json, route_request,
};

use chat_domain::rules::SystemClock;
use route_authorizer::AuthorizerError;
use rsa::RsaPrivateKey;
use rsa::traits::PublicKeyParts;

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
            // Values the conversation, room and inbox fields accept.
            Just("dm#bob#fuzzer"),
            Just("room#01JDQ7N3C5V8X2B4M6P9R1T3W5"),
            Just("01JDQ8Z7W4K3M2N1P0Q9R8S7T6"),
            Just("owner"),
            Just("admin"),
            Just("member"),
            Just("bob"),
            Just("fuzzer"),
            // Values the reaction field accepts.
            Just("\u{1F44D}"),
            Just("\u{2764}"),
        ]
        .prop_map(Value::from),
        (0u64..20_000_000).prop_map(Value::from),
        prop::collection::vec("[a-z/0-9A-Z.]{0,60}", 0..60).prop_map(Value::from),
        ("[a-z./0-9A-Z]{0,70}", "[^/]{0,20}", "[a-z/]{0,20}", any::<u64>()).prop_map(
            |(key, name, content_type, size)| json!({"key": key, "name": name, "contentType": content_type, "size": size})
        ),
    ];
    // Every action of the registry, and as often as any one of them, an arbitrary one.
    let actions: Vec<String> = Registry::get().actions().map(str::to_owned).collect();
    let action = prop_oneof![
        actions.len() as u32 => prop::sample::select(actions),
        1 => any::<String>(),
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
        Just("conversationId"),
        Just("name"),
        Just("members"),
        Just("usernames"),
        Just("username"),
        Just("role"),
        Just("messageId"),
        Just("prefix"),
        Just("emoji"),
        Just("reacted"),
        Just("replyTo"),
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

const POOL_ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fuzz";
const CLIENT_ID: &str = "fuzzclient";
const KID: &str = "fuzz";

/// The pool's key set: one RSA key generated per test binary, whose private half is dropped, so
/// that tokens naming its kid reach the signature check and none can pass it.
fn pool_jwks() -> &'static Jwks {
    static JWKS: OnceLock<Jwks> = OnceLock::new();
    JWKS.get_or_init(|| {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key");
        let b64 = |bytes: Vec<u8>| URL_SAFE_NO_PAD.encode(bytes);
        let document = json!({"keys": [{
            "kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
            "n": b64(key.n().to_bytes_be()),
            "e": b64(key.e().to_bytes_be()),
        }]});
        Jwks::from_json(document.to_string().as_bytes()).expect("a key set")
    })
}

/// The pool's JWKS endpoint, in memory.
struct InMemoryKeys;

impl KeySetSource for InMemoryKeys {
    async fn fetch(&self) -> Result<Jwks, KeyFetchError> {
        Ok(pool_jwks().clone())
    }
}

type Verifier = AccessTokenVerifier<InMemoryKeys, SystemClock>;

/// base64url-ish text: the token alphabet, with a few characters from outside it.
fn b64ish() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_\\-=+/.]{0,80}"
}

/// A JWT part: base64url of JSON shaped like a header or claims (with the pool's kid, issuer and
/// client among arbitrary values), of arbitrary bytes, or base64url-ish text.
fn token_part() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9_.:/ -]{0,30}".prop_map(Value::from),
        prop_oneof![
            Just("RS256"),
            Just("HS256"),
            Just("none"),
            Just(KID),
            Just(POOL_ISSUER),
            Just(CLIENT_ID),
            Just("access"),
            Just("id"),
        ]
        .prop_map(Value::from),
    ];
    let field = prop_oneof![
        Just("alg"),
        Just("kid"),
        Just("typ"),
        Just("iss"),
        Just("token_use"),
        Just("client_id"),
        Just("exp"),
        Just("nbf"),
        Just("sub"),
        Just("username"),
    ];
    let json = prop::collection::vec((field, text), 0..8).prop_map(|fields| {
        let mut object = json!({});
        for (name, value) in fields {
            object[name] = value;
        }
        URL_SAFE_NO_PAD.encode(object.to_string())
    });
    prop_oneof![
        json,
        prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        b64ish(),
    ]
}

/// A JWT header part: half the time the one that names the pool's key, so that the token reaches
/// the key lookup and the signature check.
fn token_header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","kid":"{KID}"}}"#))),
        token_part(),
    ]
}

/// `Sec-WebSocket-Protocol` values as raw bytes: our protocol next to something shaped like a
/// token, protocol lists, arbitrary text, bytes a header value may hold, and arbitrary bytes.
fn subprotocol_headers() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        3 => (token_header(), token_part(), token_part())
            .prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
        1 => prop::collection::vec(b64ish(), 0..5).prop_map(|parts| parts.join(".")),
    ];
    // Mostly nothing after it; sometimes more protocols, stray commas and spaces.
    let extra = prop_oneof![3 => Just(String::new()), 1 => "[a-z0-9., ]{0,20}"];
    let offered = (token, any::<bool>(), extra).prop_map(|(token, token_first, extra)| {
        if token_first {
            format!("{token},chatastrophy.v1{extra}")
        } else {
            format!("chatastrophy.v1, {token}{extra}")
        }
    });
    // Visible ASCII, space, tab and obs-text: every byte a header value may hold.
    let header_byte = prop_oneof![0x20u8..=0x7e, Just(b'\t'), 0x80u8..=0xff];
    prop_oneof![
        4 => offered.prop_map(String::into_bytes),
        1 => "[a-z0-9., ]{0,60}".prop_map(String::into_bytes),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => prop::collection::vec(header_byte, 0..300),
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

/// The handshake API Gateway hands the authorizer: the subprotocol header (when it parses as a
/// header value), other headers (some named like it, appended after it), a query and maybe no
/// `methodArn`.
fn authorizer_requests() -> impl Strategy<Value = AuthorizerRequest> {
    let header_name = prop_oneof![
        Just("Sec-WebSocket-Protocol".to_owned()),
        Just("sec-websocket-protocol".to_owned()),
        Just("Authorization".to_owned()),
        Just("Host".to_owned()),
        "[A-Za-z0-9-]{1,20}",
        any::<String>(),
    ];
    let extra_headers = prop::collection::vec(
        (header_name, prop::collection::vec(any::<u8>(), 0..80)),
        0..4,
    );
    let query = prop::collection::hash_map(
        prop_oneof![
            Just("token".to_owned()),
            Just("username".to_owned()),
            any::<String>()
        ],
        any::<String>(),
        0..3,
    );
    let method_arn = prop_oneof![
        4 => Just(Some("arn:aws:execute-api:us-east-1:000000000000:fuzz/fuzz/$connect".to_owned())),
        1 => any::<Option<String>>(),
    ];
    (subprotocol_headers(), extra_headers, query, method_arn).prop_map(
        |(subprotocols, extra_headers, query, method_arn)| {
            let mut request = AuthorizerRequest::default();
            request.type_ = Some("REQUEST".to_owned());
            request.method_arn = method_arn;
            if let Ok(value) = http::HeaderValue::from_bytes(&subprotocols) {
                request.headers.insert("sec-websocket-protocol", value);
            }
            for (name, value) in extra_headers {
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_bytes(&value),
                ) {
                    request.headers.append(name, value);
                }
            }
            request.query_string_parameters = HashMap::<String, String>::from_iter(query).into();
            request.request_context.request_id = Some("fuzz".to_owned());
            request
        },
    )
}

thread_local! {
    // Built once per test thread: a fresh runtime and SDK clients per case would dominate the run.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    static CHAT: MockChat = permissive_chat();
    static MEDIA: MockMedia = mock_media().0;
    static REMOVER: S3MediaRemover = permissive_remover();
    static VERIFIER: Verifier = AccessTokenVerifier::new(
        TokenSettings::new(POOL_ISSUER, CLIENT_ID),
        InMemoryKeys,
        SystemClock,
    );
}

/// What the handlers run on: the chat, the media use cases, the attachment remover.
#[derive(Clone, Copy)]
struct Ports<'p> {
    chat: &'p MockChat,
    media: &'p MockMedia,
    remover: &'p S3MediaRemover,
}

fn run<T>(work: impl AsyncFnOnce(Ports<'_>) -> T) -> T {
    RUNTIME.with(|runtime| {
        CHAT.with(|chat| {
            MEDIA.with(|media| {
                REMOVER.with(|remover| {
                    runtime.block_on(work(Ports {
                        chat,
                        media,
                        remover,
                    }))
                })
            })
        })
    })
}

/// The functions a client message can reach, with one of their route keys: every route function
/// of the registry but the connection's own `$connect` and `$disconnect`. A function serving
/// several routes runs once per body: its handler is the same whichever route took it there.
fn message_functions() -> impl Iterator<Item = (&'static str, &'static str)> {
    Registry::get()
        .routes()
        .map(|function| (function.name.as_str(), function.route_keys()[0]))
        .filter(|(_, key)| !matches!(*key, "$connect" | "$disconnect"))
}

/// Calls the handler of a message function; a registered function this test has no handler for
/// fails it.
async fn invoke(
    ports: Ports<'_>,
    function: &str,
    request: Request,
) -> Result<Response, HandlerError> {
    let Ports {
        chat,
        media,
        remover,
    } = ports;
    match function {
        "send-message" => route_send_message::handle(chat, request).await,
        "get-messages" => route_get_messages::handle(chat, request).await,
        "change-message" => route_change_message::handle(chat, remover, request).await,
        "typing" => route_typing::handle(chat, request).await,
        "media-urls" => route_media_urls::handle(media, request).await,
        "set-avatar" => route_set_avatar::handle(chat, request).await,
        "rooms" => route_rooms::handle(chat, request).await,
        "get-members" => route_get_members::handle(chat, request).await,
        "get-conversations" => route_get_conversations::handle(chat, request).await,
        "mark-read" => route_mark_read::handle(chat, request).await,
        "search-people" => route_search_people::handle(chat, request).await,
        "watch-presence" => route_watch_presence::handle(chat, request).await,
        "default" => route_default::handle(request).await,
        other => {
            panic!("{other} is a function of shared/routes.json without a handler in `invoke`")
        }
    }
}

async fn every_function(ports: Ports<'_>, body: &str) -> Vec<(&'static str, Response)> {
    let mut responses = Vec::new();
    for (function, route_key) in message_functions() {
        let request = route_request(route_key, "c1", "fuzzer", Some(body));
        let response = invoke(ports, function, request).await;
        responses.push((
            function,
            response.unwrap_or_else(|error| panic!("{function} failed: {error}")),
        ));
    }
    responses
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn every_message_route_answers_any_body_with_an_event(body in bodies()) {
        for (function, response) in run(async |ports| every_function(ports, &body).await) {
            prop_assert_eq!(response.status_code, 200);
            // A typing signal that went through (or was dropped) answers nothing.
            if function == "typing" && response.body.is_none() {
                continue;
            }
            let event: ServerEvent = serde_json::from_value(reply_json(&response)).expect("a protocol event");
            if let ServerEvent::Error { code, .. } = event {
                prop_assert!(!code.is_empty());
            }
        }
    }

    #[test]
    fn connect_answers_any_subprotocol_header_and_echoes_only_ours(
        header in prop_oneof![any::<String>(), "[a-z0-9., ]{0,60}", Just("chatastrophy.v1, eyJ.a.b".to_owned())]
    ) {
        let mut request: Request = route_request("$connect", "c1", "fuzzer", None);
        if let Ok(value) = header.parse() {
            request.headers.insert("sec-websocket-protocol", value);
        }
        let response = run(async |ports| route_connect::handle(ports.chat, request).await).expect("$connect answers");
        prop_assert_eq!(response.status_code, 200);
        if let Some(echoed) = response.headers.get("sec-websocket-protocol") {
            prop_assert_eq!(echoed, "chatastrophy.v1");
        }
    }

    #[test]
    fn the_authorizer_refuses_any_handshake_it_cannot_verify(request in authorizer_requests()) {
        let answer = RUNTIME.with(|runtime| {
            VERIFIER.with(|verifier| runtime.block_on(route_authorizer::handle(verifier, request)))
        });
        prop_assert_eq!(answer.err(), Some(AuthorizerError::Unauthorized));
    }
}
