import { Construct } from 'constructs';
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogsBucket } from './buckets';
import { type LambdaArchitecture, type StageName, stageSettings } from './config';
import { AUTHORIZER_FUNCTION_NAME, ChatFunctions, LAMBDA_BINARIES, requireLambdaBinaries } from './functions';
import { ChatIdentity } from './identity';
import { ChatMedia } from './media';
import { ChatMonitoring, THRESHOLDS } from './monitoring';
import { ChatSite } from './site';
import { loadTableDefinitions, DEFAULT_TABLES_JSON } from './table-definitions';
import { ChatTables } from './tables';
import { ChatWebSocketApi } from './websocket-api';
import { acknowledge, nagRef } from './nag';

export interface ChatastrophyStackProps extends StackProps {
  readonly stage: StageName;
  /** Directory holding `<function>/bootstrap` (cargo-lambda output, `target/lambda-arm64`). */
  readonly lambdaAssetDir: string;
  /** The web client's build (`web/dist`); a placeholder page is deployed when missing. */
  readonly webDistDir: string;
  /** `shared/tables.json` unless given. */
  readonly tablesJson?: string;
  readonly alarmEmail?: string;
  /** Create the account-wide API Gateway CloudWatch Logs role (default true). */
  readonly apiGatewayCloudWatchRole?: boolean;
  /** Architecture of the Lambda builds (default arm64; x86_64 is the fallback build). */
  readonly architecture?: LambdaArchitecture;
}

/**
 * Chatastrophy: WebSocket API -> one Rust Lambda per concept, serving its routes -> DynamoDB
 * (Clients, Messages, Conversations), with alarms and a dashboard, the web client on S3 +
 * CloudFront and a media bucket (profile pictures and attachments, reached by the browser through
 * URLs the media-urls function signs).
 * Users sign up and in with Cognito; a Rust authorizer checks their access token on `$connect`.
 */
export class ChatastrophyStack extends Stack {
  readonly tables: ChatTables;
  readonly webSocket: ChatWebSocketApi;
  readonly identity: ChatIdentity;
  readonly functions: ChatFunctions;
  readonly monitoring: ChatMonitoring;
  readonly site: ChatSite;
  readonly media: ChatMedia;

  constructor(scope: Construct, id: string, props: ChatastrophyStackProps) {
    super(scope, id, props);
    const settings = stageSettings(props.stage);
    // Every binary at once, so a missing build lists all of them.
    requireLambdaBinaries(props.lambdaAssetDir, LAMBDA_BINARIES);

    this.tables = new ChatTables(this, 'Tables', {
      definitions: loadTableDefinitions(props.tablesJson ?? DEFAULT_TABLES_JSON),
      settings,
    });

    this.webSocket = new ChatWebSocketApi(this, 'WebSocket', {
      settings,
      createCloudWatchRole: props.apiGatewayCloudWatchRole ?? true,
    });

    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', { settings });

    // Before the site, whose config.json names the user pool and its web client.
    this.identity = new ChatIdentity(this, 'Identity', {
      settings,
      assetDir: props.lambdaAssetDir,
      architecture: props.architecture,
    });

    this.site = new ChatSite(this, 'Site', {
      settings,
      webDistDir: props.webDistDir,
      websocketUrl: this.webSocket.url,
      websocketHost: `wss://${this.webSocket.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
      auth: this.identity.authConfig,
      authEndpoint: this.identity.endpoint,
      accessLogs: accessLogs.bucket,
    });

    this.media = new ChatMedia(this, 'Media', {
      settings,
      allowedOrigins: [this.site.url, ...settings.extraMediaCorsOrigins],
      accessLogs: accessLogs.bucket,
    });

    // After the media bucket (media-urls signs URLs for it), which needs the
    // site's origin for CORS; the routes come last (see ChatWebSocketApi).
    this.functions = new ChatFunctions(this, 'Functions', {
      settings,
      tables: this.tables,
      webSocket: this.webSocket,
      mediaBucket: this.media.bucket,
      assetDir: props.lambdaAssetDir,
      architecture: props.architecture,
    });
    // Only $connect is authorized (the only route a WebSocket API authorizes); the others run on
    // the connection it accepted and get its context as requestContext.authorizer.
    // A function of custom routes gets one route per action.
    for (const { spec, fn } of this.functions.functions) {
      for (const routeKey of spec.routeKeys) {
        const authorizer = routeKey === '$connect' ? this.identity.connectAuthorizer : undefined;
        this.webSocket.addLambdaRoute(routeKey, fn, spec.twoWay, authorizer);
      }
    }

    this.monitoring = new ChatMonitoring(this, 'Monitoring', {
      functions: this.functions,
      extraFunctions: [
        {
          name: AUTHORIZER_FUNCTION_NAME,
          role: '$connect authorizer',
          fn: this.identity.authorizer.fn,
          errorsThreshold: THRESHOLDS.authorizerErrors,
          errorsNote:
            'every rejected token counts as an error: many at once means the JWKS fetch, the pool or the client id is wrong, or a flood of bad tokens',
        },
      ],
      webSocket: this.webSocket,
      tables: this.tables,
      alarmEmail: props.alarmEmail,
    });

    this.acknowledgeCdkProvidedHandlers();

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('WebSocketUrl', this.webSocket.url, 'wss:// URL clients connect to');
    output('ManagementEndpoint', this.webSocket.managementEndpoint, 'API Gateway management (@connections) endpoint');
    output('SiteUrl', this.site.url, 'Web client (CloudFront)');
    output('SiteBucketName', this.site.bucket.bucketName, 'Bucket holding the web client');
    output('DistributionId', this.site.distribution.distributionId, 'CloudFront distribution of the web client');
    output('ClientsTableName', this.tables.clients.tableName, 'DynamoDB Clients table');
    output('MessagesTableName', this.tables.messages.tableName, 'DynamoDB Messages table');
    output('ConversationsTableName', this.tables.conversations.tableName, 'DynamoDB Conversations table');
    output('MediaBucketName', this.media.bucket.bucketName, 'Bucket for user media (presigned uploads)');
    output('UserPoolId', this.identity.userPool.userPoolId, 'Cognito user pool (aws cognito-idp list-users --user-pool-id <id>)');
    output('UserPoolClientId', this.identity.webClient.userPoolClientId, 'Cognito app client of the web UI (public, SRP)');
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic the alarms notify');
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
  }

  /**
   * Acknowledgments for the handler CDK itself adds for BucketDeployment (one singleton function
   * per stack): its code and policy are not ours to change. Only the findings listed here are
   * accepted; anything new that cdk-nag reports on it still fails the synth.
   */
  private acknowledgeCdkProvidedHandlers(): void {
    const handlers = this.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handlers.length === 0) return;
    const logs =
      'CDK-provided BucketDeployment handler: the construct attaches AWSLambdaBasicExecutionRole for its own logs and does not allow replacing it.';
    const s3 =
      'CDK-provided BucketDeployment handler: it copies objects of unknown keys from the CDK asset bucket into the site bucket (and prunes them), so it needs object-level wildcards on those two buckets.';
    const cloudfront =
      'CDK-provided BucketDeployment handler: cloudfront:CreateInvalidation/GetInvalidation support no resource-level scoping.';
    for (const handler of handlers) {
      acknowledge(
        handler,
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: logs },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: s3,
        })),
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${this.synthesizerQualifier()}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
          reason: s3,
        },
        { id: `AwsSolutions-IAM5[Resource::${nagRef(this.site.bucket, 'Arn')}/*]`, reason: s3 },
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: cloudfront },
        {
          id: 'AwsSolutions-L1',
          reason:
            'CDK-provided BucketDeployment handler: its Python runtime is pinned by aws-cdk-lib and moves forward with aws-cdk-lib upgrades.',
        },
      );
    }
  }

  /** The bootstrap qualifier of the default synthesizer (names the CDK asset bucket). */
  private synthesizerQualifier(): string {
    return (this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? 'hnb659fds';
  }
}
