// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/liveupdate without a kexec: the device's rules, session and file
 * errors, the argument size rules, and what preserving does to a memfd.
 * Needs a kernel booted with kho=on liveupdate=on.
 */
#include "liveupdate.h"

#include <sys/stat.h>

#include "../kselftest_harness.h"

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

/* Unevictable in /proc/meminfo, in kB. */
static long unevictable_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Unevictable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Pinned while preserved: kept off the evictable LRUs, and back after.
 * The counters lag by what the CPUs have not folded in yet: 2 MiB of slack.
 */
TEST(preserved_memfd_unevictable)
{
	int dev = open_dev(_metadata), s, m;
	long before, preserved, after;

	m = new_memfd(32 << 20, 0);
	ASSERT_LE(0, m);
	before = unevictable_kb();
	ASSERT_LE(0, before);
	s = lu_create(dev, "locked");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, lu_preserve(s, m, 1));
	preserved = unevictable_kb();
	EXPECT_LE(before + (30 << 10), preserved);
	close(s);
	after = unevictable_kb();
	EXPECT_GE(before + (2 << 10), after);
	TH_LOG("Unevictable %ld kB, preserved %ld kB, released %ld kB",
	       before, preserved, after);
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

TEST_HARNESS_MAIN
