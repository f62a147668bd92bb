/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update's state, shared by the device (sessions and their files)
 * and the handover (writing them for the next kernel, reading them back).
 */
#ifndef _KERNEL_LIVEUPDATE_INTERNAL_H
#define _KERNEL_LIVEUPDATE_INTERNAL_H

#include <linux/liveupdate.h>
#include <linux/mutex.h>

/* The sub-FDT live update hands over, and the format it names. */
#define LUO_FDT_NAME		"liveupdate"
#define LUO_FDT_COMPATIBLE	"liveupdate-v1"

/* Bounds on what the next kernel reads: the previous one wrote no more. */
#define LUO_MAX_SESSIONS	65536
#define LUO_MAX_FILES		65536

struct luo_file {
	struct liveupdate_file lf;
	/* NULL in the next kernel if no handler has the file's compatible. */
	struct liveupdate_file_handler *h;
	char compatible[LIVEUPDATE_COMPAT_LENGTH];
	struct list_head list;
	bool frozen;
	/* Next kernel: a failed retrieve stays failed. */
	int retrieve_err;
};

struct luo_session {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct list_head list;
	struct list_head files;
	unsigned long nr_files;
	bool incoming;
	/* Outgoing: its fd was closed while the handover was frozen. */
	bool closed;
	/* Incoming: an fd was given out; finished, its files let go. */
	bool retrieved;
	bool finished;
};

struct luo_state {
	/* Guards all of it: handlers, sessions, their files, the handover. */
	struct mutex lock;
	struct list_head handlers;
	struct list_head outgoing;
	struct list_head incoming;
	/* The outgoing sessions are written into the handover. */
	bool frozen;
	/* Their arrays, preserved, until the kexec or an abort. */
	void *ser_sessions;
	void *fdt;
	/* What the previous kernel handed over has been read: 0 or -EIO. */
	bool in_read;
	int in_err;
};

extern struct luo_state luo;

struct liveupdate_file_handler *luo_find_handler(const char *compatible);
void luo_session_free(struct luo_session *s);
void luo_file_unpreserve(struct luo_file *f);
int luo_handover_init(void);
int luo_incoming_read(void);

/* Debug only (CONFIG_KEXEC_HANDOVER_DEBUG): liveupdate_debug=. */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
int luo_debug_freeze(struct luo_session *s, struct luo_file *f);
void luo_debug_corrupt(u64 *nr_files);
#else
static inline int luo_debug_freeze(struct luo_session *s,
				   struct luo_file *f)
{
	return 0;
}

static inline void luo_debug_corrupt(u64 *nr_files) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_INTERNAL_H */
