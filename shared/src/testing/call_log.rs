//! The [`CallLog`]: every call a test's chat made to the outside world, in order, and the SDK
//! interceptors that fill it from the mocked AWS clients.

use std::sync::{Arc, Mutex};

use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Every call made, in order. Over mocked AWS clients: the operation name, and for posts the
/// target connection (`"PostToConnection c2"`). Over the in-memory doubles: the port method, and
/// for posts the target connection (`"post c2"`).
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<String>>>);

impl CallLog {
    pub fn calls(&self) -> Vec<String> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }

    /// The posts made, sorted (they go out concurrently, in no set order).
    pub fn posts(&self) -> Vec<String> {
        let mut posts: Vec<String> = self
            .calls()
            .into_iter()
            .filter(|call| call.starts_with("PostToConnection"))
            .collect();
        posts.sort();
        posts
    }

    /// For `make bench`: writes the calls of a representative run of `action` to
    /// `$CHATASTROPHY_CALLS_DIR/<function>.json`, from which the benchmark prices each action.
    /// Does nothing when the variable is unset (a normal test run).
    pub fn export(&self, action: &str, scenario: &str) {
        let Some(dir) = std::env::var_os("CHATASTROPHY_CALLS_DIR") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let report =
            serde_json::json!({"action": action, "scenario": scenario, "calls": self.calls()});
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("{action}.json")), report.to_string()));
        if let Err(error) = written {
            panic!("could not export the call log of {action}: {error}");
        }
    }

    pub(super) fn push(&self, call: String) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push(call);
        }
    }
}

/// Records each SDK call as its operation, before it is serialized (so also the calls a mock
/// rule answers without any HTTP).
#[derive(Debug)]
pub(super) struct Recorder(pub(super) CallLog);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "CallLogRecorder"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("?", Metadata::name)
            .to_owned();
        let call = match context.input().downcast_ref::<PostToConnectionInput>() {
            Some(post) => format!("{operation} {}", post.connection_id().unwrap_or("?")),
            None => operation,
        };
        self.0.push(call);
        Ok(())
    }
}

/// Records S3 requests as they would leave: a presigned one (signature in the query string, which
/// presigning stops at and never sends) as `presign <Operation>`, any other as its operation.
#[derive(Debug)]
pub(super) struct S3Recorder(pub(super) CallLog);

impl Intercept for S3Recorder {
    fn name(&self) -> &'static str {
        "S3CallRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("?", Metadata::name);
        let presigned = context.request().uri().contains("X-Amz-Signature=");
        self.0.push(if presigned {
            format!("presign {operation}")
        } else {
            operation.to_owned()
        });
        Ok(())
    }
}
