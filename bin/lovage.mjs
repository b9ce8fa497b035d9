#!/usr/bin/env node
// The `lovage` command: runs the TypeScript CLI through tsx, so the repo needs no build step.
// It needs Node >= 22.12; on an older node it runs itself again on the project's Node 22
// (installed into .lovage/ on first use, see scripts/node22.mjs).
import { fileURLToPath } from 'node:url';
import { isNewEnough, runOnNode22 } from '../scripts/node22.mjs';

if (isNewEnough(process.versions.node)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  runOnNode22('node', [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { quiet: true });
}
