/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): the preservation tracker (kexec_handover_tracker.c),
 * its keys and the walk of its tables.  Compiled on the host too, by
 * tools/testing/kho/.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_TRACKER_H
#define _KERNEL_KEXEC_HANDOVER_TRACKER_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/percpu-rwsem.h>
#include <linux/types.h>

struct kho_leaf_cache;

int kho_key_encode(unsigned long pfn, unsigned int order, u64 *key);
void kho_key_decode(u64 key, unsigned long *pfn, unsigned int *order);

/* The largest naturally aligned block at @pfn that ends by @end. */
static inline unsigned int kho_range_order(unsigned long pfn,
					   unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return order;
}

/**
 * struct kho_blocks - The blocks of a range, the largest naturally aligned
 *	ones that fit, in address order.
 * @pfn: first page of the current block.
 * @order: order of the current block.
 *
 * Start with kho_blocks() and step with for_each_kho_block().
 */
struct kho_blocks {
	unsigned long pfn;
	unsigned int order;
	/* private: */
	unsigned long next;
	unsigned long end;
};

static inline struct kho_blocks kho_blocks(unsigned long start,
					   unsigned long end)
{
	return (struct kho_blocks){ .next = start, .end = end };
}

static inline bool kho_blocks_next(struct kho_blocks *b)
{
	if (b->next >= b->end)
		return false;
	b->pfn = b->next;
	b->order = kho_range_order(b->pfn, b->end);
	b->next = b->pfn + (1UL << b->order);
	return true;
}

/* for_each_kho_block - step @b, set up by kho_blocks(), through its range. */
#define for_each_kho_block(b) for (; kho_blocks_next(&(b));)

/**
 * struct kho_walk_ops - What a walk of tracker tables reports to.
 * @run: called for @nr consecutive blocks of @order starting at @phys, in
 *	key order: by order, then by address.  A non-zero return stops the
 *	walk and is returned by it.
 * @map: serialized walks only: a pointer through which the page at @phys
 *	may be read as a table or bitmap, or NULL if it may not be.  The
 *	walk checks alignment and loops itself.
 */
struct kho_walk_ops {
	int (*run)(void *arg, phys_addr_t phys, unsigned int order,
		   unsigned long nr);
	const void *(*map)(void *arg, phys_addr_t phys);
};

/**
 * struct kho_walk - One walk of tracker tables.
 * @ops: what to report to.
 * @arg: passed to @ops.
 * @min_pfn: serialized walks: the lowest pfn of RAM.
 * @max_pfn: serialized walks: the pfn above RAM, or 0 for no limit.
 * @pages: tables and bitmaps read so far.
 * @why: set when a serialized walk refuses the tables: what is wrong.
 * @where: the link or block @why is about.
 */
struct kho_walk {
	const struct kho_walk_ops *ops;
	void *arg;
	u64 min_pfn;
	u64 max_pfn;
	unsigned long pages;
	const char *why;
	u64 where;
	/* private: */
	bool serialized;			/* links are physical */
	phys_addr_t path[KHO_TABLE_LEVELS + 1];	/* to catch loops */
};

int kho_walk_live(struct kho_walk *w, const union kho_link *root);
int kho_walk_serialized(struct kho_walk *w, phys_addr_t root);

/**
 * struct kho_tracker - A set of preserved blocks.
 * @root: link to the level-4 table.
 * @sem: held for read by preservers, for write by serialize, abort and
 *	discard; readers only touch a per-CPU counter.
 * @serialized: links hold physical addresses; preserving is refused.
 * @frozen: preservers must take the slow path, which @sem guards.
 * @nr_pages: pages used by tables and bitmaps.
 * @cache: per CPU, the leaf last preserved into.
 * @alloc: allocates a zeroed table page; tests replace it.
 */
struct kho_tracker {
	union kho_link root;
	struct percpu_rw_semaphore sem;
	bool serialized;
	bool frozen;
	atomic_long_t nr_pages;
	struct kho_leaf_cache __percpu *cache;
	void *(*alloc)(struct kho_tracker *tracker);
};

int kho_tracker_init(struct kho_tracker *tracker);
void kho_tracker_destroy(struct kho_tracker *tracker);
int kho_tracker_preserve(struct kho_tracker *tracker, unsigned long pfn,
			 unsigned int order);
int kho_tracker_unpreserve(struct kho_tracker *tracker, unsigned long pfn,
			   unsigned int order);
int kho_tracker_preserve_range(struct kho_tracker *tracker,
			       unsigned long pfn, unsigned long nr_pages);
int kho_tracker_unpreserve_range(struct kho_tracker *tracker,
				 unsigned long pfn, unsigned long nr_pages);
int kho_tracker_serialize(struct kho_tracker *tracker, phys_addr_t *root);
int kho_tracker_abort(struct kho_tracker *tracker);
void kho_tracker_discard(struct kho_tracker *tracker);
int kho_tracker_walk(struct kho_tracker *tracker,
		     const struct kho_walk_ops *ops, void *arg);

#endif /* _KERNEL_KEXEC_HANDOVER_TRACKER_H */
