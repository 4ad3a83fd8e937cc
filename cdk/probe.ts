import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
if (process.env.NOACK) (Validations.prototype as any).acknowledge = () => {};
import { AwsSolutionsChecks } from 'cdk-nag';
import { ChatastrophyStack } from './lib/chatastrophy-stack';
import { ROUTE_FUNCTIONS } from './lib/functions';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assets-'));
for (const f of ROUTE_FUNCTIONS) { fs.mkdirSync(path.join(dir, f.name)); fs.writeFileSync(path.join(dir, f.name, 'bootstrap'), '#!/bin/sh\n'); }
const stage = (process.argv[2] ?? 'dev') as 'dev' | 'prod';
const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'out-')) });
const t0 = Date.now();
const stack = new ChatastrophyStack(app, 'T', { stage, lambdaAssetDir: dir, webDistDir: '/nonexistent' });
const r = new AwsSolutionsChecks(undefined, {}).validateScope(stack);
for (const v of r.violations) console.log(v.severity, v.ruleName, v.violatingResources.map((x) => x.constructPath).join(' '));
console.log('ms', Date.now() - t0);
