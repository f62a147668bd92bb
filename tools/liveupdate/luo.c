// SPDX-License-Identifier: GPL-2.0
/*
 * Keep files across a kexec with /dev/liveupdate.
 *
 *   luo-hold NAME FILE...	copy each FILE into a memfd, preserve them in
 *				session NAME, and stay in the background
 *				holding the session until the kexec
 *   luo-take NAME DIR		after the kexec, write them back into DIR
 *				under their base names, and end the session
 *
 * Token 0 of the session is a memfd listing the files: one line per file,
 * "token mode name".
 *
 * The holder must outlive everything before the kexec reboot: it renames
 * itself "@luo-hold", which systemd's final kill spares (a root process
 * whose argv[0] starts with '@'), and its unit (luo-hold@.service) is not
 * stopped by the shutdown.
 *
 * luo-take does not end a session with a file unwritten unless told to: it
 * writes under a free name rather than over a file, names a file only
 * once it is complete and synced, and if a file cannot be retrieved or
 * written it stays in the background holding the session (SIGUSR1
 * retries, SIGUSR2 gives the rest up) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "luo-lib.h"

#define HOLDER	"@luo-hold"
#define MAX_FILES	1024

static const char *prog;

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return 1;
}

/* Copy @len bytes from @in to @out, from where each stands. */
static int copy(int in, int out, off_t len)
{
	ssize_t n;

	while (len > 0) {
		n = sendfile(out, in, NULL, len);
		if (n <= 0)
			return n ? -1 : (errno = EIO, -1);
		len -= n;
	}
	return 0;
}

static int hold(const char *name, char **files, int nr)
{
	int dev, s, list, fd, m, i, j;
	struct stat st;
	char *base;

	if (nr > MAX_FILES) {
		fprintf(stderr, "%s: at most %d files a session\n", prog,
			MAX_FILES);
		return 1;
	}
	for (i = 0; i < nr; i++) {
		if (strchr(basename(files[i]), '\n')) {
			fprintf(stderr, "%s: %s: a name with a newline\n", prog,
				files[i]);
			return 1;
		}
	}
	for (i = 0; i < nr; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(basename(files[i]), basename(files[j]))) {
				fprintf(stderr,
					"%s: %s and %s have the same name: luo-take writes files by name\n",
					prog, files[j], files[i]);
				return 1;
			}

	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0)
		return fail("/dev/liveupdate", errno);
	s = luo_create_session(dev, name);
	if (s < 0)
		return fail(name, errno);
	close(dev);

	list = memfd_create("luo-list", 0);
	if (list < 0)
		return fail("memfd_create", errno);
	for (i = 0; i < nr; i++) {
		fd = open(files[i], O_RDONLY);
		if (fd < 0 || fstat(fd, &st))
			return fail(files[i], errno);
		if (!S_ISREG(st.st_mode))
			return fail(files[i], EINVAL);
		base = basename(files[i]);
		m = memfd_create(base, 0);
		if (m < 0 || ftruncate(m, st.st_size) ||
		    copy(fd, m, st.st_size) || lseek(m, 0, SEEK_SET))
			return fail(files[i], errno);
		if (luo_preserve(s, m, i + 1))
			return fail(files[i], errno);
		if (dprintf(list, "%d %o %s\n", i + 1, st.st_mode & 07777,
			    base) < 0)
			return fail("the file list", errno);
		close(m);
		close(fd);
	}
	if (lseek(list, 0, SEEK_SET) || luo_preserve(s, list, 0))
		return fail("the file list", errno);
	close(list);

	/* The session lives as long as its fd: a daemon keeps it. */
	if (luo_hold(s, HOLDER, NULL) < 0)
		return fail("cannot start the holder; the session is closed",
			    errno);
	close(s);
	printf("%s: %d files held in session %s until the kexec\n",
	       prog, nr, name);
	return 0;
}

struct taken {
	int fd;			/* the memfd: -2 until retrieved, -1 once written */
	uint64_t token;
	unsigned int mode;
	char name[256];		/* as kept */
	char path[4096];	/* where it is written */
};

/*
 * A free path in @dir for @name: @name itself, or @name.N if that exists
 * or another file of the session takes it.
 */
static int free_path(struct taken *t, struct taken *all, int nr,
		     const char *dir)
{
	struct stat st;
	int i, n;

	for (n = 0; n < 1000; n++) {
		if (n)
			snprintf(t->path, sizeof(t->path), "%s/%s.%d", dir,
				 t->name, n);
		else
			snprintf(t->path, sizeof(t->path), "%s/%s", dir,
				 t->name);
		if (!lstat(t->path, &st) || errno != ENOENT)
			continue;
		for (i = 0; i < nr && (&all[i] == t ||
				       strcmp(all[i].path, t->path)); i++)
			;
		if (i == nr)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

/*
 * Write @t, synced, under a free name in @dir, never over a file.  Where
 * the file system can, the file gets its name only once complete.
 */
static int write_one(struct taken *t, struct taken *all, int nr,
		     const char *dir)
{
	char proc[64];
	struct stat st;
	int out, err;

	if (fstat(t->fd, &st) || lseek(t->fd, 0, SEEK_SET))
		return -1;
	out = open(dir, O_TMPFILE | O_WRONLY, t->mode & 0777);
	if (out < 0) {
		if (free_path(t, all, nr, dir))
			return -1;
		out = open(t->path, O_WRONLY | O_CREAT | O_EXCL,
			   t->mode & 0777);
		if (out < 0)
			return -1;
		if (copy(t->fd, out, st.st_size) || fsync(out)) {
			err = errno;
			close(out);
			unlink(t->path);
			errno = err;
			return -1;
		}
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", out);
		if (copy(t->fd, out, st.st_size) || fsync(out))
			goto fail;
		for (;;) {
			if (free_path(t, all, nr, dir))
				goto fail;
			if (!linkat(AT_FDCWD, proc, AT_FDCWD, t->path,
				    AT_SYMLINK_FOLLOW))
				break;
			if (errno != EEXIST)
				goto fail;
		}
	}
	close(out);
	close(t->fd);
	t->fd = -1;
	return 0;
fail:
	err = errno;
	close(out);
	t->path[0] = '\0';
	errno = err;
	return -1;
}

/*
 * Retrieve and write what is left; the number of files not written.  A
 * retrieve that failed is tried again: the kernel keeps the file.
 */
static int write_all(int s, struct taken *t, int nr, const char *dir)
{
	int left = 0, i, dfd, fd;

	for (i = 0; i < nr; i++) {
		if (t[i].fd == -2) {
			fd = luo_retrieve(s, t[i].token);
			if (fd < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, t[i].name,
					strerror(errno));
				left++;
				continue;
			}
			t[i].fd = fd;
		}
		if (t[i].fd < 0)
			continue;
		if (write_one(&t[i], t, nr, dir)) {
			fprintf(stderr, "%s: %s: %s\n", prog, t[i].name,
				strerror(errno));
			t[i].path[0] = '\0';
			left++;
			continue;
		}
		if (strcmp(strrchr(t[i].path, '/') + 1, t[i].name))
			printf("%s: %s exists: wrote %s\n", prog, t[i].name,
			       t[i].path);
	}
	/* The names, too, must survive a crash before FINISH. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || fsync(dfd)) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		left += !left;
	}
	if (dfd >= 0)
		close(dfd);
	return left;
}

static int finish(int s, const char *name, int nr, const char *dir)
{
	if (luo_finish(s))
		return fail("finish", errno);
	printf("%s: %d files of session %s written to %s\n", prog, nr, name,
	       dir);
	return 0;
}

/* Point stdin, and stdout and stderr where they are pipes, at /dev/null. */
static void null_pipes(void)
{
	struct stat st;
	int fd, i;

	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	for (i = 1; i <= 2; i++)
		if (!fstat(i, &st) && S_ISFIFO(st.st_mode))
			dup2(fd, i);
	close(fd);
}

/*
 * Some files could not be written: keep the session, in the background,
 * until SIGUSR1 writes what is left (and finishes) or SIGUSR2 gives up.
 */
static int keep(int s, struct taken *t, int nr, const char *name,
		const char *dir, int left, int bad)
{
	sigset_t set;
	pid_t pid;
	int sig;

	/* Only SIGUSR1 and SIGUSR2 decide; a stopping unit's SIGTERM not. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fprintf(stderr, "%s: fork: %s: this process keeps the session\n",
			prog, strerror(errno));
	if (pid > 0) {
		fprintf(stderr,
			"%s: %d of %d files of session %s not written; process %d keeps the session: fix the cause, then kill -USR1 %d to write them, or kill -USR2 %d to give them up\n",
			prog, left + bad, nr + bad, name, pid, pid, pid);
		return 1;
	}
	if (!pid)
		setsid();
	/* Let go of pipes: a reader that went away must not end us. */
	null_pipes();
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGUSR1) {
			fprintf(stderr, "%s: session %s given up: %d files lost\n",
				prog, name, left + bad);
			return 1;
		}
		left = write_all(s, t, nr, dir);
		if (!left && !bad)
			return finish(s, name, nr, dir);
		if (left)
			fprintf(stderr, "%s: %d files of session %s still not written\n",
				prog, left, name);
		else
			fprintf(stderr,
				"%s: %d lines of session %s's file list are bad; kill -USR2 %d to end it without them\n",
				prog, bad, name, getpid());
	}
}

static int take(const char *name, const char *dir)
{
	static struct taken t[MAX_FILES];
	char line[512], file[256];
	unsigned int token, mode;
	int dev, s, fd, nr = 0, bad = 0, left;
	struct rlimit rl;
	struct stat st;
	FILE *list;

	/* Nothing is retrieved until the files have somewhere to go. */
	if (stat(dir, &st) || access(dir, W_OK | X_OK))
		return fail(dir, errno);
	if (!S_ISDIR(st.st_mode))
		return fail(dir, ENOTDIR);
	/* Every file is held open until written. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0)
		return fail("/dev/liveupdate", errno);
	s = luo_retrieve_session(dev, name);
	if (s < 0)
		return fail(name, errno);
	close(dev);
	/*
	 * From here on, the session ends with this process: a failure keeps
	 * it, and what could be retrieved, in the background; a hangup or a
	 * stopping unit must not end it halfway.
	 */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fd = luo_retrieve(s, 0);
	if (fd < 0) {
		fail("the file list", errno);
		return keep(s, t, 0, name, dir, 0, 1);
	}
	list = fdopen(fd, "r");
	if (!list) {
		fail("the file list", errno);
		return keep(s, t, 0, name, dir, 0, 1);
	}
	/* The whole list first: each file is then retrieved and written. */
	while (fgets(line, sizeof(line), list)) {
		if (nr == MAX_FILES ||
		    sscanf(line, "%u %o %255[^\n]", &token, &mode, file) != 3 ||
		    strchr(file, '/') || !strcmp(file, "..") ||
		    !strcmp(file, ".")) {
			fprintf(stderr, "%s: the file list: bad line: %s", prog,
				line);
			bad++;
			continue;
		}
		t[nr].fd = -2;
		t[nr].token = token;
		t[nr].mode = mode;
		snprintf(t[nr].name, sizeof(t[nr].name), "%s", file);
		nr++;
	}
	fclose(list);
	left = write_all(s, t, nr, dir);
	if (left || bad)
		return keep(s, t, nr, name, dir, left, bad);
	return finish(s, name, nr, dir);
}

int main(int argc, char **argv)
{
	int fd;

	/* A session fd must not land on 0, 1 or 2, which daemons reopen. */
	do
		fd = open("/dev/null", O_RDWR);
	while (fd >= 0 && fd < 3);
	if (fd >= 0)
		close(fd);
	prog = basename(argv[0]);
	if (!strcmp(argv[0], HOLDER) && argc == 2) {
		luo_holder(argv[1]);
		return fail("the session fd", errno);
	}
	if (!strcmp(prog, "luo-hold") && argc >= 3)
		return hold(argv[1], argv + 2, argc - 2);
	if (!strcmp(prog, "luo-take") && argc == 3)
		return take(argv[1], argv[2]);
	fprintf(stderr, "usage: luo-hold NAME FILE...\n"
		"       luo-take NAME DIR\n");
	return 2;
}
