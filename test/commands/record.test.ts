import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, unlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { CaptureReader } from '../../src/store/index.js';
import { profileProbes } from '../../src/probes/index.js';
import { describeKernel } from '../helpers/kernel.js';

const BIN = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));

function ebpfsh(args: string[], opts: { killAfterMs?: number; signal?: NodeJS.Signals; onStart?: () => void } = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => {
      stderr += d;
      if (opts.killAfterMs !== undefined && stderr.includes('recording to')) setTimeout(() => p.kill(opts.signal ?? 'SIGINT'), opts.killAfterMs);
      if (opts.onStart && stderr.includes('Ctrl-C to stop')) {
        const start = opts.onStart;
        opts.onStart = undefined;
        start();
      }
    });
    p.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

describeKernel('ebpfsh record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-record-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails with one clear line before attaching anything when the directory is missing', async () => {
    const r = await ebpfsh(['record', '-w', join(dir, 'missing', 'x.db'), 'execsnoop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ebpfsh: cannot record to ${join(dir, 'missing', 'x.db')}: directory ${join(dir, 'missing')} does not exist (create it first)\n`);
  });

  it('refuses to overwrite a capture', async () => {
    const p = join(dir, 'twice.db');
    expect((await ebpfsh(['record', '-w', p, 'open', '--duration', '0.5'])).code).toBe(0);
    const r = await ebpfsh(['record', '-w', p, 'open', '--duration', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists: captures are never overwritten \(choose a new file name\)\n$/);
    expect(r.stderr).not.toContain('attached');
  });

  for (const [how, args, opts] of [
    ['--duration', ['--duration', '1'], {}],
    ['SIGTERM', [], { killAfterMs: 500, signal: 'SIGTERM' as const }],
    ['Ctrl-C', [], { killAfterMs: 500, signal: 'SIGINT' as const }],
  ] as const) {
    it(`stops cleanly on ${how}: one self-contained file, rates and losses on stderr`, async () => {
      const p = join(dir, `stop-${how.replace(/\W/g, '')}.db`);
      const r = await ebpfsh(['record', '-w', p, 'execsnoop,open', 'uid=0', ...args], opts);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/attached procsnoop .*\(for the process table\)/);
      expect(r.stderr).toMatch(/opensnoop: \d+ events(?: \([^)]*\))?, \d+ filtered in userspace, losses: /);
      expect(r.stderr).toMatch(/recorded \d+ events to .* \(\d+ events\/s, \d+ bytes\), 0 dropped by the writer\n$/);
      expect(readdirSync(dir).filter((f) => f.startsWith(`stop-${how.replace(/\W/g, '')}`))).toHaveLength(1);
      const c = CaptureReader.open(p);
      const info = c.info();
      expect(info.cleanStop).toBe(true);
      expect(info.commandLine.slice(0, 4)).toEqual(['ebpfsh', 'record', '-w', p]);
      const attach = c.journal().filter((j) => j.action === 'attach').map((j) => [j.probe, j.filters]);
      expect(attach).toEqual([['procsnoop', ''], ['execsnoop', 'uid=0'], ['opensnoop', 'uid=0']]);
      expect(c.journal().at(-1)).toMatchObject({ action: 'stop' });
      c.close();
    }, 30_000);
  }

  it('records the forensic profile when no probe is named, and says what it attached', async () => {
    const p = join(dir, 'default-profile.db');
    const r = await ebpfsh(['record', '-w', p, 'uid=0', '--duration', '1']);
    expect(r.code).toBe(0);
    const forensic = profileProbes('forensic')!.map((x) => x.name);
    for (const name of forensic) expect(r.stderr).toMatch(new RegExp(`attached ${name} via `));
    const c = CaptureReader.open(p);
    try {
      const attach = c.journal().filter((j) => j.action === 'attach' && j.probe !== 'procsnoop').map((j) => [j.probe, j.filters]);
      expect(attach).toEqual(forensic.map((n) => [n, 'uid=0']));
    } finally {
      c.close();
    }
  }, 30_000);

  it('records a profile with a filter on a key only some of its probes have: it applies to those, the others record everything', async () => {
    const p = join(dir, 'forensic-path.db');
    const marker = join(dir, 'gone-' + process.pid);
    const r = await ebpfsh(['record', '-w', p, 'forensic', 'path=/tmp/', '--duration', '1.5'], { onStart: () => {
      writeFileSync(marker, 'x');
      unlinkSync(marker); // an unlink under /tmp/: path applies and matches
      spawnSync('/bin/true'); // exec of /bin/true: path applies and does not match
      const s = createConnection({ host: '127.0.0.1', port: 9 }); // a connect: path does not apply, so it passes
      s.on('error', () => s.destroy());
    } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/is not a filter/);
    expect(r.stderr).toMatch(/filters: path=\/tmp\/ \[userspace\] \(path n\/a to \d+ probes\)/);
    const c = CaptureReader.open(p);
    try {
      const attach = c.journal().filter((j) => j.action === 'attach' && j.probe !== 'procsnoop').map((j) => [j.probe, j.filters]);
      expect(attach).toEqual(profileProbes('forensic')!.map((x) => [x.name, 'path=/tmp/']));
      const ev = [...c.events({ probes: ['unlink', 'execsnoop', 'tcpconnect'] })];
      expect(ev.some((e) => e.probe === 'unlink' && String(e.fields.path).startsWith(marker))).toBe(true);
      expect(ev.some((e) => e.probe === 'execsnoop' && e.fields.filename === '/bin/true')).toBe(false);
      expect(ev.some((e) => e.probe === 'tcpconnect' && e.fields.dport === 9)).toBe(true);
    } finally {
      c.close();
    }
  }, 30_000);
});
