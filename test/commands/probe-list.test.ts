import { describe, expect, it } from 'vitest';
import { PROBES, profileProbes } from '../../src/probes/index.js';
import { DEFAULT_PROFILE, parseProbeList, probesAndFilters } from '../../src/commands/probe-list.js';
import { probeWords, probesOf } from '../../src/commands/shell/words.js';
import { attachAll, planTrace } from '../../src/commands/trace-command.js';
import { describeProbes } from '../../src/commands/probes-command.js';
import { ProbeError, type Attachment } from '../../src/engine/index.js';
import type { ProbeSpec } from '../../src/probes/index.js';

/** attach() that fails for one probe, as a kernel without its hook would; remembers what is attached. */
function engineFailing(name: string) {
  const live = new Set<string>();
  return {
    live,
    attach(p: ProbeSpec) {
      if (p.name === name) throw new ProbeError(`cannot attach ${name}: no such tracepoint`);
      live.add(p.name);
      return { probe: p } as Attachment;
    },
    detach(p: ProbeSpec) {
      live.delete(p.name);
      return { probe: p } as Attachment;
    },
  };
}

const names = (ps: { name: string }[]) => ps.map((p) => p.name);

describe('probe lists and profiles', () => {
  it('forensic attaches exec and connect but not the high-rate opens', () => {
    const f = names(parseProbeList('forensic'));
    expect(f).toEqual(expect.arrayContaining(['execsnoop', 'tcpconnect']));
    expect(f).not.toContain('opensnoop');
  });

  it('every probe a responder can name is in some profile, and all is every one of them', () => {
    const all = names(parseProbeList('all'));
    expect(all).toEqual(names(PROBES.filter((p) => !p.role)));
    for (const p of PROBES.filter((x) => !x.role)) expect(p.profiles?.length, `${p.name} has a profile`).toBeGreaterThan(0);
  });

  it('files and network hold the probes that say so', () => {
    expect(names(profileProbes('files')!)).toContain('opensnoop');
    expect(names(profileProbes('network')!)).toContain('tcpconnect');
  });

  it('mixes profiles and probe names without repeating a probe', () => {
    const l = names(parseProbeList('forensic,open,exec'));
    expect(l.filter((n) => n === 'execsnoop')).toHaveLength(1);
    expect(l).toContain('opensnoop');
  });

  it('names the probes and the profiles when a word is neither, with a near miss', () => {
    expect(() => parseProbeList('forensik')).toThrow(/unknown probe 'forensik': did you mean forensic\? \(probes: .*; profiles: forensic, files, network, all\)/);
    expect(() => parseProbeList('exec,tcpconect')).toThrow(/unknown probe 'tcpconect': did you mean tcpconnect\?/);
    expect(() => parseProbeList('zzzzzz')).toThrow(/unknown probe 'zzzzzz' \(probes: /);
  });

  it('record defaults to the forensic profile when no probe is named, or when the first word is a filter', () => {
    expect(probesAndFilters([])).toEqual({ probes: DEFAULT_PROFILE, filters: [], defaulted: true });
    expect(probesAndFilters(['uid=1000', 'comm!=sshd'])).toEqual({ probes: 'forensic', filters: ['uid=1000', 'comm!=sshd'], defaulted: true });
    expect(probesAndFilters(['failed'])).toMatchObject({ probes: 'forensic', filters: ['failed'] });
    expect(probesAndFilters(['exec,open', 'uid=0'])).toEqual({ probes: 'exec,open', filters: ['uid=0'], defaulted: false });
  });

  it('completes profile names and expands them for filter-key completion', () => {
    expect(probeWords()).toEqual(expect.arrayContaining(['forensic', 'files', 'network', 'all']));
    expect(names(probesOf('network'))).toEqual(names(profileProbes('network')!));
  });

  it('a profile attaches what the kernel allows and says what it left out', () => {
    const engine = engineFailing('tcpconnect');
    const done = attachAll(engine, planTrace('forensic', []));
    expect(done.attached.map((a) => a.probe.name)).toContain('execsnoop');
    expect(done.skipped.map((s) => [s.probe.name, s.reason])).toEqual([['tcpconnect', 'cannot attach tcpconnect: no such tracepoint']]);
  });

  it('a probe named outright must attach: the command fails and nothing stays attached', () => {
    for (const list of ['exec,connect', 'forensic,connect']) {
      const engine = engineFailing('tcpconnect');
      expect(() => attachAll(engine, planTrace(list, []))).toThrow(/cannot attach tcpconnect/);
      expect([...engine.live]).toEqual([]);
    }
  });

  it('ebpfsh probes names the profiles of each probe and what each profile is for', () => {
    const text = describeProbes();
    expect(text).toContain('execsnoop  (aliases: exec, execve; table: exec; profiles: forensic, all)');
    expect(text).toContain('opensnoop  (aliases: open; table: open; profiles: files, all)');
    expect(text).toMatch(/procsnoop .*attached by captures themselves\)/);
    expect(text).toMatch(/\n {2}forensic {2}what an intruder leaves/);
  });
});
