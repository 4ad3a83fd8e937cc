//! Glue between API Gateway WebSocket events and the use cases, shared by every route function and
//! by the local gateway.

use std::future::Future;
use std::time::Instant;

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lambda_runtime::Diagnostic;
use thiserror::Error;
use tracing::level_filters::LevelFilter;
use tracing::{Instrument, error, info, info_span};

use crate::chat::ChatError;
use crate::events::{Echo, ServerEvent};
use crate::identity::{Identity, IdentityError};
use crate::protocol::{ClientAction, Rejection, RoutedAction, decode_action};

pub type Request = ApiGatewayWebsocketProxyRequest;
pub type Response = ApiGatewayProxyResponse;

/// An event a route function cannot serve at all. API Gateway answers the client with a generic
/// error for these; they mean a misconfigured integration, never bad client input.
#[derive(Debug, Error)]
pub enum HandlerError {
    #[error("the event has no requestContext.connectionId")]
    MissingConnectionId,
    /// The route was reached without the `$connect` authorizer's context.
    #[error("the event has no caller identity: {0}")]
    MissingIdentity(#[from] IdentityError),
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        let error_type = match error {
            HandlerError::MissingConnectionId => "MissingConnectionId",
            HandlerError::MissingIdentity(_) => "MissingIdentity",
        };
        Diagnostic {
            error_type: error_type.into(),
            error_message: error.to_string(),
        }
    }
}

/// Who sent a request, and over which connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller<'r> {
    pub connection_id: &'r str,
    pub identity: Identity,
}

/// The verified caller of a request: the identity the `$connect` authorizer put into
/// `requestContext.authorizer`, which API Gateway hands to every route of the connection.
pub fn caller(request: &Request) -> Result<Caller<'_>, HandlerError> {
    Ok(Caller {
        connection_id: connection_id(request)?,
        identity: Identity::from_context(&request.request_context.authorizer.fields)?,
    })
}

pub fn connection_id(request: &Request) -> Result<&str, HandlerError> {
    request
        .request_context
        .connection_id
        .as_deref()
        .ok_or(HandlerError::MissingConnectionId)
}

/// The request body as sent by the client (binary frames arrive base64-encoded).
pub fn body(request: &Request) -> Vec<u8> {
    let raw = request.body.as_deref().unwrap_or_default();
    if request.is_base64_encoded {
        STANDARD
            .decode(raw)
            .unwrap_or_else(|_| raw.as_bytes().to_vec())
    } else {
        raw.as_bytes().to_vec()
    }
}

/// Decodes the request body into a client action.
pub fn decode(request: &Request) -> Result<ClientAction, Rejection> {
    decode_action(&body(request))
}

/// The `error` event for a request that the route `route_action` cannot serve: a rejected body, or
/// a valid action that API Gateway routed elsewhere (a misconfigured route table).
pub fn not_served(decoded: Result<ClientAction, Rejection>, route_action: &str) -> ServerEvent {
    match decoded {
        Err(rejection) => rejection.to_event(),
        Ok(action) => routed_elsewhere(action.name(), route_action),
    }
}

fn routed_elsewhere(action: &str, route_action: &str) -> ServerEvent {
    ServerEvent::error(
        "unknown_action",
        format!("action \"{action}\" is not served by the {route_action} route"),
        Some(action),
        Echo::default(),
    )
}

/// A reply to the calling connection, sent back by API Gateway as the route response.
pub fn reply(event: &ServerEvent) -> Response {
    let mut response = status(200);
    response.body = Some(Body::Text(event.to_json()));
    response
}

/// A bare status: `$connect` accepts with 2xx and refuses the upgrade with anything else.
pub fn status(code: i64) -> Response {
    let mut response = Response::default();
    response.status_code = code;
    response
}

/// The `error` event for a use case failure. Storage failures are logged here, with their cause,
/// and reach the client only as a retryable `service_unavailable`.
pub fn chat_error_event(error: &ChatError, action: &str, echo: Echo) -> ServerEvent {
    match error {
        ChatError::Store(cause) => error!(error = %cause, action, "storage failed"),
        ChatError::Signing(cause) => error!(error = %cause, action, "presigning failed"),
        _ => {}
    }
    ServerEvent::error(error.code(), error.to_string(), Some(action), echo)
}

/// The requests a route function serves: one action's ([`RoutedAction`]), or, for a function of
/// several routes, an enum with one variant per action's request.
pub trait ServedActions: Sized {
    /// The routes served, as an error about an action routed elsewhere names them.
    const ROUTES: &'static str;

    /// The function's request (`None` when API Gateway routed another route's action here).
    fn from_action(action: ClientAction) -> Option<Self>;

    /// The action this request is: its refusals name it.
    fn name(&self) -> &'static str;

    /// The ids its answer and refusals echo.
    fn echo(&self) -> Echo;
}

impl<A: RoutedAction> ServedActions for A {
    const ROUTES: &'static str = A::NAME;

    fn from_action(action: ClientAction) -> Option<Self> {
        <A as RoutedAction>::from_action(action)
    }

    fn name(&self) -> &'static str {
        A::NAME
    }

    fn echo(&self) -> Echo {
        <A as RoutedAction>::echo(self)
    }
}

/// The one shape of every route that serves an action as its verified caller: decode the body
/// into the route's request `A`, run `use_case` with it, and reply with its event, or with the
/// `error` event (naming the action and echoing the request's ids) when the body or the use case
/// fails. A use case that answers nothing (`None`) gets a bare 200: API Gateway sends no frame.
pub async fn serve_action<'r, A, F, Fut, R>(
    request: &'r Request,
    use_case: F,
) -> Result<Response, HandlerError>
where
    A: ServedActions,
    F: FnOnce(Caller<'r>, A) -> Fut,
    Fut: Future<Output = Result<R, ChatError>>,
    R: Into<Option<ServerEvent>>,
{
    route_as_caller(request, |caller| async move {
        let decoded = match decode(request) {
            Ok(decoded) => decoded,
            Err(rejection) => return reply(&rejection.to_event()),
        };
        let name = decoded.name();
        let Some(action) = A::from_action(decoded) else {
            return reply(&routed_elsewhere(name, A::ROUTES));
        };
        let (name, echo) = (action.name(), action.echo());
        let answer = match use_case(caller, action).await {
            Ok(answer) => answer.into(),
            Err(error) => Some(chat_error_event(&error, name, echo)),
        };
        answer.map_or_else(|| status(200), |event| reply(&event))
    })
    .await
}

/// Runs one route invocation for the request's connection, inside a span with the route, API
/// Gateway's request id and the connection id, and logs its status and duration. Never logs the
/// body: it holds message text.
pub async fn route<'r, F, Fut>(request: &'r Request, work: F) -> Result<Response, HandlerError>
where
    F: FnOnce(&'r str) -> Fut,
    Fut: Future<Output = Response>,
{
    let connection_id = connection_id(request)?;
    let span = route_span(request, connection_id, None);
    timed(work(connection_id)).instrument(span).await
}

/// [`route`] for a route that acts as its caller: the work gets the verified [`Caller`], and the
/// span also names the caller's `sub` (an opaque id, never the token).
pub async fn route_as_caller<'r, F, Fut>(
    request: &'r Request,
    work: F,
) -> Result<Response, HandlerError>
where
    F: FnOnce(Caller<'r>) -> Fut,
    Fut: Future<Output = Response>,
{
    let caller = match caller(request) {
        Ok(caller) => caller,
        Err(error) => {
            error!(%error, "route reached without the authorizer's identity");
            return Err(error);
        }
    };
    let span = route_span(request, caller.connection_id, Some(&caller.identity.sub));
    timed(work(caller)).instrument(span).await
}

fn route_span(request: &Request, connection_id: &str, sub: Option<&str>) -> tracing::Span {
    let context = &request.request_context;
    info_span!(
        "route",
        route = context.route_key.as_deref().unwrap_or("?"),
        request_id = context.request_id.as_deref().unwrap_or("?"),
        connection_id,
        sub,
    )
}

async fn timed(work: impl Future<Output = Response>) -> Result<Response, HandlerError> {
    let started = Instant::now();
    let response = work.await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    info!(status = response.status_code, duration_ms, "route handled");
    Ok(response)
}

/// Runs a route function's handler in the Lambda runtime until the sandbox is shut down.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Result<Response, HandlerError>> + Send,
{
    // Boxed: a handler's future nests the AWS SDK's deep future types, too deep to lay out inline.
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<Request>| Box::pin(handler(event.payload)),
    ))
    .await
}

/// Sets up JSON or text logs as Lambda's advanced logging controls ask (`AWS_LAMBDA_LOG_FORMAT`,
/// and the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`); the local gateway uses the same.
///
/// A level, not per-module directives: those need tracing-subscriber's `env-filter` and its regex
/// engine, a quarter of a megabyte in every binary, for a setting Lambda never passes.
pub fn init_tracing() {
    let variable = |name| std::env::var(name).ok();
    let level = log_level(
        variable("AWS_LAMBDA_LOG_LEVEL").as_deref(),
        variable("RUST_LOG").as_deref(),
    );
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level);
    let json = variable("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
}

/// The first of Lambda's log level and `RUST_LOG` that is set; INFO when neither is (or is
/// unreadable). Lambda's FATAL is `tracing`'s ERROR, its most severe level.
fn log_level(lambda_log_level: Option<&str>, rust_log: Option<&str>) -> LevelFilter {
    match lambda_log_level.or(rust_log).map(str::trim) {
        Some(level) if level.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(level) => level.parse().unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_log_level_wins_then_rust_log_then_info() {
        assert_eq!(log_level(Some("DEBUG"), Some("error")), LevelFilter::DEBUG);
        assert_eq!(log_level(None, Some("warn")), LevelFilter::WARN);
        assert_eq!(log_level(None, None), LevelFilter::INFO);
    }

    #[test]
    fn every_lambda_log_level_is_understood() {
        for (lambda, level) in [
            ("TRACE", LevelFilter::TRACE),
            ("DEBUG", LevelFilter::DEBUG),
            ("INFO", LevelFilter::INFO),
            ("WARN", LevelFilter::WARN),
            ("ERROR", LevelFilter::ERROR),
            ("FATAL", LevelFilter::ERROR),
        ] {
            assert_eq!(log_level(Some(lambda), None), level, "{lambda}");
        }
        assert_eq!(log_level(Some("loud"), None), LevelFilter::INFO);
    }
}
