/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO) internals shared by kernel/kexec_handover*.c and
 * their KUnit suites: the outgoing side, the incoming side, scratch,
 * debugfs and the debug code.  Nothing here is an interface for other
 * subsystems.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_INTERNAL_H
#define _KERNEL_KEXEC_HANDOVER_INTERNAL_H

#include <linux/types.h>

#include "kexec_handover_format.h"
#include "kexec_handover_tracker.h"

struct dentry;

extern bool kho_enable;
extern struct kho_tracker kho_out_tracker;
extern struct kho_scratch kho_scratch[KHO_SCRATCH_MAX];
extern unsigned int kho_scratch_cnt;
extern phys_addr_t kho_low_scratch;

/*
 * Point *@area at the next scratch area, starting from NULL; at the end,
 * return false with *@area NULL again.
 */
static inline bool kho_scratch_next(struct kho_scratch **area)
{
	*area = *area ? *area + 1 : kho_scratch;
	if (*area < kho_scratch + kho_scratch_cnt)
		return true;
	*area = NULL;
	return false;
}

/*
 * for_each_kho_scratch - point @area, which must start NULL, at each scratch
 * area in turn; after a loop that ran to its end it is NULL again.
 */
#define for_each_kho_scratch(area) for (; kho_scratch_next(&(area));)

bool kho_scratch_overlaps(phys_addr_t phys, u64 size);

int kho_scratch_parse(const char *p, phys_addr_t *sizes,
		      unsigned int *percent);

/* Outgoing side, for debugfs. */
int kho_out_finalize(void);
int kho_out_abort(void);
bool kho_out_finalized(void);
void kho_out_set_discard(bool discard);
bool kho_out_discard(void);
unsigned long liveupdate_nr_sessions(void);
void *kho_out_fdt(void);

/* Steps of the next kernel's handover, as the debug code times them. */
enum kho_in_step {
	KHO_IN_WALK,	/* reading the tables into runs */
	KHO_IN_CHECK,	/* sorting and checking the runs */
	KHO_IN_RESERVE,	/* reserving in memblock */
	KHO_IN_INIT,	/* scratch to CMA, before memblock frees memory */
	KHO_IN_WALK_WARM, /* the walk again at once: benchmark only */
	KHO_IN_STEPS
};

/**
 * struct kho_in_stats - What taking a handover over cost the next kernel.
 * @blocks: preserved blocks.
 * @bytes: preserved bytes.
 * @runs: runs of blocks of one order, contiguous in memory.
 * @ranges: memblock reservations made.
 * @table_pages: tracker pages read.
 * @per_block: whether each block was reserved alone (the reference).
 * @cycles: debug only: cycles each step took, in early boot.
 * @ns: debug only: the same in nanoseconds, once a clock runs.
 */
struct kho_in_stats {
	u64 blocks;
	u64 bytes;
	unsigned long runs;
	unsigned long ranges;
	u64 table_pages;
	bool per_block;
	u64 cycles[KHO_IN_STEPS];
	u64 ns[KHO_IN_STEPS];
};

/* Incoming side, for debugfs, the debug code and the benchmark. */
struct kho_in_stats *kho_in_stats(void);
const void *kho_in_fdt(void);
u64 kho_in_preserved_size(phys_addr_t phys);
u64 kho_in_preserved_pages(void);

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
void kho_debugfs_out_fdt(const void *fdt);
void kho_debugfs_out_sub_fdt(const char *name, const void *fdt);
void kho_debugfs_out_clear(void);
#else
static inline void kho_debugfs_out_fdt(const void *fdt) { }
static inline void kho_debugfs_out_sub_fdt(const char *name,
					   const void *fdt) { }
static inline void kho_debugfs_out_clear(void) { }
#endif

/*
 * Debug only (CONFIG_KEXEC_HANDOVER_DEBUG): a corrupt injector in debugfs,
 * the kho_reserve= reference strategy, and timing of the next kernel's
 * steps in cycles, converted once a clock is known to run.
 */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
void kho_debug_debugfs_init(struct dentry *out);
bool kho_debug_reserve_per_block(const struct kho_run *runs,
				 unsigned long nr);
u64 kho_debug_cycles(void);
void kho_debug_time(struct kho_in_stats *st);
#else
static inline void kho_debug_debugfs_init(struct dentry *out) { }
static inline bool kho_debug_reserve_per_block(const struct kho_run *runs,
					       unsigned long nr)
{
	return false;
}

static inline u64 kho_debug_cycles(void) { return 0; }
static inline void kho_debug_time(struct kho_in_stats *st) { }
#endif

#endif /* _KERNEL_KEXEC_HANDOVER_INTERNAL_H */
