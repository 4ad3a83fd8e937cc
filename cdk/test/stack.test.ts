import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { CDK_DIR as LIB_CDK_DIR, DEFAULT_LAMBDA_ASSET_DIR, DEFAULT_WEB_DIST_DIR, readAppContext } from '../lib/config';
import { builtStage, CDK_DIR, contains, resources } from './helpers';

describe('resource counts', () => {
  it('dev', () => {
    const { template } = builtStage('dev');
    const expected: Record<string, number> = {
      'AWS::DynamoDB::Table': 3, // Clients, Messages, Conversations
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Stage': 1,
      // One per $ route, one per action of the other functions (change-message serves three, rooms
      // five, media-urls two).
      'AWS::ApiGatewayV2::Route': 22,
      'AWS::ApiGatewayV2::Integration': 22,
      'AWS::ApiGatewayV2::RouteResponse': 20, // the two-way routes: all but $connect and $disconnect
      'AWS::ApiGatewayV2::Authorizer': 1, // on $connect
      'AWS::ApiGateway::Account': 1,
      // One per route + one for the $connect authorizer.
      'AWS::Lambda::Permission': 23,
      // 15 route handlers + the authorizer + CDK's BucketDeployment handler + CDK's S3 auto-delete provider (dev).
      'AWS::Lambda::Function': 18,
      // 15 route handlers + the authorizer + CDK's BucketDeployment handler + API Gateway logging + auto-delete.
      'AWS::IAM::Role': 19,
      // One policy per route handler role + the authorizer's + the BucketDeployment handler's.
      'AWS::IAM::Policy': 17,
      // One per route handler, the authorizer's, access logs, execution logs, the BucketDeployment handler's.
      'AWS::Logs::LogGroup': 19,
      // (15 route handlers + the authorizer) x 3 + 3 API + 3 tables x 2.
      'AWS::CloudWatch::Alarm': 57,
      'AWS::Cognito::UserPool': 1,
      'AWS::Cognito::UserPoolClient': 1,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::S3::Bucket': 3,
      'AWS::S3::BucketPolicy': 3,
      'AWS::CloudFront::Distribution': 1,
      'AWS::CloudFront::OriginAccessControl': 1,
      'AWS::CloudFront::ResponseHeadersPolicy': 1,
      'Custom::CDKBucketDeployment': 1,
      'Custom::S3AutoDeleteObjects': 3,
      'AWS::Lambda::LayerVersion': 1, // the AWS CLI layer of BucketDeployment
    };
    const all = Object.values(resources(template));
    const count = (type: string) => all.filter((r) => r.Type === type).length;
    for (const [type, n] of Object.entries(expected)) assert.equal(count(type), n, type);
    const unexpected = [...new Set(all.map((r) => r.Type))].filter((t) => !(t in expected) && t !== 'AWS::CDK::Metadata');
    assert.deepEqual(unexpected, []);
  });

  it('prod has the same application resources, without the dev auto-delete helpers', () => {
    const dev = Object.values(resources(builtStage('dev').template));
    const prod = Object.values(resources(builtStage('prod').template));
    const types = (list: typeof dev) =>
      list.map((r) => r.Type).filter((t) => t !== 'Custom::S3AutoDeleteObjects').sort();
    const devTypes = types(dev);
    // Drop the auto-delete provider's function and role from dev.
    const drop = (list: string[], type: string) => list.splice(list.indexOf(type), 1);
    drop(devTypes, 'AWS::Lambda::Function');
    drop(devTypes, 'AWS::IAM::Role');
    assert.deepEqual(types(prod), devTypes);
  });
});

describe('outputs', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: WebSocket URL, management endpoint, site URL, table names, media bucket, user pool and client`, () => {
      const built = builtStage(stage);
      const outputs = built.template.toJSON().Outputs;
      for (const key of [
        'WebSocketUrl', 'ManagementEndpoint', 'SiteUrl', 'ClientsTableName', 'MessagesTableName', 'ConversationsTableName', 'MediaBucketName',
        'SiteBucketName', 'DistributionId', 'AlarmTopicArn', 'DashboardName', 'UserPoolId', 'UserPoolClientId',
      ]) {
        assert.ok(outputs[key], key);
      }
      const apiId = built.stack.getLogicalId(built.stack.webSocket.api.node.defaultChild as any);
      const url = (scheme: string) => ({
        'Fn::Join': ['', [scheme, { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, `/${stage}`]],
      });
      assert.deepEqual(outputs.WebSocketUrl.Value, url('wss://'));
      assert.deepEqual(outputs.ManagementEndpoint.Value, url('https://'));
      assert.ok(contains(outputs.SiteUrl.Value, 'https://'));
      assert.deepEqual(outputs.ClientsTableName.Value, { Ref: built.stack.getLogicalId(built.stack.tables.clients.node.defaultChild as any) });
      assert.deepEqual(outputs.MessagesTableName.Value, { Ref: built.stack.getLogicalId(built.stack.tables.messages.node.defaultChild as any) });
      assert.deepEqual(outputs.ConversationsTableName.Value, { Ref: built.stack.getLogicalId(built.stack.tables.conversations.node.defaultChild as any) });
      assert.deepEqual(outputs.MediaBucketName.Value, { Ref: built.stack.getLogicalId(built.stack.media.bucket.node.defaultChild as any) });
      assert.deepEqual(outputs.UserPoolId.Value, { Ref: built.stack.getLogicalId(built.stack.identity.userPool.node.defaultChild as any) });
      assert.deepEqual(outputs.UserPoolClientId.Value, { Ref: built.stack.getLogicalId(built.stack.identity.webClient.node.defaultChild as any) });
    });
  }
});

describe('app context', () => {
  const ctx = (context: Record<string, unknown>) => readAppContext(new App({ context }).node);

  it('defaults: dev, ../target/lambda-arm64, ../web/dist, no e-mail, API Gateway logging role on', () => {
    assert.equal(LIB_CDK_DIR, CDK_DIR);
    assert.deepEqual(ctx({}), {
      stage: 'dev',
      lambdaAssetDir: path.resolve(CDK_DIR, '../target/lambda-arm64'),
      webDistDir: path.resolve(CDK_DIR, '../web/dist'),
      alarmEmail: undefined,
      apiGatewayCloudWatchRole: true,
      architecture: 'arm64',
    });
    assert.equal(DEFAULT_LAMBDA_ASSET_DIR, path.resolve(CDK_DIR, '../target/lambda-arm64'));
    assert.equal(DEFAULT_WEB_DIST_DIR, path.resolve(CDK_DIR, '../web/dist'));
  });

  it('-c values; relative directories are relative to cdk/', () => {
    const c = ctx({ stage: 'prod', lambdaAssetDir: 'x/lambdas', webDistDir: '/abs/dist', alarmEmail: 'a@b.example', apiGatewayCloudWatchRole: 'false' });
    assert.equal(c.stage, 'prod');
    assert.equal(c.lambdaAssetDir, path.join(CDK_DIR, 'x/lambdas'));
    assert.equal(c.webDistDir, '/abs/dist');
    assert.equal(c.alarmEmail, 'a@b.example');
    assert.equal(c.apiGatewayCloudWatchRole, false);
    assert.equal(c.architecture, 'arm64');
    assert.equal(ctx({ architecture: 'x86-64' }).architecture, 'x86_64');
    assert.equal(ctx({ architecture: 'x86_64' }).architecture, 'x86_64');
  });

  it('rejects an unknown stage and a malformed e-mail', () => {
    assert.throws(() => ctx({ stage: 'staging' }), /stage.*dev, prod/);
    assert.throws(() => ctx({ alarmEmail: 'not-an-address' }), /alarmEmail/);
    assert.throws(() => ctx({ architecture: 'riscv' }), /architecture/);
  });
});
