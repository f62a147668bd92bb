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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/uapi/linux/liveupdate.h"

static const char *prog;

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return 1;
}

static int session(int dev, unsigned long cmd, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	size_t len = strlen(name);

	if (len >= sizeof(arg.name)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(arg.name, name, len);
	return ioctl(dev, cmd, &arg) ? -1 : arg.fd;
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

static int preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

static int hold(const char *name, char **files, int nr)
{
	int dev, s, list, fd, m, i;
	struct stat st;
	char *base;

	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0)
		return fail("/dev/liveupdate", errno);
	s = session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, name);
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
		if (preserve(s, m, i + 1))
			return fail(files[i], errno);
		dprintf(list, "%d %o %s\n", i + 1, st.st_mode & 07777, base);
		close(m);
		close(fd);
	}
	if (lseek(list, 0, SEEK_SET) || preserve(s, list, 0))
		return fail("the file list", errno);
	close(list);

	/* The session lives as long as its fd: keep it until the kexec. */
	switch (fork()) {
	case -1:
		return fail("fork", errno);
	case 0:
		/* A daemon: let go of the terminal and of any pipe. */
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		for (;;)
			pause();
	default:
		printf("%s: %d files held in session %s until the kexec\n",
		       prog, nr, name);
		return 0;
	}
}

static int take(const char *name, const char *dir)
{
	struct liveupdate_session_retrieve_fd arg = { .size = sizeof(arg) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	char line[512], file[256], path[4096];
	unsigned int token, mode;
	int dev, s, out, n = 0;
	struct stat st;
	FILE *list;

	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0)
		return fail("/dev/liveupdate", errno);
	s = session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, name);
	if (s < 0)
		return fail(name, errno);
	if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
		return fail("the file list", errno);
	list = fdopen(arg.fd, "r");
	if (!list)
		return fail("the file list", errno);
	while (fgets(line, sizeof(line), list)) {
		if (sscanf(line, "%u %o %255[^\n]", &token, &mode, file) != 3 ||
		    strchr(file, '/') || !strcmp(file, "..") ||
		    !strcmp(file, "."))
			return fail("the file list", EINVAL);
		arg.token = token;
		if (ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg))
			return fail(file, errno);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		out = open(path, O_WRONLY | O_CREAT | O_EXCL, mode & 0777);
		if (out < 0 || fstat(arg.fd, &st) ||
		    copy(arg.fd, out, st.st_size) || close(out))
			return fail(path, errno);
		close(arg.fd);
		n++;
	}
	fclose(list);
	if (ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin))
		return fail("finish", errno);
	printf("%s: %d files of session %s written to %s\n", prog, n, name,
	       dir);
	return 0;
}

int main(int argc, char **argv)
{
	prog = basename(argv[0]);
	if (!strcmp(prog, "luo-hold") && argc >= 3)
		return hold(argv[1], argv + 2, argc - 2);
	if (!strcmp(prog, "luo-take") && argc == 3)
		return take(argv[1], argv[2]);
	fprintf(stderr, "usage: luo-hold NAME FILE...\n"
		"       luo-take NAME DIR\n");
	return 2;
}
