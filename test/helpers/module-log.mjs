// Preload (node --import) that lists every module a run loads: ESM through a
// resolve hook (it runs on the loader thread, so it appends to the file
// itself), CommonJS from require's cache at exit. EBPFSH_MODULE_LOG names the file.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.EBPFSH_MODULE_LOG;
if (out) {
  register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { out } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(out, Object.keys(cache).map((p) => `file://${p}\n`).join('')));
}
