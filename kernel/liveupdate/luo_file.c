// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update: the files of a session and the handlers that preserve and
 * retrieve each type of file.  A file is preserved, unpreserved, retrieved
 * and finished by its handler without luo.lock, marked under it; see
 * "Sessions and their files" in luo_session.c.
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
 * luo_file_preserve() - Preserve a file in an outgoing session.
 * @s: the session.
 * @file: the file; on success the session holds the caller's reference.
 * @token: the caller's name for it in @s.
 *
 * Return: 0, -EINVAL if @s is incoming, -EBUSY if the handover is frozen
 * or @file is preserved already, -EEXIST if @token is taken in @s,
 * -ENOENT if no handler takes @file, -ENOSPC if the handover holds as
 * many files as it may, -ENOMEM, or what the handler returned.
 */
int luo_file_preserve(struct luo_session *s, struct file *file, u64 token)
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
 * luo_file_retrieve() - Get a file of an incoming session.
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
int luo_file_retrieve(struct luo_session *s, u64 token, struct file **filep)
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

/* Add a file read from the handover to @s; -EEXIST for a twin token. */
int luo_file_add_incoming(struct luo_session *s, struct luo_file *f)
{
	lockdep_assert_held(&luo.lock);
	if (rb_find_add(&f->by_token, &s->files, luo_token_cmp))
		return -EEXIST;
	f->session = s;
	s->nr_files++;
	return 0;
}

/**
 * luo_files_finish() - Let go of an incoming session's files.
 * @s: the session, marked finished by the caller, who counted itself in
 *	luo.busy: no retrieve runs.
 *
 * Runs without luo.lock: finish() may free much memory.  Drops the
 * caller's count in luo.busy.
 */
void luo_files_finish(struct luo_session *s)
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
 * luo_files_free() - Free an incoming session's files.
 * @s: the session, which stays known.
 *
 * Only its own fd's release and a rejected handover's drop get here, when
 * nothing else can reach the files.
 */
void luo_files_free(struct luo_session *s)
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
 * luo_files_unpreserve() - Unpreserve a closed session's files, free them.
 * @s: the session, unlinked; the caller counted itself in luo.busy.
 *
 * Runs without luo.lock: unpreserve() may wait for a lock user space
 * holds.  Until it is done the files stay in luo.files, so that no
 * session can preserve them again meanwhile.  Drops the caller's count in
 * luo.busy.
 */
void luo_files_unpreserve(struct luo_session *s)
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
	s->files = RB_ROOT;
	s->nr_files = 0;
}
