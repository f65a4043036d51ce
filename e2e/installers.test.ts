import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The installers cannot be built on these machines (electron-builder downloads Electron), so this checks what can
 * be checked without it: the configuration passes electron-builder's own schema, names the four targets, ships the
 * compiled app and the native module, and has an icon the platforms accept.
 */
const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const config = JSON.parse(fs.readFileSync(path.join(root, 'build/electron-builder.json'), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('installer configuration (build/electron-builder.json)', () => {
  it('passes electron-builder’s own validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The validator is not a no-op: a wrong section is refused.
    await expect(validateConfiguration({ ...config, linux: { bogus: 1 } }, new DebugLogger(false))).rejects.toThrow(
      /configuration\.linux/,
    );
  });

  it('builds AppImage and deb, NSIS and dmg, and `npm run dist` uses this file', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
    expect(pkg.scripts.dist).toMatch(/electron-builder --config build\/electron-builder\.json/);
    expect(pkg.build).toBeUndefined();
  });

  it('ships the compiled main process, the renderer and better-sqlite3 rebuilt for Electron', () => {
    expect(config.files).toContain('dist/**');
    expect(pkg.main.startsWith('dist/')).toBe(true);
    expect(fs.existsSync(path.join(root, pkg.main))).toBe(true);
    // Vite writes the renderer under dist/ as well (vite.config.ts: root renderer/, outDir ../dist/renderer).
    const vite = fs.readFileSync(path.join(root, 'vite.config.ts'), 'utf8');
    expect(vite).toMatch(/outDir: '\.\.\/dist\/renderer'/);
    expect(pkg.dependencies['better-sqlite3']).toBeDefined();
    expect(pkg.devDependencies.electron).toBe('41.7.1');
    expect(config.npmRebuild).toBe(true);
    // Worker threads load ES modules from dist/core; they are not read from inside an asar archive.
    expect(config.asar).toBe(false);
  });

  it('has a 512×512 PNG icon', () => {
    const png = fs.readFileSync(path.join(root, config.linux.icon));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });
});
