import { formatRet } from '../../text/index.js';
import { decodeSocket, endpoint, socketFields, socketFilterKeys, socketKind, SOCK_RECORD } from '../socket-addr.js';
import type { ProbeSpec } from '../types.js';
import { bindFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** bind: the local address a socket asked for (or, on success, the one it got) and the result. */
export const bind: ProbeSpec = {
  name: 'bind',
  aliases: ['bindsnoop'],
  table: 'bind',
  summary: 'bind(): local address and port (the port chosen when 0 was asked), family, protocol, result',
  object: 'sockets',
  profiles: ['forensic', 'network'],
  // exit before enter: once an enter stashes a bind, its exit is there to emit and delete it
  hooks: [syscallHook('bind')],
  record: SOCK_RECORD,
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno (EADDRINUSE, EACCES, ...)', width: 11 },
    { name: 'fd', type: 'int', doc: 'the socket fd' },
    ...socketFields('local'),
  ],
  retField: 'ret',
  filterKeys: socketFilterKeys('local'),
  decode(rec) {
    const s = decodeSocket(rec, 'local');
    return { ret: rec.members.ret as number, fd: rec.members.fd as number, ...s };
  },
  describe(e) {
    const f = e.fields;
    return [`${socketKind(f)} `, ...endpoint(f, 'l'), ` ${(f.ret as number) === 0 ? 'ok' : formatRet(f.ret as number)} fd ${f.fd}`];
  },
  facets: bindFacets,
};
