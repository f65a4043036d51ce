import type { Address } from './types.js';

/** Addresses compare case-insensitively; the display name is kept as the header gave it. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

export function cleanAddressList(list: ReadonlyArray<{ name?: string; address?: string }> | undefined): Address[] {
  const out: Address[] = [];
  for (const entry of list ?? []) {
    if (!entry.address) continue;
    out.push({ name: (entry.name ?? '').trim(), address: normalizeAddress(entry.address) });
  }
  return out;
}

export function formatAddress(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}
