// A followed process tries to leave the follow= set unseen: its thread-group
// leader exits while another thread lives on and starts children (following
// is by process, so those children are still followed), or the followed set
// is full when it forks (the child that cannot be followed is counted).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { describeKernel, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';

/** Waits for argv[1] to exist, then the leader exits (pthread_exit); a second thread waits until it is a zombie and runs /bin/true argv[2]. */
const LEADER_EXITS = `
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tag;

static void *worker(void *arg)
{
	char path[64], buf[512];
	pid_t c;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", getpid(), getpid());
	for (;;) {
		FILE *f = fopen(path, "r");
		char *p;

		if (!f)
			break;
		buf[0] = 0;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			break;
	}
	c = fork();
	if (c == 0) {
		execl("/bin/true", "true", tag, (char *)NULL);
		_exit(127);
	}
	waitpid(c, NULL, 0);
	exit(0);
}

int main(int argc, char **argv)
{
	struct stat st;
	pthread_t t;

	tag = argv[2];
	while (stat(argv[1], &st) != 0)
		usleep(1000);
	pthread_create(&t, NULL, worker, NULL);
	pthread_exit(NULL);
}
`;

/** The id of this process's `followed` map (the engine's), from its fds. */
function ownFollowedMap(): number {
  const ids: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-map') continue;
      const m = /map_id:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' })) as { id: number; name: string }[];
  const mine = maps.filter((m) => ids.includes(m.id) && m.name === 'followed');
  if (mine.length !== 1) throw new Error(`expected one followed map of this process, found ${mine.length}`);
  return mine[0]!.id;
}

/** Fills map `id` with fake process ids until the kernel refuses (as a fork bomb under follow= would). */
function fill(id: number, dir: string): void {
  const lines: string[] = [];
  for (let k = 4_000_000; lines.length < 65536; k++) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(k);
    lines.push(`map update id ${id} key hex ${[...b].map((x) => x.toString(16).padStart(2, '0')).join(' ')} value hex 00 00 00 00 00 00 00 00 noexist`);
  }
  writeFileSync(join(dir, 'fill'), lines.join('\n') + '\n');
  const r = spawnSync('bpftool', ['batch', 'file', join(dir, 'fill')], { encoding: 'utf8' });
  if (!/Argument list too long|No space left/.test(r.stderr)) throw new Error(`the followed map did not fill: ${r.stderr.slice(-200)}`);
}

describeKernel('a followed process cannot leave follow= unseen (real kernel)', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-follow-escape-'));
    bin = join(dir, 'leader-exits');
    writeFileSync(`${bin}.c`, LEADER_EXITS);
    const cc = spawnSync('cc', ['-O2', '-pthread', '-o', bin, `${bin}.c`], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('still sees the children a live thread starts after the leader exited', async () => {
    const go = join(dir, 'go');
    const tag = `after-leader-${process.pid}-${Date.now()}`;
    const p = spawn(bin, [go, tag], { stdio: 'ignore' });
    const s = startSession(execsnoop, [`follow=${p.pid}`]);
    try {
      writeFileSync(go, '');
      const e = await waitFor(() => s.events.find((x) => (x.fields.argv as string[]).includes(tag)), 5000, 'the exec of the child started after the leader exited');
      expect(e.ppid).toBe(p.pid);
      expect(s.engine.counters().find((c) => c.probe === 'execsnoop')!.losses.follow_full).toBe(0);
    } finally {
      s.engine.close();
      p.kill();
    }
  });

  it('counts a child it can no longer follow when the followed set is full (follow_full), instead of losing it silently', async () => {
    const fifo = join(dir, 'go-fifo');
    spawnSync('mkfifo', [fifo]);
    const tag = `unfollowable-${process.pid}-${Date.now()}`;
    // blocks on the FIFO without forking, then forks once
    const p = spawn('sh', ['-c', `read x < ${fifo}; /bin/true ${tag}`], { stdio: 'ignore' });
    const s = startSession(execsnoop, [`follow=${p.pid}`]);
    try {
      fill(ownFollowedMap(), dir);
      writeFileSync(fifo, 'go\n');
      const lost = () => s.engine.counters().find((c) => c.probe === 'execsnoop')!.losses.follow_full;
      await waitFor(() => lost() >= 1, 5000, 'follow_full');
      await new Promise<void>((r) => (p.exitCode !== null ? r() : p.on('exit', () => r())));
      expect(lost()).toBe(1);
      expect(s.events.filter((x) => (x.fields.argv as string[]).includes(tag))).toHaveLength(0);
    } finally {
      s.engine.close();
      p.kill();
    }
  });
});
