//! The table definitions in `shared/tables.json`, shared by the CDK stack, the local stack and the
//! adapter tests so the three can never disagree on keys and indexes.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use serde::Deserialize;

/// The raw definitions, as the CDK app reads them too.
pub const TABLES_JSON: &str = include_str!("../tables.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Tables {
    pub clients: TableDefinition,
    pub messages: TableDefinition,
    pub conversations: TableDefinition,
}

impl Tables {
    pub fn load() -> Result<Self, serde_json::Error> {
        serde_json::from_str(TABLES_JSON)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableDefinition {
    pub logical_name: String,
    /// Environment variable that carries the deployed table's name to the functions.
    pub table_name_env: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    pub time_to_live_attribute: Option<String>,
    pub global_secondary_indexes: Vec<IndexDefinition>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct KeyAttribute {
    pub name: String,
    #[serde(rename = "type")]
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexDefinition {
    pub index_name: String,
    /// Environment variable that carries the index name to the functions.
    pub index_name_env: String,
    pub partition_key: KeyAttribute,
    pub sort_key: Option<KeyAttribute>,
    pub projection: String,
}

impl TableDefinition {
    /// A `CreateTable` request for this definition (on-demand billing, as deployed).
    pub fn create_table(
        &self,
        client: &Client,
        table_name: &str,
    ) -> Result<CreateTableFluentBuilder, BuildError> {
        let mut request = client
            .create_table()
            .table_name(table_name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(
                &self.partition_key,
                self.sort_key.as_ref(),
            )?));
        let mut attributes: BTreeSet<&KeyAttribute> =
            self.partition_key_and_sort_key().into_iter().collect();
        for index in &self.global_secondary_indexes {
            attributes.insert(&index.partition_key);
            attributes.extend(index.sort_key.as_ref());
            let projection = Projection::builder()
                .projection_type(ProjectionType::from(index.projection.as_str()))
                .build();
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(
                        &index.partition_key,
                        index.sort_key.as_ref(),
                    )?))
                    .projection(projection)
                    .build()?,
            );
        }
        for attribute in attributes {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&attribute.name)
                    .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                    .build()?,
            );
        }
        Ok(request)
    }

    fn partition_key_and_sort_key(&self) -> Vec<&KeyAttribute> {
        std::iter::once(&self.partition_key)
            .chain(self.sort_key.as_ref())
            .collect()
    }
}

fn key_schema(
    partition: &KeyAttribute,
    sort: Option<&KeyAttribute>,
) -> Result<Vec<KeySchemaElement>, BuildError> {
    let element = |attribute: &KeyAttribute, key_type| {
        KeySchemaElement::builder()
            .attribute_name(&attribute.name)
            .key_type(key_type)
            .build()
    };
    let mut schema = vec![element(partition, KeyType::Hash)?];
    if let Some(sort) = sort {
        schema.push(element(sort, KeyType::Range)?);
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::{attr, clients_key, conversations_key, messages_key};

    #[test]
    fn definitions_parse_and_match_the_adapters_attribute_names() {
        let tables = Tables::load().unwrap();
        assert_eq!(tables.clients.partition_key.name, clients_key::PK);
        assert_eq!(tables.clients.sort_key.unwrap().name, clients_key::SK);
        assert_eq!(
            tables.clients.time_to_live_attribute.as_deref(),
            Some(attr::EXPIRES_AT)
        );
        assert_eq!(
            tables.messages.partition_key.name,
            messages_key::CONVERSATION_ID
        );
        assert_eq!(
            tables.messages.sort_key.unwrap().name,
            messages_key::DEDUP_KEY
        );
        let [index] = tables.messages.global_secondary_indexes.as_slice() else {
            panic!("the Messages table has exactly one GSI")
        };
        assert_eq!(index.partition_key.name, messages_key::CONVERSATION_ID);
        assert_eq!(
            index.sort_key.as_ref().unwrap().name,
            messages_key::MESSAGE_ID
        );
        assert_eq!(index.projection, "ALL");

        assert_eq!(
            tables.conversations.partition_key.name,
            conversations_key::PK
        );
        assert_eq!(
            tables.conversations.sort_key.unwrap().name,
            conversations_key::SK
        );
        let [by_member] = tables.conversations.global_secondary_indexes.as_slice() else {
            panic!("the Conversations table has exactly one GSI")
        };
        assert_eq!(by_member.partition_key.name, conversations_key::MEMBER);
        assert_eq!(
            by_member.sort_key.as_ref().unwrap().name,
            conversations_key::CONVERSATION_ID
        );
        assert_eq!(by_member.projection, "ALL");
    }
}
