//! The `@connections` management API the route handlers call through their real
//! `aws-sdk-apigatewaymanagement` client: post a frame to a connection, describe it, close it.
//! Unknown (or closed) connection ids answer 410 GoneException, as on AWS.

use std::sync::atomic::Ordering;

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::Message;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use serde_json::json;

use super::state::{Gateway, Outbound, now_millis};

/// An error in the shape the AWS SDK's REST-JSON deserializer recognizes.
fn aws_error(status: StatusCode, error_type: &str, message: &str) -> HttpResponse {
    let mut response = (status, Json(json!({"message": message}))).into_response();
    if let Ok(value) = HeaderValue::from_str(error_type) {
        response.headers_mut().insert("x-amzn-ErrorType", value);
    }
    response
}

fn gone(connection_id: &str) -> HttpResponse {
    aws_error(
        StatusCode::GONE,
        "GoneException",
        &format!("connection {connection_id} is gone"),
    )
}

/// `POST @connections/{id}`: one frame to the client.
pub(super) async fn post_to_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
    body: Bytes,
) -> HttpResponse {
    if body.len() > gateway.0.config.limits.max_message_bytes {
        return aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "payload is larger than 128 KB",
        );
    }
    let message = match String::from_utf8(body.to_vec()) {
        Ok(text) => Message::Text(text.into()),
        Err(_) => Message::Binary(body),
    };
    if gateway.send(&connection_id, Outbound::Frame(message)) {
        if let Some(live) = gateway.lock_connections().get(&connection_id) {
            live.last_active.store(now_millis(), Ordering::Relaxed);
        }
        StatusCode::OK.into_response()
    } else {
        gone(&connection_id)
    }
}

/// `GET @connections/{id}`: when it connected, its last activity and who it is.
pub(super) async fn get_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
) -> HttpResponse {
    let connections = gateway.lock_connections();
    let Some(live) = connections.get(&connection_id) else {
        return gone(&connection_id);
    };
    let iso = |millis: i64| {
        DateTime::from_millis(millis)
            .fmt(DateTimeFormat::DateTime)
            .unwrap_or_default()
    };
    Json(json!({
        "connectedAt": iso(live.connected_at),
        "lastActiveAt": iso(live.last_active.load(Ordering::Relaxed)),
        "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent},
    }))
    .into_response()
}

/// `DELETE @connections/{id}`: closes the socket; `$disconnect` follows.
pub(super) async fn delete_connection(
    State(gateway): State<Gateway>,
    UrlPath(connection_id): UrlPath<String>,
) -> HttpResponse {
    if gateway.send(
        &connection_id,
        Outbound::Close(1000, "Connection closed by server".into()),
    ) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        gone(&connection_id)
    }
}
