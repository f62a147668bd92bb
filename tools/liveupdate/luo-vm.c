// SPDX-License-Identifier: GPL-2.0
/*
 * Keep a virtual machine running through a kexec: its RAM is a memfd that
 * QEMU maps, kept in place by /dev/liveupdate, and only its device state
 * is saved.
 *
 *   luo-vm start NAME SIZE -- QEMU [ARG...]
 *	Run QEMU [ARG...] with SIZE (N, NM or NG: MiB by default) of RAM in
 *	a memfd and a QMP socket in $LUO_VM_DIR (/run/luo-vm), in the
 *	background.  luo-vm sets the RAM, the QMP socket and -incoming: the
 *	arguments must not (nor -daemonize, -S or -snapshot).
 *   luo-vm update NAME
 *	Before the kexec: preserve the RAM in live update session NAME, then
 *	pause the VM, save its device state (RAM skipped: QEMU's
 *	x-ignore-shared) into a second memfd, preserve it and a description,
 *	and hold the session in the background until the kexec.  QEMU stays,
 *	paused, until then.  If anything fails, nothing is kept and the VM
 *	runs on.
 *   luo-vm abort NAME
 *	After an update, if the kexec is not to be: give the session up and
 *	let the VM run on.
 *   luo-vm resume NAME
 *	In the next kernel: retrieve session NAME, check it, start QEMU with
 *	the same arguments on the same RAM, load the device state, let the
 *	VM run and end the session.  Prints the blackout, split.  A session
 *	that does not check, or a QEMU that fails, starts no VM: a process
 *	keeps the session until told to try again (SIGUSR1) or give it up
 *	(SIGUSR2).
 *
 * The description, token 0, is text: "luo-vm 1", then "key value" lines
 * (ram, state, the TSC rate and the TSC at each step of the update), then
 * "args N" and QEMU's N arguments, each ended by a NUL.  RAM is token 1,
 * device state token 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "luo-lib.h"

#define HOLDER		"@luo-vm"
#define RAM_FD		3		/* where QEMU finds its RAM */
#define STATE_FD	4		/* and, resuming, its device state */
#define MAX_ARGS	1024
#define MAX_DESC	(1024 * 1024)
#define QMP_WAIT_MS	120000		/* QEMU under emulation starts slowly */
#define MIGRATE_WAIT_MS	600000
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

typedef unsigned long long u64;

/* The steps of an update, as the description records them. */
enum { T_PAUSE, T_SAVED, T_PRESERVED, NR_T };
static const char * const t_names[NR_T] = { "pause", "saved", "preserved" };

struct vm {
	const char *name;
	char dir[PATH_MAX - 64];
	u64 ram;			/* bytes */
	u64 state;			/* bytes of device state */
	u64 tsc_hz;
	u64 t[NR_T];			/* TSC at each step of the update */
	int argc;
	char *argv[MAX_ARGS + 1];
};

static const char *prog = "luo-vm";

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/*
 * A counter that runs on across the kexec: the TSC on x86 (QEMU's runs
 * on, and so does a machine's), the virtual counter on arm64.
 */
static u64 ticks(void)
{
#if defined(__x86_64__)
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
#elif defined(__aarch64__)
	u64 v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return 0;
#endif
}

static u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The counter's rate, measured against CLOCK_MONOTONIC over 20 ms. */
static u64 ticks_hz(void)
{
	u64 t0 = ticks(), n0 = now_ns(CLOCK_MONOTONIC), n;
	struct timespec d = { 0, 20000000 };

	nanosleep(&d, NULL);
	n = now_ns(CLOCK_MONOTONIC) - n0;
	return n ? (double)(ticks() - t0) * 1e9 / n : 0;
}

/* Microseconds from @from to @to; 0 if unknown (a description's values). */
static u64 ticks_us(u64 from, u64 to, u64 hz)
{
	double us;

	if (!hz || to < from)
		return 0;
	us = (double)(to - from) * 1e6 / hz;
	return us < 1e15 ? us : 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&d, NULL);
}

/* A process we may wait for and kill by its pidfd, never by a reused pid. */
static int pid_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/* Wait up to @ms for the process of @pidfd to end; 0 once it has. */
static int pid_wait(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? 0 : -1;
}

/* QMP, QEMU's JSON protocol: one object a line. */
struct qmp {
	int fd;
	unsigned int id;	/* of the last command */
	size_t len;
	char buf[65536];
	char line[65536];
};

/*
 * The next line QEMU sends, events included, in @q->line (overwritten by
 * the next call); NULL at EOF or timeout.
 */
static char *qmp_line(struct qmp *q, int timeout_ms)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			size_t l = nl - q->buf;

			memcpy(q->line, q->buf, l);
			q->line[l] = '\0';
			q->len -= l + 1;
			memmove(q->buf, nl + 1, q->len);
			return q->line;
		}
		if (q->len == sizeof(q->buf) - 1) {
			errno = E2BIG;
			return NULL;
		}
		if (poll(&p, 1, timeout_ms) <= 0) {
			errno = ETIMEDOUT;
			return NULL;
		}
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0) {
			errno = n ? errno : ECONNRESET;
			return NULL;
		}
		q->len += n;
	}
}

/*
 * Run QMP command @cmd with the arguments @fmt (JSON members, printf
 * style; NULL for none), passing @fd along if not -1: QEMU's answer, or
 * NULL with errno set (EIO: an error).  Answers are matched by id, so
 * that one late after a timeout is never taken for another's.
 */
static char *qmp_fd(struct qmp *q, int fd, const char *cmd,
		    const char *fmt, ...)
{
	char buf[PATH_MAX + 256], args[PATH_MAX + 128] = "", id[32], *at;
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	u64 end = now_ns(CLOCK_MONOTONIC) + QMP_WAIT_MS * 1000000ull;
	va_list ap;
	char *r;
	int len;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(args, sizeof(args), fmt, ap);
		va_end(ap);
	}
	q->id++;
	len = snprintf(buf, sizeof(buf),
		       "{\"execute\": \"%s\"%s%s%s, \"id\": %u}\n", cmd,
		       fmt ? ", \"arguments\": {" : "", args, fmt ? "}" : "",
		       q->id);
	if (len >= (int)sizeof(buf)) {
		errno = E2BIG;
		return NULL;
	}
	iov.iov_len = len;
	if (fd >= 0) {
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(q->fd, &msg, MSG_NOSIGNAL) != len)
		return NULL;
	len = snprintf(id, sizeof(id), "\"id\": %u", q->id);
	for (;;) {
		u64 now = now_ns(CLOCK_MONOTONIC);

		if (now >= end) {
			errno = ETIMEDOUT;
			return NULL;
		}
		r = qmp_line(q, (end - now) / 1000000 + 1);
		if (!r)
			return NULL;
		/*
		 * Events, and answers to commands given up on, lack our id;
		 * QEMU puts the members of an answer in any order.
		 */
		at = strstr(r, id);
		if (!at || (at[len] != ',' && at[len] != '}'))
			continue;
		if (!strstr(r, "\"error\": {"))
			return r;
		fprintf(stderr, "%s: QEMU: %s: %s\n", prog, cmd, r);
		errno = EIO;
		return NULL;
	}
}

#define qmp(q, cmd, ...)	qmp_fd(q, -1, cmd, __VA_ARGS__)

/*
 * Connect to QEMU's QMP socket @path while the process of @pidfd lives;
 * leaves the socket in command mode.
 */
static int qmp_connect(struct qmp *q, const char *path, int pidfd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	u64 end = now_ns(CLOCK_MONOTONIC) + QMP_WAIT_MS * 1000000ull;

	q->fd = -1;
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	q->len = 0;
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return -1;
		if (!connect(q->fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(q->fd);
		q->fd = -1;
		if (now_ns(CLOCK_MONOTONIC) > end) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (pidfd >= 0 && !pid_wait(pidfd, 0)) {
			errno = ECHILD;
			return -1;
		}
		sleep_ms(10);
	}
	/* The greeting, then out of negotiation mode. */
	if (!qmp_line(q, QMP_WAIT_MS) || !qmp(q, "qmp_capabilities", NULL)) {
		close(q->fd);
		q->fd = -1;
		return -1;
	}
	return 0;
}

/* The value of "key": "value" in @json, into @out. */
static int json_str(const char *json, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p;
	size_t l;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	l = strcspn(p, "\"");
	if (l >= n)
		return -1;
	memcpy(out, p, l);
	out[l] = '\0';
	return 0;
}

/* Wait until query-migrate says completed; -1 if it failed or took long. */
static int qmp_migrated(struct qmp *q)
{
	u64 end = now_ns(CLOCK_MONOTONIC) + MIGRATE_WAIT_MS * 1000000ull;
	char status[32], *r;

	while (now_ns(CLOCK_MONOTONIC) < end) {
		r = qmp(q, "query-migrate", NULL);
		if (!r)
			return -1;
		if (!json_str(r, "status", status, sizeof(status))) {
			if (!strcmp(status, "completed"))
				return 0;
			if (!strcmp(status, "failed") ||
			    !strcmp(status, "cancelled")) {
				fprintf(stderr, "%s: migration %s: %s\n", prog,
					status, r);
				errno = EIO;
				return -1;
			}
		}
		sleep_ms(1);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* Migrate the device state only, or everything again. */
#define SHARED_SKIPPED(on) \
	"\"capabilities\": [{\"capability\": \"x-ignore-shared\", \"state\": " on "}]"

static int vm_dir(struct vm *vm)
{
	const char *d = getenv("LUO_VM_DIR");

	d = d && *d ? d : "/run/luo-vm";
	if (snprintf(vm->dir, sizeof(vm->dir), "%s", d) >= (int)sizeof(vm->dir))
		return fail("LUO_VM_DIR is too long");
	if (mkdir(d, 0700) && errno != EEXIST)
		return fail("%s: %s", d, strerror(errno));
	return 0;
}

static void vm_path(const struct vm *vm, const char *what, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s.%s", vm->dir, vm->name, what);
}

/* /dev/liveupdate, which has one user at a time: wait a little for it. */
static int luo_open(void)
{
	int dev, i;

	for (i = 0; i < 100; i++) {
		dev = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
		if (dev >= 0 || errno != EBUSY)
			break;
		sleep_ms(50);
	}
	return dev;
}

/*
 * Start QEMU on the RAM in @ram, as fd RAM_FD, with the QMP socket of
 * @vm; with @state, as fd STATE_FD, QEMU waits for the device state.
 * QEMU's pid, or -1.
 */
static pid_t qemu_start(const struct vm *vm, int ram, int state)
{
	char backend[256], mach[] = "memory-backend=luo-vm-ram";
	char qmp_arg[PATH_MAX + 32], sock[PATH_MAX], mem[32];
	char *argv[MAX_ARGS + 16];
	int i, n = 0, fd;
	sigset_t mask;
	pid_t pid;

	vm_path(vm, "qmp", sock);
	unlink(sock);
	snprintf(backend, sizeof(backend),
		 "memory-backend-file,id=luo-vm-ram,size=%llu,mem-path=/proc/self/fd/%d,share=on",
		 vm->ram, RAM_FD);
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", sock);
	snprintf(mem, sizeof(mem), "%lluM", vm->ram >> 20);
	for (i = 0; i < vm->argc; i++)
		argv[n++] = vm->argv[i];
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-object";
	argv[n++] = backend;
	argv[n++] = "-machine";
	argv[n++] = mach;
	argv[n++] = "-qmp";
	argv[n++] = qmp_arg;
	if (state >= 0) {
		argv[n++] = "-incoming";
		argv[n++] = "defer";
	}
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	/*
	 * QEMU outlives us: its own session, no terminal, its output in
	 * $LUO_VM_DIR/NAME.log, signals as a new process has them.
	 */
	setsid();
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
	vm_path(vm, "log", sock);
	fd = open(sock, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd > 2) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* Moved out of the way first, where one stands on the other. */
	if (state == RAM_FD) {
		state = fcntl(state, F_DUPFD_CLOEXEC, STATE_FD + 1);
		if (state < 0)
			_exit(127);
	}
	if (dup2(ram, RAM_FD) < 0 || fcntl(RAM_FD, F_SETFD, 0))
		_exit(127);
	if (state >= 0 &&
	    (dup2(state, STATE_FD) < 0 || fcntl(STATE_FD, F_SETFD, 0)))
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
	_exit(127);
}

/* SIZE as N, NM or NG, in MiB by default: bytes, or 0. */
static u64 parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v == 0)
		return 0;
	if (!strcmp(end, "G") || !strcmp(end, "g"))
		v <<= 10;
	else if (*end && strcmp(end, "M") && strcmp(end, "m"))
		return 0;
	if (v > (1ull << 24))	/* 16 TiB */
		return 0;
	return v << 20;
}

/*
 * The arguments of a VM: a QEMU, and only what luo-vm itself does not
 * set, nor what could not outlive a kexec or be resumed after it.
 */
static int check_args(int argc, char **argv)
{
	static const char * const ours[] = {
		"-m", "-incoming", "-qmp", "-mem-path", "-mem-prealloc",
		"-daemonize", "-S", "-snapshot", "-loadvm", "-readconfig",
		"-preconfig",
	};
	const char *a;
	int i, j;

	if (argc < 1 || argc > MAX_ARGS)
		return fail("QEMU and at most %d arguments, please", MAX_ARGS - 1);
	if (strncmp(basename(argv[0]), "qemu-system-", 12))
		return fail("%s: not a qemu-system-* program", argv[0]);
	for (i = 1; i < argc; i++) {
		a = argv[i];
		/* -opt and --opt are the same to QEMU. */
		if (a[0] == '-' && a[1] == '-')
			a++;
		for (j = 0; j < (int)ARRAY_SIZE(ours); j++)
			if (!strcmp(a, ours[j]))
				return fail("%s: luo-vm cannot keep a VM with it", argv[i]);
		if (strstr(argv[i], "memory-backend") || strstr(argv[i], "snapshot=on"))
			return fail("%s: luo-vm cannot keep a VM with it", argv[i]);
	}
	return 0;
}

/* A session name: what /dev/liveupdate takes, and a file name. */
static int check_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= LIVEUPDATE_SESSION_NAME_LENGTH || strchr(name, '/') ||
	    name[0] == '.')
		return fail("%s: a VM's name is 1 to %d characters, no '/', not starting with '.'",
			    name, LIVEUPDATE_SESSION_NAME_LENGTH - 1);
	return 0;
}

static int save_pid(const struct vm *vm, const char *what, pid_t pid)
{
	char path[PATH_MAX];
	FILE *f;

	vm_path(vm, what, path);
	f = fopen(path, "w");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	fprintf(f, "%d\n", pid);
	if (fclose(f))
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/* The pid in $LUO_VM_DIR/NAME.@what, or 0. */
static pid_t read_pid(const struct vm *vm, const char *what)
{
	char path[PATH_MAX];
	FILE *f;
	int pid = 0;

	vm_path(vm, what, path);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	return pid;
}

static int save_args(const struct vm *vm)
{
	char path[PATH_MAX];
	FILE *f;
	int i;

	vm_path(vm, "args", path);
	f = fopen(path, "w");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	fprintf(f, "%llu\n", vm->ram);
	for (i = 0; i < vm->argc; i++)
		fwrite(vm->argv[i], strlen(vm->argv[i]) + 1, 1, f);
	if (fclose(f))
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/*
 * Parse NUL-ended arguments from @p up to @end, at most @max (all there
 * are if -1): 0, or -1 if they are not that.
 */
static int parse_argv(struct vm *vm, char *p, char *end, int max)
{
	char *nul;

	for (vm->argc = 0; p < end && vm->argc != max; vm->argc++) {
		nul = memchr(p, '\0', end - p);
		if (!nul || vm->argc == MAX_ARGS)
			return -1;
		vm->argv[vm->argc] = p;
		p = nul + 1;
	}
	vm->argv[vm->argc] = NULL;
	return p == end && vm->argc ? 0 : -1;
}

/* The whole of @fd, from its start, NUL-ended; NULL if over @max. */
static char *slurp(int fd, size_t max, size_t *len)
{
	struct stat st;
	char *buf;

	if (fstat(fd, &st))
		return NULL;
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf)
		return NULL;
	if (pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[st.st_size] = '\0';
	*len = st.st_size;
	return buf;
}

/* The arguments luo-vm start saved: "RAM\n", then NUL-ended. */
static int load_args(struct vm *vm)
{
	char path[PATH_MAX], *buf, *nl;
	size_t len;
	int fd;

	vm_path(vm, "args", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	buf = fd < 0 ? NULL : slurp(fd, MAX_DESC, &len);
	if (fd >= 0)
		close(fd);
	nl = buf ? memchr(buf, '\n', len) : NULL;
	if (!nl)
		return fail("%s: not the arguments of a VM", path);
	*nl = '\0';
	vm->ram = strtoull(buf, NULL, 10);
	if (parse_argv(vm, nl + 1, buf + len, -1))
		return fail("%s: not the arguments of a VM", path);
	return 0;
}

/* Whether process @pid is a QEMU with a RAM memfd, as luo-vm runs them. */
static int vm_running(pid_t pid)
{
	char path[64], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, RAM_FD);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	return !strncmp(link, "/memfd:", 7);
}

static int cmd_start(const char *name, const char *size, int argc,
		     char **argv)
{
	struct vm vm = { .name = name, .argc = argc };
	struct qmp *q = calloc(1, sizeof(*q));
	char path[PATH_MAX], memfd[80], *r;
	int ram, i, pidfd;
	pid_t pid;

	vm.ram = parse_size(size);
	if (!vm.ram)
		return fail("%s: not a size (N, NM or NG)", size);
	if (check_name(name) || check_args(argc, argv) || vm_dir(&vm) || !q)
		return 1;
	pid = read_pid(&vm, "pid");
	if (pid && vm_running(pid))
		return fail("VM %s runs already, in QEMU %d", name, pid);
	for (i = 0; i < argc; i++)
		vm.argv[i] = argv[i];
	snprintf(memfd, sizeof(memfd), "luo-vm:%s", name);
	ram = memfd_create(memfd, MFD_CLOEXEC);
	if (ram < 0 || ftruncate(ram, vm.ram))
		return fail("the RAM memfd: %s", strerror(errno));
	if (save_args(&vm))
		return 1;
	pid = qemu_start(&vm, ram, -1);
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	pidfd = pid_open(pid);
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, pidfd)) {
		fail("QEMU did not come up: %s", strerror(errno));
		goto kill;
	}
	r = qmp(q, "query-status", NULL);
	if (!r || !strstr(r, "\"running\": true")) {
		fail("QEMU is not running the VM");
		goto kill;
	}
	if (save_pid(&vm, "pid", pid))
		goto kill;
	printf("%s: VM %s started: QEMU %d, %llu MiB of RAM in a memfd\n",
	       prog, name, pid, vm.ram >> 20);
	return 0;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	vm_path(&vm, "args", path);
	unlink(path);
	return 1;
}

/* The description of @vm, token 0, in a new memfd. */
static int describe(const struct vm *vm)
{
	int fd = memfd_create("luo-vm-description", MFD_CLOEXEC), i;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(dup(fd), "w");
	if (!f) {
		close(fd);
		return -1;
	}
	fprintf(f, "luo-vm 1\nram %llu\nstate %llu\ntsc_hz %llu\n",
		vm->ram, vm->state, vm->tsc_hz);
	for (i = 0; i < NR_T; i++)
		fprintf(f, "%s %llu\n", t_names[i], vm->t[i]);
	fprintf(f, "args %d\n", vm->argc);
	for (i = 0; i < vm->argc; i++)
		fwrite(vm->argv[i], strlen(vm->argv[i]) + 1, 1, f);
	if (fclose(f)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Parse a description from the kernel before: -1 unless it is one of
 * ours, whole, for a VM luo-vm start would run.
 */
static int undescribe(struct vm *vm, char *buf, size_t len)
{
	char *p = buf, *end = buf + len, *nl, key[16];
	int i, n = 0, seen = 0;
	u64 v;

	if (len < 9 || memcmp(buf, "luo-vm 1\n", 9))
		return -1;
	for (p += 9; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			return -1;
		*nl = '\0';
		if (sscanf(p, "%15s %llu", key, &v) != 2)
			return -1;
		if (!strcmp(key, "args")) {
			if (v < 1 || v > MAX_ARGS)
				return -1;
			n = v;
			break;
		}
		if (!strcmp(key, "ram")) {
			vm->ram = v;
			seen |= 1;
		} else if (!strcmp(key, "state")) {
			vm->state = v;
			seen |= 2;
		} else if (!strcmp(key, "tsc_hz")) {
			vm->tsc_hz = v;
		}
		for (i = 0; i < NR_T; i++)
			if (!strcmp(key, t_names[i]))
				vm->t[i] = v;
	}
	if (p >= end || seen != 3 || !vm->ram || vm->ram % (1 << 20) ||
	    vm->ram > (1ull << 44))
		return -1;
	if (parse_argv(vm, nl + 1, end, n) || vm->argc != n)
		return -1;
	return check_args(vm->argc, vm->argv) ? -1 : 0;
}

/*
 * Signals that would end us while the VM is paused wait until it runs
 * again or is kept.
 */
static void hold_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(how, &set, NULL);
}

/* Let a VM paused by an update go on: the device state saved is dropped. */
static int vm_go_on(struct qmp *q, const char *name, int was_running)
{
	u64 end = now_ns(CLOCK_MONOTONIC) + QMP_WAIT_MS * 1000000ull;
	char status[32], *r = qmp(q, "query-migrate", NULL);

	/* A migration still going is cancelled: until it ends, no cont. */
	while (r && !json_str(r, "status", status, sizeof(status)) &&
	       strcmp(status, "completed") && strcmp(status, "failed") &&
	       strcmp(status, "cancelled") && now_ns(CLOCK_MONOTONIC) < end) {
		qmp(q, "migrate_cancel", NULL);
		sleep_ms(1);
		r = qmp(q, "query-migrate", NULL);
	}
	if (!qmp(q, "migrate-set-capabilities", SHARED_SKIPPED("false")))
		fail("VM %s: x-ignore-shared still on: migrate it with care", name);
	if (was_running && !qmp(q, "cont", NULL))
		return fail("VM %s is paused and could not be resumed", name);
	return 0;
}

static int cmd_update(const char *name)
{
	struct vm vm = { .name = name };
	struct qmp *q = calloc(1, sizeof(*q));
	int dev, s = -1, ram, state, desc, was_running, err;
	char path[PATH_MAX], link[PATH_MAX], *r;
	const char *goes;
	pid_t pid, held;
	struct stat st;
	ssize_t n;

	if (!q || check_name(name) || vm_dir(&vm) || load_args(&vm))
		return 1;
	pid = read_pid(&vm, "pid");
	if (!pid)
		return fail("no VM %s started by luo-vm", name);

	/*
	 * Its RAM, from QEMU itself: a memfd (made by luo-vm start, or
	 * retrieved by luo-vm resume) of the VM's size.
	 */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, RAM_FD);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	ram = strncmp(link, "/memfd:", 7) ? -1 :
	      open(path, O_RDWR | O_CLOEXEC);
	if (ram < 0 || fstat(ram, &st) || (u64)st.st_size != vm.ram)
		return fail("QEMU %d has no RAM memfd of VM %s", pid, name);
	state = memfd_create("luo-vm-state", MFD_CLOEXEC);
	if (state < 0)
		return fail("memfd_create: %s", strerror(errno));
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, -1))
		return fail("QMP of VM %s: %s", name, strerror(errno));
	r = qmp(q, "query-status", NULL);
	if (!r)
		return fail("VM %s: %s", name, strerror(errno));
	was_running = !!strstr(r, "\"running\": true");
	goes = was_running ? "it runs on" : "it stays paused";

	/*
	 * The RAM first, while the VM runs: pinning and filling it takes
	 * time that grows with its size, and the VM's writes go on reaching
	 * the same pages.
	 */
	dev = luo_open();
	if (dev < 0)
		return fail("/dev/liveupdate: %s: VM %s not kept; %s",
			    strerror(errno), name, goes);
	s = luo_create_session(dev, name);
	close(dev);
	if (s < 0) {
		fail("session %s: %s", name, strerror(errno));
		return fail("VM %s not kept; %s", name, goes);
	}
	if (luo_preserve(s, ram, 1)) {
		fail("cannot preserve the RAM of VM %s: %s", name, strerror(errno));
		return fail("VM %s not kept; %s", name, goes);
	}
	vm.tsc_hz = ticks_hz();

	/* The blackout starts. */
	hold_signals(SIG_BLOCK);
	vm.t[T_PAUSE] = ticks();
	if (!qmp(q, "stop", NULL)) {
		fail("cannot pause VM %s: %s", name, strerror(errno));
		goto go_on;
	}
	if (!qmp(q, "migrate-set-capabilities", SHARED_SKIPPED("true")) ||
	    !qmp_fd(q, state, "getfd", "\"fdname\": \"luo-vm-state\"") ||
	    !qmp(q, "migrate", "\"uri\": \"fd:luo-vm-state\"") ||
	    qmp_migrated(q)) {
		fail("cannot save VM %s: %s", name, strerror(errno));
		goto go_on;
	}
	vm.t[T_SAVED] = ticks();
	/* From its start in the next kernel, which gets this position. */
	if (fstat(state, &st) || lseek(state, 0, SEEK_SET)) {
		fail("the device state of VM %s: %s", name, strerror(errno));
		goto go_on;
	}
	vm.state = st.st_size;
	if (luo_preserve(s, state, 2)) {
		fail("cannot preserve VM %s: %s", name, strerror(errno));
		goto go_on;
	}
	vm.t[T_PRESERVED] = ticks();
	desc = describe(&vm);
	if (desc < 0 || luo_preserve(s, desc, 0)) {
		fail("the description of VM %s: %s", name, strerror(errno));
		goto go_on;
	}
	held = luo_hold(s, HOLDER, name);
	if (held < 0 || save_pid(&vm, "holder", held)) {
		fail("cannot hold session %s: %s", name, strerror(errno));
		if (held > 0) {
			kill(held, SIGKILL);
			waitpid(held, NULL, 0);
		}
		goto go_on;
	}
	/*
	 * Kept: the VM lives on in the next kernel.  QEMU stays, paused, in
	 * case the kexec is not to be (luo-vm abort).
	 */
	printf("%s: VM %s held in session %s until the kexec: %llu MiB of RAM, ",
	       prog, name, name, vm.ram >> 20);
	printf("%llu KiB of device state; paused %llu us ago: ", vm.state >> 10,
	       ticks_us(vm.t[T_PAUSE], ticks(), vm.tsc_hz));
	printf("save %llu us, preserve %llu us\n",
	       ticks_us(vm.t[T_PAUSE], vm.t[T_SAVED], vm.tsc_hz),
	       ticks_us(vm.t[T_SAVED], vm.t[T_PRESERVED], vm.tsc_hz));
	return 0;

go_on:
	/* Nothing is kept: the VM goes on, then the session ends. */
	err = vm_go_on(q, name, was_running);
	close(s);
	if (err)
		return 1;
	return fail("VM %s not kept; %s", name, goes);
}

/* A pidfd for @pid if it is the holder of VM @name's session, or -1. */
static int holder_of(pid_t pid, const char *name)
{
	char path[64], buf[256] = "";
	int fd, pidfd;
	ssize_t n;

	pidfd = pid_open(pid);
	if (pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 2);
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		/* "@luo-vm", its fd, the VM's name. */
		if (!strcmp(buf, HOLDER) && (size_t)n > sizeof(HOLDER) &&
		    !strcmp(buf + sizeof(HOLDER) + strlen(buf + sizeof(HOLDER)) + 1,
			    name))
			return pidfd;
	}
	close(pidfd);
	return -1;
}

static int cmd_abort(const char *name)
{
	struct vm vm = { .name = name };
	struct qmp *q = calloc(1, sizeof(*q));
	char path[PATH_MAX];
	int pidfd, ended;
	pid_t held;

	if (!q || check_name(name) || vm_dir(&vm))
		return 1;
	/* QEMU first: without it, ending the session would lose the VM. */
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, -1))
		return fail("QMP of VM %s: %s", name, strerror(errno));
	held = read_pid(&vm, "holder");
	pidfd = held ? holder_of(held, name) : -1;
	/*
	 * Its end ends the session: nothing is kept.  The signal only starts
	 * that end; until the holder is gone, the session's name is still
	 * taken and an update straight after this one would fail.
	 */
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0))
		return fail("cannot end the holder of VM %s: %s", name,
			    strerror(errno));
	ended = pidfd < 0 || !pid_wait(pidfd, QMP_WAIT_MS);
	vm_path(&vm, "holder", path);
	unlink(path);
	if (vm_go_on(q, name, 1))
		return 1;
	if (!ended)
		return fail("VM %s runs on, but the holder of its session has not ended yet",
			    name);
	printf("%s: VM %s runs on; %s\n", prog, name,
	       pidfd >= 0 ? "its session is given up" : "no session of it was held");
	return 0;
}

/*
 * Start QEMU on the RAM and device state a session gave: 0 once the VM
 * runs, with *@ticks_run set; with QEMU gone, -1, or -2 if it may have
 * run the VM already (told to, its answer lost), which is not tried
 * again.
 */
static int vm_restore(struct vm *vm, int ram, int state, pid_t *pid,
		      u64 *ticks_run)
{
	struct qmp *q = calloc(1, sizeof(*q));
	int pidfd, err, ret = -1;
	char path[PATH_MAX];

	if (!q || lseek(state, 0, SEEK_SET))
		return -1;
	*pid = qemu_start(vm, ram, state);
	if (*pid < 0) {
		fail("fork: %s", strerror(errno));
		free(q);
		return -1;
	}
	pidfd = pid_open(*pid);
	vm_path(vm, "qmp", path);
	if (qmp_connect(q, path, pidfd)) {
		fail("QEMU did not come up: %s (see %s/%s.log)", strerror(errno),
		     vm->dir, vm->name);
		goto kill;
	}
	if (!qmp(q, "migrate-set-capabilities", SHARED_SKIPPED("true")) ||
	    !qmp(q, "migrate-incoming", "\"uri\": \"fd:%d\"", STATE_FD) ||
	    qmp_migrated(q) ||
	    !qmp(q, "migrate-set-capabilities", SHARED_SKIPPED("false"))) {
		fail("QEMU could not load VM %s: %s (see %s/%s.log)", vm->name,
		     strerror(errno), vm->dir, vm->name);
		goto kill;
	}
	/* It was paused when saved: it runs once told to. */
	if (!qmp(q, "cont", NULL)) {
		fail("VM %s did not run: %s", vm->name, strerror(errno));
		ret = -2;
		goto kill;
	}
	*ticks_run = ticks();
	close(q->fd);
	free(q);
	if (pidfd >= 0)
		close(pidfd);
	return 0;
kill:
	err = errno;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	if (q->fd >= 0)
		close(q->fd);
	if (pidfd >= 0)
		close(pidfd);
	free(q);
	errno = err;
	return ret;
}

/*
 * Into *@fd, unless there already, the file of session @s under @token,
 * which must be @size bytes: 0, -1 if trying again may work, -2 if not.
 */
static int vm_take_one(int s, const struct vm *vm, u64 token, u64 size,
		       const char *what, int *fd)
{
	struct stat st;
	int err;

	if (*fd >= 0)
		return 0;
	*fd = luo_retrieve(s, token);
	if (*fd < 0) {
		err = errno;
		fail("session %s: the VM's %s: %s", vm->name, what,
		     strerror(err));
		return err == ENOENT ? -2 : -1;
	}
	if (fstat(*fd, &st) || (u64)st.st_size != size) {
		fail("session %s: the VM's %s is not whole", vm->name, what);
		return -2;
	}
	return 0;
}

/*
 * Retrieve what is still missing of session @s, and check it: 0; -1 if
 * a retrieve failed, which may be tried again; -2 if the session holds
 * no VM luo-vm can start.
 */
static int vm_take(int s, struct vm *vm, int *ram, int *state)
{
	static char *desc;
	size_t len;
	int fd, err, rc;

	if (!desc) {
		fd = luo_retrieve(s, 0);
		if (fd < 0) {
			err = errno;
			fail("session %s: no VM description (%s)", vm->name,
			     strerror(err));
			return err == ENOENT ? -2 : -1;
		}
		desc = slurp(fd, MAX_DESC, &len);
		close(fd);
		if (!desc || undescribe(vm, desc, len)) {
			fail("session %s: not a VM of luo-vm", vm->name);
			return -2;
		}
	}
	rc = vm_take_one(s, vm, 1, vm->ram, "RAM", ram);
	if (!rc)
		rc = vm_take_one(s, vm, 2, vm->state, "device state", state);
	return rc;
}

/*
 * Resuming failed: keep the session, and what was retrieved, in the
 * background until SIGUSR1 tries again (where @can_retry) or SIGUSR2
 * gives it up.  Its later messages go to $LUO_VM_DIR/NAME.log.
 */
static int keep(int s, struct vm *vm, int *ram, int *state, int can_retry)
{
	char path[PATH_MAX];
	sigset_t set;
	pid_t pid;
	int sig, fd, rc;
	u64 t;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s: session %s given up", strerror(errno),
			    vm->name);
	if (pid > 0) {
		fail("VM %s not started; process %d keeps session %s:",
		     vm->name, pid, vm->name);
		if (can_retry)
			fail("fix the cause, then kill -USR1 %d to try again,", pid);
		return fail("%skill -USR2 %d to give it up", can_retry ? "or " : "",
			    pid);
	}
	setsid();
	vm_path(vm, "log", path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd > 2) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGUSR1)
			return fail("session %s given up", vm->name);
		if (!can_retry) {
			fail("session %s holds no VM to start", vm->name);
			continue;
		}
		rc = vm_take(s, vm, ram, state);
		if (!rc)
			rc = vm_restore(vm, *ram, *state, &pid, &t);
		if (rc == -2)
			can_retry = 0;
		if (!rc) {
			if (luo_finish(s))
				fail("session %s not finished: %s", vm->name,
				     strerror(errno));
			printf("%s: VM %s running in QEMU %d\n", prog, vm->name, pid);
			return save_pid(vm, "pid", pid) || save_args(vm);
		}
	}
}

static int cmd_resume(const char *name)
{
	u64 t0 = ticks(), up = now_ns(CLOCK_BOOTTIME), t1, t2, down, boot;
	struct vm vm = { .name = name };
	int dev, s, ram = -1, state = -1, rc;
	pid_t pid;

	if (check_name(name) || vm_dir(&vm))
		return 1;
	dev = luo_open();
	if (dev < 0)
		return fail("/dev/liveupdate: %s: VM %s not started",
			    strerror(errno), name);
	s = luo_retrieve_session(dev, name);
	close(dev);
	if (s < 0)
		return fail("no session %s was handed over (%s): VM %s not started",
			    name, strerror(errno), name);
	/* From here, a failure keeps the session: closed, it would end. */
	rc = vm_take(s, &vm, &ram, &state);
	if (rc)
		return keep(s, &vm, &ram, &state, rc == -1);
	t1 = ticks();
	rc = vm_restore(&vm, ram, state, &pid, &t2);
	if (rc)
		return keep(s, &vm, &ram, &state, rc == -1);
	if (luo_finish(s))
		fail("session %s not finished: %s", name, strerror(errno));
	/* luo-vm update works on it as on one it started. */
	if (save_pid(&vm, "pid", pid) || save_args(&vm))
		fail("VM %s runs, but luo-vm update cannot find it", name);

	/*
	 * The blackout, from the pause: saving the device state; preserving
	 * it; from then to this program's start, the kexec (what the next
	 * kernel's clock did not see) and the next kernel's boot up to here
	 * (what it did); retrieving; QEMU's start and load.
	 */
	down = ticks_us(vm.t[T_PRESERVED], t0, vm.tsc_hz);
	boot = up / 1000;
	if (boot > down)
		boot = down;
	printf("%s: VM %s running again in QEMU %d: blackout %llu us: ",
	       prog, name, pid, ticks_us(vm.t[T_PAUSE], t2, vm.tsc_hz));
	printf("save %llu us, preserve %llu us, kexec %llu us, ",
	       ticks_us(vm.t[T_PAUSE], vm.t[T_SAVED], vm.tsc_hz),
	       ticks_us(vm.t[T_SAVED], vm.t[T_PRESERVED], vm.tsc_hz),
	       down - boot);
	printf("next kernel to %s %llu us, retrieve %llu us, restore %llu us; ",
	       "resume", boot, ticks_us(t0, t1, vm.tsc_hz),
	       ticks_us(t1, t2, vm.tsc_hz));
	printf("%llu MiB of RAM, %llu KiB of device state\n", vm.ram >> 20,
	       vm.state >> 10);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	/* A session fd must not land on 0, 1 or 2, which daemons reopen. */
	do
		fd = open("/dev/null", O_RDWR);
	while (fd >= 0 && fd < 3);
	if (fd >= 0)
		close(fd);
	if (!strcmp(argv[0], HOLDER) && argc == 3) {
		luo_holder(argv[1]);
		return fail("the session fd: %s", strerror(errno));
	}
	/* A reader gone must not end us halfway. */
	signal(SIGPIPE, SIG_IGN);
	prog = basename(argv[0]);
	if (argc >= 6 && !strcmp(argv[1], "start") && !strcmp(argv[4], "--"))
		return cmd_start(argv[2], argv[3], argc - 5, argv + 5);
	if (argc == 3 && !strcmp(argv[1], "update"))
		return cmd_update(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "abort"))
		return cmd_abort(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "resume"))
		return cmd_resume(argv[2]);
	fprintf(stderr, "usage: luo-vm start NAME SIZE -- QEMU [ARG...]\n"
		"       luo-vm update NAME\n"
		"       luo-vm abort NAME\n"
		"       luo-vm resume NAME\n");
	return 2;
}
