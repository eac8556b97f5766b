import type { ByteString, DecodeTarget, FieldValue, FilterTarget, RawRecord, RecordSpec, TraceEvent } from '../event/index.js';

/** How a field is stored and shown. */
export interface FieldSpec {
  name: string;
  /** int: INTEGER; text: TEXT (BLOB when not UTF-8); argv: JSON array TEXT. */
  type: 'int' | 'text' | 'argv';
  doc: string;
  /** Width in the event pane; 0 = not a column of its own. */
  width?: number;
  /**
   * The capture schema version that added this field to an existing probe
   * (default 1: with the probe): captures of an older schema lack its
   * column, and readers migrate a private copy to add it.
   */
  since?: number;
}

/** One way to hook an event; alternatives are tried in order. */
export interface HookChoice {
  /** Program names in the BPF object, loaded and attached together. */
  programs: string[];
  /** Human description of the attach point, e.g. `tp_btf/sched_process_exec`. */
  attach: string;
  /**
   * Programs attached to another tracepoint (`category/name`) than their own
   * section's, one of the same record layout: a program two hooks share is
   * loaded (and verified) once.
   */
  at?: Record<string, string>;
}

/** A hook the probe needs, with its alternatives (best first). */
export interface HookSpec {
  name: string;
  choices: HookChoice[];
  /** The probe still works (with less) if none of the choices load. */
  optional?: boolean;
}

/** A piece of a describe() line: literal text, or traced-system data to escape. */
export type DescribePart = string | { data: ByteString | ByteString[] };

/** What one event adds to the dashboard's connection or file panels. */
export type DashboardContribution =
  | { panel: 'connections'; daddr: ByteString; dport: number; ipver: number; ret: number }
  | { panel: 'files'; path: ByteString; ret: number };

/**
 * What one event says about a process's life, for the capture's process
 * table and the shell's process book. `startTicks` (as /proc/PID/stat field
 * 22) identifies the lifetime when the probe knows it; an exec without it
 * updates the live process of that pid.
 */
export type ProcessFact =
  | { kind: 'fork'; startTicks: number; parentPid: number; parentStartTicks: number }
  | { kind: 'exit'; startTicks: number; parentPid: number; parentStartTicks: number; exitCode: number }
  | {
      kind: 'exec';
      startTicks?: number;
      parentPid?: number;
      parentStartTicks?: number;
      exe: ByteString | null;
      argv: ByteString[] | null;
      /** argv is the whole vector (not a lifecycle record's short copy): the process book keeps it. */
      fullArgv: boolean;
    };

/** A ready-made view over a probe's table, created as a TEMP view by readers. */
export interface ForensicView {
  name: string;
  /** The SELECT (no CREATE) over `table` (the probe's); `host` is `host, ` over merged captures, else empty. */
  select(host: string, table: string): string;
  /** Materialized when recording stops (a `<name>_summary` table, src/store/summaries.ts): for a view that aggregates the whole table. */
  summary?: boolean;
}

/** How `ebpfsh tree` reads and shows a probe's events of one process lifetime. */
export interface TreeFacet {
  /** Columns after `ts` read from the probe's table. */
  columns: string;
  /** Rows read per process (default: the tree's per-kind limit + 1). */
  read?: number;
  /**
   * SQL expression over the probe's columns ranking a row, 0 the most telling:
   * rows are read in rank then time order, so a capped list keeps what a
   * responder needs, and the rows of each rank are counted.
   */
  rank?: string;
  /** Plural name of each rank's rows (index = rank), for the count of what was not listed. */
  rankNames?: readonly string[];
  /** The lines for one process's rows (ts first, then `columns`, then the rank when `rank` is set; values as read from a capture, any type). */
  lines(rows: unknown[][], ctx: TreeContext): string[];
}

/** What a tree facet is given to write its lines. */
export interface TreeContext {
  /** Wall time of a capture ts, for the line. */
  time(ns: unknown): string;
  /** Indentation of the process's lines. */
  indent: string;
  /** Events listed per kind before summarising. */
  perKind: number;
  /** With a `rank`: how many rows of each rank the process lifetime holds (key = rank). */
  rankCounts?: Map<number, number>;
}

/** An event the dashboard's "security events" panel lists: a short label and the line. */
export interface SecurityNote {
  /** What kind of thing happened, e.g. `setuid bit`, `privilege`, `ptrace`, `bpf load`, `mount`, `log deleted`, `listener`, `reverse shell`. */
  label: string;
  parts: DescribePart[];
}

/** A connection an event shows its process holding from then on (captures record opens, not closes). */
export interface ConnectionFact {
  /** out: the process connected; in: it accepted. */
  direction: 'out' | 'in';
  /** The endpoints, e.g. `127.0.0.1:8080` (traced-system data as data parts). */
  parts: DescribePart[];
}

/** A TCP address an event shows its process listening on (listen, accept) or connecting to (connect). */
export interface SocketEnd {
  role: 'listening' | 'connecting';
  /** IP address as text (0.0.0.0 or :: for every address). */
  addr: string;
  port: number;
  /** A connect the other end refused (nothing listened there then). */
  refused?: boolean;
}

/** How `ebpfsh ps --at` finds, in a probe's table, the connections a process opened. */
export interface ConnectionsFacet {
  /** SQL condition on the probe's table that selects the rows that opened a connection, e.g. `ret = 0`. */
  where: string;
  /** The connection one such row (as an event) opened. */
  of(e: TraceEvent): ConnectionFact | undefined;
}

/**
 * The file a process runs, as the kernel identified it at exec: what a
 * capture hashes (once per identity: dev, ino, size, mtime) and links the
 * probe's rows to by those same columns.
 */
export interface BinaryIdentity {
  /** st_dev, st_ino, st_size, mtime (s, ns) as the kernel saw them at exec. */
  dev: number;
  ino: number;
  size: number;
  mtime: number;
  mtimeNsec: number;
  /** The process that runs it: its /proc/PID/exe is read while it lives. */
  pid: number;
  /** The path as the event saw it. */
  path: ByteString;
}

/** A named set of probes a responder attaches at once (`all` is every probe, so it is not listed). */
export type ProfileName = 'forensic' | 'files' | 'network';

/**
 * What the rest of the program needs to know about a probe, each optional:
 * consumers iterate over PROBES and ask, so none of them names a probe.
 */
export interface ProbeFacets {
  /** The detail pane's text for an integer field shown better than a number (open flags, an octal mode). */
  detailValue?(field: string, value: number): string | undefined;
  /** Filter-key values an event offers to tab completion (`add(key, value)` per value). */
  completionValues?(e: TraceEvent, add: (key: string, value: string) => void): void;
  /** What an event adds to the dashboard's connection or file panels. */
  dashboard?(e: TraceEvent): DashboardContribution | undefined;
  /** What an event says about a process's life (process table, process book). */
  processFact?(e: TraceEvent): ProcessFact | undefined;
  /** Ready-made views over the probe's table. */
  forensicViews?: ForensicView[];
  /** The probe's part of `ebpfsh tree`. */
  tree?: TreeFacet;
  /** True for an event a responder rarely needs (a shared-library open): the live `:noise off` folds it from the view, never from a capture. */
  isNoise?(e: TraceEvent): boolean;
  /** The connections a process opened, for the process table at an instant (`ebpfsh ps --at`). */
  connections?: ConnectionsFacet;
  /** The event as a line of the dashboard's security-events panel, when it is one worth a responder's eye. */
  security?(e: TraceEvent): SecurityNote | undefined;
  /** The TCP address an event shows its process listening on or connecting to: the live shell's local-listener lookup. */
  socketEnd?(e: TraceEvent): SocketEnd | undefined;
  /** The raw wait status when the event is a process's end (its last thread's exit), for the live process book. */
  processEnd?(e: TraceEvent): number | undefined;
  /** The executed file an event names (an exec that ran), for the capture's `binaries` table. */
  binaryOf?(e: TraceEvent): BinaryIdentity | undefined;
}

/**
 * A map of the probe's own object the engine fills after load and before
 * attach (settings too big for a load-time constant, e.g. names the kernel
 * matches). Its entries are written over what an earlier load in the same
 * session left, so a table should write every slot it has.
 */
export interface KernelTable {
  /** The map's name in the object. */
  map: string;
  /** [key, value] bytes, each exactly the map's key and value size. */
  entries: [Buffer, Buffer][];
}

/** Everything ebpfsh knows about one probe, in one place. */
export interface ProbeSpec extends DecodeTarget, FilterTarget {
  name: string;
  aliases: string[];
  /** Capture table name. */
  table: string;
  summary: string;
  /** build/bpf/<object>.bpf.o */
  object: string;
  hooks: HookSpec[];
  record: RecordSpec;
  fields: FieldSpec[];
  /** Maps a raw record to the probe's fields. */
  decode(raw: RawRecord, kind: number): Record<string, FieldValue>;
  /** One line of detail for `trace` and the event pane (strings not yet escaped). */
  describe(event: TraceEvent): DescribePart[];
  /**
   * 'process-table': a capture attaches this probe by itself, unfiltered and
   * journaled as in the background, to keep its process table current.
   */
  role?: 'process-table';
  /** The profiles (`forensic`, `files`, `network`) that attach this probe; `all` attaches every probe. */
  profiles?: ProfileName[];
  /** What the rest of the program asks of this probe. */
  facets?: ProbeFacets;
  /** Maps the engine writes after loading the object, before attaching it; may throw a FilterError on bad settings. */
  kernelTables?(): KernelTable[];
}
