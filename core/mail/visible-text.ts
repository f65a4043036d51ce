/**
 * Characters that change how text looks without being seen: control characters (C0, DEL, C1), the
 * bidirectional controls (LRM, RLM, ALM, LRE…RLO, LRI…PDI) that make "invoice\u202Etxt.exe" display as
 * "invoiceexe.txt", zero-width characters, line separators and the BOM. Names and subject lines from a letter are
 * shown and saved without them, so what the reader sees is the order the characters really have.
 */
export const INVISIBLE = /[\p{Cc}\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/gu;

export function visibleText(text: string): string {
  return text.replace(INVISIBLE, '');
}
