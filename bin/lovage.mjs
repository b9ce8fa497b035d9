#!/usr/bin/env node
// The `lovage` command: runs the TypeScript CLI through tsx, so the repo needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
