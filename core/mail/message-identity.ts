/** Message-IDs as bare ids: angle brackets and surrounding whitespace are not part of the identity. */
export function normalizeMessageId(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /<([^<>\s]+)>/.exec(raw);
  const id = (match?.[1] ?? raw).trim().replace(/^<|>$/g, '');
  return id.length > 0 && id.length <= 998 && !/\s/.test(id) ? id : null;
}

/** All ids named in a References / In-Reply-To header, in order. */
export function parseIdList(raw: string | string[] | null | undefined): string[] {
  if (!raw) return [];
  const text = Array.isArray(raw) ? raw.join(' ') : raw;
  const ids: string[] = [];
  for (const m of text.matchAll(/<([^<>\s]+)>/g)) if (m[1]) ids.push(m[1]);
  if (ids.length === 0) for (const part of text.split(/[\s,]+/)) if (part) ids.push(part);
  return ids;
}
