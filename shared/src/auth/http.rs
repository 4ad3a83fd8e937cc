//! The key set over HTTP: a GET of the user pool's JWKS URL, with the functions' own HTTPS client
//! (rustls on ring, AWS root CAs only: Amazon Trust Services signs Cognito's endpoints too). Plain
//! `http://` works as well, for the local stack's Cognito.

use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use http_body_util::{BodyExt, Limited};

use super::config::AuthConfigError;
use super::jwks::{Jwks, KeyFetchError, KeySetSource};
use crate::config::{aws_tls_context, aws_tls_provider};

/// Cognito answers in tens of milliseconds; an authorizer waiting longer only holds the
/// handshake (and its Lambda's bill) for a fetch that is failing anyway.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// A pool's JWKS is two keys, under 2 KB: anything far larger is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Fetches the key set from a JWKS URL.
#[derive(Debug)]
pub struct HttpKeySource {
    url: String,
    connector: Connector,
    /// The whole fetch, body included (the connector's read timeout ends with the headers).
    deadline: Duration,
}

impl HttpKeySource {
    pub fn new(url: impl Into<String>) -> Result<Self, AuthConfigError> {
        Self::with_timeouts(url, CONNECT_TIMEOUT, READ_TIMEOUT)
    }

    pub fn with_timeouts(
        url: impl Into<String>,
        connect: Duration,
        read: Duration,
    ) -> Result<Self, AuthConfigError> {
        let url = url.into();
        let uri: http::Uri = url
            .parse()
            .map_err(|_| AuthConfigError::InvalidJwksUrl(url.clone()))?;
        let http_or_https = matches!(uri.scheme_str(), Some("http" | "https"));
        if !http_or_https || uri.host().is_none() {
            return Err(AuthConfigError::InvalidJwksUrl(url));
        }
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(connect)
            .read_timeout(read)
            .build();
        let connector = Connector::builder()
            .connector_settings(settings)
            .sleep_impl(TokioSleep::new())
            .tls_provider(aws_tls_provider())
            .tls_context(aws_tls_context()?)
            .build();
        Ok(Self {
            url,
            connector,
            deadline: connect + read,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    async fn get(&self) -> Result<Jwks, KeyFetchError> {
        let request = HttpRequest::get(&self.url).map_err(|e| KeyFetchError::Request(e.into()))?;
        let response = self.connector.call(request).await.map_err(|error| {
            if error.is_timeout() {
                KeyFetchError::Timeout
            } else {
                KeyFetchError::Request(error.into())
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(KeyFetchError::Status(status.as_u16()));
        }
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    KeyFetchError::TooLarge(MAX_BODY_BYTES)
                } else {
                    KeyFetchError::Request(error)
                }
            })?
            .to_bytes();
        Jwks::from_json(&body)
    }
}

impl KeySetSource for HttpKeySource {
    async fn fetch(&self) -> Result<Jwks, KeyFetchError> {
        tokio::time::timeout(self.deadline, self.get())
            .await
            .map_err(|_| KeyFetchError::Timeout)?
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    const JWKS: &str =
        r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB","alg":"RS256","use":"sig"}]}"#;

    /// A one-shot HTTP/1.1 server on 127.0.0.1 that answers its first request with `response`
    /// (or, with `None`, reads the request and never answers). Returns the JWKS URL.
    fn serve_once(response: Option<String>) -> String {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let read = stream.read(&mut buffer).unwrap();
                if read == 0 {
                    return;
                }
                request.extend_from_slice(&buffer[..read]);
            }
            match response {
                Some(response) => stream.write_all(response.as_bytes()).unwrap(),
                None => std::thread::sleep(Duration::from_secs(5)),
            }
        });
        format!("http://127.0.0.1:{port}/us-east-1_Pool/.well-known/jwks.json")
    }

    fn response(status: &str, body: &str) -> Option<String> {
        Some(format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ))
    }

    async fn fetch(response: Option<String>) -> Result<Jwks, KeyFetchError> {
        let url = serve_once(response);
        let source = HttpKeySource::with_timeouts(
            url,
            Duration::from_millis(500),
            Duration::from_millis(300),
        )
        .unwrap();
        source.fetch().await
    }

    #[tokio::test]
    async fn a_200_with_a_key_set_gives_its_keys() {
        let jwks = fetch(response("200 OK", JWKS)).await.unwrap();
        assert!(jwks.contains("k1"));
    }

    #[tokio::test]
    async fn an_error_status_is_a_typed_error() {
        for (status, code) in [("404 Not Found", 404), ("500 Internal Server Error", 500)] {
            let error = fetch(response(status, "{}")).await.unwrap_err();
            assert!(
                matches!(error, KeyFetchError::Status(c) if c == code),
                "{error}"
            );
        }
    }

    #[tokio::test]
    async fn a_body_that_is_not_a_key_set_is_a_typed_error() {
        let error = fetch(response("200 OK", "<html>garbage"))
            .await
            .unwrap_err();
        assert!(matches!(error, KeyFetchError::Json(_)), "{error}");
        let huge = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        let error = fetch(response("200 OK", &huge)).await.unwrap_err();
        assert!(matches!(error, KeyFetchError::TooLarge(_)), "{error}");
    }

    #[tokio::test]
    async fn a_server_that_does_not_answer_times_out() {
        let error = fetch(None).await.unwrap_err();
        assert!(matches!(error, KeyFetchError::Timeout), "{error}");
    }

    #[tokio::test]
    async fn nothing_listening_is_a_request_error() {
        let port = TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let source = HttpKeySource::new(format!("http://127.0.0.1:{port}/jwks.json")).unwrap();
        let error = source.fetch().await.unwrap_err();
        assert!(matches!(error, KeyFetchError::Request(_)), "{error}");
    }

    /// https is TLS with the AWS roots, never plain text: a plain server fails the handshake.
    #[tokio::test]
    async fn https_is_never_downgraded() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            // Answers in plain HTTP without waiting for the request (a ClientHello).
            let (mut stream, _) = listener.accept().unwrap();
            let _ = stream.write_all(response("200 OK", JWKS).unwrap().as_bytes());
        });
        let url = format!("https://127.0.0.1:{port}/jwks.json");
        let error = HttpKeySource::new(url).unwrap().fetch().await.unwrap_err();
        assert!(matches!(error, KeyFetchError::Request(_)), "{error}");
    }

    #[test]
    fn only_absolute_http_urls_are_accepted() {
        for url in [
            "",
            "jwks.json",
            "/a/jwks.json",
            "ftp://example.com/jwks.json",
        ] {
            assert!(
                matches!(
                    HttpKeySource::new(url),
                    Err(AuthConfigError::InvalidJwksUrl(_))
                ),
                "{url}"
            );
        }
        HttpKeySource::new("https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/jwks.json")
            .unwrap();
    }
}
