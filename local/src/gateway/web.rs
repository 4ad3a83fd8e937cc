//! The static site: the built web UI (`web/dist`) and the runtime configuration it reads.

use std::path::{Component, Path, PathBuf};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use serde_json::json;

use super::state::Gateway;

/// The runtime configuration the web UI reads (the CDK stack deploys the same file to S3).
pub(super) async fn web_config(State(gateway): State<Gateway>, headers: HeaderMap) -> HttpResponse {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map_or_else(|| gateway.0.domain_name.clone(), str::to_owned);
    let mut response = Json(json!({
        "websocketUrl": format!("ws://{host}/{}", gateway.0.config.stage),
        "auth": gateway.0.config.user_pool.web_config(),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const NOT_BUILT_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chatastrophy</title></head>\
<body><h1>Chatastrophy local gateway</h1><p>The web UI is not built yet: run <code>make web</code>, then reload. \
The WebSocket API is already up at the URL in <a href=\"config.json\">config.json</a>.</p></body></html>";

/// Static files of the built web UI; paths without a file fall back to `index.html` (client routing).
pub(super) async fn web_file(State(gateway): State<Gateway>, uri: axum::http::Uri) -> HttpResponse {
    let web_dir = &gateway.0.config.web_dir;
    let Some(relative) = safe_relative_path(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let wanted = web_dir.join(&relative);
    let file = if wanted.is_file() {
        wanted
    } else if relative.extension().is_none() {
        web_dir.join("index.html")
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(_) if file.ends_with("index.html") => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT_PAGE,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The request path as a path below the web root, or `None` if it tries to leave it.
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(relative)
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_paths_cannot_leave_the_web_root() {
        assert_eq!(
            safe_relative_path("/assets/app.js"),
            Some(PathBuf::from("assets/app.js"))
        );
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative_path("/../secret"), None);
        assert_eq!(safe_relative_path("/a/../../b"), None);
    }
}
