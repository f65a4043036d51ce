#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` through the prepare script). When the sources are newer than the
// build, as while developing, it runs them through tsx instead, so a stale build is never used silently.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'core', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestSource(path.join(root, 'core'));
if (fresh) {
  (await import(built)).run();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  (await import('../core/cli/main.ts')).run();
}
