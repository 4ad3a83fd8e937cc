import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTableDefinitions, type TableDefinitions, type TableKey } from './table-definitions';

/**
 * Typed view of `shared/routes.json`, the one list of Chatastrophy's Lambda functions: what each
 * serves and what it may do. The Makefile, the local gateway, the benchmarks and the Rust tests read
 * the same file, so the deployed functions, routes and IAM grants cannot drift from theirs.
 */

export type FunctionKind = 'route' | 'authorizer';
export type DynamoDbAction = `dynamodb:${string}`;
export type S3Action = `s3:${string}`;

/** The DynamoDB actions a function may call on one table, or on one of its indexes only. */
export interface DynamoDbGrant {
  /** The key as written in routes.json: `<table>` or `<table>/index/<indexName>`. */
  readonly key: string;
  readonly table: TableKey;
  /** The grant is on this GSI's ARN only (not the table's); absent: on the table itself. */
  readonly indexName?: string;
  readonly actions: readonly DynamoDbAction[];
}

/**
 * Key prefixes of user media in the media bucket (docs/protocol.md, "Media"): profile pictures are
 * `avatars/<user>/<id>.<ext>`, attachments `attachments/dm/<a>/<b>/<sender>/<id>.<ext>` or
 * `attachments/room/<room>/<sender>/<id>.<ext>`. A function's `s3` grant names the prefixes its
 * object actions apply to, and no object outside them.
 */
export const MEDIA_KEY_PREFIXES = ['avatars/', 'attachments/'] as const;
export type MediaKeyPrefix = (typeof MEDIA_KEY_PREFIXES)[number];

/** The S3 object actions a function may call on the media objects under one key prefix. */
export interface S3Grant {
  readonly prefix: MediaKeyPrefix;
  readonly actions: readonly S3Action[];
}

/** One cargo-lambda binary in `<assetDir>/<name>/bootstrap` and what it may do. */
export interface FunctionSpec {
  /** Binary name = cargo-lambda output directory = construct id. */
  readonly name: string;
  /** The crate under `functions/` that builds it. */
  readonly crate: string;
  readonly kind: FunctionKind;
  /**
   * The API Gateway route (`$connect`, `$disconnect`, `$default`) it handles (the authorizer: the
   * route it authorizes). Absent for a function of custom routes: see `routeKeys`.
   */
  readonly routeKey?: string;
  /** The protocol's `action` values it answers (docs/protocol.md). */
  readonly actions: readonly string[];
  /** The WebSocket routes it handles: its `routeKey`, else one route per action (derived). */
  readonly routeKeys: readonly string[];
  /** Two-way route: the Lambda's returned body goes back to the client as the route response. */
  readonly twoWay: boolean;
  /** Gets MANAGEMENT_ENDPOINT and `execute-api:ManageConnections` (posts to connections). */
  readonly postsToConnections: boolean;
  readonly description: string;
  /** In file order (the order of the IAM statements). Non-empty: the function gets the table environment. */
  readonly dynamodb: readonly DynamoDbGrant[];
  /** Object actions on the media bucket per key prefix; non-empty: the function gets MEDIA_BUCKET. */
  readonly s3: readonly S3Grant[];
}

export interface RouteRegistry {
  /** Every function, in file order. */
  readonly functions: readonly FunctionSpec[];
  /** The route handlers (`kind: "route"`), in file order. */
  readonly routes: readonly FunctionSpec[];
  /** The `$connect` authorizer (exactly one). */
  readonly authorizer: FunctionSpec;
}

/** `shared/routes.json`, resolved from this file so the cwd does not matter (`cdk/lib/` -> repo root). */
export const DEFAULT_ROUTES_JSON = path.resolve(__dirname, '..', '..', 'shared', 'routes.json');

export class RouteRegistryError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'RouteRegistryError';
  }
}

/** What every field check needs: where to blame, and the tables a grant may name. */
interface Context {
  readonly file: string;
  readonly tables: TableDefinitions;
}

function fail(ctx: Context, message: string): never {
  throw new RouteRegistryError(ctx.file, message);
}

function str(ctx: Context, where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(ctx, `${where} must be a non-empty string`);
  return value;
}

function bool(ctx: Context, where: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(ctx, `${where} must be true or false`);
  return value;
}

function strings(ctx: Context, where: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(ctx, `${where} must be an array of strings`);
  return value.map((v, i) => str(ctx, `${where}[${i}]`, v));
}

/**
 * IAM actions of one service: each `<prefix>:<Operation>`, no wildcard (least privilege), no repeat.
 * The prefix check keeps e.g. an `s3:` action out of a DynamoDB grant, whose resource is a table.
 */
function iamActions<P extends string>(ctx: Context, where: string, value: unknown, prefix: P): `${P}:${string}`[] {
  const actions = strings(ctx, where, value);
  for (const action of actions) {
    if (!new RegExp(`^${prefix}:[A-Za-z]+$`).test(action)) {
      fail(ctx, `${where}: "${action}" is not a ${prefix}: action (expected "${prefix}:<Operation>", no wildcard)`);
    }
  }
  const repeated = actions.find((a, i) => actions.indexOf(a) !== i);
  if (repeated) fail(ctx, `${where}: "${repeated}" is listed twice`);
  return actions as `${P}:${string}`[];
}

/** `<table>` or `<table>/index/<indexName>`, checked against tables.json. */
function dynamoDbGrant(ctx: Context, where: string, key: string, value: unknown): DynamoDbGrant {
  const match = /^([^/]+)(?:\/index\/([^/]+))?$/.exec(key);
  if (!match) fail(ctx, `${where}: "${key}" must be "<table>" or "<table>/index/<indexName>"`);
  const [, table, indexName] = match;
  const known = Object.keys(ctx.tables);
  if (!known.includes(table)) {
    fail(ctx, `${where}: unknown table "${table}" (tables.json defines ${known.join(', ')})`);
  }
  const def = ctx.tables[table as TableKey];
  if (indexName !== undefined && !def.globalSecondaryIndexes.some((g) => g.indexName === indexName)) {
    const indexes = def.globalSecondaryIndexes.map((g) => g.indexName);
    fail(ctx, `${where}: table "${table}" has no index "${indexName}" (tables.json: ${indexes.join(', ') || 'none'})`);
  }
  const actions = iamActions(ctx, `${where}["${key}"]`, value, 'dynamodb');
  if (actions.length === 0) fail(ctx, `${where}["${key}"] grants nothing: list an action or drop the key`);
  return { key, table: table as TableKey, indexName, actions };
}

/** `<prefix>` (one of MEDIA_KEY_PREFIXES) -> object actions. */
function s3Grants(ctx: Context, where: string, value: unknown): S3Grant[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    fail(ctx, `${where} must be an object of <media key prefix> -> actions`);
  }
  return Object.entries(value).map(([prefix, actions]) => {
    if (!(MEDIA_KEY_PREFIXES as readonly string[]).includes(prefix)) {
      fail(ctx, `${where}: "${prefix}" is not a media key prefix (${MEDIA_KEY_PREFIXES.join(', ')})`);
    }
    const granted = iamActions(ctx, `${where}["${prefix}"]`, actions, 's3');
    if (granted.length === 0) fail(ctx, `${where}["${prefix}"] grants nothing: list an action or drop the key`);
    return { prefix: prefix as MediaKeyPrefix, actions: granted };
  });
}

/**
 * `routeKey` names one of API Gateway's own routes (`$connect`, ...); a function without one serves
 * custom routes, one per action (the key API Gateway selects by `$request.body.action`).
 */
function routeKeys(ctx: Context, where: (field: string) => string, routeKey: unknown, actions: readonly string[]) {
  if (routeKey !== undefined) {
    const key = str(ctx, where('routeKey'), routeKey);
    if (!key.startsWith('$')) {
      fail(ctx, `${where('routeKey')} "${key}": only API Gateway's $ routes have one; a custom route's key is its action`);
    }
    return { routeKey: key, routeKeys: [key] };
  }
  if (actions.length === 0) fail(ctx, `${where('actions')}: a function without routeKey needs an action per route`);
  const dollar = actions.find((a) => a.startsWith('$'));
  if (dollar !== undefined) fail(ctx, `${where('actions')}: "${dollar}" is a routeKey, not an action`);
  return { routeKey: undefined, routeKeys: [...actions] };
}

function functionSpec(ctx: Context, index: number, value: unknown): FunctionSpec {
  if (!value || typeof value !== 'object') fail(ctx, `functions[${index}] must be an object`);
  const f = value as Record<string, unknown>;
  const name = str(ctx, `functions[${index}].name`, f.name);
  const where = (field: string) => `functions[${index}] (${name}).${field}`;

  if (f.kind !== 'route' && f.kind !== 'authorizer') fail(ctx, `${where('kind')} must be "route" or "authorizer"`);
  const grants = f.dynamodb;
  if (!grants || typeof grants !== 'object' || Array.isArray(grants)) {
    fail(ctx, `${where('dynamodb')} must be an object of <table>[/index/<name>] -> actions`);
  }
  const actions = strings(ctx, where('actions'), f.actions);
  return {
    name,
    crate: str(ctx, where('crate'), f.crate),
    kind: f.kind,
    ...routeKeys(ctx, where, f.routeKey, actions),
    actions,
    twoWay: bool(ctx, where('twoWay'), f.twoWay),
    postsToConnections: bool(ctx, where('postsToConnections'), f.postsToConnections),
    description: str(ctx, where('description'), f.description),
    dynamodb: Object.entries(grants).map(([key, actions]) => dynamoDbGrant(ctx, where('dynamodb'), key, actions)),
    s3: s3Grants(ctx, where('s3'), f.s3),
  };
}

function unique(ctx: Context, what: string, values: readonly string[]): void {
  const repeated = values.find((v, i) => values.indexOf(v) !== i);
  if (repeated !== undefined) fail(ctx, `${what} "${repeated}" appears twice`);
}

/**
 * ChatIdentity gives the authorizer a role that may only write its own logs and attaches it to
 * `$connect` (the only route a WebSocket API authorizes): a grant here would silently not apply.
 */
function checkAuthorizer(ctx: Context, authorizers: readonly FunctionSpec[]): FunctionSpec {
  if (authorizers.length !== 1) {
    fail(ctx, `exactly one function must have kind "authorizer" (found ${authorizers.length})`);
  }
  const [authorizer] = authorizers;
  const where = `the authorizer (${authorizer.name})`;
  if (authorizer.routeKey !== '$connect') fail(ctx, `${where} must have routeKey "$connect"`);
  if (authorizer.dynamodb.length > 0 || authorizer.s3.length > 0 || authorizer.postsToConnections) {
    fail(ctx, `${where} may not have DynamoDB, S3 or connection access (its role only writes its logs)`);
  }
  return authorizer;
}

/** Validates the parsed routes.json against tables.json (throws a message naming the file and the bad field). */
export function parseRouteRegistry(raw: unknown, tables: TableDefinitions, file = 'routes.json'): RouteRegistry {
  const ctx: Context = { file, tables };
  const list = (raw as { functions?: unknown } | undefined)?.functions;
  if (!Array.isArray(list) || list.length === 0) fail(ctx, '"functions" must be a non-empty array');

  const functions = list.map((f, i) => functionSpec(ctx, i, f));
  const routes = functions.filter((f) => f.kind === 'route');
  unique(ctx, 'function name', functions.map((f) => f.name));
  unique(ctx, 'route key', routes.flatMap((f) => f.routeKeys));
  const authorizer = checkAuthorizer(ctx, functions.filter((f) => f.kind === 'authorizer'));
  return { functions, routes, authorizer };
}

/** Reads and validates `routes.json`; table keys and index names are checked against `tables`. */
export function loadRouteRegistry(
  file: string = DEFAULT_ROUTES_JSON,
  tables: TableDefinitions = loadTableDefinitions(),
): RouteRegistry {
  return parseRouteRegistry(JSON.parse(fs.readFileSync(file, 'utf8')), tables, file);
}
