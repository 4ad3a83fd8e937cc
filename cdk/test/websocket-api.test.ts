import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTE_FUNCTIONS } from '../lib/functions';
import { build, builtStage, contains, resources } from './helpers';

/**
 * Route key -> [function, two-way], from the registry (shared/routes.json): these tests check how
 * each route is wired; what each function may do is checked by hand in functions-iam.test.ts.
 */
const ROUTES: Record<string, [string, boolean]> = Object.fromEntries(
  ROUTE_FUNCTIONS.flatMap((spec) => spec.routeKeys.map((key) => [key, [spec.name, spec.twoWay]])),
);

describe('WebSocket API', () => {
  const built = builtStage('dev');
  const all = resources(built.template);
  const apiId = built.stack.getLogicalId(built.stack.webSocket.api.node.defaultChild as any);

  it('is a WEBSOCKET API selecting routes on $request.body.action', () => {
    built.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    const api = all[apiId];
    assert.equal(api.Properties.ProtocolType, 'WEBSOCKET');
    assert.equal(api.Properties.RouteSelectionExpression, '$request.body.action');
  });

  it('has the API Gateway routes every chat needs, and exactly the registry\'s routes', () => {
    for (const key of ['$connect', '$disconnect', '$default']) assert.ok(key in ROUTES, key);
    const keys = Object.values(resources(built.template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    assert.deepEqual(keys.sort(), Object.keys(ROUTES).sort());
  });

  for (const [routeKey, [fnName, twoWay]] of Object.entries(ROUTES)) {
    it(`${routeKey} -> ${fnName} (Lambda proxy)${twoWay ? ', two-way' : ''}`, () => {
      const [routeId, route] = Object.entries(resources(built.template, 'AWS::ApiGatewayV2::Route')).find(
        ([, r]) => r.Properties.RouteKey === routeKey,
      )!;
      assert.deepEqual(route.Properties.ApiId, { Ref: apiId });
      // Only $connect is authorized (by the Cognito access-token authorizer, see identity.test.ts).
      assert.equal(route.Properties.AuthorizationType, routeKey === '$connect' ? 'CUSTOM' : 'NONE');
      const target = route.Properties.Target['Fn::Join'][1];
      assert.equal(target[0], 'integrations/');
      const integration = all[target[1].Ref];
      assert.equal(integration.Type, 'AWS::ApiGatewayV2::Integration');
      assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
      const fnId = built.stack.getLogicalId(built.stack.functions.get(fnName).fn.node.defaultChild as any);
      assert.ok(contains(integration.Properties.IntegrationUri, { 'Fn::GetAtt': [fnId, 'Arn'] }), 'integration calls the function');
      for (const other of Object.values(ROUTES).map(([n]) => n).filter((n) => n !== fnName)) {
        const otherId = built.stack.getLogicalId(built.stack.functions.get(other).fn.node.defaultChild as any);
        assert.ok(!contains(integration.Properties.IntegrationUri, { 'Fn::GetAtt': [otherId, 'Arn'] }));
      }

      // API Gateway may invoke the function for this route, one permission per route it serves.
      const fnPermissions = Object.values(resources(built.template, 'AWS::Lambda::Permission')).filter((p) =>
        contains(p.Properties.FunctionName, { 'Fn::GetAtt': [fnId, 'Arn'] }),
      );
      assert.equal(fnPermissions.length, Object.values(ROUTES).filter(([n]) => n === fnName).length);
      const permissions = fnPermissions.filter((p) => contains(p.Properties.SourceArn, `/*${routeKey}`));
      assert.equal(permissions.length, 1);
      assert.equal(permissions[0].Properties.Action, 'lambda:InvokeFunction');
      assert.equal(permissions[0].Properties.Principal, 'apigateway.amazonaws.com');
      assert.ok(contains(permissions[0].Properties.SourceArn, `/*${routeKey}`));

      // Two-way: the Lambda's return value is the route response sent back to the client.
      const responses = Object.values(resources(built.template, 'AWS::ApiGatewayV2::RouteResponse')).filter((r) =>
        contains(r.Properties.RouteId, { Ref: routeId }),
      );
      if (twoWay) {
        assert.equal(route.Properties.RouteResponseSelectionExpression, '$default');
        assert.equal(responses.length, 1);
        assert.equal(responses[0].Properties.RouteResponseKey, '$default');
      } else {
        assert.equal(route.Properties.RouteResponseSelectionExpression, undefined);
        assert.equal(responses.length, 0);
      }
    });
  }

  it('stage: named after the deploy stage, auto-deployed, throttled, execution logs at ERROR', () => {
    const stages = Object.values(resources(built.template, 'AWS::ApiGatewayV2::Stage'));
    assert.equal(stages.length, 1);
    const p = stages[0].Properties;
    assert.equal(p.StageName, 'dev');
    assert.equal(p.AutoDeploy, true);
    assert.deepEqual(p.DefaultRouteSettings, {
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
      LoggingLevel: 'ERROR',
      DataTraceEnabled: false,
    });
  });

  it('stage: prod throttles higher', () => {
    const stage = Object.values(resources(builtStage('prod').template, 'AWS::ApiGatewayV2::Stage'))[0];
    assert.equal(stage.Properties.StageName, 'prod');
    assert.equal(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit, 500);
    assert.equal(stage.Properties.DefaultRouteSettings.ThrottlingBurstLimit, 1000);
  });

  it('stage: JSON access logs to a log group with retention', () => {
    const stage = Object.values(resources(built.template, 'AWS::ApiGatewayV2::Stage'))[0];
    const settings = stage.Properties.AccessLogSettings;
    const logGroupId = built.stack.getLogicalId(built.stack.webSocket.accessLogGroup.node.defaultChild as any);
    assert.deepEqual(settings.DestinationArn, { 'Fn::GetAtt': [logGroupId, 'Arn'] });
    const format = JSON.parse(settings.Format);
    for (const field of ['requestId', 'routeKey', 'status', 'connectionId', 'eventType', 'integrationLatency']) {
      assert.ok(format[field]?.startsWith('$context.'), field);
    }
    assert.equal(all[logGroupId].Properties.RetentionInDays, 14);
  });

  it('execution log group is created with a retention (not left to API Gateway)', () => {
    const execution = Object.values(resources(built.template, 'AWS::Logs::LogGroup')).find((g) =>
      contains(g.Properties.LogGroupName, 'API-Gateway-Execution-Logs_'),
    );
    assert.ok(execution);
    assert.deepEqual(execution.Properties.LogGroupName, {
      'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, '/dev']],
    });
    assert.equal(execution.Properties.RetentionInDays, 14);
  });

  it('the account-wide API Gateway logging role exists before the stage, and is kept on delete', () => {
    const [accountId, account] = Object.entries(resources(built.template, 'AWS::ApiGateway::Account'))[0];
    assert.equal(account.DeletionPolicy, 'Retain');
    const stage = Object.values(resources(built.template, 'AWS::ApiGatewayV2::Stage'))[0];
    assert.ok(stage.DependsOn?.includes(accountId));
    const role = all[account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0]];
    assert.equal(role.DeletionPolicy, 'Retain');
    assert.ok(contains(role.Properties.ManagedPolicyArns, 'AmazonAPIGatewayPushToCloudWatchLogs'));
  });

  it('-c apiGatewayCloudWatchRole=false leaves the account setting alone', () => {
    const other = build('dev', { apiGatewayCloudWatchRole: false });
    other.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    other.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
  });
});
