//! Chatastrophy's local stack: the whole chat on one machine, as it runs on AWS. A local API
//! Gateway WebSocket emulator runs the `$connect` authorizer and calls the route functions' own
//! handlers, over AWS's DynamoDB Local and MiniStack (S3 for media, Cognito for sign-in).
//! `make dev` runs it; the integration tests and benchmarks start it in-process.

pub mod authorizer;
pub mod bench;
pub mod child_process;
pub mod cognito;
pub mod dynamodb_local;
pub mod gateway;
pub mod measure;
pub mod ministack;
pub mod stack;
