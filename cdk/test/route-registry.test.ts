import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LAMBDA_BINARIES, ROUTE_FUNCTIONS } from '../lib/functions';
import { loadRouteRegistry, parseRouteRegistry } from '../lib/route-registry';
import { loadTableDefinitions } from '../lib/table-definitions';
import { builtStage, resources, ROUTES_JSON, tempDir } from './helpers';

/** routes.json as written, to break one field at a time. */
const json = JSON.parse(fs.readFileSync(ROUTES_JSON, 'utf8'));
const tables = loadTableDefinitions();

/** A copy of routes.json with `edit` applied to the entry named `name`. */
function withEntry(name: string, edit: (entry: any) => void): unknown {
  const changed = structuredClone(json);
  const entry = changed.functions.find((f: any) => f.name === name);
  assert.ok(entry, `routes.json has ${name}`);
  edit(entry);
  return changed;
}

const parse = (raw: unknown) => parseRouteRegistry(raw, tables);

describe('shared/routes.json loader', () => {
  it('the real registry loads: one authorizer, every entry a Lambda binary', () => {
    const registry = loadRouteRegistry();
    assert.equal(registry.authorizer.name, 'authorizer');
    assert.deepEqual(registry.functions.map((f) => f.name), json.functions.map((f: any) => f.name));
    assert.deepEqual([...LAMBDA_BINARIES], registry.functions.map((f) => f.name));
    assert.deepEqual(ROUTE_FUNCTIONS.map((f) => f.name), registry.routes.map((f) => f.name));
  });

  it('reads an index grant as <table>/index/<indexName>', () => {
    const [grant] = parse(json).routes.find((f) => f.name === 'get-messages')!.dynamodb;
    assert.deepEqual(grant, {
      key: 'messages/index/byConversation',
      table: 'messages',
      indexName: 'byConversation',
      actions: ['dynamodb:Query'],
    });
  });

  it('reads the Conversations table and its byMember index as two grants', () => {
    const spec = parse(json).routes.find((f) => f.name === 'get-conversations')!;
    const byKey = Object.fromEntries(spec.dynamodb.map((g) => [g.key, g]));
    assert.deepEqual(byKey.conversations, { key: 'conversations', table: 'conversations', indexName: undefined, actions: ['dynamodb:BatchGetItem'] });
    assert.deepEqual(byKey['conversations/index/byMember'], {
      key: 'conversations/index/byMember',
      table: 'conversations',
      indexName: 'byMember',
      actions: ['dynamodb:Query'],
    });
  });

  it('rejects a table tables.json does not define', () => {
    const raw = withEntry('search-people', (f) => (f.dynamodb = { users: ['dynamodb:Query'] }));
    assert.throws(() => parse(raw), /search-people.*unknown table "users" \(tables\.json defines clients, messages, conversations\)/);
  });

  it('rejects an index tables.json does not define, and an index of the wrong table', () => {
    const raw = withEntry('get-messages', (f) => (f.dynamodb = { 'messages/index/byAuthor': ['dynamodb:Query'] }));
    assert.throws(() => parse(raw), /get-messages.*table "messages" has no index "byAuthor" \(tables\.json: byConversation\)/);
    const wrongTable = withEntry('get-messages', (f) => (f.dynamodb = { 'clients/index/byConversation': ['dynamodb:Query'] }));
    assert.throws(() => parse(wrongTable), /table "clients" has no index "byConversation" \(tables\.json: none\)/);
    const otherTablesIndex = withEntry('get-messages', (f) => (f.dynamodb = { 'messages/index/byMember': ['dynamodb:Query'] }));
    assert.throws(() => parse(otherTablesIndex), /table "messages" has no index "byMember" \(tables\.json: byConversation\)/);
  });

  it('rejects a non-dynamodb action (or a wildcard) in a DynamoDB grant, and a non-s3 action in s3', () => {
    for (const action of ['s3:GetObject', 'Query', 'dynamodb:*']) {
      const raw = withEntry('search-people', (f) => (f.dynamodb = { clients: [action] }));
      assert.throws(() => parse(raw), new RegExp(`search-people\\)\\.dynamodb\\["clients"\\]: "${action.replace('*', '\\*')}" is not a dynamodb: action`));
    }
    const raw = withEntry('media-urls', (f) => (f.s3 = { 'avatars/': ['dynamodb:PutItem'] }));
    assert.throws(() => parse(raw), /media-urls\)\.s3\["avatars\/"\]: "dynamodb:PutItem" is not a s3: action/);
  });

  it('reads S3 grants per media key prefix, and rejects another prefix, an empty grant or a list', () => {
    assert.deepEqual(parse(json).routes.find((f) => f.name === 'change-message')!.s3, [
      { prefix: 'attachments/', actions: ['s3:DeleteObject'] },
    ]);
    assert.throws(
      () => parse(withEntry('media-urls', (f) => (f.s3 = { '': ['s3:PutObject'] }))),
      /media-urls\)\.s3: "" is not a media key prefix \(avatars\/, attachments\/\)/,
    );
    assert.throws(
      () => parse(withEntry('media-urls', (f) => (f.s3 = { 'site/': ['s3:PutObject'] }))),
      /"site\/" is not a media key prefix/,
    );
    assert.throws(() => parse(withEntry('media-urls', (f) => (f.s3 = { 'avatars/': [] }))), /grants nothing/);
    assert.throws(() => parse(withEntry('media-urls', (f) => (f.s3 = ['s3:PutObject']))), /must be an object of <media key prefix> -> actions/);
  });

  it('rejects an empty grant, a repeated action and a malformed key', () => {
    assert.throws(() => parse(withEntry('search-people', (f) => (f.dynamodb = { clients: [] }))), /grants nothing/);
    assert.throws(
      () => parse(withEntry('search-people', (f) => (f.dynamodb = { clients: ['dynamodb:Query', 'dynamodb:Query'] }))),
      /"dynamodb:Query" is listed twice/,
    );
    assert.throws(
      () => parse(withEntry('get-messages', (f) => (f.dynamodb = { 'messages/byConversation': ['dynamodb:Query'] }))),
      /must be "<table>" or "<table>\/index\/<indexName>"/,
    );
  });

  it('requires exactly one authorizer, on $connect, with no grants', () => {
    const none = structuredClone(json);
    none.functions = none.functions.filter((f: any) => f.kind !== 'authorizer');
    assert.throws(() => parse(none), /exactly one function must have kind "authorizer" \(found 0\)/);
    assert.throws(() => parse(withEntry('default', (f) => (f.kind = 'authorizer'))), /exactly one .* \(found 2\)/);
    assert.throws(() => parse(withEntry('authorizer', (f) => (f.routeKey = '$default'))), /must have routeKey "\$connect"/);
    assert.throws(
      () => parse(withEntry('authorizer', (f) => (f.dynamodb = { clients: ['dynamodb:Query'] }))),
      /the authorizer \(authorizer\) may not have DynamoDB, S3 or connection access/,
    );
  });

  it('rejects a repeated name or route key', () => {
    assert.throws(() => parse(withEntry('default', (f) => (f.name = 'connect'))), /function name "connect" appears twice/);
    assert.throws(() => parse(withEntry('default', (f) => (f.routeKey = '$disconnect'))), /route key "\$disconnect" appears twice/);
    assert.throws(
      () => parse(withEntry('typing', (f) => (f.actions = ['typing', 'getConversations']))),
      /route key "getConversations" appears twice/,
    );
  });

  it('a function without routeKey gets one route per action; routeKey is for API Gateway\'s $ routes only', () => {
    const registry = parse(json);
    assert.deepEqual(registry.routes.find((f) => f.name === 'change-message')!.routeKeys, ['editMessage', 'deleteMessage', 'react']);
    assert.deepEqual(registry.routes.find((f) => f.name === 'default')!.routeKeys, ['$default']);
    assert.deepEqual(registry.routes.find((f) => f.name === 'connect')!.routeKeys, ['$connect']);
    assert.throws(
      () => parse(withEntry('typing', (f) => (f.routeKey = 'typing'))),
      /\(typing\)\.routeKey "typing": only API Gateway's \$ routes have one/,
    );
    assert.throws(() => parse(withEntry('typing', (f) => (f.actions = []))), /\(typing\)\.actions: a function without routeKey needs an action per route/);
    assert.throws(() => parse(withEntry('typing', (f) => (f.actions = ['$default']))), /"\$default" is a routeKey, not an action/);
  });

  it('names the file in its errors', () => {
    const file = path.join(tempDir('routes'), 'routes.json');
    fs.writeFileSync(file, JSON.stringify(withEntry('search-people', (f) => (f.dynamodb = { users: ['dynamodb:Query'] }))));
    assert.throws(() => loadRouteRegistry(file, tables), (e: Error) => e.message.startsWith(`${file}: `));
  });
});

describe('the synthesized WebSocket API serves exactly the registry', () => {
  const built = builtStage('dev');
  const routes = Object.values(resources(built.template, 'AWS::ApiGatewayV2::Route'));

  /** Read from routes.json as written: its `routeKey`, else one route per action. */
  const routeKeysOf = (f: any): string[] => (f.routeKey !== undefined ? [f.routeKey] : f.actions);
  const routeFunctions = json.functions.filter((f: any) => f.kind === 'route');

  it('one route per $ route and per action of the other functions, same keys', () => {
    const keys = routes.map((r) => r.Properties.RouteKey);
    assert.deepEqual(keys.sort(), routeFunctions.flatMap(routeKeysOf).sort());
    for (const action of ['editMessage', 'deleteMessage', 'react', 'typing']) assert.ok(keys.includes(action), action);
  });

  it('two-way exactly where the registry says so', () => {
    for (const f of routeFunctions) {
      for (const key of routeKeysOf(f)) {
        const route = routes.find((r) => r.Properties.RouteKey === key)!;
        assert.equal(route.Properties.RouteResponseSelectionExpression, f.twoWay ? '$default' : undefined, key);
      }
    }
  });
});
