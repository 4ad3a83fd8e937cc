import { Construct } from 'constructs';
import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { StageSettings } from './config';
import { acknowledge } from './nag';

export interface ChatWebSocketApiProps {
  readonly settings: StageSettings;
  /**
   * Create the account-wide API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`). WebSocket
   * APIs need it for access and execution logs; turn it off (`-c apiGatewayCloudWatchRole=false`)
   * when the account already has one configured by another stack.
   */
  readonly createCloudWatchRole: boolean;
}

/** One JSON object per request in the access log (CloudWatch Logs Insights discovers the fields). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  status: '$context.status',
  connectionId: '$context.connectionId',
  messageId: '$context.messageId',
  integrationLatency: '$context.integrationLatency',
  errorMessage: '$context.error.message',
});

/**
 * The API Gateway WebSocket API and its stage.
 *
 * Routes are added by `addLambdaRoute` after the functions exist: the functions need the API id
 * (management endpoint, `@connections` ARN) and the routes need the functions, so building the API
 * first and the routes last keeps CloudFormation free of cycles. Adding a route is one call.
 */
export class ChatWebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly accessLogGroup: logs.LogGroup;
  /** Routes by route key. */
  readonly routes = new Map<string, apigwv2.WebSocketRoute>();

  constructor(scope: Construct, id: string, props: ChatWebSocketApiProps) {
    super(scope, id);
    const { settings } = props;

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-websocket`,
      description: `Chatastrophy real-time chat (${settings.stage})`,
      routeSelectionExpression: '$request.body.action',
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: settings.stage,
      autoDeploy: true,
      throttle: { rateLimit: settings.throttle.rateLimit, burstLimit: settings.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    // Execution logs (errors only: INFO would log message bodies' metadata for every frame).
    // API Gateway writes them to "API-Gateway-Execution-Logs_{apiId}/{stage}"; creating that group
    // here gives it a retention instead of "never expire".
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.apiId}/${settings.stage}`,
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', 'ERROR');
    cfnStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', false);
    this.stage.node.addDependency(executionLogs);

    if (props.createCloudWatchRole) {
      const role = new iam.Role(this, 'CloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        description: 'Lets API Gateway write WebSocket access and execution logs to CloudWatch Logs',
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      });
      const account = new apigw.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
      // Account-wide setting that other APIs in the region may rely on: always keep the role and
      // the setting when this stack is deleted (a dev teardown must not break prod logging).
      account.applyRemovalPolicy(RemovalPolicy.RETAIN);
      role.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // Logging settings on the stage are rejected until the account has the role.
      this.stage.node.addDependency(account);
      acknowledge(
        role,
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            'AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for the account-wide API Gateway logging role; API Gateway writes to log groups it names itself, so no narrower resource set exists.',
        },
      );
    }
  }

  /** `wss://{api}.execute-api.{region}.amazonaws.com/{stage}` — what clients connect to. */
  get url(): string {
    return this.stage.url;
  }

  /** `https://{api}.execute-api.{region}.amazonaws.com/{stage}` — the @connections (management) API. */
  get managementEndpoint(): string {
    return `https://${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${this.stage.stageName}`;
  }

  /**
   * The ARN a function needs for `execute-api:ManageConnections` to post to clients of this stage:
   * `arn:aws:execute-api:{region}:{account}:{api}/{stage}/POST/@connections/*` (the functions only
   * call PostToConnection; the connection id is only known at run time, hence the `*`).
   */
  get postToConnectionsArn(): string {
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${this.stage.stageName}/POST/@connections/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Routes `routeKey` to `handler` (Lambda proxy integration). `twoWay` makes it a two-way route:
   * the body the Lambda returns is sent back to the client as the route response (every route but
   * `$connect`/`$disconnect`, whose return value API Gateway does not forward). `authorizer` is
   * only allowed on `$connect` (the only route of a WebSocket API that takes one).
   */
  addLambdaRoute(
    routeKey: string,
    handler: lambda.IFunction,
    twoWay: boolean,
    authorizer?: apigwv2.IWebSocketRouteAuthorizer,
  ): apigwv2.WebSocketRoute {
    if (this.routes.has(routeKey)) throw new Error(`route ${routeKey} is already defined`);
    if (authorizer && routeKey !== '$connect') {
      throw new Error(`route ${routeKey}: WebSocket APIs accept an authorizer on $connect only`);
    }
    const id = routeKey.replace(/^\$/, '').replace(/^./, (c) => c.toUpperCase());
    const route = this.api.addRoute(routeKey, {
      integration: new WebSocketLambdaIntegration(`${id}Integration`, handler),
      returnResponse: twoWay,
      authorizer,
    });
    if (!authorizer) {
      acknowledge(
        route,
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'WebSocket APIs take an authorizer on $connect only: this route is reachable only over a connection the $connect authorizer (Cognito access token) accepted, and its handler takes the caller from that authorizer\'s context (requestContext.authorizer).',
        },
      );
    }
    this.routes.set(routeKey, route);
    return route;
  }
}
