import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { TraceEvent } from '../../src/event/index.js';
import { recorderCaptureFactory } from '../../src/session/index.js';
import { openEvent } from './fake-engine.js';
import { renderShell, settle, until } from './render-shell.js';

afterEach(() => cleanup());

function connectEvent(pid: number, dport: number): TraceEvent {
  return {
    ts: 2_000_000_000 + pid,
    kind: 0,
    pid,
    tid: pid,
    ppid: 1,
    uid: 1000,
    gid: 1000,
    cgroup: 1,
    pidns: 4026531836,
    nspid: pid,
    comm: 'curl',
    probe: 'tcpconnect',
    fields: { ret: 0, ipver: 4, saddr: '10.0.0.2', sport: 40000, daddr: '203.0.113.9', dport, latency_us: 10 },
  };
}

describe('a filter on a field only some probes have (one rule everywhere)', () => {
  it(':filter path!=/usr/ hides library opens and keeps every connect, and the status line says path is n/a to tcpconnect', async () => {
    const { frame, command, engine } = renderShell({ rows: 30 });
    await command('attach open,connect');
    await command('filter path!=/usr/');
    engine.emit([openEvent({ pid: 11, path: '/usr/lib/libc.so.6' }), openEvent({ pid: 12, path: '/tmp/payload' }), connectEvent(13, 4444)]);
    await settle(60);
    const f = frame();
    expect(f).toContain('/tmp/payload');
    expect(f).not.toContain('/usr/lib/libc.so.6');
    expect(f).toContain('203.0.113.9');
    const status = f.split('\n')[0]!;
    expect(status).toContain('tcpconnect (path n/a)');
    expect(status).toMatch(/opensnoop(?! \(path)/);
    expect(status).toContain('view: path!=/usr/');
  });

  it('a kernel filter clause a probe lacks is marked n/a on that probe only', async () => {
    const { frame, command } = renderShell();
    await command('attach open,connect dport=443');
    const status = frame().split('\n')[0]!;
    expect(status).toContain('opensnoop (dport n/a) dport=443');
    expect(status).toMatch(/tcpconnect dport=443/);
    expect(frame()).toContain('dport n/a to opensnoop');
  });

  it(':filter dport=80 with only exec and open attached is a warning naming the probes that have dport, not a silent empty view', async () => {
    const { frame, command, engine } = renderShell({ rows: 30 });
    await command('attach exec,open');
    await command('filter dport=80');
    const f = frame();
    expect(f).toMatch(/warning: no attached probe has dport \(tcpconnect has it\): dport=80 hides nothing for now/);
    engine.emit([openEvent({ pid: 12, path: '/tmp/still-shown' })]);
    await settle(60);
    expect(frame()).toContain('/tmp/still-shown');
  });

  it('a key no probe has is an error with a near miss, and the view filter stays as it was', async () => {
    const { frame, command, model } = renderShell();
    await command('attach open');
    await command('filter dprot=80');
    expect(frame()).toContain("unknown filter key 'dprot': did you mean dport?");
    expect(model.filter()).toBeNull();
  });
});

describe('the status line shows every probe that runs', () => {
  it("shows the capture's own process-table probe, marked, instead of 'no probe attached'", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ebpfsh-status-')), 'c.db');
    const { frame, command, engine } = renderShell({ captureFactory: recorderCaptureFactory });
    await command(`record ${file}`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    const background = engine.attachments().map((a) => a.probe.name);
    expect(background).toHaveLength(1);
    const status = frame().split('\n')[0]!;
    expect(status.startsWith(`${background[0]} (for the capture) 0/s │ no probe of yours (:attach exec) │ rec `)).toBe(true);
    await command('attach open');
    const after = frame().split('\n')[0]!;
    expect(after).toMatch(new RegExp(`^opensnoop .* │ rec .* │ ${background[0]} \\(for the capture\\)`));
    expect(after).not.toContain('no probe attached');
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
  });
});
