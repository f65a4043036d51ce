import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'electron', 'main.js');
const SCREENS = path.join(ROOT, 'test-results', 'screens');

/** The electron package finds its binary through path.txt, written only when the download in its install step worked. */
function electronBinary(): { ok: true } | { ok: false; reason: string } {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  if (!fs.existsSync(path.join(dir, 'path.txt'))) {
    return {
      ok: false,
      reason:
        'the Electron binary is absent (node_modules/electron has no path.txt: its download from GitHub is blocked ' +
        'on this machine); this spec runs wherever `npx electron --version` works',
    };
  }
  return { ok: true };
}

const binary = electronBinary();
const built = fs.existsSync(MAIN) && fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'));

test.describe('the Electron shell', () => {
  test.skip(!binary.ok, binary.ok ? '' : binary.reason);
  test.skip(!built, 'needs `npm run build` (dist/electron and dist/renderer)');

  test('opens the journal in a locked-down window with only the typed bridge', async () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-electron-'));
    const app = await electron.launch({ args: [MAIN], env: { ...process.env, INTERLOG_USER_DATA: userData } });
    try {
      const page = await app.firstWindow();
      await expect(page.getByRole('heading', { name: /Interactions|Взаимодействия/ })).toBeVisible();
      expect(page.url()).toBe('app://interlog/index.html');

      // The page has the bridge and nothing of Node or of ipcRenderer.
      expect(await page.evaluate('typeof window.interlog.call')).toBe('function');
      expect(await page.evaluate('typeof window.require')).toBe('undefined');
      expect(await page.evaluate('typeof window.process')).toBe('undefined');
      expect(await page.evaluate('Object.keys(window.interlog).sort().join()')).toBe('call,onEvent');
      expect(await page.evaluate('window.interlog.call("listAccounts", {})')).toEqual({ ok: true, value: [] });
      expect(await page.evaluate('window.interlog.call("search", { text: 5 })')).toMatchObject({
        ok: false,
        error: { kind: 'invalid-input' },
      });
      expect(await page.evaluate('window.interlog.call("constructor", {})')).toMatchObject({
        ok: false,
        error: { kind: 'not-found' },
      });

      // Navigation away and new windows are refused; the page stays where it is.
      await page.evaluate('window.open("https://example.com/"); location.href = "https://example.com/"');
      await page.waitForTimeout(500);
      expect(app.windows()).toHaveLength(1);
      expect(page.url()).toBe('app://interlog/index.html');

      fs.mkdirSync(SCREENS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENS, 'electron-01-window.png') });
    } finally {
      await app.close();
      fs.rmSync(userData, { recursive: true, force: true });
    }
  });
});
