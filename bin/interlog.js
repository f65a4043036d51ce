#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx interlog` works on a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../core/cli/main.ts');
run();
