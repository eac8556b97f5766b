import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// dist/ is what `ebpfsh` runs: it must never reach back into src/ (the writer
// thread and the query child used to be .cjs files loaded from src/ by path).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every file under `dir` whose name matches `re`, relative to `dir`. */
function filesUnder(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...filesUnder(p, re).map((f) => join(d.name, f)));
    else if (re.test(d.name)) out.push(relative(dir, p));
  }
  return out;
}

describe('dist/ never loads files from src/', () => {
  const t = tempDir('ebpfsh-dist-');
  afterAll(() => t.cleanup());

  it('every module under src/ is TypeScript, and its built JS names no src/ path', () => {
    const sources = filesUnder(join(ROOT, 'src'), /\.(ts|tsx|js|cjs|mjs)$/).filter((f) => !f.endsWith('.d.ts'));
    expect(sources.filter((f) => !/\.tsx?$/.test(f))).toEqual([]);
    const built = sources.map((f) => f.replace(/\.tsx?$/, '.js'));
    // Built by `tsc -p tsconfig.json` (scripts/setup.sh, before the tests).
    expect(built.filter((f) => !existsSync(join(ROOT, 'dist', f))), 'dist/ is older than src/: build it (tsc -p tsconfig.json)').toEqual([]);
    const offenders = built.filter((f) => /["'`](\.\.\/)+src\/|\/src\/(store|engine|event|probes)\//.test(readFileSync(join(ROOT, 'dist', f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('a copy of dist/ with no src/ beside it records a capture (writer thread) and queries it (query child)', () => {
    // The program as installed: dist/, its packages and the BPF build, and nothing of src/.
    const app = join(t.dir, 'app');
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
    symlinkSync(join(ROOT, 'build'), join(app, 'build'));
    const script = join(app, 'check.mjs');
    writeFileSync(
      script,
      `import { CaptureReader, Recorder } from './dist/store/index.js';
const path = ${JSON.stringify(join(t.dir, 'c.db'))};
const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 0 });
await rec.whenReady();
rec.record([{ ts: 1, kind: 0, pid: 7, tid: 7, ppid: 1, uid: 0, gid: 0, cgroup: 1, pidns: 1, nspid: 7, comm: 'x', probe: 'opensnoop',
  fields: { ret: 3, path: '/etc/passwd', raw_path: '/etc/passwd', flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 } }]);
const stop = await rec.stop();
const reader = CaptureReader.open(path);
const q = await reader.query('SELECT count(*) FROM open');
reader.close();
console.log(JSON.stringify({ rows: stop.rows, error: stop.error?.message ?? null, count: q.rows[0][0] }));
`,
    );
    // Plain node, no TypeScript loader: as bin/ebpfsh runs it.
    const out = execFileSync(process.execPath, [script], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ rows: 1, error: null, count: 1 });
  });
});
