import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LAMBDA_BINARIES, MEDIA_KEY_PREFIXES, ROUTE_FUNCTIONS } from '../lib/functions';
import { build, builtStage, CDK_DIR, contains, resources, type Built } from './helpers';

interface Expected {
  /** Every table's name and index names in the environment (ENV_ALL). */
  tables: boolean;
  clients: string[];
  messages: string[];
  conversations: string[];
  /** On the Messages table's `byConversation` index only. */
  byConversation: string[];
  /** On the Conversations table's `byMember` index only. */
  byMember: string[];
  manageConnections: boolean;
  /** S3 actions on the media bucket's `avatars/*` and `attachments/*` objects. */
  media: string[];
  /** S3 actions on the media bucket's `attachments/*` objects only. */
  attachments: string[];
}

const NOTHING: Expected = {
  tables: false,
  clients: [],
  messages: [],
  conversations: [],
  byConversation: [],
  byMember: [],
  manageConnections: false,
  media: [],
  attachments: [],
};
/** A handler's grants: NOTHING plus what is written out; `tables` follows from any DynamoDB grant. */
function grants(own: Partial<Omit<Expected, 'tables'>>): Expected {
  const e = { ...NOTHING, ...own };
  return { ...e, tables: [...e.clients, ...e.messages, ...e.conversations, ...e.byConversation, ...e.byMember].length > 0 };
}

/** Posting to the users of a conversation: their user items (connections), stale connections dropped. */
const FAN_OUT = ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'];

/**
 * What each handler may do, written out here (not derived from lib/ or routes.json) so a change
 * must touch both. The caller's identity comes from `requestContext.authorizer` (the `$connect`
 * authorizer's context), so no route reads its own connection record (no GetItem on Clients
 * anywhere); GetItem is only a membership read on Conversations. Nothing reads every user: the
 * presence and profile audience is the byMember index (direct partners) plus the watch items.
 */
const EXPECTED: Record<string, Expected> = {
  connect: grants({
    clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    byMember: ['dynamodb:Query'],
    manageConnections: true,
  }),
  disconnect: grants({
    clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    byMember: ['dynamodb:Query'],
    manageConnections: true,
  }),
  'send-message': grants({
    clients: FAN_OUT,
    messages: ['dynamodb:PutItem'],
    conversations: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    // The message replied to (replyTo), found by its id.
    byConversation: ['dynamodb:Query'],
    manageConnections: true,
  }),
  // The quoted messages not on the page, by their keys.
  'get-messages': grants({
    conversations: ['dynamodb:GetItem'],
    byConversation: ['dynamodb:Query'],
    messages: ['dynamodb:BatchGetItem'],
  }),
  // editMessage, deleteMessage, react: the message by its id, one conditional update (a reaction
  // re-reads the item on a concurrent change), the conversation's last message revised, the
  // deleted message's attachment removed (attachments only, never an avatar).
  'change-message': grants({
    clients: FAN_OUT,
    messages: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    conversations: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    byConversation: ['dynamodb:Query'],
    manageConnections: true,
    attachments: ['s3:DeleteObject'],
  }),
  // The rate gate is a Clients item per typer and conversation.
  typing: grants({
    clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    conversations: ['dynamodb:GetItem', 'dynamodb:Query'],
    manageConnections: true,
  }),
  // getUploadUrl signs PUTs, getDownloadUrl GETs; both read a room's membership.
  'media-urls': grants({ conversations: ['dynamodb:GetItem'], media: ['s3:PutObject', 's3:GetObject'] }),
  'set-avatar': grants({
    clients: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    byMember: ['dynamodb:Query'],
    manageConnections: true,
  }),
  // createRoom puts the room (PutItem); addMembers reads which newcomers are already members
  // (BatchGetItem) and puts the others' member items; removeMember deletes one (DeleteItem);
  // renameRoom, addMembers, removeMember and setRole read the room, list its members and update it.
  rooms: grants({
    clients: FAN_OUT,
    conversations: [
      'dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    manageConnections: true,
  }),
  'get-members': grants({
    clients: ['dynamodb:BatchGetItem'],
    conversations: ['dynamodb:GetItem', 'dynamodb:Query'],
  }),
  'get-conversations': grants({
    clients: ['dynamodb:BatchGetItem'],
    conversations: ['dynamodb:BatchGetItem'],
    byMember: ['dynamodb:Query'],
    byConversation: ['dynamodb:Query'],
  }),
  'mark-read': grants({
    clients: FAN_OUT,
    conversations: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    byConversation: ['dynamodb:Query'],
    manageConnections: true,
  }),
  'search-people': grants({ clients: ['dynamodb:Query'] }),
  'watch-presence': grants({
    clients: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
    conversations: ['dynamodb:BatchGetItem'],
  }),
  default: NOTHING,
};
/** The `$connect` authorizer: verifies a token against the pool's public keys, touches nothing. */
const AUTHORIZER: Expected = NOTHING;
/** Route handlers and the authorizer: every Rust function of the stack. */
const ALL_FUNCTIONS: Record<string, Expected> = { ...EXPECTED, authorizer: AUTHORIZER };
/** The media objects a function with S3 access may touch, in this order (not derived from lib/). */
const MEDIA_OBJECTS = ['/avatars/*', '/attachments/*'];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const ENV_ALL = [
  'CLIENTS_TABLE', 'MESSAGES_TABLE', 'MESSAGES_BY_CONVERSATION_INDEX', 'CONVERSATIONS_TABLE', 'CONVERSATIONS_BY_MEMBER_INDEX',
];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** CDK's policy minimization may reorder the resources of a statement. */
const sorted = (list: unknown[] | undefined): unknown[] | undefined =>
  list && [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function fnInfo(built: Built, name: string) {
  const f = name === 'authorizer' ? built.stack.identity.authorizer : built.stack.functions.get(name);
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
    conversations: id(built.stack.tables.conversations),
    api: id(built.stack.webSocket.api),
    media: id(built.stack.media.bucket),
  };
}

/** `<media bucket ARN>/avatars/*`, `<media bucket ARN>/attachments/*` as synthesized. */
function mediaObjectArns(built: Built, objects: readonly string[] = MEDIA_OBJECTS): unknown[] {
  const bucketArn = { 'Fn::GetAtt': [ids(built).media, 'Arn'] };
  return objects.map((suffix) => ({ 'Fn::Join': ['', [bucketArn, suffix]] }));
}

describe('route functions', () => {
  const built = builtStage('dev');

  it('one function per concept: fifteen, plus the $connect authorizer, plus CDK handlers (BucketDeployment, auto-delete)', () => {
    assert.equal(Object.keys(EXPECTED).length, 15);
    assert.deepEqual(ROUTE_FUNCTIONS.map((f) => f.name).sort(), Object.keys(EXPECTED).sort());
    assert.deepEqual([...LAMBDA_BINARIES].sort(), Object.keys(ALL_FUNCTIONS).sort());
    const fns = Object.values(resources(built.template, 'AWS::Lambda::Function'));
    assert.equal(fns.filter((f) => f.Properties.Runtime === 'provided.al2023').length, 16);
  });

  for (const name of Object.keys(ALL_FUNCTIONS)) {
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
    for (const name of Object.keys(ALL_FUNCTIONS)) {
      const key: string = fnInfo(built, name).fn.Properties.Code.S3Key;
      const staged = path.join(built.app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'bootstrap');
      assert.match(fs.readFileSync(staged, 'utf8'), new RegExp(`fake ${name}\\n`), name);
    }
  });

  it('-c architecture=x86_64 (fallback build) switches every Rust function to x86_64', () => {
    const x86 = build('dev', { architecture: 'x86_64' });
    const archs = Object.values(resources(x86.template, 'AWS::Lambda::Function'))
      .filter((f) => f.Properties.Runtime === 'provided.al2023')
      .map((f) => f.Properties.Architectures);
    assert.deepEqual(archs, Array(16).fill(['x86_64']));
  });

  it('a missing bootstrap fails the synth with a hint to build the Lambdas', () => {
    assert.throws(
      () => build('dev', { lambdaAssetDir: '/nonexistent/lambda-arm64' }),
      /Lambda binaries not found: .*connect\/bootstrap.*cargo lambda build/s,
    );
  });

  it('environment: table names and index only where a table is used; management endpoint only where it posts; media bucket only where it signs URLs or deletes attachments; pool ids only for the authorizer', () => {
    const { clients, messages, conversations, api, media } = ids(built);
    const endpoint = {
      'Fn::Join': ['', ['https://', { Ref: api }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/dev']],
    };
    for (const [name, expected] of Object.entries(ALL_FUNCTIONS)) {
      const vars = fnInfo(built, name).fn.Properties.Environment?.Variables ?? {};
      if (name === 'default') {
        assert.deepEqual(vars, {}, name);
        continue;
      }
      const keys = [
        ...(expected.tables ? ENV_ALL : []),
        ...(expected.manageConnections ? ['MANAGEMENT_ENDPOINT'] : []),
        ...(expected.media.length + expected.attachments.length > 0 ? ['MEDIA_BUCKET'] : []),
        ...(name === 'authorizer' ? ['USER_POOL_CLIENT_ID', 'USER_POOL_ID'] : []),
      ].sort();
      assert.deepEqual(Object.keys(vars).sort(), keys, name);
      if (expected.tables) {
        assert.deepEqual(vars.CLIENTS_TABLE, { Ref: clients }, name);
        assert.deepEqual(vars.MESSAGES_TABLE, { Ref: messages }, name);
        assert.equal(vars.MESSAGES_BY_CONVERSATION_INDEX, 'byConversation', name);
        assert.deepEqual(vars.CONVERSATIONS_TABLE, { Ref: conversations }, name);
        assert.equal(vars.CONVERSATIONS_BY_MEMBER_INDEX, 'byMember', name);
      }
      if (expected.manageConnections) assert.deepEqual(vars.MANAGEMENT_ENDPOINT, endpoint, name);
      if (expected.media.length + expected.attachments.length > 0) assert.deepEqual(vars.MEDIA_BUCKET, { Ref: media }, name);
    }
  });

  it('MEDIA_BUCKET is set for media-urls and change-message only, to the media bucket name', () => {
    const { media } = ids(built);
    const withBucket = Object.keys(ALL_FUNCTIONS)
      .filter((name) => fnInfo(built, name).fn.Properties.Environment?.Variables?.MEDIA_BUCKET !== undefined);
    assert.deepEqual(withBucket.sort(), ['change-message', 'media-urls']);
    for (const name of withBucket) {
      assert.deepEqual(fnInfo(built, name).fn.Properties.Environment.Variables.MEDIA_BUCKET, { Ref: media }, name);
    }
    // The media bucket's name, not the site's or the access-log bucket's.
    assert.notEqual(built.stack.getLogicalId(built.stack.site.bucket.node.defaultChild as any), media);
  });
});

describe('least-privilege IAM per function', () => {
  const built = builtStage('dev');
  const { clients, messages, conversations, api } = ids(built);
  const clientsArn = { 'Fn::GetAtt': [clients, 'Arn'] };
  const messagesArn = { 'Fn::GetAtt': [messages, 'Arn'] };
  const conversationsArn = { 'Fn::GetAtt': [conversations, 'Arn'] };
  const byConversationArn = { 'Fn::Join': ['', [messagesArn, '/index/byConversation']] };
  const byMemberArn = { 'Fn::Join': ['', [conversationsArn, '/index/byMember']] };
  const connectionsArn = {
    'Fn::Join': ['', [
      'arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
      { Ref: api }, '/dev/POST/@connections/*',
    ]],
  };

  for (const [name, expected] of Object.entries(ALL_FUNCTIONS)) {
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
      add(expected.conversations, conversationsArn);
      add(expected.byConversation, byConversationArn);
      add(expected.byMember, byMemberArn);
      if (expected.manageConnections) add(['execute-api:ManageConnections'], connectionsArn);
      for (const objects of mediaObjectArns(built)) add(expected.media, objects);
      for (const objects of mediaObjectArns(built, ['/attachments/*'])) add(expected.attachments, objects);

      assert.deepEqual([...grants.keys()].sort(), [...expectedGrants.keys()].sort(), `${name}: action set`);
      for (const [action, res] of expectedGrants) {
        assert.deepEqual(sorted(grants.get(action)), sorted(res), `${name}: resources of ${action}`);
      }
    });
  }

  it('ManageConnections only for the functions that tell others (presence, messages, room changes, read state)', () => {
    const posting = Object.keys(ALL_FUNCTIONS).filter((name) =>
      fnInfo(built, name).statements.some((s) => asList(s.Action).includes('execute-api:ManageConnections')),
    );
    assert.deepEqual(posting.sort(), [
      'change-message', 'connect', 'disconnect', 'mark-read', 'rooms', 'send-message', 'set-avatar', 'typing',
    ]);
    for (const name of ['media-urls', 'get-members', 'get-conversations', 'search-people', 'watch-presence', 'authorizer']) {
      assert.ok(!contains(fnInfo(built, name).statements, 'execute-api:'), `${name} cannot post to connections`);
      assert.equal(fnInfo(built, name).fn.Properties.Environment.Variables.MANAGEMENT_ENDPOINT, undefined, name);
    }
  });

  it('media-urls: one S3 statement, exactly s3:PutObject and s3:GetObject on exactly avatars/* and attachments/* of the media bucket', () => {
    const s3Statements = fnInfo(built, 'media-urls').statements.filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));
    assert.equal(s3Statements.length, 1);
    const [statement] = s3Statements;
    assert.deepEqual(asList(statement.Action).sort(), ['s3:GetObject', 's3:PutObject']);
    assert.deepEqual(sorted(asList(statement.Resource)), sorted(mediaObjectArns(built)));
    // Nothing on the bucket itself (ListBucket, GetBucket*): no resource is the bare bucket ARN.
    const bucketArn = { 'Fn::GetAtt': [ids(built).media, 'Arn'] };
    assert.ok(!asList(statement.Resource).some((r) => JSON.stringify(r) === JSON.stringify(bucketArn)));
  });

  it('change-message: one S3 statement, exactly s3:DeleteObject on exactly attachments/* (never an avatar)', () => {
    const s3Statements = fnInfo(built, 'change-message').statements.filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));
    assert.equal(s3Statements.length, 1);
    const [statement] = s3Statements;
    assert.deepEqual(asList(statement.Action), ['s3:DeleteObject']);
    assert.deepEqual(asList(statement.Resource), mediaObjectArns(built, ['/attachments/*']));
  });

  it('no function but media-urls and change-message has any s3: action; only change-message deletes', () => {
    const withS3 = Object.keys(ALL_FUNCTIONS).filter((name) =>
      fnInfo(built, name).statements.some((s) => asList(s.Action).some((a) => a.toLowerCase().startsWith('s3:'))),
    );
    assert.deepEqual(withS3.sort(), ['change-message', 'media-urls']);
    const deleting = Object.keys(ALL_FUNCTIONS).filter((name) => contains(fnInfo(built, name).statements, 's3:DeleteObject'));
    assert.deepEqual(deleting, ['change-message']);
  });

  it('the media prefixes cover every key layout of docs/protocol.md, and nothing else', () => {
    // Key templates are the backticked `…/<id>.<ext>` entries of the protocol's "Media" section.
    const protocol = fs.readFileSync(path.join(CDK_DIR, '..', 'docs', 'protocol.md'), 'utf8');
    const templates = [...protocol.matchAll(/`([^`\s]*<id>\.<ext>)`/g)].map((m) => m[1]);
    assert.ok(templates.length >= 2, `key templates found in docs/protocol.md: ${templates.join(', ')}`);
    for (const template of templates) {
      assert.equal(MEDIA_KEY_PREFIXES.filter((p) => template.startsWith(p)).length, 1, template);
    }
    for (const prefix of MEDIA_KEY_PREFIXES) {
      assert.ok(templates.some((t) => t.startsWith(prefix)), `${prefix} is a key root of the protocol`);
      assert.match(prefix, /^[a-z]+\/$/, 'a prefix is one path segment (no wildcard, no leading slash)');
    }
    // The synthesized grants are exactly these prefixes.
    assert.deepEqual(MEDIA_KEY_PREFIXES.map((p) => `/${p}*`), MEDIA_OBJECTS);
  });

  it('no function may GetItem on the Clients table (the caller comes from the authorizer\'s context); GetItem is a Conversations membership read, or change-message\'s re-read of a message', () => {
    for (const name of Object.keys(ALL_FUNCTIONS)) {
      for (const s of fnInfo(built, name).statements.filter((s) => asList(s.Action).includes('dynamodb:GetItem'))) {
        const allowed = name === 'change-message' ? [conversationsArn, messagesArn] : [conversationsArn];
        assert.ok(allowed.some((arn) => JSON.stringify(asList(s.Resource)) === JSON.stringify([arn])), name);
      }
    }
  });

  it('no function may Scan any table or index', () => {
    for (const name of Object.keys(ALL_FUNCTIONS)) {
      assert.ok(!contains(fnInfo(built, name).statements, 'dynamodb:Scan'), name);
    }
  });

  it('media-urls reads room memberships only (GetItem on Conversations); the authorizer has no DynamoDB access', () => {
    const dynamo = fnInfo(built, 'media-urls').statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    assert.deepEqual(dynamo.map((s) => [asList(s.Action), asList(s.Resource)]), [[['dynamodb:GetItem'], [conversationsArn]]]);
    assert.ok(!contains(fnInfo(built, 'authorizer').statements, 'dynamodb:'));
  });

  it('get-messages, get-conversations and mark-read query the byConversation index, never the Messages table itself (get-messages only batch-reads quoted messages)', () => {
    for (const name of ['get-messages', 'get-conversations', 'mark-read']) {
      const { statements } = fnInfo(built, name);
      const onMessagesTable = statements.filter((s) => contains(s.Resource, messagesArn) && !contains(s.Resource, '/index/'));
      const expected = name === 'get-messages' ? [['dynamodb:BatchGetItem']] : [];
      assert.deepEqual(onMessagesTable.map((s) => asList(s.Action)), expected, name);
    }
  });

  it('the Clients table is queried only by presence fan-out (watchers) and searchPeople, never to list every user', () => {
    const querying = Object.keys(ALL_FUNCTIONS).filter((name) =>
      fnInfo(built, name).statements.some((s) => asList(s.Action).includes('dynamodb:Query') && contains(s.Resource, clientsArn)),
    );
    assert.deepEqual(querying.sort(), ['connect', 'disconnect', 'search-people', 'set-avatar']);
  });

  it('no policy attached to a function role grants a * action anywhere in the stack', () => {
    for (const name of Object.keys(ALL_FUNCTIONS)) {
      const { statements } = fnInfo(built, name);
      assert.ok(statements.length > 0);
      for (const s of statements) assert.ok(asList(s.Action).every((a) => a !== '*' && !a.endsWith(':*')));
    }
  });
});
