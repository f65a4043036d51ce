import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is built once and served by both hosts: Electron's app:// handler and `npm run serve`.
export default defineConfig({
  root: 'renderer',
  // Relative asset URLs, so the same build works under app:// and http://127.0.0.1.
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // The hosts' CSP forbids inline scripts and styles; keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
