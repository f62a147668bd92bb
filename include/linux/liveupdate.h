/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update: what a file type provides to have its open files kept
 * across a kexec through /dev/liveupdate.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

struct file;

/* The longest compatible string a file handler may have, with its NUL. */
#define LIVEUPDATE_COMPAT_LENGTH	32

/**
 * struct liveupdate_file - A file preserved in a session, or handed over.
 * @file: the open file: the preserved one in the kernel that preserves it,
 *	the retrieved one in the next, NULL until then.
 * @token: the agent's name for the file in its session.
 * @data: what the handler hands over for the file: set by freeze(), read
 *	by retrieve() and finish() in the next kernel.
 * @priv: the handler's own state for the file, in either kernel.
 */
struct liveupdate_file {
	struct file *file;
	u64 token;
	u64 data;
	void *priv;
};

/**
 * struct liveupdate_file_ops - What a file type does across a live update.
 * @can_preserve: whether the handler takes @file; no side effects.
 * @preserve: take hold of @lf->file's contents while the workload runs
 *	(the heavy work: pinning, allocating what freeze() fills).  Return
 *	0 or an errno.
 * @unpreserve: undo preserve(): the agent closed the session or the file
 *	is no longer wanted.
 * @freeze: at the kexec reboot: write what the next kernel needs into
 *	memory set aside by preserve() and set @lf->data.  What may still
 *	change the file until the reboot (a memfd's writes inside its size)
 *	must reach the next kernel.  Return 0 or an errno, which fails the
 *	reboot after every frozen file is thawed.
 * @unfreeze: undo freeze(): the kexec did not happen.
 * @retrieve: in the next kernel, make @lf->file from @lf->data.  Must
 *	check everything it reads: the data comes from another kernel.
 *	-ENOMEM and -ENFILE mean "try again", and the handler must be able
 *	to go on from where it stopped; any other error is final.
 * @can_finish: whether the session may finish now.
 * @finish: the kernel's hold ends: release what retrieve() did not take,
 *	everything if it never ran.
 *
 * preserve(), unpreserve(), retrieve() and finish() run without live
 * update's lock and may sleep on the file's own locks.  can_preserve(),
 * freeze(), unfreeze() and can_finish() run under it, freeze() in the
 * reboot path: they must not wait for anything user space can hold.
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct file *file);
	int (*preserve)(struct liveupdate_file *lf);
	void (*unpreserve)(struct liveupdate_file *lf);
	int (*freeze)(struct liveupdate_file *lf);
	void (*unfreeze)(struct liveupdate_file *lf);
	int (*retrieve)(struct liveupdate_file *lf);
	bool (*can_finish)(struct liveupdate_file *lf);
	void (*finish)(struct liveupdate_file *lf);
};

/**
 * struct liveupdate_file_handler - A file type live update can keep.
 * @ops: what it does.
 * @compatible: names the handler, and the format of what it hands over,
 *	to the next kernel; shorter than LIVEUPDATE_COMPAT_LENGTH.
 * @list: on the list of handlers; for live update's own use.
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	const char *compatible;
	struct list_head list;
};

#ifdef CONFIG_LIVEUPDATE
bool liveupdate_enabled(void);
unsigned long liveupdate_nr_sessions(void);
int liveupdate_register_file_handler(struct liveupdate_file_handler *h);
#else
static inline bool liveupdate_enabled(void)
{
	return false;
}

static inline int
liveupdate_register_file_handler(struct liveupdate_file_handler *h)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_LIVEUPDATE_H */
