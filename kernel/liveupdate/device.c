// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/liveupdate: the agent's device.  It owns the sessions, the files
 * preserved in them and the handlers of file types, and answers the
 * ioctls of the device and of session file descriptors.  What crosses the
 * kexec is handover.c's.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

struct luo_state luo = {
	.lock = __MUTEX_INITIALIZER(luo.lock),
	.handlers = LIST_HEAD_INIT(luo.handlers),
	.outgoing = LIST_HEAD_INIT(luo.outgoing),
	.incoming = LIST_HEAD_INIT(luo.incoming),
};

static bool luo_enable;
static bool luo_on;
static atomic_t luo_opened = ATOMIC_INIT(0);

static int __init luo_setup(char *arg)
{
	if (!arg || kstrtobool(arg, &luo_enable))
		pr_warn("liveupdate=%s: not a boolean; use liveupdate=on or liveupdate=off\n",
			arg ?: "");
	return 0;
}
early_param("liveupdate", luo_setup);

/**
 * liveupdate_enabled() - Whether live update runs in this kernel.
 *
 * Return: true if it was turned on with liveupdate= and KHO is on.
 */
bool liveupdate_enabled(void)
{
	return luo_on;
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

struct liveupdate_file_handler *luo_find_handler(const char *compatible)
{
	struct liveupdate_file_handler *h;

	list_for_each_entry(h, &luo.handlers, list)
		if (!strcmp(h->compatible, compatible))
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
	int err = 0;

	if (!ops || !ops->can_preserve || !ops->preserve || !ops->unpreserve ||
	    !ops->freeze || !ops->unfreeze || !ops->retrieve ||
	    !ops->can_finish || !ops->finish || !len ||
	    len == LIVEUPDATE_COMPAT_LENGTH)
		return -EINVAL;
	mutex_lock(&luo.lock);
	if (luo_find_handler(h->compatible))
		err = -EEXIST;
	else
		list_add_tail(&h->list, &luo.handlers);
	mutex_unlock(&luo.lock);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/*
 * Read an argument that starts with its size: below @ksize is -EINVAL,
 * non-zero bytes past it -E2BIG.  *@usize gets the caller's size.
 */
static int luo_get_arg(void *karg, size_t ksize, unsigned long uarg,
		       u32 *usize)
{
	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < ksize)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, (void __user *)uarg, *usize);
}

static int luo_put_arg(unsigned long uarg, const void *karg, size_t ksize,
		       u32 usize)
{
	return copy_to_user((void __user *)uarg, karg, min_t(size_t, ksize, usize)) ?
		-EFAULT : 0;
}

/* A name must be NUL-terminated and not empty. */
static bool luo_name_ok(const u8 *name)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);

	return len && len < LIVEUPDATE_SESSION_NAME_LENGTH;
}

static struct luo_session *luo_find_session(struct list_head *list,
					    const char *name)
{
	struct luo_session *s;

	list_for_each_entry(s, list, list)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static struct luo_file *luo_find_token(struct luo_session *s, u64 token)
{
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list)
		if (f->lf.token == token)
			return f;
	return NULL;
}

static bool luo_file_preserved(struct file *file)
{
	struct luo_session *s;
	struct luo_file *f;

	list_for_each_entry(s, &luo.outgoing, list)
		list_for_each_entry(f, &s->files, list)
			if (f->lf.file == file)
				return true;
	return false;
}

void luo_file_unpreserve(struct luo_file *f)
{
	f->h->ops->unpreserve(&f->lf);
	fput(f->lf.file);
	list_del(&f->list);
	kfree(f);
}

static void luo_session_free_files(struct luo_session *s)
{
	struct luo_file *f, *next;

	list_for_each_entry_safe(f, next, &s->files, list) {
		if (s->incoming) {
			if (f->lf.file)
				fput(f->lf.file);
			list_del(&f->list);
			kfree(f);
		} else {
			luo_file_unpreserve(f);
		}
	}
	s->nr_files = 0;
}

void luo_session_free(struct luo_session *s)
{
	luo_session_free_files(s);
	list_del(&s->list);
	kfree(s);
}

/* Hand out the incoming session's files that were never retrieved. */
static int luo_session_finish(struct luo_session *s, bool check)
{
	struct luo_file *f;

	if (s->finished)
		return -EINVAL;
	list_for_each_entry(f, &s->files, list)
		if (check && f->h && !f->h->ops->can_finish(&f->lf))
			return -EBUSY;
	list_for_each_entry(f, &s->files, list)
		if (f->h)
			f->h->ops->finish(&f->lf);
	s->finished = true;
	return 0;
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	mutex_lock(&luo.lock);
	if (s->incoming) {
		/*
		 * Closing a retrieved session finishes it; its name stays, so
		 * that retrieving it again says it was.
		 */
		if (!s->finished)
			luo_session_finish(s, false);
		luo_session_free_files(s);
	} else if (luo.frozen) {
		/* Written into the handover: kept until the kexec or abort. */
		s->closed = true;
	} else {
		luo_session_free(s);
	}
	mutex_unlock(&luo.lock);
	return 0;
}

static int luo_preserve_fd(struct luo_session *s, unsigned long uarg)
{
	struct liveupdate_session_preserve_fd arg;
	struct liveupdate_file_handler *h;
	struct luo_file *f;
	struct file *file;
	u32 usize;
	int err;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (s->incoming)
		return -EINVAL;
	file = fget(arg.fd);
	if (!file)
		return -EBADF;

	mutex_lock(&luo.lock);
	err = -EBUSY;
	if (luo.frozen || luo_file_preserved(file))
		goto out;
	err = -EEXIST;
	if (luo_find_token(s, arg.token))
		goto out;
	err = -ENOENT;
	list_for_each_entry(h, &luo.handlers, list)
		if (h->ops->can_preserve(file))
			break;
	if (list_entry_is_head(h, &luo.handlers, list))
		goto out;
	err = -ENOMEM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		goto out;
	f->h = h;
	f->lf.file = file;
	f->lf.token = arg.token;
	strscpy(f->compatible, h->compatible, sizeof(f->compatible));
	err = h->ops->preserve(&f->lf);
	if (err) {
		kfree(f);
		goto out;
	}
	list_add_tail(&f->list, &s->files);
	s->nr_files++;
	file = NULL;
out:
	mutex_unlock(&luo.lock);
	if (file)
		fput(file);
	return err;
}

static int luo_retrieve_fd(struct luo_session *s, unsigned long uarg)
{
	struct liveupdate_session_retrieve_fd arg;
	struct luo_file *f;
	struct file *file;
	u32 usize;
	int err, fd;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (!s->incoming)
		return -EINVAL;

	mutex_lock(&luo.lock);
	err = -EINVAL;
	if (s->finished)
		goto out;
	err = -ENOENT;
	f = luo_find_token(s, arg.token);
	if (!f)
		goto out;
	err = f->retrieve_err;
	if (err)
		goto out;
	if (!f->lf.file) {
		err = f->h ? f->h->ops->retrieve(&f->lf) : -EOPNOTSUPP;
		if (!err && WARN_ON_ONCE(!f->lf.file))
			err = -EIO;
		if (err) {
			f->retrieve_err = err;
			goto out;
		}
	}
	file = get_file(f->lf.file);
out:
	mutex_unlock(&luo.lock);
	if (err)
		return err;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(file);
		return fd;
	}
	arg.fd = fd;
	err = luo_put_arg(uarg, &arg, sizeof(arg), usize);
	if (err) {
		put_unused_fd(fd);
		fput(file);
		return err;
	}
	fd_install(fd, file);
	return 0;
}

static int luo_finish(struct luo_session *s, unsigned long uarg)
{
	struct liveupdate_session_finish arg;
	u32 usize;
	int err;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (arg.reserved || !s->incoming)
		return -EINVAL;
	mutex_lock(&luo.lock);
	err = luo_session_finish(s, true);
	mutex_unlock(&luo.lock);
	return err ?: luo_put_arg(uarg, &arg, sizeof(arg), usize);
}

static int luo_get_name(struct luo_session *s, unsigned long uarg)
{
	struct liveupdate_session_get_name arg;
	u32 usize;
	int err;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (arg.reserved)
		return -EINVAL;
	memcpy(arg.name, s->name, sizeof(arg.name));
	return luo_put_arg(uarg, &arg, sizeof(arg), usize);
}

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct luo_session *s = file->private_data;

	switch (cmd) {
	case LIVEUPDATE_SESSION_PRESERVE_FD:
		return luo_preserve_fd(s, arg);
	case LIVEUPDATE_SESSION_RETRIEVE_FD:
		return luo_retrieve_fd(s, arg);
	case LIVEUPDATE_SESSION_FINISH:
		return luo_finish(s, arg);
	case LIVEUPDATE_SESSION_GET_NAME:
		return luo_get_name(s, arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Undo creating or retrieving @s, which got no file. */
static void luo_session_unget(struct luo_session *s)
{
	mutex_lock(&luo.lock);
	if (s->incoming)
		s->retrieved = false;
	else
		luo_session_free(s);
	mutex_unlock(&luo.lock);
}

/* Give @s a file descriptor and tell the caller; on failure undo @s. */
static int luo_session_fd(struct luo_session *s, unsigned long uarg,
			  struct liveupdate_ioctl_create_session *arg,
			  u32 usize)
{
	struct file *file;
	int fd, err;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		luo_session_unget(s);
		return fd;
	}
	file = anon_inode_getfile("[liveupdate_session]", &luo_session_fops, s,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		luo_session_unget(s);
		return PTR_ERR(file);
	}
	arg->fd = fd;
	err = luo_put_arg(uarg, arg, sizeof(*arg), usize);
	if (err) {
		/* Its release frees or finishes the session. */
		put_unused_fd(fd);
		fput(file);
		return err;
	}
	fd_install(fd, file);
	return 0;
}

static int luo_create_session(unsigned long uarg)
{
	struct liveupdate_ioctl_create_session arg;
	struct luo_session *s;
	u32 usize;
	int err;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (!luo_name_ok(arg.name))
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	memcpy(s->name, arg.name, sizeof(s->name));
	INIT_LIST_HEAD(&s->files);

	mutex_lock(&luo.lock);
	if (luo.frozen)
		err = -EBUSY;
	else if (luo_find_session(&luo.outgoing, s->name))
		err = -EEXIST;
	else
		list_add_tail(&s->list, &luo.outgoing);
	mutex_unlock(&luo.lock);
	if (err) {
		kfree(s);
		return err;
	}
	return luo_session_fd(s, uarg, &arg, usize);
}

static int luo_retrieve_session(unsigned long uarg)
{
	struct liveupdate_ioctl_create_session arg;
	struct luo_session *s;
	u32 usize;
	int err = 0;

	err = luo_get_arg(&arg, sizeof(arg), uarg, &usize);
	if (err)
		return err;
	if (!luo_name_ok(arg.name))
		return -EINVAL;
	mutex_lock(&luo.lock);
	s = luo_find_session(&luo.incoming, arg.name);
	if (!s)
		err = -ENOENT;
	else if (s->retrieved)
		err = -EINVAL;
	else
		s->retrieved = true;
	mutex_unlock(&luo.lock);
	return err ?: luo_session_fd(s, uarg, &arg, usize);
}

static long luo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case LIVEUPDATE_IOCTL_CREATE_SESSION:
		return luo_create_session(arg);
	case LIVEUPDATE_IOCTL_RETRIEVE_SESSION:
		return luo_retrieve_session(arg);
	default:
		return -ENOTTY;
	}
}

static int luo_open(struct inode *inode, struct file *file)
{
	int err;

	if (atomic_cmpxchg(&luo_opened, 0, 1))
		return -EBUSY;
	mutex_lock(&luo.lock);
	err = luo_incoming_read();
	mutex_unlock(&luo.lock);
	if (err)
		atomic_set(&luo_opened, 0);
	return err;
}

static int luo_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_opened, 0);
	return 0;
}

static const struct file_operations luo_fops = {
	.owner = THIS_MODULE,
	.open = luo_open,
	.release = luo_release,
	.unlocked_ioctl = luo_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice luo_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_fops,
	.mode = 0600,
};

static int __init luo_init(void)
{
	int err;

	/* The layouts mainline's programs are built with. */
	BUILD_BUG_ON(sizeof(struct liveupdate_ioctl_create_session) != 72);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_preserve_fd) != 16);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_retrieve_fd) != 16);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_finish) != 8);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_get_name) != 72);
	BUILD_BUG_ON(LIVEUPDATE_IOCTL_CREATE_SESSION != 0xBA00);
	BUILD_BUG_ON(LIVEUPDATE_SESSION_GET_NAME != 0xBA43);

	if (!luo_enable)
		return 0;
	if (!kho_is_enabled()) {
		pr_warn("needs kexec handover (kho=on): live update stays off\n");
		return 0;
	}
	err = luo_handover_init();
	if (err) {
		pr_err("cannot join the handover: %d\n", err);
		return err;
	}
	err = misc_register(&luo_dev);
	if (err) {
		pr_err("cannot register /dev/liveupdate: %d\n", err);
		return err;
	}
	luo_on = true;
	pr_info("/dev/liveupdate ready\n");
	return 0;
}
late_initcall(luo_init);
