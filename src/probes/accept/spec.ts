import { formatRet } from '../../text/index.js';
import { SOCK_KIND_ACCEPT, SOCK_KIND_ACCEPT4 } from '../../event/generated/skeleton.js';
import { decodeSocket, endpoint, socketFields, socketFilterKeys, socketKind, SOCK_RECORD } from '../socket-addr.js';
import type { ProbeSpec } from '../types.js';
import { acceptFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each accept kind. */
const SYSCALLS: Record<number, string> = { [SOCK_KIND_ACCEPT]: 'accept', [SOCK_KIND_ACCEPT4]: 'accept4' };

/** accept: each connection taken from a listener, with both ends, or the error. */
export const accept: ProbeSpec = {
  name: 'accept',
  aliases: ['tcpaccept'],
  table: 'accept',
  summary: 'accept(), accept4(): the new connection\'s local and peer addresses and ports, or the error',
  object: 'sockets',
  profiles: ['forensic', 'network'],
  hooks: [
    syscallHook('accept4'),
    syscallHook('accept', true),
  ],
  record: SOCK_RECORD,
  fields: [
    { name: 'ret', type: 'int', doc: 'the new connection\'s fd, or -errno (EAGAIN, EINTR, EMFILE, ...)', width: 7 },
    { name: 'fd', type: 'int', doc: 'the listening socket\'s fd' },
    { name: 'flags', type: 'int', doc: 'accept4 flags (SOCK_NONBLOCK, SOCK_CLOEXEC); 0 for accept' },
    ...socketFields('both'),
    { name: 'syscall', type: 'text', doc: 'accept or accept4' },
  ],
  retField: 'ret',
  filterKeys: socketFilterKeys('both'),
  decode(rec, kind) {
    const m = rec.members;
    // a failed accept carries the listener's socket: it has no peer
    const s = decodeSocket(rec, 'both');
    if ((m.ret as number) < 0) {
      s.raddr = null;
      s.rport = null;
    }
    return { ret: m.ret as number, fd: m.fd as number, flags: m.arg as number, ...s, syscall: SYSCALLS[kind] ?? `kind${kind}` };
  },
  describe(e) {
    const f = e.fields;
    if ((f.ret as number) < 0) return [`${socketKind(f)} `, ...endpoint(f, 'l'), ` ${formatRet(f.ret as number)} fd ${f.fd}`];
    return [`${socketKind(f)} `, ...endpoint(f, 'l'), ' <- ', ...endpoint(f, 'r'), ` fd ${f.ret}`];
  },
  facets: acceptFacets,
};
