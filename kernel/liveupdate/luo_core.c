// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update's core: the liveupdate= switch, and /dev/liveupdate, the
 * agent's device.  It turns the ioctls of the device and of session file
 * descriptors into calls on the sessions (luo_session.c) and their files
 * (luo_file.c), and has the first open read what the previous kernel
 * handed over (luo_handover.c).
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

#include "luo_internal.h"

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

/**
 * liveupdate_nr_sessions() - How many sessions the next kexec would carry.
 *
 * KHO asks, to refuse a kexec that would drop them without a word.
 *
 * Context: Any context; the count may change as soon as it is read.
 * Return: the number of sessions open for the next kernel.
 */
unsigned long liveupdate_nr_sessions(void)
{
	return READ_ONCE(luo.nr_outgoing);
}

/* Every argument, for one buffer on the stack. */
union luo_ioctl_arg {
	struct liveupdate_ioctl_create_session create;
	struct liveupdate_ioctl_retrieve_session retrieve;
	struct liveupdate_session_preserve_fd preserve;
	struct liveupdate_session_retrieve_fd retrieve_fd;
	struct liveupdate_session_finish finish;
	struct liveupdate_session_get_name get_name;
};

/* An ioctl's argument: where the caller has it, its size, our copy. */
struct luo_ucmd {
	void __user *ubuf;
	u32 usize;
	union luo_ioctl_arg *arg;
};

/* Copy the answer back, no more than the caller's size of it. */
static int luo_respond(struct luo_ucmd *u, size_t ksize)
{
	if (copy_to_user(u->ubuf, u->arg, min_t(size_t, ksize, u->usize)))
		return -EFAULT;
	return 0;
}

/*
 * Give @file a close-on-exec fd and tell the caller through @u, the fd in
 * *@fdp.  The fd exists only if the answer reached the caller; on failure
 * the caller still holds @file.
 */
static int luo_install_fd(struct luo_ucmd *u, size_t ksize, __s32 *fdp,
			  struct file *file)
{
	int fd, err;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	*fdp = fd;
	err = luo_respond(u, ksize);
	if (err) {
		put_unused_fd(fd);
		return err;
	}
	fd_install(fd, file);
	return 0;
}

/* A name must be NUL-terminated and not empty. */
static bool luo_name_ok(const u8 *name)
{
	size_t len = strnlen(name, LIVEUPDATE_SESSION_NAME_LENGTH);

	return len && len < LIVEUPDATE_SESSION_NAME_LENGTH;
}

static int luo_ioctl_preserve_fd(struct luo_session *s, struct luo_ucmd *u)
{
	struct liveupdate_session_preserve_fd *arg = &u->arg->preserve;
	struct file *file;
	int err;

	file = fget(arg->fd);
	if (!file)
		return -EBADF;
	err = luo_file_preserve(s, file, arg->token);
	if (err)
		fput(file);
	return err;
}

static int luo_ioctl_retrieve_fd(struct luo_session *s, struct luo_ucmd *u)
{
	struct liveupdate_session_retrieve_fd *arg = &u->arg->retrieve_fd;
	struct file *file;
	int err;

	err = luo_file_retrieve(s, arg->token, &file);
	if (err)
		return err;
	err = luo_install_fd(u, sizeof(*arg), &arg->fd, file);
	if (err)
		fput(file);
	return err;
}

static int luo_ioctl_finish(struct luo_session *s, struct luo_ucmd *u)
{
	if (u->arg->finish.reserved)
		return -EINVAL;
	return luo_session_finish(s);
}

static int luo_ioctl_get_name(struct luo_session *s, struct luo_ucmd *u)
{
	struct liveupdate_session_get_name *arg = &u->arg->get_name;

	if (arg->reserved)
		return -EINVAL;
	/* NUL-padded since it was made: nothing the creator left after it. */
	memcpy(arg->name, s->name, sizeof(arg->name));
	return luo_respond(u, sizeof(*arg));
}

static int luo_session_file_release(struct inode *inode, struct file *file)
{
	/* NULL: the fd never reached the caller, who undid the retrieve. */
	if (file->private_data)
		luo_session_release(file->private_data);
	return 0;
}

struct luo_ioctl_op {
	unsigned int size;
	int (*fn)(struct luo_session *s, struct luo_ucmd *u);
};

/*
 * Run the ioctl @cmd from @ops, numbered from @base: read its argument by
 * the size rules every argument follows (the caller's size first; below
 * ours -EINVAL, non-zero bytes past ours -E2BIG), then call it.
 */
static long luo_dispatch(const struct luo_ioctl_op *ops, unsigned int n,
			 unsigned int base, unsigned int cmd,
			 struct luo_session *s, unsigned long uarg)
{
	unsigned int nr = _IOC_NR(cmd) - base;
	const struct luo_ioctl_op *op;
	union luo_ioctl_arg arg;
	struct luo_ucmd u = { .ubuf = (void __user *)uarg, .arg = &arg };
	int err;

	if (cmd != _IO(LIVEUPDATE_IOCTL_TYPE, _IOC_NR(cmd)) ||
	    _IOC_NR(cmd) < base || nr >= n)
		return -ENOTTY;
	op = &ops[nr];
	if (get_user(u.usize, (u32 __user *)u.ubuf))
		return -EFAULT;
	if (u.usize < op->size)
		return -EINVAL;
	err = copy_struct_from_user(&arg, op->size, u.ubuf, u.usize);
	if (err)
		return err;
	return op->fn(s, &u);
}

static const struct luo_ioctl_op luo_session_ops[] = {
	{ sizeof(struct liveupdate_session_preserve_fd), luo_ioctl_preserve_fd },
	{ sizeof(struct liveupdate_session_retrieve_fd), luo_ioctl_retrieve_fd },
	{ sizeof(struct liveupdate_session_finish), luo_ioctl_finish },
	{ sizeof(struct liveupdate_session_get_name), luo_ioctl_get_name },
};

static long luo_session_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return luo_dispatch(luo_session_ops, ARRAY_SIZE(luo_session_ops),
			    LIVEUPDATE_CMD_SESSION_BASE, cmd,
			    file->private_data, arg);
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_file_release,
	.unlocked_ioctl = luo_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct file *luo_session_file(struct luo_session *s)
{
	return anon_inode_getfile("[liveupdate_session]", &luo_session_fops,
				  s, O_RDWR);
}

static int luo_ioctl_create_session(struct luo_session *unused,
				    struct luo_ucmd *u)
{
	struct liveupdate_ioctl_create_session *arg = &u->arg->create;
	struct luo_session *s;
	struct file *file;
	int err;

	s = luo_session_alloc(arg->name);
	if (IS_ERR(s))
		return PTR_ERR(s);
	file = luo_session_file(s);
	if (IS_ERR(file)) {
		kfree(s);
		return PTR_ERR(file);
	}
	/* From here on, the file's release undoes whatever was done. */
	err = luo_session_create(s) ?:
	      luo_install_fd(u, sizeof(*arg), &arg->fd, file);
	if (err)
		fput(file);
	return err;
}

static int luo_ioctl_retrieve_session(struct luo_session *unused,
				      struct luo_ucmd *u)
{
	struct liveupdate_ioctl_retrieve_session *arg = &u->arg->retrieve;
	struct luo_session *s;
	struct file *file;
	int err;

	if (!luo_name_ok(arg->name))
		return -EINVAL;
	s = luo_session_get(arg->name);
	if (IS_ERR(s))
		return PTR_ERR(s);
	file = luo_session_file(s);
	if (IS_ERR(file)) {
		luo_session_unget(s);
		return PTR_ERR(file);
	}
	err = luo_install_fd(u, sizeof(*arg), &arg->fd, file);
	if (err) {
		/* Not a close: the session may still be retrieved. */
		file->private_data = NULL;
		fput(file);
		luo_session_unget(s);
	}
	return err;
}

static const struct luo_ioctl_op luo_dev_ops[] = {
	{ sizeof(struct liveupdate_ioctl_create_session),
	  luo_ioctl_create_session },
	{ sizeof(struct liveupdate_ioctl_retrieve_session),
	  luo_ioctl_retrieve_session },
};

static long luo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return luo_dispatch(luo_dev_ops, ARRAY_SIZE(luo_dev_ops),
			    LIVEUPDATE_CMD_BASE, cmd, NULL, arg);
}

/*
 * One opener at a time.  The first open reads the previous kernel's
 * handover; if that fails, the log says why and only the lost sessions
 * are missing: the device works for the next live update.
 */
static int luo_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&luo_opened, 0, 1))
		return -EBUSY;
	luo_incoming_read();
	return 0;
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

	/* The layouts and numbers mainline's programs are built with. */
	BUILD_BUG_ON(sizeof(struct liveupdate_ioctl_create_session) != 72);
	BUILD_BUG_ON(sizeof(struct liveupdate_ioctl_retrieve_session) != 72);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_preserve_fd) != 16);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_retrieve_fd) != 16);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_finish) != 8);
	BUILD_BUG_ON(sizeof(struct liveupdate_session_get_name) != 72);
	BUILD_BUG_ON(LIVEUPDATE_IOCTL_CREATE_SESSION != 0xBA00);
	BUILD_BUG_ON(LIVEUPDATE_IOCTL_RETRIEVE_SESSION != 0xBA01);
	BUILD_BUG_ON(LIVEUPDATE_SESSION_PRESERVE_FD != 0xBA40);
	BUILD_BUG_ON(LIVEUPDATE_SESSION_GET_NAME != 0xBA43);

	if (!luo_enable)
		return 0;
	if (!kho_is_enabled()) {
		pr_warn("needs kexec handover (kho=on): live update stays off\n");
		return 0;
	}
	err = luo_handover_init();
	if (err) {
		pr_err("cannot join the handover: %pe\n", ERR_PTR(err));
		return err;
	}
	err = misc_register(&luo_dev);
	if (err) {
		pr_err("cannot register /dev/liveupdate: %pe\n", ERR_PTR(err));
		return err;
	}
	luo_on = true;
	pr_info("/dev/liveupdate ready\n");
	return 0;
}
late_initcall(luo_init);
