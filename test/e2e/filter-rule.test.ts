import { afterEach, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run } from '../helpers/kernel.js';
import { listener } from '../helpers/recording.js';
import { Tmux } from './tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describeKernel('a filter on a field only some probes have, in the live shell (tmux, real kernel)', () => {
  it(':filter path!=/usr/ keeps the connects, the status line marks tcpconnect (path n/a), and :filter dport=80 over exec and open warns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-filterrule-'));
    const comm = `frule${process.pid % 10000}`;
    const bin = join(dir, comm);
    copyFileSync('/usr/bin/python3', bin);
    const srv = await listener();
    const t = new Tmux();
    cleanups.push(() => t.kill(), () => srv.close(), () => rmSync(dir, { recursive: true, force: true }));
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 160, 40);
    await t.waitFor('no probe attached');
    t.type(`:attach open,connect comm=${comm}`);
    await t.waitFor(/tcpconnect comm=/);
    t.type(':filter path!=/usr/,/lib/,/etc/');
    await t.waitFor(/tcpconnect \(path n\/a\) comm=/);
    await run(bin, ['-c', `import socket; open('${dir}/payload','w').close(); socket.create_connection(('127.0.0.1', ${srv.port})).close()`]);
    const screen = await t.waitFor(new RegExp(`connect .*${comm}.*127\\.0\\.0\\.1:${srv.port}`));
    expect(screen).toContain(`${dir}/payload`);
    expect(screen).not.toMatch(new RegExp(`open .*${comm} .* /usr/`));

    t.type(':detach connect');
    await t.waitFor('detached tcpconnect');
    t.type(':attach exec');
    await t.waitFor(/execsnoop/);
    t.type(':filter dport=80');
    await t.waitFor(/warning: no attached probe has dport \(tcpconnect has it\): dport=80 hides nothing for now/);
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 60_000);
});
