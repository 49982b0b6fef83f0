// Production build: content-hashed, minified ES modules in dist/assets, and dist/index.html
// pointing at them (the hashed names come from esbuild's metafile). Hashed files are cached
// for a year by CloudFront; index.html is never cached stale, so a deploy is seen at once.
// A second build writes the classic (IIFE) bundle the station's own app loads as a plain
// <script> in place of its old storage script: assets/station-<hash>.js.
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

// The station app's scripts are classic: no import/export, globals only.
const classicEntryPoints = { station: 'src/station.js' };

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['es2022'],
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

await rm(dist, { recursive: true, force: true });
const assets = {
  ...hashedNames(await build({ ...common, entryPoints, format: 'esm' }), entryPoints),
  ...hashedNames(await build({ ...common, entryPoints: classicEntryPoints, format: 'iife' }), classicEntryPoints),
};

/** Entry name -> hashed file under dist/, e.g. newsroom -> assets/newsroom-AB12CD34.js. */
function hashedNames(result, entries) {
  const names = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const name = Object.keys(entries).find((key) => path.normalize(entries[key]) === path.normalize(output.entryPoint));
    names[name] = path.relative(dist, path.join(root, file)).split(path.sep).join('/');
  }
  return names;
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
