import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FUNCTION_DEFAULTS, type LambdaArchitecture, type StageSettings } from './config';
import type { ChatTables } from './tables';
import { messagesByConversationIndex } from './table-definitions';
import type { ChatWebSocketApi } from './websocket-api';
import { acknowledge, nagRef } from './nag';

/** The DynamoDB actions a function may call, per table / index. */
export interface TableAccess {
  readonly clients?: readonly string[];
  readonly messages?: readonly string[];
  /** Actions on the Messages table's `byConversation` GSI (index ARN only). */
  readonly messagesByConversation?: readonly string[];
}

/**
 * Key prefixes of user media in the media bucket (docs/protocol.md, "Media"): profile pictures are
 * `avatars/<user>/<id>.<ext>`, attachments `attachments/dm/<a>/<b>/<sender>/<id>.<ext>`. A function
 * with `mediaAccess` may use its actions on objects under these prefixes and nowhere else.
 */
export const MEDIA_KEY_PREFIXES = ['avatars/', 'attachments/'] as const;

/**
 * The S3 object actions a function may hold on the media bucket. A function signs presigned URLs
 * with its own credentials, so the browser's PUT/GET is allowed only if the signing role may do it.
 */
export type MediaAction = 's3:PutObject' | 's3:GetObject';

/** Environment variable holding the media bucket's name (functions with `mediaAccess` only). */
export const MEDIA_BUCKET_ENV = 'MEDIA_BUCKET';

/** One route handler: a cargo-lambda binary in `<assetDir>/<name>/bootstrap`. */
export interface RouteFunctionSpec {
  /** Binary name = cargo-lambda output directory = construct id. */
  readonly name: string;
  readonly routeKey: string;
  /** Two-way route: the Lambda's returned body goes back to the client as the route response. */
  readonly twoWay: boolean;
  readonly description: string;
  /** Gets CLIENTS_TABLE, MESSAGES_TABLE and MESSAGES_BY_CONVERSATION_INDEX. */
  readonly tableEnvironment: boolean;
  /** Gets MANAGEMENT_ENDPOINT and `execute-api:ManageConnections` (posts to connections). */
  readonly postsToConnections: boolean;
  readonly tableAccess: TableAccess;
  /**
   * S3 actions on the media bucket's objects under `MEDIA_KEY_PREFIXES` (never on the bucket
   * itself); a non-empty list also sets MEDIA_BUCKET. Absent or empty: no S3 access at all.
   */
  readonly mediaAccess?: readonly MediaAction[];
}

/**
 * The routes and what each handler may do: the least-privilege policy of every function is derived
 * from this table (and the tests check the synthesized policies against it). A new route is a new
 * entry here plus its crate in the Cargo workspace.
 *
 * Every route but `$connect` takes the caller's identity (`sub`, `username`) from
 * `requestContext.authorizer`, the context the `$connect` authorizer returned for the connection
 * (ChatIdentity), never from the request body nor from the Clients table.
 */
export const ROUTE_FUNCTIONS: readonly RouteFunctionSpec[] = [
  {
    name: 'connect',
    routeKey: '$connect',
    twoWay: false,
    description: 'Registers a connection and its user, announces presence',
    tableEnvironment: true,
    postsToConnections: true,
    tableAccess: { clients: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  },
  {
    name: 'disconnect',
    routeKey: '$disconnect',
    twoWay: false,
    description: 'Removes a connection, announces presence',
    tableEnvironment: true,
    postsToConnections: true,
    tableAccess: { clients: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] },
  },
  {
    name: 'send-message',
    routeKey: 'sendMessage',
    twoWay: true,
    description: 'Stores a message and posts it to the recipients',
    tableEnvironment: true,
    postsToConnections: true,
    // The sender comes from the authorizer's context: no GetItem of its own connection record.
    tableAccess: {
      clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
      messages: ['dynamodb:PutItem'],
    },
  },
  {
    name: 'get-messages',
    routeKey: 'getMessages',
    twoWay: true,
    description: 'Returns a page of a conversation history',
    tableEnvironment: true,
    postsToConnections: false,
    tableAccess: { messagesByConversation: ['dynamodb:Query'] },
  },
  {
    name: 'get-clients',
    routeKey: 'getClients',
    twoWay: true,
    description: 'Returns the users and their presence',
    tableEnvironment: true,
    postsToConnections: false,
    tableAccess: { clients: ['dynamodb:Query'] },
  },
  {
    name: 'upload-url',
    routeKey: 'getUploadUrl',
    twoWay: true,
    description: 'Returns a presigned S3 PUT URL for a profile picture or an attachment',
    // Signs for the caller the authorizer verified: no table at all.
    tableEnvironment: false,
    postsToConnections: false,
    tableAccess: {},
    mediaAccess: ['s3:PutObject'],
  },
  {
    name: 'download-url',
    routeKey: 'getDownloadUrl',
    twoWay: true,
    description: 'Returns presigned S3 GET URLs for profile pictures and attachments',
    tableEnvironment: false,
    postsToConnections: false,
    tableAccess: {},
    mediaAccess: ['s3:GetObject'],
  },
  {
    name: 'set-avatar',
    routeKey: 'setAvatar',
    twoWay: true,
    description: 'Sets or removes the caller\'s profile picture, announces it',
    tableEnvironment: true,
    postsToConnections: true,
    tableAccess: { clients: ['dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  },
  {
    name: 'default',
    routeKey: '$default',
    twoWay: true,
    description: 'Answers ping and unknown actions',
    tableEnvironment: false,
    postsToConnections: false,
    tableAccess: {},
  },
];

/** The `$connect` authorizer's binary (`<assetDir>/authorizer/bootstrap`, built by ChatIdentity). */
export const AUTHORIZER_FUNCTION_NAME = 'authorizer';

/** Every cargo-lambda binary the stack deploys: the route handlers and the `$connect` authorizer. */
export const LAMBDA_BINARIES: readonly string[] = [...ROUTE_FUNCTIONS.map((f) => f.name), AUTHORIZER_FUNCTION_NAME];

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
  /** The user media bucket (ChatMedia): functions with `mediaAccess` sign URLs for its objects. */
  readonly mediaBucket: s3.IBucket;
  /** Directory holding `<name>/bootstrap` for every function (cargo-lambda `--lambda-dir`). */
  readonly assetDir: string;
  /** Architecture the binaries were built for (default arm64). */
  readonly architecture?: LambdaArchitecture;
  readonly specs?: readonly RouteFunctionSpec[];
}

export interface RouteFunction extends RustFunction {
  readonly spec: RouteFunctionSpec;
}

/**
 * One arm64 `provided.al2023` function per route, each with its own role (explicit statements, no
 * managed policies), its own log group (retention set) and JSON logging.
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

  private routeFunction(spec: RouteFunctionSpec, props: ChatFunctionsProps): RouteFunction {
    const { settings, tables, webSocket, mediaBucket } = props;

    const environment: Record<string, string> = {};
    if (spec.tableEnvironment) {
      const defs = tables.definitions;
      const index = messagesByConversationIndex(defs);
      environment[defs.clients.tableNameEnv] = tables.clients.tableName;
      environment[defs.messages.tableNameEnv] = tables.messages.tableName;
      environment[index.indexNameEnv] = index.indexName;
    }
    if (spec.postsToConnections) {
      environment.MANAGEMENT_ENDPOINT = webSocket.managementEndpoint;
    }
    const mediaAccess = spec.mediaAccess ?? [];
    if (mediaAccess.length > 0) {
      environment[MEDIA_BUCKET_ENV] = mediaBucket.bucketName;
    }

    const { fn, role, logGroup } = rustFunction(this, {
      name: spec.name,
      description: `Chatastrophy ${spec.routeKey}: ${spec.description}`,
      settings,
      assetDir: props.assetDir,
      architecture: props.architecture,
      environment,
    });

    const { clients, messages, messagesByConversation } = spec.tableAccess;
    if (clients?.length) {
      role.addToPolicy(new iam.PolicyStatement({ actions: [...clients], resources: [tables.clients.tableArn] }));
    }
    if (messages?.length) {
      role.addToPolicy(new iam.PolicyStatement({ actions: [...messages], resources: [tables.messages.tableArn] }));
    }
    if (messagesByConversation?.length) {
      const index = messagesByConversationIndex(tables.definitions).indexName;
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [...messagesByConversation],
          resources: [`${tables.messages.tableArn}/index/${index}`],
        }),
      );
    }
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
    if (mediaAccess.length > 0) {
      // Objects under the media prefixes only: no bucket-level action (ListBucket, GetBucket*), no
      // other object action (Delete, tagging, ACLs), no key outside avatars/ and attachments/.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [...new Set(mediaAccess)],
          resources: MEDIA_KEY_PREFIXES.map((prefix) => mediaBucket.arnForObjects(`${prefix}*`)),
        }),
      );
      acknowledge(
        role,
        ...MEDIA_KEY_PREFIXES.map((prefix) => ({
          id: `AwsSolutions-IAM5[Resource::${nagRef(mediaBucket, 'Arn')}/${prefix}*]`,
          reason:
            `Presigned URLs are signed for object keys the function chooses at run time (${prefix}<user or conversation>/<ULID>.<ext>); ` +
            `the grant is pinned to this bucket's ${prefix} prefix and to exactly ${mediaAccess.join(', ')}, with no bucket-level action.`,
        })),
      );
    }

    return { spec, fn, role, logGroup };
  }
}
