import { formatRet } from '../../text/index.js';
import { decodeSocket, endpoint, socketFields, socketFilterKeys, socketKind, SOCK_RECORD } from '../socket-addr.js';
import type { ProbeSpec } from '../types.js';
import { listenFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** listen: the address a socket starts accepting connections on, with its backlog and result. */
export const listen: ProbeSpec = {
  name: 'listen',
  aliases: ['listensnoop'],
  table: 'listen',
  summary: 'listen(): the local address and port now accepting connections, backlog, result',
  object: 'sockets',
  profiles: ['forensic', 'network'],
  hooks: [syscallHook('listen')],
  record: SOCK_RECORD,
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno (EADDRINUSE, EOPNOTSUPP, ...)', width: 11 },
    { name: 'fd', type: 'int', doc: 'the socket fd' },
    { name: 'backlog', type: 'int', doc: 'the backlog asked for' },
    ...socketFields('local'),
  ],
  retField: 'ret',
  filterKeys: socketFilterKeys('local'),
  decode(rec) {
    const s = decodeSocket(rec, 'local');
    return { ret: rec.members.ret as number, fd: rec.members.fd as number, backlog: rec.members.arg as number, ...s };
  },
  describe(e) {
    const f = e.fields;
    const outcome = (f.ret as number) === 0 ? 'ok' : formatRet(f.ret as number);
    return [`${socketKind(f)} `, ...endpoint(f, 'l'), ` backlog ${f.backlog} ${outcome} fd ${f.fd}`];
  },
  facets: listenFacets,
};
