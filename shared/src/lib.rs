//! Chatastrophy's domain library: the WebSocket protocol, the chat's rules and use cases, the ports
//! they need and the AWS adapters of those ports. Every route function and the local gateway are
//! thin shells around it.

pub mod apigateway;
pub mod auth;
pub mod chat;
pub mod config;
pub mod conversation;
pub mod dynamodb;
pub mod events;
pub mod identity;
pub mod lambda;
pub mod media;
pub mod media_access;
pub mod model;
pub mod ports;
pub mod protocol;
pub mod reactions;
pub mod rooms;
pub mod routes;
pub mod rules;
pub mod s3;
pub mod schema;

pub use apigateway::{ApiGatewayNotifier, NoNotifier};
pub use chat::{Chat, ChatError};
pub use dynamodb::{DynamoStore, TableNames};
pub use media_access::MediaAccess;
pub use rules::SystemClock;
pub use s3::S3MediaSigner;

#[cfg(feature = "test-support")]
pub mod testing;
