import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWindowState } from './window-state.js';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };
let dir = '';

function saved(content: unknown): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-window-'));
  const file = path.join(dir, 'window.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('window state', () => {
  it('restores bounds that are on a display', () => {
    const file = saved({ bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true });
    expect(loadWindowState(file, [screen])).toEqual({
      bounds: { x: 100, y: 50, width: 1000, height: 700 },
      maximized: true,
    });
  });

  it('centres a window whose display is gone, keeping its size', () => {
    const file = saved({ bounds: { x: 2500, y: 100, width: 1000, height: 700 }, maximized: false });
    expect(loadWindowState(file, [screen])).toEqual({ bounds: { width: 1000, height: 700 }, maximized: false });
  });

  it('falls back to the default for a missing or damaged file', () => {
    expect(loadWindowState(path.join(os.tmpdir(), 'no-such-interlog-window.json'), [screen]).bounds).toEqual({
      width: 1280,
      height: 800,
    });
    expect(loadWindowState(saved('{oops'), [screen]).bounds).toEqual({ width: 1280, height: 800 });
    expect(loadWindowState(saved({ bounds: { x: 'a', y: 0, width: 1, height: 1 } }), [screen]).bounds).toEqual({
      width: 1280,
      height: 800,
    });
  });

  it('keeps sizes within sane limits', () => {
    const file = saved({ bounds: { x: 0, y: 0, width: 10, height: 1e9 } });
    expect(loadWindowState(file, [screen]).bounds).toEqual({ x: 0, y: 0, width: 640, height: 10_000 });
  });
});
