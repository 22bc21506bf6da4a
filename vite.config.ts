import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The renderer: built to static files that Electron loads from its app protocol and the browser shell serves. */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, target: 'chrome130', chunkSizeWarningLimit: 1024 },
});
