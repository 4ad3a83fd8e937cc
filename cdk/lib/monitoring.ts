import { Construct } from 'constructs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ChatFunctions, functionRole } from './functions';
import type { ChatTables } from './tables';
import type { TableKey } from './table-definitions';
import type { ChatWebSocketApi } from './websocket-api';

/** A function to alarm on and chart besides the route handlers (the `$connect` authorizer). */
export interface MonitoredFunction {
  /** Binary name: alarm ids and dashboard labels. */
  readonly name: string;
  /** What it serves, for alarm descriptions (a route handler's is its route key). */
  readonly role: string;
  readonly fn: lambda.IFunction;
  /** Errors alarm threshold (default THRESHOLDS.functionErrors). */
  readonly errorsThreshold?: number;
  /** Appended to the Errors alarm's description. */
  readonly errorsNote?: string;
}

export interface ChatMonitoringProps {
  readonly functions: ChatFunctions;
  /** More functions with the same alarms and dashboard lines as the route handlers. */
  readonly extraFunctions?: readonly MonitoredFunction[];
  readonly webSocket: ChatWebSocketApi;
  readonly tables: ChatTables;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * Thresholds. The handlers are small Rust binaries: normal p99 is tens of milliseconds, so the
 * duration alarm fires long before the 10 s timeout. Errors and throttles are rare enough that a
 * handful in five minutes is worth a look.
 */
export const THRESHOLDS = {
  functionErrors: 3,
  /**
   * The authorizer answers a missing, expired or forged token with the error "Unauthorized" (API
   * Gateway's contract for a 401), so each rejected handshake counts as a Lambda error: alarm on a
   * wave of them (JWKS unreachable, a pool/client mismatch after a deploy, a flood of bad tokens),
   * not on a user whose session expired.
   */
  authorizerErrors: 50,
  functionThrottles: 1,
  functionP99DurationMs: 2000,
  apiIntegrationErrors: 5,
  apiExecutionErrors: 1,
  apiClientErrors: 100,
  tableThrottledRequests: 1,
  tableSystemErrors: 1,
} as const;

/** The DynamoDB operations the functions call on a table (from their least-privilege specs). */
function operationsOn(functions: ChatFunctions, table: TableKey): dynamodb.Operation[] {
  const ops = new Set<string>();
  // Grants on an index count too: its throttles and errors are reported under the table.
  const grants = functions.functions.flatMap(({ spec }) => spec.dynamodb).filter((g) => g.table === table);
  for (const action of grants.flatMap((g) => g.actions)) ops.add(action.replace(/^dynamodb:/, ''));
  const known = new Set<string>(Object.values(dynamodb.Operation));
  for (const op of ops) if (!known.has(op)) throw new Error(`unknown DynamoDB operation ${op}`);
  return [...ops].sort() as dynamodb.Operation[];
}

/**
 * Alarms (all notify one SNS topic) and a CloudWatch dashboard:
 * - per function (route handlers and the `$connect` authorizer): Errors, Throttles, p99 Duration;
 * - WebSocket API stage: IntegrationError (the Lambda failed or answered 4xx/5xx), ExecutionError
 *   (API Gateway could not call the integration: the WebSocket "5xx"), ClientError (4xx returned
 *   by API Gateway before the integration: bad frames, throttling, unknown stage);
 * - per table: ThrottledRequests and SystemErrors summed over the operations the functions use.
 */
export class ChatMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ChatMonitoringProps) {
    super(scope, id);
    const { functions, webSocket, tables } = props;
    const stack = Stack.of(this);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Chatastrophy alarms (${stack.stackName})`,
      enforceSSL: true,
      // No SSE: notifications carry alarm names and metric values only, and CloudWatch alarms
      // cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy cannot
      // grant cloudwatch.amazonaws.com); a customer-managed key would add cost for no gain.
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const action = new actions.SnsAction(this.topic);

    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      extra: Partial<cloudwatch.CreateAlarmOptions> = {},
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${stack.stackName}: ${description}`,
        ...extra,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    // Per function: the route handlers, then the extra ones (the authorizer).
    const monitored: MonitoredFunction[] = [
      ...functions.functions.map((f) => ({ name: f.spec.name, role: functionRole(f.spec), fn: f.fn })),
      ...(props.extraFunctions ?? []),
    ];
    const fnMetrics = (f: MonitoredFunction) => ({
      errors: f.fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      throttles: f.fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      p99: f.fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
      p50: f.fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(50) }),
      invocations: f.fn.metricInvocations({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
    });
    for (const f of monitored) {
      const m = fnMetrics(f);
      const { name } = f;
      const errors = f.errorsThreshold ?? THRESHOLDS.functionErrors;
      alarm(`${name}-Errors`, m.errors, errors,
        `${name} (${f.role}) returned ${errors}+ errors in 5 minutes${f.errorsNote ? ` (${f.errorsNote})` : ''}`);
      alarm(`${name}-Throttles`, m.throttles, THRESHOLDS.functionThrottles,
        `${name} (${f.role}) was throttled (account concurrency exhausted)`);
      alarm(`${name}-DurationP99`, m.p99, THRESHOLDS.functionP99DurationMs,
        `${name} (${f.role}) p99 duration above ${THRESHOLDS.functionP99DurationMs} ms for 10 of the last 15 minutes`,
        { evaluationPeriods: 3, datapointsToAlarm: 2 });
    }

    // WebSocket API stage.
    const stage = webSocket.stage;
    const apiMetric = (metricName: string) =>
      stage.metric(metricName, { period: PERIOD, statistic: cloudwatch.Stats.SUM });
    const integrationError = apiMetric('IntegrationError');
    const executionError = apiMetric('ExecutionError');
    const clientError = apiMetric('ClientError');
    alarm('Api-IntegrationErrors', integrationError, THRESHOLDS.apiIntegrationErrors,
      'WebSocket integrations (Lambda) answered with errors');
    alarm('Api-ExecutionErrors', executionError, THRESHOLDS.apiExecutionErrors,
      'API Gateway failed to call a WebSocket integration (5xx)');
    alarm('Api-ClientErrors', clientError, THRESHOLDS.apiClientErrors,
      'API Gateway rejected many WebSocket requests before the integration (4xx, includes throttling)');

    // Tables.
    const tableMetrics: Array<{ label: string; table: dynamodb.Table; ops: dynamodb.Operation[] }> = [
      { label: 'Clients', table: tables.clients, ops: operationsOn(functions, 'clients') },
      { label: 'Messages', table: tables.messages, ops: operationsOn(functions, 'messages') },
      { label: 'Conversations', table: tables.conversations, ops: operationsOn(functions, 'conversations') },
    ];
    const tableGraphs: cloudwatch.IWidget[] = [];
    for (const { label, table, ops } of tableMetrics) {
      const throttled = table.metricThrottledRequestsForOperations({ operations: ops, period: PERIOD });
      const systemErrors = table.metricSystemErrorsForOperations({ operations: ops, period: PERIOD });
      alarm(`${label}Table-ThrottledRequests`, throttled, THRESHOLDS.tableThrottledRequests,
        `${label} table throttled requests (${ops.join(', ')})`);
      alarm(`${label}Table-SystemErrors`, systemErrors, THRESHOLDS.tableSystemErrors,
        `${label} table system errors (${ops.join(', ')})`);
      tableGraphs.push(
        new cloudwatch.GraphWidget({
          title: `${label} table: consumed capacity`,
          left: [
            table.metricConsumedReadCapacityUnits({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
            table.metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          ],
          width: 8,
        }),
        // Two graphs: both math expressions name their per-operation metrics alike.
        new cloudwatch.GraphWidget({ title: `${label} table: throttled requests`, left: [throttled], width: 4 }),
        new cloudwatch.GraphWidget({ title: `${label} table: system errors`, left: [systemErrors], width: 4 }),
        new cloudwatch.GraphWidget({
          title: `${label} table: latency (avg)`,
          left: ops
            .filter((op) => ['GetItem', 'PutItem', 'Query', 'UpdateItem'].includes(op))
            .map((op) =>
              table.metricSuccessfulRequestLatency({
                dimensionsMap: { TableName: table.tableName, Operation: op },
                period: PERIOD,
                statistic: cloudwatch.Stats.AVERAGE,
                label: op,
              }),
            ),
          width: 8,
        }),
      );
    }

    // Dashboard.
    const all = monitored.map((f) => ({ f, m: fnMetrics(f) }));
    const labelled = (metric: cloudwatch.Metric, label: string) => metric.with({ label });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Chatastrophy (${stack.stackName})\nWebSocket API, route handlers, the $connect authorizer and tables. Alarms notify the SNS topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'WebSocket: connections and messages',
        left: [apiMetric('ConnectCount'), apiMetric('MessageCount')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'WebSocket: errors',
        left: [integrationError, executionError, clientError],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'WebSocket: integration latency',
        left: [
          stage.metric('IntegrationLatency', { period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          stage.metric('IntegrationLatency', { period: PERIOD, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Functions: invocations',
        left: all.map(({ f, m }) => labelled(m.invocations, f.name)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Functions: errors and throttles',
        left: all.map(({ f, m }) => labelled(m.errors, `${f.name} errors`)),
        right: all.map(({ f, m }) => labelled(m.throttles, `${f.name} throttles`)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Functions: duration p50 / p99 (ms)',
        left: all.flatMap(({ f, m }) => [labelled(m.p50, `${f.name} p50`), labelled(m.p99, `${f.name} p99`)]),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(...tableGraphs);
  }
}
