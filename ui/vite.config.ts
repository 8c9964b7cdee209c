// The dashboard (index.html) and the embeddable viewer (embed.html) are two entries of one
// build, sharing React in a common chunk. The server serves ui/dist (src/dashboard/ui-routes.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    rollupOptions: {
      input: { index: here('index.html'), embed: here('embed.html') },
      // React in a chunk of its own, shared by both entries and cached across releases; other
      // libraries (uPlot) stay with the lazy chunk that imports them.
      output: { manualChunks: (id: string) => (/node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined) },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
