/** Schemes the system may open for us: a web page in the browser, a new letter in the mail program. */
const EXTERNAL_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** Longer than any real link; Windows' ShellExecute has failed on far shorter command lines. */
const MAX_LENGTH = 8_192;

/**
 * The only way a URL reaches `shell.openExternal`: parsed with the WHATWG parser (what Chromium itself uses, so the
 * string checked is the string opened), its scheme on the allow-list, and re-serialised. Anything else (file:,
 * smb:, javascript:, custom protocol handlers such as ms-msdt: that have run code on Windows) is refused, as is a
 * web address carrying a user name, which makes `https://bank.example@evil.example` look like the bank.
 */
export function externalUrl(url: string): string | null {
  if (url.length > MAX_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!EXTERNAL_SCHEMES.has(parsed.protocol)) return null;
  if (parsed.protocol !== 'mailto:' && (parsed.username || parsed.password || !parsed.hostname)) return null;
  return parsed.href;
}
