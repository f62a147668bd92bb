/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Live update: keep open files across a kexec through /dev/liveupdate.
 *
 * An agent creates named sessions on the device and preserves files in
 * them, each under a token it chooses.  At the kexec reboot the kernel
 * freezes the files and hands the sessions over; the next kernel gives
 * them back by name and token.  Every argument starts with its size, set
 * by the caller to the size it knows, so that the structs can grow.
 */
#ifndef _UAPI_LINUX_LIVEUPDATE_H
#define _UAPI_LINUX_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LIVEUPDATE_IOCTL_TYPE		0xBA

/* A session name's bytes, the terminating NUL included. */
#define LIVEUPDATE_SESSION_NAME_LENGTH	64

/* Commands on /dev/liveupdate, numbered from LIVEUPDATE_CMD_BASE. */
enum {
	LIVEUPDATE_CMD_BASE = 0x00,
	LIVEUPDATE_CMD_CREATE_SESSION = LIVEUPDATE_CMD_BASE,
	LIVEUPDATE_CMD_RETRIEVE_SESSION = 0x01,
};

/* Commands on a session's fd, numbered from LIVEUPDATE_CMD_SESSION_BASE. */
enum {
	LIVEUPDATE_CMD_SESSION_BASE = 0x40,
	LIVEUPDATE_CMD_SESSION_PRESERVE_FD = LIVEUPDATE_CMD_SESSION_BASE,
	LIVEUPDATE_CMD_SESSION_RETRIEVE_FD = 0x41,
	LIVEUPDATE_CMD_SESSION_FINISH = 0x42,
	LIVEUPDATE_CMD_SESSION_GET_NAME = 0x43,
};

/**
 * struct liveupdate_ioctl_create_session - Create a session to hand over.
 * @size: sizeof(struct liveupdate_ioctl_create_session).
 * @fd: out: a close-on-exec file descriptor for the session.
 * @name: in: the session's name, NUL-terminated, not empty, unique among
 *	the sessions to hand over.
 */
struct liveupdate_ioctl_create_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_CREATE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_CREATE_SESSION)

/**
 * struct liveupdate_ioctl_retrieve_session - Take a session handed over.
 * @size: sizeof(struct liveupdate_ioctl_retrieve_session).
 * @fd: out: a close-on-exec file descriptor for the session.
 * @name: in: the name the previous kernel's agent gave it, NUL-terminated.
 */
struct liveupdate_ioctl_retrieve_session {
	__u32 size;
	__s32 fd;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_IOCTL_RETRIEVE_SESSION \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_RETRIEVE_SESSION)

/**
 * struct liveupdate_session_preserve_fd - Preserve a file in a session.
 * @size: sizeof(struct liveupdate_session_preserve_fd).
 * @fd: in: the file to preserve.
 * @token: in: the caller's name for it, unique in the session.
 */
struct liveupdate_session_preserve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_PRESERVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_PRESERVE_FD)

/**
 * struct liveupdate_session_retrieve_fd - Take a handed-over file back.
 * @size: sizeof(struct liveupdate_session_retrieve_fd).
 * @fd: out: a close-on-exec file descriptor for the file.
 * @token: in: the token it was preserved under.
 */
struct liveupdate_session_retrieve_fd {
	__u32 size;
	__s32 fd;
	__aligned_u64 token;
};

#define LIVEUPDATE_SESSION_RETRIEVE_FD \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_RETRIEVE_FD)

/**
 * struct liveupdate_session_finish - End the kernel's hold on a session.
 * @size: sizeof(struct liveupdate_session_finish).
 * @reserved: must be zero.
 *
 * Files of the session that were not retrieved are discarded.
 */
struct liveupdate_session_finish {
	__u32 size;
	__u32 reserved;
};

#define LIVEUPDATE_SESSION_FINISH \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_FINISH)

/**
 * struct liveupdate_session_get_name - Read a session's name.
 * @size: sizeof(struct liveupdate_session_get_name).
 * @reserved: must be zero.
 * @name: out: the name, padded with NULs to its full length.
 */
struct liveupdate_session_get_name {
	__u32 size;
	__u32 reserved;
	__u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
};

#define LIVEUPDATE_SESSION_GET_NAME \
	_IO(LIVEUPDATE_IOCTL_TYPE, LIVEUPDATE_CMD_SESSION_GET_NAME)

#endif /* _UAPI_LINUX_LIVEUPDATE_H */
