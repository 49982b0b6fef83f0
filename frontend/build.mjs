// Production build: content-hashed, minified ES modules in dist/assets, and dist/index.html
// pointing at them (the hashed names come from esbuild's metafile). Hashed files are cached
// for a year by CloudFront; index.html is never cached stale, so a deploy is seen at once.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');

// The storage module alone is what the existing app loads; the newsroom page bundles it too.
const entryPoints = {
  storage: 'src/storage.js',
  newsroom: 'src/newsroom.js',
  'newsroom-style': 'src/newsroom.css',
};

await rm(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints,
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['es2022'],
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// Entry name -> hashed file under dist/, e.g. newsroom -> assets/newsroom-AB12CD34.js.
const assets = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const name = Object.keys(entryPoints).find((key) => path.normalize(entryPoints[key]) === path.normalize(output.entryPoint));
  assets[name] = path.relative(dist, path.join(root, file)).split(path.sep).join('/');
}

const template = await readFile(path.join(root, 'index.html'), 'utf8');
const html = template.replace(/\{\{asset:([\w-]+)\}\}/g, (_, name) => {
  if (!assets[name]) throw new Error(`index.html names an unknown asset "${name}"`);
  return `/${assets[name]}`;
});
await mkdir(dist, { recursive: true });
await writeFile(path.join(dist, 'index.html'), html);
await writeFile(path.join(dist, 'assets.json'), `${JSON.stringify(assets, null, 2)}\n`);
console.log(Object.values(assets).join('\n'));
