import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/kernel.js';
import { traceWhile } from '../helpers/recording.js';
import { RAW } from './hostile-capture.js';

describeKernel('a process that opens files with invisible characters in their names (real kernel)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-zwj-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));


  const names = ['pass\u200dwd', 'sha\u200bdow', 'a\u2060b', 'soft\u00adhyphen', 'tag\u{e0041}s', 'bom\ufeff'];

  it('trace shows a zero-width joiner (and every other format character) escaped: /etc/pass<ZWJ>wd never reads as /etc/passwd', async () => {
    const paths = names.map((n) => join(dir, n));
    const r = await traceWhile(['open', `path=${dir}/`, '-n', String(paths.length)], () => {
      spawnSync('touch', paths);
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(RAW.test(r.stdout), JSON.stringify(r.stdout)).toBe(false);
    expect(r.stdout).toContain(`${dir}/pass\\u{200d}wd`);
    expect(r.stdout).toContain('sha\\u{200b}dow');
    expect(r.stdout).toContain('a\\u{2060}b');
    expect(r.stdout).toContain('soft\\u{ad}hyphen');
    expect(r.stdout).toContain('tag\\u{e0041}s');
    expect(r.stdout).toContain('bom\\u{feff}');
    expect(r.stdout).not.toMatch(/pass\u200dwd/);
  }, 30_000);

  it('trace --json escapes them too, and the exact name parses back', async () => {
    const p = join(dir, names[0]!);
    writeFileSync(p, 'x');
    const r = await traceWhile(['open', `path=${p}`, '--json', '-n', '1'], () => spawnSync('cat', [p]));
    expect(r.code).toBe(0);
    expect(RAW.test(r.stdout)).toBe(false);
    expect(r.stdout).toContain('pass\\u200dwd');
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!).path).toBe(p);
  }, 30_000);
});
