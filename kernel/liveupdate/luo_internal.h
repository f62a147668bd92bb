/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live update's state: the sessions (luo_session.c) and their files
 * (luo_file.c), which the device (luo_core.c) gives user space and the
 * handover (luo_handover.c) writes for the next kernel and reads back.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/workqueue.h>

struct luo_session;

/**
 * struct luo_file - A file of a session.
 * @lf: what the handler sees.
 * @h: its handler; in the next kernel NULL if no handler has @compatible.
 * @session: the session it belongs to.
 * @compatible: the handler's compatible, as handed over.
 * @by_token: in the session's files, by token.
 * @by_file: outgoing: in luo.files, by &struct file.
 * @ready: outgoing: preserve() returned; the file may be frozen.
 * @frozen: outgoing: freeze() ran and unfreeze() has not.
 * @retrieving: incoming: retrieve() runs, without luo.lock.
 * @retrieve_err: incoming: why retrieve() failed for good, or 0.
 */
struct luo_file {
	struct liveupdate_file lf;
	struct liveupdate_file_handler *h;
	struct luo_session *session;
	char compatible[LIVEUPDATE_COMPAT_LENGTH];
	struct rb_node by_token;
	struct rb_node by_file;
	bool ready;
	bool frozen;
	bool retrieving;
	int retrieve_err;
};

/**
 * struct luo_session - A named set of files, outgoing or incoming.
 * @name: its name, NUL-padded.
 * @node: in luo.outgoing or luo.incoming, by name.
 * @files: its files, by token.
 * @nr_files: how many.
 * @busy: incoming: retrieve() calls running.
 * @reap: on luo.reap once closed after a thaw.
 * @ser: outgoing, frozen: the preserved array of its files' records.
 * @ser_kv: how @ser is preserved.
 * @incoming: handed over by the previous kernel.
 * @linked: in luo.outgoing or luo.incoming.
 * @closed: outgoing: its fd was closed while the handover was frozen.
 * @retrieved: incoming: an fd was given out.
 * @finished: incoming: its files were let go.
 */
struct luo_session {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct rb_node node;
	struct rb_root files;
	unsigned long nr_files;
	unsigned long busy;
	struct list_head reap;
	void *ser;
	struct kho_vmalloc ser_kv;
	bool incoming;
	bool linked;
	bool closed;
	bool retrieved;
	bool finished;
};

/**
 * struct luo_state - All of live update's state.
 * @lock: guards the rest.  Never held across a handler's preserve(),
 *	unpreserve(), retrieve() or finish(), which take locks user space
 *	can hold (a memfd's inode lock) or run long, because the reboot path
 *	takes it.
 * @handlers: the registered file handlers.
 * @outgoing: sessions to hand over, by name.
 * @incoming: sessions handed over, by name.
 * @files: every outgoing file, by &struct file.
 * @nr_outgoing: sessions in @outgoing.
 * @nr_files: files of every outgoing session.
 * @busy: preserve(), unpreserve(), retrieve() and finish() calls running
 *	without @lock; the handover cannot be frozen meanwhile.
 * @reap: sessions closed while frozen, after the thaw: their files wait
 *	to be unpreserved by @reap_work.
 * @reap_work: unpreserves them.
 * @frozen: the outgoing sessions are written into the handover.
 * @ser: the frozen handover's array of session records.
 * @ser_kv: how @ser is preserved.
 * @fdt: the frozen handover's sub-FDT.
 * @in_read: what the previous kernel handed over has been read.
 * @in_err: 0, or -EIO if it was rejected: its sessions are lost.
 */
struct luo_state {
	struct mutex lock;	/* see above */
	struct list_head handlers;
	struct rb_root outgoing;
	struct rb_root incoming;
	struct rb_root files;
	unsigned long nr_outgoing;
	unsigned long nr_files;
	unsigned long busy;
	struct list_head reap;
	struct work_struct reap_work;
	bool frozen;
	void *ser;
	struct kho_vmalloc ser_kv;
	void *fdt;
	bool in_read;
	int in_err;
};

extern struct luo_state luo;

/* Walk sessions by name, and a session's files by token. */
static inline struct luo_session *luo_session_first(struct rb_root *root)
{
	return rb_entry_safe(rb_first(root), struct luo_session, node);
}

static inline struct luo_session *luo_session_next(struct luo_session *s)
{
	return rb_entry_safe(rb_next(&s->node), struct luo_session, node);
}

static inline struct luo_file *luo_file_first(struct luo_session *s)
{
	return rb_entry_safe(rb_first(&s->files), struct luo_file, by_token);
}

static inline struct luo_file *luo_file_next(struct luo_file *f)
{
	return rb_entry_safe(rb_next(&f->by_token), struct luo_file, by_token);
}

/* luo_file.c: files and their handlers. */
struct liveupdate_file_handler *luo_find_handler(const char *compatible);
int luo_file_preserve(struct luo_session *s, struct file *file, u64 token);
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep);
int luo_file_add_incoming(struct luo_session *s, struct luo_file *f);
void luo_files_finish(struct luo_session *s);
void luo_files_free(struct luo_session *s);
void luo_files_unpreserve(struct luo_session *s);

/* luo_session.c: the sessions. */
struct luo_session *luo_session_alloc(const u8 *name);
int luo_session_create(struct luo_session *s);
struct luo_session *luo_session_get(const u8 *name);
void luo_session_unget(struct luo_session *s);
void luo_session_release(struct luo_session *s);
int luo_session_finish(struct luo_session *s);
int luo_incoming_add(struct luo_session *s);
void luo_incoming_drop(void);

/* luo_handover.c: across the kexec. */
int luo_handover_init(void);
void luo_incoming_read(void);

/* Debug only (CONFIG_KEXEC_HANDOVER_DEBUG): liveupdate_debug=. */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
int luo_debug_freeze(struct luo_session *s, struct luo_file *f);
void luo_debug_frozen(struct luo_session *s, struct luo_file *f);
void luo_debug_corrupt(u64 *nr_files);
#else
static inline int luo_debug_freeze(struct luo_session *s,
				   struct luo_file *f)
{
	return 0;
}

static inline void luo_debug_frozen(struct luo_session *s,
				    struct luo_file *f) { }
static inline void luo_debug_corrupt(u64 *nr_files) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
