/** A string from the traced system: text when it was valid UTF-8, else its exact bytes. */
export type ByteString = string | Uint8Array;

/** One field value of a decoded event. */
export type FieldValue = number | ByteString | ByteString[] | null;

/** The common header every event carries (from struct event_header). */
export interface EventHeader {
  /** Kernel CLOCK_MONOTONIC nanoseconds. */
  ts: number;
  kind: number;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  cgroup: number;
  pidns: number;
  nspid: number;
  comm: ByteString;
}

/** A decoded event: the header plus the probe's own fields. */
export interface TraceEvent extends EventHeader {
  probe: string;
  fields: Record<string, FieldValue>;
}

/** C member types a probe expects; checked against the objects' BTF. */
export type MemberType = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'bytes';

/**
 * Raw members and variable-length data[] segments of one record, ready to map
 * to fields. Valid only during decode(): the decoder reuses it for the next record.
 */
export interface RawRecord {
  members: Record<string, number | Uint8Array>;
  /** Segment i (in the order of `record.segments`, trailing NUL removed) as a string: text when UTF-8, else exact bytes. */
  text(i: number): ByteString;
  /** Segment i split at NULs (argv). */
  list(i: number): ByteString[];
  /** Bytes in segment i. */
  size(i: number): number;
}

/** A probe-specific filter key. */
export interface ProbeFilterKey {
  doc: string;
  /** Example value, for help and errors. */
  example: string;
  /** Parses one value; throws FilterError with a clear message. */
  parse(value: string): unknown;
  /** True when the event matches any of the parsed values. */
  match(event: TraceEvent, values: unknown[]): boolean;
  /** True when the event's value for this key could not be read: it then passes `key=` and `key!=` alike, so nothing unreadable is hidden. */
  unknown?(event: TraceEvent): boolean;
}

/** The bytes of one probe's record: its C struct, the members read, the variable-length segments. */
export interface RecordSpec {
  struct: string;
  members: Record<string, MemberType>;
  /** Length members of the data[] segments, in order. */
  segments?: string[];
}

/** What decoding needs of a probe: its name, record and field mapping (a ProbeSpec is one). */
export interface DecodeTarget {
  name: string;
  record: RecordSpec;
  /** Maps a raw record to the probe's fields. */
  decode(raw: RawRecord, kind: number): Record<string, FieldValue>;
}

/** What the filter grammar needs of a probe (a ProbeSpec is one). */
export interface FilterTarget {
  name: string;
  /** Field holding the result (negative errno on failure): used by `failed`. */
  retField: string;
  /** Keys beyond the common ones. */
  filterKeys: Record<string, ProbeFilterKey>;
}
