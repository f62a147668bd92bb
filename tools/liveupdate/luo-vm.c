// SPDX-License-Identifier: GPL-2.0
/*
 * Keep a virtual machine running through a kexec: its RAM is a memfd that
 * QEMU maps, kept in place by /dev/liveupdate, and only its device state
 * is saved.
 *
 *   luo-vm start NAME SIZE -- QEMU [ARG...]
 *	Run QEMU [ARG...] with SIZE (N, NM or NG: MiB by default) of RAM in
 *	a memfd and a QMP socket in $LUO_VM_DIR (/run/luo-vm), in the
 *	background.  The arguments must not set the RAM (-m, a memory
 *	backend) or an -incoming.
 *   luo-vm update NAME
 *	Before the kexec: pause the VM, save its device state (RAM skipped:
 *	QEMU's x-ignore-shared) into a second memfd, preserve both and a
 *	description in live update session NAME, end QEMU, and hold the
 *	session in the background until the kexec.  If anything fails
 *	before QEMU ends, the VM runs on.
 *   luo-vm resume NAME
 *	In the next kernel: retrieve session NAME, check it, start QEMU with
 *	the same arguments on the same RAM, load the device state, let the
 *	VM run and end the session.  Prints the blackout, split.  Without a
 *	session, or with one that does not check, no VM is started.
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
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "luo-lib.h"

#define HOLDER		"@luo-vm"
#define RAM_FD		3		/* where QEMU finds its RAM */
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
	u64 t[NR_T];		/* TSC at each step of the update */
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
	uint32_t lo, hi;

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
	return n ? (ticks() - t0) * 1000000000ull / n : 0;
}

static u64 ticks_us(u64 from, u64 to, u64 hz)
{
	if (!hz || to < from)
		return 0;
	return (double)(to - from) * 1000000 / hz;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&d, NULL);
}

/* QMP, QEMU's JSON protocol: one object a line. */
struct qmp {
	int fd;
	size_t len;
	char buf[65536];
};

/* The next line QEMU sends, events included; NULL at EOF or timeout. */
static char *qmp_line(struct qmp *q, int timeout_ms)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			static char line[sizeof(q->buf)];
			size_t l = nl - q->buf;

			memcpy(line, q->buf, l);
			line[l] = '\0';
			q->len -= l + 1;
			memmove(q->buf, nl + 1, q->len);
			return line;
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
 * style; NULL for none): QEMU's answer, or NULL with errno set (EIO: an
 * error).
 */
static char *qmp(struct qmp *q, const char *cmd, const char *fmt, ...)
{
	char buf[PATH_MAX + 256], args[PATH_MAX + 128] = "";
	va_list ap;
	char *r;
	int len;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(args, sizeof(args), fmt, ap);
		va_end(ap);
	}
	len = snprintf(buf, sizeof(buf), "{\"execute\": \"%s\"%s%s%s}\n", cmd,
		       fmt ? ", \"arguments\": {" : "", args, fmt ? "}" : "");
	if (len >= (int)sizeof(buf)) {
		errno = E2BIG;
		return NULL;
	}
	if (write(q->fd, buf, len) != len)
		return NULL;
	for (;;) {
		r = qmp_line(q, QMP_WAIT_MS);
		if (!r)
			return NULL;
		if (!strncmp(r, "{\"return\"", 9))
			return r;
		if (!strncmp(r, "{\"error\"", 8)) {
			fprintf(stderr, "%s: QEMU: %s: %s\n", prog, cmd, r);
			errno = EIO;
			return NULL;
		}
		/* An event: not the answer. */
	}
}

/*
 * Connect to QEMU's QMP socket @path while QEMU @pid lives; leaves the
 * socket in command mode.
 */
static int qmp_connect(struct qmp *q, const char *path, pid_t pid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int waited;

	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	q->len = 0;
	for (waited = 0; ; waited += 10) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return -1;
		if (!connect(q->fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(q->fd);
		if (waited >= QMP_WAIT_MS || (pid > 0 && kill(pid, 0))) {
			errno = ECONNREFUSED;
			return -1;
		}
		/* Reap a QEMU of ours that gave up. */
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid) {
			errno = ECHILD;
			return -1;
		}
		sleep_ms(10);
	}
	/* The greeting, then out of negotiation mode. */
	if (!qmp_line(q, QMP_WAIT_MS) ||
	    !qmp(q, "qmp_capabilities", NULL)) {
		close(q->fd);
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

/* Wait until query-migrate says completed; -1 if it failed. */
static int qmp_migrated(struct qmp *q)
{
	char status[32], *r;
	int ms;

	for (ms = 0; ms < MIGRATE_WAIT_MS; ms++) {
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

/* Migrate the device state only: shared memory, the RAM, stays. */
#define IGNORE_SHARED \
	"\"capabilities\": [{\"capability\": \"x-ignore-shared\", \"state\": true}]"

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

/*
 * Start QEMU on the RAM in @ram, as fd RAM_FD, with the QMP socket of
 * @vm; @incoming: wait for the device state.  QEMU's pid, or -1.
 */
static pid_t qemu_start(const struct vm *vm, int ram, int incoming)
{
	char backend[256], mach[] = "memory-backend=luo-vm-ram";
	char qmp_arg[PATH_MAX + 32], sock[PATH_MAX], mem[32];
	char *argv[MAX_ARGS + 16];
	int i, n = 0, fd;
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
	if (incoming) {
		argv[n++] = "-incoming";
		argv[n++] = "defer";
	}
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	/* QEMU outlives us: its own session, no terminal input. */
	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (dup2(ram, RAM_FD) < 0 || fcntl(RAM_FD, F_SETFD, 0))
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

/* The arguments of a VM: only what luo-vm itself does not set. */
static int check_args(int argc, char **argv)
{
	static const char * const ours[] = {
		"-m", "-incoming", "-qmp", "-mem-path", "-mem-prealloc",
	};
	int i, j;

	if (argc < 1 || argc > MAX_ARGS)
		return fail("QEMU and at most %d arguments, please", MAX_ARGS - 1);
	for (i = 1; i < argc; i++) {
		for (j = 0; j < (int)ARRAY_SIZE(ours); j++)
			if (!strcmp(argv[i], ours[j]) ||
			    (argv[i][0] == '-' && argv[i][1] == '-' &&
			     !strcmp(argv[i] + 1, ours[j])))
				return fail("%s: luo-vm sets it", argv[i]);
		if (strstr(argv[i], "memory-backend"))
			return fail("%s: luo-vm sets the RAM", argv[i]);
	}
	return 0;
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

static int save_pid(const struct vm *vm, pid_t pid)
{
	char path[PATH_MAX];
	FILE *f;

	vm_path(vm, "pid", path);
	f = fopen(path, "w");
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	fprintf(f, "%d\n", pid);
	if (fclose(f))
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/* Parse "RAM\n" and NUL-ended arguments from @buf of @len bytes. */
static int parse_args(struct vm *vm, char *buf, size_t len)
{
	char *p = memchr(buf, '\n', len), *end = buf + len;

	if (!p)
		return -1;
	*p++ = '\0';
	vm->ram = strtoull(buf, NULL, 10);
	for (vm->argc = 0; p < end; vm->argc++) {
		char *nul = memchr(p, '\0', end - p);

		if (!nul || vm->argc == MAX_ARGS)
			return -1;
		vm->argv[vm->argc] = p;
		p = nul + 1;
	}
	vm->argv[vm->argc] = NULL;
	return vm->argc ? 0 : -1;
}

/* The whole of @fd, from its start, NUL-ended; NULL if over @max. */
static char *slurp(int fd, size_t max, size_t *len)
{
	struct stat st;
	char *buf;

	if (fstat(fd, &st) || st.st_size < 0 || (size_t)st.st_size > max) {
		errno = errno ? errno : EFBIG;
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

static int cmd_start(const char *name, const char *size, int argc, char **argv)
{
	struct vm vm = { .name = name, .argc = argc };
	char path[PATH_MAX], memfd[80], *r;
	struct qmp *q = calloc(1, sizeof(*q));
	pid_t pid;
	int ram, i;

	vm.ram = parse_size(size);
	if (!vm.ram)
		return fail("%s: not a size (N, NM or NG)", size);
	if (check_args(argc, argv) || vm_dir(&vm) || !q)
		return 1;
	for (i = 0; i < argc; i++)
		vm.argv[i] = argv[i];
	snprintf(memfd, sizeof(memfd), "luo-vm:%s", name);
	ram = memfd_create(memfd, MFD_CLOEXEC);
	if (ram < 0 || ftruncate(ram, vm.ram))
		return fail("the RAM memfd: %s", strerror(errno));
	if (save_args(&vm))
		return 1;
	pid = qemu_start(&vm, ram, 0);
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, pid))
		return fail("QEMU did not come up: %s", strerror(errno));
	r = qmp(q, "query-status", NULL);
	if (!r || !strstr(r, "\"running\": true")) {
		kill(pid, SIGTERM);
		return fail("QEMU is not running the VM");
	}
	if (save_pid(&vm, pid)) {
		kill(pid, SIGTERM);
		return 1;
	}
	printf("%s: VM %s started: QEMU %d, %llu MiB of RAM in a memfd\n",
	       prog, name, pid, vm.ram >> 20);
	return 0;
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

/* Parse a description; -1 if it is not one of ours. */
static int undescribe(struct vm *vm, char *buf, size_t len)
{
	char *p = buf, *end = buf + len, *nl, key[16];
	u64 v;
	int i, n = 0, seen = 0;

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
		if (!strcmp(key, "ram"))
			vm->ram = v, seen |= 1;
		else if (!strcmp(key, "state"))
			vm->state = v, seen |= 2;
		else if (!strcmp(key, "tsc_hz"))
			vm->tsc_hz = v;
		for (i = 0; i < NR_T; i++)
			if (!strcmp(key, t_names[i]))
				vm->t[i] = v;
	}
	if (p >= end || seen != 3)
		return -1;
	/* N arguments, each NUL-ended, and nothing after them. */
	p = nl + 1;
	for (vm->argc = 0; vm->argc < n; vm->argc++) {
		nl = memchr(p, '\0', end - p);
		if (!nl)
			return -1;
		vm->argv[vm->argc] = p;
		p = nl + 1;
	}
	vm->argv[vm->argc] = NULL;
	return p == end && vm->argc ? 0 : -1;
}

/* Run as HOLDER with session fd @fdarg until the kexec, or a kill. */
static int holder(const char *fdarg)
{
	int fd = atoi(fdarg);

	if (fd < 3 || fcntl(fd, F_SETFD, FD_CLOEXEC))
		return fail("the session fd: %s", strerror(EBADF));
	for (;;)
		pause();
}

/* Keep session @s in a daemon until the kexec; 0 once it runs. */
static int hold(int s)
{
	char fdarg[16], c;
	int sync[2], fd;

	/* The pipe closes on the exec; a byte on it means it failed. */
	if (pipe2(sync, O_CLOEXEC))
		return -1;
	fflush(NULL);
	switch (fork()) {
	case -1:
		return -1;
	case 0:
		close(sync[0]);
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		snprintf(fdarg, sizeof(fdarg), "%d", s);
		if (!fcntl(s, F_SETFD, 0))
			execl("/proc/self/exe", HOLDER, fdarg, (char *)NULL);
		if (write(sync[1], "x", 1) < 0)
			_exit(2);
		_exit(1);
	default:
		close(sync[1]);
		if (read(sync[0], &c, 1) != 0) {
			errno = ENOEXEC;
			return -1;
		}
		return 0;
	}
}

/* Wait up to 60 s for process @pid, not ours, to end. */
static int wait_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ms;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (ms = 0; ms < 60000; ms += 5) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return 0;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		/* A zombie no init reaps has ended all the same. */
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || p[2] == 'Z')
			return 0;
		sleep_ms(5);
	}
	return -1;
}

static int cmd_update(const char *name)
{
	struct vm vm = { .name = name };
	char path[PATH_MAX], link[PATH_MAX];
	struct qmp *q = calloc(1, sizeof(*q));
	int dev, s, ram, state, desc, pid = 0;
	u64 ended;
	struct stat st;
	size_t len;
	char *args;
	FILE *f;
	ssize_t n;

	if (!q || vm_dir(&vm))
		return 1;
	vm_path(&vm, "pid", path);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 1)
		return fail("no VM %s started by luo-vm (%s)", name, path);
	fclose(f);
	vm_path(&vm, "args", path);
	ram = open(path, O_RDONLY | O_CLOEXEC);
	args = ram < 0 ? NULL : slurp(ram, MAX_DESC, &len);
	if (!args || parse_args(&vm, args, len))
		return fail("%s: not the arguments of a VM", path);
	close(ram);

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

	dev = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fail("/dev/liveupdate: %s", strerror(errno));
	state = memfd_create("luo-vm-state", MFD_CLOEXEC);
	if (state < 0)
		return fail("memfd_create: %s", strerror(errno));
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, 0))
		return fail("QMP of VM %s: %s", name, strerror(errno));
	vm.tsc_hz = ticks_hz();

	/* The blackout starts. */
	vm.t[T_PAUSE] = ticks();
	if (!qmp(q, "stop", NULL))
		return fail("cannot pause VM %s: %s", name, strerror(errno));
	if (!qmp(q, "migrate-set-capabilities", IGNORE_SHARED) ||
	    !qmp(q, "migrate", "\"uri\": \"exec:cat > /proc/%d/fd/%d\"",
		 getpid(), state) ||
	    qmp_migrated(q))
		goto resume;
	vm.t[T_SAVED] = ticks();
	vm.state = lseek(state, 0, SEEK_END);

	s = luo_session(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, name);
	if (s < 0) {
		fail("session %s: %s", name, strerror(errno));
		goto resume;
	}
	if (luo_preserve(s, ram, 1) || luo_preserve(s, state, 2)) {
		fail("cannot preserve VM %s: %s", name, strerror(errno));
		close(s);
		goto resume;
	}
	vm.t[T_PRESERVED] = ticks();
	desc = describe(&vm);
	if (desc < 0 || luo_preserve(s, desc, 0)) {
		fail("the description of VM %s: %s", name, strerror(errno));
		close(s);
		goto resume;
	}
	if (hold(s)) {
		fail("cannot hold session %s: %s", name, strerror(errno));
		close(s);
		goto resume;
	}
	/*
	 * Held: from here the VM lives on in the next kernel.  QEMU ends
	 * without touching its RAM again.
	 */
	if (!qmp(q, "quit", NULL) && errno != ECONNRESET)
		kill(pid, SIGKILL);
	if (wait_gone(pid))
		kill(pid, SIGKILL);
	ended = ticks();
	printf("%s: VM %s held in session %s until the kexec: %llu MiB of RAM, ",
	       prog, name, name, vm.ram >> 20);
	printf("%llu KiB of device state; paused %llu us ago: ", vm.state >> 10,
	       ticks_us(vm.t[T_PAUSE], ended, vm.tsc_hz));
	printf("save %llu us, preserve %llu us, end QEMU %llu us\n",
	       ticks_us(vm.t[T_PAUSE], vm.t[T_SAVED], vm.tsc_hz),
	       ticks_us(vm.t[T_SAVED], vm.t[T_PRESERVED], vm.tsc_hz),
	       ticks_us(vm.t[T_PRESERVED], ended, vm.tsc_hz));
	return 0;

resume:
	/* Nothing is kept: the VM goes on where it was. */
	if (!qmp(q, "cont", NULL))
		return fail("VM %s is paused and could not be resumed", name);
	return fail("VM %s not kept; it runs on", name);
}

static int cmd_resume(const char *name)
{
	struct vm vm = { .name = name };
	u64 t0 = ticks(), up = now_ns(CLOCK_BOOTTIME), t1, t2, down, boot;
	char path[PATH_MAX], *buf, *r;
	struct qmp *q = calloc(1, sizeof(*q));
	int dev, s, ram, state, desc;
	struct stat st;
	size_t len;
	pid_t pid;

	if (!q || vm_dir(&vm))
		return 1;
	dev = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fail("/dev/liveupdate: %s: VM %s not started", strerror(errno),
			    name);
	s = luo_session(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, name);
	if (s < 0)
		return fail("no session %s was handed over (%s): VM %s not started",
			    name, strerror(errno), name);
	desc = luo_retrieve(s, 0);
	buf = desc < 0 ? NULL : slurp(desc, MAX_DESC, &len);
	if (!buf)
		return fail("session %s: no VM description (%s): VM not started",
			    name, strerror(errno));
	if (undescribe(&vm, buf, len))
		return fail("session %s: not a VM of luo-vm: VM not started", name);
	ram = luo_retrieve(s, 1);
	if (ram < 0)
		return fail("session %s: the VM's RAM was not kept (%s): VM not started",
			    name, strerror(errno));
	if (fstat(ram, &st) || (u64)st.st_size != vm.ram)
		return fail("session %s: RAM of %lld bytes, not %llu: VM not started",
			    name, (long long)st.st_size, vm.ram);
	state = luo_retrieve(s, 2);
	if (state < 0 || fstat(state, &st) || (u64)st.st_size != vm.state)
		return fail("session %s: the VM's device state was not kept: VM not started",
			    name);
	t1 = ticks();

	pid = qemu_start(&vm, ram, 1);
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	vm_path(&vm, "qmp", path);
	if (qmp_connect(q, path, pid))
		return fail("QEMU did not come up: %s", strerror(errno));
	if (!qmp(q, "migrate-set-capabilities", IGNORE_SHARED) ||
	    !qmp(q, "migrate-incoming", "\"uri\": \"exec:cat /proc/%d/fd/%d\"",
		 getpid(), state) ||
	    qmp_migrated(q)) {
		kill(pid, SIGTERM);
		return fail("QEMU could not load VM %s: %s", name,
			    strerror(errno));
	}
	/* It was paused when saved: it runs once told to. */
	r = qmp(q, "cont", NULL);
	t2 = ticks();
	if (!r) {
		kill(pid, SIGTERM);
		return fail("VM %s did not run: %s", name, strerror(errno));
	}
	if (luo_finish(s))
		fail("session %s not finished: %s", name, strerror(errno));
	/* luo-vm update works on it as on one it started. */
	if (save_pid(&vm, pid) || save_args(&vm))
		fail("VM %s runs, but luo-vm update cannot find it", name);

	/*
	 * From the session kept to this program: QEMU's end and the kexec,
	 * then the next kernel up to here, as long as this kernel has run.
	 */
	down = ticks_us(vm.t[T_PRESERVED], t0, vm.tsc_hz);
	boot = up / 1000;
	if (boot > down)
		boot = down;
	printf("%s: VM %s running again in QEMU %d: blackout %llu us: ",
	       prog, name, pid, ticks_us(vm.t[T_PAUSE], t2, vm.tsc_hz));
	printf("save %llu us, preserve %llu us, end QEMU and kexec %llu us, ",
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
	if (!strcmp(argv[0], HOLDER) && argc == 2)
		return holder(argv[1]);
	prog = basename(argv[0]);
	if (argc >= 6 && !strcmp(argv[1], "start") && !strcmp(argv[4], "--"))
		return cmd_start(argv[2], argv[3], argc - 5, argv + 5);
	if (argc == 3 && !strcmp(argv[1], "update"))
		return cmd_update(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "resume"))
		return cmd_resume(argv[2]);
	fprintf(stderr, "usage: luo-vm start NAME SIZE -- QEMU [ARG...]\n"
		"       luo-vm update NAME\n"
		"       luo-vm resume NAME\n");
	return 2;
}
