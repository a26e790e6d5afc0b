import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The provincial dashboard (hub.html, src/hub), built after the desk into the
// same dist/ (so frontend.Dist embeds both) as a bundle of its own: the
// desk's files stay exactly what the desk's build makes. The hub serves
// hub.html at /.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: ['es2020', 'chrome87', 'firefox78', 'safari14'],
    cssTarget: ['chrome87', 'firefox78', 'safari14'],
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { hub: fileURLToPath(new URL('./hub.html', import.meta.url)) } },
  },
  server: {
    // `npx vite --config vite.hub.config.ts` proxies the API to a local `xaso hub`.
    proxy: { '/api': 'http://127.0.0.1:8430' },
  },
});
