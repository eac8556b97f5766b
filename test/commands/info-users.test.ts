import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { usersLine } from '../../src/commands/info-command.js';
import { Recorder } from '../../src/store/index.js';
import { setHostNames } from '../../src/text/index.js';
import { BIN, UID_1000_LABEL } from '../helpers/recording.js';
import { waitFor } from '../helpers/kernel.js';
import { execEvent, openEvent, tempDir } from '../store/helpers.js';
import { join } from 'node:path';

const info = (path: string) => spawnSync(BIN, ['info', path], { encoding: 'utf8', timeout: 30_000 });
const re = (s: string) => s.replace(/[()]/g, '\\$&');

describe('ebpfsh info names the users whose events the capture holds', () => {
  const t = tempDir('ebpfsh-info-users-');
  afterAll(() => t.cleanup());

  it('lists the busiest users as name(uid) with their events, by the recording host’s names', async () => {
    const path = join(t.dir, 'users.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record', '-w', path], reserveBytes: 0, batchMs: 5 });
    await rec.whenReady();
    rec.record([openEvent(0), openEvent(1), execEvent(2, ['ls']), openEvent(3, '/etc/shadow', { uid: 0 })]);
    await waitFor(() => rec.stats().batches > 0, 5000, 'a committed batch');
    await rec.stop('test');
    const out = info(path);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^users {5}${re(UID_1000_LABEL)} 3, root\\(0\\) 1 \\(events per user\\)$`, 'm'));

    // Names come from the capture (the recording host), not from the host reading it.
    const db = new Database(path);
    db.prepare("UPDATE host_users SET name = 'analyst' WHERE kind = 'user' AND num = 1000").run();
    db.close();
    expect(info(path).stdout).toMatch(/^users {5}analyst\(1000\) 3, root\(0\) 1 \(events per user\)$/m);
  });

  it('says how many more uids there are, counts rows with no integer uid, and says when the capture holds no names', () => {
    setHostNames([{ kind: 'user', num: 1000, name: 'cloudsdk\x1b[2J' }]);
    try {
      expect(usersLine({ top: [{ uid: 1000, events: 5 }, { uid: 7, events: 2 }], uids: 4, odd: 3, named: true })).toBe(
        'users     cloudsdk\\e[2J(1000) 5, 7 2, and 2 more uids (events per user); 3 events with no integer uid (damaged or edited rows)',
      );
    } finally {
      setHostNames([]);
    }
    expect(usersLine({ top: [{ uid: 1000, events: 5 }], uids: 1, odd: 0, named: false })).toBe('users     1000 5 (events per user) (no user names in this capture: recorded by an older ebpfsh)');
    expect(usersLine({ top: [], uids: 0, odd: 0, named: true })).toBe('users     none (events per user)');
  });
});
