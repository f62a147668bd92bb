// SPDX-License-Identifier: GPL-2.0
/*
 * luo_bench: what live update costs, beside what reading the same bytes
 * costs in the same guest.
 *
 *	luo_bench 1 GIB COMMAND...	before the kexec
 *	luo_bench 2			in the next kernel, early in its init
 *
 * Stage 1 fills two sets of SET_FILES memfds holding GIB GiB each: one of
 * order-0 pages (shmem huge pages off), one of 2 MiB folios (shmem huge
 * pages always), if this kernel makes them.  For each set it times one
 * read pass over the bytes, mapped already, then PRESERVE_FD of every
 * file into a session of the set's own.  Then MANY_FILES empty memfds go
 * into one more session, to show what a preserve costs as a session
 * grows.  A small state memfd, preserved first, carries the counter's
 * rate and, written just before COMMAND (kexec -e) runs, its value: the
 * start of the blackout.
 *
 * Stage 2 opens the device, takes both sets back and maps every file: the
 * end of the blackout.  It then checks every byte, times a read pass over
 * them, and takes the many files back.  Every figure is a "luo-bench:"
 * line for harness/bench_report.py; a failure says why and exits 1.
 */
#include "liveupdate.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

typedef unsigned long long u64;

#define SET_FILES	512
#define MANY_FILES	65537
#define THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

static const char *const set_name[] = { "4k", "2m" };
#define NR_SETS		2

/* What stage 1 hands stage 2, in the state memfd. */
struct bench_state {
	u64 magic;
	u64 hz;			/* the counter's rate */
	u64 t_kexec;		/* the counter as COMMAND started */
	u64 file_bytes;		/* each file of a set */
	u64 sets;			/* bit N: set N was preserved */
};

#define STATE_MAGIC	0x6c756f62656e6368ULL	/* "luobench" */
#define STATE_SESSION	"bench-state"
#define MANY_SESSION	"bench-many"

static void die(const char *what, int err)
{
	printf("luo-bench: FAIL: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/*
 * A counter that runs on across the kexec: the TSC on x86, the virtual
 * counter on arm64.
 */
static u64 ticks(void)
{
#if defined(__x86_64__)
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
#elif defined(__aarch64__)
	u64 v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return 0;	/* none known here: stage 1 says so */
#endif
}

static u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The counter's rate, against CLOCK_MONOTONIC over 50 ms; 0 if none. */
static u64 ticks_hz(void)
{
	u64 t0 = ticks(), n0 = now_ns(CLOCK_MONOTONIC);
	struct timespec d = { 0, 50000000 };

	nanosleep(&d, NULL);
	return (double)(ticks() - t0) * 1e9 / (now_ns(CLOCK_MONOTONIC) - n0);
}

static u64 ticks_us(u64 from, u64 to, u64 hz)
{
	return to > from ? (double)(to - from) * 1e6 / hz : 0;
}

/* The word at byte @off of file @i of set @set. */
static inline u64 word(int set, int i, u64 off)
{
	return off * 0x9e3779b97f4a7c15ULL ^ ((u64)set << 40 | i);
}

/* One read pass over @len bytes at @p: its nanoseconds; @sum kept. */
static u64 read_pass(const u64 *p, size_t len, u64 *sum)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC), s = 0;
	size_t i;

	for (i = 0; i < len / 8; i++)
		s += p[i];
	*sum += s;
	return now_ns(CLOCK_MONOTONIC) - t0;
}

/* What shmem_enabled said before, "never" if unknown, to put back. */
static char thp_was[32] = "never";

/* Save the shmem huge page mode (the word in brackets); -1 if unreadable. */
static int thp_save(void)
{
	char line[128], *a, *b;
	FILE *f = fopen(THP_SHMEM, "r");

	if (!f)
		return 0;	/* no huge pages: the 2 MiB set is not made */
	a = fgets(line, sizeof(line), f) ? strchr(line, '[') : NULL;
	b = a ? strchr(a, ']') : NULL;
	fclose(f);
	if (!b || b - a - 1 >= (long)sizeof(thp_was))
		return -1;
	*b = 0;
	snprintf(thp_was, sizeof(thp_was), "%s", a + 1);
	return 0;
}

static void *map(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Set @set: SET_FILES memfds of @bytes each, written and mapped, read
 * once, then preserved.  Returns 1 if it was preserved, 0 if this kernel
 * cannot make the set's folios.
 */
static int keep_set(int dev, int set, u64 bytes)
{
	u64 read_ns = 0, preserve_ns = 0, sum = 0, t0, j;
	long huge = lu_meminfo_kb("ShmemHugePages");
	int fds[SET_FILES], s, i, err;
	u64 *p[SET_FILES];
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];

	if (lu_write_str(THP_SHMEM, set ? "always" : "never") && set) {
		printf("luo-bench: set %s not made: no shmem huge pages here\n",
		       set_name[set]);
		return 0;
	}
	for (i = 0; i < SET_FILES; i++) {
		fds[i] = memfd_create("luo-bench", 0);
		if (fds[i] < 0 || ftruncate(fds[i], bytes))
			die("memfd", errno);
		p[i] = map(fds[i], bytes);
		if (!p[i])
			die("mmap", errno);
		for (j = 0; j < bytes / 8; j++)
			p[i][j] = word(set, i, j);
	}
	huge = huge < 0 ? 0 : lu_meminfo_kb("ShmemHugePages") - huge;
	lu_write_str(THP_SHMEM, thp_was);
	if (set && huge < (long)(SET_FILES * bytes / 1024) / 2) {
		printf("luo-bench: set %s not made: ", set_name[set]);
		printf("%ld kB of shmem huge pages for %llu MiB\n", huge,
		       (SET_FILES * bytes) >> 20);
		for (i = 0; i < SET_FILES; i++) {
			munmap(p[i], bytes);
			close(fds[i]);
		}
		return 0;
	}
	for (i = 0; i < SET_FILES; i++)
		read_ns += read_pass(p[i], bytes, &sum);

	snprintf(name, sizeof(name), "bench-%s", set_name[set]);
	s = lu_create(dev, name);
	if (s < 0)
		die("create session", s);
	for (i = 0; i < SET_FILES; i++) {
		munmap(p[i], bytes);
		t0 = now_ns(CLOCK_MONOTONIC);
		err = lu_preserve(s, fds[i], i);
		preserve_ns += now_ns(CLOCK_MONOTONIC) - t0;
		if (err)
			die("preserve", err);
		close(fds[i]);
	}
	printf("luo-bench: set %s files %d bytes %llu huge_kb %ld",
	       set_name[set], SET_FILES, SET_FILES * bytes, huge);
	printf(" read_ns %llu preserve_ns %llu sum %llx\n", read_ns,
	       preserve_ns, sum & 0xff);
	/* The session stays open until the kexec: this process keeps it. */
	return 1;
}

/*
 * MANY_FILES empty memfds in one session: how a preserve grows.  The
 * preserves alone, and with the memfd_create() and close() around them.
 */
static void keep_many(int dev)
{
	u64 t, first = 0, last = 0, all = 0, start;
	int s = lu_create(dev, MANY_SESSION), fd, i, err;

	if (s < 0)
		die("create session", s);
	start = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < MANY_FILES; i++) {
		fd = memfd_create("luo-bench", 0);
		if (fd < 0)
			die("memfd", errno);
		t = now_ns(CLOCK_MONOTONIC);
		err = lu_preserve(s, fd, i);
		t = now_ns(CLOCK_MONOTONIC) - t;
		if (err)
			die("preserve of the many", err);
		close(fd);
		all += t;
		if (i < 1024)
			first += t;
		else if (i >= MANY_FILES - 1024)
			last += t;
	}
	printf("luo-bench: many files %d total_ns %llu", MANY_FILES,
	       now_ns(CLOCK_MONOTONIC) - start);
	printf(" preserve_ns %llu first1024_ns %llu last1024_ns %llu\n", all,
	       first, last);
}

static int stage1(int gib, char **cmd)
{
	u64 bytes = ((u64)gib << 30) / SET_FILES;
	struct bench_state st = { .magic = STATE_MAGIC, .file_bytes = bytes };
	int dev, s, fd, set, status;
	long before, after;
	pid_t pid;

	dev = open(LIVEUPDATE_DEV, O_RDWR);
	if (dev < 0)
		die(LIVEUPDATE_DEV, errno);
	st.hz = ticks_hz();
	if (!st.hz)
		die("no counter that runs on across a kexec here", ENOTSUP);
	if (thp_save())
		die(THP_SHMEM, ENOENT);
	fd = memfd_create("luo-bench-state", 0);
	if (fd < 0 || ftruncate(fd, sizeof(st)))
		die("state memfd", errno);
	s = lu_create(dev, STATE_SESSION);
	if (s < 0 || lu_preserve(s, fd, 0))
		die("state session", s < 0 ? s : errno);

	for (set = 0; set < NR_SETS; set++)
		if (keep_set(dev, set, bytes))
			st.sets |= 1 << set;

	/* What each empty preserved memfd costs the kernel. */
	before = lu_meminfo_kb("MemFree");
	keep_many(dev);
	after = lu_meminfo_kb("MemFree");
	printf("luo-bench: many kb_per_file_x1000 %ld\n",
	       (before - after) * 1000 / MANY_FILES);

	printf("luo-bench: counter %llu Hz; running %s\n", st.hz, cmd[0]);
	fflush(stdout);
	/* Writes inside the size reach the preserved folios until the end. */
	st.t_kexec = ticks();
	if (pwrite(fd, &st, sizeof(st), 0) != sizeof(st))
		die("state", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("wait", errno);
	printf("luo-bench: FAIL: %s returned %d\n", cmd[0], WEXITSTATUS(status));
	return 1;
}

/* Take set @set back and map every file; the maps go to @p. */
static u64 take_set(int dev, int set, u64 bytes, u64 **p)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s, i, fd;

	snprintf(name, sizeof(name), "bench-%s", set_name[set]);
	s = lu_retrieve(dev, name);
	if (s < 0)
		die("retrieve session", s);
	for (i = 0; i < SET_FILES; i++) {
		fd = lu_retrieve_fd(s, i);
		if (fd < 0)
			die("retrieve fd", fd);
		p[i] = map(fd, bytes);
		if (!p[i])
			die("mmap", errno);
		close(fd);
	}
	if (lu_finish(s))
		die("finish", errno);
	close(s);
	return now_ns(CLOCK_MONOTONIC) - t0;
}

/* Every word of set @set as stage 1 wrote it, then a timed read pass. */
static void check_set(int set, u64 bytes, u64 **p,
		      u64 retrieve_ns, long huge)
{
	u64 read_ns = 0, sum = 0, j;
	int i;

	for (i = 0; i < SET_FILES; i++)
		for (j = 0; j < bytes / 8; j++)
			if (p[i][j] != word(set, i, j)) {
				printf("luo-bench: FAIL: set %s file %d word %llu differs\n",
				       set_name[set], i, j);
				exit(1);
			}
	for (i = 0; i < SET_FILES; i++) {
		read_ns += read_pass(p[i], bytes, &sum);
		munmap(p[i], bytes);
	}
	printf("luo-bench: next set %s files %d bytes %llu huge_kb %ld",
	       set_name[set], SET_FILES, SET_FILES * bytes, huge);
	printf(" retrieve_ns %llu read_ns %llu sum %llx\n", retrieve_ns,
	       read_ns, sum & 0xff);
}

static int stage2(void)
{
	u64 t0 = ticks(), up = now_ns(CLOCK_BOOTTIME), t_end, down;
	static u64 *p[NR_SETS][SET_FILES];
	u64 retrieve_ns[NR_SETS] = { 0 }, t;
	long huge[NR_SETS] = { 0 }, base;
	struct bench_state st;
	int dev, s, fd, set, i;

	dev = open(LIVEUPDATE_DEV, O_RDWR);
	if (dev < 0)
		die(LIVEUPDATE_DEV, errno);
	s = lu_retrieve(dev, STATE_SESSION);
	fd = s < 0 ? s : lu_retrieve_fd(s, 0);
	if (fd < 0)
		die("state session", fd);
	if (pread(fd, &st, sizeof(st), 0) != sizeof(st) ||
	    st.magic != STATE_MAGIC || !st.hz || !st.file_bytes)
		die("state", EINVAL);
	base = lu_meminfo_kb("ShmemHugePages");
	for (set = 0; set < NR_SETS; set++) {
		if (!(st.sets & 1 << set))
			continue;
		retrieve_ns[set] = take_set(dev, set, st.file_bytes, p[set]);
		t = lu_meminfo_kb("ShmemHugePages");
		huge[set] = t - base;
		base = t;
	}
	t_end = ticks();

	/*
	 * The blackout, from kexec -e's start: the old kernel's reboot (the
	 * handover's finalize in it) and purgatory, which no clock of this
	 * kernel saw (down), this kernel's boot up to this program as its
	 * CLOCK_BOOTTIME saw it (boot; its first moments are in down), and
	 * the retrieval.
	 */
	if (t_end <= st.t_kexec)
		die("the counter went back across the kexec", EINVAL);
	down = ticks_us(st.t_kexec, t0, st.hz);
	printf("luo-bench: blackout_us %llu down_us %llu",
	       ticks_us(st.t_kexec, t_end, st.hz),
	       down > up / 1000 ? down - up / 1000 : 0);
	printf(" boot_us %llu retrieve_us %llu\n",
	       up / 1000 < down ? up / 1000 : down, ticks_us(t0, t_end, st.hz));
	lu_finish(s);
	close(fd);
	close(s);

	for (set = 0; set < NR_SETS; set++)
		if (st.sets & 1 << set)
			check_set(set, st.file_bytes, p[set], retrieve_ns[set],
				  huge[set]);

	t = now_ns(CLOCK_MONOTONIC);
	s = lu_retrieve(dev, MANY_SESSION);
	if (s < 0)
		die("retrieve the many", s);
	for (i = 0; i < MANY_FILES; i++) {
		fd = lu_retrieve_fd(s, i);
		if (fd < 0)
			die("retrieve one of the many", fd);
		close(fd);
	}
	lu_finish(s);
	close(s);
	printf("luo-bench: next many files %d retrieve_ns %llu\n",
	       MANY_FILES, now_ns(CLOCK_MONOTONIC) - t);
	printf("luo-bench: done\n");
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	long gib;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "2"))
		return stage2();
	if (argc >= 4 && !strcmp(argv[1], "1")) {
		gib = strtol(argv[2], &end, 10);
		if (*end || gib < 1 || gib > 64) {
			fprintf(stderr, "luo_bench: GIB must be 1 to 64, not %s\n",
				argv[2]);
			return 2;
		}
		return stage1(gib, argv + 3);
	}
	fprintf(stderr, "usage: luo_bench 1 GIB COMMAND... | luo_bench 2\n");
	return 2;
}
