// Builds the dashboard into dist/: a minified ES bundle and stylesheet with
// content hashes in their names, and index.html pointing at them.
//   node build.mjs            (npm run build)
//   node build.mjs --dev      unminified, with source maps
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const dev = process.argv.includes('--dev');

await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  legalComments: 'linked',
  outdir: 'dist/assets',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

let js = null;
let css = null;
for (const [out, info] of Object.entries(result.metafile.outputs)) {
  if (info.entryPoint && out.endsWith('.js')) {
    js = out;
    if (info.cssBundle) css = info.cssBundle;
  }
}
if (!js || !css) throw new Error('build: esbuild produced no JS or CSS bundle');
const href = (p) => relative(dist, join(root, p)).split('\\').join('/');

const html = (await readFile(join(root, 'src/index.html'), 'utf8'))
  .replace('__APP_JS__', href(js))
  .replace('__APP_CSS__', href(css));
await writeFile(join(dist, 'index.html'), html);

let total = 0;
for (const p of [...Object.keys(result.metafile.outputs), 'dist/index.html']) {
  const s = await stat(join(root, p));
  total += s.size;
  console.log(`  ${p.padEnd(40)} ${(s.size / 1024).toFixed(1).padStart(7)} KiB`);
}
console.log(`dist/: ${(total / 1024).toFixed(1)} KiB`);
