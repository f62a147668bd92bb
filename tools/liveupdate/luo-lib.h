/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What luo-hold, luo-take and luo-vm share: sessions and their files on
 * /dev/liveupdate.
 */
#ifndef LUO_LIB_H
#define LUO_LIB_H

/* pipe2(), as every includer asks for before its first header. */
#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before any include"
#endif

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
 * kill), which its main() hands to luo_holder() with its first argument.
 * @tag, if not NULL, is a second argument that tells holders apart.
 * The daemon's pid once it holds the session, or -1 with errno set.  A
 * caller that lives on after it must reap it.
 */
static inline pid_t luo_hold(int s, const char *argv0, const char *tag)
{
	char fdarg[32], buf[sizeof(int)];
	int sync[2], fd, err;
	ssize_t n;
	pid_t pid;

	/*
	 * The daemon says "k" on the pipe once it holds the session; a
	 * child that cannot exec sends its errno.
	 */
	if (pipe2(sync, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(sync[0]);
		close(sync[1]);
		errno = err;
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
		snprintf(fdarg, sizeof(fdarg), "%d.%d", s, sync[1]);
		if (!fcntl(s, F_SETFD, 0) && !fcntl(sync[1], F_SETFD, 0))
			execl("/proc/self/exe", argv0, fdarg, tag, (char *)NULL);
		err = errno;
		if (write(sync[1], &err, sizeof(err)) < 0)
			_exit(2);
		_exit(1);
	}
	close(sync[1]);
	do
		n = read(sync[0], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(sync[0]);
	if (n == 1 && buf[0] == 'k')
		return pid;
	if (n == sizeof(err))
		memcpy(&err, buf, sizeof(err));
	else
		err = ECHILD;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	errno = err;
	return -1;
}

/*
 * The daemon of luo_hold(), given "SESSION.PIPE" (two fds): says it holds
 * the session, then waits for the kexec, or a kill, with the signals
 * that end it let through as they were not in the tool that made it.
 * Returns only if the fds are not what they must be.
 */
static inline int luo_holder(const char *fdarg)
{
	int fd = -1, sync = -1;
	sigset_t none;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sscanf(fdarg, "%d.%d", &fd, &sync) != 2 || fd < 3 || sync < 3 ||
	    fd == sync || fcntl(fd, F_SETFD, FD_CLOEXEC) ||
	    write(sync, "k", 1) != 1) {
		errno = EBADF;
		return -1;
	}
	close(sync);
	for (;;)
		pause();
}

#endif
