/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host stands in for a machine: a window of "physical" memory mapped
 * at a fixed address (physical and virtual addresses are the same on the
 * host, as in tools/testing/memblock), memblock describing it, and the
 * callbacks through which the next kernel's checks read it.
 */
#ifndef _KHO_HOST_H
#define _KHO_HOST_H

#include <stdbool.h>
#include <linux/bits.h>
#include <linux/memblock.h>
#include <linux/types.h>

#include "../../../kernel/kexec_handover_format.h"

#define HOST_BASE	BIT_ULL(45)
#define HOST_SIZE	(64ULL << 20)
#define HOST_PAGES	(HOST_SIZE >> PAGE_SHIFT)
#define HOST_PFN(page)	((HOST_BASE >> PAGE_SHIFT) + (page))
#define HOST_ADDR(page)	(HOST_BASE + ((u64)(page) << PAGE_SHIFT))

extern const struct kho_in_ops host_in_ops;
/* Pages the checks mapped since host_reset(). */
extern unsigned long host_maps;
extern bool host_verbose;

void host_init(void);
void host_reset(void);
void host_reset_touched(void);
void host_touch(u64 addr);
void host_alloc_made(u64 addr, u64 size);
bool host_window_zero(void);
void host_pages_from(u64 start, u64 end);
bool host_reserved_array_moved(void);
void host_fail(const char *file, int line, const char *what);

/* A KHO handover state for the host, its scratch list in @areas. */
struct host_in {
	struct kho_in in;
	struct kho_scratch areas[KHO_SCRATCH_MAX];
	unsigned int nr_areas;
};

void host_in_init(struct host_in *h, u64 root, u64 fdt, u64 list);

#define CHECK(cond) do {						\
	if (!(cond))							\
		host_fail(__FILE__, __LINE__, #cond);			\
} while (0)

#endif
