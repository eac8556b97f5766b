import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProcProcess } from '../../src/session/index.js';
import { processParents, readProcStat, scanProcesses } from '../../src/proc/index.js';
import { tempDir } from '../store/helpers.js';

// A process names itself: its comm may hold spaces, parens and bytes that are
// not UTF-8. Every reader of /proc/PID/stat goes through one parser that
// resumes after the last ')', so no comm can shift the fields after it.
describe('the one /proc reader', () => {
  const t = tempDir('ebpfsh-proc-');
  afterAll(() => t.cleanup());
  const root = t.dir;
  const proc = (pid: number, comm: Buffer, ppid: number, start: number, extra: { cmdline?: string; uid?: number } = {}) => {
    const d = join(root, String(pid));
    mkdirSync(d);
    const fields = ['S', String(ppid), ...Array.from({ length: 17 }, () => '0'), String(start), '0'];
    writeFileSync(join(d, 'stat'), Buffer.concat([Buffer.from(`${pid} (`), comm, Buffer.from(`) ${fields.join(' ')}\n`)]));
    writeFileSync(join(d, 'cmdline'), extra.cmdline ?? '');
    writeFileSync(join(d, 'status'), `Name:\tx\nUid:\t${extra.uid ?? 0}\t0\t0\t0\n`);
    symlinkSync('/bin/true', join(d, 'exe'));
  };
  proc(1, Buffer.from('init'), 0, 1);
  proc(4242, Buffer.from('a) 1 (b'), 1, 777, { cmdline: 'evil\0arg\0', uid: 1000 });
  proc(4243, Buffer.from([0x78, 0xff, 0x29]), 4242, 778);

  it('parses a comm with spaces, parens and invalid UTF-8 the same way for the engine, the store and the shell', () => {
    expect(readProcStat(4242, root)).toEqual({ ppid: 1, startTicks: 777, comm: 'a) 1 (b' });
    expect(readProcStat(4243, root)).toEqual({ ppid: 4242, startTicks: 778, comm: Uint8Array.from([0x78, 0xff, 0x29]) });
    expect(readProcStat(9999, root)).toBeUndefined();
    expect(processParents(root)).toEqual(new Map([[1, 0], [4242, 1], [4243, 4242]]));
    const seed = scanProcesses(root).find((p) => p.pid === 4242)!;
    expect(seed).toMatchObject({ startTicks: 777, parentPid: 1, parentStartTicks: 1, uid: 1000, comm: 'a) 1 (b', argv: ['evil', 'arg'] });
    expect(readProcProcess(4242, root)).toMatchObject({ pid: 4242, ppid: 1, comm: 'a) 1 (b', uid: 1000, argv: ['evil', 'arg'], source: 'proc' });
    expect(readProcProcess(4243, root)?.comm).toEqual(Uint8Array.from([0x78, 0xff, 0x29]));
  });
});
