import { SOCK_KIND_DUP, SOCK_KIND_DUP2, SOCK_KIND_DUP3, SOCK_KIND_FCNTL } from '../../event/generated/skeleton.js';
import { decodeSocket, socketFields, socketFilterKeys, SOCK_RECORD } from '../socket-addr.js';
import { describeDup } from './describe.js';
import type { ProbeSpec } from '../types.js';
import { dupFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each dup kind. */
const SYSCALLS: Record<number, string> = {
  [SOCK_KIND_DUP]: 'dup',
  [SOCK_KIND_DUP2]: 'dup2',
  [SOCK_KIND_DUP3]: 'dup3',
  [SOCK_KIND_FCNTL]: 'fcntl',
};
/** dup: a socket duplicated onto stdin, stdout or stderr (a shell's stdio wired to a connection). */
export const dup: ProbeSpec = {
  name: 'dup',
  aliases: ['dupsnoop', 'revshell'],
  table: 'dup',
  summary: 'dup2/dup3/dup/fcntl(F_DUPFD) putting a socket on fd 0, 1 or 2 (the reverse-shell pattern): both ends of the socket',
  object: 'sockets',
  profiles: ['forensic', 'network'],
  hooks: [
    syscallHook('dup3'),
    // dup2 does not exist on every architecture (arm64 has only dup3)
    syscallHook('dup2', true),
    // after close(0), dup and fcntl(F_DUPFD, 0) land on fd 0 as well
    syscallHook('dup', true),
    syscallHook('fcntl', true),
  ],
  record: SOCK_RECORD,
  fields: [
    { name: 'ret', type: 'int', doc: 'the new fd (0, 1 or 2), or -errno', width: 7 },
    { name: 'oldfd', type: 'int', doc: 'the socket fd duplicated' },
    { name: 'newfd', type: 'int', doc: '0, 1 or 2: where the socket landed (or was meant to, when the call failed)' },
    { name: 'flags', type: 'int', doc: 'dup3 flags (O_CLOEXEC); fcntl: the lowest fd asked for; else 0' },
    ...socketFields('both'),
    { name: 'syscall', type: 'text', doc: 'dup, dup2, dup3 or fcntl' },
  ],
  retField: 'ret',
  filterKeys: socketFilterKeys('both'),
  decode(rec, kind) {
    const m = rec.members;
    return {
      ret: m.ret as number,
      oldfd: m.fd as number,
      newfd: m.newfd as number,
      flags: m.arg as number,
      ...decodeSocket(rec, 'both'),
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
    };
  },
  describe: (e) => describeDup(e.fields),
  facets: dupFacets,
};
