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
 * preserving and retrieving them.  --fail-freeze (stage 1, with the
 * kernel's liveupdate_debug=freeze) adds a session whose freeze fails and
 * checks that the reboot failed and left the sessions usable;
 * --expect-eio (stage 2, after liveupdate_debug=corrupt) checks that the
 * device refuses to open after a bad handover.
 *
 * A "state" session holds a memfd with the next stage's number, as
 * mainline's tests do.  Memfd contents come from a generator seeded by
 * session and token, so that stage 2 knows what each should hold.
 */
#include "liveupdate.h"

#include "../kselftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define MANY_FILES	500
#define MANY_SESSIONS	2000
#define PAGE		4096UL

static int passed, failed;

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

/* Stage 1: everything is preserved here, before the reboot. */
static int stage1(int dev, char **cmd)
{
	int state = -1, statefd = -1;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s, m, late, i, closed;
	double t0;
	uint64_t v;
	pid_t pid;
	int status;

	if (big)
		goto big_files;

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

/* Stage 2: what the kernel before preserved is all here. */
static int stage2(int dev)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH], buf[65] = "";
	const char *why;
	int s, m, i, n;
	double t0;

	if (big)
		goto big_files;

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

	printf("luo_kexec: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 16384, 16384 };
	int dev, stage, arg = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: %s 1 [--big|--fail-freeze] COMMAND...\n"
			"       %s 2 [--big|--expect-eio]\n", argv[0], argv[0]);
		return 2;
	}
	stage = atoi(argv[1]);
	if (argc > 2 && !strcmp(argv[2], "--big")) {
		big = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--fail-freeze")) {
		fail_freeze = 1;
		arg = 3;
	} else if (argc > 2 && !strcmp(argv[2], "--expect-eio")) {
		dev = open(LIVEUPDATE_DEV, O_RDWR);
		result(dev < 0 && errno == EIO, "handover-rejected",
		       "the device opened after a bad handover");
		printf("luo_kexec: %d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
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
