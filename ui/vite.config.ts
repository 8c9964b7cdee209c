// The dashboard (index.html) and the embeddable viewer (embed.html) are two entries of one
// build, sharing React in a common chunk. The server serves ui/dist (src/dashboard/ui-routes.ts),
// each script, style and SVG also as .br and .gz written here, so it is compressed once, at the
// highest levels, rather than on every request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const PRECOMPRESSED = /\.(?:js|css|svg|json|txt)$/;
// As src/http/compression.ts: smaller files are not worth it.
const THRESHOLD_BYTES = 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Writes `<file>.br` and `<file>.gz` beside every compressible file of the build, public/ included. */
function precompress(outDir: string): Plugin {
  return {
    name: 'stele-precompress',
    apply: 'build',
    closeBundle() {
      for (const path of filesUnder(outDir).filter((file) => PRECOMPRESSED.test(file))) {
        const data = readFileSync(path);
        if (data.length < THRESHOLD_BYTES) continue;
        writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(data, {
          params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
        }));
      }
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react(), precompress(here('dist'))],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    rollupOptions: {
      input: { index: here('index.html'), embed: here('embed.html') },
      // React in a chunk of its own, shared by both entries and cached across releases.
      output: { manualChunks: (id: string) => (id.includes('node_modules') ? 'react' : undefined) },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
