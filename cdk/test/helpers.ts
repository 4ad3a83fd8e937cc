import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ChatastrophyStack, type ChatastrophyStackProps } from '../lib/chatastrophy-stack';
import type { StageName } from '../lib/config';
import { LAMBDA_BINARIES } from '../lib/functions';

export const CDK_DIR = path.resolve(__dirname, '..');
export const TABLES_JSON = path.resolve(CDK_DIR, '..', 'shared', 'tables.json');
export const ROUTES_JSON = path.resolve(CDK_DIR, '..', 'shared', 'routes.json');

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chatastrophy-cdk-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** A stand-in for `target/lambda-arm64`: `<fn>/bootstrap` for every route function and the authorizer. */
export function fakeLambdaAssets(): string {
  const dir = tempDir('assets');
  for (const name of LAMBDA_BINARIES) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap'), `#!/bin/sh\n# fake ${name}\n`, { mode: 0o755 });
  }
  return dir;
}

/** A stand-in for `web/dist`. */
export function fakeWebDist(): string {
  const dir = tempDir('dist');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("hi")');
  return dir;
}

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(CDK_DIR, 'cdk.json'), 'utf8')).context;
}

let sharedOutdir: string | undefined;

/**
 * An App with cdk.json's feature flags. Apps of one test file share an output dir unless
 * `isolated`: assets (e.g. BucketDeployment's 20 MB AWS CLI layer) are then staged once, which
 * makes every synth after the first several times faster. CDK's built-in CloudFormation schema
 * validation is off here (it costs 3-7 s per synth and only warns); the real `cdk synth` in
 * scripts/cfn-lint.sh runs it, and cfn-lint checks the same templates strictly.
 */
export function newApp(context: Record<string, unknown> = {}, isolated = false): App {
  const outdir = isolated ? tempDir('out') : (sharedOutdir ??= tempDir('out'));
  return new App({ outdir, context: { ...cdkJsonContext(), ...context }, builtinCloudFormationValidation: false });
}

export interface Built {
  readonly app: App;
  readonly stack: ChatastrophyStack;
  readonly template: Template;
}

let sharedAssets: string | undefined;

/** Builds (and synthesizes) a stack with fake Lambda assets and no web build unless told. */
export function build(stage: StageName, props: Partial<ChatastrophyStackProps> = {}): Built {
  sharedAssets ??= fakeLambdaAssets();
  const app = newApp();
  const stack = new ChatastrophyStack(app, `Test-${stage}`, {
    stage,
    lambdaAssetDir: sharedAssets,
    webDistDir: path.join(os.tmpdir(), 'chatastrophy-no-such-dist'),
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

const cache = new Map<StageName, Built>();
/** One synthesized stack per stage and test file (synth takes seconds). */
export function builtStage(stage: StageName): Built {
  let built = cache.get(stage);
  if (!built) {
    built = build(stage);
    cache.set(stage, built);
  }
  return built;
}

export type Resources = Record<string, { Type: string; Properties?: any; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

export function resources(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  if (!type) return all;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

/** The logical id of the L1 resource behind `construct`. */
export function logicalId(built: Built, construct: { node: { defaultChild?: unknown } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as any);
}

/** Deep search: does `value` contain `needle` (a string, or an object deep-equal to a node)? */
export function contains(value: unknown, needle: unknown): boolean {
  if (JSON.stringify(value) === JSON.stringify(needle)) return true;
  if (typeof needle === 'string' && typeof value === 'string') return value.includes(needle);
  if (Array.isArray(value)) return value.some((v) => contains(v, needle));
  if (value && typeof value === 'object') return Object.values(value).some((v) => contains(v, needle));
  return false;
}
