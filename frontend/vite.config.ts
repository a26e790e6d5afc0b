import { svelte } from '@sveltejs/vite-plugin-svelte';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { defineConfig } from 'vite';

// `go build` embeds dist/ (frontend/embed.go); keep its committed placeholder
// after Vite empties the folder.
const keepPlaceholder = {
  name: 'xaso-keep-gitkeep',
  closeBundle() {
    writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '');
  },
};

// `xaso serve` sends these copies to browsers that take gzip (app/api
// serveGzip): compressed once here, at the best level, instead of per request.
const precompress = {
  name: 'xaso-precompress',
  closeBundle() {
    const dir = new URL('./dist/assets/', import.meta.url);
    for (const name of readdirSync(dir)) {
      if (!/\.(js|css|svg|json)$/.test(name)) continue;
      const data = readFileSync(new URL(name, dir));
      const gz = gzipSync(data, { level: 9 });
      if (gz.length < data.length) writeFileSync(new URL(name + '.gz', dir), gz);
    }
  },
};

export default defineConfig({
  plugins: [svelte(), keepPlaceholder, precompress],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Old PCs reach `xaso serve` with an old browser: Windows 7 and 8
    // cannot run the desktop window, and the newest Chrome there is 109
    // (the README says so). Nothing newer than Chromium 109 may reach the
    // output; the window's WebKitGTK 2.40+ and WebView2 handle it easily.
    target: ['es2020', 'chrome109', 'firefox78', 'safari14'],
    cssTarget: ['chrome109', 'firefox78', 'safari14'],
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
