import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalAddr, isLocalDestination, listensFor, parseListening, readListening, socketHolders } from '../../src/proc/index.js';
import { tempDir } from '../store/helpers.js';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP = [
  HEAD,
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0',
  // an established connection, not a listener
  '   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1',
  '   3: garbage',
].join('\n');
const TCP6 = [
  HEAD,
  '   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5252 1 0000000000000000 100 0 0 10 0',
].join('\n');

describe('local listeners from /proc', () => {
  const t = tempDir('ebpfsh-listen-');
  afterAll(() => t.cleanup());

  it('reads the listening sockets of /proc/net/tcp and tcp6 (addresses in host order), skipping connections and malformed lines', () => {
    expect(parseListening(TCP, 4)).toEqual([
      { ipver: 4, addr: '127.0.0.1', port: 8080, inode: 4242, uid: 1000 },
      { ipver: 4, addr: '0.0.0.0', port: 22, inode: 17, uid: 0 },
    ]);
    expect(parseListening(TCP6, 6)).toEqual([
      { ipver: 6, addr: '::1', port: 80, inode: 5151, uid: 0 },
      { ipver: 6, addr: '::', port: 8081, inode: 5252, uid: 0 },
    ]);
  });

  it('matches a destination to a listener on the same address or a wildcard; :: takes IPv4 too', () => {
    expect(listensFor('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(listensFor('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(listensFor('::', '127.0.0.1')).toBe(true);
    expect(listensFor('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(listensFor('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(listensFor('0.0.0.0', '::1')).toBe(false);
    expect(canonicalAddr('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('treats loopback and this host\'s own addresses as local, and other hosts as remote', () => {
    const host = new Set(['10.1.2.3', 'fe80::1']);
    for (const d of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '10.1.2.3']) expect(isLocalDestination(d, host)).toBe(true);
    for (const d of ['10.1.2.4', '8.8.8.8', '2001:db8::1', 'not an address']) expect(isLocalDestination(d, host)).toBe(false);
  });

  it('finds the processes holding a socket inode from their fd links, and reads both tables from a proc root', () => {
    const root = join(t.dir, 'proc');
    mkdirSync(join(root, 'net'), { recursive: true });
    writeFileSync(join(root, 'net/tcp'), TCP);
    writeFileSync(join(root, 'net/tcp6'), TCP6);
    const fds = (pid: number, links: string[]) => {
      mkdirSync(join(root, String(pid), 'fd'), { recursive: true });
      links.forEach((l, i) => symlinkSync(l, join(root, String(pid), 'fd', String(i))));
    };
    fds(100, ['/dev/null', 'socket:[4242]']);
    fds(101, ['socket:[4242]', 'pipe:[9]']); // a pre-forked worker shares it
    fds(102, ['socket:[17]']);
    expect(readListening(root).map((s) => s.inode)).toEqual([4242, 17, 5151, 5252]);
    const held = socketHolders(new Set([4242, 5151]), root);
    expect(held.get(4242)?.sort()).toEqual([100, 101]);
    expect(held.has(5151)).toBe(false);
    expect(held.has(17)).toBe(false); // not asked for
  });
});
