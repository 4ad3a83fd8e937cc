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
    const raw = withEntry('upload-url', (f) => (f.s3 = ['dynamodb:PutItem']));
    assert.throws(() => parse(raw), /upload-url\)\.s3: "dynamodb:PutItem" is not a s3: action/);
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
    assert.throws(() => parse(withEntry('default', (f) => (f.routeKey = 'getConversations'))), /route key "getConversations" appears twice/);
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

  it('one route per registry route, same keys', () => {
    const keys = routes.map((r) => r.Properties.RouteKey);
    assert.deepEqual(keys.sort(), json.functions.filter((f: any) => f.kind === 'route').map((f: any) => f.routeKey).sort());
  });

  it('two-way exactly where the registry says so', () => {
    for (const f of json.functions.filter((f: any) => f.kind === 'route')) {
      const route = routes.find((r) => r.Properties.RouteKey === f.routeKey)!;
      assert.equal(route.Properties.RouteResponseSelectionExpression, f.twoWay ? '$default' : undefined, f.routeKey);
    }
  });
});
