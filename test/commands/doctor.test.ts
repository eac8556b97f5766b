import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatReport, lockdownCheck, memlockCheck, spaceCheck, tracefsCheck, type DoctorReport } from '../../src/commands/doctor-command.js';
import { PROBES } from '../../src/probes/index.js';
import { describeKernel } from '../helpers/kernel.js';
import { BIN, OTHER_BIN } from '../helpers/recording.js';

describe('doctor checks', () => {
  it('tracefs: where it is mounted, or that ebpfsh mounts it itself', () => {
    expect(tracefsCheck('sysfs /sys sysfs rw 0 0\ntracefs /sys/kernel/tracing tracefs rw 0 0\n')).toMatchObject({ verdict: 'ok', found: 'mounted at /sys/kernel/tracing' });
    const none = tracefsCheck('sysfs /sys sysfs rw 0 0\n');
    expect(none).toMatchObject({ verdict: 'warn', found: 'not mounted' });
    expect(none.fix).toContain('mount -t tracefs nodev /sys/kernel/tracing');
  });

  it('lockdown: confidentiality fails (probes read kernel memory), integrity and none are fine, unknown says how to read it', () => {
    expect(lockdownCheck('none integrity [confidentiality]\n').verdict).toBe('fail');
    expect(lockdownCheck('none [integrity] confidentiality\n')).toMatchObject({ verdict: 'ok', found: expect.stringContaining('integrity') });
    expect(lockdownCheck('[none] integrity confidentiality\n')).toMatchObject({ verdict: 'ok', found: 'none' });
    expect(lockdownCheck(null)).toMatchObject({ verdict: 'info', fix: expect.stringContaining('securityfs') });
  });

  it('memlock matters only before Linux 5.11 (memcg accounting since)', () => {
    const limits = (v: string) => `Limit Soft Limit Hard Limit Units\nMax locked memory         ${v}              ${v}              bytes\n`;
    expect(memlockCheck(limits('8388608'), '6.18.0\n')).toMatchObject({ verdict: 'ok', found: expect.stringContaining('8 MiB (not used') });
    expect(memlockCheck(limits('65536'), '5.4.0\n')).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('ulimit -l') });
    expect(memlockCheck(limits('unlimited'), '5.4.0\n').verdict).toBe('ok');
  });

  it('free space: a missing directory is a clear failure, escaped', () => {
    const c = spaceCheck('/nonexistent/\x1b[31mdir');
    expect(c.verdict).toBe('fail');
    expect(c.found).not.toContain('\x1b');
    expect(c.fix).toContain('--dir');
  });

  it('the text report says the fix under each problem, and sums up', () => {
    const r: DoctorReport = {
      host: [{ name: 'BTF', verdict: 'fail', found: 'no BTF', fix: 'use a kernel with BTF' }],
      attachTypes: [{ name: 'tp_btf', verdict: 'ok', found: 'loads and attaches' }],
      probes: [],
      space: [{ name: 'free space', verdict: 'warn', found: '0.5 GiB free', fix: 'record elsewhere' }],
    };
    const text = formatReport(r);
    expect(text).toMatch(/fail {2}BTF {10}no BTF\n {21}fix: use a kernel with BTF/);
    expect(text).toContain('1 problem keeps ebpfsh from working fully here');
    expect(text).toContain('1 warning');
  });
});

describeKernel('ebpfsh doctor on this machine', () => {
  it('is right about what loads here: tp_btf and tracepoints load, fentry and LSM are refused, kprobes are absent, every probe loads', () => {
    const r = spawnSync(BIN, ['doctor', '--json', '--dir', '/tmp'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const type = (n: string) => report.attachTypes.find((c) => c.name === n)!;
    expect(type('tp_btf').verdict).toBe('ok');
    expect(type('tracepoint').verdict).toBe('ok');
    expect(type('fentry')).toMatchObject({ verdict: 'info', found: expect.stringMatching(/^refused at load \(EPERM\)/) });
    expect(type('lsm')).toMatchObject({ verdict: 'info', found: expect.stringMatching(/^refused at load \(EPERM\)/) });
    expect(type('kprobe')).toMatchObject({ verdict: 'info', found: expect.stringMatching(/^refused at attach \(ENOENT\)/) });
    expect(report.probes.map((p) => [p.name, p.verdict])).toEqual(PROBES.map((p) => [p.name, 'ok']));
    expect(report.host.find((c) => c.name === 'BTF')!.verdict).toBe('ok');
    expect(report.space[0]).toMatchObject({ verdict: 'ok', found: expect.stringContaining('GiB free in /tmp') });
  }, 150_000);

  it('as an ordinary user: says BPF cannot be loaded and how to fix it, exit 1, no stack trace', () => {
    const r = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', OTHER_BIN, 'doctor', '--dir', '/tmp'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/fail +privileges +permission denied/);
    expect(r.stdout).toContain('fix: run as root: sudo ebpfsh doctor');
    expect(r.stdout).toMatch(/attach types:\n {2}info {2}attach types +not checked/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
