import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FUNCTION_DEFAULTS, type LambdaArchitecture, type StageSettings } from './config';
import {
  type DynamoDbGrant,
  type FunctionSpec,
  loadRouteRegistry,
  MEDIA_KEY_PREFIXES,
  type RouteRegistry,
} from './route-registry';
import type { TableDefinition, TableKey } from './table-definitions';
import type { ChatTables } from './tables';
import type { ChatWebSocketApi } from './websocket-api';
import { acknowledge, nagRef } from './nag';

/** Key prefixes of user media in the media bucket (defined with the registry's `s3` grants). */
export { MEDIA_KEY_PREFIXES };

/** Environment variable holding the media bucket's name (functions with `s3` actions only). */
export const MEDIA_BUCKET_ENV = 'MEDIA_BUCKET';

/**
 * Every function and what it may do, from `shared/routes.json`: the least-privilege policy of each
 * is derived from its entry (and the tests check the synthesized policies against a list of their
 * own). A new route is a new entry there plus its crate in the Cargo workspace.
 *
 * Every route but `$connect` takes the caller's identity (`sub`, `username`) from
 * `requestContext.authorizer`, the context the `$connect` authorizer returned for the connection
 * (ChatIdentity), never from the request body nor from the Clients table.
 */
export const FUNCTION_REGISTRY: RouteRegistry = loadRouteRegistry();

/** The route handlers: one WebSocket route each, or one per action (`routeKeys`). */
export const ROUTE_FUNCTIONS: readonly FunctionSpec[] = FUNCTION_REGISTRY.routes;

/** The `$connect` authorizer (`<assetDir>/authorizer/bootstrap`, built by ChatIdentity). */
export const AUTHORIZER_FUNCTION: FunctionSpec = FUNCTION_REGISTRY.authorizer;
export const AUTHORIZER_FUNCTION_NAME = AUTHORIZER_FUNCTION.name;

/** Every cargo-lambda binary the stack deploys: the route handlers and the `$connect` authorizer. */
export const LAMBDA_BINARIES: readonly string[] = FUNCTION_REGISTRY.functions.map((f) => f.name);

/** The console description: which route the function serves (or authorizes) and what it does. */
export function functionDescription(spec: FunctionSpec): string {
  const role = spec.kind === 'authorizer' ? `${spec.routeKey} authorizer` : functionRole(spec);
  return `Chatastrophy ${role}: ${spec.description}`;
}

/** What a route function is, in a description or an alarm: the routes it serves (`editMessage, react`). */
export function functionRole(spec: FunctionSpec): string {
  return spec.routeKeys.join(', ');
}

/** Fails with a hint to build the Lambdas unless `<assetDir>/<name>/bootstrap` exists for every name. */
export function requireLambdaBinaries(assetDir: string, names: readonly string[]): void {
  const missing = names.map((name) => path.join(assetDir, name, 'bootstrap')).filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `Lambda binaries not found: ${missing.join(', ')}. Build them first ` +
        '(`make build`, i.e. cargo lambda build --release --arm64 --lambda-dir target/lambda-arm64) ' +
        'or point -c lambdaAssetDir=<dir> at a directory holding <function>/bootstrap.',
    );
  }
}

export interface RustFunctionProps {
  /** Binary name = cargo-lambda output directory = construct id. */
  readonly name: string;
  /** The function's description (shown in the console). */
  readonly description: string;
  readonly settings: StageSettings;
  /** Directory holding `<name>/bootstrap` (cargo-lambda `--lambda-dir`). */
  readonly assetDir: string;
  /** Architecture the binary was built for (default arm64). */
  readonly architecture?: LambdaArchitecture;
  readonly environment?: Record<string, string>;
}

/** A Rust Lambda with its own role and log group. */
export interface RustFunction {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * A `provided.al2023` function running `<assetDir>/<name>/bootstrap`, in a construct named `name`
 * under `scope`: its own log group (the stage's retention and removal policy, JSON logs), its own
 * role allowed to write to that log group only (no AWSLambdaBasicExecutionRole, which would allow
 * any log group), and the shared sizing (FUNCTION_DEFAULTS). Callers add their own statements.
 */
export function rustFunction(scope: Construct, props: RustFunctionProps): RustFunction {
  const { settings } = props;
  const own = new Construct(scope, props.name);

  const logGroup = new logs.LogGroup(own, 'LogGroup', {
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
  });

  const role = new iam.Role(own, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Chatastrophy ${props.name} handler (${settings.stage})`,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );

  const fn = new lambda.Function(own, 'Function', {
    description: props.description,
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: props.architecture === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(path.join(props.assetDir, props.name)),
    role,
    memorySize: FUNCTION_DEFAULTS.memorySize,
    timeout: FUNCTION_DEFAULTS.timeout,
    environment: props.environment ?? {},
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
  });

  return { fn, role, logGroup };
}

export interface ChatFunctionsProps {
  readonly settings: StageSettings;
  readonly tables: ChatTables;
  readonly webSocket: ChatWebSocketApi;
  /** The user media bucket (ChatMedia): functions with `s3` actions sign URLs for its objects. */
  readonly mediaBucket: s3.IBucket;
  /** Directory holding `<name>/bootstrap` for every function (cargo-lambda `--lambda-dir`). */
  readonly assetDir: string;
  /** Architecture the binaries were built for (default arm64). */
  readonly architecture?: LambdaArchitecture;
  /** The route functions to build (default ROUTE_FUNCTIONS, i.e. routes.json). */
  readonly specs?: readonly FunctionSpec[];
}

export interface RouteFunction extends RustFunction {
  readonly spec: FunctionSpec;
}

/**
 * One arm64 `provided.al2023` function per registry entry (a concept: one or several routes), each
 * with its own role (explicit statements, no managed policies), its own log group (retention set)
 * and JSON logging.
 */
export class ChatFunctions extends Construct {
  readonly functions: RouteFunction[] = [];

  constructor(scope: Construct, id: string, props: ChatFunctionsProps) {
    super(scope, id);
    const specs = props.specs ?? ROUTE_FUNCTIONS;
    requireLambdaBinaries(props.assetDir, specs.map((s) => s.name));
    for (const spec of specs) {
      this.functions.push(this.routeFunction(spec, props));
    }
  }

  get(name: string): RouteFunction {
    const found = this.functions.find((f) => f.spec.name === name);
    if (!found) throw new Error(`no function named ${name}`);
    return found;
  }

  /** Every table's name and index names: what a function with any DynamoDB grant learns them from. */
  private static tableEnvironment(tables: ChatTables): Record<string, string> {
    const environment: Record<string, string> = {};
    for (const [key, def] of Object.entries(tables.definitions) as [TableKey, TableDefinition][]) {
      environment[def.tableNameEnv] = tables.byKey(key).tableName;
      for (const index of def.globalSecondaryIndexes) environment[index.indexNameEnv] = index.indexName;
    }
    return environment;
  }

  /** One statement per routes.json grant: on the table's ARN, or on its index's ARN only. */
  private static dynamoDbStatement(grant: DynamoDbGrant, tables: ChatTables): iam.PolicyStatement {
    const tableArn = tables.byKey(grant.table).tableArn;
    return new iam.PolicyStatement({
      actions: [...grant.actions],
      resources: [grant.indexName === undefined ? tableArn : `${tableArn}/index/${grant.indexName}`],
    });
  }

  private routeFunction(spec: FunctionSpec, props: ChatFunctionsProps): RouteFunction {
    const { settings, tables, webSocket, mediaBucket } = props;

    const environment: Record<string, string> = {};
    if (spec.dynamodb.length > 0) Object.assign(environment, ChatFunctions.tableEnvironment(tables));
    if (spec.postsToConnections) {
      environment.MANAGEMENT_ENDPOINT = webSocket.managementEndpoint;
    }
    if (spec.s3.length > 0) {
      environment[MEDIA_BUCKET_ENV] = mediaBucket.bucketName;
    }

    const { fn, role, logGroup } = rustFunction(this, {
      name: spec.name,
      description: functionDescription(spec),
      settings,
      assetDir: props.assetDir,
      architecture: props.architecture,
      environment,
    });

    for (const grant of spec.dynamodb) role.addToPolicy(ChatFunctions.dynamoDbStatement(grant, tables));
    if (spec.postsToConnections) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['execute-api:ManageConnections'],
          resources: [webSocket.postToConnectionsArn],
        }),
      );
      acknowledge(role, {
        id:
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:' +
          `${nagRef(webSocket.api)}/${webSocket.stage.stageName}/POST/@connections/*]`,
        reason:
          'PostToConnection targets a connection id only known at run time; the ARN is pinned to this API, this stage and the POST method, the narrowest form execute-api:ManageConnections allows.',
      });
    }
    // Objects under the granted media prefixes only: no bucket-level action (ListBucket,
    // GetBucket*), no object action the registry does not list, no key outside the prefixes. One
    // statement per set of actions, on every prefix granting exactly that set.
    const prefixesByActions = new Map<string, string[]>();
    for (const { prefix, actions } of spec.s3) {
      const key = actions.join(',');
      prefixesByActions.set(key, [...(prefixesByActions.get(key) ?? []), prefix]);
    }
    for (const [actions, prefixes] of prefixesByActions) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: actions.split(','),
          resources: prefixes.map((prefix) => mediaBucket.arnForObjects(`${prefix}*`)),
        }),
      );
      acknowledge(
        role,
        ...prefixes.map((prefix) => ({
          id: `AwsSolutions-IAM5[Resource::${nagRef(mediaBucket, 'Arn')}/${prefix}*]`,
          reason:
            `The function names object keys at run time (${prefix}<user or conversation>/<ULID>.<ext>: presigned URLs, or a deleted message's attachment); ` +
            `the grant is pinned to this bucket's ${prefix} prefix and to exactly ${actions.split(',').join(', ')}, with no bucket-level action.`,
        })),
      );
    }

    return { spec, fn, role, logGroup };
  }
}
