import * as path from 'node:path';
import { Node } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Deployment stages. `prod` keeps data (RETAIN, PITR, deletion protection); `dev` is disposable. */
export type StageName = 'dev' | 'prod';
export const STAGES: readonly StageName[] = ['dev', 'prod'];

/** `cdk/` (this file is `cdk/lib/config.ts`). */
export const CDK_DIR = path.resolve(__dirname, '..');
/** Where `cargo lambda build --release --arm64 --lambda-dir target/lambda-arm64` puts `<fn>/bootstrap`. */
export const DEFAULT_LAMBDA_ASSET_DIR = path.resolve(CDK_DIR, '..', 'target', 'lambda-arm64');
/** The Vite build of the web client. */
export const DEFAULT_WEB_DIST_DIR = path.resolve(CDK_DIR, '..', 'web', 'dist');

export interface StageSettings {
  readonly stage: StageName;
  /** PITR, deletion protection and RETAIN on the tables; RETAIN on log groups and data buckets. */
  readonly protectData: boolean;
  /** Removal policy of stateful resources. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of function, access and execution logs. */
  readonly logRetention: RetentionDays;
  /** API Gateway stage throttling (steady-state requests/s and burst) for every route. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Extra CORS origins for the media bucket (the Vite dev server in dev). */
  readonly extraMediaCorsOrigins: readonly string[];
}

export function stageSettings(stage: StageName): StageSettings {
  if (stage === 'prod') {
    return {
      stage,
      protectData: true,
      removalPolicy: RemovalPolicy.RETAIN,
      logRetention: RetentionDays.THREE_MONTHS,
      // Well under the account default (10,000 rps / 5,000 burst shared by every API in the
      // region) so a runaway client cannot starve other APIs, well above what the chat needs.
      throttle: { rateLimit: 500, burstLimit: 1000 },
      extraMediaCorsOrigins: [],
    };
  }
  return {
    stage,
    protectData: false,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.TWO_WEEKS,
    throttle: { rateLimit: 50, burstLimit: 100 },
    extraMediaCorsOrigins: ['http://localhost:5173'],
  };
}

/** Everything the app reads from context (`-c key=value` or `cdk.json`), with defaults. */
export interface AppContext {
  readonly stage: StageName;
  readonly lambdaAssetDir: string;
  readonly webDistDir: string;
  readonly alarmEmail?: string;
  /** Set the account-wide API Gateway CloudWatch Logs role (needed for WebSocket access/execution logs). */
  readonly apiGatewayCloudWatchRole: boolean;
  /** CPU architecture of the Lambda builds in `lambdaAssetDir` (arm64; x86_64 is the fallback build). */
  readonly architecture: LambdaArchitecture;
}

export type LambdaArchitecture = 'arm64' | 'x86_64';

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
}

/** Parses the context of `node` (the App); relative paths are relative to `cdk/`. */
export function readAppContext(node: Node): AppContext {
  const stage = (node.tryGetContext('stage') ?? 'dev') as string;
  if (!STAGES.includes(stage as StageName)) {
    throw new Error(`context "stage" must be one of ${STAGES.join(', ')}, got "${stage}"`);
  }
  const dir = (key: string, fallback: string): string => {
    const value = node.tryGetContext(key) as string | undefined;
    return value ? path.resolve(CDK_DIR, value) : fallback;
  };
  const alarmEmail = node.tryGetContext('alarmEmail') as string | undefined;
  if (alarmEmail !== undefined && alarmEmail !== '' && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`context "alarmEmail" is not an e-mail address: "${alarmEmail}"`);
  }
  const arch = String(node.tryGetContext('architecture') ?? 'arm64').replace('x86-64', 'x86_64');
  if (arch !== 'arm64' && arch !== 'x86_64') {
    throw new Error(`context "architecture" must be arm64 or x86_64, got "${arch}"`);
  }
  return {
    stage: stage as StageName,
    lambdaAssetDir: dir('lambdaAssetDir', DEFAULT_LAMBDA_ASSET_DIR),
    webDistDir: dir('webDistDir', DEFAULT_WEB_DIST_DIR),
    alarmEmail: alarmEmail || undefined,
    apiGatewayCloudWatchRole: bool(node.tryGetContext('apiGatewayCloudWatchRole'), true),
    architecture: arch,
  };
}

/** Function sizing shared by all route handlers. */
export const FUNCTION_DEFAULTS = {
  // A Rust handler needs ~20-30 MB of RAM; memory is chosen for CPU, not RAM: Lambda's CPU share
  // grows with memory, and 256 MB roughly halves cold start and TLS handshake time compared with
  // 128 MB for a few cents more per million invocations. Raise it for send-message if fan-out grows.
  memorySize: 256,
  // Handlers make a few DynamoDB calls (send-message also posts to each recipient connection);
  // normal duration is tens of milliseconds. 10 s leaves room for SDK retries under throttling and
  // a slow fan-out, and stays well inside API Gateway's 29 s integration timeout so a stuck
  // invocation fails (and alarms) instead of hanging the client's request.
  timeout: Duration.seconds(10),
} as const;
