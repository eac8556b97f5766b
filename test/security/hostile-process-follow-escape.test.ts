// A followed process tries to leave the follow= set: its thread-group leader
// exits while another thread lives on and starts children. Following is by
// process, so those children are still followed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execsnoop } from '../../src/probes/execsnoop.js';
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

describeKernel('a followed process cannot escape follow= by ending its leader thread (real kernel)', () => {
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
});
