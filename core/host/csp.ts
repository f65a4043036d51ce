/**
 * The renderer's Content-Security-Policy, sent by the HTTP host and by Electron's app:// handler alike.
 *
 * A letter is shown in a sandboxed `<iframe srcdoc>` (no scripts, no same origin), and a srcdoc document inherits this policy on top of its
 * own (the stricter of the two wins), so two entries are wider than the app alone would need: inline styles,
 * because sanitized letters keep their style attributes (React itself sets styles through the CSSOM, which CSP
 * does not restrict), and http(s) images, for the letter whose reader asked to show them. The letter's own policy
 * is what blocks remote images by default.
 */
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https: http:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];
export const RENDERER_CSP = DIRECTIVES.join('; ');

/**
 * The same policy as renderer/index.html carries it in a <meta> tag, so that it holds wherever the page is served
 * from and a scanner reading the files (Electronegativity) sees it. A browser ignores frame-ancestors there (with a
 * console warning), so that one stays in the header alone. e2e/electron-scan.test.ts checks the two agree.
 */
export const RENDERER_META_CSP = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');

/** Headers every response of a host carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()',
};
