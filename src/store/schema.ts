import type Database from 'better-sqlite3';
import { PROBES, type FieldSpec, type ProbeSpec } from '../probes/index.js';
import { summaryIndexes, summaryTablesSql } from './summaries.js';

/** The tables a capture holds now. */
export function tableNames(db: Database.Database): Set<string> {
  return new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
}

/** `PRAGMA application_id` of every ebpfsh capture ('eBsh'). */
export const APPLICATION_ID = 0x65427368;
/**
 * The schema version this build writes (`PRAGMA user_version`). 3: probe
 * fields may be added (FieldSpec.since). 4: issue 13's evidence tables: the
 * integrity chain and manifest, the executed binaries (binaries,
 * binary_blobs), and execsnoop's executed-file identity. 5: summary tables
 * of the ready-made views, built at finalize (summaries.ts). 6: the
 * integrity chain's binary encoding ebpfsh-chain-2 for new captures
 * (chain-encoding.ts; older captures keep ebpfsh-chain-1), and uid_summary,
 * the users line of `ebpfsh info` built at finalize (summaries.ts).
 */
export const SCHEMA_VERSION = 6;
/** The oldest schema version this build can read (older ones are migrated on a private copy). */
export const OLDEST_SCHEMA_VERSION = 1;

/** SQL storage of one column of a probe table. */
export type ColumnKind = 'int' | 'text' | 'argv' | 'raw';

/** One column of a probe table, in insert order. */
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** Where the value comes from: a header member or `fields.<name>`; raw twins name their text column. */
  source: { header: string } | { field: string } | { rawOf: string };
  doc: string;
  /** The schema version that added it (1 for the header and a probe's first fields). */
  since: number;
}

/** The header columns every probe table starts with (after `id`). */
export const HEADER_COLUMNS: readonly { name: string; kind: 'int' | 'text'; doc: string }[] = [
  { name: 'ts', kind: 'int', doc: 'kernel CLOCK_MONOTONIC ns; wall-clock ns = ts + capture.clock_offset_ns' },
  { name: 'kind', kind: 'int', doc: 'probe-specific record sub-type (e.g. which syscall)' },
  { name: 'pid', kind: 'int', doc: 'process id (tgid) in the initial pid namespace' },
  { name: 'tid', kind: 'int', doc: 'thread id' },
  { name: 'ppid', kind: 'int', doc: 'parent process id' },
  { name: 'uid', kind: 'int', doc: 'real user id' },
  { name: 'gid', kind: 'int', doc: 'real group id' },
  { name: 'cgroup', kind: 'int', doc: 'cgroup v2 id' },
  { name: 'pidns', kind: 'int', doc: 'inode of the pid namespace' },
  { name: 'nspid', kind: 'int', doc: 'process id inside that pid namespace' },
  { name: 'comm', kind: 'text', doc: 'task name (at most 15 bytes)' },
];

const SQL_TYPE: Record<ColumnKind, string> = { int: 'INTEGER', text: 'TEXT', argv: 'TEXT', raw: 'BLOB' };

/** The declared SQL type of a column kind. */
export function sqlType(kind: ColumnKind): string {
  return SQL_TYPE[kind];
}

/** Double-quotes an identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function rawDoc(of: string): string {
  return `exact bytes of ${of} when they are not valid UTF-8 (then ${of} holds a lossy copy), else NULL`;
}

/**
 * The columns of a probe's table, derived from its column spec alone: the
 * header, then each field; every text/argv column gets a `<name>_raw` BLOB twin.
 */
export function probeColumns(probe: ProbeSpec, version = SCHEMA_VERSION): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  for (const h of HEADER_COLUMNS) {
    out.push({ name: h.name, kind: h.kind, source: { header: h.name }, doc: h.doc, since: 1 });
    if (h.kind === 'text') out.push({ name: `${h.name}_raw`, kind: 'raw', source: { rawOf: h.name }, doc: rawDoc(h.name), since: 1 });
  }
  const taken = new Set(out.map((c) => c.name));
  for (const f of probe.fields as FieldSpec[]) {
    if (taken.has(f.name) || taken.has(`${f.name}_raw`) || f.name === 'id')
      throw new Error(`${probe.name}: field ${f.name} clashes with a header column`);
    const since = f.since ?? 1;
    if (since > version) continue;
    out.push({ name: f.name, kind: f.type, source: { field: f.name }, doc: f.doc + (f.type === 'argv' ? ' (JSON array of strings)' : ''), since });
    if (f.type !== 'int') out.push({ name: `${f.name}_raw`, kind: 'raw', source: { rawOf: f.name }, doc: rawDoc(f.name) + (f.type === 'argv' ? ' (each argument followed by a NUL byte)' : ''), since });
  }
  return out;
}

/** CREATE TABLE for a probe table (as schema `version` had it). */
export function probeTableSql(probe: ProbeSpec, version = SCHEMA_VERSION): string {
  const cols = probeColumns(probe, version).map((c) => `${ident(c.name)} ${sqlType(c.kind)}${c.name === 'ts' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${ident(probe.table)} (id INTEGER PRIMARY KEY, ${cols.join(', ')})`;
}

/** The time and pid indexes of a probe table (built when recording stops: they cost 3x insert speed while recording). */
function probeIndexSql(probe: ProbeSpec): string[] {
  return [
    `CREATE INDEX IF NOT EXISTS ${ident(`idx_${probe.table}_ts`)} ON ${ident(probe.table)} (ts)`,
    `CREATE INDEX IF NOT EXISTS ${ident(`idx_${probe.table}_pid`)} ON ${ident(probe.table)} (pid, ts)`,
  ];
}

/** Index names of a probe table. */
function probeIndexNames(probe: ProbeSpec): string[] {
  return [`idx_${probe.table}_ts`, `idx_${probe.table}_pid`];
}

/** The `events` view over the given probe tables: the common columns of all, in PROBES order. */
export function eventsViewSql(probes: readonly ProbeSpec[]): string {
  const cols = HEADER_COLUMNS.flatMap((h) => (h.kind === 'text' ? [h.name, `${h.name}_raw`] : [h.name])).map(ident).join(', ');
  const parts = probes.map(
    (p) => `SELECT '${p.name}' AS probe, '${p.table}' AS tbl, id, ${cols}, ts + (SELECT clock_offset_ns FROM capture) AS wall_ns FROM ${ident(p.table)}`,
  );
  return `CREATE VIEW events AS ${parts.join(' UNION ALL ')}`;
}

/** Columns of the `events` view, in order, with their docs. */
export const EVENTS_VIEW_COLUMNS: readonly { name: string; doc: string }[] = [
  { name: 'probe', doc: 'probe name (the probe whose table holds the row)' },
  { name: 'tbl', doc: 'the probe table the row is in' },
  { name: 'id', doc: 'row id in that table' },
  ...HEADER_COLUMNS.flatMap((h) => (h.kind === 'text' ? [{ name: h.name, doc: h.doc }, { name: `${h.name}_raw`, doc: rawDoc(h.name) }] : [{ name: h.name, doc: h.doc }])),
  { name: 'wall_ns', doc: 'wall-clock ns since the Unix epoch (ts + capture.clock_offset_ns)' },
];

/** One core (non-probe) table: name, columns (name, declared type, doc). */
export interface CoreTable {
  name: string;
  doc: string;
  columns: { name: string; type: string; doc: string; constraint?: string }[];
  /** Table constraints after the columns. */
  constraints?: string[];
  /** The schema version that added it (default 1); older captures get it, empty, from their migration. */
  since?: number;
}

/** The core tables of the current schema (BINARY_TABLES, defined below, are appended). */
const BASE_CORE_TABLES: readonly CoreTable[] = [
  {
    name: 'capture',
    doc: 'one row: what recorded this capture, where and when',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY CHECK (id = 1)', doc: 'always 1' },
      { name: 'tool', type: 'TEXT', constraint: 'NOT NULL', doc: "'ebpfsh'" },
      { name: 'tool_version', type: 'TEXT', constraint: 'NOT NULL', doc: 'ebpfsh version that recorded' },
      { name: 'schema_version', type: 'INTEGER', constraint: 'NOT NULL', doc: 'schema version (also PRAGMA user_version)' },
      { name: 'hostname', type: 'TEXT', constraint: 'NOT NULL', doc: 'host name of the traced machine' },
      { name: 'kernel_release', type: 'TEXT', constraint: 'NOT NULL', doc: 'uname -r' },
      { name: 'boot_id', type: 'TEXT', constraint: 'NOT NULL', doc: '/proc/sys/kernel/random/boot_id: kernel timestamps and pids are only comparable within one boot' },
      { name: 'clock_offset_ns', type: 'INTEGER', constraint: 'NOT NULL', doc: 'wall-clock ns = kernel monotonic ns (ts) + clock_offset_ns' },
      { name: 'start_ns', type: 'INTEGER', constraint: 'NOT NULL', doc: 'recording start, kernel monotonic ns' },
      { name: 'start_time', type: 'TEXT', constraint: 'NOT NULL', doc: 'recording start, ISO 8601 UTC' },
      { name: 'end_ns', type: 'INTEGER', doc: 'recording end, kernel monotonic ns (NULL: the recorder died; see losses cause=recorder_died)' },
      { name: 'end_time', type: 'TEXT', doc: 'recording end, ISO 8601 UTC' },
      { name: 'clean_stop', type: 'INTEGER', constraint: 'NOT NULL DEFAULT 0', doc: '1 when the recorder stopped cleanly and wrote everything it had' },
      { name: 'stop_reason', type: 'TEXT', doc: 'why recording stopped (user, duration, signal, disk full, recorder died)' },
      { name: 'command_line', type: 'TEXT', constraint: 'NOT NULL', doc: 'JSON array: the command line that recorded' },
      { name: 'recorder_pid', type: 'INTEGER', constraint: 'NOT NULL', doc: 'pid of the recording process (its own events are never traced)' },
      { name: 'last_commit_ns', type: 'INTEGER', doc: 'kernel monotonic ns of the last committed batch: where a gap starts if the recorder died' },
    ],
  },
  {
    name: 'journal',
    doc: 'every attach, detach and filter change, in order: tells "nothing happened" from "nothing was watched"',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'ts', type: 'INTEGER', constraint: 'NOT NULL', doc: 'kernel monotonic ns' },
      { name: 'action', type: 'TEXT', constraint: 'NOT NULL', doc: 'start, attach, detach, filter, stop, recovered, error (an evidence path that failed: a probe that could not attach for the process table, reader poll failures, a consumer that threw)' },
      { name: 'probe', type: 'TEXT', doc: 'probe name (NULL for start/stop)' },
      { name: 'filters', type: 'TEXT', doc: "the filters as written, e.g. 'uid=1000 path=/etc/' ('' = every event)" },
      { name: 'clauses', type: 'TEXT', doc: 'JSON array of {clause, where}: where each clause ran, "kernel" or "userspace"' },
      { name: 'attach_points', type: 'TEXT', doc: 'JSON array of the attach points in use, e.g. ["tp_btf/sched_process_exec"]' },
      { name: 'detail', type: 'TEXT', doc: 'why (e.g. "requested", "process table", "look-back" for a row of the window a capture took from the shell\'s ring), hooks the kernel refused, or the stop reason' },
    ],
  },
  {
    name: 'losses',
    doc: 'events lost or damaged, per probe, per cause, per interval; never silently absent',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'probe', type: 'TEXT', doc: 'probe name (NULL: every probe, e.g. recorder_died)' },
      { name: 'cause', type: 'TEXT', constraint: 'NOT NULL', doc: 'lost (the event is not in the capture): ringbuf_full, queue_overflow, handoff_failed, decode_error, listener_error, framing_error (probe NULL), writer, disk_full, recorder_died, ring_evicted (the shell\'s ring dropped it before a look-back capture took the window), and the kernel causes pending_full, follow_full; delivered degraded (the event is in the capture, flagged, counted once among the events, never a loss): string_fault, truncated' },
      { name: 'start_ns', type: 'INTEGER', constraint: 'NOT NULL', doc: 'interval start, kernel monotonic ns' },
      { name: 'end_ns', type: 'INTEGER', doc: 'interval end, kernel monotonic ns (NULL: unknown, the recorder died)' },
      { name: 'count', type: 'INTEGER', doc: 'events in the interval (NULL: unknown)' },
    ],
  },
  {
    name: 'notes',
    doc: "investigator marks (the shell's :mark)",
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'ts', type: 'INTEGER', constraint: 'NOT NULL', doc: 'kernel monotonic ns' },
      { name: 'text', type: 'TEXT', constraint: 'NOT NULL', doc: 'the note' },
    ],
  },
  {
    name: 'processes',
    doc: 'one row per process lifetime, keyed (boot_id, pid, start_ticks) so a reused pid is another row',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'row id' },
      { name: 'boot_id', type: 'TEXT', constraint: 'NOT NULL', doc: 'boot the process ran in' },
      { name: 'pid', type: 'INTEGER', constraint: 'NOT NULL', doc: 'process id (tgid)' },
      { name: 'start_ticks', type: 'INTEGER', constraint: 'NOT NULL', doc: 'start in clock ticks since boot, as /proc/PID/stat field 22 (USER_HZ = 100)' },
      { name: 'parent_pid', type: 'INTEGER', doc: 'parent key: pid' },
      { name: 'parent_start_ticks', type: 'INTEGER', doc: 'parent key: start_ticks' },
      { name: 'uid', type: 'INTEGER', doc: 'real uid (at the last exec or when first seen)' },
      { name: 'comm', type: 'TEXT', doc: 'task name' },
      { name: 'comm_raw', type: 'BLOB', doc: rawDoc('comm') },
      { name: 'exe', type: 'TEXT', doc: 'executable path' },
      { name: 'exe_raw', type: 'BLOB', doc: rawDoc('exe') },
      { name: 'argv', type: 'TEXT', doc: 'JSON array of strings' },
      { name: 'argv_raw', type: 'BLOB', doc: rawDoc('argv') + ' (each argument followed by a NUL byte)' },
      { name: 'start_ns', type: 'INTEGER', doc: 'start, kernel monotonic ns (from /proc to within 10 ms for processes already running)' },
      { name: 'exit_ns', type: 'INTEGER', doc: 'exit, kernel monotonic ns (NULL: still running when recording stopped, or not seen)' },
      { name: 'exit_code', type: 'INTEGER', doc: 'wait status: exit status << 8 | terminating signal' },
      { name: 'source', type: 'TEXT', constraint: 'NOT NULL', doc: 'how it was first seen: proc (running at start), fork, exec or exit' },
    ],
    constraints: ['UNIQUE (boot_id, pid, start_ticks)'],
  },
];

// ---- executed binaries (schema 4): what each executed file was, hashed off the event path ----

/** The tables of executed binaries: one row per file identity hashed or tried, and the bytes when collected. */
export const BINARY_TABLES: readonly CoreTable[] = [
  {
    name: 'binaries',
    since: 4,
    doc: 'executed files, one row per identity (dev, ino, size, mtime) hashed or tried; a probe\'s rows link to it by those columns (see the exec_binaries view). A later try of an identity that failed may add a hashed row',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'sha256', type: 'TEXT', doc: 'lower-case hex SHA-256 of the file read through /proc/PID/exe (NULL: not hashed, see outcome)' },
      { name: 'outcome', type: 'TEXT', constraint: 'NOT NULL', doc: 'hashed; or why not: too_big (over the size limit), queue_full (the hash queue was at its limit), gone (the process exited before its exe was opened), denied (permission), changed (the process had exec\'d another file by then), error' },
      { name: 'detail', type: 'TEXT', doc: 'the error, when outcome is error, denied or changed' },
      { name: 'dev', type: 'INTEGER', constraint: 'NOT NULL', doc: "device, as stat's st_dev, when the kernel saw the exec" },
      { name: 'ino', type: 'INTEGER', constraint: 'NOT NULL', doc: 'inode number' },
      { name: 'size', type: 'INTEGER', constraint: 'NOT NULL', doc: 'size in bytes at exec' },
      { name: 'mtime', type: 'INTEGER', constraint: 'NOT NULL', doc: 'modification time at exec, seconds since the epoch' },
      { name: 'mtime_nsec', type: 'INTEGER', constraint: 'NOT NULL', doc: 'nanoseconds of mtime' },
      { name: 'ts', type: 'INTEGER', constraint: 'NOT NULL', doc: 'kernel monotonic ns of the exec that first showed this identity (of this try)' },
      { name: 'pid', type: 'INTEGER', constraint: 'NOT NULL', doc: 'the process whose /proc/PID/exe was read' },
      { name: 'path', type: 'TEXT', doc: 'the executed path as the exec saw it' },
      { name: 'path_raw', type: 'BLOB', doc: rawDoc('path') },
      { name: 'blob', type: 'TEXT', doc: 'with --collect-binaries: stored (the bytes are in binary_blobs under sha256) or too_big (over the collect limit); NULL: not asked' },
    ],
  },
  {
    name: 'binary_blobs',
    since: 4,
    doc: 'with --collect-binaries: the bytes of each executed file, once per sha256 (ebpfsh export FILE --binary HASH writes one out)',
    columns: [
      // an id like every other table's: the integrity chain covers rows by id range
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'sha256', type: 'TEXT', constraint: 'NOT NULL UNIQUE', doc: 'lower-case hex SHA-256 of bytes' },
      { name: 'size', type: 'INTEGER', constraint: 'NOT NULL', doc: 'bytes' },
      { name: 'bytes', type: 'BLOB', constraint: 'NOT NULL', doc: 'the file as read through /proc/PID/exe' },
      ],
    },
  ];

// --- Integrity chain (schema 4, issue 13 part 1): kept in its own block so other schema-4 tables merge cleanly. ---

/** The schema version that added the integrity chain tables. */
export const CHAIN_SINCE = 4;
/** The capture schema from which new captures are chained in ebpfsh-chain-2 (binary; older ones keep ebpfsh-chain-1). */
export const CHAIN_2_SINCE = 6;

/** The tables of the integrity chain and manifest (src/store/chain-encoding.ts; docs/capture-format.md "Integrity chain"). */
export const CHAIN_TABLES: readonly CoreTable[] = [
  {
    name: 'chain',
    doc: "one row per committed transaction: which rows it inserted and the SHA-256 chain over them; seq 0 is the genesis (or 'migrated': recorded before the chain, unverifiable)",
    columns: [
      { name: 'seq', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'batch number: 0 genesis, then 1, 2, ... without gaps' },
      { name: 'kind', type: 'TEXT', constraint: 'NOT NULL', doc: "genesis, migrated (no chain), batch, final (the stop batch, with the manifest), recovered (appended by ebpfsh recover)" },
      { name: 'prev_hash', type: 'BLOB', constraint: 'NOT NULL', doc: 'hash of the batch before (32 zero bytes for the genesis)' },
      { name: 'hash', type: 'BLOB', constraint: 'NOT NULL', doc: 'SHA-256 over prev_hash and this batch (see docs/capture-format.md)' },
      { name: 'ts_min', type: 'INTEGER', doc: 'smallest ts (or start_ns) of the rows it inserted, kernel monotonic ns' },
      { name: 'ts_max', type: 'INTEGER', doc: 'largest ts (or start_ns) of the rows it inserted' },
      { name: 'rows', type: 'INTEGER', constraint: 'NOT NULL', doc: 'rows it inserted, all tables' },
      { name: 'tables', type: 'TEXT', constraint: 'NOT NULL', doc: 'JSON array, by table name: [table, first id, last id, rows, SHA-256 hex of those rows]' },
    ],
  },
  {
    name: 'chain_updates',
    doc: 'rows a transaction changed after inserting them (the process table): the hash of the row as that transaction left it; the last one must match the row',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'seq', type: 'INTEGER', constraint: 'NOT NULL', doc: 'the batch that wrote the row' },
      { name: 'tbl', type: 'TEXT', constraint: 'NOT NULL', doc: 'table of the row' },
      { name: 'row_id', type: 'INTEGER', constraint: 'NOT NULL', doc: 'id of the row' },
      { name: 'row_hash', type: 'BLOB', constraint: 'NOT NULL', doc: 'SHA-256 of the row in the canonical encoding, as the batch left it' },
    ],
  },
  {
    name: 'manifest',
    doc: 'written when recording stops: the chain head, counts, span, host, version; optionally signed (Ed25519)',
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY CHECK (id = 1)', doc: 'always 1' },
      { name: 'body', type: 'TEXT', constraint: 'NOT NULL', doc: 'canonical JSON: format, head (hex), batches, counts per table, start/end, host, boot id, tool version, stop; the signed bytes' },
      { name: 'public_key', type: 'TEXT', doc: 'the signer\'s Ed25519 public key (SPKI PEM), NULL when unsigned' },
      { name: 'signature', type: 'BLOB', doc: 'Ed25519 signature of body (UTF-8), NULL when unsigned' },
    ],
  },
];

/** Indexes of the binaries tables, built at finalize. */
const BINARY_INDEXES: readonly [string, string][] = [
  ['idx_binaries_identity', 'binaries (dev, ino, size, mtime, mtime_nsec)'],
  ['idx_binaries_sha256', 'binaries (sha256)'],
];

// ---- end of executed binaries and of the integrity chain block ----

// ---- host facts (schema 4, issue 15): what the recording host was, so a reader elsewhere shows it as it was ----

/** The tables describing the recording host beyond the capture row: its time zone and its user and group names. */
export const HOST_TABLES: readonly CoreTable[] = [
  {
    name: 'host_facts',
    since: 4,
    doc: "facts about the recording host, one per key, written with the capture row (chained by the first batch): time_zone (IANA name, e.g. Europe/Berlin), utc_offset_minutes (east of UTC at the start). Empty in captures migrated from schema 3: readers say 'zone unknown: shown as local'",
    columns: [
      // an id like every other table's: the integrity chain covers rows by id range
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'key', type: 'TEXT', constraint: 'NOT NULL UNIQUE', doc: 'time_zone or utc_offset_minutes' },
      { name: 'value', type: 'TEXT', constraint: 'NOT NULL', doc: 'the value as text (readers validate it: a zone Intl does not know is ignored)' },
    ],
  },
  {
    name: 'host_users',
    since: 4,
    doc: "the recording host's user and group names (/etc/passwd and /etc/group at the start, at most 65536 of each), so a reader elsewhere shows a uid by the host's name. Names only in NSS (LDAP, sssd) are not here. Empty in captures migrated from schema 3",
    columns: [
      { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
      { name: 'kind', type: 'TEXT', constraint: 'NOT NULL', doc: 'user or group' },
      { name: 'num', type: 'INTEGER', constraint: 'NOT NULL', doc: 'uid or gid' },
      { name: 'name', type: 'TEXT', constraint: 'NOT NULL', doc: 'the name as the file has it (readers escape it)' },
    ],
  },
];

// ---- end of host facts ----

/** The core tables of the current schema (the chain tables, CHAIN_TABLES, are apart: the chain covers these, not itself). */
export const CORE_TABLES: readonly CoreTable[] = [...BASE_CORE_TABLES, ...BINARY_TABLES, ...HOST_TABLES];

/** CREATE TABLE for a core table. */
export function coreTableSql(t: CoreTable): string {
  const cols = t.columns.map((c) => `${c.name} ${c.type}${c.constraint ? ' ' + c.constraint : ''}`);
  return `CREATE TABLE ${t.name} (${[...cols, ...(t.constraints ?? [])].join(', ')})`;
}

/** Every statement that creates a fresh capture of the current schema (indexes come at finalize). */
export function createSchemaSql(probes: readonly ProbeSpec[] = PROBES): string[] {
  return [...CORE_TABLES.map(coreTableSql), ...CHAIN_TABLES.map(coreTableSql), ...probes.map((p) => probeTableSql(p)), eventsViewSql(probes), ...summaryTablesSql(probes)];
}

/** Statements run when a capture is finalized (`tables`: those it has, when an older schema may lack summary tables). */
export function finalizeIndexSql(probes: readonly ProbeSpec[] = PROBES, tables?: ReadonlySet<string>): string[] {
  return [
    ...probes.flatMap(probeIndexSql),
    'CREATE INDEX IF NOT EXISTS idx_processes_parent ON processes (parent_pid, parent_start_ticks)',
    'CREATE INDEX IF NOT EXISTS idx_processes_pid ON processes (pid)',
    ...BINARY_INDEXES.map(([name, on]) => `CREATE INDEX IF NOT EXISTS ${name} ON ${on}`),
    ...summaryIndexes(probes, tables).map(([name, on]) => `CREATE INDEX IF NOT EXISTS ${name} ON ${on}`),
  ];
}

/** Index names a capture may hold besides SQLite's own autoindexes. */
export function knownIndexNames(probes: readonly ProbeSpec[] = PROBES): Set<string> {
  return new Set([...probes.flatMap(probeIndexNames), 'idx_processes_parent', 'idx_processes_pid', ...BINARY_INDEXES.map(([name]) => name), ...summaryIndexes(probes).map(([name]) => name)]);
}
