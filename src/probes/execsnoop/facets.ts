import { textOf, type ByteString } from '../../event/index.js';
import { FilterError } from '../../event/filter-error.js';
import { captureRet, captureText, escapeTerminal } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import { EXEC_ENV_VALUE_MAX, EXEC_KIND_EXEC } from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeFacets } from '../types.js';

/** The variables that make the dynamic loader load code of the caller's choosing. */
const PRELOAD = ['LD_PRELOAD', 'LD_AUDIT'];

/** True when the env entry `x` (NAME=value) sets `name`. */
export function envEntry(x: ByteString, name: string): boolean {
  if (typeof x === 'string') return x.startsWith(name) && x.charCodeAt(name.length) === 0x3d;
  if (x.length <= name.length || x[name.length] !== 0x3d) return false;
  for (let i = 0; i < name.length; i++) if (x[i] !== name.charCodeAt(i)) return false;
  return true;
}

/** The value of an env entry (after the first `=`), bytes kept. */
export function envValue(x: ByteString): ByteString {
  if (typeof x === 'string') return x.slice(x.indexOf('=') + 1);
  return x.subarray(x.indexOf(0x3d) + 1);
}

/** An `env=` value: NAME (set at all), or NAME=glob (its value matches). */
export function parseEnvKey(value: string): (x: ByteString) => boolean {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new FilterError(`env: '${value}' does not start with a variable name (e.g. env=LD_PRELOAD, or env='PATH=*/tmp*')`);
  if (eq < 0) return (x) => envEntry(x, name);
  const glob = value.slice(eq + 1);
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
  return (x) => envEntry(x, name) && re.test(textOf(envValue(x)));
}

/** The bit indexes set in an env_cut mask. */
const cutIndexes = (mask: number) => [...Array(32).keys()].filter((i) => (mask >>> i) & 1);

/** What the rest of ebpfsh asks of execsnoop. */
export const execsnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'env_cut') return v ? `${cutIndexes(v).map((i) => `env[${i}]`).join(', ')} cut (values keep ${EXEC_ENV_VALUE_MAX} bytes)` : '0 (nothing cut)';
    return undefined;
  },
  completionValues(e, add) {
    add('path', textOf(e.fields.filename as ByteString));
    for (const x of (e.fields.env as ByteString[] | undefined) ?? []) {
      const t = textOf(x);
      add('env', t.slice(0, t.indexOf('=')));
    }
  },
  // The new image runs (ret is 0): full argv, but no start time, so it updates the live process of that pid.
  processFact(e) {
    if (e.kind !== EXEC_KIND_EXEC || (e.fields.ret as number) !== 0) return undefined;
    return { kind: 'exec', exe: e.fields.exe as ByteString, argv: e.fields.argv as ByteString[], fullArgv: true };
  },
  // A fileless exec (memfd or deleted file), or one the loader will preload a library into.
  security(e) {
    if (e.kind !== EXEC_KIND_EXEC) return undefined;
    const f = e.fields;
    const env = (f.env as ByteString[] | undefined) ?? [];
    const preload = env.filter((x) => PRELOAD.some((n) => envEntry(x, n)));
    const what: DescribePart[] = [{ data: f.filename as ByteString }, ' ', { data: f.argv as ByteString[] }];
    for (const x of preload) what.push(' ', { data: x });
    if (f.fileless) return { label: 'fileless exec', parts: [`${f.fileless} `, { data: f.exe as ByteString }, ': ', ...what] };
    if (preload.length) return { label: 'preload', parts: what };
    return undefined;
  },
  binaryOf(e) {
    const f = e.fields;
    if (e.kind !== EXEC_KIND_EXEC || f.exe_ino === null || f.exe_ino === undefined) return undefined;
    return {
      dev: f.exe_dev as number,
      ino: f.exe_ino as number,
      size: f.exe_size as number,
      mtime: f.exe_mtime as number,
      mtimeNsec: f.exe_mtime_nsec as number,
      pid: e.pid,
      path: f.exe as ByteString,
    };
  },
  forensicViews: [
    {
      // Each exec with the sha256 of the file it ran (NULL until hashed, or when it could not be: binary_outcome says why).
      name: 'exec_binaries',
      select: (host, table) => {
        const same = (b: string) =>
          `${b}.dev = e.exe_dev AND ${b}.ino = e.exe_ino AND ${b}.size = e.exe_size AND ${b}.mtime = e.exe_mtime AND ${b}.mtime_nsec = e.exe_mtime_nsec${host ? ` AND ${b}.host = e.host` : ''}`;
        return `SELECT ${host ? 'e.host, ' : ''}e.id, e.ts, e.pid, e.uid, e.comm, e.filename, e.exe, e.argv, e.fileless, e.exe_upper, e.exe_writable,
            e.exe_dev, e.exe_ino, e.exe_size, e.exe_mtime, e.exe_mtime_nsec, e.exe_mode, e.exe_uid,
            (SELECT b.sha256 FROM binaries b WHERE ${same('b')} AND b.sha256 IS NOT NULL LIMIT 1) AS sha256,
            (SELECT b.outcome FROM binaries b WHERE ${same('b')} ORDER BY b.sha256 IS NULL, b.id DESC LIMIT 1) AS binary_outcome
          FROM ${table} e WHERE e.kind = ${EXEC_KIND_EXEC}`;
      },
    },
  ],
  tree: {
    columns: 'ret, filename, argv, fileless, env',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, filename, argv, fileless, env] of rows.slice(0, ctx.perKind)) {
        const words = (v: unknown) => {
          try {
            return (JSON.parse(String(v ?? '[]')) as unknown[]).map((x) => escapeTerminal(typeof x === 'string' ? x : String(JSON.stringify(x))));
          } catch {
            return [captureText(v)];
          }
        };
        const preload = words(env).filter((x) => PRELOAD.some((n) => x.startsWith(`${n}=`)));
        const marks = [...(fileless ? [`[fileless: ${captureText(fileless)}]`] : []), ...preload.map((x) => `[${x}]`)];
        out.push(`${ctx.indent}  exec    ${ctx.time(ts)} ${captureRet(ret)} ${captureText(filename)} ${words(argv).join(' ')}${marks.length ? ' ' + marks.join(' ') : ''}`);
      }
      return [...out, ...moreLines(rows, 'exec', ctx)];
    },
  },
};
