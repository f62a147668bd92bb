/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO) internals, shared by kernel/kexec_handover*.c,
 * their KUnit suites and the host harness in tools/testing/kho/.  Nothing
 * here is an interface for other subsystems.
 *
 * The first part is the handover format and the next kernel's checks
 * (kexec_handover_format.c), which compile on the host too; the second is
 * the tracker (kexec_handover_tracker.c); the last is what the outgoing
 * side, the incoming side, debugfs and the debug code share.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_INTERNAL_H
#define _KERNEL_KEXEC_HANDOVER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/percpu-rwsem.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct memblock_type;

/*
 * The format: see "KHO handover format" in kexec_handover_format.c.  A key
 * is (order, pfn >> order); four levels of tables of 64-bit links stand
 * above leaves of one bit per block.
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

#define KHO_FDT_COMPATIBLE	"kho-radix-v1"
#define KHO_FDT_ROOT_PROP	"preserved-memory"
#define KHO_FDT_SUB_PROP	"fdt"
#define KHO_FDT_MAX_SIZE	SZ_64K

struct kho_table;
struct kho_bitmap;
struct kho_leaf_cache;

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
 * struct kho_scratch - One scratch area, as the scratch list holds it.
 * @addr: physical address, aligned to the CMA pageblock size.
 * @size: size in bytes, aligned likewise.
 */
struct kho_scratch {
	u64 addr;
	u64 size;
};

enum {
	KHO_SCRATCH_LOWMEM,
	KHO_SCRATCH_GLOBAL,
	KHO_SCRATCH_PERNODE,
	KHO_SCRATCH_KINDS
};

#define KHO_SCRATCH_MAX		(KHO_SCRATCH_KINDS - 1 + MAX_NUMNODES)

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
void kho_runs_sort(struct kho_run *runs, unsigned long nr);
const char *kho_runs_check(const struct kho_run *runs, unsigned long nr,
			   const struct memblock_type *memory,
			   const struct memblock_type *reserved);
unsigned long kho_runs_ranges(const struct kho_run *runs, unsigned long nr,
			      void (*fn)(void *arg, phys_addr_t base,
					 phys_addr_t size),
			      void *arg);
long kho_runs_find(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t phys);
void kho_runs_clip(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t lo, phys_addr_t hi,
		   void (*fn)(void *arg, phys_addr_t base, phys_addr_t size),
		   void *arg);

bool kho_mem_usable(const struct memblock_type *memory, phys_addr_t base,
		    phys_addr_t size);

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
 * @runs_size: bytes allocated for @runs.
 * @nr_runs: how many.
 * @blocks: preserved blocks.
 * @bytes: preserved bytes.
 * @pages: tracker pages read.
 * @nr_ranges: memblock ranges reserved.
 * @walk_cycles: what the walk alone took, if @ops->cycles is set.
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
	/* private: */
	bool marked;			/* scratch is marked in memblock */
	phys_addr_t low_scratch;
	u64 *page_list;			/* the table pages read */
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

#ifdef __KERNEL__

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
void *kho_out_fdt(void);

/* Steps of the next kernel's handover, as the debug code times them. */
enum kho_in_step {
	KHO_IN_WALK,	/* reading the tables into runs */
	KHO_IN_CHECK,	/* sorting and checking the runs */
	KHO_IN_RESERVE,	/* reserving in memblock */
	KHO_IN_INIT,	/* scratch to CMA, before memblock frees memory */
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

#endif /* __KERNEL__ */

#endif /* _KERNEL_KEXEC_HANDOVER_INTERNAL_H */
