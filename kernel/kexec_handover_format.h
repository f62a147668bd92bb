/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): the next kernel's checks of a handover
 * (kexec_handover_format.c).  Compiled on the host too, by
 * tools/testing/kho/: nothing here reaches memory but through callbacks.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_FORMAT_H
#define _KERNEL_KEXEC_HANDOVER_FORMAT_H

#include <linux/numa.h>
#include <linux/types.h>

#include "kexec_handover_tracker.h"

struct memblock_type;

enum {
	KHO_SCRATCH_LOWMEM,
	KHO_SCRATCH_GLOBAL,
	KHO_SCRATCH_PERNODE,
	KHO_SCRATCH_KINDS
};

#define KHO_SCRATCH_MAX		(KHO_SCRATCH_KINDS - 1 + MAX_NUMNODES)

/**
 * struct kho_run - Preserved blocks of one order, contiguous in memory.
 * @base: physical address of the first block.
 * @nr: number of blocks.
 * @first: index of the first block among all runs', in address order.
 * @order: order of every block.
 */
struct kho_run {
	phys_addr_t base;
	u64 nr;
	u64 first;
	unsigned int order;
};

static inline phys_addr_t kho_run_end(const struct kho_run *run)
{
	return run->base + (run->nr << (run->order + PAGE_SHIFT));
}

/**
 * struct kho_runs - Gathers a walk's reports into runs.
 * @runs: where to store the runs, or NULL to count them only.
 * @nr: runs so far.
 * @max: room in @runs.
 * @blocks: blocks so far.
 * @bytes: bytes so far.
 */
struct kho_runs {
	struct kho_run *runs;
	unsigned long nr;
	unsigned long max;
	u64 blocks;
	u64 bytes;
	/* private: */
	struct kho_run last;	/* the run being gathered */
};

int kho_runs_add(void *arg, phys_addr_t phys, unsigned int order,
		 unsigned long nr);
void kho_runs_flush(struct kho_runs *c);
void kho_runs_sort(struct kho_run *runs, unsigned long nr,
		   struct kho_run *tmp);
const char *kho_runs_check(const struct kho_run *runs, unsigned long nr,
			   const struct memblock_type *memory,
			   const struct memblock_type *reserved);
unsigned long kho_runs_ranges(const struct kho_run *runs, unsigned long nr,
			      void (*fn)(void *arg, phys_addr_t base,
					 phys_addr_t size),
			      void *arg);
long kho_runs_find(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t phys);
long kho_runs_find_near(const struct kho_run *runs, unsigned long nr,
			phys_addr_t phys, unsigned long hint);
bool kho_runs_cover(const struct kho_run *runs, unsigned long nr,
		    phys_addr_t phys, u64 size);
void kho_runs_clip(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t lo, phys_addr_t hi,
		   void (*fn)(void *arg, phys_addr_t base, phys_addr_t size),
		   void *arg);

bool kho_mem_usable(const struct memblock_type *memory, phys_addr_t base,
		    phys_addr_t size);
phys_addr_t kho_unreserved_bytes(phys_addr_t base, phys_addr_t size);

/**
 * struct kho_in_ops - How the next kernel's checks reach memory.
 * @map_early: map @size bytes at @phys for reading before the direct map
 *	covers RAM, or return NULL.
 * @unmap_early: undo @map_early.
 * @map: a pointer through which @size bytes at @phys, which memblock knows
 *	as RAM, may be read.
 * @cycles: a cycle counter to time the walk with, or NULL.
 */
struct kho_in_ops {
	const void *(*map_early)(u64 phys, u64 size);
	void (*unmap_early)(const void *p, u64 size);
	const void *(*map)(phys_addr_t phys, size_t size);
	u64 (*cycles)(void);
};

/**
 * struct kho_in - A handover as the next kernel takes it over.
 * @ops: how to reach memory.
 * @areas: where the scratch areas are recorded.
 * @nr_areas: where their number is recorded.
 * @seen: a boot entry was found.
 * @rejected: the handover was rejected: everything below is forgotten.
 * @why: why it was rejected.
 * @where: the address @why is about, if any.
 * @root: the tracker's root table.
 * @fdt: the KHO FDT.
 * @fdt_size: the size of the memory holding it.
 * @list: the scratch list.
 * @list_size: its size.
 * @runs: the preserved runs, sorted by address, allocated from memblock.
 * @runs_size: bytes allocated for @runs: while checking, more than used.
 * @nr_runs: how many.
 * @blocks: preserved blocks.
 * @bytes: preserved bytes.
 * @pages: tracker pages read.
 * @nr_ranges: memblock ranges reserved.
 * @walk_cycles: what the walk alone took, if @ops->cycles is set.
 * @walk_warm_cycles: benchmark only: the same walk done again at once.
 */
struct kho_in {
	const struct kho_in_ops *ops;
	struct kho_scratch *areas;
	unsigned int *nr_areas;
	bool seen;
	bool rejected;
	const char *why;
	u64 where;
	u64 root;
	u64 fdt;
	u64 fdt_size;
	u64 list;
	u64 list_size;
	struct kho_run *runs;
	phys_addr_t runs_size;
	unsigned long nr_runs;
	u64 blocks;
	u64 bytes;
	unsigned long pages;
	unsigned long nr_ranges;
	u64 walk_cycles;
	u64 walk_warm_cycles;
	/* private: */
	bool marked;			/* scratch is marked in memblock */
	phys_addr_t low_scratch;
	u64 *page_list;			/* the table pages read */
	phys_addr_t pages_size;		/* bytes allocated for it */
	unsigned long max_pages;
	struct kho_runs collect;
	struct memblock_region *ranges;
};

const char *kho_in_reject(struct kho_in *in, const char *why);
const char *kho_in_parse(struct kho_in *in, u64 fdt, u64 fdt_size, u64 list,
			 u64 list_size);
const char *kho_in_scratch_only(struct kho_in *in, phys_addr_t low_scratch);
const char *kho_in_check(struct kho_in *in);
const char *kho_in_reserve(struct kho_in *in);

int kho_fdt_get_u64(const void *fdt, int node, const char *name, u64 *val);
const char *kho_fdt_check(const void *fdt, size_t size, u64 *root);
int kho_fdt_find_sub(const void *fdt, const char *name, u64 *phys);
const char *kho_scratch_check(const struct kho_scratch *list, u64 size,
			      unsigned int *cnt);

#endif /* _KERNEL_KEXEC_HANDOVER_FORMAT_H */
