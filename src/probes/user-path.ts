import { toByteString, type ByteString } from '../event/index.js';

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
