// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the preservation tracker.
 *
 * This file owns the tracker: the radix tree of tables and bitmaps that
 * records which blocks must survive the next kexec, its key, its lock-free
 * preserve path, its conversion to physical links at serialize time, and
 * walks of it, while it is built or, checking every link, as the next
 * kernel finds it.  In this file a "block" is a naturally aligned run
 * of 2^order pages, a "key" its position in the tracker, a "link" one
 * 64-bit table entry and a "leaf" a bitmap page at the bottom.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/percpu-rwsem.h>
#include <linux/rcupdate.h>
#include <asm/barrier.h>

#include "kexec_handover_tracker.h"

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

/**
 * struct kho_leaf_cache - The leaf a CPU last preserved into.
 * @prefix: the key bits above the leaf's.
 * @leaf: the leaf, or NULL.
 */
struct kho_leaf_cache {
	u64 prefix;
	struct kho_bitmap *leaf;
};

/* Encode the key of the block of 2^@order pages at @pfn. */
int kho_key_encode(unsigned long pfn, unsigned int order, u64 *key)
{
	if (order > KHO_ORDER_MAX)
		return -EINVAL;
	if (pfn >= KHO_PFN_LIMIT || KHO_PFN_LIMIT - pfn < (1ULL << order))
		return -EINVAL;
	if (pfn & ((1UL << order) - 1))
		return -EINVAL;

	*key = FIELD_PREP(KHO_KEY_ORDER, order) |
	       FIELD_PREP(KHO_KEY_INDEX, pfn >> order);
	return 0;
}

void kho_key_decode(u64 key, unsigned long *pfn, unsigned int *order)
{
	*order = FIELD_GET(KHO_KEY_ORDER, key);
	*pfn = FIELD_GET(KHO_KEY_INDEX, key) << *order;
}

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

/*
 * Whether the keys [@key, @key + @nr), all of one order, name any block
 * that meets [@w->min_pfn, @w->max_pfn): a serialized walk reads nothing
 * that can only stand for memory outside RAM.
 */
static bool kho_walk_in_ram(const struct kho_walk *w, u64 key, u64 nr)
{
	unsigned int order = FIELD_GET(KHO_KEY_ORDER, key);
	u64 index = FIELD_GET(KHO_KEY_INDEX, key);

	if (!w->max_pfn)
		return true;
	return index < (w->max_pfn + (1ULL << order) - 1) >> order &&
	       index + nr > (w->min_pfn >> order);
}

static int kho_walk_refuse(struct kho_walk *w, const char *why, u64 where)
{
	w->why = why;
	w->where = where;
	return -EINVAL;
}

/*
 * Return the page @link points to at @level.  A serialized link comes from
 * another kernel: check it before reading through it.
 */
static const void *kho_walk_follow(struct kho_walk *w,
				   const union kho_link *link, int level)
{
	phys_addr_t phys = READ_ONCE(link->phys);
	const void *page;
	int i;

	if (!w->serialized) {
		w->pages++;
		return READ_ONCE(link->table);
	}

	if (phys & (PAGE_SIZE - 1)) {
		kho_walk_refuse(w, "table link not page aligned", phys);
		return NULL;
	}
	for (i = level + 1; i <= KHO_TABLE_LEVELS; i++) {
		if (w->path[i] == phys) {
			kho_walk_refuse(w, "table link loops back up the tree",
					phys);
			return NULL;
		}
	}
	page = w->ops->map(w->arg, phys);
	if (!page) {
		kho_walk_refuse(w, "table link outside usable memory", phys);
		return NULL;
	}
	w->path[level] = phys;
	w->pages++;
	return page;
}

static int kho_walk_leaf(struct kho_walk *w, const struct kho_bitmap *leaf,
			 u64 key)
{
	unsigned long first, end, pfn;
	unsigned int order;
	u64 run;
	int err;

	for (first = find_first_bit(leaf->bits, KHO_BITMAP_BITS);
	     first < KHO_BITMAP_BITS;
	     first = find_next_bit(leaf->bits, KHO_BITMAP_BITS, end)) {
		end = find_next_zero_bit(leaf->bits, KHO_BITMAP_BITS, first);
		run = key | kho_key_prep_slot(first, 0);
		if (!kho_key_range_valid(run, end - first))
			return kho_walk_refuse(w, "block beyond the physical address limit",
					       run);
		kho_key_decode(run, &pfn, &order);
		err = w->ops->run(w->arg, (phys_addr_t)pfn << PAGE_SHIFT, order,
				  end - first);
		if (err)
			return err;
	}
	return 0;
}

static int kho_walk_table(struct kho_walk *w, const struct kho_table *table,
			  int level, u64 key)
{
	const void *next;
	unsigned int i;
	u64 sub;
	int err;

	for (i = 0; i < KHO_TABLE_ENTRIES; i++) {
		if (!READ_ONCE(table->link[i].phys))
			continue;

		sub = key | kho_key_prep_slot(i, level);
		if (!kho_key_range_valid(sub, 1))
			return kho_walk_refuse(w, "table entry beyond the format's limits",
					       sub);
		if (w->serialized &&
		    !kho_walk_in_ram(w, sub, kho_key_prep_slot(1, level)))
			return kho_walk_refuse(w, "table entry for memory beyond RAM",
					       sub);

		next = kho_walk_follow(w, &table->link[i], level - 1);
		if (!next)
			return -EINVAL;
		if (level > 1)
			err = kho_walk_table(w, next, level - 1, sub);
		else
			err = kho_walk_leaf(w, next, sub);
		if (err)
			return err;
	}
	return 0;
}

static int kho_walk_root(struct kho_walk *w, const union kho_link *root)
{
	const struct kho_table *table;

	w->pages = 0;
	w->why = NULL;
	if (!READ_ONCE(root->phys))
		return 0;
	table = kho_walk_follow(w, root, KHO_TABLE_LEVELS);
	if (!table)
		return -EINVAL;
	return kho_walk_table(w, table, KHO_TABLE_LEVELS, 0);
}

/**
 * kho_walk_live() - Report every block of a tracker being built.
 * @w: the walk, with @w->ops and @w->arg set.
 * @root: the tracker's root link, holding a virtual address.
 *
 * The caller keeps the tables from being freed during the walk.
 *
 * Return: 0, or what @w->ops->run returned to stop the walk.
 */
int kho_walk_live(struct kho_walk *w, const union kho_link *root)
{
	w->serialized = false;
	return kho_walk_root(w, root);
}

/**
 * kho_walk_serialized() - Report every block of serialized tables.
 * @w: the walk, with @w->ops and @w->arg set; @w->ops->map is required.
 *	If @w->max_pfn is set, a link is followed only if some block below
 *	it may lie in [@w->min_pfn, @w->max_pfn).
 * @root: physical address of the level-4 table, or 0.
 *
 * Every link is checked before it is followed, so the pages read are at
 * most the table slots that can stand for RAM, however the tables link.
 *
 * Return: 0; -EINVAL, with @w->why and @w->where set, if a link is
 * misaligned, loops back up the tree, stands for memory beyond RAM or is
 * refused by @w->ops->map, or a block lies beyond the format's limits; or
 * what @w->ops->run returned to stop the walk.
 */
int kho_walk_serialized(struct kho_walk *w, phys_addr_t root)
{
	union kho_link link = { .phys = root };

	w->serialized = true;
	memset(w->path, 0, sizeof(w->path));
	return kho_walk_root(w, &link);
}

static void *kho_tracker_alloc(struct kho_tracker *tracker)
{
	void *page;

	if (tracker->alloc)
		page = tracker->alloc(tracker);
	else
		page = (void *)get_zeroed_page(GFP_KERNEL);
	if (page)
		atomic_long_inc(&tracker->nr_pages);
	return page;
}

static void kho_tracker_free(struct kho_tracker *tracker, void *page)
{
	free_page((unsigned long)page);
	atomic_long_dec(&tracker->nr_pages);
}

/*
 * Return the page @link points to, installing a zeroed one if there is
 * none.  cmpxchg() orders the zeroing before the page becomes visible.
 */
static void *kho_link_get(struct kho_tracker *tracker, union kho_link *link)
{
	struct kho_table *cur, *new;

	cur = READ_ONCE(link->table);
	if (likely(cur))
		return cur;

	new = kho_tracker_alloc(tracker);
	if (!new)
		return NULL;

	cur = cmpxchg(&link->table, NULL, new);
	if (cur) {
		kho_tracker_free(tracker, new);
		return cur;
	}
	return new;
}

static void *kho_link_follow(struct kho_tracker *tracker,
			     union kho_link *link, bool alloc)
{
	return alloc ? kho_link_get(tracker, link) : READ_ONCE(link->table);
}

/* Find the leaf holding @key, allocating the path to it if @alloc. */
static struct kho_bitmap *kho_tracker_leaf(struct kho_tracker *tracker,
					   u64 key, bool alloc)
{
	struct kho_table *l4, *l3, *l2, *l1;

	l4 = kho_link_follow(tracker, &tracker->root, alloc);
	if (!l4)
		return NULL;
	l3 = kho_link_follow(tracker, &l4->link[FIELD_GET(KHO_KEY_L4, key)],
			     alloc);
	if (!l3)
		return NULL;
	l2 = kho_link_follow(tracker, &l3->link[FIELD_GET(KHO_KEY_L3, key)],
			     alloc);
	if (!l2)
		return NULL;
	l1 = kho_link_follow(tracker, &l2->link[FIELD_GET(KHO_KEY_L2, key)],
			     alloc);
	if (!l1)
		return NULL;
	return kho_link_follow(tracker, &l1->link[FIELD_GET(KHO_KEY_L1, key)],
			       alloc);
}

/*
 * Preservers tend to go through memory in order, so each CPU remembers
 * the last leaf it used and skips the descent while keys stay in it.
 * Leaves are only freed by discard, which excludes preservers and
 * forgets every CPU's leaf.
 */
static struct kho_bitmap *kho_tracker_cached_leaf(struct kho_tracker *tracker,
						  u64 key)
{
	u64 prefix = key & ~KHO_KEY_BIT;
	struct kho_leaf_cache *cache;
	struct kho_bitmap *leaf;

	cache = get_cpu_ptr(tracker->cache);
	leaf = cache->prefix == prefix ? cache->leaf : NULL;
	put_cpu_ptr(tracker->cache);
	if (leaf)
		return leaf;

	leaf = kho_tracker_leaf(tracker, key, true);
	if (leaf) {
		cache = get_cpu_ptr(tracker->cache);
		cache->prefix = prefix;
		cache->leaf = leaf;
		put_cpu_ptr(tracker->cache);
	}
	return leaf;
}

/*
 * The fast path, for a block in the leaf this CPU used last: no lock, only
 * preemption disabled, which writers wait out with synchronize_rcu() once
 * they have set @tracker->frozen (see kho_tracker_freeze()).  Returns
 * -EAGAIN if the slow path must run.
 */
static int kho_tracker_set_fast(struct kho_tracker *tracker, u64 key)
{
	struct kho_leaf_cache *cache;
	int err = -EAGAIN;

	preempt_disable();
	cache = this_cpu_ptr(tracker->cache);
	/* Pairs with the release that unfreezes: see the cache it left. */
	if (likely(!smp_load_acquire(&tracker->frozen) && cache->leaf &&
		   cache->prefix == (key & ~KHO_KEY_BIT))) {
		err = 0;
		if (test_and_set_bit(FIELD_GET(KHO_KEY_BIT, key),
				     cache->leaf->bits))
			err = -EBUSY;
	}
	preempt_enable();
	return err;
}

static int kho_tracker_set(struct kho_tracker *tracker, u64 key)
{
	struct kho_bitmap *leaf = kho_tracker_cached_leaf(tracker, key);

	if (!leaf)
		return -ENOMEM;
	if (test_and_set_bit(FIELD_GET(KHO_KEY_BIT, key), leaf->bits))
		return -EBUSY;
	return 0;
}

/* Forget a block; tables stay until discard. */
static int kho_tracker_clear(struct kho_tracker *tracker, u64 key)
{
	struct kho_bitmap *leaf = kho_tracker_leaf(tracker, key, false);

	if (!leaf || !test_and_clear_bit(FIELD_GET(KHO_KEY_BIT, key),
					 leaf->bits))
		return -ENOENT;
	return 0;
}

/**
 * kho_tracker_init() - Set up an empty tracker.
 * @tracker: the tracker.
 *
 * Return: 0, or -ENOMEM.
 */
int kho_tracker_init(struct kho_tracker *tracker)
{
	int err;

	tracker->root.phys = 0;
	tracker->serialized = false;
	tracker->frozen = false;
	atomic_long_set(&tracker->nr_pages, 0);
	tracker->cache = alloc_percpu(struct kho_leaf_cache);
	if (!tracker->cache)
		return -ENOMEM;
	err = percpu_init_rwsem(&tracker->sem);
	if (err)
		free_percpu(tracker->cache);
	return err;
}

/**
 * kho_tracker_destroy() - Free a tracker and everything it holds.
 * @tracker: the tracker.
 */
void kho_tracker_destroy(struct kho_tracker *tracker)
{
	kho_tracker_discard(tracker);
	percpu_free_rwsem(&tracker->sem);
	free_percpu(tracker->cache);
}

/*
 * Apply @op to @key under the read side of the semaphore.  Fails only
 * while serialize, abort or discard runs, or once serialized.
 */
static int kho_tracker_slow(struct kho_tracker *tracker, u64 key,
			    int (*op)(struct kho_tracker *tracker, u64 key))
{
	int err;

	if (!percpu_down_read_trylock(&tracker->sem))
		return -EBUSY;
	err = tracker->serialized ? -EBUSY : op(tracker, key);
	percpu_up_read(&tracker->sem);
	return err;
}

/**
 * kho_tracker_preserve() - Record a block.
 * @tracker: the tracker.
 * @pfn: first page of the block.
 * @order: order of the block.
 *
 * Context: Any context that may sleep; takes no lock in the common case.
 * Return: 0; -EINVAL if the block is unaligned or beyond the format's
 * limits; -EBUSY if it is recorded already or the tracker is serialized;
 * -ENOMEM.
 */
int kho_tracker_preserve(struct kho_tracker *tracker, unsigned long pfn,
			 unsigned int order)
{
	u64 key;
	int err;

	err = kho_key_encode(pfn, order, &key);
	if (err)
		return err;

	err = kho_tracker_set_fast(tracker, key);
	if (err != -EAGAIN)
		return err;
	return kho_tracker_slow(tracker, key, kho_tracker_set);
}

/**
 * kho_tracker_unpreserve() - Forget a block recorded before.
 * @tracker: the tracker.
 * @pfn: first page of the block.
 * @order: order of the block.
 *
 * Return: 0; -EINVAL for a bad block; -ENOENT if it was not recorded;
 * -EBUSY if the tracker is serialized.
 */
int kho_tracker_unpreserve(struct kho_tracker *tracker, unsigned long pfn,
			   unsigned int order)
{
	u64 key;
	int err;

	err = kho_key_encode(pfn, order, &key);
	if (err)
		return err;
	return kho_tracker_slow(tracker, key, kho_tracker_clear);
}

/**
 * kho_tracker_preserve_range() - Record a range as naturally aligned blocks.
 * @tracker: the tracker.
 * @pfn: first page.
 * @nr_pages: number of pages.
 *
 * Either every block is recorded or, on error, none of those this call set.
 *
 * Return: as kho_tracker_preserve(); -EINVAL for an empty range.
 */
int kho_tracker_preserve_range(struct kho_tracker *tracker,
			       unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages;
	struct kho_blocks b, undo;
	u64 key;
	int err = 0;

	if (!nr_pages || end < pfn || end > KHO_PFN_LIMIT)
		return -EINVAL;

	if (!percpu_down_read_trylock(&tracker->sem))
		return -EBUSY;
	if (tracker->serialized) {
		err = -EBUSY;
		goto out_unlock;
	}

	b = kho_blocks(pfn, end);
	for_each_kho_block(b) {
		err = kho_key_encode(b.pfn, b.order, &key);
		if (!err)
			err = kho_tracker_set(tracker, key);
		if (err)
			break;
	}

	/* Clear exactly the blocks set above, found by the same split. */
	if (err) {
		undo = kho_blocks(pfn, b.pfn);
		for_each_kho_block(undo) {
			if (!kho_key_encode(undo.pfn, undo.order, &key))
				kho_tracker_clear(tracker, key);
		}
	}

out_unlock:
	percpu_up_read(&tracker->sem);
	return err;
}

/**
 * kho_tracker_unpreserve_range() - Forget a range kho_tracker_preserve_range()
 *	recorded.
 * @tracker: the tracker.
 * @pfn: first page.
 * @nr_pages: number of pages.
 *
 * Return: 0; -EINVAL for an empty range; -ENOENT if a block of the range
 * was not recorded (the others are forgotten still); -EBUSY once
 * serialized.
 */
int kho_tracker_unpreserve_range(struct kho_tracker *tracker,
				 unsigned long pfn, unsigned long nr_pages)
{
	struct kho_blocks b = kho_blocks(pfn, pfn + nr_pages);
	int err = 0;
	u64 key;

	if (!nr_pages || pfn + nr_pages < pfn)
		return -EINVAL;
	if (!percpu_down_read_trylock(&tracker->sem))
		return -EBUSY;
	if (tracker->serialized) {
		err = -EBUSY;
	} else {
		for_each_kho_block(b) {
			if (kho_key_encode(b.pfn, b.order, &key) ||
			    kho_tracker_clear(tracker, key))
				err = -ENOENT;
		}
	}
	percpu_up_read(&tracker->sem);
	return err;
}

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

static void kho_link_free(struct kho_tracker *tracker, union kho_link *link,
			  int level)
{
	struct kho_table *table;
	unsigned int i;

	if (!link->phys)
		return;
	table = tracker->serialized ? phys_to_virt(link->phys) : link->table;
	for (i = 0; level && i < KHO_TABLE_ENTRIES; i++)
		kho_link_free(tracker, &table->link[i], level - 1);
	kho_tracker_free(tracker, table);
	link->phys = 0;
}

/*
 * Exclude preservers: the semaphore keeps out the slow path, and after
 * @frozen is set a grace period waits out fast paths that did not see it.
 */
static void kho_tracker_freeze(struct kho_tracker *tracker)
{
	percpu_down_write(&tracker->sem);
	if (!tracker->frozen) {
		WRITE_ONCE(tracker->frozen, true);
		synchronize_rcu();
	}
}

/**
 * kho_tracker_serialize() - Turn the tracker into the handover format.
 * @tracker: the tracker.
 * @root: set to the root table's physical address, 0 if nothing is
 *	preserved.
 *
 * Rewrites every link as a physical address and refuses further
 * preservation until kho_tracker_abort().
 *
 * Context: Process context; waits for preservers to leave.
 * Return: 0, or -EBUSY if already serialized.
 */
int kho_tracker_serialize(struct kho_tracker *tracker, phys_addr_t *root)
{
	int err = 0;

	kho_tracker_freeze(tracker);
	if (tracker->serialized) {
		err = -EBUSY;
	} else {
		kho_link_to_phys(&tracker->root, KHO_TABLE_LEVELS);
		tracker->serialized = true;
		*root = tracker->root.phys;
	}
	percpu_up_write(&tracker->sem);
	return err;
}

/**
 * kho_tracker_abort() - Undo kho_tracker_serialize().
 * @tracker: the tracker.
 *
 * Links become virtual again and preserving resumes.
 *
 * Return: 0, or -EINVAL if the tracker is not serialized.
 */
int kho_tracker_abort(struct kho_tracker *tracker)
{
	int err = 0;

	percpu_down_write(&tracker->sem);
	if (tracker->serialized) {
		kho_link_to_virt(&tracker->root, KHO_TABLE_LEVELS);
		tracker->serialized = false;
		/* Preservers that see it thawed must see virtual links. */
		smp_store_release(&tracker->frozen, false);
	} else {
		err = -EINVAL;
	}
	percpu_up_write(&tracker->sem);
	return err;
}

/**
 * kho_tracker_discard() - Forget every block and free the tracker's pages.
 * @tracker: the tracker.
 */
void kho_tracker_discard(struct kho_tracker *tracker)
{
	int cpu;

	kho_tracker_freeze(tracker);
	for_each_possible_cpu(cpu)
		per_cpu_ptr(tracker->cache, cpu)->leaf = NULL;
	kho_link_free(tracker, &tracker->root, KHO_TABLE_LEVELS);
	tracker->serialized = false;
	/* Caches cleared and tables freed before a fast path can run. */
	smp_store_release(&tracker->frozen, false);
	percpu_up_write(&tracker->sem);
}

/**
 * kho_tracker_walk() - Report every block of a tracker being built.
 * @tracker: the tracker.
 * @ops: what to report to; only @ops->run is used.
 * @arg: passed to @ops.
 *
 * Preservers may run concurrently; blocks they add may or may not be seen.
 *
 * Return: 0, -EBUSY if the tracker is serialized, or what @ops->run
 * returned to stop the walk.
 */
int kho_tracker_walk(struct kho_tracker *tracker,
		     const struct kho_walk_ops *ops, void *arg)
{
	struct kho_walk w = { .ops = ops, .arg = arg };
	int err;

	percpu_down_read(&tracker->sem);
	err = tracker->serialized ? -EBUSY : kho_walk_live(&w, &tracker->root);
	percpu_up_read(&tracker->sem);
	return err;
}
