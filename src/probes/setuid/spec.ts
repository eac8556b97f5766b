import { FilterError } from '../../event/filter-error.js';
import { formatRet } from '../../text/index.js';
import {
  CRED_F_CAP_FAULT,
  CRED_KIND_CAPSET,
  CRED_KIND_SETFSGID,
  CRED_KIND_SETFSUID,
  CRED_KIND_SETGID,
  CRED_KIND_SETREGID,
  CRED_KIND_SETRESGID,
  CRED_KIND_SETRESUID,
  CRED_KIND_SETREUID,
  CRED_KIND_SETUID,
} from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { formatCaps } from './caps.js';
import { setuidFacets } from './facets.js';
import { askedIds, idText, isGidCall } from './ids.js';
import { syscallHook } from '../syscall-hook.js';

/** Each enum cred_kind: the syscall and how many ids it takes. */
const SYSCALLS: Record<number, [string, number]> = {
  [CRED_KIND_SETUID]: ['setuid', 1],
  [CRED_KIND_SETREUID]: ['setreuid', 2],
  [CRED_KIND_SETRESUID]: ['setresuid', 3],
  [CRED_KIND_SETFSUID]: ['setfsuid', 1],
  [CRED_KIND_SETGID]: ['setgid', 1],
  [CRED_KIND_SETREGID]: ['setregid', 2],
  [CRED_KIND_SETRESGID]: ['setresgid', 3],
  [CRED_KIND_SETFSGID]: ['setfsgid', 1],
  [CRED_KIND_CAPSET]: ['capset', 0],
};
const NAMES = Object.values(SYSCALLS).map(([n]) => n);
const U32_MAX = 0xffff_ffff;

/** An id as passed: -1 (leave unchanged) as -1, else the unsigned id. */
const asked = (v: number) => (v === U32_MAX ? -1 : v);

function parseTo(v: string): number {
  if (v === 'root') return 0;
  if (!/^\d+$/.test(v) || Number(v) >= U32_MAX) throw new FilterError(`to: '${v}' is not an id (e.g. to=0, to=root)`);
  return Number(v);
}

function parseSyscall(v: string): string {
  const n = v.toLowerCase();
  if (!NAMES.includes(n)) throw new FilterError(`syscall: '${v}' is not one of ${NAMES.join(', ')} (e.g. syscall=setresuid)`);
  return n;
}

/** setuid: set*uid, set*gid, setfs*id and capset, with ids and capabilities before and after. */
export const setuid: ProbeSpec = {
  name: 'setuid',
  aliases: ['cred', 'setuidsnoop'],
  table: 'setuid',
  summary: 'credential changes (set*uid, set*gid, setfs*id, capset): ids asked, ids and capabilities before and after',
  object: 'setuid',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  // only setuid itself is required: the others may be missing on another kernel or architecture
  hooks: NAMES.map((n) => syscallHook(n, n !== 'setuid')),
  record: {
    struct: 'cred_event',
    members: {
      ret: 'i64',
      id1: 'u32',
      id2: 'u32',
      id3: 'u32',
      old_real: 'u32',
      old_eff: 'u32',
      old_saved: 'u32',
      old_fs: 'u32',
      new_real: 'u32',
      new_eff: 'u32',
      new_saved: 'u32',
      new_fs: 'u32',
      old_caps: 'u64',
      new_caps: 'u64',
      cap_eff: 'u64',
      cap_prm: 'u64',
      cap_inh: 'u64',
      ev_flags: 'u16',
    },
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0 or -errno; setfsuid/setfsgid: the previous fs id (they never fail)', width: 7 },
    { name: 'syscall', type: 'text', doc: 'setuid, setreuid, setresuid, setfsuid, setgid, setregid, setresgid, setfsgid or capset' },
    { name: 'id1', type: 'int', doc: 'first id asked for (-1: leave unchanged); null when the syscall takes none' },
    { name: 'id2', type: 'int', doc: 'second id asked for (setre*id, setres*id)' },
    { name: 'id3', type: 'int', doc: 'third id asked for (setres*id)' },
    { name: 'old_real', type: 'int', doc: 'real uid (gid for set*gid) before the call' },
    { name: 'old_eff', type: 'int', doc: 'effective uid (gid) before the call' },
    { name: 'old_saved', type: 'int', doc: 'saved uid (gid) before the call' },
    { name: 'old_fs', type: 'int', doc: 'filesystem uid (gid) before the call' },
    { name: 'new_real', type: 'int', doc: 'real uid (gid) after the call' },
    { name: 'new_eff', type: 'int', doc: 'effective uid (gid) after the call' },
    { name: 'new_saved', type: 'int', doc: 'saved uid (gid) after the call' },
    { name: 'new_fs', type: 'int', doc: 'filesystem uid (gid) after the call' },
    { name: 'old_caps', type: 'int', doc: 'effective capability mask before the call' },
    { name: 'new_caps', type: 'int', doc: 'effective capability mask after the call' },
    { name: 'cap_eff', type: 'int', doc: 'capset: effective set asked for; null otherwise or when unreadable' },
    { name: 'cap_prm', type: 'int', doc: 'capset: permitted set asked for' },
    { name: 'cap_inh', type: 'int', doc: 'capset: inheritable set asked for' },
  ],
  retField: 'ret',
  filterKeys: {
    to: {
      doc: 'an id asked for or held after the call (number or root)',
      example: 'to=0',
      parse: parseTo,
      match: (e, values) => {
        const f = e.fields;
        const ids = [...askedIds(f), f.new_real, f.new_eff, f.new_saved, f.new_fs];
        return (values as number[]).some((v) => ids.includes(v));
      },
    },
    syscall: {
      doc: 'which call: setuid, setreuid, setresuid, setfsuid, setgid, setregid, setresgid, setfsgid, capset',
      example: 'syscall=setresuid',
      parse: parseSyscall,
      match: (e, values) => values.includes(e.fields.syscall),
    },
  },
  decode({ members: m }, kind) {
    const [syscall, n] = SYSCALLS[kind] ?? [`kind${kind}`, 0];
    const capsKnown = kind === CRED_KIND_CAPSET && ((m.ev_flags as number) & CRED_F_CAP_FAULT) === 0;
    return {
      ret: m.ret as number,
      syscall,
      id1: n > 0 ? asked(m.id1 as number) : null,
      id2: n > 1 ? asked(m.id2 as number) : null,
      id3: n > 2 ? asked(m.id3 as number) : null,
      old_real: m.old_real as number,
      old_eff: m.old_eff as number,
      old_saved: m.old_saved as number,
      old_fs: m.old_fs as number,
      new_real: m.new_real as number,
      new_eff: m.new_eff as number,
      new_saved: m.new_saved as number,
      new_fs: m.new_fs as number,
      old_caps: m.old_caps as number,
      new_caps: m.new_caps as number,
      cap_eff: capsKnown ? (m.cap_eff as number) : null,
      cap_prm: capsKnown ? (m.cap_prm as number) : null,
      cap_inh: capsKnown ? (m.cap_inh as number) : null,
    };
  },
  describe(e) {
    const f = e.fields;
    const fs = f.syscall === 'setfsuid' || f.syscall === 'setfsgid';
    const outcome = fs ? `was ${f.ret}` : (f.ret as number) === 0 ? 'ok' : formatRet(f.ret as number);
    const parts: DescribePart[] = [];
    if (f.syscall === 'capset') {
      const sets = f.cap_eff === null ? '?' : `eff=${formatCaps(f.cap_eff as number)} prm=${formatCaps(f.cap_prm as number)} inh=${formatCaps(f.cap_inh as number)}`;
      parts.push(`capset(${sets}) ${outcome}`);
    } else {
      const who = isGidCall(f.syscall) ? 'gid' : 'uid';
      const ids = (p: string) => [f[`${p}_real`], f[`${p}_eff`], f[`${p}_saved`], f[`${p}_fs`]].join('/');
      parts.push(`${f.syscall}(${askedIds(f).map(idText).join(', ')}) ${outcome} ${who} ${ids('old')} -> ${ids('new')}`);
    }
    if (f.old_caps !== f.new_caps) parts.push(` caps ${formatCaps(f.old_caps as number)} -> ${formatCaps(f.new_caps as number)}`);
    return parts;
  },
  facets: setuidFacets,
};
