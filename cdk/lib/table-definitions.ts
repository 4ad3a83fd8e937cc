import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Typed view of `shared/tables.json`, the single definition of Chatastrophy's DynamoDB tables.
 * The Rust functions (`include_str!`), the local stack and this CDK app all read the same file,
 * so the deployed key schema cannot drift from the one the code and the local tests use.
 */

export type AttributeTypeName = 'S' | 'N' | 'B';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeTypeName;
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  /** Environment variable through which the functions learn the index name. */
  readonly indexNameEnv: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly projection: 'ALL';
}

export interface TableDefinition {
  /** Name used for construct ids (e.g. `Clients`). */
  readonly logicalName: string;
  /** Environment variable through which the functions learn the table name. */
  readonly tableNameEnv: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
}

export interface TableDefinitions {
  readonly clients: TableDefinition;
  readonly messages: TableDefinition;
  readonly conversations: TableDefinition;
}

/** A table's key in tables.json (`clients`, `messages`, `conversations`), as routes.json names it in its grants. */
export type TableKey = keyof TableDefinitions;

/** `shared/tables.json`, resolved from this file so the cwd does not matter (`cdk/lib/` -> repo root). */
export const DEFAULT_TABLES_JSON = path.resolve(__dirname, '..', '..', 'shared', 'tables.json');

class TableDefinitionError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TableDefinitionError';
  }
}

function key(file: string, where: string, value: unknown): KeyDefinition {
  const k = value as Partial<KeyDefinition> | undefined;
  if (!k || typeof k.name !== 'string' || k.name === '' || !['S', 'N', 'B'].includes(k.type as string)) {
    throw new TableDefinitionError(file, `${where} must be {"name": string, "type": "S"|"N"|"B"}`);
  }
  return { name: k.name, type: k.type as AttributeTypeName };
}

function str(file: string, where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new TableDefinitionError(file, `${where} must be a non-empty string`);
  }
  return value;
}

function table(file: string, name: string, raw: unknown): TableDefinition {
  if (!raw || typeof raw !== 'object') throw new TableDefinitionError(file, `"${name}" is missing`);
  const t = raw as Record<string, unknown>;
  const gsis = t.globalSecondaryIndexes ?? [];
  if (!Array.isArray(gsis)) throw new TableDefinitionError(file, `${name}.globalSecondaryIndexes must be an array`);
  return {
    logicalName: str(file, `${name}.logicalName`, t.logicalName),
    tableNameEnv: str(file, `${name}.tableNameEnv`, t.tableNameEnv),
    partitionKey: key(file, `${name}.partitionKey`, t.partitionKey),
    sortKey: t.sortKey === undefined ? undefined : key(file, `${name}.sortKey`, t.sortKey),
    timeToLiveAttribute:
      t.timeToLiveAttribute === undefined ? undefined : str(file, `${name}.timeToLiveAttribute`, t.timeToLiveAttribute),
    globalSecondaryIndexes: gsis.map((g: Record<string, unknown>, i: number) => {
      const where = `${name}.globalSecondaryIndexes[${i}]`;
      if (g.projection !== 'ALL') throw new TableDefinitionError(file, `${where}.projection must be "ALL"`);
      return {
        indexName: str(file, `${where}.indexName`, g.indexName),
        indexNameEnv: str(file, `${where}.indexNameEnv`, g.indexNameEnv),
        partitionKey: key(file, `${where}.partitionKey`, g.partitionKey),
        sortKey: g.sortKey === undefined ? undefined : key(file, `${where}.sortKey`, g.sortKey),
        projection: 'ALL' as const,
      };
    }),
  };
}

/** Reads and validates `tables.json` (throws a message naming the file and the bad field). */
export function loadTableDefinitions(file: string = DEFAULT_TABLES_JSON): TableDefinitions {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  return {
    clients: table(file, 'clients', raw.clients),
    messages: table(file, 'messages', raw.messages),
    conversations: table(file, 'conversations', raw.conversations),
  };
}
