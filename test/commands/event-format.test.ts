import { describe, expect, it } from 'vitest';
import { formatEventLine } from '../../src/commands/event-format.js';
import type { TraceEvent } from '../../src/event/index.js';
import { openEvent } from '../store/helpers.js';

const clock = { offsetNs: 0 };

/** The PID..COMM columns of a text line, split on runs of spaces. */
function who(line: string): string[] {
  return line.split(/ +/).slice(2, 6);
}

describe('trace text lines', () => {
  it('show each event its own process columns when consecutive events share some of them', () => {
    const base = openEvent(1, '/etc/hosts', { pid: 42, ppid: 1, uid: 0, comm: 'bash' });
    const seq: TraceEvent[] = [
      base,
      { ...base },
      { ...base, comm: 'curl' }, // the same pid after an exec
      { ...base, comm: 'curl', ppid: 7 }, // reparented
      { ...base, comm: 'curl', ppid: 7, uid: 1000 }, // setuid
      { ...base, comm: 'curl', ppid: 7, uid: 1000, pid: 43 },
      { ...base, comm: Uint8Array.from([0x62, 0x1b, 0x5b]) }, // bytes: escaped, never taken from the line before
      { ...base, comm: Uint8Array.from([0x62, 0x1b, 0x5b]) },
    ];
    const lines = seq.map((e) => formatEventLine(e, clock));
    expect(lines.map(who)).toEqual([
      ['42', '1', '0', 'bash'],
      ['42', '1', '0', 'bash'],
      ['42', '1', '0', 'curl'],
      ['42', '7', '0', 'curl'],
      ['42', '7', '1000', 'curl'],
      ['43', '7', '1000', 'curl'],
      ['42', '1', '0', 'b\\e['],
      ['42', '1', '0', 'b\\e['],
    ]);
    for (const l of lines) expect(l).toContain('/etc/hosts');
  });

  it('name the probe by its table, and an unknown probe by its own name', () => {
    const e = openEvent(1, '/x');
    expect(formatEventLine(e, clock).split(/ +/)[1]).toBe('open');
    expect(formatEventLine({ ...e, probe: 'nosuchprobe' }, clock).split(/ +/)[1]).toBe('nosuchprobe');
  });
});
