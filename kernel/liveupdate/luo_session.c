// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update: the sessions, in the kernel that hands them over and in
 * the one that takes them back, and all of live update's state.  Their
 * files are luo_file.c's.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

/**
 * DOC: Sessions and their files
 *
 * An outgoing session goes through these states:
 *
 * - *created*: CREATE_SESSION links it under a name no other outgoing
 *   session has, up to LUO_MAX_SESSIONS, and gives the agent its fd.
 * - *holding files*: PRESERVE_FD adds a file under a token in two steps.
 *   It is claimed under luo.lock, where the limits and the rules (one
 *   session per file, one file per token) are checked and the handover is
 *   kept from freezing; then the handler's preserve() runs without the
 *   lock, since it may wait for locks that user space holds.  If
 *   preserve() fails, the claim is undone and the session is as before.
 * - *frozen*: at the kexec reboot KHO finalizes, and every file of every
 *   session is frozen into the handover (luo_handover.c).  If anything
 *   runs without the lock then, or a freeze fails, every frozen file is
 *   thawed and the reboot fails: it never waits for user space.  A kexec
 *   that fails later thaws them the same way.
 * - *closed*: closing the fd unpreserves its files, without the lock.  A
 *   session closed while frozen stays, marked closed, until the kexec, or
 *   until a thaw, after which a work item unpreserves its files.
 *
 * In the next kernel, sessions are read from the handover at the first
 * open of the device; a handover that fails a check is rejected whole,
 * and RETRIEVE_SESSION then fails with -EIO for every name, while new
 * sessions can be created for the next kexec.  An incoming session:
 *
 * - is *retrieved* once: its name stays known, so that retrieving it
 *   again fails with -EINVAL rather than -ENOENT;
 * - gives out its files by token, each made by its handler the first time
 *   without the lock, marked under it: a second retrieve of the same file
 *   meanwhile gets -EBUSY.  A retrieve that failed for want of memory or
 *   files may be tried again; any other failure is the data's and stays.
 *   A file whose handler this kernel lacks fails with -EOPNOTSUPP;
 * - is *finished* by FINISH or by closing its fd: the files nobody
 *   retrieved are let go by their handlers, which free their memory.
 *   FINISH fails with -EBUSY, changing nothing, while a file is being
 *   retrieved or a handler cannot finish yet.
 *
 * A session that is never retrieved keeps its memory preserved, out of
 * the allocator, until the next kexec, which does not hand it on.
 *
 * Whatever runs without the lock is counted in luo.busy, and freezing
 * the handover for a reboot fails while it is not zero.
 */

static void luo_reap_fn(struct work_struct *work);

struct luo_state luo = {
	.lock = __MUTEX_INITIALIZER(luo.lock),
	.handlers = LIST_HEAD_INIT(luo.handlers),
	.outgoing = RB_ROOT,
	.incoming = RB_ROOT,
	.files = RB_ROOT,
	.reap = LIST_HEAD_INIT(luo.reap),
	.reap_work = __WORK_INITIALIZER(luo.reap_work, luo_reap_fn),
};

static int luo_session_cmp(struct rb_node *a, const struct rb_node *b)
{
	return strcmp(rb_entry(a, struct luo_session, node)->name,
		      rb_entry(b, struct luo_session, node)->name);
}

static int luo_session_find_cmp(const void *name, const struct rb_node *n)
{
	return strcmp(name, rb_entry(n, struct luo_session, node)->name);
}

/*
 * A session named @name, not linked anywhere yet, or an ERR_PTR: -EINVAL
 * if the name is empty or has no NUL in its bytes.  The name is kept
 * NUL-padded, so that nothing after its NUL is ever given back.
 */
struct luo_session *luo_session_alloc(const u8 *name)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);
	struct luo_session *s;

	if (!len || len == LIVEUPDATE_SESSION_NAME_LENGTH)
		return ERR_PTR(-EINVAL);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	memcpy(s->name, name, len);
	s->files = RB_ROOT;
	INIT_LIST_HEAD(&s->reap);
	return s;
}

/**
 * luo_session_create() - Link a new outgoing session.
 * @s: the session, from luo_session_alloc().
 *
 * Return: 0, -EBUSY while the handover is frozen, -ENOSPC if the handover
 * holds as many sessions as it may, -EEXIST if an outgoing session has
 * the name.
 */
int luo_session_create(struct luo_session *s)
{
	guard(mutex)(&luo.lock);
	if (luo.frozen)
		return -EBUSY;
	if (luo.nr_outgoing >= LUO_MAX_SESSIONS)
		return -ENOSPC;
	if (rb_find_add(&s->node, &luo.outgoing, luo_session_cmp))
		return -EEXIST;
	s->linked = true;
	luo.nr_outgoing++;
	return 0;
}

/**
 * luo_session_get() - Take an incoming session for its one fd.
 * @name: its name.
 *
 * Return: the session, or an ERR_PTR: -EIO if the previous kernel's
 * handover was rejected, -ENOENT if no session has @name, -EINVAL if it
 * was retrieved already.
 */
struct luo_session *luo_session_get(const u8 *name)
{
	struct luo_session *s;

	guard(mutex)(&luo.lock);
	if (luo.in_err)
		return ERR_PTR(luo.in_err);
	s = rb_entry_safe(rb_find(name, &luo.incoming, luo_session_find_cmp),
			  struct luo_session, node);
	if (!s)
		return ERR_PTR(-ENOENT);
	if (s->retrieved)
		return ERR_PTR(-EINVAL);
	s->retrieved = true;
	return s;
}

/* Undo luo_session_get(): no fd was given out after all. */
void luo_session_unget(struct luo_session *s)
{
	guard(mutex)(&luo.lock);
	s->retrieved = false;
}

/**
 * luo_session_finish() - End the kernel's hold on an incoming session.
 * @s: the session.
 *
 * Return: 0, -EINVAL if @s is outgoing or finished already, -EBUSY if a
 * file is being retrieved or cannot finish now (nothing is done then).
 */
int luo_session_finish(struct luo_session *s)
{
	struct luo_file *f;

	if (!s->incoming)
		return -EINVAL;
	scoped_guard(mutex, &luo.lock) {
		if (s->finished)
			return -EINVAL;
		if (s->busy)
			return -EBUSY;
		for (f = luo_file_first(s); f; f = luo_file_next(f))
			if (f->h && !f->h->ops->can_finish(&f->lf))
				return -EBUSY;
		s->finished = true;
		luo.busy++;
	}
	luo_files_finish(s);
	return 0;
}

/* Unpreserve a closed, unlinked session's files and free it. */
static void luo_session_reap(struct luo_session *s)
{
	luo_files_unpreserve(s);
	kfree(s);
}

static void luo_reap_fn(struct work_struct *work)
{
	struct luo_session *s, *next;
	LIST_HEAD(list);

	scoped_guard(mutex, &luo.lock)
		list_splice_init(&luo.reap, &list);
	list_for_each_entry_safe(s, next, &list, reap)
		luo_session_reap(s);
}

/**
 * luo_session_release() - The session's fd was closed.
 * @s: the session.
 *
 * An incoming session is finished.  An outgoing one is unlinked and its
 * files unpreserved, unless the handover is frozen: then it is kept until
 * the kexec, or reaped after the thaw.
 */
void luo_session_release(struct luo_session *s)
{
	bool finish;

	if (s->incoming) {
		/* No ioctl of this fd runs: nothing else reaches the files. */
		scoped_guard(mutex, &luo.lock) {
			finish = !s->finished;
			s->finished = true;
			if (finish)
				luo.busy++;
		}
		if (finish)
			luo_files_finish(s);
		luo_files_free(s);
		return;
	}
	scoped_guard(mutex, &luo.lock) {
		if (luo.frozen && s->linked) {
			s->closed = true;
			return;
		}
		if (s->linked) {
			rb_erase(&s->node, &luo.outgoing);
			luo.nr_outgoing--;
			s->linked = false;
		}
		luo.busy++;
	}
	luo_session_reap(s);
}

/* Link an incoming session read from the handover; -EEXIST for a twin. */
int luo_incoming_add(struct luo_session *s)
{
	lockdep_assert_held(&luo.lock);
	if (rb_find_add(&s->node, &luo.incoming, luo_session_cmp))
		return -EEXIST;
	s->incoming = true;
	s->linked = true;
	return 0;
}

/* Forget every incoming session: the handover was rejected. */
void luo_incoming_drop(void)
{
	struct luo_session *s, *next;

	lockdep_assert_held(&luo.lock);
	rbtree_postorder_for_each_entry_safe(s, next, &luo.incoming, node) {
		luo_files_free(s);
		kfree(s);
	}
	luo.incoming = RB_ROOT;
}
