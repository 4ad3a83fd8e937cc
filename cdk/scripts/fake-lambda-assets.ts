/**
 * Writes a stand-in for cargo-lambda's output: `<dir>/<function>/bootstrap` for every route
 * function and the `$connect` authorizer, so the stack synthesizes without the Rust build (cfn-lint, CI). Never deploy these.
 *
 *   npx tsx scripts/fake-lambda-assets.ts <dir>
 *   npx tsx scripts/fake-lambda-assets.ts --list      # just print the function names
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAMBDA_BINARIES } from '../lib/functions';

const names = [...LAMBDA_BINARIES];
const dir = process.argv[2];
if (dir === '--list') {
  console.log(names.join(' '));
  process.exit(0);
}
if (!dir) {
  console.error('usage: fake-lambda-assets.ts <dir> | --list');
  process.exit(2);
}
for (const name of names) {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'bootstrap'), `#!/bin/sh\n# placeholder for ${name}: not a real build\nexit 1\n`, {
    mode: 0o755,
  });
}
console.log(names.join(' '));
