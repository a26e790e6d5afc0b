import { svelte } from '@sveltejs/vite-plugin-svelte';
import { writeFileSync } from 'node:fs';
import { defineConfig } from 'vite';

// `go build` embeds dist/ (frontend/embed.go); keep its committed placeholder
// after Vite empties the folder.
const keepPlaceholder = {
  name: 'xaso-keep-gitkeep',
  closeBundle() {
    writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '');
  },
};

export default defineConfig({
  plugins: [svelte(), keepPlaceholder],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Old PCs may reach `xaso serve` with an old browser; the window's
    // WebKitGTK 2.40+ and WebView2 handle this easily.
    target: ['es2020', 'chrome87', 'firefox78', 'safari14'],
    cssTarget: ['chrome87', 'firefox78', 'safari14'],
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` proxies the API to a local `xaso serve`.
    proxy: { '/api': 'http://127.0.0.1:8420' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
