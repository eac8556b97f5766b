import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FilterError, HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import {
  EXEC_ENV_NAMES,
  EXEC_ENV_NAME_MAX,
  EXEC_ENV_SLOT,
  EXEC_FILELESS_DELETED,
  EXEC_FILELESS_MEMFD,
  EXEC_F_ENV_DROPPED,
  EXEC_F_ENV_INCOMPLETE,
  EXEC_F_ENV_TRUNCATED,
} from '../../src/event/generated/skeleton.js';
import { probeId } from '../../src/probes/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { DEFAULT_EXEC_ENV, encodeExecEnvNames, execEnvTables, parseExecEnvNames } from '../../src/probes/execsnoop/env-names.js';
import { escapeTerminal } from '../../src/text/index.js';
import { fakeBackend } from '../engine/fake-backend.js';
import { execRecord } from './fixtures.js';

vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);
const decode = (rec: Buffer) => new RecordDecoder(execsnoop, layouts, header).decode(rec, 0, rec.length);
const exec = (o: Partial<Parameters<typeof execRecord>[1]> & { env?: Buffer[] }) =>
  decode(execRecord(probeId(execsnoop), { ret: 0, filename: Buffer.from('/proc/self/fd/3'), exe: Buffer.from('/memfd:payload'), args: Buffer.from('payload\0-x\0'), argc: 2, ...o }));
const text = (e: TraceEvent) => execsnoop.describe(e).map((p) => (typeof p === 'string' ? p : Array.isArray(p.data) ? p.data.map((x) => escapeTerminal(x)).join(' ') : escapeTerminal(p.data))).join('');
const B = (s: string) => Buffer.from(s, 'latin1');

describe('execsnoop: fileless execs', () => {
  it('decodes a memfd exec and shows it as [fileless: memfd:<name>]', () => {
    const e = exec({ fileless: EXEC_FILELESS_MEMFD });
    expect(e.fields).toMatchObject({ fileless: 'memfd', exe: '/memfd:payload', env: [], env_cut: 0, truncated: 0 });
    expect(text(e)).toBe('     0 /proc/self/fd/3 payload -x [fileless: memfd:payload]');
  });

  it('decodes an exec of a deleted file, and a file on disk as not fileless', () => {
    const d = exec({ exe: B('/tmp/x/t'), fileless: EXEC_FILELESS_DELETED });
    expect(d.fields.fileless).toBe('deleted');
    expect(text(d)).toMatch(/\[fileless: deleted \/tmp\/x\/t\]$/);
    expect(exec({ exe: B('/usr/bin/true') }).fields.fileless).toBeNull();
  });

  it('lists a fileless exec in the security panel, before any preload it also has', () => {
    const sec = execsnoop.facets!.security!;
    const e = exec({ fileless: EXEC_FILELESS_MEMFD, env: [B('LD_PRELOAD=/tmp/x.so')] });
    expect(sec(e)).toMatchObject({ label: 'fileless exec' });
    expect(sec(exec({ exe: B('/usr/bin/true') }))).toBeUndefined();
    expect(sec(decode(execRecord(probeId(execsnoop), { ret: -2, filename: B('/x'), exe: B(''), args: B('x\0'), argc: 1 })))).toBeUndefined();
  });
});

describe('execsnoop: environment variables', () => {
  afterEach(() => {
    delete process.env.EBPFSH_EXEC_ENV;
  });

  it('decodes NAME=value entries in env order, duplicates kept, bytes exact', () => {
    const hostile = Buffer.concat([B('LD_PRELOAD=/tmp/\x1b[2J'), Buffer.from([0xff])]);
    const e = exec({ exe: B('/usr/bin/true'), env: [B('PATH=/usr/bin'), hostile, B('LD_PRELOAD=/second.so')] });
    const env = e.fields.env as (string | Uint8Array)[];
    expect(env[0]).toBe('PATH=/usr/bin');
    expect(Buffer.from(env[1] as Uint8Array).equals(hostile)).toBe(true);
    expect(env[2]).toBe('LD_PRELOAD=/second.so');
    // describe always shows LD_PRELOAD (the first, as the loader takes it), escaped
    expect(text(e)).toBe('     0 /proc/self/fd/3 payload -x [LD_PRELOAD=/tmp/\\e[2J\\xff]');
  });

  it('marks a cut value with … in describe, names it in the detail pane, and counts the event as truncated', () => {
    const v = 'x'.repeat(1024);
    const e = exec({ exe: B('/usr/bin/true'), env: [B('PATH=/bin'), B(`LD_PRELOAD=${v}`)], envCut: 0b10, flags: EXEC_F_ENV_TRUNCATED });
    expect(e.fields).toMatchObject({ env_cut: 2, truncated: 1 });
    expect(text(e)).toMatch(/\[LD_PRELOAD=x{1024}…\] \[truncated\]$/);
    expect(execsnoop.facets!.detailValue!('env_cut', 2)).toBe('env[1] cut (values keep 1024 bytes)');
    expect(execsnoop.facets!.detailValue!('env_cut', 0)).toBe('0 (nothing cut)');
    for (const flag of [EXEC_F_ENV_DROPPED, EXEC_F_ENV_INCOMPLETE]) expect(exec({ flags: flag }).fields.truncated).toBe(1);
  });

  it('lists an exec with LD_PRELOAD or LD_AUDIT in the security panel as preload', () => {
    const sec = execsnoop.facets!.security!;
    expect(sec(exec({ exe: B('/usr/bin/true'), env: [B('LD_AUDIT=/tmp/a.so')] }))).toMatchObject({ label: 'preload' });
    expect(sec(exec({ exe: B('/usr/bin/true'), env: [B('LD_LIBRARY_PATH=/tmp'), B('LD_PRELOADX=1')] }))).toBeUndefined();
  });

  it('filters on a variable being set, or on its value', () => {
    const e = exec({ exe: B('/usr/bin/true'), env: [B('PATH=/tmp/evil:/usr/bin'), B('LD_PRELOAD=/dev/shm/x.so')] });
    const m = (words: string[]) => compileMatcher(parseFilters(words, [execsnoop]), execsnoop)!(e);
    expect(m(['env=LD_PRELOAD'])).toBe(true);
    expect(m(['env=LD_AUDIT'])).toBe(false);
    expect(m(['env=PATH=*/tmp*'])).toBe(true);
    expect(m(['env=LD_PRELOAD=/usr/*'])).toBe(false);
    expect(() => parseFilters(['env=1BAD'], [execsnoop])).toThrow(/env: '1BAD' does not start with a variable name/);
    const got: [string, string][] = [];
    execsnoop.facets!.completionValues!(e, (k, v) => got.push([k, v]));
    expect(got).toEqual([['path', '/proc/self/fd/3'], ['env', 'PATH'], ['env', 'LD_PRELOAD']]);
  });

  it('shows fileless and preload marks in the tree', () => {
    const lines = execsnoop.facets!.tree!.lines([[1, 0, '/dev/fd/3', '["payload"]', 'memfd', '["LD_PRELOAD=/tmp/x.so","PATH=/bin"]'], [2, 0, '/bin/ls', '["ls"]', null, '[]']], {
      time: String,
      indent: '',
      perKind: 10,
    });
    expect(lines).toEqual(['  exec    1 0 /dev/fd/3 payload [fileless: memfd] [LD_PRELOAD=/tmp/x.so]', '  exec    2 0 /bin/ls ls']);
  });

  it('takes the default names, a replacement list from EBPFSH_EXEC_ENV, or none when it is empty', () => {
    expect(parseExecEnvNames(undefined)).toEqual(DEFAULT_EXEC_ENV);
    expect(DEFAULT_EXEC_ENV).toEqual(expect.arrayContaining(['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'PATH', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']));
    expect(parseExecEnvNames(' FOO , _bar2,FOO ')).toEqual(['FOO', '_bar2']);
    expect(parseExecEnvNames('')).toEqual([]);
    expect(parseExecEnvNames('N'.repeat(EXEC_ENV_NAME_MAX))).toHaveLength(1);
  });

  it('refuses bad names, too long names and too many names with a message naming the fix', () => {
    expect(() => parseExecEnvNames('LD_PRELOAD,9X')).toThrow(FilterError);
    expect(() => parseExecEnvNames('A=B')).toThrow(/EBPFSH_EXEC_ENV: 'A=B' is not an environment variable name .*e\.g\. EBPFSH_EXEC_ENV=LD_PRELOAD,PATH/);
    expect(() => parseExecEnvNames('N'.repeat(EXEC_ENV_NAME_MAX + 1))).toThrow(/longer than 63 bytes/);
    const many = Array.from({ length: EXEC_ENV_NAMES + 1 }, (_, i) => `V${i}`).join(',');
    expect(() => parseExecEnvNames(many)).toThrow(/17 names, at most 16/);
  });

  it('encodes each name as "NAME=" with a mask over those bytes, an empty slot ending the list', () => {
    const buf = encodeExecEnvNames(['PATH', 'LD_AUDIT']);
    const masks = EXEC_ENV_NAMES * EXEC_ENV_SLOT;
    expect(buf.length).toBe(2 * masks);
    expect(buf.subarray(0, 8).toString('latin1')).toBe('PATH=\0\0\0');
    expect(buf.subarray(EXEC_ENV_SLOT, EXEC_ENV_SLOT + 9).toString('latin1')).toBe('LD_AUDIT=');
    expect([...buf.subarray(masks, masks + 8)]).toEqual([255, 255, 255, 255, 255, 0, 0, 0]);
    expect(buf.subarray(masks + 2 * EXEC_ENV_SLOT, masks + 3 * EXEC_ENV_SLOT).every((b) => b === 0)).toBe(true);
  });

  it('the engine writes the names table after load and before any program is attached', () => {
    process.env.EBPFSH_EXEC_ENV = 'EBPFSH_CUSTOM';
    const b = fakeBackend();
    let attachedAtWrite = -1;
    b.session.onMapWrite = () => {
      if (attachedAtWrite < 0 && b.session.maps.get('exec_env_names')?.size) attachedAtWrite = b.session.attached.size;
    };
    new Engine({ backend: b }).attach(execsnoop, parseFilters([], [execsnoop]));
    expect(b.session.loads[0]!.opts.shared).toContain('exec_env_names');
    expect(attachedAtWrite).toBe(0);
    const [[key, value]] = execEnvTables({ EBPFSH_EXEC_ENV: 'EBPFSH_CUSTOM' })[0]!.entries as [Buffer, Buffer][];
    expect(b.session.mapLookup('exec_env_names', key!)).toEqual(value);
  });

  it('refuses to attach with a bad EBPFSH_EXEC_ENV before loading anything', () => {
    process.env.EBPFSH_EXEC_ENV = 'LD-PRELOAD';
    const b = fakeBackend();
    expect(() => new Engine({ backend: b }).attach(execsnoop, parseFilters([], [execsnoop]))).toThrow(/EBPFSH_EXEC_ENV: 'LD-PRELOAD' is not/);
    expect(b.session.loads).toHaveLength(0);
  });
});
