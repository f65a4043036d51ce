import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP, RENDERER_META_CSP } from '../core/host/csp.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const REVIEW_FILE = path.join(ROOT, 'build', 'electronegativity-review.json');
const require = createRequire(import.meta.url);

/** What build/electronegativity-review.json says about one finding: the check, the file, and why it may stand. */
interface Review {
  id: string;
  file: string;
  status: 'fixed' | 'false-positive' | 'accepted';
  reason: string;
}

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  sample?: string;
  description: string;
  severity: { name: string };
  confidence: { name: string };
}

interface ScanResult {
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: Issue[];
}

type Run = (options: Record<string, unknown>, forCli: boolean) => Promise<ScanResult>;

/**
 * The files the scan reads, copied into a folder of their own: electron/'s sources (not its tests) and the
 * renderer's page, where the CSP meta tag is. The scanner reads only .js/.ts/.html names, so preload.cts (the
 * script the window gets) would be skipped silently; it is copied as preload.cts.ts. Returns the folder and, per
 * copied file, the path in the repository.
 */
function stage(): { dir: string; origin: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-electronegativity-'));
  const origin = new Map<string, string>();
  const copy = (repoPath: string, stagedPath: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, stagedPath)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, repoPath), path.join(dir, stagedPath));
    origin.set(stagedPath, repoPath);
  };
  for (const name of fs.readdirSync(path.join(ROOT, 'electron'))) {
    if (!/\.[cm]?ts$/.test(name) || name.endsWith('.test.ts')) continue;
    const repoPath = `electron/${name}`;
    copy(repoPath, /\.[cm]ts$/.test(name) ? `${repoPath}.ts` : repoPath);
  }
  copy('renderer/index.html', 'renderer/index.html');
  return { dir, origin };
}

/** The version the app ships with: the exact pin in package.json (the scanner cannot look it up offline). */
function electronVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const version = pkg.devDependencies.electron;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`electron is not pinned: ${version}`);
  return version;
}

const staged = stage();

afterAll(() => fs.rmSync(staged.dir, { recursive: true, force: true }));

describe('Electronegativity over the Electron shell', () => {
  it('finds nothing that build/electronegativity-review.json does not explain', async () => {
    const mod = require('@doyensec/electronegativity') as { default?: Run } | Run;
    const run = typeof mod === 'function' ? mod : (mod.default as Run);
    const started = Date.now();
    const result = await run(
      {
        input: staged.dir,
        isRelative: true,
        electronVersionOverride: electronVersion(),
        customScan: [],
        // It compares the version against Electron's release list fetched from GitHub; offline it only waits.
        // Keeping Electron current is a dependency update, not something a scan of our sources can judge.
        excludeFromScan: ['availablesecurityfixesglobalcheck'],
        parserPlugins: [],
      },
      false,
    );
    const seconds = (Date.now() - started) / 1000;

    // A file the scanner could not parse is a file it did not check.
    expect(result.errors.filter((e) => !e.tolerable)).toEqual([]);

    const reviews = JSON.parse(fs.readFileSync(REVIEW_FILE, 'utf8')) as { findings: Review[] };
    const findings = result.issues.map((issue) => ({
      id: issue.id,
      file: staged.origin.get(issue.file) ?? issue.file,
      line: issue.location.line,
      severity: issue.severity.name,
      confidence: issue.confidence.name,
      what: issue.sample ?? issue.description,
      review: reviews.findings.find(
        (r) => r.id === issue.id && r.file === (staged.origin.get(issue.file) ?? issue.file),
      ),
    }));
    const lines = findings.map(
      (f) =>
        `  ${f.review && f.review.status !== 'fixed' ? f.review.status.padEnd(14) : 'NOT REVIEWED  '} ${f.id} ${f.file}:${f.line} ` +
        `(${f.severity}, ${f.confidence})\n      ${f.what}${f.review ? `\n      why: ${f.review.reason}` : ''}`,
    );
    const fixed = reviews.findings.filter((r) => r.status === 'fixed');
    console.log(
      `Electronegativity ${require('@doyensec/electronegativity/package.json').version} over ${staged.origin.size} ` +
        `files, Electron ${electronVersion()}, ${seconds.toFixed(1)} s: ${findings.length} findings\n${lines.join('\n')}\n` +
        `  fixed earlier: ${fixed.map((r) => `${r.id} ${r.file}`).join('; ')}`,
    );

    // Every finding explained, and not one the review says was fixed.
    expect(findings.filter((f) => !f.review).map((f) => `${f.id} ${f.file}:${f.line}`)).toEqual([]);
    expect(findings.filter((f) => f.review?.status === 'fixed').map((f) => `${f.id} ${f.file}:${f.line}`)).toEqual([]);
    // And no explanation left for a finding that is gone: the review says what is true today.
    const stale = reviews.findings.filter(
      (r) => r.status !== 'fixed' && !findings.some((f) => f.id === r.id && f.file === r.file),
    );
    expect(stale.map((r) => `${r.id} ${r.file}`)).toEqual([]);
    for (const review of reviews.findings) expect(review.reason.trim(), `${review.id} ${review.file}`).not.toBe('');
  }, 30_000);

  it('reads the same CSP in renderer/index.html as the hosts send', () => {
    const html = fs.readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta?.[1]).toBe(RENDERER_META_CSP);
    expect(RENDERER_CSP).toBe(`${RENDERER_META_CSP}; frame-ancestors 'none'`);
  });
});
