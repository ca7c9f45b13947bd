// Builds the renderer (renderer/ → dist/renderer). `base: './'` keeps asset URLs relative, so the
// same build is served by the web host and by Electron's tessera://app protocol.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    // The CSP forbids inline scripts and styles; keep every asset a separate file.
    assetsInlineLimit: 0,
  },
});
