import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROUTE_FUNCTIONS } from '../lib/functions';
import { build, builtStage, contains, resources, type Built } from './helpers';

/** What each handler may do, written out here (not derived from lib/) so a change must touch both. */
const EXPECTED: Record<string, { clients: string[]; messages: string[]; index: string[]; manageConnections: boolean }> = {
  connect: {
    clients: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    messages: [],
    index: [],
    manageConnections: true,
  },
  disconnect: {
    clients: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    messages: [],
    index: [],
    manageConnections: true,
  },
  'send-message': {
    clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
    messages: ['dynamodb:PutItem'],
    index: [],
    manageConnections: true,
  },
  'get-messages': { clients: ['dynamodb:GetItem'], messages: [], index: ['dynamodb:Query'], manageConnections: false },
  'get-clients': { clients: ['dynamodb:Query'], messages: [], index: [], manageConnections: false },
  default: { clients: [], messages: [], index: [], manageConnections: false },
};
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const ENV_ALL = ['CLIENTS_TABLE', 'MESSAGES_TABLE', 'MESSAGES_BY_CONVERSATION_INDEX'];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function fnInfo(built: Built, name: string) {
  const f = built.stack.functions.get(name);
  const all = resources(built.template);
  const fnId = built.stack.getLogicalId(f.fn.node.defaultChild as any);
  const roleId = built.stack.getLogicalId(f.role.node.defaultChild as any);
  const logGroupId = built.stack.getLogicalId(f.logGroup.node.defaultChild as any);
  const statements: Statement[] = Object.values(all)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && contains(r.Properties.Roles, { Ref: roleId }))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
  return { fn: all[fnId], role: all[roleId], roleId, logGroupId, statements };
}

function ids(built: Built) {
  const id = (c: any) => built.stack.getLogicalId(c.node.defaultChild);
  return {
    clients: id(built.stack.tables.clients),
    messages: id(built.stack.tables.messages),
    api: id(built.stack.webSocket.api),
  };
}

describe('route functions', () => {
  const built = builtStage('dev');

  it('one function per route: six, plus CDK handlers (BucketDeployment, auto-delete)', () => {
    assert.deepEqual(ROUTE_FUNCTIONS.map((f) => f.name).sort(), Object.keys(EXPECTED).sort());
    const fns = Object.values(resources(built.template, 'AWS::Lambda::Function'));
    assert.equal(fns.filter((f) => f.Properties.Runtime === 'provided.al2023').length, 6);
  });

  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: provided.al2023 arm64 bootstrap, memory, timeout, JSON logging to its own log group`, () => {
      const { fn, logGroupId } = fnInfo(built, name);
      const p = fn.Properties;
      assert.equal(p.Runtime, 'provided.al2023');
      assert.deepEqual(p.Architectures, ['arm64']);
      assert.equal(p.Handler, 'bootstrap');
      assert.equal(p.MemorySize, 256);
      assert.equal(p.Timeout, 10);
      assert.equal(p.ReservedConcurrentExecutions, undefined);
      assert.deepEqual(p.LoggingConfig, {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
        LogGroup: { Ref: logGroupId },
      });
      const logGroup = resources(built.template)[logGroupId];
      assert.equal(logGroup.Properties.RetentionInDays, 14);
    });
  }

  it('each function is the code of <assetDir>/<name>/bootstrap', () => {
    // Staged assets are <outdir>/asset.<hash>/, the function's S3Key is <hash>.zip.
    for (const name of Object.keys(EXPECTED)) {
      const key: string = fnInfo(built, name).fn.Properties.Code.S3Key;
      const staged = path.join(built.app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'bootstrap');
      assert.match(fs.readFileSync(staged, 'utf8'), new RegExp(`fake ${name}\\n`), name);
    }
  });

  it('-c architecture=x86_64 (fallback build) switches every route function to x86_64', () => {
    const x86 = build('dev', { architecture: 'x86_64' });
    const archs = Object.values(resources(x86.template, 'AWS::Lambda::Function'))
      .filter((f) => f.Properties.Runtime === 'provided.al2023')
      .map((f) => f.Properties.Architectures);
    assert.deepEqual(archs, Array(6).fill(['x86_64']));
  });

  it('a missing bootstrap fails the synth with a hint to build the Lambdas', () => {
    assert.throws(
      () => build('dev', { lambdaAssetDir: '/nonexistent/lambda-arm64' }),
      /Lambda binaries not found: .*connect\/bootstrap.*cargo lambda build/s,
    );
  });

  it('environment: table names and index for all but default; management endpoint only where it posts', () => {
    const { clients, messages, api } = ids(built);
    const endpoint = {
      'Fn::Join': ['', ['https://', { Ref: api }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev']],
    };
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const vars = fnInfo(built, name).fn.Properties.Environment?.Variables ?? {};
      if (name === 'default') {
        assert.deepEqual(vars, {}, name);
        continue;
      }
      const keys = [...ENV_ALL, ...(expected.manageConnections ? ['MANAGEMENT_ENDPOINT'] : [])].sort();
      assert.deepEqual(Object.keys(vars).sort(), keys, name);
      assert.deepEqual(vars.CLIENTS_TABLE, { Ref: clients }, name);
      assert.deepEqual(vars.MESSAGES_TABLE, { Ref: messages }, name);
      assert.equal(vars.MESSAGES_BY_CONVERSATION_INDEX, 'byConversation', name);
      if (expected.manageConnections) assert.deepEqual(vars.MANAGEMENT_ENDPOINT, endpoint, name);
    }
  });
});

describe('least-privilege IAM per function', () => {
  const built = builtStage('dev');
  const { clients, messages, api } = ids(built);
  const clientsArn = { 'Fn::GetAtt': [clients, 'Arn'] };
  const messagesArn = { 'Fn::GetAtt': [messages, 'Arn'] };
  const indexArn = { 'Fn::Join': ['', [messagesArn, '/index/byConversation']] };
  const connectionsArn = {
    'Fn::Join': ['', [
      'arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
      { Ref: api }, '/dev/POST/@connections/*',
    ]],
  };

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: exactly its actions, each on exactly its resource`, () => {
      const { role, statements, logGroupId } = fnInfo(built, name);
      assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no managed policies (not even AWSLambdaBasicExecutionRole)');
      assert.equal(role.Properties.Policies, undefined, 'no inline policies besides the default policy');
      assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);

      // action -> resources
      const grants = new Map<string, unknown[]>();
      for (const s of statements) {
        assert.equal(s.Effect, 'Allow');
        assert.equal(s.Condition, undefined);
        assert.equal(s.NotAction, undefined);
        assert.equal(s.NotResource, undefined);
        for (const action of asList(s.Action)) {
          assert.ok(!action.includes('*'), `${name}: wildcard action ${action}`);
          for (const resource of asList(s.Resource)) {
            assert.notEqual(resource, '*', `${name}: * resource for ${action}`);
            grants.set(action, [...(grants.get(action) ?? []), resource]);
          }
        }
      }
      const expectedGrants = new Map<string, unknown[]>();
      const add = (actions: string[], resource: unknown) => {
        for (const a of actions) expectedGrants.set(a, [...(expectedGrants.get(a) ?? []), resource]);
      };
      add(LOG_ACTIONS, { 'Fn::GetAtt': [logGroupId, 'Arn'] });
      add(expected.clients, clientsArn);
      add(expected.messages, messagesArn);
      add(expected.index, indexArn);
      if (expected.manageConnections) add(['execute-api:ManageConnections'], connectionsArn);

      assert.deepEqual([...grants.keys()].sort(), [...expectedGrants.keys()].sort(), `${name}: action set`);
      for (const [action, res] of expectedGrants) {
        assert.deepEqual(grants.get(action), res, `${name}: resources of ${action}`);
      }
    });
  }

  it('ManageConnections only for connect, disconnect and send-message', () => {
    const posting = Object.keys(EXPECTED).filter((name) =>
      fnInfo(built, name).statements.some((s) => asList(s.Action).includes('execute-api:ManageConnections')),
    );
    assert.deepEqual(posting.sort(), ['connect', 'disconnect', 'send-message']);
  });

  it('get-messages queries the byConversation index only, never the Messages table itself', () => {
    const { statements } = fnInfo(built, 'get-messages');
    const onMessagesTable = statements.filter((s) => contains(s.Resource, messagesArn) && !contains(s.Resource, '/index/'));
    assert.deepEqual(onMessagesTable, []);
  });

  it('no policy attached to a function role grants a * action anywhere in the stack', () => {
    for (const f of built.stack.functions.functions) {
      const { statements } = fnInfo(built, f.spec.name);
      assert.ok(statements.length > 0);
      for (const s of statements) assert.ok(asList(s.Action).every((a) => a !== '*' && !a.endsWith(':*')));
    }
  });
});
