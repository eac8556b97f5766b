import { anyPathMatches, parsePathPattern, toByteString, type ByteString, type PathPattern, type ProbeFilterKey, type RawRecord } from '../event/index.js';
import { UPATH_BASE_TRUNCATED, UPATH_TRUNCATED } from '../event/generated/skeleton.js';

/** The exact bytes of a ByteString. */
const bytesOf = (s: ByteString): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

/**
 * The absolute path of a path argument as bpf/lib/user_path.h records it:
 * the raw bytes when absolute (or when the directory is unknown), else the
 * directory's path joined to them (an empty raw path names the directory
 * itself, as with AT_EMPTY_PATH). Byte-exact: invalid UTF-8 stays bytes.
 */
export function joinUserPath(raw: ByteString, base: ByteString): ByteString {
  if (base.length === 0) return raw;
  if (raw.length === 0) return base;
  if (typeof raw === 'string' && typeof base === 'string') return base === '/' ? `/${raw}` : `${base}/${raw}`;
  const b = bytesOf(base);
  const sep = b.length === 1 && b[0] === 0x2f ? Buffer.alloc(0) : Buffer.from('/');
  return toByteString(Buffer.concat([b, sep, bytesOf(raw)]));
}

/** A path argument as bpf/lib/user_path.h records it, decoded: absolute when it could be, the caller's bytes, and whether either was cut. */
export interface PathArg {
  path: ByteString;
  raw_path: ByteString;
  truncated: number;
}

/** The path argument in segments `raw` and `raw + 1` of a record, with its `enum user_path_flags`. */
export function decodePathArg(rec: RawRecord, raw: number, upathFlags: number): PathArg {
  const r = rec.text(raw);
  return {
    path: joinUserPath(r, rec.text(raw + 1)),
    raw_path: r,
    truncated: upathFlags & (UPATH_TRUNCATED | UPATH_BASE_TRUNCATED) ? 1 : 0,
  };
}

/** The `path=` key of a probe with a path argument: opensnoop's grammar, on `path` or `raw_path`. */
export const pathFilterKey: ProbeFilterKey = {
  doc: 'absolute or raw path: exact, prefix ending in /, or glob with *',
  example: 'path=/etc/',
  parse: parsePathPattern,
  match: (e, values) => anyPathMatches([e.fields.path as ByteString, e.fields.raw_path as ByteString], values as PathPattern[]),
  // an fd whose file is gone, or an unreadable path: nothing is known, so path= must not hide it
  unknown: (e) => (e.fields.path as ByteString).length === 0,
};
