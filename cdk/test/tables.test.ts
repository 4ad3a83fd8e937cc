import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { build, builtStage, resources, tempDir, TABLES_JSON, type Built } from './helpers';

/** tables.json read here independently of lib/table-definitions.ts. */
const json = JSON.parse(fs.readFileSync(TABLES_JSON, 'utf8'));

type Which = 'clients' | 'messages' | 'conversations';
const ALL_TABLES = ['clients', 'messages', 'conversations'] as const;

function tableResource(built: Built, which: Which) {
  const table = built.stack.tables[which];
  const id = built.stack.getLogicalId(table.node.defaultChild as any);
  return resources(built.template)[id];
}

function keySchema(def: any) {
  return [
    { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
    ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
  ];
}

function attributeDefinitions(def: any) {
  const keys = [def.partitionKey, def.sortKey, ...(def.globalSecondaryIndexes ?? []).flatMap((g: any) => [g.partitionKey, g.sortKey])]
    .filter(Boolean);
  const unique = new Map(keys.map((k: any) => [k.name, k.type]));
  return [...unique].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })).sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));
}

describe('tables match shared/tables.json', () => {
  const built = builtStage('dev');

  it('creates exactly three DynamoDB tables', () => {
    built.template.resourceCountIs('AWS::DynamoDB::Table', 3);
  });

  it('tables.json defines exactly the tables the stack builds', () => {
    assert.deepEqual(Object.keys(json).filter((k) => !k.startsWith('$')).sort(), [...ALL_TABLES].sort());
  });

  for (const which of ALL_TABLES) {
    it(`${which}: key schema, attribute definitions, GSIs and TTL equal the JSON`, () => {
      const def = json[which];
      const props = tableResource(built, which).Properties;
      assert.deepEqual(props.KeySchema, keySchema(def));
      assert.deepEqual(
        [...props.AttributeDefinitions].sort((a: any, b: any) => a.AttributeName.localeCompare(b.AttributeName)),
        attributeDefinitions(def),
      );
      const expectedGsis = (def.globalSecondaryIndexes ?? []).map((g: any) => ({
        IndexName: g.indexName,
        KeySchema: keySchema(g),
        Projection: { ProjectionType: g.projection },
      }));
      assert.deepEqual(props.GlobalSecondaryIndexes ?? [], expectedGsis);
      if (def.timeToLiveAttribute) {
        assert.deepEqual(props.TimeToLiveSpecification, { AttributeName: def.timeToLiveAttribute, Enabled: true });
      } else {
        assert.equal(props.TimeToLiveSpecification, undefined);
      }
    });

    it(`${which}: on-demand billing, no provisioned throughput`, () => {
      const props = tableResource(built, which).Properties;
      assert.equal(props.BillingMode, 'PAY_PER_REQUEST');
      assert.equal(props.ProvisionedThroughput, undefined);
    });
  }

  it('the Messages table has the byConversation GSI with projection ALL', () => {
    const gsi = tableResource(built, 'messages').Properties.GlobalSecondaryIndexes;
    assert.equal(gsi.length, 1);
    assert.equal(gsi[0].IndexName, 'byConversation');
    assert.equal(gsi[0].Projection.ProjectionType, 'ALL');
  });

  it('the Clients table expires connections and presence watches through TTL on expiresAt', () => {
    assert.equal(tableResource(built, 'clients').Properties.TimeToLiveSpecification.AttributeName, 'expiresAt');
  });

  it('the Conversations table: pk/sk, the byMember GSI (member/conversationId, projection ALL), no TTL', () => {
    const props = tableResource(built, 'conversations').Properties;
    assert.deepEqual(props.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    assert.deepEqual(props.GlobalSecondaryIndexes, [
      {
        IndexName: 'byMember',
        KeySchema: [
          { AttributeName: 'member', KeyType: 'HASH' },
          { AttributeName: 'conversationId', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    // Memberships and conversations are kept until removed: nothing may expire them.
    assert.equal(props.TimeToLiveSpecification, undefined);
  });
});

describe('stage-dependent data protection', () => {
  it('dev: no PITR, no deletion protection, DESTROY', () => {
    const built = builtStage('dev');
    for (const which of ALL_TABLES) {
      const table = tableResource(built, which);
      assert.equal(table.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ?? false, false, which);
      assert.equal(table.Properties.DeletionProtectionEnabled ?? false, false, which);
      assert.equal(table.DeletionPolicy, 'Delete', which);
      assert.equal(table.UpdateReplacePolicy, 'Delete', which);
    }
  });

  it('prod: PITR on every table; Messages, Conversations (and Clients) deletion-protected and RETAINed', () => {
    const built = builtStage('prod');
    for (const which of ALL_TABLES) {
      const table = tableResource(built, which);
      assert.equal(table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true, which);
      assert.equal(table.Properties.DeletionProtectionEnabled, true, which);
      assert.equal(table.DeletionPolicy, 'Retain', which);
      assert.equal(table.UpdateReplacePolicy, 'Retain', which);
    }
  });
});

describe('the stack reads the table definitions from the JSON file', () => {
  it('a changed definition changes the template', () => {
    const changed = structuredClone(json);
    changed.messages.sortKey = { name: 'otherKey', type: 'S' };
    changed.clients.timeToLiveAttribute = 'ttl';
    const file = path.join(tempDir('tables'), 'tables.json');
    fs.writeFileSync(file, JSON.stringify(changed));
    const built = build('dev', { tablesJson: file });
    assert.deepEqual(tableResource(built, 'messages').Properties.KeySchema[1], { AttributeName: 'otherKey', KeyType: 'RANGE' });
    assert.equal(tableResource(built, 'clients').Properties.TimeToLiveSpecification.AttributeName, 'ttl');
  });

  it('an invalid definition fails with the file and field named', () => {
    const broken = structuredClone(json);
    delete broken.messages.partitionKey;
    const file = path.join(tempDir('tables'), 'tables.json');
    fs.writeFileSync(file, JSON.stringify(broken));
    assert.throws(() => build('dev', { tablesJson: file }), /tables\.json: messages\.partitionKey/);
  });

  it('a tables.json without the conversations table fails with the file and table named', () => {
    const broken = structuredClone(json);
    delete broken.conversations;
    const file = path.join(tempDir('tables'), 'tables.json');
    fs.writeFileSync(file, JSON.stringify(broken));
    assert.throws(() => build('dev', { tablesJson: file }), /tables\.json: "conversations" is missing/);
  });
});
