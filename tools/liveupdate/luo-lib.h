/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What luo-hold, luo-take and luo-vm share: sessions and their files on
 * /dev/liveupdate.
 */
#ifndef LUO_LIB_H
#define LUO_LIB_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

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

#endif
