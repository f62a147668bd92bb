// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): keep memory intact across kexec.
 *
 * In this file a "block" is a naturally aligned run of 2^order pages, a
 * "key" is a block's position in the tracker (see kexec_handover_internal.h),
 * a "link" is one 64-bit entry of a tracker table and a "leaf" is a bitmap
 * page at the bottom of the tracker.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/page-isolation.h>
#include <linux/pfn.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <kunit/visibility.h>

#include "../mm/internal.h"
#include "kexec_handover_internal.h"
#include "kexec_internal.h"

/**
 * DOC: KHO preservation tracker
 *
 * The tracker records which blocks of memory must survive the next kexec.
 * It is a radix tree of pages keyed by (order, pfn >> order): one tree for
 * every order, so there is no per-order structure and each order's blocks
 * are dense in the key.
 *
 * Preservers never take a lock.  Missing tables are allocated zeroed and
 * installed with cmpxchg(), the loser freeing its page, and bits are set
 * atomically.  Each CPU remembers the leaf it used last, and a block in
 * that leaf costs one atomic bit with preemption disabled.  Other blocks
 * hold the read side of a per-CPU semaphore while they walk down, and may
 * allocate.  Serialize, abort and discard take it for write and, for the
 * fast path, raise a flag and wait a grace period.  Tables are only freed
 * by a bulk discard, which excludes preservers, so no RCU is needed to
 * read a link.
 *
 * Serializing rewrites every link from a virtual to a physical address in
 * one pass, so the tables can be read by the next kernel as they are.  The
 * tracker's pages are not preserved themselves: the next kernel reads them
 * before it allocates anything outside the scratch areas.
 */

/*
 * In the next kernel, page->private of the first page of each preserved
 * block until it is restored: a magic value and the block's order.
 */
#define KHO_PAGE_MAGIC		GENMASK(63, 32)
#define KHO_PAGE_MAGIC_VALUE	0x4b484f21	/* "KHO!" */
#define KHO_PAGE_ORDER		GENMASK(7, 0)

static bool kho_enable __ro_after_init;
static struct kho_mem_track kho_mem;
static bool kho_mem_ready __ro_after_init;

static unsigned long kho_page_info(unsigned int order)
{
	return FIELD_PREP(KHO_PAGE_MAGIC, KHO_PAGE_MAGIC_VALUE) |
	       FIELD_PREP(KHO_PAGE_ORDER, order);
}

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

/**
 * kho_is_enabled() - Whether this kernel was booted with KHO enabled.
 *
 * Context: Any context.
 * Return: true if ``kho=on`` was given on the command line.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/* Encode the key of the block of 2^@order pages at @pfn. */
int kho_key_encode(unsigned long pfn, unsigned int order, u64 *key)
{
	if (order > KHO_ORDER_MAX)
		return -EINVAL;
	if (pfn >= KHO_PFN_LIMIT || KHO_PFN_LIMIT - pfn < (1ULL << order))
		return -EINVAL;
	if (!IS_ALIGNED(pfn, 1UL << order))
		return -EINVAL;

	*key = FIELD_PREP(KHO_KEY_ORDER, order) |
	       FIELD_PREP(KHO_KEY_INDEX, pfn >> order);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_key_encode);

void kho_key_decode(u64 key, unsigned long *pfn, unsigned int *order)
{
	*order = FIELD_GET(KHO_KEY_ORDER, key);
	*pfn = FIELD_GET(KHO_KEY_INDEX, key) << *order;
}
EXPORT_SYMBOL_IF_KUNIT(kho_key_decode);

/* Whether @nr blocks from @key on all lie below the format's limits. */
static bool kho_key_range_valid(u64 key, unsigned long nr)
{
	unsigned int order = FIELD_GET(KHO_KEY_ORDER, key);
	u64 index = FIELD_GET(KHO_KEY_INDEX, key);

	if (order > KHO_ORDER_MAX)
		return false;
	return index < (KHO_PFN_LIMIT >> order) &&
	       nr <= (KHO_PFN_LIMIT >> order) - index;
}

/* The key bits that select @slot in a level-@level table. */
static __always_inline u64 kho_key_prep_slot(unsigned int slot, int level)
{
	switch (level) {
	case 4:
		return FIELD_PREP(KHO_KEY_L4, slot);
	case 3:
		return FIELD_PREP(KHO_KEY_L3, slot);
	case 2:
		return FIELD_PREP(KHO_KEY_L2, slot);
	case 1:
		return FIELD_PREP(KHO_KEY_L1, slot);
	default:
		return FIELD_PREP(KHO_KEY_BIT, slot);
	}
}

static void *kho_track_alloc(struct kho_mem_track *track)
{
	void *page;

	if (IS_ENABLED(CONFIG_KEXEC_HANDOVER_KUNIT_TEST) &&
	    atomic_dec_if_positive(&track->alloc_budget) < 0)
		return NULL;

	page = (void *)get_zeroed_page(GFP_KERNEL);
	if (page)
		atomic_long_inc(&track->nr_pages);
	return page;
}

static void kho_track_free(struct kho_mem_track *track, void *page)
{
	free_page((unsigned long)page);
	atomic_long_dec(&track->nr_pages);
}

/*
 * Return the page @link points to, installing a zeroed one if there is
 * none.  cmpxchg() orders the zeroing before the page becomes visible.
 */
static void *kho_link_get(struct kho_mem_track *track, union kho_link *link)
{
	struct kho_table *cur, *new;

	cur = READ_ONCE(link->table);
	if (likely(cur))
		return cur;

	new = kho_track_alloc(track);
	if (!new)
		return NULL;

	cur = cmpxchg(&link->table, NULL, new);
	if (cur) {
		kho_track_free(track, new);
		return cur;
	}
	return new;
}

static void *kho_link_follow(struct kho_mem_track *track,
			     union kho_link *link, bool alloc)
{
	return alloc ? kho_link_get(track, link) : READ_ONCE(link->table);
}

/* Find the leaf holding @key, allocating the path to it if @alloc. */
static struct kho_bitmap *kho_track_leaf(struct kho_mem_track *track,
					 u64 key, bool alloc)
{
	struct kho_table *l4, *l3, *l2, *l1;

	l4 = kho_link_follow(track, &track->root, alloc);
	if (!l4)
		return NULL;
	l3 = kho_link_follow(track, &l4->link[FIELD_GET(KHO_KEY_L4, key)], alloc);
	if (!l3)
		return NULL;
	l2 = kho_link_follow(track, &l3->link[FIELD_GET(KHO_KEY_L3, key)], alloc);
	if (!l2)
		return NULL;
	l1 = kho_link_follow(track, &l2->link[FIELD_GET(KHO_KEY_L2, key)], alloc);
	if (!l1)
		return NULL;
	return kho_link_follow(track, &l1->link[FIELD_GET(KHO_KEY_L1, key)],
			       alloc);
}

/*
 * Preservers tend to go through memory in order, so each CPU remembers
 * the last leaf it used and skips the descent while keys stay in it.
 * Leaves are only freed by discard, which excludes preservers and
 * forgets every CPU's leaf.
 */
static struct kho_bitmap *kho_track_cached_leaf(struct kho_mem_track *track,
						u64 key)
{
	u64 prefix = key & ~KHO_KEY_BIT;
	struct kho_leaf_cache *cache;
	struct kho_bitmap *leaf;

	cache = get_cpu_ptr(track->cache);
	leaf = cache->prefix == prefix ? cache->leaf : NULL;
	put_cpu_ptr(track->cache);
	if (leaf)
		return leaf;

	leaf = kho_track_leaf(track, key, true);
	if (leaf) {
		cache = get_cpu_ptr(track->cache);
		cache->prefix = prefix;
		cache->leaf = leaf;
		put_cpu_ptr(track->cache);
	}
	return leaf;
}

/*
 * The fast path, for a block in the leaf this CPU used last: no lock, only
 * preemption disabled, which writers wait out with synchronize_rcu() once
 * they have set @track->frozen (see kho_track_freeze()).  Returns -EAGAIN
 * if the slow path must run.
 */
static int kho_track_set_fast(struct kho_mem_track *track, u64 key)
{
	struct kho_leaf_cache *cache;
	int err = -EAGAIN;

	preempt_disable();
	cache = this_cpu_ptr(track->cache);
	if (likely(!READ_ONCE(track->frozen) && cache->leaf &&
		   cache->prefix == (key & ~KHO_KEY_BIT))) {
		err = 0;
		if (test_and_set_bit(FIELD_GET(KHO_KEY_BIT, key),
				     cache->leaf->bits))
			err = -EBUSY;
	}
	preempt_enable();
	return err;
}

static int kho_track_set(struct kho_mem_track *track, u64 key)
{
	struct kho_bitmap *leaf = kho_track_cached_leaf(track, key);

	if (!leaf)
		return -ENOMEM;
	if (test_and_set_bit(FIELD_GET(KHO_KEY_BIT, key), leaf->bits))
		return -EBUSY;
	return 0;
}

/* Undo kho_track_set() on an error path; tables stay until discard. */
static int kho_track_clear(struct kho_mem_track *track, u64 key)
{
	struct kho_bitmap *leaf = kho_track_leaf(track, key, false);

	if (WARN_ON_ONCE(!leaf))
		return -EINVAL;
	clear_bit(FIELD_GET(KHO_KEY_BIT, key), leaf->bits);
	return 0;
}

int kho_track_init(struct kho_mem_track *track)
{
	int err;

	track->root.phys = 0;
	track->serialized = false;
	track->frozen = false;
	atomic_long_set(&track->nr_pages, 0);
	atomic_set(&track->alloc_budget, INT_MAX);
	track->cache = alloc_percpu(struct kho_leaf_cache);
	if (!track->cache)
		return -ENOMEM;
	err = percpu_init_rwsem(&track->sem);
	if (err)
		free_percpu(track->cache);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_init);

void kho_track_destroy(struct kho_mem_track *track)
{
	kho_track_discard(track);
	percpu_free_rwsem(&track->sem);
	free_percpu(track->cache);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_destroy);

/*
 * Apply @op to @key under the read side of the semaphore.  Fails only
 * while serialize, abort or discard runs, or once serialized.
 */
static int kho_track_slow(struct kho_mem_track *track, u64 key,
			  int (*op)(struct kho_mem_track *track, u64 key))
{
	int err;

	if (!percpu_down_read_trylock(&track->sem))
		return -EBUSY;
	err = track->serialized ? -EBUSY : op(track, key);
	percpu_up_read(&track->sem);
	return err;
}

/* Record the block of 2^@order pages at @pfn in @track. */
int kho_track_preserve(struct kho_mem_track *track, unsigned long pfn,
		       unsigned int order)
{
	u64 key;
	int err;

	err = kho_key_encode(pfn, order, &key);
	if (err)
		return err;

	err = kho_track_set_fast(track, key);
	if (err != -EAGAIN)
		return err;
	return kho_track_slow(track, key, kho_track_set);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_preserve);

/* Error paths only: forget a block recorded by kho_track_preserve(). */
int kho_track_unpreserve(struct kho_mem_track *track, unsigned long pfn,
			 unsigned int order)
{
	u64 key;
	int err;

	err = kho_key_encode(pfn, order, &key);
	if (err)
		return err;
	return kho_track_slow(track, key, kho_track_clear);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_unpreserve);

/* The largest naturally aligned block at @pfn that ends by @end. */
static unsigned int kho_range_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return order;
}

/*
 * Record @nr_pages from @pfn as naturally aligned blocks.  Either every
 * block is recorded or, on error, none of those this call set.
 */
int kho_track_preserve_range(struct kho_mem_track *track, unsigned long pfn,
			     unsigned long nr_pages)
{
	unsigned long start = pfn, end = pfn + nr_pages;
	unsigned int order;
	u64 key;
	int err = 0;

	if (!nr_pages || end < pfn || end > KHO_PFN_LIMIT)
		return -EINVAL;

	if (!percpu_down_read_trylock(&track->sem))
		return -EBUSY;
	if (track->serialized) {
		err = -EBUSY;
		goto out_unlock;
	}

	for (; pfn < end; pfn += 1UL << order) {
		order = kho_range_order(pfn, end);
		err = kho_key_encode(pfn, order, &key);
		if (!err)
			err = kho_track_set(track, key);
		if (err)
			break;
	}

	/* Clear exactly the blocks set above, found by the same split. */
	for (end = pfn, pfn = start; err && pfn < end; pfn += 1UL << order) {
		order = kho_range_order(pfn, end);
		if (!kho_key_encode(pfn, order, &key))
			kho_track_clear(track, key);
	}

out_unlock:
	percpu_up_read(&track->sem);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_preserve_range);

/* @level counts the table levels at and below what @link points to. */
static void kho_link_to_phys(union kho_link *link, int level)
{
	struct kho_table *table = link->table;
	unsigned int i;

	if (!table)
		return;
	for (i = 0; level && i < KHO_TABLE_ENTRIES; i++)
		kho_link_to_phys(&table->link[i], level - 1);
	link->phys = virt_to_phys(table);
}

static void kho_link_to_virt(union kho_link *link, int level)
{
	struct kho_table *table;
	unsigned int i;

	if (!link->phys)
		return;
	table = phys_to_virt(link->phys);
	link->table = table;
	for (i = 0; level && i < KHO_TABLE_ENTRIES; i++)
		kho_link_to_virt(&table->link[i], level - 1);
}

static void kho_link_free(struct kho_mem_track *track, union kho_link *link,
			  int level)
{
	struct kho_table *table;
	unsigned int i;

	if (!link->phys)
		return;
	table = track->serialized ? phys_to_virt(link->phys) : link->table;
	for (i = 0; level && i < KHO_TABLE_ENTRIES; i++)
		kho_link_free(track, &table->link[i], level - 1);
	kho_track_free(track, table);
	link->phys = 0;
}

/*
 * Exclude preservers: the semaphore keeps out the slow path, and after
 * @frozen is set a grace period waits out fast paths that did not see it.
 */
static void kho_track_freeze(struct kho_mem_track *track)
{
	percpu_down_write(&track->sem);
	if (!track->frozen) {
		WRITE_ONCE(track->frozen, true);
		synchronize_rcu();
	}
}

/*
 * Rewrite every link of @track as a physical address and refuse further
 * preservation until kho_track_abort().  *@root gets the root table's
 * address, 0 if nothing was preserved.
 */
int kho_track_serialize(struct kho_mem_track *track, phys_addr_t *root)
{
	int err = 0;

	kho_track_freeze(track);
	if (track->serialized) {
		err = -EBUSY;
	} else {
		kho_link_to_phys(&track->root, KHO_TABLE_LEVELS);
		track->serialized = true;
		*root = track->root.phys;
	}
	percpu_up_write(&track->sem);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_serialize);

/* Undo kho_track_serialize(): links become virtual, preserving resumes. */
int kho_track_abort(struct kho_mem_track *track)
{
	int err = 0;

	percpu_down_write(&track->sem);
	if (track->serialized) {
		kho_link_to_virt(&track->root, KHO_TABLE_LEVELS);
		track->serialized = false;
		WRITE_ONCE(track->frozen, false);
	} else {
		err = -EINVAL;
	}
	percpu_up_write(&track->sem);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_abort);

/* Forget every preserved block and free the tracker's pages. */
void kho_track_discard(struct kho_mem_track *track)
{
	int cpu;

	kho_track_freeze(track);
	for_each_possible_cpu(cpu)
		per_cpu_ptr(track->cache, cpu)->leaf = NULL;
	kho_link_free(track, &track->root, KHO_TABLE_LEVELS);
	track->serialized = false;
	WRITE_ONCE(track->frozen, false);
	percpu_up_write(&track->sem);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_discard);

struct kho_walker {
	const struct kho_walk_ops *ops;
	void *arg;
	bool serialized;
	/* physical address of the page read at each level, to catch loops */
	phys_addr_t path[KHO_TABLE_LEVELS + 1];
};

/*
 * Return the page @link points to at @level.  A serialized link comes from
 * another kernel: check it before reading through it.
 */
static void *kho_walk_follow(struct kho_walker *w, const union kho_link *link,
			     int level)
{
	phys_addr_t phys = READ_ONCE(link->phys);
	int i;

	if (!w->serialized)
		return READ_ONCE(link->table);

	if (!PAGE_ALIGNED(phys)) {
		pr_warn("table link %pa is not page aligned\n", &phys);
		return ERR_PTR(-EINVAL);
	}
	if (!w->ops->table_ok(w->arg, phys)) {
		pr_warn("table link %pa is outside usable memory\n", &phys);
		return ERR_PTR(-EINVAL);
	}
	for (i = level + 1; i <= KHO_TABLE_LEVELS; i++) {
		if (w->path[i] == phys) {
			pr_warn("table link %pa loops back up the tree\n",
				&phys);
			return ERR_PTR(-EINVAL);
		}
	}
	w->path[level] = phys;
	return phys_to_virt(phys);
}

static int kho_walk_leaf(struct kho_walker *w, const struct kho_bitmap *leaf,
			 u64 key)
{
	unsigned long first, end, pfn;
	unsigned int order;
	u64 run;
	int err;

	for_each_set_bitrange(first, end, leaf->bits, KHO_BITMAP_BITS) {
		run = key | kho_key_prep_slot(first, 0);
		if (!kho_key_range_valid(run, end - first)) {
			pr_warn("preserved block beyond the physical address limit\n");
			return -EINVAL;
		}
		kho_key_decode(run, &pfn, &order);
		err = w->ops->run(w->arg, PFN_PHYS(pfn), order, end - first);
		if (err)
			return err;
	}
	return 0;
}

static int kho_walk_table(struct kho_walker *w, const struct kho_table *table,
			  int level, u64 key)
{
	unsigned int i;
	void *next;
	u64 sub;
	int err;

	for (i = 0; i < KHO_TABLE_ENTRIES; i++) {
		if (!READ_ONCE(table->link[i].phys))
			continue;

		sub = key | kho_key_prep_slot(i, level);
		if (!kho_key_range_valid(sub, 1)) {
			pr_warn("table entry for order %llu is beyond the format's limits\n",
				FIELD_GET(KHO_KEY_ORDER, sub));
			return -EINVAL;
		}

		next = kho_walk_follow(w, &table->link[i], level - 1);
		if (IS_ERR(next))
			return PTR_ERR(next);
		if (level > 1)
			err = kho_walk_table(w, next, level - 1, sub);
		else
			err = kho_walk_leaf(w, next, sub);
		if (err)
			return err;
	}
	return 0;
}

static int kho_walk_root(struct kho_walker *w, const union kho_link *root)
{
	const struct kho_table *table;

	if (!READ_ONCE(root->phys))
		return 0;
	table = kho_walk_follow(w, root, KHO_TABLE_LEVELS);
	if (IS_ERR(table))
		return PTR_ERR(table);
	return kho_walk_table(w, table, KHO_TABLE_LEVELS, 0);
}

/*
 * Report every block in @track, in key order, while it is being built.
 * Preservers may run concurrently; blocks they add may or may not be seen.
 */
int kho_track_walk(struct kho_mem_track *track,
		   const struct kho_walk_ops *ops, void *arg)
{
	struct kho_walker w = { .ops = ops, .arg = arg };
	int err;

	percpu_down_read(&track->sem);
	err = track->serialized ? -EBUSY : kho_walk_root(&w, &track->root);
	percpu_up_read(&track->sem);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_walk);

/*
 * Report every block of the serialized tracker at @root, as the next kernel
 * sees it.  Every link is checked before it is followed: a table outside
 * what @ops->table_ok accepts, misaligned or looping back up the tree, or a
 * block beyond the format's limits ends the walk with -EINVAL.
 */
int kho_walk_serialized(phys_addr_t root, const struct kho_walk_ops *ops,
			void *arg)
{
	struct kho_walker w = { .ops = ops, .arg = arg, .serialized = true };
	union kho_link link = { .phys = root };

	if (WARN_ON_ONCE(!ops->table_ok))
		return -EINVAL;
	return kho_walk_root(&w, &link);
}
EXPORT_SYMBOL_IF_KUNIT(kho_walk_serialized);

/**
 * DOC: KHO scratch areas
 *
 * A kernel started by KHO cannot know what its predecessor preserved until
 * its direct map covers all of RAM, and it allocates memory long before
 * that.  So every KHO kernel keeps scratch areas free of preserved memory:
 * one in low memory, one anywhere and one per NUMA node, sized by
 * ``kho_scratch=``.  kexec places every segment of the next kernel inside
 * them, the next kernel's decompressor picks its address inside them, and
 * memblock allocates from them only until preserved memory is reserved.
 *
 * While a kernel runs, its scratch areas serve movable allocations only
 * (as CMA pageblocks), which are never preserved.  A kernel started by KHO
 * reuses the scratch areas it was given.
 */

/* One scratch area, laid out as handed over to the next kernel. */
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

static struct kho_scratch kho_scratch[KHO_SCRATCH_MAX] __ro_after_init;
static unsigned int kho_scratch_cnt __ro_after_init;

static phys_addr_t kho_scratch_size[KHO_SCRATCH_KINDS] __initdata = {
	[KHO_SCRATCH_LOWMEM] = SZ_16M,
	[KHO_SCRATCH_GLOBAL] = SZ_256M,
	[KHO_SCRATCH_PERNODE] = SZ_32M,
};

static unsigned int kho_scratch_percent __initdata;

/* kho_scratch=N% or kho_scratch=<lowmem>,<global>,<pernode> */
static int __init kho_parse_scratch(char *p)
{
	phys_addr_t size[KHO_SCRATCH_KINDS];
	size_t len = p ? strlen(p) : 0;
	unsigned int pct;
	char *end;
	int i, err;

	if (!len)
		return -EINVAL;

	if (p[len - 1] == '%') {
		p[len - 1] = '\0';
		err = kstrtouint(p, 10, &pct);
		p[len - 1] = '%';
		if (err || !pct || pct > 100)
			goto bad;
		kho_scratch_percent = pct;
		return 0;
	}

	for (i = 0; i < KHO_SCRATCH_KINDS; i++) {
		size[i] = memparse(p, &end);
		if (end == p || *end != (i < KHO_SCRATCH_KINDS - 1 ? ',' : '\0'))
			goto bad;
		p = end + 1;
	}
	memcpy(kho_scratch_size, size, sizeof(size));
	kho_scratch_percent = 0;
	return 0;

bad:
	pr_err("kho_scratch= takes N%% or <lowmem>,<global>,<pernode> sizes\n");
	return -EINVAL;
}
early_param("kho_scratch", kho_parse_scratch);

/* Bytes of memory below @limit on node @nid (NUMA_NO_NODE: any node). */
static phys_addr_t __init kho_mem_size(phys_addr_t limit, int nid)
{
	unsigned long start, end;
	phys_addr_t size = 0;
	int i;

	for_each_mem_pfn_range(i, nid, &start, &end, NULL)
		size += min(PFN_PHYS(end), limit) - min(PFN_PHYS(start), limit);
	return size;
}

static phys_addr_t __init kho_scratch_want(int kind, phys_addr_t limit,
					   int nid)
{
	phys_addr_t size = kho_scratch_size[kind];

	if (kho_scratch_percent)
		size = div_u64((u64)kho_mem_size(limit, nid) *
			       kho_scratch_percent, 100);
	return round_up(size, CMA_MIN_ALIGNMENT_BYTES);
}

static int __init kho_scratch_alloc(phys_addr_t size, phys_addr_t limit,
				    int nid)
{
	phys_addr_t addr;

	if (!size)
		return 0;
	addr = memblock_alloc_range_nid(size, CMA_MIN_ALIGNMENT_BYTES, 0,
					limit, nid, nid != NUMA_NO_NODE);
	if (!addr)
		return -ENOMEM;
	kho_scratch[kho_scratch_cnt].addr = addr;
	kho_scratch[kho_scratch_cnt].size = size;
	kho_scratch_cnt++;
	return 0;
}

/**
 * kho_reserve_scratch() - Reserve the scratch areas of a first KHO kernel.
 *
 * Called by architecture code once NUMA nodes are known and before the
 * memory map is allocated, so the areas are large and contiguous.  A
 * kernel started by an accepted handover reuses the areas it was given.
 *
 * Context: Early boot, memblock only.
 */
void __init kho_reserve_scratch(void)
{
	phys_addr_t low = ARCH_LOW_ADDRESS_LIMIT, size, total = 0;
	unsigned int i;
	int nid, err;

	if (!kho_enable || kho_scratch_cnt)
		return;

	size = kho_scratch_want(KHO_SCRATCH_LOWMEM, low, NUMA_NO_NODE);
	err = kho_scratch_alloc(size, low, NUMA_NO_NODE);
	if (!err) {
		size = kho_scratch_want(KHO_SCRATCH_GLOBAL, PHYS_ADDR_MAX,
					NUMA_NO_NODE);
		err = kho_scratch_alloc(size, MEMBLOCK_ALLOC_ACCESSIBLE,
					NUMA_NO_NODE);
	}
	for_each_online_node(nid) {
		if (err)
			break;
		size = kho_scratch_want(KHO_SCRATCH_PERNODE, PHYS_ADDR_MAX, nid);
		err = kho_scratch_alloc(size, MEMBLOCK_ALLOC_ACCESSIBLE, nid);
	}

	if (err || !kho_scratch_cnt) {
		pr_err("cannot reserve scratch areas: KHO disabled\n");
		for (i = 0; i < kho_scratch_cnt; i++)
			memblock_phys_free(kho_scratch[i].addr,
					   kho_scratch[i].size);
		kho_scratch_cnt = 0;
		kho_enable = false;
		return;
	}

	for (i = 0; i < kho_scratch_cnt; i++) {
		total += kho_scratch[i].size;
		pr_debug("scratch area %u: %#llx+%#llx\n", i,
			 kho_scratch[i].addr, kho_scratch[i].size);
	}
	pr_info("reserved %u scratch areas, %llu MiB in all\n",
		kho_scratch_cnt, (u64)total >> 20);
}

/* The first kernel's scratch areas serve movable allocations only. */
static void __init kho_release_scratch(void)
{
	unsigned long pfn, end;
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++) {
		pfn = PHYS_PFN(kho_scratch[i].addr);
		end = PHYS_PFN(kho_scratch[i].addr + kho_scratch[i].size);
		for (; pfn < end; pfn += pageblock_nr_pages)
			init_cma_reserved_pageblock(pfn_to_page(pfn));
	}
}

/* Whether [@phys, @phys + @size) meets a scratch area. */
static bool kho_in_scratch(phys_addr_t phys, u64 size)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++) {
		if (phys < kho_scratch[i].addr + kho_scratch[i].size &&
		    kho_scratch[i].addr < phys + size)
			return true;
	}
	return false;
}

/**
 * kho_preserve_folio() - Preserve a folio across the next kexec.
 * @folio: the folio to preserve.
 *
 * The next kernel keeps the folio's memory out of its page allocator until
 * kho_restore_folio() is called on it.  The folio's order is recorded, so
 * the next kernel restores it whole.
 *
 * Context: Process context; may sleep to allocate tracker pages.
 * Return: 0 on success.  -EOPNOTSUPP if KHO is not enabled, -EBUSY if the
 * folio is already preserved or preservation is finalized, -ENOMEM if a
 * tracker page could not be allocated, -EINVAL if the folio lies in a
 * scratch area or beyond what the handover format can describe.
 */
int kho_preserve_folio(struct folio *folio)
{
	if (!kho_enable || !kho_mem_ready)
		return -EOPNOTSUPP;
	if (kho_in_scratch(PFN_PHYS(folio_pfn(folio)), folio_size(folio)))
		return -EINVAL;
	return kho_track_preserve(&kho_mem, folio_pfn(folio),
				  folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_preserve_phys() - Preserve a physically contiguous range of pages.
 * @phys: physical address of the first page.
 * @size: size of the range in bytes.
 *
 * The range is recorded as naturally aligned blocks of pages, the largest
 * that fit, so a large aligned range costs a few bits.  Either the whole
 * range is preserved or, on error, nothing this call added.
 *
 * Context: Process context; may sleep to allocate tracker pages.
 * Return: 0 on success.  -EOPNOTSUPP if KHO is not enabled, -EINVAL if
 * @phys or @size is not page aligned, @size is 0, or the range meets a
 * scratch area or lies beyond what the handover format can describe, -EBUSY if part of the range is
 * already preserved or preservation is finalized, -ENOMEM if a tracker
 * page could not be allocated.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	if (!kho_enable || !kho_mem_ready)
		return -EOPNOTSUPP;
	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    kho_in_scratch(phys, size))
		return -EINVAL;
	return kho_track_preserve_range(&kho_mem, PHYS_PFN(phys),
					size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

/**
 * kho_locate_mem_hole() - Place a kexec segment inside the scratch areas.
 * @kbuf: the segment to place.
 * @func: kexec_file's callback that tries one candidate region.
 *
 * While KHO is enabled, segments of the next kernel may only go where the
 * next kernel will find no preserved memory: inside scratch.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 if KHO does not constrain this segment, 1 if it was placed,
 * -EADDRNOTAVAIL if no scratch area has room for it.
 */
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*func)(struct resource *res, void *arg))
{
	struct resource res;
	unsigned int i, n;
	int ret;

	if (!kho_enable || kbuf->image->type == KEXEC_TYPE_CRASH)
		return 0;

	for (i = 0; i < kho_scratch_cnt; i++) {
		n = kbuf->top_down ? kho_scratch_cnt - 1 - i : i;
		res = DEFINE_RES_MEM(kho_scratch[n].addr, kho_scratch[n].size);
		ret = func(&res, kbuf);
		if (ret)
			return ret;
	}
	return -EADDRNOTAVAIL;
}

/**
 * DOC: KHO handover format
 *
 * The handover is a flattened device tree whose root node has:
 *
 * - ``compatible = "kho-radix-v1"``: the format and its version;
 * - ``preserved-memory``: a 64-bit physical address (big endian, as FDT
 *   integers are) of the tracker's level-4 table, 0 if nothing is preserved;
 * - one sub-node per client, named by the client, whose ``fdt`` property
 *   is the 64-bit physical address of the client's own FDT.
 *
 * Tables and bitmaps are pages of native-endian 64-bit words: see
 * kexec_handover_internal.h for the key.  The FDT, the client FDTs and the
 * scratch list are preserved memory; the tables are not and are read
 * before the next kernel allocates outside scratch.
 */
#define KHO_FDT_COMPATIBLE	"kho-radix-v1"
#define KHO_FDT_ROOT_PROP	"preserved-memory"
#define KHO_FDT_SUB_PROP	"fdt"
#define KHO_FDT_SIZE		SZ_16K
#define KHO_FDT_MAX_SIZE	SZ_64K

/**
 * struct kho_serialization - What KHO clients add to while finalizing.
 * @fdt: the KHO FDT being built.
 * @sub_fdts: debugfs blobs of the sub-FDTs added, for abort to remove.
 */
struct kho_serialization {
	void *fdt;
	struct list_head sub_fdts;
};

struct kho_sub_fdt {
	struct list_head list;
	struct debugfs_blob_wrapper blob;
	struct dentry *file;
};

static struct {
	struct mutex lock;		/* finalize, abort, kexec load */
	bool finalized;
	struct kho_serialization ser;
	struct folio *fdt;
	struct folio *scratch;
	struct blocking_notifier_head chain;
	struct dentry *dir;
	struct dentry *sub_fdt_dir;
	struct dentry *fdt_file;
	struct debugfs_blob_wrapper fdt_blob;
	struct debugfs_blob_wrapper scratch_phys;
	struct debugfs_blob_wrapper scratch_len;
} kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
	.ser.sub_fdts = LIST_HEAD_INIT(kho_out.ser.sub_fdts),
	.chain = BLOCKING_NOTIFIER_INIT(kho_out.chain),
};

/**
 * register_kho_notifier() - Take part in finalizing the handover.
 * @nb: notifier called with an &enum kho_event and the
 *	&struct kho_serialization to pass to kho_add_subtree().
 *
 * Context: Process context.
 * Return: 0 on success, -EOPNOTSUPP if KHO is not enabled.
 */
int register_kho_notifier(struct notifier_block *nb)
{
	if (!kho_enable)
		return -EOPNOTSUPP;
	return blocking_notifier_chain_register(&kho_out.chain, nb);
}
EXPORT_SYMBOL_GPL(register_kho_notifier);

/**
 * unregister_kho_notifier() - Stop taking part in the handover.
 * @nb: notifier passed to register_kho_notifier().
 *
 * Context: Process context.
 * Return: 0 on success, -EOPNOTSUPP if KHO is not enabled, -ENOENT if @nb
 * was not registered.
 */
int unregister_kho_notifier(struct notifier_block *nb)
{
	if (!kho_enable)
		return -EOPNOTSUPP;
	return blocking_notifier_chain_unregister(&kho_out.chain, nb);
}
EXPORT_SYMBOL_GPL(unregister_kho_notifier);

static int kho_fdt_errno(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	case -FDT_ERR_EXISTS:
		return -EEXIST;
	default:
		return -EINVAL;
	}
}

/**
 * kho_add_subtree() - Hand a client's FDT over to the next kernel.
 * @ser: the serialization passed to the client's KHO notifier.
 * @name: the client's name, a valid FDT node name.
 * @fdt: the client's FDT, in memory the client preserved.
 *
 * The next kernel finds @fdt's physical address with
 * kho_retrieve_subtree(@name).  @fdt is not copied: it must stay preserved
 * and unchanged until kexec or abort.
 *
 * Context: Only inside a KHO notifier called for %KEXEC_KHO_FINALIZE.
 * Return: 0 on success, -EINVAL if @fdt is not an FDT or @name is not
 * valid, -EEXIST if @name was already added, -ENOSPC if the KHO FDT is
 * full, -ENOMEM on allocation failure.
 */
int kho_add_subtree(struct kho_serialization *ser, const char *name,
		    void *fdt)
{
	struct kho_sub_fdt *sub;
	int off, err;

	if (!ser || !name || !fdt || fdt_check_header(fdt))
		return -EINVAL;

	sub = kzalloc(sizeof(*sub), GFP_KERNEL);
	if (!sub)
		return -ENOMEM;

	off = fdt_add_subnode(ser->fdt, 0, name);
	if (off < 0) {
		err = kho_fdt_errno(off);
		goto out_free;
	}
	err = kho_fdt_errno(fdt_setprop_u64(ser->fdt, off, KHO_FDT_SUB_PROP,
					    virt_to_phys(fdt)));
	if (err) {
		fdt_del_node(ser->fdt, off);
		goto out_free;
	}

	sub->blob.data = fdt;
	sub->blob.size = fdt_totalsize(fdt);
	sub->file = debugfs_create_blob(name, 0400, kho_out.sub_fdt_dir,
					&sub->blob);
	list_add_tail(&sub->list, &ser->sub_fdts);
	return 0;

out_free:
	kfree(sub);
	return err;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

static void kho_forget_sub_fdts(struct kho_serialization *ser)
{
	struct kho_sub_fdt *sub, *tmp;

	list_for_each_entry_safe(sub, tmp, &ser->sub_fdts, list) {
		debugfs_remove(sub->file);
		list_del(&sub->list);
		kfree(sub);
	}
}

static struct folio *kho_alloc_preserved(size_t size)
{
	struct folio *folio;
	int err;

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_track_preserve(&kho_mem, folio_pfn(folio),
				 folio_order(folio));
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio;
}

static void kho_free_preserved(struct folio *folio)
{
	if (IS_ERR_OR_NULL(folio))
		return;
	kho_track_unpreserve(&kho_mem, folio_pfn(folio), folio_order(folio));
	folio_put(folio);
}

/*
 * Build the KHO FDT with the clients' sub-FDTs, then freeze the tracker.
 * On failure every client has been told to abort.
 */
static int kho_finalize(void)
{
	struct kho_serialization *ser = &kho_out.ser;
	phys_addr_t root = 0;
	void *fdt;
	int err;

	lockdep_assert_held(&kho_out.lock);
	if (kho_out.finalized)
		return -EBUSY;

	kho_out.fdt = kho_alloc_preserved(KHO_FDT_SIZE);
	kho_out.scratch = kho_alloc_preserved(kho_scratch_cnt *
					      sizeof(*kho_scratch));
	if (IS_ERR(kho_out.fdt) || IS_ERR(kho_out.scratch)) {
		err = IS_ERR(kho_out.fdt) ? PTR_ERR(kho_out.fdt) :
					    PTR_ERR(kho_out.scratch);
		goto out_free;
	}
	memcpy(folio_address(kho_out.scratch), kho_scratch,
	       kho_scratch_cnt * sizeof(*kho_scratch));

	fdt = folio_address(kho_out.fdt);
	err = fdt_create_empty_tree(fdt, KHO_FDT_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible",
					KHO_FDT_COMPATIBLE);
	/* Room for the root now; its value is known after serialize. */
	err = err ?: fdt_setprop_u64(fdt, 0, KHO_FDT_ROOT_PROP, 0);
	err = kho_fdt_errno(err);
	if (err)
		goto out_free;

	ser->fdt = fdt;
	err = blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_FINALIZE,
					   ser);
	err = notifier_to_errno(err);
	if (err)
		goto out_abort;

	err = kho_track_serialize(&kho_mem, &root);
	if (err)
		goto out_abort;
	fdt_setprop_inplace_u64(fdt, 0, KHO_FDT_ROOT_PROP, root);
	fdt_pack(fdt);

	kho_out.fdt_blob.data = fdt;
	kho_out.fdt_blob.size = fdt_totalsize(fdt);
	kho_out.fdt_file = debugfs_create_blob("fdt", 0400, kho_out.dir,
					       &kho_out.fdt_blob);
	kho_out.finalized = true;
	pr_info("handover finalized: FDT at %#llx, %zu bytes\n",
		(u64)folio_pfn(kho_out.fdt) << PAGE_SHIFT,
		(size_t)fdt_totalsize(fdt));
	return 0;

out_abort:
	blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_ABORT, ser);
	kho_forget_sub_fdts(ser);
out_free:
	kho_free_preserved(kho_out.fdt);
	kho_free_preserved(kho_out.scratch);
	kho_out.fdt = NULL;
	kho_out.scratch = NULL;
	ser->fdt = NULL;
	pr_warn("cannot finalize the handover: %d\n", err);
	return err;
}

/* Whether a loaded kexec image carries the finalized handover. */
static bool kho_out_loaded(void)
{
	bool loaded;

	if (!kexec_trylock())
		return true;
	loaded = kexec_image && kexec_image->kho.fdt;
	kexec_unlock();
	return loaded;
}

static int kho_abort(void)
{
	int err;

	lockdep_assert_held(&kho_out.lock);
	if (!kho_out.finalized)
		return -EINVAL;
	/* The loaded image points at the FDT: unload it first. */
	if (kho_out_loaded())
		return -EBUSY;

	err = kho_track_abort(&kho_mem);
	if (WARN_ON_ONCE(err))
		return err;

	debugfs_remove(kho_out.fdt_file);
	kho_out.fdt_file = NULL;
	kho_free_preserved(kho_out.fdt);
	kho_free_preserved(kho_out.scratch);
	kho_out.fdt = NULL;
	kho_out.scratch = NULL;
	blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_ABORT,
				     &kho_out.ser);
	kho_forget_sub_fdts(&kho_out.ser);
	kho_out.ser.fdt = NULL;
	kho_out.finalized = false;
	pr_info("handover aborted\n");
	return 0;
}

/**
 * kho_fill_kimage() - Attach the handover to a kexec image being loaded.
 * @image: the image.
 *
 * Finalizes the handover if nothing did yet, so that loading an image is
 * all an administrator must do.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 on success or if KHO is not enabled, or what finalizing
 * returned.
 */
int kho_fill_kimage(struct kimage *image)
{
	int err = 0;

	if (!kho_enable || !kho_mem_ready || image->type == KEXEC_TYPE_CRASH)
		return 0;

	mutex_lock(&kho_out.lock);
	if (!kho_out.finalized)
		err = kho_finalize();
	if (!err) {
		image->kho.fdt = PFN_PHYS(folio_pfn(kho_out.fdt));
		image->kho.fdt_size = folio_size(kho_out.fdt);
		image->kho.scratch = PFN_PHYS(folio_pfn(kho_out.scratch));
		image->kho.scratch_size = kho_scratch_cnt *
					  sizeof(*kho_scratch);
	}
	mutex_unlock(&kho_out.lock);
	return err;
}

static int kho_finalize_get(void *data, u64 *val)
{
	*val = READ_ONCE(kho_out.finalized);
	return 0;
}

static int kho_finalize_set(void *data, u64 val)
{
	int err;

	if (val > 1)
		return -EINVAL;

	mutex_lock(&kho_out.lock);
	err = val ? kho_finalize() : kho_abort();
	mutex_unlock(&kho_out.lock);
	return err;
}

DEFINE_DEBUGFS_ATTRIBUTE(kho_finalize_fops, kho_finalize_get,
			 kho_finalize_set, "%llu\n");

/*
 * Debug only: damage the handover the way a buggy or hostile kernel could,
 * so tests can watch the next kernel reject it.
 *   overlap:    before finalize, preserve a page both alone and as part of
 *               an order-1 block;
 *   compatible: after finalize, change the FDT's format string;
 *   table:      after finalize, point the root table's first link outside
 *               any RAM.
 */
static int kho_corrupt(const char *how)
{
	struct kho_table *root;
	struct folio *folio;
	unsigned int i;
	char *compat;
	int len, err;

	lockdep_assert_held(&kho_out.lock);
	if (sysfs_streq(how, "overlap")) {
		if (kho_out.finalized)
			return -EBUSY;
		folio = folio_alloc(GFP_KERNEL, 1);
		if (!folio)
			return -ENOMEM;
		err = kho_preserve_folio(folio);
		err = err ?: kho_track_preserve(&kho_mem, folio_pfn(folio), 0);
		return err;
	}
	if (!kho_out.finalized)
		return -EINVAL;
	if (sysfs_streq(how, "compatible")) {
		compat = (char *)fdt_getprop(folio_address(kho_out.fdt), 0,
					     "compatible", &len);
		if (!compat || len < 2)
			return -EINVAL;
		compat[len - 2] = '0';
		return 0;
	}
	if (sysfs_streq(how, "table")) {
		if (!kho_mem.root.phys)
			return -ENOENT;
		root = phys_to_virt(kho_mem.root.phys);
		for (i = 0; i < KHO_TABLE_ENTRIES; i++) {
			if (root->link[i].phys) {
				root->link[i].phys = BIT_ULL(KHO_PHYS_BITS - 1);
				return 0;
			}
		}
		return -ENOENT;
	}
	return -EINVAL;
}

static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char how[16];
	int err;

	if (!count || count >= sizeof(how))
		return -EINVAL;
	if (copy_from_user(how, ubuf, count))
		return -EFAULT;
	how[count] = '\0';

	mutex_lock(&kho_out.lock);
	err = kho_corrupt(how);
	mutex_unlock(&kho_out.lock);
	if (!err)
		pr_warn("handover deliberately corrupted: %s\n", strim(how));
	return err ?: count;
}

static const struct file_operations kho_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = kho_corrupt_write,
};

/**
 * DOC: Next kernel: taking preserved memory back
 *
 * The previous kernel's tables are read in two steps.  As soon as the
 * direct map covers all RAM, kho_reserve_preserved() walks them, checking
 * every link and block, gathers the preserved blocks into runs of one
 * order, and reserves the runs in memblock, coalesced into ranges, without
 * struct page initialization.  Only then does memblock leave scratch.
 * Nothing is reserved unless all of the handover passed its checks.
 *
 * Once struct pages exist, kho_memory_init() records each block's order
 * and a magic value in its first page, for kho_restore_folio().  Preserved
 * memory that is never restored stays reserved.
 */

/* What the next kernel learned from the handover, kept for debugfs. */
static struct {
	bool accepted;
	phys_addr_t fdt_phys;
	u64 fdt_size;
	phys_addr_t scratch_phys;
	phys_addr_t root;
	struct kho_run *runs;
	struct kho_in_stats stats;
	/* Early timings, in cycles until a clock is known to be running. */
	u64 walk_cycles;
	u64 reserve_cycles;
	u64 stamp_cycles;
	struct debugfs_blob_wrapper fdt_blob;
} kho_in;

/* Debug only: reserve each block alone, as a reference for benchmarks. */
static bool kho_reserve_per_block __initdata;

static int __init kho_parse_reserve(char *p)
{
	if (!IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG) || !p)
		return -EINVAL;
	if (!strcmp(p, "per-block"))
		kho_reserve_per_block = true;
	else if (!strcmp(p, "ranges"))
		kho_reserve_per_block = false;
	else
		return -EINVAL;
	return 0;
}
early_param("kho_reserve", kho_parse_reserve);

/**
 * kho_get_in_stats() - What the handover that started this kernel cost.
 *
 * Return: the statistics, or NULL if no handover was accepted.
 */
const struct kho_in_stats *kho_get_in_stats(void)
{
	return kho_in.accepted ? &kho_in.stats : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kho_get_in_stats);

static void __init kho_in_reject(const char *why)
{
	pr_warn("handover rejected: %s; booting without it\n", why);
	kho_in.accepted = false;
}

static u64 kho_run_end(const struct kho_run *run)
{
	return run->base + (run->nr << (run->order + PAGE_SHIFT));
}

/* End the run being gathered: store it, or only count it. */
void kho_runs_flush(struct kho_in_collect *c)
{
	if (!c->last.nr)
		return;
	if (c->runs && c->nr < c->max)
		c->runs[c->nr] = c->last;
	c->nr++;
	c->last.nr = 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_runs_flush);

/*
 * A walk's run callback: the walk reports runs within one leaf, so merge
 * those that continue the last one.  Call kho_runs_flush() after the walk.
 */
int kho_runs_add(void *arg, phys_addr_t phys, unsigned int order,
		 unsigned long nr)
{
	struct kho_in_collect *c = arg;

	c->blocks += nr;
	c->bytes += (u64)nr << (order + PAGE_SHIFT);
	if (c->last.nr && c->last.order == order &&
	    kho_run_end(&c->last) == phys) {
		c->last.nr += nr;
		return 0;
	}
	kho_runs_flush(c);
	c->last.base = phys;
	c->last.nr = nr;
	c->last.order = order;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_runs_add);

/* Tables must be RAM the previous kernel could allocate: not scratch. */
static bool __init kho_in_table_ok(void *arg, phys_addr_t phys)
{
	struct kho_in_collect *c = arg;

	c->table_pages++;
	return memblock_is_region_memory(phys, PAGE_SIZE) &&
	       !kho_in_scratch(phys, PAGE_SIZE);
}

static const struct kho_walk_ops kho_in_walk_ops = {
	.run = kho_runs_add,
	.table_ok = kho_in_table_ok,
};

static int __init kho_run_cmp(const void *a, const void *b)
{
	const struct kho_run *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/*
 * Every run, sorted by address, must lie in @mem regions that are neither
 * scratch nor nomap, outside every @rsv region, and apart from the other
 * runs.  Both region arrays are sorted, as memblock keeps them, so one
 * pass over each does.  Returns why the runs are refused, or NULL.
 */
const char *kho_runs_check(const struct kho_run *runs, unsigned long nr,
			   const struct memblock_type *memory,
			   const struct memblock_type *reserved)
{
	const struct memblock_region *mem = memory->regions;
	const struct memblock_region *mem_end = mem + memory->cnt;
	const struct memblock_region *rsv = reserved->regions;
	const struct memblock_region *rsv_end = rsv + reserved->cnt;
	const struct memblock_region *m;
	phys_addr_t start, end, pos, prev_end = 0;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		start = runs[i].base;
		end = kho_run_end(&runs[i]);
		if (start < prev_end)
			return "preserved blocks overlap";
		prev_end = end;

		while (mem < mem_end && mem->base + mem->size <= start)
			mem++;
		for (pos = start, m = mem; pos < end; m++) {
			if (m == mem_end || m->base > pos)
				return "preserved memory outside RAM";
			if (m->flags & MEMBLOCK_KHO_SCRATCH)
				return "preserved memory inside scratch";
			if (m->flags & MEMBLOCK_NOMAP)
				return "preserved memory not mapped";
			pos = m->base + m->size;
		}

		while (rsv < rsv_end && rsv->base + rsv->size <= start)
			rsv++;
		if (rsv < rsv_end && rsv->base < end)
			return "preserved memory already in use";
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kho_runs_check);

/*
 * Call @reserve once per range of runs adjacent in memory, whatever their
 * orders.  Returns the number of ranges.
 */
unsigned long kho_runs_reserve(const struct kho_run *runs, unsigned long nr,
			       void (*reserve)(phys_addr_t base,
					       phys_addr_t size))
{
	unsigned long i = 0, ranges = 0;
	phys_addr_t start, end;

	while (i < nr) {
		start = runs[i].base;
		end = kho_run_end(&runs[i]);
		while (++i < nr && runs[i].base == end)
			end = kho_run_end(&runs[i]);
		reserve(start, end - start);
		ranges++;
	}
	return ranges;
}
EXPORT_SYMBOL_IF_KUNIT(kho_runs_reserve);

/* The FDT must be preserved memory, or it could be reused under us. */
static bool __init kho_in_is_preserved(phys_addr_t phys, u64 size)
{
	unsigned long lo = 0, hi = kho_in.stats.runs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kho_run_end(&kho_in.runs[mid]) <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < kho_in.stats.runs && kho_in.runs[lo].base <= phys &&
	       phys + size <= kho_run_end(&kho_in.runs[lo]);
}

/**
 * kho_populate() - Record the handover found in the boot data.
 * @fdt: physical address of the KHO FDT.
 * @fdt_size: size of the memory holding it.
 * @scratch: physical address of the scratch list.
 * @scratch_size: size of the scratch list in bytes.
 *
 * Checks what can be checked before memblock knows about memory: the FDT's
 * header and format, and the scratch list.  A handover that fails is
 * ignored and the kernel boots as if it had none.
 *
 * Context: Early boot, before memblock has memory; early_memremap() only.
 */
void __init kho_populate(phys_addr_t fdt, u64 fdt_size, phys_addr_t scratch,
			 u64 scratch_size)
{
	const struct kho_scratch *list;
	unsigned int i, cnt;
	const void *prop;
	void *map;
	int len;

	kho_in.accepted = true;
	pr_info("found a handover: FDT at %pa\n", &fdt);

	if (fdt_size < sizeof(struct fdt_header) || fdt_size > KHO_FDT_MAX_SIZE)
		return kho_in_reject("bad FDT size");
	map = early_memremap(fdt, fdt_size);
	if (!map)
		return kho_in_reject("cannot map the FDT");
	if (fdt_check_header(map) || fdt_totalsize(map) > fdt_size) {
		kho_in_reject("bad FDT header");
	} else if (fdt_node_check_compatible(map, 0, KHO_FDT_COMPATIBLE)) {
		prop = fdt_getprop(map, 0, "compatible", &len);
		pr_warn("handover format %.*s, expected " KHO_FDT_COMPATIBLE "\n",
			prop && len > 0 ? min(len, 32) : 4,
			prop && len > 0 ? (const char *)prop : "none");
		kho_in_reject("unknown format");
	} else {
		prop = fdt_getprop(map, 0, KHO_FDT_ROOT_PROP, &len);
		if (!prop || len != sizeof(u64))
			kho_in_reject("no " KHO_FDT_ROOT_PROP " property");
		else
			kho_in.root = get_unaligned_be64(prop);
	}
	early_memunmap(map, fdt_size);
	if (!kho_in.accepted)
		return;

	cnt = scratch_size / sizeof(*list);
	if (!cnt || cnt > KHO_SCRATCH_MAX || scratch_size % sizeof(*list))
		return kho_in_reject("bad scratch list size");
	list = early_memremap(scratch, scratch_size);
	if (!list)
		return kho_in_reject("cannot map the scratch list");
	for (i = 0; i < cnt; i++) {
		if (!list[i].size ||
		    !IS_ALIGNED(list[i].addr | list[i].size,
				CMA_MIN_ALIGNMENT_BYTES) ||
		    list[i].addr + list[i].size < list[i].addr ||
		    list[i].addr + list[i].size > KHO_PFN_LIMIT << PAGE_SHIFT)
			break;
		kho_scratch[i] = list[i];
	}
	early_memunmap((void *)list, scratch_size);
	if (i < cnt)
		return kho_in_reject("bad scratch area");

	kho_scratch_cnt = cnt;
	kho_in.fdt_phys = fdt;
	kho_in.fdt_size = fdt_size;
	kho_in.scratch_phys = scratch;
}

static phys_addr_t kho_low_scratch __initdata;

/* Forget the handover: scratch is ordinary memory again. */
static void __init kho_in_drop(void)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++)
		memblock_clear_kho_scratch(kho_scratch[i].addr,
					   kho_scratch[i].size);
	if (kho_low_scratch)
		memblock_clear_kho_scratch(0, kho_low_scratch);
	memblock_clear_kho_scratch_only();
	kho_scratch_cnt = 0;
	kho_in.accepted = false;
}

/**
 * kho_memblock_init() - Make memblock allocate from scratch only.
 * @low_scratch: size of memory from address 0 that the architecture
 *	allocates from before it reserves it whole, and that therefore can
 *	hold nothing preserved; 0 if none.
 *
 * Context: Early boot, right after memblock learns about memory.
 */
void __init kho_memblock_init(phys_addr_t low_scratch)
{
	unsigned int i;

	if (!kho_in.accepted)
		return;

	for (i = 0; i < kho_scratch_cnt; i++) {
		if (!memblock_is_region_memory(kho_scratch[i].addr,
					       kho_scratch[i].size)) {
			/* Nothing is marked yet: forget the areas. */
			kho_scratch_cnt = 0;
			return kho_in_reject("scratch area outside RAM");
		}
	}
	/* Mark first: marking may grow memblock's arrays. */
	for (i = 0; i < kho_scratch_cnt; i++)
		memblock_mark_kho_scratch(kho_scratch[i].addr,
					  kho_scratch[i].size);
	if (low_scratch)
		memblock_mark_kho_scratch(0, low_scratch);
	kho_low_scratch = low_scratch;
	memblock_set_kho_scratch_only();
}

/*
 * Walk the previous kernel's tables twice, to count the runs and to record
 * them, then check them all.  Returns why the handover must be rejected,
 * or NULL.
 */
static const char * __init kho_in_walk(void)
{
	struct kho_in_collect c = { };
	int err;

	err = kho_walk_serialized(kho_in.root, &kho_in_walk_ops, &c);
	if (err)
		return "corrupted tables";
	kho_runs_flush(&c);

	if (c.nr) {
		kho_in.runs = memblock_alloc(c.nr * sizeof(*c.runs),
					     SMP_CACHE_BYTES);
		if (!kho_in.runs)
			return "no scratch memory for the list of preserved blocks";
	}
	kho_in.stats.runs = c.nr;
	memset(&c, 0, sizeof(c));
	c.runs = kho_in.runs;
	c.max = kho_in.stats.runs;
	err = kho_walk_serialized(kho_in.root, &kho_in_walk_ops, &c);
	kho_runs_flush(&c);
	if (err || c.nr != c.max)
		return "tables changed while read";

	kho_in.stats.blocks = c.blocks;
	kho_in.stats.bytes = c.bytes;
	kho_in.stats.table_pages = c.table_pages;
	sort(kho_in.runs, kho_in.stats.runs, sizeof(*kho_in.runs), kho_run_cmp,
	     NULL);
	return kho_runs_check(kho_in.runs, kho_in.stats.runs, &memblock.memory,
			      &memblock.reserved);
}

static void __init kho_in_free_runs(void)
{
	if (kho_in.runs)
		memblock_free(kho_in.runs,
			      kho_in.stats.runs * sizeof(*kho_in.runs));
	kho_in.runs = NULL;
}

/* Reserve a range of preserved memory, sparing its struct pages. */
static void __init kho_reserve_range(phys_addr_t base, phys_addr_t size)
{
	memblock_reserve(base, size);
	memblock_reserved_mark_noinit(base, size);
}

/*
 * The reference strategy: one memblock_reserve() per preserved block, in
 * address order.  Reserving the coalesced ranges afterwards changes
 * nothing but the flag that spares struct page initialization.
 */
static void __init kho_reserve_each_block(void)
{
	struct kho_run *run;
	unsigned long i;
	u64 j, size;

	for (i = 0; i < kho_in.stats.runs; i++) {
		run = &kho_in.runs[i];
		size = PAGE_SIZE << run->order;
		for (j = 0; j < run->nr; j++)
			memblock_reserve(run->base + j * size, size);
	}
	kho_in.stats.per_block = true;
}

/**
 * kho_reserve_preserved() - Keep preserved memory out of the allocator.
 *
 * Walks and checks the previous kernel's tables, and reserves every
 * preserved block in memblock, then lets memblock allocate outside
 * scratch.  If any check fails, nothing is reserved.
 *
 * Context: Early boot, once the direct map covers all RAM.
 */
void __init kho_reserve_preserved(void)
{
	const char *why;
	u64 t0, t1;

	if (!kho_in.accepted)
		return;

	t0 = get_cycles();
	why = kho_in_walk();
	if (!why && !kho_in_is_preserved(kho_in.fdt_phys, kho_in.fdt_size))
		why = "the FDT is not preserved";
	if (why) {
		kho_in_reject(why);
		kho_in_free_runs();
		kho_in.stats.runs = 0;
		kho_in_drop();
		return;
	}

	t1 = get_cycles();
	kho_in.walk_cycles = t1 - t0;
	if (kho_reserve_per_block)
		kho_reserve_each_block();

	kho_in.stats.ranges = kho_runs_reserve(kho_in.runs, kho_in.stats.runs,
					       kho_reserve_range);
	memblock_clear_kho_scratch_only();
	kho_in.reserve_cycles = get_cycles() - t1;
}

/**
 * kho_memory_init() - Finish taking preserved memory back.
 *
 * Records each preserved block's order in its first page, for
 * kho_restore_folio(), and turns the scratch areas into CMA pageblocks so
 * they keep serving movable allocations only.
 *
 * Context: Early boot, once struct pages are initialized and before
 * memblock releases memory to the page allocator.
 */
void __init kho_memory_init(void)
{
	unsigned long i, j, pfn, end;
	struct kho_run *run;
	u64 t0;

	if (!kho_in.accepted)
		return;

	t0 = get_cycles();
	for (i = 0; i < kho_in.stats.runs; i++) {
		run = &kho_in.runs[i];
		pfn = PHYS_PFN(run->base);
		for (j = 0; j < run->nr; j++, pfn += 1UL << run->order)
			pfn_to_page(pfn)->private = kho_page_info(run->order);
	}
	kho_in.stamp_cycles = get_cycles() - t0;

	for (i = 0; i < kho_scratch_cnt; i++) {
		pfn = PHYS_PFN(kho_scratch[i].addr);
		end = PHYS_PFN(kho_scratch[i].addr + kho_scratch[i].size);
		for (; pfn < end; pfn += pageblock_nr_pages)
			set_pageblock_migratetype(pfn_to_page(pfn),
						  MIGRATE_CMA);
	}

	kho_in_free_runs();

	pr_info("handover accepted: %llu blocks, %llu MiB in %lu runs, %lu ranges\n",
		kho_in.stats.blocks, kho_in.stats.bytes >> 20,
		kho_in.stats.runs, kho_in.stats.ranges);
}

/* The order of the unrestored preserved block starting at @page, or < 0. */
static int kho_page_order(struct page *page)
{
	unsigned long info = READ_ONCE(page->private);

	if (FIELD_GET(KHO_PAGE_MAGIC, info) != KHO_PAGE_MAGIC_VALUE ||
	    FIELD_GET(KHO_PAGE_ORDER, info) > KHO_ORDER_MAX)
		return -EINVAL;
	return FIELD_GET(KHO_PAGE_ORDER, info);
}

/* Claim the block of @order at @page; a racing restore gets nothing. */
static bool kho_claim(struct page *page, unsigned int order)
{
	unsigned long info = kho_page_info(order);

	return cmpxchg(&page->private, info, 0) == info;
}

/**
 * kho_restore_folio() - Take back a folio preserved by the previous kernel.
 * @phys: physical address of the folio's first page.
 *
 * The folio comes back with the order it was preserved with and one
 * reference, as if just allocated, and counts as managed memory again.
 * Each preserved folio can be restored once.
 *
 * Context: Process context, any time after boot.
 * Return: the folio, or NULL if @phys is not the start of a preserved block
 * or was restored already.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	struct page *page;
	unsigned long i;
	int order;

	if (!PAGE_ALIGNED(phys))
		return NULL;
	page = pfn_to_online_page(PHYS_PFN(phys));
	if (!page)
		return NULL;
	order = kho_page_order(page);
	if (order < 0 || !kho_claim(page, order))
		return NULL;

	/* Struct pages were initialized with one reference each. */
	for (i = 1; i < (1UL << order); i++)
		set_page_count(page + i, 0);
	if (order)
		prep_compound_page(page, order);
	adjust_managed_page_count(page, 1UL << order);
	return page_folio(page);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_phys() - Take back a range preserved by the previous kernel.
 * @phys: physical address of the range, as passed to kho_preserve_phys().
 * @size: size of the range in bytes.
 *
 * Every page of the range comes back as an order-0 page with one
 * reference, as if allocated; free each with __free_page().  Either all of
 * the range is restored or, on error, none of it.
 *
 * Context: Process context, any time after boot.
 * Return: 0 on success, -EINVAL if @phys or @size is not page aligned or
 * the range is not exactly a range preserved as a whole.
 */
int kho_restore_phys(phys_addr_t phys, size_t size)
{
	unsigned long pfn, start, end;
	struct page *page;
	unsigned int order;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;

	start = PHYS_PFN(phys);
	end = PHYS_PFN(phys + size);
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_range_order(pfn, end);
		page = pfn_to_online_page(pfn);
		if (!page || !kho_claim(page, order))
			break;
	}
	if (pfn < end) {
		/* Give back the blocks claimed so far. */
		for (end = pfn, pfn = start; pfn < end; pfn += 1UL << order) {
			order = kho_range_order(pfn, end);
			pfn_to_page(pfn)->private = kho_page_info(order);
		}
		return -EINVAL;
	}

	adjust_managed_page_count(pfn_to_page(start), end - start);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_restore_phys);

/* The size of the unrestored preserved block starting at @phys, or 0. */
static u64 kho_preserved_size(phys_addr_t phys)
{
	int order;

	if (!PAGE_ALIGNED(phys) || !pfn_valid(PHYS_PFN(phys)))
		return 0;
	order = kho_page_order(pfn_to_page(PHYS_PFN(phys)));
	return order < 0 ? 0 : PAGE_SIZE << order;
}

static void *kho_in_fdt(void)
{
	return kho_in.accepted ? phys_to_virt(kho_in.fdt_phys) : NULL;
}

/**
 * kho_retrieve_subtree() - Find a sub-FDT the previous kernel handed over.
 * @name: the name it was added with, by kho_add_subtree().
 * @phys: set to the sub-FDT's physical address.
 *
 * The sub-FDT is preserved memory: restore it with kho_restore_folio()
 * before using it as the client's own.
 *
 * Context: Any context after early boot.
 * Return: 0 on success, -ENOENT if there was no accepted handover or it
 * holds no sub-FDT @name, -EINVAL if the sub-FDT's entry is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	const void *fdt = kho_in_fdt();
	const void *prop;
	int off, len;

	if (!fdt || !name)
		return -ENOENT;
	off = fdt_subnode_offset(fdt, 0, name);
	if (off < 0)
		return -ENOENT;
	prop = fdt_getprop(fdt, off, KHO_FDT_SUB_PROP, &len);
	if (!prop || len != sizeof(u64))
		return -EINVAL;
	*phys = get_unaligned_be64(prop);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

static int kho_in_stats_show(struct seq_file *m, void *v)
{
	const struct kho_in_stats *st = &kho_in.stats;

	seq_printf(m, "blocks %llu\nbytes %llu\nruns %lu\nranges %lu\n",
		   st->blocks, st->bytes, st->runs, st->ranges);
	seq_printf(m, "table_pages %llu\nreserve %s\n", st->table_pages,
		   st->per_block ? "per-block" : "ranges");
	seq_printf(m, "walk_ns %llu\nreserve_ns %llu\nstamp_ns %llu\n",
		   st->walk_ns, st->reserve_ns, st->stamp_ns);
	return 0;
}

/*
 * Early boot may run before sched_clock() does, so the handover is timed
 * in cycles; convert them once a clock is known to tick.
 */
static void __init kho_in_time(void)
{
	u64 c0, c1, t0, t1;

	c0 = get_cycles();
	t0 = ktime_get_ns();
	mdelay(10);
	c1 = get_cycles();
	t1 = ktime_get_ns();
	if (c1 <= c0)
		return;
	kho_in.stats.walk_ns = mul_u64_u64_div_u64(kho_in.walk_cycles,
						   t1 - t0, c1 - c0);
	kho_in.stats.reserve_ns = mul_u64_u64_div_u64(kho_in.reserve_cycles,
						      t1 - t0, c1 - c0);
	kho_in.stats.stamp_ns = mul_u64_u64_div_u64(kho_in.stamp_cycles,
						    t1 - t0, c1 - c0);
	pr_info("handover took: walk %llu us, reserve %llu us (%s), order stamps %llu us\n",
		div_u64(kho_in.stats.walk_ns, NSEC_PER_USEC),
		div_u64(kho_in.stats.reserve_ns, NSEC_PER_USEC),
		kho_in.stats.per_block ? "per block" : "ranges",
		div_u64(kho_in.stats.stamp_ns, NSEC_PER_USEC));
}
DEFINE_SHOW_ATTRIBUTE(kho_in_stats);

static void __init kho_in_debugfs_init(struct dentry *root)
{
	struct debugfs_blob_wrapper *blob;
	struct dentry *sub_dir;
	const void *fdt = kho_in_fdt();
	struct dentry *dir;
	const void *prop;
	phys_addr_t phys;
	void *sub;
	u64 size;
	int off, len;

	dir = debugfs_create_dir("in", root);
	kho_in.fdt_blob.data = (void *)fdt;
	kho_in.fdt_blob.size = fdt_totalsize(fdt);
	debugfs_create_blob("fdt", 0400, dir, &kho_in.fdt_blob);
	debugfs_create_file("stats", 0400, dir, NULL, &kho_in_stats_fops);
	sub_dir = debugfs_create_dir("sub_fdts", dir);

	fdt_for_each_subnode(off, fdt, 0) {
		prop = fdt_getprop(fdt, off, KHO_FDT_SUB_PROP, &len);
		if (!prop || len != sizeof(u64))
			continue;
		/* Show only sub-FDTs that start a preserved block. */
		phys = get_unaligned_be64(prop);
		size = kho_preserved_size(phys);
		if (!size)
			continue;
		sub = phys_to_virt(phys);
		if (fdt_check_header(sub) || fdt_totalsize(sub) > size)
			continue;
		blob = kzalloc(sizeof(*blob), GFP_KERNEL);
		if (!blob)
			break;
		blob->data = sub;
		blob->size = fdt_totalsize(sub);
		debugfs_create_blob(fdt_get_name(fdt, off, NULL), 0400, sub_dir,
				    blob);
	}
}

static void __init kho_out_debugfs_init(struct dentry *root)
{
	static u64 phys[KHO_SCRATCH_MAX], len[KHO_SCRATCH_MAX];
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++) {
		phys[i] = kho_scratch[i].addr;
		len[i] = kho_scratch[i].size;
	}
	kho_out.scratch_phys.data = phys;
	kho_out.scratch_phys.size = kho_scratch_cnt * sizeof(u64);
	kho_out.scratch_len.data = len;
	kho_out.scratch_len.size = kho_scratch_cnt * sizeof(u64);

	kho_out.dir = debugfs_create_dir("out", root);
	debugfs_create_file_unsafe("finalize", 0600, kho_out.dir, NULL,
				   &kho_finalize_fops);
	debugfs_create_blob("scratch_phys", 0400, kho_out.dir,
			    &kho_out.scratch_phys);
	debugfs_create_blob("scratch_len", 0400, kho_out.dir,
			    &kho_out.scratch_len);
	kho_out.sub_fdt_dir = debugfs_create_dir("sub_fdts", kho_out.dir);
	if (IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG))
		debugfs_create_file("corrupt", 0200, kho_out.dir, NULL,
				    &kho_corrupt_fops);
}

static int __init kho_init(void)
{
	struct folio *folio;
	int err;

	BUILD_BUG_ON(sizeof(struct kho_table) != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct kho_bitmap) != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(union kho_link) != sizeof(u64));
	BUILD_BUG_ON(!FIELD_FIT(KHO_KEY_INDEX, KHO_PFN_LIMIT - 1));
	BUILD_BUG_ON(!FIELD_FIT(KHO_KEY_ORDER, KHO_ORDER_MAX));
	BUILD_BUG_ON(!FIELD_FIT(KHO_PAGE_ORDER, KHO_ORDER_MAX));

	if (kho_in.accepted) {
		/* Scratch was copied: the next handover gets a fresh list. */
		folio = kho_restore_folio(kho_in.scratch_phys);
		if (folio)
			folio_put(folio);
	}
	if (!kho_enable)
		return 0;

	err = kho_track_init(&kho_mem);
	if (err) {
		pr_err("cannot set up the preservation tracker: %d\n", err);
		kho_enable = false;
		return err;
	}
	if (!kho_in.accepted)
		kho_release_scratch();
	kho_mem_ready = true;
	return 0;
}
early_initcall(kho_init);

/* debugfs comes up after early initcalls. */
static int __init kho_debugfs_init(void)
{
	struct dentry *root;

	if (!kho_in.accepted && !kho_mem_ready)
		return 0;
	root = debugfs_create_dir("kho", NULL);
	if (kho_in.accepted) {
		kho_in_time();
		kho_in_debugfs_init(root);
	}
	if (kho_mem_ready)
		kho_out_debugfs_init(root);
	return 0;
}
fs_initcall(kho_debugfs_init);
