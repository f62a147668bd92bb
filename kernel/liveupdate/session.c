// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update: the sessions and the files preserved in them, in the kernel
 * that hands them over and in the one that takes them back, and the file
 * handlers that preserve and retrieve each type of file.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/**
 * DOC: Sessions and their files
 *
 * An outgoing session is created under a name no other outgoing session
 * has and lives until its fd is closed.  A file is added to it under a
 * token in two steps: it is claimed under the lock, where the limits and
 * the rules (one session per file, one file per token) are checked and
 * the handover is kept from freezing; then the handler's preserve() runs
 * without the lock, since it may wait for locks that user space holds.
 * Closing the session unpreserves its files the same way.  A session
 * closed while the handover is frozen stays, marked closed, until the
 * kexec, or until a failed kexec thaws the handover, after which a work
 * item unpreserves its files.
 *
 * Incoming sessions are read from the handover at the first open of the
 * device.  Each can be retrieved once; its files are retrieved by token,
 * and finishing the session, or closing its fd, lets the files nobody
 * retrieved go.  A retrieved session keeps its name, so that retrieving
 * it again fails with -EINVAL rather than -ENOENT.  Retrieving a file and
 * finishing run without the lock too, marked under it: a second retrieve
 * of the same file, or a finish meanwhile, gets -EBUSY.  A retrieve that
 * failed for want of memory or files may be tried again; any other
 * failure is the data's and stays.
 *
 * Whatever runs without the lock is counted in luo.busy, and freezing
 * the handover for a reboot fails while it is not zero: the reboot never
 * waits for user space.
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

static int luo_token_cmp(struct rb_node *a, const struct rb_node *b)
{
	u64 x = rb_entry(a, struct luo_file, by_token)->lf.token;
	u64 y = rb_entry(b, struct luo_file, by_token)->lf.token;

	return x < y ? -1 : x > y;
}

static int luo_token_find_cmp(const void *token, const struct rb_node *n)
{
	u64 x = *(const u64 *)token;
	u64 y = rb_entry(n, struct luo_file, by_token)->lf.token;

	return x < y ? -1 : x > y;
}

static int luo_file_cmp(struct rb_node *a, const struct rb_node *b)
{
	uintptr_t x = (uintptr_t)rb_entry(a, struct luo_file, by_file)->lf.file;
	uintptr_t y = (uintptr_t)rb_entry(b, struct luo_file, by_file)->lf.file;

	return x < y ? -1 : x > y;
}

static struct luo_file *luo_find_token(struct luo_session *s, u64 token)
{
	return rb_entry_safe(rb_find(&token, &s->files, luo_token_find_cmp),
			     struct luo_file, by_token);
}

/* The handler for @compatible, or NULL.  Called with luo.lock held. */
struct liveupdate_file_handler *luo_find_handler(const char *compatible)
{
	struct liveupdate_file_handler *h;

	lockdep_assert_held(&luo.lock);
	list_for_each_entry(h, &luo.handlers, list)
		if (!strcmp(h->compatible, compatible))
			return h;
	return NULL;
}

/* The handler that takes @file, or NULL.  Called with luo.lock held. */
static struct liveupdate_file_handler *luo_handler_of(struct file *file)
{
	struct liveupdate_file_handler *h;

	lockdep_assert_held(&luo.lock);
	list_for_each_entry(h, &luo.handlers, list)
		if (h->ops->can_preserve(file))
			return h;
	return NULL;
}

/**
 * liveupdate_register_file_handler() - Let live update keep a file type.
 * @h: the handler, which stays registered for the kernel's lifetime.
 *
 * Context: Process context.
 * Return: 0, -EINVAL if @h lacks an operation or its compatible is empty
 * or too long, -EEXIST if a handler has the same compatible.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *h)
{
	const struct liveupdate_file_ops *ops = h->ops;
	size_t len = h->compatible ?
		strnlen(h->compatible, LIVEUPDATE_COMPAT_LENGTH) : 0;

	if (!ops || !ops->can_preserve || !ops->preserve || !ops->unpreserve ||
	    !ops->freeze || !ops->unfreeze || !ops->retrieve ||
	    !ops->can_finish || !ops->finish || !len ||
	    len == LIVEUPDATE_COMPAT_LENGTH)
		return -EINVAL;

	guard(mutex)(&luo.lock);
	if (luo_find_handler(h->compatible))
		return -EEXIST;
	list_add_tail(&h->list, &luo.handlers);
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

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

/*
 * Let go of the incoming session's files nobody retrieved, without
 * luo.lock: finish() may free much memory.  The caller marked @s
 * finished and counted itself in luo.busy; no retrieve runs.
 */
static void luo_session_finish_files(struct luo_session *s)
{
	struct luo_file *f;

	for (f = luo_file_first(s); f; f = luo_file_next(f)) {
		if (f->h)
			f->h->ops->finish(&f->lf);
		cond_resched();
	}
	guard(mutex)(&luo.lock);
	luo.busy--;
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
	luo_session_finish_files(s);
	return 0;
}

/*
 * Free an incoming session's files; the session itself stays known.  Only
 * its own fd's release and a rejected handover's drop get here, when
 * nothing else can reach the files.
 */
static void luo_incoming_free_files(struct luo_session *s)
{
	struct luo_file *f, *next;

	rbtree_postorder_for_each_entry_safe(f, next, &s->files, by_token) {
		if (f->lf.file)
			fput(f->lf.file);
		kfree(f);
	}
	s->files = RB_ROOT;
	s->nr_files = 0;
}

/**
 * luo_session_reap() - Unpreserve a closed session's files and free it.
 * @s: the session, unlinked, counted in luo.busy.
 *
 * Runs without luo.lock: unpreserve() may wait for a lock user space
 * holds.  Until it is done the files stay in luo.files, so that no
 * session can preserve them again meanwhile.
 */
void luo_session_reap(struct luo_session *s)
{
	struct luo_file *f, *next;

	rbtree_postorder_for_each_entry_safe(f, next, &s->files, by_token) {
		if (f->ready)
			f->h->ops->unpreserve(&f->lf);
		cond_resched();
	}

	/* Out of luo.files before fput(): a new file may get its address. */
	scoped_guard(mutex, &luo.lock) {
		rbtree_postorder_for_each_entry_safe(f, next, &s->files,
						     by_token) {
			rb_erase(&f->by_file, &luo.files);
			luo.nr_files--;
		}
		luo.busy--;
	}
	rbtree_postorder_for_each_entry_safe(f, next, &s->files, by_token) {
		fput(f->lf.file);
		kfree(f);
	}
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
			luo_session_finish_files(s);
		luo_incoming_free_files(s);
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

/*
 * Claim @file for @f in @s: check the rules and limits, and link @f so
 * that the file and the token are taken and the handover waits for the
 * preserve to end.
 */
static int luo_file_claim(struct luo_session *s, struct luo_file *f)
{
	int err;

	lockdep_assert_held(&luo.lock);
	if (luo.frozen)
		return -EBUSY;
	f->h = luo_handler_of(f->lf.file);
	if (!f->h)
		return -ENOENT;
	if (rb_find_add(&f->by_file, &luo.files, luo_file_cmp))
		return -EBUSY;
	err = -EEXIST;
	if (luo_find_token(s, f->lf.token))
		goto out_file;
	err = -ENOSPC;
	if (luo.nr_files >= LUO_MAX_FILES)
		goto out_file;
	rb_find_add(&f->by_token, &s->files, luo_token_cmp);
	strscpy(f->compatible, f->h->compatible, sizeof(f->compatible));
	s->nr_files++;
	luo.nr_files++;
	luo.busy++;
	return 0;

out_file:
	rb_erase(&f->by_file, &luo.files);
	return err;
}

/**
 * luo_session_preserve() - Preserve a file in an outgoing session.
 * @s: the session.
 * @file: the file; on success the session holds the caller's reference.
 * @token: the caller's name for it in @s.
 *
 * Return: 0, -EINVAL if @s is incoming, -EBUSY if the handover is frozen
 * or @file is preserved already, -EEXIST if @token is taken in @s,
 * -ENOENT if no handler takes @file, -ENOSPC if the handover holds as
 * many files as it may, -ENOMEM, or what the handler returned.
 */
int luo_session_preserve(struct luo_session *s, struct file *file,
			 u64 token)
{
	struct luo_file *f;
	int err;

	if (s->incoming)
		return -EINVAL;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->lf.file = file;
	f->lf.token = token;
	f->session = s;

	scoped_guard(mutex, &luo.lock)
		err = luo_file_claim(s, f);
	if (err) {
		kfree(f);
		return err;
	}

	err = f->h->ops->preserve(&f->lf);

	guard(mutex)(&luo.lock);
	luo.busy--;
	if (!err) {
		f->ready = true;
		return 0;
	}
	rb_erase(&f->by_token, &s->files);
	rb_erase(&f->by_file, &luo.files);
	s->nr_files--;
	luo.nr_files--;
	kfree(f);
	return err;
}

/* Errors of retrieve() that a later try may not meet. */
static bool luo_retrieve_transient(int err)
{
	return err == -ENOMEM || err == -ENFILE;
}

/**
 * luo_session_retrieve() - Get a file of an incoming session.
 * @s: the session.
 * @token: the file's token.
 * @filep: set to a new reference to the file.
 *
 * The file is made by its handler the first time, without luo.lock: that
 * may take long, and the reboot path takes the lock.  A failure other
 * than running short of memory or files stays: the same token fails the
 * same way again.
 *
 * Return: 0, -EINVAL if @s is outgoing or finished, -ENOENT for an unknown
 * token, -EBUSY while another call retrieves the same file, -EOPNOTSUPP if
 * this kernel has no handler for the file, or what the handler returned.
 */
int luo_session_retrieve(struct luo_session *s, u64 token,
			 struct file **filep)
{
	struct luo_file *f;
	int err;

	if (!s->incoming)
		return -EINVAL;
	scoped_guard(mutex, &luo.lock) {
		if (s->finished)
			return -EINVAL;
		f = luo_find_token(s, token);
		if (!f)
			return -ENOENT;
		if (f->retrieving)
			return -EBUSY;
		if (f->retrieve_err)
			return f->retrieve_err;
		if (f->lf.file) {
			*filep = get_file(f->lf.file);
			return 0;
		}
		if (!f->h)
			return -EOPNOTSUPP;
		f->retrieving = true;
		s->busy++;
		luo.busy++;
	}

	err = f->h->ops->retrieve(&f->lf);

	guard(mutex)(&luo.lock);
	f->retrieving = false;
	s->busy--;
	luo.busy--;
	if (!err && WARN_ON_ONCE(!f->lf.file))
		err = -EIO;
	if (err) {
		if (!luo_retrieve_transient(err))
			f->retrieve_err = err;
		return err;
	}
	*filep = get_file(f->lf.file);
	return 0;
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

/* Add a file read from the handover to @s; -EEXIST for a twin token. */
int luo_incoming_add_file(struct luo_session *s, struct luo_file *f)
{
	lockdep_assert_held(&luo.lock);
	if (rb_find_add(&f->by_token, &s->files, luo_token_cmp))
		return -EEXIST;
	f->session = s;
	s->nr_files++;
	return 0;
}

/* Forget every incoming session: the handover was rejected. */
void luo_incoming_drop(void)
{
	struct luo_session *s, *next;

	lockdep_assert_held(&luo.lock);
	rbtree_postorder_for_each_entry_safe(s, next, &luo.incoming, node) {
		luo_incoming_free_files(s);
		kfree(s);
	}
	luo.incoming = RB_ROOT;
}
