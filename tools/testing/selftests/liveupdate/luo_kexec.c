// SPDX-License-Identifier: GPL-2.0
/*
 * Live update across a kexec, in two stages.
 *
 *   luo_kexec 1 [--big] COMMAND...
 *	makes the sessions below, keeps their fds open and runs COMMAND
 *	(kexec -e), which should not return;
 *   luo_kexec 2 [--big]
 *	in the next kernel, checks every session and file, one KTAP line
 *	per case, and ends with "luo_kexec: N passed, N failed".
 *
 * --big keeps only 500 memfds of mixed sizes, about 1 GiB, and times
 * preserving and retrieving them.  --max keeps as many sessions and files
 * as a handover may hold, checks that one more of either is refused, and
 * that all of them arrive.  --bad-pos (with the kernel's
 * liveupdate_debug=pos) keeps a memfd the kernel hands over at a position
 * no file has, which the next kernel must refuse, and one it must not.
 * --fail-freeze (stage 1, with the kernel's
 * liveupdate_debug=freeze) adds a session whose freeze fails and checks
 * that the reboot failed and left the sessions usable; --rejected (stage
 * 2, after liveupdate_debug=corrupt) checks that the lost sessions answer
 * EIO and that the device still works for the next live update.
 *
 * A "state" session holds a memfd with the next stage's number, as
 * mainline's tests do.  Memfd contents come from a generator seeded by
 * session and token, so that stage 2 knows what each should hold.
 */
#include "liveupdate.h"

#include "../kselftest.h"

#include <linux/mempolicy.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* Newer than the libc headers of some distributions. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

#define MANY_FILES	500
#define MANY_SESSIONS	2000
#define PAGE		4096UL

/* What one handover may hold (LUO_MAX_SESSIONS, LUO_MAX_FILES). */
#define MAX_SESSIONS	4096
#define MAX_FILES	131072

static int passed, failed;

static void skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", passed + failed + 1, name, why);
	fflush(stdout);
	passed++;
}

static void result(int ok, const char *name, const char *why)
{
	printf("%sok %d %s", ok ? "" : "not ", passed + failed + 1, name);
	if (!ok && why)
		printf(" # %s", why);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t seed_of(const char *session, uint64_t token)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*session)
		h = (h ^ (unsigned char)*session++) * 0x100000001b3ULL;
	return (h ^ token) | 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A memfd of @size bytes filled from the seed, with the pages of
 * [@hole, @hole + @hole_len) left as holes, at position @pos.
 */
static int make_memfd(const char *session, uint64_t token, size_t size,
		      size_t hole, size_t hole_len, off_t pos, unsigned int flags)
{
	uint64_t s = seed_of(session, token), *p;
	int fd = memfd_create("luo", flags);
	size_t i;

	if (fd < 0 || ftruncate(fd, size))
		return -1;
	if (size) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -1;
		for (i = 0; i < size / 8; i++) {
			uint64_t v = next(&s);

			if (i * 8 < hole || i * 8 >= hole + hole_len)
				p[i] = v;
		}
		munmap(p, size);
	}
	if (lseek(fd, pos, SEEK_SET) != pos)
		return -1;
	return fd;
}

/* Whether @fd holds what make_memfd() wrote, holes reading zero. */
static const char *check_memfd(int fd, const char *session, uint64_t token,
			       size_t size, size_t hole, size_t hole_len,
			       off_t pos)
{
	uint64_t s = seed_of(session, token), *p;
	struct stat st;
	size_t i;

	if (fstat(fd, &st) || (size_t)st.st_size != size)
		return "wrong size";
	if (lseek(fd, 0, SEEK_CUR) != pos)
		return "wrong position";
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
		return "not O_RDWR";
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return "not close-on-exec";
	if (!size)
		return NULL;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return "cannot map";
	for (i = 0; i < size / 8; i++) {
		uint64_t v = next(&s);

		if (i * 8 >= hole && i * 8 < hole + hole_len)
			v = 0;
		if (p[i] != v) {
			munmap(p, size);
			return "contents differ";
		}
	}
	munmap(p, size);
	return NULL;
}

/* A memfd of @size bytes filled from the seed with write(), not mmap. */
static int write_memfd(const char *session, uint64_t token, size_t size)
{
	uint64_t s = seed_of(session, token), buf[512];
	int fd = memfd_create("luo", 0);
	size_t off, i;

	if (fd < 0 || ftruncate(fd, size))
		return -1;
	for (off = 0; off < size; off += sizeof(buf)) {
		for (i = 0; i < 512; i++)
			buf[i] = next(&s);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	}
	return fd;
}

/*
 * The memfds of the "modes" session: how each is made, and the mode and
 * seals it must come back with.  Under F_SEAL_EXEC no execute bits.
 */
static const struct {
	unsigned int flags;
	int chmod, seals;
	int mode, want_seals;
} modes[] = {
	{ 0, -1, 0, 0777, F_SEAL_SEAL },
	{ MFD_NOEXEC_SEAL, -1, 0, 0666, F_SEAL_EXEC },
	{ 0, 0600, 0, 0600, F_SEAL_SEAL },
	/* Sealing an executable memfd's exec bits seals its contents too. */
	{ MFD_ALLOW_SEALING, 0755, F_SEAL_EXEC, 0644,
	  F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	  F_SEAL_FUTURE_WRITE },
};

#define THP_SHMEM	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define HUGE_SIZE	((2UL << 20) + PAGE)

/* Retrieved in a pid namespace where vm.memfd_noexec is 2. */
#define NOEXEC_TOKEN	100

/* The 16 MiB memfd retrieved under a memory cgroup's limit. */
#define MEMCG_SIZE	(16UL << 20)
/* The nodes memory.numa_stat is checked on: as many as vmtest.sh makes. */
#define MEMCG_NODES	8

/* The files of the "mixed" session: size, hole, hole length, position. */
static const struct {
	size_t size, hole, hole_len;
	off_t pos;
} mixed[] = {
	{ 0, 0, 0, 0 },
	{ 100 * 8, 0, 0, 17 },
	{ 2 << 20, 0, 0, 4096 },
	{ 8 << 20, PAGE, 6 << 20, 1 << 20 },	/* mostly a hole */
	{ 0, 0, 0, 0 },
};

/* --big: 500 memfds from empty to 64 MiB, about 1 GiB in all. */
#define BIG_FILES	500
static int big;
/* The kernel is booted with liveupdate_debug=freeze. */
static int fail_freeze;
/* --max: the most a handover may hold. */
static int max;
/* --bad-pos: the kernel is booted with liveupdate_debug=pos. */
static int bad_pos;

static size_t big_size(int i)
{
	if (i % 5 == 4)
		return 0;
	if (i % 50 == 0)
		return 64 << 20;
	return ((size_t)i * 7919 % 497 + 1) * PAGE;
}

static int new_session(int dev, const char *name)
{
	int s = lu_create(dev, name);

	if (s < 0)
		printf("# cannot create session %s: %d\n", name, s);
	return s;
}

/* Preserve @fd and close it: the session holds the file. */
static int keep_file(int session, int fd, uint64_t token, const char *what)
{
	int err = fd < 0 ? fd : lu_preserve(session, fd, token);

	if (err)
		printf("# cannot preserve %s: %d\n", what, err);
	close(fd);
	return err;
}

/* --max: as many sessions and files as a handover may hold, no more. */
static int keep_max(int dev)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	double t0, first = 0, last = 0, spent, start = now();
	int s = -1, m, i, j, f = 0, err;

	for (i = 0; i < MAX_SESSIONS; i++) {
		snprintf(name, sizeof(name), "max-%04d", i);
		s = new_session(dev, name);
		if (s < 0)
			return 1;
		for (j = 0; j < MAX_FILES / MAX_SESSIONS; j++, f++) {
			m = make_memfd(name, j, j ? 0 : PAGE, 0, 0, 0, 0);
			t0 = now();
			err = keep_file(s, m, j, "memfd of the most");
			spent = now() - t0;
			if (err)
				return 1;
			if (f < 1024)
				first += spent;
			else if (f >= MAX_FILES - 1024)
				last += spent;
		}
	}
	printf("# max: %d sessions, %d files made and preserved in %.2f s;",
	       MAX_SESSIONS, MAX_FILES, now() - start);
	printf(" a preserve took %.0f us among", first / 1024 * 1e6);
	printf(" the first 1024 files, %.0f us among the last 1024\n",
	       last / 1024 * 1e6);
	result(lu_create(dev, "one-too-many") == -ENOSPC, "session-limit",
	       "a session past the limit was created");
	m = memfd_create("luo", 0);
	result(m >= 0 && lu_preserve(s, m, 999) == -ENOSPC, "file-limit",
	       "a file past the limit was preserved");
	close(m);
	return 0;
}

/* --max, in the next kernel: every session and file arrived. */
static void check_max(int dev)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	const char *why = NULL;
	int s, m, i, j, files = 0;
	double t0 = now();

	for (i = 0; i < MAX_SESSIONS && !why; i++) {
		snprintf(name, sizeof(name), "max-%04d", i);
		s = lu_retrieve(dev, name);
		if (s < 0) {
			why = "a session missing";
			break;
		}
		for (j = 0; j < MAX_FILES / MAX_SESSIONS && !why; j++) {
			m = lu_retrieve_fd(s, j);
			if (m < 0)
				why = "a file missing";
			else if (!j && i % 64 == 0)
				why = check_memfd(m, name, j, PAGE, 0, 0, 0);
			files += m >= 0;
			close(m);
		}
		close(s);
	}
	printf("# max: retrieved %d files of %d sessions in %.2f s\n", files,
	       i, now() - t0);
	result(!why, "max-handed-over", why);
}

static int node_exists(int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
	return !access(path, F_OK);
}

/*
 * Allocate over every node from now on (@on), or as by default again.  A
 * kernel without NUMA refuses both: its one node is every node.
 */
static void interleave(int on)
{
	unsigned long mask = 0;
	int n;

	for (n = 0; n < MEMCG_NODES; n++)
		if (node_exists(n))
			mask |= 1UL << n;
	syscall(SYS_set_mempolicy, on ? MPOL_INTERLEAVE : MPOL_DEFAULT,
		on ? &mask : NULL, on ? MEMCG_NODES + 1 : 0);
}

/* Stage 1: everything is preserved here, before the reboot. */
static int stage1(int dev, char **cmd)
{
	int state = -1, statefd = -1;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s, m, late, i, closed;
	long huge;
	double t0;
	uint64_t v;
	pid_t pid;
	int status;

	if (big)
		goto big_files;
	if (max) {
		if (keep_max(dev))
			return 1;
		goto run;
	}
	if (bad_pos) {
		s = new_session(dev, "debug-pos");
		m = make_memfd("debug-pos", 1, PAGE, 0, 0, 17, 0);
		if (s < 0 || keep_file(s, m, 1, "memfd at a bad position"))
			return 1;
		/* Handed over with its folio list dropped. */
		m = make_memfd("debug-pos", 2, PAGE, 0, 0, 0, 0);
		if (keep_file(s, m, 2, "memfd without folios"))
			return 1;
		s = new_session(dev, "good-pos");
		m = make_memfd("good-pos", 1, PAGE, 0, 0, 17, 0);
		if (s < 0 || keep_file(s, m, 1, "memfd at a good position"))
			return 1;
		goto run;
	}

	s = new_session(dev, "state");
	if (s < 0)
		return 1;
	state = s;
	/* The next stage, and what only this stage can see, for stage 2. */
	statefd = memfd_create("state", 0);
	if (statefd < 0 || ftruncate(statefd, 64) ||
	    pwrite(statefd, "2", 1, 0) != 1 || lu_preserve(s, statefd, 1))
		return 1;

	s = new_session(dev, "one");
	if (s < 0)
		return 1;
	m = make_memfd("one", 1, 1 << 20, 0, 0, 12345, 0);
	if (keep_file(s, m, 1, "one memfd"))
		return 1;

	s = new_session(dev, "mixed");
	if (s < 0)
		return 1;
	for (i = 0; i < (int)ARRAY_SIZE(mixed); i++) {
		m = make_memfd("mixed", i + 10, mixed[i].size, mixed[i].hole,
			       mixed[i].hole_len, mixed[i].pos, 0);
		if (keep_file(s, m, i + 10, "mixed memfd"))
			return 1;
	}
	s = new_session(dev, "empty");
	if (s < 0)
		return 1;

	/* Written after preserve: the next kernel gets the new contents. */
	s = new_session(dev, "late");
	if (s < 0)
		return 1;
	late = make_memfd("late", 1, 64 * PAGE, 0, 0, 0, 0);
	if (lu_preserve(s, late, 1))
		return 1;
	v = 0x1a7e1a7e1a7e1a7eULL;
	for (i = 0; i < 64; i++)
		if (pwrite(late, &v, sizeof(v), i * PAGE + 8) != sizeof(v))
			return 1;
	close(late);

	s = new_session(dev, "sealed");
	if (s < 0)
		return 1;
	m = make_memfd("sealed", 1, 16 * PAGE, 0, 0, 0, MFD_ALLOW_SEALING);
	if (fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE))
		return 1;
	if (keep_file(s, m, 1, "sealed memfd"))
		return 1;

	/* Permissions and seals, and one for a noexec namespace. */
	s = new_session(dev, "modes");
	if (s < 0)
		return 1;
	for (i = 0; i < (int)ARRAY_SIZE(modes); i++) {
		m = make_memfd("modes", i, PAGE, 0, 0, 0, modes[i].flags);
		if (m < 0 || (modes[i].chmod >= 0 && fchmod(m, modes[i].chmod)) ||
		    (modes[i].seals && fcntl(m, F_ADD_SEALS, modes[i].seals)))
			return 1;
		if (keep_file(s, m, i, "memfd of a mode"))
			return 1;
	}
	m = make_memfd("modes", NOEXEC_TOKEN, PAGE, 0, 0, 0, 0);
	if (m < 0 || fchmod(m, 0755) ||
	    keep_file(s, m, NOEXEC_TOKEN, "executable memfd"))
		return 1;

	/*
	 * shmem's huge pages: the last folio of a memfd whose size is not a
	 * multiple of 2 MiB reaches past its end.
	 */
	huge = lu_meminfo_kb("ShmemHugePages");
	if (huge >= 0 && !lu_write_str(THP_SHMEM, "always")) {
		s = new_session(dev, "huge");
		m = write_memfd("huge", 1, HUGE_SIZE);
		lu_write_str(THP_SHMEM, "never");
		if (s < 0 || m < 0)
			return 1;
		huge = lu_meminfo_kb("ShmemHugePages") - huge;
		printf("# huge: %ld kB of shmem huge pages\n", huge);
		if (keep_file(s, m, 1, "memfd of huge folios"))
			return 1;
		if (pwrite(statefd, huge >= 4096 ? "H" : "h", 1, 20) != 1)
			return 1;
	}

	/*
	 * Retrieved under a memory cgroup's limit, then without.  Its pages
	 * alternate between nodes, where there are several: each node's
	 * statistics must count its own.
	 */
	s = new_session(dev, "memcg");
	interleave(1);
	m = make_memfd("memcg", 1, MEMCG_SIZE, 0, 0, 0, 0);
	interleave(0);
	if (s < 0 || keep_file(s, m, 1, "memfd for a memory cgroup"))
		return 1;

	/* Closed before the kexec: nothing of it crosses. */
	closed = new_session(dev, "closed");
	if (closed < 0)
		return 1;
	m = make_memfd("closed", 1, 16 * PAGE, 0, 0, 0, 0);
	if (m < 0 || lu_preserve(closed, m, 1))
		return 1;
	close(closed);
	/* Unpreserved: its size may change again. */
	if (pwrite(statefd, ftruncate(m, PAGE) ? " closed-held    " :
		   " closed-released", 16, 1) != 16)
		return 1;
	close(m);

	s = new_session(dev, "many-files");
	if (s < 0)
		return 1;
	for (i = 0; i < MANY_FILES; i++) {
		m = make_memfd("many-files", i, (i % 4) * PAGE, 0, 0, 0, 0);
		if (keep_file(s, m, i, "one of many memfds"))
			return 1;
	}

	for (i = 0; i < MANY_SESSIONS; i++) {
		snprintf(name, sizeof(name), "many-%04d", i);
		s = new_session(dev, name);
		if (s < 0)
			return 1;
		if (i % 100 == 0) {
			m = make_memfd(name, 1, PAGE, 0, 0, 0, 0);
			if (keep_file(s, m, 1, "memfd of many sessions"))
				return 1;
		}
	}

	/* Last: with liveupdate_debug=freeze, its freeze fails. */
	if (fail_freeze) {
		s = new_session(dev, "debug-fail");
		m = make_memfd("debug-fail", 1, PAGE, 0, 0, 0, 0);
		if (s < 0 || keep_file(s, m, 1, "debug-fail memfd"))
			return 1;
	}

big_files:
	if (big) {
		size_t total = 0;
		double spent = 0;

		s = new_session(dev, "big");
		if (s < 0)
			return 1;
		for (i = 0; i < BIG_FILES; i++) {
			m = make_memfd("big", i, big_size(i), 0, 0, 0, 0);
			t0 = now();
			if (keep_file(s, m, i, "big memfd"))
				return 1;
			spent += now() - t0;
			total += big_size(i);
		}
		printf("# big: %d memfds, %zu MiB, preserved in %.2f s\n",
		       BIG_FILES, total >> 20, spent);
	}

run:
	printf("# stage 1 ready; running %s\n", cmd[0]);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("# %s returned %d\n", cmd[0], WEXITSTATUS(status));
	if (!fail_freeze)
		return 1;

	/* The reboot failed: every file thawed, the sessions usable. */
	result(WIFEXITED(status) && WEXITSTATUS(status), "kexec-refused",
	       "kexec -e did not fail");
	m = make_memfd("state", 2, PAGE, 0, 0, 0, 0);
	result(keep_file(state, m, 2, "a memfd after the failed kexec") == 0,
	       "thawed", "the sessions stayed frozen");
	printf("luo_kexec: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int session_or_fail(int dev, const char *name)
{
	int s = lu_retrieve(dev, name);
	char why[64];

	if (s < 0) {
		snprintf(why, sizeof(why), "retrieve %s: %d", name, s);
		result(0, name, why);
	}
	return s;
}

/* The mode and seals memfd @m came back with, checked against @i. */
static const char *check_mode(int m, int i)
{
	static char why[64];
	struct stat st;
	int seals;

	if (m < 0)
		return "no memfd";
	seals = fcntl(m, F_GET_SEALS);
	if (fstat(m, &st) || (int)(st.st_mode & 07777) != modes[i].mode ||
	    seals != modes[i].want_seals) {
		snprintf(why, sizeof(why), "memfd %d: mode %o seals %#x", i,
			 st.st_mode & 07777, seals);
		return why;
	}
	return NULL;
}

/*
 * Retrieve @token of @session in a new pid namespace whose
 * vm.memfd_noexec is 2: no executable memfd may exist there.
 */
static const char *retrieve_noexec(int session, uint64_t token)
{
	struct stat st;
	int status, m;
	pid_t pid, child;

	pid = fork();
	if (!pid) {
		if (unshare(CLONE_NEWPID))
			_exit(10);
		child = fork();
		if (!child) {
			if (lu_write_str("/proc/sys/vm/memfd_noexec", "2"))
				_exit(11);
			m = lu_retrieve_fd(session, token);
			if (m < 0 || fstat(m, &st))
				_exit(12);
			_exit((st.st_mode & 07777) == 0644 &&
			      (fcntl(m, F_GET_SEALS) & F_SEAL_EXEC) ? 0 : 13);
		}
		if (child < 0 || waitpid(child, &status, 0) != child)
			_exit(14);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 15);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return "the child did not finish";
	switch (WEXITSTATUS(status)) {
	case 0:
		return NULL;
	case 10:
		return "no pid namespace";
	case 11:
		return "cannot set vm.memfd_noexec";
	case 12:
		return "no memfd";
	default:
		return "executable, or not sealed so";
	}
}

#define MEMCG	"/sys/fs/cgroup/luo-test"

/*
 * Whether the cgroup's shmem statistic of each node counts the pages of
 * memfd @m that move_pages() finds there, within @slack bytes: 0 if so,
 * else the retriever's exit code for what is wrong.
 */
static int memcg_nodes_count_memfd(int m, long slack)
{
	static void *pages[MEMCG_SIZE / PAGE];
	static int status[MEMCG_SIZE / PAGE];
	long want[MEMCG_NODES] = { 0 }, have[MEMCG_NODES] = { 0 }, v;
	int n, err, used = 0, bad = 0, nodes = 0;
	char line[512], *tok;
	unsigned long i;
	char *p;
	FILE *f;

	/* Without nodes, or with one, the totals were all there is. */
	for (n = 0; n < MEMCG_NODES; n++)
		nodes += node_exists(n);
	if (nodes < 2)
		return 0;
	/* Mapped in: move_pages() finds the nodes of mapped pages. */
	p = mmap(NULL, MEMCG_SIZE, PROT_READ, MAP_SHARED | MAP_POPULATE, m, 0);
	if (p == MAP_FAILED)
		return 19;
	for (i = 0; i < MEMCG_SIZE / PAGE; i++)
		pages[i] = p + i * PAGE;
	err = syscall(SYS_move_pages, 0, MEMCG_SIZE / PAGE, pages, NULL,
		      status, 0);
	munmap(p, MEMCG_SIZE);
	if (err)
		return 19;
	for (i = 0; i < MEMCG_SIZE / PAGE; i++) {
		if (status[i] < 0 || status[i] >= MEMCG_NODES)
			return 19;
		want[status[i]] += PAGE;
	}

	f = fopen(MEMCG "/memory.numa_stat", "r");
	if (!f)
		return 19;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "shmem ", 6))
			continue;
		line[strcspn(line, "\n")] = 0;
		for (tok = strtok(line + 6, " "); tok; tok = strtok(NULL, " "))
			if (sscanf(tok, "N%d=%ld", &n, &v) == 2 && n >= 0 &&
			    n < MEMCG_NODES)
				have[n] = v;
	}
	fclose(f);
	for (n = 0; n < MEMCG_NODES; n++) {
		used += want[n] > 0;
		bad |= labs(have[n] - want[n]) > slack;
	}
	/* Made under MPOL_INTERLEAVE: on one node of several, nothing told. */
	if (used < 2)
		return 18;
	return bad ? 17 : 0;
}

/*
 * Whether the cgroup's statistics count the whole memfd @m, in the page
 * cache and on the LRU lists, and on each node where its pages are,
 * within what rstat may not have flushed yet: 0 if so, else the
 * retriever's exit code for what is wrong.
 */
static int memcg_counts_memfd(int m)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* Each CPU may hold back up to 64 pages a statistic. */
	const long slack = (1L << 20) + (cpus > 0 ? cpus : 1) * 64 * PAGE;
	long shmem = lu_file_value(MEMCG "/memory.stat", "shmem");
	long file = lu_file_value(MEMCG "/memory.stat", "file");
	long lru = lu_file_value(MEMCG "/memory.stat", "inactive_anon") +
		   lu_file_value(MEMCG "/memory.stat", "active_anon");

	if (labs(shmem - (long)MEMCG_SIZE) > slack ||
	    labs(file - (long)MEMCG_SIZE) > slack ||
	    lru < (long)MEMCG_SIZE - slack)
		return 16;
	return memcg_nodes_count_memfd(m, slack);
}

/*
 * Retrieve @token of @session in a memory cgroup too small for it: it
 * fails with ENOMEM and the caller is not killed; once the limit is raised
 * the same call gives the whole memfd, counted in the cgroup's
 * statistics.  The child stops itself whenever the parent has to act: at
 * the limit, it must not fault or allocate.
 */
static const char *retrieve_memcg(int session, uint64_t token)
{
	int status, m, err = 0;
	char pid[16], touch[65536];
	pid_t child;

	mkdir("/sys/fs/cgroup", 0755);
	mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (lu_write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory") ||
	    (mkdir(MEMCG, 0755) && errno != EEXIST) ||
	    lu_write_str(MEMCG "/memory.max", "4M"))
		return "skip: no memory cgroup";

	child = fork();
	if (!child) {
		/* Fault in what is used at the limit: stack and errno. */
		memset(touch, 1, sizeof(touch));
		errno = 0;
		raise(SIGSTOP);		/* the parent moves it */
		err = lu_retrieve_fd(session, token);
		raise(SIGSTOP);		/* the parent raises the limit */
		if (err != -ENOMEM)
			_exit(err < 0 ? 11 : 12);
		m = lu_retrieve_fd(session, token);
		if (m < 0)
			_exit(14);
		err = memcg_counts_memfd(m);
		if (err)
			_exit(err);
		_exit(check_memfd(m, "memcg", 1, MEMCG_SIZE, 0, 0, 0) ? 15 :
		      touch[0] - 1);
	}
	if (child < 0)
		return "cannot fork";
	snprintf(pid, sizeof(pid), "%d", child);
	if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status) ||
	    lu_write_str(MEMCG "/cgroup.procs", pid) || kill(child, SIGCONT) ||
	    waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status) ||
	    lu_write_str(MEMCG "/memory.max", "max") || kill(child, SIGCONT) ||
	    waitpid(child, &status, 0) != child)
		err = 1;
	if (err) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	rmdir(MEMCG);
	if (err)
		return WIFSIGNALED(status) ? "the retriever was killed" :
					     "cannot run the retriever";
	if (!WIFEXITED(status))
		return "the retriever was killed";
	switch (WEXITSTATUS(status)) {
	case 0:
		return NULL;
	case 11:
		return "retrieve failed, but not with ENOMEM";
	case 12:
		return "retrieve past the limit succeeded";
	case 14:
		return "retrieve failed again once memory was there";
	case 15:
		return "contents differ";
	case 16:
		return "memory.stat does not count the memfd";
	case 17:
		return "memory.numa_stat puts the memfd on other nodes";
	case 18:
		return "the memfd made to interleave is on one node";
	case 19:
		return "cannot find the memfd's nodes";
	default:
		return "cannot use the memory cgroup";
	}
}

/* Stage 2: what the kernel before preserved is all here. */
static int stage2(int dev)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH], buf[65] = "";
	const char *why;
	int s, m, i, n;
	double t0;

	if (big)
		goto big_files;
	if (max) {
		check_max(dev);
		goto out;
	}
	if (bad_pos) {
		s = session_or_fail(dev, "debug-pos");
		if (s >= 0) {
			result(lu_retrieve_fd(s, 1) == -EIO &&
			       lu_retrieve_fd(s, 1) == -EIO, "bad-position",
			       "a memfd at a bad position was retrieved");
			result(lu_retrieve_fd(s, 2) == -EIO, "no-folios",
			       "a memfd of a page without folios was retrieved");
			close(s);
		}
		s = session_or_fail(dev, "good-pos");
		if (s >= 0) {
			m = lu_retrieve_fd(s, 1);
			why = m < 0 ? "no memfd" :
			      check_memfd(m, "good-pos", 1, PAGE, 0, 0, 17);
			result(!why, "good-position", why);
			close(m);
			close(s);
		}
		goto out;
	}

	s = session_or_fail(dev, "state");
	if (s >= 0) {
		m = lu_retrieve_fd(s, 1);
		why = m < 0 ? "no state memfd" :
		      pread(m, buf, sizeof(buf) - 1, 0) != sizeof(buf) - 1 ||
		      buf[0] != '2' ? "wrong stage" : NULL;
		result(!why, "state", why);
		result(!!strstr(buf, " closed-released"),
		       "closed-session-released",
		       "closing a session kept its memfd preserved");
		result(lu_finish(s) == 0 && lu_retrieve_fd(s, 1) == -EINVAL,
		       "finish", "finish did not end the session");
		close(m);
		close(s);
	}
	result(lu_retrieve(dev, "state") == -EINVAL, "retrieve-twice",
	       "a session retrieved twice");
	s = session_or_fail(dev, "one");
	if (s >= 0) {
		m = lu_retrieve_fd(s, 1);
		why = m < 0 ? "no memfd" :
		      check_memfd(m, "one", 1, 1 << 20, 0, 0, 12345);
		result(!why, "one-memfd", why);
		/* A retrieved memfd is an ordinary one again. */
		why = ftruncate(m, 4096) ? "cannot truncate it" :
		      write(m, "x", 1) != 1 ? "cannot write it" : NULL;
		result(!why, "one-memfd-ordinary", why);
		n = lu_retrieve_fd(s, 1);
		result(n >= 0 && n != m, "same-token-again",
		       "no second fd for the same token");
		result(lu_retrieve_fd(s, 99) == -ENOENT, "unknown-token",
		       "an unknown token gave a file");
		close(n);
		close(m);
		close(s);
	}

	s = session_or_fail(dev, "mixed");
	if (s >= 0) {
		why = NULL;
		/* All but the last: FINISH frees that one. */
		for (i = 0; i + 1 < (int)ARRAY_SIZE(mixed) &&
		     !why; i++) {
			m = lu_retrieve_fd(s, i + 10);
			why = m < 0 ? "no memfd" :
			      check_memfd(m, "mixed", i + 10, mixed[i].size,
					  mixed[i].hole, mixed[i].hole_len,
					  mixed[i].pos);
			close(m);
		}
		result(!why, "mixed-memfds", why);
		result(lu_finish(s) == 0, "finish-unretrieved",
		       "finish with a file not retrieved");
		close(s);
	}

	s = session_or_fail(dev, "empty");
	if (s >= 0) {
		result(lu_retrieve_fd(s, 1) == -ENOENT, "empty-session",
		       "a file in an empty session");
		close(s);
	}

	s = session_or_fail(dev, "late");
	if (s >= 0) {
		uint64_t seed = seed_of("late", 1), v, want;
		off_t off;

		m = lu_retrieve_fd(s, 1);
		why = m < 0 ? "no memfd" : NULL;
		for (off = 0; !why && off < (off_t)(64 * PAGE); off += 8) {
			want = next(&seed);
			if (off % PAGE == 8)
				want = 0x1a7e1a7e1a7e1a7eULL;
			if (pread(m, &v, 8, off) != 8 || v != want)
				why = "a write before the kexec is lost";
		}
		result(!why, "written-after-preserve", why);
		close(m);
		close(s);
	}

	s = session_or_fail(dev, "sealed");
	if (s >= 0) {
		m = lu_retrieve_fd(s, 1);
		why = m < 0 ? "no memfd" :
		      check_memfd(m, "sealed", 1, 16 * PAGE, 0, 0, 0);
		if (!why && fcntl(m, F_GET_SEALS) !=
		    (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE))
			why = "seals lost";
		if (!why && (ftruncate(m, PAGE) == 0 || errno != EPERM))
			why = "a sealed memfd shrank";
		result(!why, "sealed-memfd", why);
		close(m);
		close(s);
	}

	s = session_or_fail(dev, "modes");
	if (s >= 0) {
		why = NULL;
		for (i = 0; i < (int)ARRAY_SIZE(modes) && !why; i++) {
			m = lu_retrieve_fd(s, i);
			why = check_mode(m, i);
			close(m);
		}
		result(!why, "modes", why);
		why = retrieve_noexec(s, NOEXEC_TOKEN);
		result(!why, "memfd-noexec-namespace", why);
		close(s);
	}

	if (buf[20] == 'H' || buf[20] == 'h') {
		s = session_or_fail(dev, "huge");
		if (s >= 0) {
			long kb = lu_meminfo_kb("ShmemHugePages");

			m = lu_retrieve_fd(s, 1);
			why = m < 0 ? "no memfd" :
			      check_memfd(m, "huge", 1, HUGE_SIZE, 0, 0, 0);
			/* A 2 MiB folio goes over the vmstat threshold. */
			if (!why && lu_meminfo_kb("ShmemHugePages") < kb + 2048)
				why = "ShmemHugePages does not count the folio";
			if (buf[20] == 'H')
				result(!why, "huge-folio-past-end", why);
			else
				skip("huge-folio-past-end",
				     "no shmem huge pages were made");
			close(m);
			close(s);
		}
	} else {
		skip("huge-folio-past-end", "no shmem huge pages here");
	}

	s = session_or_fail(dev, "memcg");
	if (s >= 0) {
		why = retrieve_memcg(s, 1);
		if (why && !strncmp(why, "skip: ", 6))
			skip("retrieve-after-enomem", why + 6);
		else
			result(!why, "retrieve-after-enomem", why);
		close(s);
	}

	result(lu_retrieve(dev, "closed") == -ENOENT, "closed-session",
	       "a session closed before the kexec was handed over");

	s = session_or_fail(dev, "many-files");
	if (s >= 0) {
		why = NULL;
		for (i = 0; i < MANY_FILES && !why; i++) {
			m = lu_retrieve_fd(s, i);
			why = m < 0 ? "a file missing" :
			      check_memfd(m, "many-files", i, (i % 4) * PAGE,
					  0, 0, 0);
			close(m);
		}
		result(!why, "many-files", why);
		close(s);
	}

	why = NULL;
	for (i = 0; i < MANY_SESSIONS && !why; i++) {
		snprintf(name, sizeof(name), "many-%04d", i);
		s = lu_retrieve(dev, name);
		if (s < 0) {
			why = "a session missing";
			break;
		}
		if (i % 100 == 0) {
			m = lu_retrieve_fd(s, 1);
			why = m < 0 ? "a file missing" :
			      check_memfd(m, name, 1, PAGE, 0, 0, 0);
			close(m);
		}
		close(s);
	}
	result(!why, "many-sessions", why);

big_files:
	if (big) {
		double spent = 0;

		s = session_or_fail(dev, "big");
		why = s < 0 ? "no session" : NULL;
		for (i = 0; !why && i < BIG_FILES; i++) {
			t0 = now();
			m = lu_retrieve_fd(s, i);
			spent += now() - t0;
			why = m < 0 ? "a file missing" :
			      check_memfd(m, "big", i, big_size(i), 0, 0, 0);
			close(m);
		}
		printf("# big: retrieved %d memfds in %.2f s\n", i, spent);
		result(!why, "big-memfds", why);
		close(s);
	}

out:
	printf("luo_kexec: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/*
 * After a handover the next kernel rejected: the lost sessions answer
 * EIO, and the device works for the next live update.
 */
static int check_rejected(void)
{
	int dev = open(LIVEUPDATE_DEV, O_RDWR), s, m;

	result(dev >= 0, "device-opens", "the device refused to open");
	if (dev < 0)
		goto out;
	result(lu_retrieve(dev, "state") == -EIO, "lost-sessions-eio",
	       "a lost session did not answer EIO");
	s = lu_create(dev, "after-rejected");
	m = make_memfd("after-rejected", 1, PAGE, 0, 0, 0, 0);
	result(s >= 0 && m >= 0 && lu_preserve(s, m, 1) == 0,
	       "next-live-update", "cannot preserve for the next live update");
	close(m);
	close(s);
	close(dev);
out:
	printf("luo_kexec: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 16384, 16384 };
	int dev, stage, arg = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: %s 1 [--big|--max|--bad-pos|--fail-freeze] COMMAND...\n"
			"       %s 2 [--big|--max|--bad-pos|--rejected]\n",
			argv[0], argv[0]);
		return 2;
	}
	stage = atoi(argv[1]);
	if (argc > 2 && !strcmp(argv[2], "--big")) {
		big = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--max")) {
		max = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--bad-pos")) {
		bad_pos = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--fail-freeze")) {
		fail_freeze = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--rejected")) {
		return check_rejected();
	}
	if ((stage != 1 && stage != 2) || (stage == 1 && arg >= argc)) {
		fprintf(stderr, "%s: stage must be 1 (with a command) or 2\n",
			argv[0]);
		return 2;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");
	dev = open(LIVEUPDATE_DEV, O_RDWR);
	if (dev < 0) {
		perror(LIVEUPDATE_DEV);
		return 1;
	}
	return stage == 1 ? stage1(dev, argv + arg) : stage2(dev);
}
