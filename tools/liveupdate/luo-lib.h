/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What luo-hold, luo-take and luo-vm share: sessions and their files on
 * /dev/liveupdate.
 */
#ifndef LUO_LIB_H
#define LUO_LIB_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "../../include/uapi/linux/liveupdate.h"

/* Copy session name @name into @dst: 0, or -1 if it does not fit. */
static inline int luo_name(__u8 *dst, const char *name)
{
	size_t len = strlen(name);

	if (len >= LIVEUPDATE_SESSION_NAME_LENGTH) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dst, name, len);
	return 0;
}

/* Create session @name to hand over: its fd, or -1. */
static inline int luo_create_session(int dev, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	if (luo_name(arg.name, name))
		return -1;
	return ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) ? -1 : arg.fd;
}

/* In the next kernel, take session @name: its fd, or -1. */
static inline int luo_retrieve_session(int dev, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	if (luo_name(arg.name, name))
		return -1;
	return ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg) ? -1 : arg.fd;
}

static inline int luo_preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &arg);
}

/* The file preserved under @token: a close-on-exec fd, or -1. */
static inline int luo_retrieve(int s, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	return ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) ? -1 : arg.fd;
}

static inline int luo_finish(int s)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(s, LIVEUPDATE_SESSION_FINISH, &arg);
}

/*
 * A session lives as long as its fd.  To outlive the tool that made it,
 * it is kept by a daemon until the kexec: the tool itself run again
 * under @argv0 (a name starting with '@' is spared by systemd's final
 * kill), which its main() hands to luo_holder().  @tag, if not NULL, is
 * a second argument that tells holders apart.  The pid, or -1.
 */
static inline pid_t luo_hold(int s, const char *argv0, const char *tag)
{
	char fdarg[16], c;
	int sync[2], fd;
	ssize_t n;
	pid_t pid;

	/* The pipe closes on the exec; a byte on it means it failed. */
	if (pipe2(sync, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sync[0]);
		close(sync[1]);
		return -1;
	}
	if (!pid) {
		close(sync[0]);
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		snprintf(fdarg, sizeof(fdarg), "%d", s);
		if (!fcntl(s, F_SETFD, 0))
			execl("/proc/self/exe", argv0, fdarg, tag, (char *)NULL);
		if (write(sync[1], "x", 1) < 0)
			_exit(2);
		_exit(1);
	}
	close(sync[1]);
	n = read(sync[0], &c, 1);
	close(sync[0]);
	if (n) {
		waitpid(pid, NULL, 0);
		errno = ENOEXEC;
		return -1;
	}
	return pid;
}

/*
 * The daemon of luo_hold(), given its session fd as text: waits for the
 * kexec, or a kill, with every signal let through.  Returns only if the
 * fd is not one.
 */
static inline int luo_holder(const char *fdarg)
{
	int fd = atoi(fdarg);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (fd < 3 || fcntl(fd, F_SETFD, FD_CLOEXEC)) {
		errno = EBADF;
		return -1;
	}
	for (;;)
		pause();
}

#endif
