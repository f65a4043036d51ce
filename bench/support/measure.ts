import fs from 'node:fs';

/** Peak resident memory of a process so far (VmHWM), in bytes; null where /proc is not available. */
export function peakRss(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

export const mb = (bytes: number) => bytes / (1024 * 1024);

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}
