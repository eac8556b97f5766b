import { readFileSync, statSync } from 'node:fs';
import { textOf } from './bytes.js';
import { FilterError } from './filter-error.js';
import type { FilterTarget, TraceEvent } from './types.js';

export { FilterError };

/** Where a clause is evaluated. */
export type Where = 'kernel' | 'user';

/** One parsed `key=v1,v2` / `key!=v` / `failed` clause. */
export interface Clause {
  key: string;
  negate: boolean;
  /** Parsed values (numbers for ids, strings for comm, matchers for probe keys: as the first probe with the key reads them). */
  values: unknown[];
  /** A probe key's values as written: each probe with the key reads them its own way (port, flags, sig differ). */
  raw?: string[];
  /** The clause as the user wrote it, normalised. */
  text: string;
  where: Where;
}

/** A parsed filter expression: clauses ANDed, values within a clause ORed. */
export interface Filters {
  clauses: Clause[];
}

/** Keys every probe has, checked in the kernel before ring space is used. */
export const KERNEL_KEYS = ['uid', 'gid', 'pid', 'comm', 'cgroup', 'follow'] as const;
type KernelKey = (typeof KERNEL_KEYS)[number];

const COMMON_DOCS: Record<KernelKey | 'failed', { doc: string; example: string }> = {
  uid: { doc: 'real user id (number or user name)', example: 'uid=1000' },
  gid: { doc: 'real group id (number or group name)', example: 'gid=0' },
  pid: { doc: 'process id (tgid)', example: 'pid=4242' },
  comm: { doc: 'task name (at most 15 bytes)', example: 'comm=vi,vim' },
  cgroup: { doc: 'cgroup v2 id or path', example: 'cgroup=/sys/fs/cgroup/system.slice/ssh.service' },
  follow: { doc: 'a process and all its descendants, tracked in the kernel from fork/exit', example: 'follow=4242' },
  failed: { doc: 'only results < 0 (!failed: only successes)', example: 'failed' },
};

/** Docs of the common keys, for `probes` and help. */
export function commonKeyDocs(): Record<string, { doc: string; example: string }> {
  return COMMON_DOCS;
}

const U32_MAX = 0xffff_ffff;

function parseId(key: string, value: string, names?: Map<string, number>): number {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n <= U32_MAX) return n;
  } else if (names?.has(value)) {
    return names.get(value)!;
  }
  const what = names ? 'a number or a known name' : 'a number';
  throw new FilterError(`${key}: '${value}' is not ${what} (e.g. ${COMMON_DOCS[key as KernelKey]?.example ?? key + '=1'})`);
}

function idNames(file: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^\d+$/.test(id)) out.set(name, Number(id));
    }
  } catch {
    // no such file: names are simply unknown
  }
  return out;
}

const CGROUP_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

function parseCgroup(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const candidates = value.startsWith('/') ? [value, ...CGROUP_ROOTS.map((r) => r + value)] : CGROUP_ROOTS.map((r) => `${r}/${value}`);
  for (const c of candidates) {
    try {
      const st = statSync(c);
      if (st.isDirectory()) return Number(st.ino);
    } catch {
      // try the next root
    }
  }
  throw new FilterError(`cgroup: '${value}' is neither a cgroup id nor a cgroup v2 directory`);
}

function parseCommonValue(key: KernelKey, value: string): unknown {
  switch (key) {
    case 'uid':
      return parseId(key, value, idNames('/etc/passwd'));
    case 'gid':
      return parseId(key, value, idNames('/etc/group'));
    case 'pid':
    case 'follow':
      if (value === '0') throw new FilterError(`${key}: pid must be positive`);
      return parseId(key, value);
    case 'comm':
      if (value === '') throw new FilterError('comm: empty name (e.g. comm=bash)');
      if (Buffer.byteLength(value) > 15)
        throw new FilterError(`comm: '${value}' is longer than 15 bytes; the kernel keeps only the first 15 (${Buffer.from(value).subarray(0, 15).toString()})`);
      return value;
    case 'cgroup':
      return parseCgroup(value);
  }
}

/** Splits a line into words, honouring '...' and "..." quotes and backslashes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw new FilterError(`unterminated ${quote} quote`);
  if (has || cur) out.push(cur);
  return out;
}

function allKeys(probes: readonly FilterTarget[]): string[] {
  const keys = new Set<string>([...KERNEL_KEYS, 'failed']);
  for (const p of probes) for (const k of Object.keys(p.filterKeys)) keys.add(k);
  return [...keys];
}

function knownKeys(probes: readonly FilterTarget[]): string {
  return allKeys(probes).join(', ');
}

/** Levenshtein distance (insert, delete, substitute), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest of `choices` to `word` within edit distance 2 (ties: the first), or null. */
export function nearest(word: string, choices: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const c of choices) {
    const d = editDistance(word, c);
    if (d < bestD && d < Math.max(2, c.length)) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** `: did you mean path?` for a near miss, else '': to follow the message that names the word. */
export function didYouMean(word: string, choices: readonly string[]): string {
  const n = nearest(word, choices);
  return n ? `: did you mean ${n}?` : '';
}

/**
 * Whether `clause` applies to events of `probe`. The one rule, everywhere:
 * a clause on a key the probe lacks does not apply to it (its events pass
 * that clause); common keys and `failed` apply to every probe.
 */
export function clauseApplies(clause: Pick<Clause, 'key'>, probe: FilterTarget): boolean {
  return clause.key === 'failed' || (KERNEL_KEYS as readonly string[]).includes(clause.key) || !!probe.filterKeys[clause.key];
}

/** The keys of `filters` that do not apply to `probe`, each once, in order. */
export function keysNotApplying(filters: Filters, probe: FilterTarget): string[] {
  return [...new Set(filters.clauses.filter((c) => !clauseApplies(c, probe)).map((c) => c.key))];
}

/**
 * Parses filter words (`uid=1000`, `comm!=sshd`, `path=/etc/`, `failed`) for
 * the given probes. A probe-specific key must belong to at least one of them;
 * it does not apply to the others (see clauseApplies). The first clause of
 * each kernel key runs in the kernel; the rest run in userspace.
 */
export function parseFilters(words: readonly string[], probes: readonly FilterTarget[]): Filters {
  const clauses: Clause[] = [];
  const inKernel = new Set<string>();
  for (const word of words) {
    if (word === '') continue;
    if (word === 'failed' || word === '!failed') {
      clauses.push({ key: 'failed', negate: word !== 'failed', values: [], text: word, where: 'user' });
      continue;
    }
    const m = /^([a-z_]+)(!=|=)(.*)$/s.exec(word);
    if (!m) {
      const hint = /^[a-z_!]+$/.test(word) ? didYouMean(word.replace(/^!/, ''), ['failed']) : '';
      throw new FilterError(`'${word}' is not a filter${hint}; write key=value, key!=value or failed (keys: ${knownKeys(probes)})`);
    }
    const [, key = '', op, rawValues = ''] = m;
    const negate = op === '!=';
    if (rawValues === '') throw new FilterError(`${key}: no value after '${op}' (e.g. ${COMMON_DOCS[key as KernelKey]?.example ?? key + '=...'})`);
    const texts = rawValues.split(',');
    if (texts.some((t) => t === '')) throw new FilterError(`${key}: empty value in '${rawValues}'`);
    let values: unknown[];
    let where: Where = 'user';
    if ((KERNEL_KEYS as readonly string[]).includes(key)) {
      const k = key as KernelKey;
      if (k === 'follow' && negate) throw new FilterError('follow: only follow=PID is supported (not !=)');
      values = texts.map((t) => parseCommonValue(k, t));
      if (k === 'follow') {
        const prev = clauses.find((c) => c.key === 'follow');
        if (prev) {
          prev.values.push(...values);
          prev.text = `follow=${prev.values.join(',')}`;
          continue;
        }
      }
      if (!inKernel.has(k)) {
        where = 'kernel';
        inKernel.add(k);
      }
    } else {
      const having = probes.filter((p) => p.filterKeys[key]);
      if (!having.length) throw new FilterError(`unknown filter key '${key}'${didYouMean(key, allKeys(probes))} (keys: ${knownKeys(probes)})`);
      // Every probe with the key must read the values (each parses them its own way), so none fails later.
      const parsed = having.map((p) => texts.map((t) => p.filterKeys[key]!.parse(t)));
      clauses.push({ key, negate, values: parsed[0]!, raw: texts, text: `${key}${op}${texts.join(',')}`, where });
      continue;
    }
    clauses.push({ key, negate, values, text: `${key}${op}${texts.join(',')}`, where });
  }
  return { clauses };
}

/** Options for evaluating filters in userspace. */
export interface MatchOptions {
  /** Evaluate kernel clauses too (replay and query have no kernel). */
  all?: boolean;
  /** For follow= in userspace: is `pid` `root` or one of its descendants? */
  descends?: (pid: number, root: number, event: TraceEvent) => boolean;
}

function matchCommon(key: KernelKey, e: TraceEvent, values: unknown[], opts: MatchOptions): boolean {
  switch (key) {
    case 'uid':
      return values.includes(e.uid);
    case 'gid':
      return values.includes(e.gid);
    case 'pid':
      return values.includes(e.pid);
    case 'comm': {
      const c = textOf(e.comm);
      return values.includes(c);
    }
    case 'cgroup':
      return values.includes(e.cgroup);
    case 'follow':
      return values.some((r) => opts.descends?.(e.pid, r as number, e) ?? false);
  }
}

/**
 * The userspace part of `filters` for events of `probe`, or null when nothing
 * is left to check there.
 */
export function compileMatcher(filters: Filters, probe: FilterTarget, opts: MatchOptions = {}): ((e: TraceEvent) => boolean) | null {
  // A clause on a key this probe lacks does not apply: its events pass it.
  const clauses = filters.clauses.filter((c) => (opts.all || c.where === 'user') && clauseApplies(c, probe));
  if (clauses.length === 0) return null;
  const tests = clauses.map((c): ((e: TraceEvent) => boolean) => {
    let test: (e: TraceEvent) => boolean;
    if (c.key === 'failed') {
      const f = probe.retField;
      test = (e) => (e.fields[f] as number) < 0;
    } else if ((KERNEL_KEYS as readonly string[]).includes(c.key)) {
      test = (e) => matchCommon(c.key as KernelKey, e, c.values, opts);
    } else {
      const spec = probe.filterKeys[c.key]!;
      // This probe's own reading of the values (a probe outside the parsed set may throw here: the caller decides).
      const values = c.raw ? c.raw.map((t) => spec.parse(t)) : c.values;
      const unknown = spec.unknown;
      if (unknown) {
        const known = c.negate ? (e: TraceEvent) => !spec.match(e, values) : (e: TraceEvent) => spec.match(e, values);
        return (e) => unknown(e) || known(e);
      }
      test = (e) => spec.match(e, values);
    }
    return c.negate ? (e) => !test(e) : test;
  });
  return (e) => {
    for (const t of tests) if (!t(e)) return false;
    return true;
  };
}

/**
 * `uid=1000 [kernel] path=/etc/ [userspace]`; for one probe, a clause on a
 * key it lacks reads `path=/etc/ (n/a: no path field)`.
 */
export function explainFilters(filters: Filters, probe?: FilterTarget): string {
  if (filters.clauses.length === 0) return 'no filters: every event';
  const parts = filters.clauses.map((c) =>
    probe && !clauseApplies(c, probe) ? `${c.text} (n/a: no ${c.key} field)` : `${c.text} [${c.where === 'kernel' ? 'kernel' : 'userspace'}]`,
  );
  if (probe && filters.clauses.every((c) => !clauseApplies(c, probe))) parts.push('(every event)');
  return parts.join(' ');
}

/** The filters as words again (for the journal and history). */
export function filtersText(filters: Filters): string {
  return filters.clauses.map((c) => c.text).join(' ');
}
