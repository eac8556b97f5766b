import { describe, expect, it } from 'vitest';
import { PROBES, profileProbes } from '../../src/probes/index.js';
import { DEFAULT_PROFILE, parseProbeList, probesAndFilters } from '../../src/commands/probe-list.js';
import { probeWords, probesOf } from '../../src/commands/shell/words.js';

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

  it('names the probes and the profiles when a word is neither', () => {
    expect(() => parseProbeList('forensik')).toThrow(/unknown probe 'forensik' \(probes: .*; profiles: forensic, files, network, all\)/);
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
});
