#!/usr/bin/env bash
# Synthesizes the stack (dev and prod) and runs cfn-lint on the templates. Offline: when the real
# Lambda builds (../target/lambda-arm64/<fn>/bootstrap) are missing, fake bootstrap files in a
# temp dir stand in for them (the template is the same apart from asset hashes).
#
#   CFN_LINT=/path/to/cfn-lint bash scripts/cfn-lint.sh      # default: cfn-lint on PATH
#   CFN_LINT_REGIONS="eu-central-1 us-east-1" ...           # default: us-east-1
#   LAMBDA_ASSET_DIR=...                                    # default: ../target/lambda-arm64
#
# Fails on any cfn-lint error or warning except the ones ignored below (each explained).
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT="${CFN_LINT:-cfn-lint}"
if ! command -v "$CFN_LINT" >/dev/null 2>&1; then
  echo "cfn-lint not found ('$CFN_LINT'): pip install cfn-lint, or set CFN_LINT=/path/to/cfn-lint" >&2
  exit 1
fi
read -r -a regions <<<"${CFN_LINT_REGIONS:-us-east-1}"

# Ignored checks:
# - W3005 (DependsOn already enforced by a GetAtt): aws-cdk-lib's Function always adds an explicit
#   DependsOn on its role (and default policy) on top of the Role GetAtt; redundant, harmless.
ignore=(W3005)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

assets="${LAMBDA_ASSET_DIR:-../target/lambda-arm64}"
missing=0
for fn in $(npx tsx scripts/fake-lambda-assets.ts --list); do
  [[ -f "$assets/$fn/bootstrap" ]] || missing=1
done
if [[ "$missing" == 1 ]]; then
  echo "cfn-lint.sh: no complete Lambda build in $assets; synthesizing with fake bootstrap files"
  assets="$tmp/lambda-arm64"
  npx tsx scripts/fake-lambda-assets.ts "$assets" >/dev/null
fi

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
status=0
for stage in dev prod; do
  out="$tmp/cdk.out-$stage"
  echo "== synth Chatastrophy-$stage"
  npx cdk synth --no-notices -q -c stage="$stage" -c lambdaAssetDir="$assets" -o "$out"
  template="$out/Chatastrophy-$stage.template.json"
  echo "== cfn-lint $template (regions: ${regions[*]}; ignoring ${ignore[*]})"
  if "$CFN_LINT" --regions "${regions[@]}" --ignore-checks "${ignore[@]}" -- "$template"; then
    echo "cfn-lint: Chatastrophy-$stage clean"
  else
    status=$?
    echo "cfn-lint: Chatastrophy-$stage has findings (exit $status)" >&2
  fi
done
exit "$status"
