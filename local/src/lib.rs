//! Chatastrophy's local stack: the whole chat on one machine, as it runs on AWS. A local API
//! Gateway WebSocket emulator calls the route functions' own handlers, over AWS's DynamoDB Local
//! and a local S3 for media.
//! `make dev` runs it; the integration tests and benchmarks start it in-process.

pub mod child_process;
pub mod dynamodb_local;
pub mod gateway;
pub mod local_s3;
pub mod measure;
pub mod stack;
