// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/liveupdate without a kexec: the device's rules, session and file
 * errors, the argument size rules, and what preserving does to a memfd.
 * Needs a kernel booted with kho=on liveupdate=on.
 */
#include "liveupdate.h"

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest_harness.h"

/* Newer than the libc headers of some distributions. */
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

static int open_dev(struct __test_metadata *_metadata)
{
	int dev = open(LIVEUPDATE_DEV, O_RDWR);

	if (dev < 0 && errno == ENOENT)
		SKIP(return -1, "no " LIVEUPDATE_DEV ": boot with liveupdate=on");
	ASSERT_LE(0, dev);
	return dev;
}

static int new_memfd(size_t size, unsigned int flags)
{
	int fd = memfd_create("lu-test", flags);

	if (fd >= 0 && ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(open_twice)
{
	int dev = open_dev(_metadata), again;

	again = open(LIVEUPDATE_DEV, O_RDWR);
	EXPECT_EQ(-1, again);
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, close(dev));
	dev = open(LIVEUPDATE_DEV, O_RDWR);
	EXPECT_LE(0, dev);
	close(dev);
}

TEST(device_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(LIVEUPDATE_DEV, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(duplicate_session)
{
	int dev = open_dev(_metadata), a, b;

	a = lu_create(dev, "dup");
	ASSERT_LE(0, a);
	EXPECT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	b = lu_create(dev, "dup");
	EXPECT_EQ(-EEXIST, b);
	/* Closing a session frees its name. */
	close(a);
	b = lu_create(dev, "dup");
	EXPECT_LE(0, b);
	close(b);
	close(dev);
}

TEST(bad_names)
{
	int dev = open_dev(_metadata);
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };

	EXPECT_EQ(-EINVAL, lu_create(dev, ""));
	memset(arg.name, 'x', sizeof(arg.name));
	EXPECT_EQ(-1, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, lu_retrieve(dev, ""));
	close(dev);
}

TEST(struct_size)
{
	int dev = open_dev(_metadata), s;
	struct {
		struct liveupdate_ioctl_create_session arg;
		uint64_t tail;
	} big = { .arg.size = sizeof(big) };
	struct liveupdate_session_get_name name = { .size = sizeof(name) };

	big.arg.size = sizeof(big.arg) - 1;
	memcpy(big.arg.name, "size", 5);
	EXPECT_EQ(-1, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_EQ(EINVAL, errno);
	big.arg.size = sizeof(big);
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	EXPECT_EQ(E2BIG, errno);
	/* A larger struct with a zero tail is fine. */
	big.tail = 0;
	ASSERT_EQ(0, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &big));
	s = big.arg.fd;
	ASSERT_LE(0, s);

	ASSERT_EQ(0, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &name));
	EXPECT_STREQ("size", (char *)name.name);
	name.reserved = 1;
	EXPECT_EQ(-1, ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &name));
	EXPECT_EQ(EINVAL, errno);
	close(s);
	close(dev);
}

TEST(unknown_ioctl)
{
	int dev = open_dev(_metadata), s;

	EXPECT_EQ(-1, ioctl(dev, _IO(LIVEUPDATE_IOCTL_TYPE, 0x20), 0));
	EXPECT_EQ(ENOTTY, errno);
	s = lu_create(dev, "ioctl");
	ASSERT_LE(0, s);
	EXPECT_EQ(-1, ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x44), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(s);
	close(dev);
}

TEST(unsupported_fd)
{
	int dev = open_dev(_metadata), s, null;

	s = lu_create(dev, "unsupported");
	ASSERT_LE(0, s);
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	EXPECT_EQ(-ENOENT, lu_preserve(s, null, 1));
	EXPECT_EQ(-EBADF, lu_preserve(s, 9999, 1));
	close(null);
	close(s);
	close(dev);
}

TEST(double_preservation)
{
	int dev = open_dev(_metadata), a, b, m, m2;

	a = lu_create(dev, "double-a");
	b = lu_create(dev, "double-b");
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	m = new_memfd(8192, 0);
	m2 = new_memfd(4096, 0);
	ASSERT_LE(0, m);
	ASSERT_LE(0, m2);
	ASSERT_EQ(0, lu_preserve(a, m, 1));
	EXPECT_EQ(-EBUSY, lu_preserve(a, m, 2));
	EXPECT_EQ(-EBUSY, lu_preserve(b, m, 1));
	EXPECT_EQ(-EEXIST, lu_preserve(a, m2, 1));
	EXPECT_EQ(0, lu_preserve(b, m2, 1));
	close(m);
	close(m2);
	close(a);
	close(b);
	close(dev);
}

TEST(outgoing_only)
{
	int dev = open_dev(_metadata), s;

	s = lu_create(dev, "outgoing");
	ASSERT_LE(0, s);
	EXPECT_EQ(-EINVAL, lu_retrieve_fd(s, 1));
	EXPECT_EQ(-EINVAL, lu_finish(s));
	EXPECT_EQ(-ENOENT, lu_retrieve(dev, "no-such-session"));
	close(s);
	close(dev);
}

TEST(preserved_memfd_fixed_size)
{
	int dev = open_dev(_metadata), s, m;
	char buf[16] = "inside";

	s = lu_create(dev, "fixed");
	ASSERT_LE(0, s);
	m = new_memfd(3 * 4096, 0);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, lu_preserve(s, m, 7));
	EXPECT_EQ(-1, ftruncate(m, 4096));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(m, 8 * 4096));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(m, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, 4096));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, pwrite(m, buf, sizeof(buf), 3 * 4096));
	EXPECT_EQ(EPERM, errno);
	/* A write across the end stops at it. */
	EXPECT_EQ(8, pwrite(m, buf, sizeof(buf), 3 * 4096 - 8));
	EXPECT_EQ((ssize_t)sizeof(buf), pwrite(m, buf, sizeof(buf), 100));

	/* Closing the session unpreserves: the size may change again. */
	close(s);
	EXPECT_EQ(0, ftruncate(m, 4096));
	s = lu_create(dev, "fixed");
	ASSERT_LE(0, s);
	EXPECT_EQ(0, lu_preserve(s, m, 7));
	close(s);
	close(m);
	close(dev);
}

/*
 * Unevictable while preserved, as under SHM_LOCK: reclaim asked to page
 * the memfd out leaves it mapped and moves its folios to the unevictable
 * LRU; once the session is closed they are evictable again.  Without the
 * mapping flag, reclaim unmaps the folios and leaves them evictable (the
 * preserve's reference keeps them in memory).  The counters lag by what
 * the CPUs have not folded in yet: 2 MiB of slack, on one CPU so that
 * one per-CPU batch holds what is not counted yet.
 */
TEST(preserved_memfd_unevictable)
{
	int dev = open_dev(_metadata), s, m;
	long before, preserved, after, rss;
	size_t size = 32 << 20, i;
	cpu_set_t cpu;
	char *p;

	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));

	m = new_memfd(size, 0);
	ASSERT_LE(0, m);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < size; i += 4096)
		p[i] = i >> 12;
	before = lu_meminfo_kb("Unevictable");
	ASSERT_LE(0, before);
	s = lu_create(dev, "locked");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, lu_preserve(s, m, 1));
	rss = lu_file_value("/proc/self/status", "RssShmem");
	ASSERT_LE(30 << 10, rss);
	ASSERT_EQ(0, madvise(p, size, MADV_PAGEOUT));
	preserved = lu_meminfo_kb("Unevictable");
	EXPECT_LE(before + (30 << 10), preserved);
	/* Still mapped: nothing was unmapped to be faulted back. */
	EXPECT_GE(lu_file_value("/proc/self/status", "RssShmem") + (2 << 10),
		  rss);
	for (i = 0; i < size; i += 4096)
		if (p[i] != (char)(i >> 12))
			break;
	EXPECT_EQ(size, i);
	close(s);
	after = lu_meminfo_kb("Unevictable");
	EXPECT_GE(before + (2 << 10), after);
	TH_LOG("Unevictable %ld kB, preserved after MADV_PAGEOUT %ld kB, released %ld kB",
	       before, preserved, after);
	munmap(p, size);
	close(m);
	close(dev);
}

TEST(hugetlb_memfd)
{
	int dev = open_dev(_metadata), s, m;

	m = memfd_create("lu-huge", MFD_HUGETLB);
	if (m < 0)
		SKIP(close(dev); return, "no hugetlb memfd here");
	s = lu_create(dev, "huge");
	ASSERT_LE(0, s);
	EXPECT_EQ(-ENOENT, lu_preserve(s, m, 1));
	close(m);
	close(s);
	close(dev);
}

/*
 * A memfd whose holes could never be filled is refused at once, and one
 * too large for the handover's arrays with EFBIG, not a kernel warning.
 */
TEST(memfd_too_large)
{
	int dev = open_dev(_metadata), s, m;

	s = lu_create(dev, "too-large");
	ASSERT_LE(0, s);
	m = new_memfd(0, 0);
	ASSERT_LE(0, m);
	ASSERT_EQ(0, ftruncate(m, 1UL << 36));		/* 64 GiB */
	EXPECT_EQ(-ENOMEM, lu_preserve(s, m, 1));
	ASSERT_EQ(0, ftruncate(m, 1UL << 41));		/* 2 TiB */
	EXPECT_EQ(-EFBIG, lu_preserve(s, m, 1));
	/* Nothing stayed preserved: the size may change. */
	EXPECT_EQ(0, ftruncate(m, 4096));
	EXPECT_EQ(0, lu_preserve(s, m, 1));
	close(m);
	close(s);
	close(dev);
}

/* A session whose fd never reached the caller is undone, name and all. */
TEST(create_session_efault)
{
	int dev = open_dev(_metadata), s;
	struct liveupdate_ioctl_create_session *arg;

	arg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arg);
	arg->size = sizeof(*arg);
	memcpy(arg->name, "efault", 7);
	ASSERT_EQ(0, mprotect(arg, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, arg));
	EXPECT_EQ(EFAULT, errno);
	s = lu_create(dev, "efault");
	EXPECT_LE(0, s);
	close(s);
	munmap(arg, 4096);
	close(dev);
}

/* Nothing the creator passed after the name's NUL comes back. */
TEST(get_name_padded)
{
	int dev = open_dev(_metadata), s, i;
	struct liveupdate_ioctl_create_session arg = { .size = sizeof(arg) };
	uint8_t name[LIVEUPDATE_SESSION_NAME_LENGTH];

	memset(arg.name, 'x', sizeof(arg.name));
	memcpy(arg.name, "padded", 7);
	ASSERT_EQ(0, ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &arg));
	s = arg.fd;
	memset(name, 0xa5, sizeof(name));
	ASSERT_EQ(0, lu_get_name(s, name));
	EXPECT_STREQ("padded", (char *)name);
	for (i = 6; i < LIVEUPDATE_SESSION_NAME_LENGTH; i++)
		EXPECT_EQ(0, name[i]);
	close(s);
	close(dev);
}

/* The same memfd through a second open file is still the same memfd. */
TEST(same_memfd_reopened)
{
	int dev = open_dev(_metadata), s, m, again;
	char path[64];

	s = lu_create(dev, "reopened");
	ASSERT_LE(0, s);
	m = new_memfd(4096, 0);
	ASSERT_LE(0, m);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	again = open(path, O_RDWR);
	ASSERT_LE(0, again);
	ASSERT_EQ(0, lu_preserve(s, m, 1));
	EXPECT_EQ(-EBUSY, lu_preserve(s, again, 2));
	close(s);
	/* Released with the session: preserving it again works. */
	s = lu_create(dev, "reopened");
	ASSERT_LE(0, s);
	EXPECT_EQ(0, lu_preserve(s, again, 2));
	close(again);
	close(m);
	close(s);
	close(dev);
}

#define KHO_OUT "/sys/kernel/debug/kho/out/"

struct blocked_write {
	int fd;
	void *buf;
	ssize_t ret;
};

/* A write whose source faults on a userfaultfd range nobody serves. */
static void *write_blocked(void *arg)
{
	struct blocked_write *w = arg;

	w->ret = write(w->fd, w->buf, 4096);
	return NULL;
}

struct preserve_call {
	int session, fd, ret, done;
};

static void *preserve_thread(void *arg)
{
	struct preserve_call *p = arg;

	p->ret = lu_preserve(p->session, p->fd, 1);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Freezing the handover, which the kexec reboot does, must not wait for a
 * lock user space holds: a preserve waiting for a memfd's inode lock,
 * held by a write that faults on a userfaultfd range, makes the freeze
 * fail at once.  Finalizing in debugfs runs the reboot's freeze.
 */
TEST(freeze_does_not_wait_for_user_space)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct preserve_call p = { };
	struct blocked_write w = { };
	pthread_t writer, preserver;
	int dev, uffd, s, err;
	struct timespec t0, t1;
	double waited;
	void *buf;

	if (access(KHO_OUT "finalize", W_OK))
		SKIP(return, "no kho/out/finalize in debugfs");
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "no userfaultfd");
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	reg.range.start = (unsigned long)buf;
	reg.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	dev = open_dev(_metadata);
	s = lu_create(dev, "blocked");
	ASSERT_LE(0, s);
	w.fd = new_memfd(8192, 0);
	ASSERT_LE(0, w.fd);
	w.buf = buf;
	ASSERT_EQ(0, pthread_create(&writer, NULL, write_blocked, &w));
	usleep(300000);
	p.session = s;
	p.fd = w.fd;
	ASSERT_EQ(0, pthread_create(&preserver, NULL, preserve_thread, &p));
	usleep(300000);
	EXPECT_EQ(0, __atomic_load_n(&p.done, __ATOMIC_ACQUIRE));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = lu_write_str(KHO_OUT "finalize", "1");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	EXPECT_NE(0, err);
	if (!err)
		lu_write_str(KHO_OUT "finalize", "0");
	TH_LOG("finalize returned %d after %.3f s", err, waited);

	/* Unblock the write: the preserve goes on and succeeds. */
	close(uffd);
	pthread_join(writer, NULL);
	pthread_join(preserver, NULL);
	EXPECT_EQ(0, p.ret);
	close(w.fd);
	close(s);
	munmap(buf, 4096);
	close(dev);
}

TEST_HARNESS_MAIN
