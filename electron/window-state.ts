import fs from 'node:fs';
import type { BrowserWindow, Rectangle } from 'electron';

export interface WindowState {
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { width: 1280, height: 800 }, maximized: false };
const MIN_VISIBLE = 100;

/**
 * The window's last bounds, if they still fit the displays: a window saved on a monitor that is gone now would open
 * out of reach, so it opens centred at the default size instead (Electron centres a window given no x and y).
 */
export function loadWindowState(file: string, workAreas: readonly Rectangle[]): WindowState {
  let saved: unknown;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return DEFAULT;
  }
  const s = saved as { bounds?: Partial<Rectangle>; maximized?: unknown };
  const b = s.bounds;
  const numbers = b && [b.x, b.y, b.width, b.height].every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!b || !numbers) return DEFAULT;
  const bounds = b as Rectangle;
  const width = Math.max(640, Math.min(bounds.width, 10_000));
  const height = Math.max(400, Math.min(bounds.height, 10_000));
  const visible = workAreas.some(
    (area) =>
      Math.min(bounds.x + width, area.x + area.width) - Math.max(bounds.x, area.x) >= MIN_VISIBLE &&
      Math.min(bounds.y + height, area.y + area.height) - Math.max(bounds.y, area.y) >= MIN_VISIBLE,
  );
  return {
    bounds: visible ? { x: bounds.x, y: bounds.y, width, height } : { width, height },
    maximized: s.maximized === true,
  };
}

/** Saves the window's normal (unmaximized) bounds and maximized flag when it closes. */
export function rememberWindowState(window: BrowserWindow, file: string): void {
  window.on('close', () => {
    const state = { bounds: window.getNormalBounds(), maximized: window.isMaximized() };
    try {
      fs.writeFileSync(file, JSON.stringify(state));
    } catch {
      // Losing the window position is not worth an error dialog on the way out.
    }
  });
}
