import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a URL path names inside the renderer build, or null. Both hosts (HTTP and Electron's app://) serve the
 * build through this, so neither can be talked into a dot-file, a parent directory or a path smuggled in with
 * percent-encoded slashes, backslashes or NULs.
 */
export function resolveStaticFile(root: string, urlPath: string): string | null {
  let relative: string;
  try {
    relative = urlPath === '/' || urlPath === '' ? 'index.html' : decodeURIComponent(urlPath.replace(/^\//, ''));
  } catch {
    return null;
  }
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.')) || /[\\\0]/.test(relative)) return null;
  const base = path.resolve(root);
  const file = path.join(base, ...segments);
  return file.startsWith(base + path.sep) ? file : null;
}
