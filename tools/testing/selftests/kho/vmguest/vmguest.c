// SPDX-License-Identifier: GPL-2.0
/*
 * vmguest: the virtual machine of the vm_live_update scenario.  It fills
 * its RAM with a pattern of each word's address and a generation, then
 * sweeps the RAM for ever, 64 KiB at a time: every word is checked against
 * the current generation and rewritten with the next one, and a counter
 * goes up with each chunk.  The counter and the sweep live in guest RAM
 * and registers only, so a VM restored on zeroed or stale memory reports
 * a bad word at once, and one restarted from scratch says "booted" and
 * counts from zero again.
 *
 * Console lines, on the first serial port:
 *	vmguest: booted, RAM 0x%x-0x%x
 *	vmguest: counter N
 *	vmguest: pass N verified, counter N
 *	vmguest: RAM BAD at 0x%x: 0x%x, not 0x%x (pass N)
 */
#include <stdint.h>

#define MB_BOOT_MAGIC	0x2badb002
#define MB_INFO_MEM	0x1
#define CHUNK		0x10000
#define PRINT_EVERY	16		/* chunks between counter lines */
#define COM1		0x3f8

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;		/* KiB below 1 MiB */
	uint32_t mem_upper;		/* KiB from 1 MiB on */
};

static inline void port_write(uint16_t port, uint8_t v)
{
	asm volatile("out %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t port_read(uint16_t port)
{
	uint8_t v;

	asm volatile("in %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* RAM as the VM sees it: each access done, none merged or dropped. */
static inline uint32_t ram_read(const uint32_t *p)
{
	uint32_t v;

	asm volatile("movl %1, %0" : "=r"(v) : "m"(*p));
	return v;
}

static inline void ram_write(uint32_t *p, uint32_t v)
{
	asm volatile("movl %1, %0" : "=m"(*p) : "r"(v));
}

static void putc(char c)
{
	while (!(port_read(COM1 + 5) & 0x20))
		;
	port_write(COM1, c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void putu(uint32_t v, int base)
{
	char buf[12];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		putc(buf[--i]);
}

/* A word of the pattern: its address mixed with the generation. */
static inline uint32_t pattern(uint32_t addr, uint32_t gen)
{
	uint32_t x = addr ^ (gen * 0x9e3779b9u);

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}

/* Say which word is wrong, and stop. */
static void bad(uint32_t *p, uint32_t want, uint32_t gen)
{
	puts("vmguest: RAM BAD at 0x");
	putu((uint32_t)p, 16);
	puts(": 0x");
	putu(ram_read(p), 16);
	puts(", not 0x");
	putu(want, 16);
	puts(" (pass ");
	putu(gen, 10);
	puts(")\n");
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * Entered from head.S with the loader's magic and information, and the
 * end of the image: RAM from there on is checked.
 */
void vmguest_main(uint32_t magic, const struct mb_info *mbi, uint32_t end_addr)
{
	uint32_t lo = end_addr, hi, gen = 0, counter = 0, a;
	uint32_t *p, *end;

	if (magic != MB_BOOT_MAGIC || !(mbi->flags & MB_INFO_MEM)) {
		puts("vmguest: not started by a multiboot loader\n");
		return;
	}
	hi = (0x100000 + mbi->mem_upper * 1024) & ~(CHUNK - 1);
	lo = (lo + CHUNK - 1) & ~(CHUNK - 1);
	if (hi <= lo) {
		puts("vmguest: no RAM to check\n");
		return;
	}
	puts("vmguest: booted, RAM 0x");
	putu(lo, 16);
	puts("-0x");
	putu(hi, 16);
	puts("\n");
	for (a = lo; a < hi; a += 4)
		ram_write((uint32_t *)a, pattern(a, 0));

	for (;;) {
		for (a = lo; a < hi; a += CHUNK) {
			end = (uint32_t *)(a + CHUNK);
			for (p = (uint32_t *)a; p < end; p++) {
				uint32_t want = pattern((uint32_t)p, gen);

				if (ram_read(p) != want)
					bad(p, want, gen);
				ram_write(p, pattern((uint32_t)p, gen + 1));
			}
			if (!(++counter % PRINT_EVERY)) {
				puts("vmguest: counter ");
				putu(counter, 10);
				puts("\n");
			}
		}
		gen++;
		puts("vmguest: pass ");
		putu(gen, 10);
		puts(" verified, counter ");
		putu(counter, 10);
		puts("\n");
	}
}
