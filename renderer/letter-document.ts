/** The letter frame's own look: readable defaults the letter's (sanitized) inline styles may override. */
const BASE_CSS = `
  html { color-scheme: light; }
  body { margin: 12px 16px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232a;
    background: #fff; overflow-wrap: anywhere; }
  img { max-width: 100%; height: auto; }
  table { max-width: 100%; }
  blockquote { margin: 0 0 0 .5em; padding-left: .75em; border-left: 3px solid #c9d1da; color: #4a5560; }
  pre { white-space: pre-wrap; }
  a { color: #0b62c4; }
`;

/**
 * The letter frame's sandbox. A link the sanitizer kept carries target="_blank" rel="noopener noreferrer", so a
 * reader's click on it asks for a new top-level window with no opener, which these two tokens allow: Electron's
 * window-open handler hands the address to the system browser (or mail program) and refuses the window, a browser
 * opens a tab. Without allow-scripts nothing in the letter can open one by itself, so only a real click does; and
 * never allow-same-origin, allow-forms or allow-top-navigation, which would let the letter reach the app, submit,
 * or take the app's own window away.
 */
export const LETTER_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

/**
 * The document shown in the letter's `<iframe sandbox={LETTER_SANDBOX} srcdoc>`. `html` is the body as core's
 * sanitizer left it. The policy here is the frame's own second wall: nothing may load but inline images (and remote
 * ones only when the reader asked), nothing may run, no form may submit, and no link may open inside the frame
 * (a link opens only as a new window, see LETTER_SANDBOX).
 */
export function letterDocument(html: string, options: { remoteImages: boolean }): string {
  const policy = [
    "default-src 'none'",
    `img-src data:${options.remoteImages ? ' https: http:' : ''}`,
    "style-src 'unsafe-inline'",
    'font-src data:',
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${policy}">` +
    '<meta name="referrer" content="no-referrer">' +
    `<style>${BASE_CSS}</style></head><body>${html}</body></html>`
  );
}
