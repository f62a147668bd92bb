/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the live update selftests share: the uapi header of this tree,
 * checked against the layout mainline's programs are built with, and
 * small wrappers.
 */
#ifndef _SELFTEST_LIVEUPDATE_H
#define _SELFTEST_LIVEUPDATE_H

#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../../../include/uapi/linux/liveupdate.h"

#define LIVEUPDATE_DEV	"/dev/liveupdate"

/*
 * The interface of mainline's /dev/liveupdate, which programs rely on:
 * every name a program written for it may use, and its value or layout.
 */
static_assert(LIVEUPDATE_IOCTL_TYPE == 0xBA, "ioctl type");
static_assert(LIVEUPDATE_CMD_BASE == 0x00, "device command base");
static_assert(LIVEUPDATE_CMD_CREATE_SESSION == LIVEUPDATE_CMD_BASE, "create");
static_assert(LIVEUPDATE_CMD_RETRIEVE_SESSION == 0x01, "retrieve");
static_assert(LIVEUPDATE_CMD_SESSION_BASE == 0x40, "session command base");
static_assert(LIVEUPDATE_CMD_SESSION_PRESERVE_FD ==
	      LIVEUPDATE_CMD_SESSION_BASE, "preserve fd");
static_assert(LIVEUPDATE_CMD_SESSION_RETRIEVE_FD == 0x41, "retrieve fd");
static_assert(LIVEUPDATE_CMD_SESSION_FINISH == 0x42, "finish");
static_assert(LIVEUPDATE_CMD_SESSION_GET_NAME == 0x43, "get name");
static_assert(LIVEUPDATE_IOCTL_CREATE_SESSION == 0xBA00, "create ioctl");
static_assert(LIVEUPDATE_IOCTL_RETRIEVE_SESSION == 0xBA01, "retrieve ioctl");
static_assert(LIVEUPDATE_SESSION_PRESERVE_FD == 0xBA40, "preserve ioctl");
static_assert(LIVEUPDATE_SESSION_RETRIEVE_FD == 0xBA41, "retrieve fd ioctl");
static_assert(LIVEUPDATE_SESSION_FINISH == 0xBA42, "finish ioctl");
static_assert(LIVEUPDATE_SESSION_GET_NAME == 0xBA43, "get name ioctl");
static_assert(LIVEUPDATE_SESSION_NAME_LENGTH == 64, "name length");
static_assert(sizeof(struct liveupdate_ioctl_create_session) == 72, "create");
static_assert(offsetof(struct liveupdate_ioctl_create_session, fd) == 4, "fd");
static_assert(offsetof(struct liveupdate_ioctl_create_session, name) == 8,
	      "name");
static_assert(sizeof(struct liveupdate_ioctl_retrieve_session) == 72,
	      "retrieve");
static_assert(offsetof(struct liveupdate_ioctl_retrieve_session, fd) == 4,
	      "fd");
static_assert(offsetof(struct liveupdate_ioctl_retrieve_session, name) == 8,
	      "name");
static_assert(sizeof(struct liveupdate_session_preserve_fd) == 16, "preserve");
static_assert(offsetof(struct liveupdate_session_preserve_fd, fd) == 4, "fd");
static_assert(offsetof(struct liveupdate_session_preserve_fd, token) == 8,
	      "token");
static_assert(sizeof(struct liveupdate_session_retrieve_fd) == 16, "retrieve");
static_assert(offsetof(struct liveupdate_session_retrieve_fd, fd) == 4, "fd");
static_assert(offsetof(struct liveupdate_session_retrieve_fd, token) == 8,
	      "token");
static_assert(sizeof(struct liveupdate_session_finish) == 8, "finish");
static_assert(offsetof(struct liveupdate_session_finish, reserved) == 4,
	      "reserved");
static_assert(sizeof(struct liveupdate_session_get_name) == 72, "get name");
static_assert(offsetof(struct liveupdate_session_get_name, reserved) == 4,
	      "reserved");
static_assert(offsetof(struct liveupdate_session_get_name, name) == 8, "name");

/* Each returns the new fd, or -errno. */
static inline int lu_create(int dev, const char *name)
{
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	memcpy(arg.name, name, strnlen(name, sizeof(arg.name)));
	return ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg) ?
		-errno : arg.fd;
}

static inline int lu_retrieve(int dev, const char *name)
{
	struct liveupdate_ioctl_retrieve_session arg = { .size = sizeof(arg) };

	memcpy(arg.name, name, strnlen(name, sizeof(arg.name)));
	return ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &arg) ?
		-errno : arg.fd;
}

static inline int lu_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd arg = {
		.size = sizeof(arg), .fd = fd, .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &arg) ? -errno : 0;
}

static inline int lu_retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd arg = {
		.size = sizeof(arg), .token = token,
	};

	return ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &arg) ?
		-errno : arg.fd;
}

static inline int lu_finish(int session)
{
	struct liveupdate_session_finish arg = { .size = sizeof(arg) };

	return ioctl(session, LIVEUPDATE_SESSION_FINISH, &arg) ? -errno : 0;
}

/* The session's name, all LIVEUPDATE_SESSION_NAME_LENGTH bytes of it. */
static inline int lu_get_name(int session, uint8_t *name)
{
	struct liveupdate_session_get_name arg = { .size = sizeof(arg) };

	if (ioctl(session, LIVEUPDATE_SESSION_GET_NAME, &arg))
		return -errno;
	memcpy(name, arg.name, sizeof(arg.name));
	return 0;
}

/* Write @val to the file at @path: 0 or -errno. */
static inline int lu_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * The number after @key in a file of "key: value" lines (/proc/meminfo,
 * /proc/self/status) or "key value" lines (memory.stat), or -1.
 */
static inline long lu_file_value(const char *path, const char *key)
{
	char line[256], name[64];
	long value = -1, v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^: ]%*[: ]%ld", name, &v) == 2 &&
		    !strcmp(name, key))
			value = v;
	fclose(f);
	return value;
}

/* A line of /proc/meminfo, in kB, or -1. */
static inline long lu_meminfo_kb(const char *key)
{
	return lu_file_value("/proc/meminfo", key);
}

#endif
