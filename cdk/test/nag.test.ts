import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChatastrophyStack } from '../lib/chatastrophy-stack';
import type { StageName } from '../lib/config';
import { build, fakeLambdaAssets, newApp } from './helpers';

const STAGES: StageName[] = ['dev', 'prod'];

interface Recorded {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Builds a stage while recording every acknowledgment (or dropping them all). */
function buildRecording(stage: StageName, mode: 'record' | 'drop'): { acks: Recorded[]; stack: ChatastrophyStack } {
  const acks: Recorded[] = [];
  const proto = Validations.prototype as any;
  const original = proto.acknowledge;
  proto.acknowledge = function (this: any, ...rules: Array<{ id: string; reason: string }>) {
    for (const rule of rules) acks.push({ path: this.scope.node.path, id: rule.id, reason: rule.reason });
    if (mode === 'record') original.apply(this, rules);
  };
  try {
    const { stack } = build(stage);
    return { acks, stack };
  } finally {
    proto.acknowledge = original;
  }
}

describe('cdk-nag AwsSolutions', () => {
  for (const stage of STAGES) {
    const recorded = buildRecording(stage, 'record');

    it(`${stage}: no unacknowledged finding (errors and warnings alike)`, () => {
      const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(recorded.stack);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      assert.deepEqual(findings, []);
    });

    it(`${stage}: every acknowledgment has a reason and matches a real finding (no stale suppressions)`, () => {
      const { acks } = recorded;
      assert.ok(acks.length > 0);
      for (const ack of acks) assert.ok(ack.reason.trim().length >= 40, `${ack.id} at ${ack.path}: reason too short`);

      const { stack: bare } = buildRecording(stage, 'drop');
      const violations = new AwsSolutionsChecks().validateScope(bare).violations;
      const stale = acks.filter(
        (ack) =>
          !violations.some(
            (v) =>
              v.ruleName === ack.id &&
              v.violatingResources.some((r) => r.constructPath === ack.path || r.constructPath?.startsWith(`${ack.path}/`)),
          ),
      );
      assert.deepEqual(stale.map((a) => `${a.id} at ${a.path}`), []);
    });
  }

  it('registered like bin/app.ts (policy-validation plugin), synth succeeds and records the reasons in the template', () => {
    const app = newApp();
    const stack = new ChatastrophyStack(app, 'NagApp', {
      stage: 'prod',
      lambdaAssetDir: fakeLambdaAssets(),
      webDistDir: path.join(os.tmpdir(), 'chatastrophy-no-such-dist'),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template;
    const suppressions = Object.values<any>(template.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    assert.ok(suppressions.some((s: any) => s.id === 'AwsSolutions-APIG4' && s.reason.length > 40));
  });

  it('an unacknowledged finding fails the synth (the check is live)', () => {
    const app = newApp({}, true);
    const stack = new ChatastrophyStack(app, 'NagFail', {
      stage: 'dev',
      lambdaAssetDir: fakeLambdaAssets(),
      webDistDir: path.join(os.tmpdir(), 'chatastrophy-no-such-dist'),
    });
    new s3.Bucket(stack, 'CarelessBucket');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const quiet = console.error;
    console.error = () => {}; // CDK prints the report; it is checked below
    try {
      assert.throws(() => app.synth(), /Validation failed/);
    } finally {
      console.error = quiet;
    }
    const report = fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8');
    assert.match(report, /AwsSolutions-S10/);
    assert.match(report, /CarelessBucket/);
  });
});
