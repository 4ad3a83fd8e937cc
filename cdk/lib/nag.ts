import type { IConstruct } from 'constructs';
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';

/**
 * cdk-nag 3 reports a rule with several findings (IAM4, IAM5) once per finding, named
 * `Rule[Kind::value]`, where references to resources of the template read `<LogicalId>` or
 * `<LogicalId.Attribute>`. This renders such a reference for `construct` (an L2 or its L1).
 */
export function nagRef(construct: IConstruct, attribute?: string): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  const logicalId = Stack.of(construct).getLogicalId(element);
  return attribute ? `<${logicalId}.${attribute}>` : `<${logicalId}>`;
}

export interface Acknowledgment {
  /** `AwsSolutions-XX` or a single finding `AwsSolutions-XX[Kind::value]`. */
  readonly id: string;
  /** Why the finding is acceptable here (kept in the template metadata for audits). */
  readonly reason: string;
}

/** Acknowledges cdk-nag findings on `scope` and everything below it, each with its reason. */
export function acknowledge(scope: IConstruct, ...rules: Acknowledgment[]): void {
  for (const rule of rules) {
    if (!rule.reason || rule.reason.length < 20) throw new Error(`acknowledgment of ${rule.id} needs a real reason`);
  }
  Validations.of(scope).acknowledge(...rules);
}
