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
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kstrtox.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <kunit/visibility.h>

#include "kexec_handover_internal.h"

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
 * atomically.  Tables are only freed by a bulk discard, which excludes
 * preservers, so no RCU is needed to read a link.
 *
 * Serializing rewrites every link from a virtual to a physical address in
 * one pass, so the tables can be read by the next kernel as they are.  The
 * tracker's pages are not preserved themselves: the next kernel reads them
 * before it allocates anything outside the scratch areas.
 */

static bool kho_enable __ro_after_init;
static struct kho_mem_track kho_mem;
static bool kho_mem_ready __ro_after_init;

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

/* Index into the level-@level table for @key; level 0 is the leaf bit. */
static __always_inline unsigned int kho_key_slot(u64 key, int level)
{
	switch (level) {
	case 4:
		return FIELD_GET(KHO_KEY_L4, key);
	case 3:
		return FIELD_GET(KHO_KEY_L3, key);
	case 2:
		return FIELD_GET(KHO_KEY_L2, key);
	case 1:
		return FIELD_GET(KHO_KEY_L1, key);
	default:
		return FIELD_GET(KHO_KEY_BIT, key);
	}
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

/* Find the leaf holding @key, allocating the path to it if @alloc. */
static struct kho_bitmap *kho_track_leaf(struct kho_mem_track *track,
					 u64 key, bool alloc)
{
	union kho_link *link = &track->root;
	struct kho_table *table;
	int level;

	for (level = KHO_TABLE_LEVELS; level > 0; level--) {
		table = alloc ? kho_link_get(track, link) :
				READ_ONCE(link->table);
		if (!table)
			return NULL;
		link = &table->link[kho_key_slot(key, level)];
	}
	return alloc ? kho_link_get(track, link) : READ_ONCE(link->bitmap);
}

static int kho_track_set(struct kho_mem_track *track, u64 key)
{
	struct kho_bitmap *leaf = kho_track_leaf(track, key, true);

	if (!leaf)
		return -ENOMEM;
	if (test_and_set_bit(kho_key_slot(key, 0), leaf->bits))
		return -EBUSY;
	return 0;
}

/* Undo kho_track_set() on an error path; tables stay until discard. */
static void kho_track_clear(struct kho_mem_track *track, u64 key)
{
	struct kho_bitmap *leaf = kho_track_leaf(track, key, false);

	if (!WARN_ON_ONCE(!leaf))
		clear_bit(kho_key_slot(key, 0), leaf->bits);
}

int kho_track_init(struct kho_mem_track *track)
{
	track->root.phys = 0;
	track->serialized = false;
	atomic_long_set(&track->nr_pages, 0);
	atomic_set(&track->alloc_budget, INT_MAX);
	return percpu_init_rwsem(&track->sem);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_init);

void kho_track_destroy(struct kho_mem_track *track)
{
	kho_track_discard(track);
	percpu_free_rwsem(&track->sem);
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_destroy);

/* Record the block of 2^@order pages at @pfn in @track. */
int kho_track_preserve(struct kho_mem_track *track, unsigned long pfn,
		       unsigned int order)
{
	u64 key;
	int err;

	err = kho_key_encode(pfn, order, &key);
	if (err)
		return err;

	/* Fails only while serialize, abort or discard runs. */
	if (!percpu_down_read_trylock(&track->sem))
		return -EBUSY;
	err = track->serialized ? -EBUSY : kho_track_set(track, key);
	percpu_up_read(&track->sem);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_track_preserve);

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
 * Rewrite every link of @track as a physical address and refuse further
 * preservation until kho_track_abort().  *@root gets the root table's
 * address, 0 if nothing was preserved.
 */
int kho_track_serialize(struct kho_mem_track *track, phys_addr_t *root)
{
	int err = 0;

	percpu_down_write(&track->sem);
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
	percpu_down_write(&track->sem);
	kho_link_free(track, &track->root, KHO_TABLE_LEVELS);
	track->serialized = false;
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
 * tracker page could not be allocated, -EINVAL if the folio lies beyond
 * what the handover format can describe.
 */
int kho_preserve_folio(struct folio *folio)
{
	if (!kho_enable || !kho_mem_ready)
		return -EOPNOTSUPP;
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
 * @phys or @size is not page aligned, @size is 0 or the range lies beyond
 * what the handover format can describe, -EBUSY if part of the range is
 * already preserved or preservation is finalized, -ENOMEM if a tracker
 * page could not be allocated.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	if (!kho_enable || !kho_mem_ready)
		return -EOPNOTSUPP;
	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size))
		return -EINVAL;
	return kho_track_preserve_range(&kho_mem, PHYS_PFN(phys),
					size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

static int __init kho_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct kho_table) != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct kho_bitmap) != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(union kho_link) != sizeof(u64));
	BUILD_BUG_ON(!FIELD_FIT(KHO_KEY_INDEX, KHO_PFN_LIMIT - 1));
	BUILD_BUG_ON(!FIELD_FIT(KHO_KEY_ORDER, KHO_ORDER_MAX));

	if (!kho_enable)
		return 0;

	err = kho_track_init(&kho_mem);
	if (err) {
		pr_err("cannot set up the preservation tracker: %d\n", err);
		kho_enable = false;
		return err;
	}
	kho_mem_ready = true;
	return 0;
}
early_initcall(kho_init);
