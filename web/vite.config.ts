import { defineConfig } from 'vite';

// The build lands in the Go package that embeds it (internal/server/web).
// Nothing inline: the server's CSP allows scripts and styles from 'self'
// only, so no module-preload polyfill and no inlined assets.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../internal/server/web/dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
