//! The API Gateway management API adapter of [`ConnectionNotifier`]: `POST @connections/{id}`.

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

use crate::ports::{ConnectionNotifier, NotifyError};

/// Posts to WebSocket clients through the stage's management endpoint.
#[derive(Debug, Clone)]
pub struct ApiGatewayNotifier {
    client: Client,
}

impl ApiGatewayNotifier {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl ConnectionNotifier for ApiGatewayNotifier {
    async fn post(&self, connection_id: &str, payload: &str) -> Result<(), NotifyError> {
        let result = self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(payload.as_bytes()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PostToConnectionError::GoneException(_)) =>
            {
                Err(NotifyError::Gone)
            }
            Err(e) => Err(NotifyError::Failed(Box::new(e))),
        }
    }
}

/// For routes that never post (their reply travels back as the route response): a `Chat` built
/// with it cannot call the management API at all, matching the function's IAM policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;
