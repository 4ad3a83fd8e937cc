import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, builtStage, contains, resources, type Built } from './helpers';

const FUNCTIONS = [
  'connect', 'disconnect', 'send-message', 'get-messages', 'change-message', 'typing', 'media-urls', 'set-avatar',
  'rooms', 'get-members', 'get-conversations', 'mark-read', 'search-people', 'watch-presence', 'default',
];
/** The route handlers and the $connect authorizer. */
const ALL_FUNCTIONS = [...FUNCTIONS, 'authorizer'];

function fnLogicalId(built: Built, name: string): string {
  const f = name === 'authorizer' ? built.stack.identity.authorizer : built.stack.functions.get(name);
  return built.stack.getLogicalId(f.fn.node.defaultChild as any);
}

function alarms(built: Built) {
  return Object.values(resources(built.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
}

describe('alarms', () => {
  const built = builtStage('dev');
  const topicId = built.stack.getLogicalId(built.stack.monitoring.topic.node.defaultChild as any);
  const apiId = built.stack.getLogicalId(built.stack.webSocket.api.node.defaultChild as any);
  const all = alarms(built);

  it('(15 route functions + authorizer) x 3 + 3 API + 3 tables x 2 = 57 alarms, all notifying the SNS topic (alarm and OK)', () => {
    assert.equal(all.length, 57);
    assert.equal(built.stack.functions.functions.length, FUNCTIONS.length);
    for (const a of all) {
      assert.deepEqual(a.AlarmActions, [{ Ref: topicId }]);
      assert.deepEqual(a.OKActions, [{ Ref: topicId }]);
      assert.equal(a.TreatMissingData, 'notBreaching');
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.ok(a.AlarmDescription);
    }
  });

  for (const name of ALL_FUNCTIONS) {
    it(`${name}: Errors, Throttles and p99 Duration alarms`, () => {
      const fnId = fnLogicalId(built, name);
      const mine = all.filter(
        (a) => a.Namespace === 'AWS/Lambda' && contains(a.Dimensions, { Name: 'FunctionName', Value: { Ref: fnId } }),
      );
      const byMetric = Object.fromEntries(mine.map((a) => [a.MetricName, a]));
      assert.deepEqual(Object.keys(byMetric).sort(), ['Duration', 'Errors', 'Throttles']);
      assert.equal(byMetric.Errors.Statistic, 'Sum');
      // Every token the authorizer rejects is an "Unauthorized" error: it alarms on a wave only.
      assert.equal(byMetric.Errors.Threshold, name === 'authorizer' ? 50 : 3);
      assert.equal(byMetric.Throttles.Statistic, 'Sum');
      assert.equal(byMetric.Duration.ExtendedStatistic, 'p99');
      assert.ok(byMetric.Duration.Threshold < 10_000, 'p99 alarm fires before the 10 s timeout');
      for (const a of mine) assert.equal(a.Period, 300);
    });
  }

  it('an alarm names the function and the routes it serves', () => {
    const fnId = fnLogicalId(built, 'change-message');
    const errors = all.find(
      (a) => a.MetricName === 'Errors' && contains(a.Dimensions, { Name: 'FunctionName', Value: { Ref: fnId } }),
    )!;
    assert.match(errors.AlarmDescription, /change-message \(editMessage, deleteMessage, react\) returned/);
  });

  it('WebSocket API: IntegrationError, ExecutionError and ClientError on this API and stage', () => {
    const api = all.filter((a) => a.Namespace === 'AWS/ApiGateway');
    assert.deepEqual(api.map((a) => a.MetricName).sort(), ['ClientError', 'ExecutionError', 'IntegrationError']);
    for (const a of api) {
      assert.equal(a.Statistic, 'Sum');
      assert.deepEqual(
        [...a.Dimensions].sort((x: any, y: any) => x.Name.localeCompare(y.Name)),
        [{ Name: 'ApiId', Value: { Ref: apiId } }, { Name: 'Stage', Value: 'dev' }],
      );
    }
    // REST/HTTP API metric names do not exist for WebSocket APIs.
    assert.ok(!all.some((a) => ['5XXError', '4XXError', '5xx', '4xx'].includes(a.MetricName)));
  });

  /** The operations the functions call on each table or its indexes, written out from routes.json by hand. */
  const OPERATIONS = {
    clients: ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'PutItem', 'Query', 'UpdateItem'],
    messages: ['BatchGetItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    conversations: ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
  };
  for (const [label, which] of [['Clients', 'clients'], ['Messages', 'messages'], ['Conversations', 'conversations']] as const) {
    it(`${label} table: ThrottledRequests and SystemErrors summed over the operations used`, () => {
      const table = built.stack.tables[which];
      const tableId = built.stack.getLogicalId(table.node.defaultChild as any);
      const mine = all.filter((a) => a.Metrics && contains(a.Metrics, { Name: 'TableName', Value: { Ref: tableId } }));
      assert.equal(mine.length, 2);
      const metricNames = mine.map((a) => [...new Set(a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName))]);
      assert.deepEqual(metricNames.flat().sort(), ['SystemErrors', 'ThrottledRequests']);
      for (const a of mine) {
        const expression = a.Metrics.find((m: any) => m.Expression);
        assert.ok(expression.ReturnData !== false);
        const operations = a.Metrics.filter((m: any) => m.MetricStat)
          .map((m: any) => m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'Operation').Value)
          .sort();
        assert.deepEqual(operations, OPERATIONS[which]);
        assert.ok(a.Metrics.length <= 11, 'CloudWatch alarms take at most 10 metrics + 1 expression');
      }
    });
  }
});

describe('alarm topic and dashboard', () => {
  it('SNS topic enforces TLS; no e-mail subscription unless alarmEmail is given', () => {
    const built = builtStage('dev');
    built.template.resourceCountIs('AWS::SNS::Topic', 1);
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const policy = Object.values(resources(built.template, 'AWS::SNS::TopicPolicy'))[0];
    assert.ok(contains(policy.Properties.PolicyDocument, { 'aws:SecureTransport': 'false' }));
  });

  it('alarmEmail subscribes that address', () => {
    const built = build('dev', { alarmEmail: 'oncall@example.com' });
    const subs = Object.values(resources(built.template, 'AWS::SNS::Subscription'));
    assert.equal(subs.length, 1);
    assert.equal(subs[0].Properties.Protocol, 'email');
    assert.equal(subs[0].Properties.Endpoint, 'oncall@example.com');
  });

  it('a dashboard shows the function, API and table metrics and the alarms', () => {
    const built = builtStage('dev');
    const dashboards = Object.values(resources(built.template, 'AWS::CloudWatch::Dashboard'));
    assert.equal(dashboards.length, 1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const metric of [
      'Invocations', 'Errors', 'Throttles', 'Duration',
      'ConnectCount', 'MessageCount', 'IntegrationError', 'ExecutionError', 'ClientError', 'IntegrationLatency',
      'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'ThrottledRequests', 'SystemErrors',
    ]) {
      assert.ok(body.includes(metric), metric);
    }
    assert.ok(body.includes('p99') && body.includes('p50'));
    // The alarm status widget lists every alarm.
    for (const alarmId of Object.keys(resources(built.template, 'AWS::CloudWatch::Alarm'))) {
      assert.ok(body.includes(alarmId), alarmId);
    }
  });

  it('every route function and the authorizer has its line in the invocations, errors/throttles and duration graphs', () => {
    const built = builtStage('dev');
    const dashboard = Object.values(resources(built.template, 'AWS::CloudWatch::Dashboard'))[0];
    // The body is an Fn::Join whose references sit inside JSON strings: put the logical id there.
    const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
    const token = (p: any): string =>
      p.Ref !== undefined ? `REF:${p.Ref}` : p['Fn::GetAtt'] ? `ATT:${p['Fn::GetAtt'].join('.')}` : assert.fail(JSON.stringify(p));
    const text = parts.map((p: any) => (typeof p === 'string' ? p : token(p))).join('');
    const widgets: any[] = JSON.parse(text).widgets;
    const graph = (title: string) => {
      const found = widgets.filter((w) => w.properties.title === title);
      assert.equal(found.length, 1, title);
      return found[0].properties.metrics as any[][];
    };
    const lines = (title: string, metricName: string, fnId: string) =>
      graph(title).filter((m) => m[0] === 'AWS/Lambda' && m[1] === metricName && m[2] === 'FunctionName' && m[3] === `REF:${fnId}`);
    for (const name of ALL_FUNCTIONS) {
      const fnId = fnLogicalId(built, name);
      assert.deepEqual(lines('Functions: invocations', 'Invocations', fnId).map((m) => m[4].label), [name]);
      assert.deepEqual(lines('Functions: errors and throttles', 'Errors', fnId).map((m) => m[4].label), [`${name} errors`]);
      assert.deepEqual(lines('Functions: errors and throttles', 'Throttles', fnId).map((m) => m[4].label), [`${name} throttles`]);
      assert.deepEqual(lines('Functions: duration p50 / p99 (ms)', 'Duration', fnId).map((m) => m[4].stat), ['p50', 'p99']);
    }
    assert.equal(graph('Functions: invocations').length, ALL_FUNCTIONS.length);
  });
});
