import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { build, builtStage, contains, fakeWebDist, resources, type Built } from './helpers';

/** What the identity resources must be, written out here (not derived from lib/). */
const PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireLowercase: true,
  RequireUppercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 3,
};
const IDENTITY_SOURCE = 'route.request.header.Sec-WebSocket-Protocol';

const id = (built: Built, construct: any) => built.stack.getLogicalId(construct.node.defaultChild);

function only(built: Built, type: string): [string, any] {
  const found = Object.entries(resources(built.template, type));
  assert.equal(found.length, 1, type);
  return found[0];
}

describe('Cognito user pool', () => {
  for (const stage of ['dev', 'prod'] as const) {
    const built = builtStage(stage);
    const [, pool] = only(built, 'AWS::Cognito::UserPool');
    const p = pool.Properties;

    it(`${stage}: self sign-up with a case-insensitive username, e-mail required and verified by a code`, () => {
      assert.equal(p.AdminCreateUserConfig.AllowAdminCreateUserOnly, false);
      assert.deepEqual(p.UsernameConfiguration, { CaseSensitive: false });
      // Username sign-in only: no e-mail or phone alias, no "username is an e-mail" mode.
      assert.equal(p.AliasAttributes, undefined);
      assert.equal(p.UsernameAttributes, undefined);
      assert.deepEqual(p.Schema, [{ Name: 'email', Required: true, Mutable: true }]);
      assert.deepEqual(p.AutoVerifiedAttributes, ['email']);
      assert.deepEqual(p.UserAttributeUpdateSettings, { AttributesRequireVerificationBeforeUpdate: ['email'] });
      const template = p.VerificationMessageTemplate;
      assert.equal(template.DefaultEmailOption, 'CONFIRM_WITH_CODE');
      assert.match(template.EmailSubject, /Chatastrophy/);
      assert.match(template.EmailMessage, /\{####\}/);
      assert.match(template.EmailMessage, /Chatastrophy/);
      assert.equal(p.EmailVerificationMessage, template.EmailMessage);
      // Cognito's own sender until SES is configured (README: 50 e-mails a day).
      assert.deepEqual(p.EmailConfiguration, { EmailSendingAccount: 'COGNITO_DEFAULT' });
    });

    it(`${stage}: password policy satisfies AwsSolutions-COG1 (8+, upper, lower, digits, symbols)`, () => {
      assert.deepEqual(p.Policies.PasswordPolicy, PASSWORD_POLICY);
    });

    it(`${stage}: account recovery by verified e-mail only; optional TOTP MFA, no SMS`, () => {
      assert.deepEqual(p.AccountRecoverySetting, { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });
      assert.equal(p.MfaConfiguration, 'OPTIONAL');
      assert.deepEqual(p.EnabledMfas, ['SOFTWARE_TOKEN_MFA']);
      assert.equal(p.SmsConfiguration, undefined, 'no SMS role: the pool sends no SMS');
    });

    it(`${stage}: Essentials feature plan, stated explicitly`, () => {
      assert.equal(p.UserPoolTier, 'ESSENTIALS');
    });
  }

  it('prod: deletion protection on, retained with the stack; dev: neither', () => {
    const [, prod] = only(builtStage('prod'), 'AWS::Cognito::UserPool');
    assert.equal(prod.Properties.DeletionProtection, 'ACTIVE');
    assert.equal(prod.DeletionPolicy, 'Retain');
    assert.equal(prod.UpdateReplacePolicy, 'Retain');
    const [, dev] = only(builtStage('dev'), 'AWS::Cognito::UserPool');
    assert.equal(dev.Properties.DeletionProtection, 'INACTIVE');
    assert.equal(dev.DeletionPolicy, 'Delete');
  });
});

describe('web app client', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: public (no secret), SRP only, no OAuth, 1 h access/ID tokens, 30-day refresh, revocation, no user-existence errors`, () => {
      const built = builtStage(stage);
      const [, pool] = only(built, 'AWS::Cognito::UserPool');
      assert.ok(pool);
      const [, client] = only(built, 'AWS::Cognito::UserPoolClient');
      const p = client.Properties;
      assert.deepEqual(p.UserPoolId, { Ref: id(built, built.stack.identity.userPool) });
      assert.equal(p.GenerateSecret, false);
      assert.deepEqual([...p.ExplicitAuthFlows].sort(), ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
      // No hosted UI: no OAuth flows, scopes or callback URLs (CDK's default is example.com).
      assert.equal(p.AllowedOAuthFlowsUserPoolClient, false);
      for (const key of ['AllowedOAuthFlows', 'AllowedOAuthScopes', 'CallbackURLs', 'LogoutURLs']) {
        assert.equal(p[key], undefined, key);
      }
      assert.ok(!contains(p, 'example.com'));
      assert.deepEqual(p.SupportedIdentityProviders, ['COGNITO']);
      assert.equal(p.PreventUserExistenceErrors, 'ENABLED');
      assert.equal(p.EnableTokenRevocation, true);
      const minutes = { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' };
      assert.deepEqual(p.TokenValidityUnits, minutes);
      assert.equal(p.AccessTokenValidity, 60);
      assert.equal(p.IdTokenValidity, 60);
      assert.equal(p.RefreshTokenValidity, 30 * 24 * 60);
      assert.deepEqual([...p.ReadAttributes].sort(), ['email', 'email_verified']);
      assert.deepEqual(p.WriteAttributes, ['email']);
    });
  }
});

describe('authorizer function', () => {
  const built = builtStage('dev');
  const all = resources(built.template);
  const { fn, role, logGroup } = built.stack.identity.authorizer;
  const fnId = id(built, fn);
  const roleId = id(built, role);
  const logGroupId = id(built, logGroup);

  it('provided.al2023 arm64 bootstrap of <assetDir>/authorizer, same sizing as the routes, JSON logs to its own log group', () => {
    const p = all[fnId].Properties;
    assert.equal(p.Runtime, 'provided.al2023');
    assert.deepEqual(p.Architectures, ['arm64']);
    assert.equal(p.Handler, 'bootstrap');
    assert.equal(p.MemorySize, 256);
    assert.equal(p.Timeout, 10);
    assert.deepEqual(p.LoggingConfig, {
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: { Ref: logGroupId },
    });
    assert.equal(all[logGroupId].Properties.RetentionInDays, 14);
    const staged = path.join(built.app.outdir, `asset.${p.Code.S3Key.replace(/\.zip$/, '')}`, 'bootstrap');
    assert.match(fs.readFileSync(staged, 'utf8'), /fake authorizer\n/);
  });

  it('prod: its log group is retained, with the prod retention', () => {
    const prod = builtStage('prod');
    const group = resources(prod.template)[id(prod, prod.stack.identity.authorizer.logGroup)];
    assert.equal(group.Properties.RetentionInDays, 90);
    assert.equal(group.DeletionPolicy, 'Retain');
  });

  it('environment: exactly USER_POOL_ID and USER_POOL_CLIENT_ID (no tables, no bucket, no endpoint)', () => {
    assert.deepEqual(all[fnId].Properties.Environment.Variables, {
      USER_POOL_ID: { Ref: id(built, built.stack.identity.userPool) },
      USER_POOL_CLIENT_ID: { Ref: id(built, built.stack.identity.webClient) },
    });
  });

  it('IAM: only its own logs (no DynamoDB, no S3, no ManageConnections, no managed policy)', () => {
    const r = all[roleId].Properties;
    assert.equal(r.ManagedPolicyArns, undefined);
    assert.equal(r.Policies, undefined);
    assert.deepEqual(r.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    const statements = Object.values(resources(built.template, 'AWS::IAM::Policy'))
      .filter((policy) => contains(policy.Properties.Roles, { Ref: roleId }))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    assert.deepEqual(statements, [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
  });

  it('-c architecture=x86_64 switches it too', () => {
    const x86 = build('dev', { architecture: 'x86_64' });
    const p = resources(x86.template)[id(x86, x86.stack.identity.authorizer.fn)].Properties;
    assert.deepEqual(p.Architectures, ['x86_64']);
  });

  it('a missing authorizer/bootstrap fails the synth with a hint to build the Lambdas', () => {
    assert.throws(
      () => build('dev', { lambdaAssetDir: '/nonexistent/lambda-arm64' }),
      /Lambda binaries not found: .*authorizer\/bootstrap.*cargo lambda build/s,
    );
  });
});

describe('$connect is authorized by the authorizer', () => {
  const built = builtStage('dev');
  const apiId = id(built, built.stack.webSocket.api);
  const fnId = id(built, built.stack.identity.authorizer.fn);
  const routes = Object.entries(resources(built.template, 'AWS::ApiGatewayV2::Route'));
  const [authorizerId, authorizer] = only(built, 'AWS::ApiGatewayV2::Authorizer');

  it('a REQUEST authorizer on this API, reading the token from Sec-WebSocket-Protocol, calling the authorizer function', () => {
    const p = authorizer.Properties;
    assert.deepEqual(p.ApiId, { Ref: apiId });
    assert.equal(p.AuthorizerType, 'REQUEST');
    assert.deepEqual(p.IdentitySource, [IDENTITY_SOURCE]);
    assert.ok(!contains(p, 'querystring'), 'the token never travels in the URL');
    assert.deepEqual(p.AuthorizerUri, {
      'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/',
        { 'Fn::GetAtt': [fnId, 'Arn'] }, '/invocations',
      ]],
    });
    // WebSocket authorizers do not cache (that is an HTTP API feature).
    assert.equal(p.AuthorizerResultTtlInSeconds, undefined);
  });

  it('$connect: AuthorizationType CUSTOM with that authorizer', () => {
    const [, connect] = routes.find(([, r]) => r.Properties.RouteKey === '$connect')!;
    assert.equal(connect.Properties.AuthorizationType, 'CUSTOM');
    assert.deepEqual(connect.Properties.AuthorizerId, { Ref: authorizerId });
  });

  it('no other route has an authorizer (WebSocket APIs authorize $connect only)', () => {
    const others = routes.filter(([, r]) => r.Properties.RouteKey !== '$connect');
    assert.equal(others.length, 21);
    for (const [, r] of others) {
      assert.equal(r.Properties.AuthorizerId, undefined, r.Properties.RouteKey);
      assert.equal(r.Properties.AuthorizationType, 'NONE', r.Properties.RouteKey);
    }
  });

  it('API Gateway may invoke the authorizer, from this API\'s authorizer only', () => {
    const permissions = Object.values(resources(built.template, 'AWS::Lambda::Permission')).filter((p) =>
      contains(p.Properties.FunctionName, { 'Fn::GetAtt': [fnId, 'Arn'] }),
    );
    assert.equal(permissions.length, 1);
    const p = permissions[0].Properties;
    assert.equal(p.Action, 'lambda:InvokeFunction');
    assert.equal(p.Principal, 'apigateway.amazonaws.com');
    assert.deepEqual(p.SourceArn, {
      'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
        { Ref: apiId }, '/authorizers/', { Ref: authorizerId },
      ]],
    });
  });

  it('an authorizer on any other route is refused', () => {
    const { stack } = build('dev');
    assert.throws(
      () => stack.webSocket.addLambdaRoute('extra', stack.functions.get('default').fn, true, stack.identity.connectAuthorizer),
      /\$connect only/,
    );
  });
});

describe('alarms and dashboard for the authorizer', () => {
  const built = builtStage('dev');
  const fnId = id(built, built.stack.identity.authorizer.fn);
  const topicId = id(built, built.stack.monitoring.topic);

  it('Errors (a wave of rejections), Throttles and p99 Duration alarms on the authorizer, notifying the topic', () => {
    const mine = Object.values(resources(built.template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((a) => a.Namespace === 'AWS/Lambda' && contains(a.Dimensions, { Name: 'FunctionName', Value: { Ref: fnId } }));
    const byMetric = Object.fromEntries(mine.map((a) => [a.MetricName, a]));
    assert.deepEqual(Object.keys(byMetric).sort(), ['Duration', 'Errors', 'Throttles']);
    // Each rejected token is a Lambda error ("Unauthorized"): the threshold is above the routes'.
    assert.equal(byMetric.Errors.Statistic, 'Sum');
    assert.equal(byMetric.Errors.Threshold, 50);
    assert.match(byMetric.Errors.AlarmDescription, /authorizer.*rejected token/s);
    assert.equal(byMetric.Throttles.Threshold, 1);
    assert.equal(byMetric.Duration.ExtendedStatistic, 'p99');
    assert.ok(byMetric.Duration.Threshold < 10_000);
    for (const a of mine) {
      assert.equal(a.Period, 300);
      assert.deepEqual(a.AlarmActions, [{ Ref: topicId }]);
      assert.deepEqual(a.OKActions, [{ Ref: topicId }]);
    }
  });

  it('the dashboard has its invocations, errors/throttles and duration lines', () => {
    const dashboard = Object.values(resources(built.template, 'AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const label of ['"label":"authorizer"', '"label":"authorizer errors"', '"label":"authorizer throttles"', '"label":"authorizer p50"', '"label":"authorizer p99"']) {
      assert.ok(body.includes(label.replace(/"/g, '\\"')), label);
    }
    assert.ok(contains(dashboard.Properties.DashboardBody, { Ref: fnId }));
  });
});

/** config.json as the web client will read it, with `${Ref}` for each deploy-time value. */
function deployedConfig(built: Built, deployment: any): unknown {
  const keys: string[] = deployment.Properties.SourceObjectKeys;
  const markers: Array<Record<string, any>> = deployment.Properties.SourceMarkers;
  const index = keys.findIndex((key) =>
    fs.existsSync(path.join(built.app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'config.json')),
  );
  assert.ok(index >= 0, 'config.json is one of the deployment sources');
  let text = fs.readFileSync(path.join(built.app.outdir, `asset.${keys[index].replace(/\.zip$/, '')}`, 'config.json'), 'utf8');
  for (const [marker, value] of Object.entries(markers[index])) {
    assert.deepEqual(Object.keys(value), ['Ref'], 'only plain references');
    text = text.split(marker).join(`\${${value.Ref}}`);
  }
  assert.ok(!text.includes('<<marker'));
  return JSON.parse(text);
}

describe('site config.json', () => {
  const expected = (built: Built, stage: string) => ({
    websocketUrl: `wss://\${${id(built, built.stack.webSocket.api)}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${stage}`,
    auth: {
      region: '${AWS::Region}',
      userPoolId: `\${${id(built, built.stack.identity.userPool)}}`,
      userPoolClientId: `\${${id(built, built.stack.identity.webClient)}}`,
    },
  });
  const entry = (built: Built) =>
    Object.values(resources(built.template, 'Custom::CDKBucketDeployment')).find((d) => d.Properties.DistributionId !== undefined)!;

  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: {websocketUrl, auth: {region, userPoolId, userPoolClientId}} resolved at deploy time (placeholder site)`, () => {
      const built = builtStage(stage);
      assert.deepEqual(deployedConfig(built, entry(built)), expected(built, stage));
    });
  }

  it('the same with a web build', () => {
    const built = build('dev', { webDistDir: fakeWebDist() });
    assert.deepEqual(deployedConfig(built, entry(built)), expected(built, 'dev'));
  });

  it('the CSP lets the page call Cognito\'s user pools endpoint of the region', () => {
    const built = builtStage('dev');
    const headers = Object.values(resources(built.template, 'AWS::CloudFront::ResponseHeadersPolicy'))[0];
    const csp = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    const text = csp['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : `\${${p.Ref ?? p['Fn::GetAtt']?.join('.')}}`)).join('');
    const connectSrc = text.split('; ').find((d: string) => d.startsWith('connect-src '));
    assert.ok(connectSrc?.split(' ').includes('https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}'), connectSrc);
  });
});

describe('outputs', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: UserPoolId and UserPoolClientId`, () => {
      const built = builtStage(stage);
      const outputs = built.template.toJSON().Outputs;
      assert.deepEqual(outputs.UserPoolId.Value, { Ref: id(built, built.stack.identity.userPool) });
      assert.deepEqual(outputs.UserPoolClientId.Value, { Ref: id(built, built.stack.identity.webClient) });
    });
  }
});
