/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver internals shared by kernel/kexec_handover.c and its
 * KUnit suite.  Nothing here is an interface for other subsystems.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_INTERNAL_H
#define _KERNEL_KEXEC_HANDOVER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/percpu-rwsem.h>
#include <linux/types.h>

/*
 * The tracker is a five level radix tree keyed by (order, pfn >> order):
 * four levels of tables, each a page of 64-bit links, above leaves that
 * are a page of bits each, one bit per preserved block.
 *
 *   50      45 44                                                    0
 *  +----------+------------------------------------------------------+
 *  |  order   |                     pfn >> order                     |
 *  +----------+------------------------------------------------------+
 *  |   L4 table   |  L3 table  |  L2 table  |  L1 table  |   bitmap   |
 *   50        42 41        33 32        24 23        15 14          0
 *
 * With 4 KiB pages a leaf covers 32768 blocks (128 MiB of order-0 pages)
 * and a table 512 links.  Four table levels are the fewest that hold the
 * 6-bit order above the 40-bit pfn of a 52-bit physical address: three
 * would stop at 42 key bits.  Each order's blocks are dense in the key, so
 * a set of order-N folios costs one bit per folio whatever N is.
 */
#define KHO_BITMAP_KEY_BITS	(PAGE_SHIFT + 3)	/* bits in a page */
#define KHO_TABLE_KEY_BITS	(PAGE_SHIFT - 3)	/* u64 in a page */
#define KHO_TABLE_LEVELS	4
#define KHO_KEY_BITS		(KHO_BITMAP_KEY_BITS + \
				 KHO_TABLE_LEVELS * KHO_TABLE_KEY_BITS)

#define KHO_BITMAP_BITS		BIT(KHO_BITMAP_KEY_BITS)
#define KHO_TABLE_ENTRIES	BIT(KHO_TABLE_KEY_BITS)

#define KHO_KEY_ORDER	GENMASK_ULL(KHO_KEY_BITS - 1, KHO_KEY_BITS - 6)
#define KHO_KEY_INDEX	GENMASK_ULL(KHO_KEY_BITS - 7, 0)

#define KHO_KEY_BIT	GENMASK_ULL(KHO_BITMAP_KEY_BITS - 1, 0)
#define KHO_KEY_L1	GENMASK_ULL(KHO_BITMAP_KEY_BITS + KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS)
#define KHO_KEY_L2	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 2 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + KHO_TABLE_KEY_BITS)
#define KHO_KEY_L3	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 3 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + 2 * KHO_TABLE_KEY_BITS)
#define KHO_KEY_L4	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 4 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + 3 * KHO_TABLE_KEY_BITS)

/*
 * The format holds 52-bit physical addresses whatever the running kernel
 * supports, so both ends of a handover agree on the key.
 */
#define KHO_PHYS_BITS		52
#define KHO_PFN_BITS		(KHO_PHYS_BITS - PAGE_SHIFT)
#define KHO_PFN_LIMIT		BIT_ULL(KHO_PFN_BITS)
#define KHO_ORDER_MAX		KHO_PFN_BITS

struct kho_table;
struct kho_bitmap;

/**
 * union kho_link - A link from a tracker table to the level below.
 * @table: the next table (levels 4 to 2) while the tracker is built.
 * @bitmap: the leaf bitmap (level 1) while the tracker is built.
 * @phys: physical address of either once serialized.
 *
 * Zero means no link in both forms.  Links hold virtual addresses while
 * preservers run and are rewritten once, at serialize time, so the
 * preserve path never converts between the two.
 */
union kho_link {
	struct kho_table *table;
	struct kho_bitmap *bitmap;
	u64 phys;
};

/**
 * struct kho_table - One page of links.
 * @link: links to the level below, indexed by the level's key bits.
 */
struct kho_table {
	union kho_link link[KHO_TABLE_ENTRIES];
};

/**
 * struct kho_bitmap - One page of preservation bits.
 * @bits: bit n set means block n of the leaf's key range is preserved.
 */
struct kho_bitmap {
	unsigned long bits[KHO_BITMAP_BITS / BITS_PER_LONG];
};

/**
 * struct kho_leaf_cache - The leaf a CPU last preserved into.
 * @prefix: the key bits above the leaf's.
 * @leaf: the leaf, or NULL.
 */
struct kho_leaf_cache {
	u64 prefix;
	struct kho_bitmap *leaf;
};

/**
 * struct kho_mem_track - A set of preserved blocks.
 * @root: link to the level-4 table.
 * @sem: held for read by preservers, for write by serialize, abort and
 *	discard; readers only touch a per-CPU counter.
 * @serialized: links hold physical addresses; preserving is refused.
 * @frozen: preservers must take the slow path, which @sem guards.
 * @nr_pages: pages used by tables and bitmaps.
 * @cache: per CPU, the leaf last preserved into.
 * @alloc_budget: test hook: table allocations left before failing one,
 *	or negative for no limit.
 */
struct kho_mem_track {
	union kho_link root;
	struct percpu_rw_semaphore sem;
	bool serialized;
	bool frozen;
	atomic_long_t nr_pages;
	struct kho_leaf_cache __percpu *cache;
	atomic_t alloc_budget;
};

/**
 * struct kho_walk_ops - What a walk of a tracker reports to.
 * @run: called for @nr consecutive blocks of @order starting at @phys, in
 *	key order: by order, then by address.  A non-zero return stops the
 *	walk and is returned by it.
 * @table_ok: serialized walks only: whether the page at @phys may be read
 *	as a table or bitmap.  The walk checks alignment and loops itself.
 */
struct kho_walk_ops {
	int (*run)(void *arg, phys_addr_t phys, unsigned int order,
		   unsigned long nr);
	bool (*table_ok)(void *arg, phys_addr_t phys);
};

/**
 * struct kho_in_stats - What taking a handover over cost the next kernel.
 * @blocks: preserved blocks.
 * @bytes: preserved bytes.
 * @runs: runs of blocks of one order, contiguous in memory.
 * @ranges: memblock reservations made.
 * @table_pages: tracker pages read.
 * @per_block: whether each block was reserved alone (the reference).
 * @walk_ns: walking, checking and sorting, before any reservation.
 * @reserve_ns: reserving in memblock.
 * @stamp_ns: recording each block's order in its first struct page.
 */
struct kho_in_stats {
	u64 blocks;
	u64 bytes;
	unsigned long runs;
	unsigned long ranges;
	u64 table_pages;
	bool per_block;
	u64 walk_ns;
	u64 reserve_ns;
	u64 stamp_ns;
};

const struct kho_in_stats *kho_get_in_stats(void);

/**
 * struct kho_run - Preserved blocks of one order, contiguous in memory.
 * @base: physical address of the first block.
 * @nr: number of blocks.
 * @order: order of every block.
 */
struct kho_run {
	phys_addr_t base;
	u64 nr;
	unsigned int order;
};

/**
 * struct kho_in_collect - Gathers a walk's reports into runs.
 * @runs: where to store the runs, or NULL to count them only.
 * @nr: runs so far.
 * @max: room in @runs.
 * @last: the run being gathered.
 * @blocks: blocks so far.
 * @bytes: bytes so far.
 * @table_pages: pages of tables and bitmaps read.
 */
struct kho_in_collect {
	struct kho_run *runs;
	unsigned long nr;
	unsigned long max;
	struct kho_run last;
	u64 blocks;
	u64 bytes;
	u64 table_pages;
};

struct memblock_type;

int kho_runs_add(void *arg, phys_addr_t phys, unsigned int order,
		 unsigned long nr);
void kho_runs_flush(struct kho_in_collect *c);
const char *kho_runs_check(const struct kho_run *runs, unsigned long nr,
			   const struct memblock_type *memory,
			   const struct memblock_type *reserved);
unsigned long kho_runs_reserve(const struct kho_run *runs, unsigned long nr,
			       void (*reserve)(phys_addr_t base,
					       phys_addr_t size));

int kho_key_encode(unsigned long pfn, unsigned int order, u64 *key);
void kho_key_decode(u64 key, unsigned long *pfn, unsigned int *order);

int kho_track_init(struct kho_mem_track *track);
void kho_track_destroy(struct kho_mem_track *track);
int kho_track_preserve(struct kho_mem_track *track, unsigned long pfn,
		       unsigned int order);
int kho_track_unpreserve(struct kho_mem_track *track, unsigned long pfn,
			 unsigned int order);
int kho_track_preserve_range(struct kho_mem_track *track, unsigned long pfn,
			     unsigned long nr_pages);
int kho_track_serialize(struct kho_mem_track *track, phys_addr_t *root);
int kho_track_abort(struct kho_mem_track *track);
void kho_track_discard(struct kho_mem_track *track);
int kho_track_walk(struct kho_mem_track *track,
		   const struct kho_walk_ops *ops, void *arg);
int kho_walk_serialized(phys_addr_t root, const struct kho_walk_ops *ops,
			void *arg);

#endif /* _KERNEL_KEXEC_HANDOVER_INTERNAL_H */
