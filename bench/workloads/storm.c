// storm: single-threaded syscall storms for ebpfsh's benchmarks.
//
//   storm open    PATH        [-n OPS] [-t SECONDS] [-i INTERVAL_US] [-r OPS_PER_S]
//   storm exec    PROGRAM     [-n OPS] [-t SECONDS] [-i INTERVAL_US] [-r OPS_PER_S]
//   storm connect PORT        [-n OPS] [-t SECONDS] [-i INTERVAL_US] [-r OPS_PER_S]
//
// Runs until OPS operations or SECONDS elapsed (whichever first), then prints
// one JSON line: {"mode":..,"ops":..,"secs":..,"ops_per_s":..,"cpu_s":..}. The
// operation count is exact, so a tracer's event count can be compared with it.
// cpu_s is this process's user+sys time: BPF programs run in its context, so
// their cost shows there, while time lost to other work on the machine
// (which inflates wall time) does not. For exec it excludes the children.
// -i sleeps between operations (attach-latency trickle). -r holds the rate at
// OPS_PER_S (the shell's promised load): every 1/1000 s worth of operations it
// sleeps until the schedule catches up, so the rate is exact over any second
// and a slow stretch is made up rather than lost. The process renames
// itself "ebbstorm" so tracers' lines can be matched by comm.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "storm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int op_open(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path);
	close(fd);
	return 0;
}

static int op_exec(const char *prog)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *argv[] = { (char *)prog, NULL };
		char *envp[] = { NULL };

		execve(prog, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "storm: %s failed\n", prog);
		exit(2);
	}
	return 0;
}

static int listener = -1;
static struct sockaddr_in target;

static void setup_connect(int port)
{
	int one = 1;

	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0)
		die("socket");
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	target.sin_port = htons(port);
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listener, (struct sockaddr *)&target, sizeof(target)) < 0)
		die("bind 127.0.0.1");
	if (listen(listener, 1024) < 0)
		die("listen");
}

// connect, accept, close both. The client closes with SO_LINGER 0 (RST), so
// no TIME_WAIT piles up and ephemeral ports never run out.
static int op_connect(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int a;

	if (c < 0)
		die("socket");
	if (connect(c, (struct sockaddr *)&target, sizeof(target)) < 0)
		die("connect 127.0.0.1");
	a = accept(listener, NULL, NULL);
	if (a < 0)
		die("accept");
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(a);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long max_ops = ~0ULL, ops = 0;
	double seconds = 0, start, end, deadline, cpu0;
	long interval_us = 0;
	double rate = 0;
	unsigned long long chunk = 1;
	const char *mode, *arg;
	int opt;

	if (argc < 3) {
		fprintf(stderr, "usage: storm open|exec|connect PATH|PROGRAM|PORT [-n OPS] [-t SECONDS] [-i INTERVAL_US] [-r OPS_PER_S]\n");
		return 2;
	}
	mode = argv[1];
	arg = argv[2];
	optind = 3;
	while ((opt = getopt(argc, argv, "n:t:i:r:")) != -1) {
		switch (opt) {
		case 'n': max_ops = strtoull(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'i': interval_us = strtol(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		default: return 2;
		}
	}
	if (max_ops == ~0ULL && seconds <= 0)
		seconds = 1;
	prctl(PR_SET_NAME, "ebbstorm");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!strcmp(mode, "connect"))
		setup_connect(atoi(arg));
	else if (strcmp(mode, "open") && strcmp(mode, "exec")) {
		fprintf(stderr, "storm: unknown mode %s\n", mode);
		return 2;
	}

	if (rate > 0) {
		chunk = (unsigned long long)(rate / 1000);
		if (chunk < 1)
			chunk = 1;
	}
	cpu0 = cpu_now();
	start = now();
	deadline = seconds > 0 ? start + seconds : 1e300;
	while (!stop && ops < max_ops) {
		if (mode[0] == 'o')
			op_open(arg);
		else if (mode[0] == 'e')
			op_exec(arg);
		else
			op_connect();
		ops++;
		if (interval_us)
			usleep(interval_us);
		if (rate > 0 && ops % chunk == 0) {
			double ahead = start + ops / rate - now();

			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
		// Checking the clock every 64 ops keeps it out of the hot path.
		if ((ops & 63) == 0 || interval_us || mode[0] != 'o')
			if (now() >= deadline)
				break;
	}
	end = now();
	printf("{\"mode\":\"%s\",\"ops\":%llu,\"secs\":%.6f,\"ops_per_s\":%.1f,\"cpu_s\":%.6f}\n", mode, ops,
	       end - start, ops / (end - start), cpu_now() - cpu0);
	return 0;
}
