import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { build, builtStage, resources, tempDir, TABLES_JSON, type Built } from './helpers';

/** tables.json read here independently of lib/table-definitions.ts. */
const json = JSON.parse(fs.readFileSync(TABLES_JSON, 'utf8'));

function tableResource(built: Built, which: 'clients' | 'messages') {
  const table = which === 'clients' ? built.stack.tables.clients : built.stack.tables.messages;
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

  it('creates exactly two DynamoDB tables', () => {
    built.template.resourceCountIs('AWS::DynamoDB::Table', 2);
  });

  for (const which of ['clients', 'messages'] as const) {
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

  it('the Clients table expires connections through TTL on expiresAt', () => {
    assert.equal(tableResource(built, 'clients').Properties.TimeToLiveSpecification.AttributeName, 'expiresAt');
  });
});

describe('stage-dependent data protection', () => {
  it('dev: no PITR, no deletion protection, DESTROY', () => {
    const built = builtStage('dev');
    for (const which of ['clients', 'messages'] as const) {
      const table = tableResource(built, which);
      assert.equal(table.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ?? false, false, which);
      assert.equal(table.Properties.DeletionProtectionEnabled ?? false, false, which);
      assert.equal(table.DeletionPolicy, 'Delete', which);
      assert.equal(table.UpdateReplacePolicy, 'Delete', which);
    }
  });

  it('prod: PITR on both tables; Messages (and Clients) deletion-protected and RETAINed', () => {
    const built = builtStage('prod');
    for (const which of ['clients', 'messages'] as const) {
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
});
