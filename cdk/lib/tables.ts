import { Construct } from 'constructs';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { StageSettings } from './config';
import type { AttributeTypeName, KeyDefinition, TableDefinition, TableDefinitions, TableKey } from './table-definitions';
import { acknowledge } from './nag';

const ATTRIBUTE_TYPES: Record<AttributeTypeName, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

function attribute(key: KeyDefinition): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

export interface ChatTablesProps {
  readonly definitions: TableDefinitions;
  readonly settings: StageSettings;
}

/**
 * The three DynamoDB tables, built from `shared/tables.json` (key schema, GSIs, TTL attribute):
 * - Clients: users, connections and presence watches (`pk`/`sk`), connection and watch items
 *   expire through TTL;
 * - Messages: chat history (`conversationId`/`dedupKey`), read through the `byConversation` GSI;
 * - Conversations: each conversation's meta item and member items (`pk`/`sk`, no TTL), a user's
 *   inbox read through the `byMember` GSI.
 *
 * On-demand billing (chat traffic is spiky and small). For `prod` every table gets point-in-time
 * recovery, deletion protection and RETAIN (they hold user names and history); `dev` tables are
 * disposable (DESTROY, no PITR).
 */
export class ChatTables extends Construct {
  readonly clients: dynamodb.Table;
  readonly messages: dynamodb.Table;
  readonly conversations: dynamodb.Table;
  readonly definitions: TableDefinitions;

  constructor(scope: Construct, id: string, props: ChatTablesProps) {
    super(scope, id);
    this.definitions = props.definitions;
    this.clients = this.table(props.definitions.clients, props.settings);
    this.messages = this.table(props.definitions.messages, props.settings);
    this.conversations = this.table(props.definitions.conversations, props.settings);
  }

  /** The table tables.json (and routes.json's grants) call `key`. */
  byKey(key: TableKey): dynamodb.Table {
    return this[key];
  }

  private table(def: TableDefinition, settings: StageSettings): dynamodb.Table {
    const table = new dynamodb.Table(this, def.logicalName, {
      partitionKey: attribute(def.partitionKey),
      sortKey: def.sortKey && attribute(def.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: def.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: settings.protectData },
      deletionProtection: settings.protectData,
      removalPolicy: settings.removalPolicy,
    });
    for (const gsi of def.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: gsi.sortKey && attribute(gsi.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    if (!settings.protectData) {
      acknowledge(
        table,
        {
          id: 'AwsSolutions-DDB3',
          reason:
            'Dev stage tables are disposable test data (DESTROY on stack delete); point-in-time recovery is enabled for the prod stage.',
        },
      );
    }
    return table;
  }
}
