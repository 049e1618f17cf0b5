#!/usr/bin/env node
// The installed command. It runs the compiled CLI in dist/ (shipped in the package; in a
// clone `npm ci` builds it through the `prepare` script), so no TypeScript transpiler sits
// on the start-up path.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const clone = existsSync(fileURLToPath(new URL('../tsconfig.json', import.meta.url)));
  process.stderr.write(`sfh-pipeline: the compiled CLI is missing (${fileURLToPath(cli)}). ${clone ? 'Run `npm ci` or `npm run build` in the sfh-pipeline folder.' : 'Reinstall sfh-pipeline (npm install sfh-pipeline).'}\n`);
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
