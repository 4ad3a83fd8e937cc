//! The Lambda runtime loop of an authorizer ([`crate::lambda::serve`] is typed for route events).

use std::fmt::Debug;
use std::future::Future;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayCustomAuthorizerResponse,
};
use lambda_runtime::{Diagnostic, LambdaEvent};

/// API Gateway's REQUEST authorizer event (a WebSocket API's `$connect` sends this type).
pub type AuthorizerRequest = ApiGatewayCustomAuthorizerRequestTypeRequest;
/// An IAM policy, the principal and the context every later route receives.
pub type AuthorizerResponse = ApiGatewayCustomAuthorizerResponse;

/// Runs an authorizer's handler in the Lambda runtime until the sandbox is shut down. The
/// handler's error becomes the invocation's error: its [`Diagnostic`] message is what API Gateway
/// reads (`Unauthorized` makes it answer 401).
pub async fn serve<F, Fut, E>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(AuthorizerRequest) -> Fut,
    Fut: Future<Output = Result<AuthorizerResponse, E>> + Send,
    E: Into<Diagnostic> + Debug,
{
    // Boxed like `lambda::serve`: the HTTP client's futures nest deeply.
    lambda_runtime::run(lambda_runtime::service_fn(
        |event: LambdaEvent<AuthorizerRequest>| Box::pin(handler(event.payload)),
    ))
    .await
}
