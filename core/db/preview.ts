const PREVIEW_LENGTH = 240;

/**
 * The opening words the list and the chain show of an interaction: whitespace folded, at most 240 characters.
 * Only the start of a long body is looked at, so a letter of megabytes costs no more than a short one.
 */
export function previewOf(text: string): string {
  return text
    .slice(0, PREVIEW_LENGTH * 2)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, PREVIEW_LENGTH);
}
