// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the KHO preservation tracker.
 *
 * The tracker works on page frame numbers and never touches the memory it
 * records, so most cases preserve made-up pfns anywhere in the format's
 * range.  Only the tracker's own tables are real pages.
 */

#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kexec_handover_internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Blocks reported by a walk, as keys, in the order they were reported. */
struct kho_test_set {
	u64 *keys;
	unsigned long nr;
	unsigned long max;
	unsigned long runs;
	int err;
};

static int kho_test_collect(void *arg, phys_addr_t phys, unsigned int order,
			    unsigned long nr)
{
	struct kho_test_set *set = arg;
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long i;
	int err;

	set->runs++;
	for (i = 0; i < nr; i++) {
		if (set->nr == set->max)
			return -ENOSPC;
		err = kho_key_encode(pfn + (i << order), order,
				     &set->keys[set->nr]);
		if (err)
			return err;
		set->nr++;
	}
	return 0;
}

/* Accept any page of RAM, as the next kernel would outside scratch. */
static bool kho_test_table_ok(void *arg, phys_addr_t phys)
{
	unsigned long *nr_tables = arg;
	unsigned long pfn = PHYS_PFN(phys);

	if (!pfn_valid(pfn) || !page_is_ram(pfn))
		return false;
	if (nr_tables)
		(*nr_tables)++;
	return true;
}

static const struct kho_walk_ops kho_test_collect_ops = {
	.run = kho_test_collect,
	.table_ok = kho_test_table_ok,
};

/* The walk ops pass their argument to both callbacks; split it here. */
struct kho_test_serial {
	struct kho_test_set set;
	unsigned long nr_tables;
};

static int kho_test_serial_run(void *arg, phys_addr_t phys,
			       unsigned int order, unsigned long nr)
{
	struct kho_test_serial *s = arg;

	return kho_test_collect(&s->set, phys, order, nr);
}

static bool kho_test_serial_table_ok(void *arg, phys_addr_t phys)
{
	struct kho_test_serial *s = arg;

	return kho_test_table_ok(&s->nr_tables, phys);
}

static const struct kho_walk_ops kho_test_serial_ops = {
	.run = kho_test_serial_run,
	.table_ok = kho_test_serial_table_ok,
};

static u64 kho_test_rand64(struct rnd_state *rnd)
{
	u64 hi = prandom_u32_state(rnd);

	return hi << 32 | prandom_u32_state(rnd);
}

static void kho_test_track_release(void *track)
{
	kho_track_destroy(track);
}

static bool kho_test_runs_table_ok(void *arg, phys_addr_t phys)
{
	return kho_test_table_ok(NULL, phys);
}

/* The next kernel's walk: gather the blocks into runs. */
static const struct kho_walk_ops kho_test_runs_ops = {
	.run = kho_runs_add,
	.table_ok = kho_test_runs_table_ok,
};

/* A tracker destroyed when the case ends, however it ends. */
static struct kho_mem_track *kho_test_track(struct kunit *test)
{
	struct kho_mem_track *track;

	track = kunit_kzalloc(test, sizeof(*track), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, track);
	KUNIT_ASSERT_EQ(test, kho_track_init(track), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kho_test_track_release,
							track), 0);
	return track;
}

static void kho_test_set_init(struct kunit *test, struct kho_test_set *set,
			      unsigned long max)
{
	memset(set, 0, sizeof(*set));
	set->keys = kunit_kmalloc_array(test, max, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set->keys);
	set->max = max;
}

static int kho_test_cmp_key(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Walk @track and expect exactly the keys in @want, which is sorted. */
static void kho_test_expect_set(struct kunit *test, struct kho_mem_track *track,
				const u64 *want, unsigned long nr)
{
	struct kho_test_set got;
	unsigned long i;

	kho_test_set_init(test, &got, nr + 1);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	KUNIT_ASSERT_EQ(test, got.nr, nr);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ_MSG(test, got.keys[i], want[i], "block %lu", i);
}

/* Count the pages reachable from a tracker built of virtual links. */
static unsigned long kho_test_count_pages(const union kho_link *link,
					  int level)
{
	unsigned long nr = 1;
	unsigned int i;

	if (!link->table)
		return 0;
	for (i = 0; level && i < KHO_TABLE_ENTRIES; i++)
		nr += kho_test_count_pages(&link->table->link[i], level - 1);
	return nr;
}

struct kho_key_case {
	const char *name;
	unsigned long pfn;
	unsigned int order;
	int err;
};

static const struct kho_key_case kho_key_cases[] = {
	{ "pfn 0", 0, 0, 0 },
	{ "last pfn", KHO_PFN_LIMIT - 1, 0, 0 },
	{ "just past the last pfn", KHO_PFN_LIMIT, 0, -EINVAL },
	{ "last pfn of a leaf", KHO_BITMAP_BITS - 1, 0, 0 },
	{ "first pfn of the second leaf", KHO_BITMAP_BITS, 0, 0 },
	{ "first pfn past an L1 table", KHO_BITMAP_BITS * KHO_TABLE_ENTRIES,
	  0, 0 },
	{ "last order-10 block", KHO_PFN_LIMIT - 1024, 10, 0 },
	{ "order-10 block past the end", KHO_PFN_LIMIT, 10, -EINVAL },
	{ "unaligned order-9 block", 1, 9, -EINVAL },
	{ "largest order", 0, KHO_ORDER_MAX, 0 },
	{ "largest order not at 0", 1UL << KHO_ORDER_MAX, KHO_ORDER_MAX,
	  -EINVAL },
	{ "order past the largest", 0, KHO_ORDER_MAX + 1, -EINVAL },
	{ "largest order the key field holds", 0, 63, -EINVAL },
	{ "order 64", 0, 64, -EINVAL },
	{ "ULONG_MAX pfn", ULONG_MAX, 0, -EINVAL },
};

static void kho_key_case_desc(const struct kho_key_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_key, kho_key_cases, kho_key_case_desc);

/* Boundary pfns and orders encode, decode back, or are rejected. */
static void kho_key_boundary_test(struct kunit *test)
{
	const struct kho_key_case *c = test->param_value;
	unsigned long pfn;
	unsigned int order;
	u64 key = 0;

	KUNIT_ASSERT_EQ(test, kho_key_encode(c->pfn, c->order, &key), c->err);
	if (c->err)
		return;

	KUNIT_EXPECT_EQ(test, key >> KHO_KEY_BITS, 0);
	kho_key_decode(key, &pfn, &order);
	KUNIT_EXPECT_EQ(test, pfn, c->pfn);
	KUNIT_EXPECT_EQ(test, order, c->order);
}

/*
 * Every order round-trips at its first, last and random blocks, and keys
 * sort by order first and address second: the order a walk reports in.
 */
static void kho_key_roundtrip_test(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned long pfn, got_pfn, last;
	unsigned int order, got_order, i;
	u64 key, prev = 0;

	prandom_seed_state(&rnd, 42);
	for (order = 0; order <= KHO_ORDER_MAX; order++) {
		last = KHO_PFN_LIMIT - (1ULL << order);
		for (i = 0; i < 66; i++) {
			if (i == 0)
				pfn = 0;
			else if (i == 65)
				pfn = last;
			else
				pfn = (kho_test_rand64(&rnd) & last) &
				      ~((1UL << order) - 1);

			KUNIT_ASSERT_EQ(test, kho_key_encode(pfn, order, &key),
					0);
			kho_key_decode(key, &got_pfn, &got_order);
			KUNIT_ASSERT_EQ(test, got_pfn, pfn);
			KUNIT_ASSERT_EQ(test, got_order, order);
			if (i == 0 && order)
				KUNIT_ASSERT_GT(test, key, prev);
			if (i == 65)
				prev = key;
		}
		if (order)
			KUNIT_EXPECT_EQ(test, kho_key_encode(1UL << (order - 1),
							     order, &key),
					-EINVAL);
	}
}

/*
 * Randomized sets of mixed orders walk back exactly, sorted; preserving a
 * block twice fails with -EBUSY and changes nothing.
 */
static void kho_preserve_walk_test(struct kunit *test)
{
	const unsigned long nr = 4096;
	struct kho_mem_track *track = kho_test_track(test);
	unsigned long i, pfn, uniq, busy = 0;
	struct rnd_state rnd;
	unsigned int order;
	u64 *ref;
	int err;

	ref = kunit_kmalloc_array(test, nr, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);

	prandom_seed_state(&rnd, 2025);
	for (i = 0; i < nr; i++) {
		/* Mostly small orders over 64 GiB, some anywhere. */
		order = prandom_u32_state(&rnd) % 4 ?
			prandom_u32_state(&rnd) % 4 :
			prandom_u32_state(&rnd) % (MAX_PAGE_ORDER + 9);
		if (i % 64)
			pfn = prandom_u32_state(&rnd) % (1UL << 24);
		else
			pfn = kho_test_rand64(&rnd) % KHO_PFN_LIMIT;
		pfn &= ~((1UL << order) - 1);
		/* Repeat an earlier block now and then, on purpose. */
		if (i && !(i % 97))
			kho_key_decode(ref[i / 2], &pfn, &order);
		KUNIT_ASSERT_EQ(test, kho_key_encode(pfn, order, &ref[i]), 0);

		err = kho_track_preserve(track, pfn, order);
		KUNIT_ASSERT_TRUE(test, err == 0 || err == -EBUSY);
		busy += err == -EBUSY;
	}

	sort(ref, nr, sizeof(u64), kho_test_cmp_key, NULL);
	for (i = 0, uniq = 0; i < nr; i++)
		if (!uniq || ref[uniq - 1] != ref[i])
			ref[uniq++] = ref[i];
	/* -EBUSY once per repeat, and the walk has every first one. */
	KUNIT_EXPECT_GE(test, nr - uniq, nr / 97);
	KUNIT_EXPECT_EQ(test, busy, nr - uniq);

	kho_test_expect_set(test, track, ref, uniq);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages),
			kho_test_count_pages(&track->root, KHO_TABLE_LEVELS));
	kho_track_discard(track);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 0);
}

/*
 * A range becomes the largest naturally aligned blocks that tile it, and
 * a range that meets a preserved block leaves nothing of itself behind.
 */
static void kho_preserve_range_test(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	const unsigned long start = 3, end = 3 + 4096 + 5;
	struct kho_test_set got;
	unsigned long i, pfn, expect;
	unsigned int order;

	KUNIT_ASSERT_EQ(test, kho_track_preserve_range(track, start,
						       end - start), 0);

	kho_test_set_init(test, &got, 64);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	/* Sort by address to check the tiling. */
	for (i = 0; i < got.nr; i++) {
		kho_key_decode(got.keys[i], &pfn, &order);
		got.keys[i] = (u64)pfn << 8 | order;
	}
	sort(got.keys, got.nr, sizeof(u64), kho_test_cmp_key, NULL);
	for (i = 0, expect = start; i < got.nr; i++) {
		pfn = got.keys[i] >> 8;
		order = got.keys[i] & 0xff;
		KUNIT_EXPECT_EQ(test, pfn, expect);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pfn, 1UL << order));
		/* Largest: the next order up would be unaligned or too long. */
		KUNIT_EXPECT_TRUE(test, !IS_ALIGNED(pfn, 2UL << order) ||
				  pfn + (2UL << order) > end);
		expect = pfn + (1UL << order);
	}
	KUNIT_EXPECT_EQ(test, expect, end);
	/* 3, 4-7, 8-15, ..., 2048-4095, then 4096-4103 */
	KUNIT_EXPECT_EQ(test, got.nr, 1 + 10 + 1);

	/* 67, 68-69 and 70 meet the block at 70: all or nothing. */
	kho_track_discard(track);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 70, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_track_preserve_range(track, 67, 4), -EBUSY);
	kho_test_set_init(test, &got, 4);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	KUNIT_ASSERT_EQ(test, got.nr, 1);
	kho_key_decode(got.keys[0], &pfn, &order);
	KUNIT_EXPECT_EQ(test, pfn, 70);
	KUNIT_EXPECT_EQ(test, order, 0);

	kho_track_discard(track);
}

/* Bad arguments get -EINVAL or -EBUSY and leave the tracker unchanged. */
static void kho_bad_input_test(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	u64 key;

	KUNIT_EXPECT_EQ(test, kho_track_preserve(track, 0, KHO_ORDER_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_preserve(track, KHO_PFN_LIMIT, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_preserve(track, 512 + 1, 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_preserve_range(track, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_preserve_range(track, ULONG_MAX, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_preserve_range(track,
						       KHO_PFN_LIMIT - 1, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 0);

	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 1024, 10), 0);
	KUNIT_EXPECT_EQ(test, kho_track_preserve(track, 1024, 10), -EBUSY);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1024, 10, &key), 0);
	kho_test_expect_set(test, track, &key, 1);

	if (!kho_is_enabled()) {
		KUNIT_EXPECT_EQ(test, kho_preserve_phys(0, PAGE_SIZE),
				-EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, kho_preserve_folio(page_folio(ZERO_PAGE(0))),
				-EOPNOTSUPP);
	}
	kho_track_discard(track);
}

/*
 * Serialize turns every link physical and the serialized tables walk to
 * the same set; abort lets preservation resume, and serializing again
 * covers the blocks added since.
 */
static void kho_serialize_test(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	struct kho_test_serial s;
	phys_addr_t root = 0;
	u64 want[6];
	unsigned long i, pages;

	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 7, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 1UL << 30, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 1UL << 21, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 1UL << 18, 18), 0);
	pages = atomic_long_read(&track->nr_pages);

	KUNIT_ASSERT_EQ(test, kho_track_serialize(track, &root), 0);
	KUNIT_ASSERT_NE(test, root, 0);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(root));
	KUNIT_EXPECT_EQ(test, kho_track_serialize(track, &root), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_track_preserve(track, 8, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_track_preserve_range(track, 8, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     NULL), -EBUSY);

	/* Every page is reached through a checked physical link. */
	memset(&s, 0, sizeof(s));
	kho_test_set_init(test, &s.set, 8);
	KUNIT_ASSERT_EQ(test, kho_walk_serialized(root, &kho_test_serial_ops,
						  &s), 0);
	KUNIT_EXPECT_EQ(test, s.nr_tables, pages);
	KUNIT_ASSERT_EQ(test, s.set.nr, 4);
	KUNIT_ASSERT_EQ(test, kho_key_encode(7, 0, &want[0]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 30, 0, &want[1]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 21, 9, &want[2]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 18, 18, &want[3]), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, s.set.keys[i], want[i]);

	KUNIT_ASSERT_EQ(test, kho_track_abort(track), 0);
	KUNIT_EXPECT_EQ(test, kho_track_abort(track), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 8, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 1UL << 35, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(8, 0, &want[4]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 35, 3, &want[5]), 0);
	sort(want, 6, sizeof(u64), kho_test_cmp_key, NULL);
	kho_test_expect_set(test, track, want, 6);

	KUNIT_ASSERT_EQ(test, kho_track_serialize(track, &root), 0);
	memset(&s, 0, sizeof(s));
	kho_test_set_init(test, &s.set, 8);
	KUNIT_ASSERT_EQ(test, kho_walk_serialized(root, &kho_test_serial_ops,
						  &s), 0);
	KUNIT_EXPECT_EQ(test, s.nr_tables,
			atomic_long_read(&track->nr_pages));
	KUNIT_ASSERT_EQ(test, s.set.nr, 6);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, s.set.keys[i], want[i]);

	/* Discard frees a serialized tracker too. */
	kho_track_discard(track);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 0);
}

struct kho_test_thread {
	struct kho_mem_track *track;
	unsigned int id;
	unsigned int nr_threads;
	unsigned long nr_pfns;
	int err;
	struct completion *start;
	struct completion done;
};

static int kho_test_preserver(void *data)
{
	struct kho_test_thread *t = data;
	unsigned long pfn;
	int err;

	/* All at once, so they race to install the same tables. */
	wait_for_completion(t->start);
	for (pfn = t->id; pfn < t->nr_pfns; pfn += t->nr_threads) {
		err = kho_track_preserve(t->track, pfn, 0);
		if (err && !t->err)
			t->err = err;
	}
	complete(&t->done);
	return 0;
}

/*
 * Preservers on several kthreads share tables and bitmap words from an
 * empty tracker on; no bit and no table may be lost or leaked.
 */
static void kho_concurrent_test(struct kunit *test)
{
	const unsigned int nr_threads = 4;
	const unsigned long nr_pfns = 3 * KHO_BITMAP_BITS + 1000;
	struct kho_mem_track *track = kho_test_track(test);
	DECLARE_COMPLETION_ONSTACK(start);
	struct kho_test_thread *t;
	struct task_struct *task;
	struct kho_test_set got;
	unsigned long i, n, pfn;
	unsigned int order;

	t = kunit_kcalloc(test, nr_threads, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < nr_threads; i++) {
		t[i].track = track;
		t[i].id = i;
		t[i].nr_threads = nr_threads;
		t[i].nr_pfns = nr_pfns;
		t[i].start = &start;
		init_completion(&t[i].done);
	}
	for (n = 0; n < nr_threads; n++) {
		task = kthread_run(kho_test_preserver, &t[n], "kho_test/%lu",
				   n);
		if (IS_ERR(task))
			break;
	}
	complete_all(&start);
	for (i = 0; i < n; i++) {
		wait_for_completion(&t[i].done);
		KUNIT_EXPECT_EQ(test, t[i].err, 0);
	}
	KUNIT_ASSERT_EQ(test, n, nr_threads);

	kho_test_set_init(test, &got, nr_pfns + 1);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	KUNIT_ASSERT_EQ(test, got.nr, nr_pfns);
	for (i = 0; i < nr_pfns; i++) {
		kho_key_decode(got.keys[i], &pfn, &order);
		KUNIT_ASSERT_EQ(test, pfn, i);
		KUNIT_ASSERT_EQ(test, order, 0);
	}
	/* Four leaves and one table per level: racing losers freed theirs. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages),
			4 + KHO_TABLE_LEVELS);
	kho_track_discard(track);
}

/*
 * Running out of memory partway through a range returns -ENOMEM, leaves
 * the blocks that were there, and accounts every page allocated.
 */
static void kho_alloc_failure_test(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	/* Blocks of orders 3 and 24 that need nine new pages in all. */
	const unsigned long start = KHO_BITMAP_BITS * KHO_TABLE_ENTRIES - 8;
	const unsigned long nr = KHO_BITMAP_BITS * KHO_TABLE_ENTRIES + 16;
	unsigned long pfn;
	unsigned int order;
	struct kho_test_set got;
	int budget;
	u64 key;

	KUNIT_ASSERT_EQ(test, kho_key_encode(5, 0, &key), 0);
	for (budget = 0; budget < 9; budget++) {
		kho_track_discard(track);
		KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 5, 0), 0);
		atomic_set(&track->alloc_budget, budget);
		KUNIT_EXPECT_EQ_MSG(test, kho_track_preserve_range(track,
								   start, nr),
				    -ENOMEM, "budget %d", budget);
		kho_test_expect_set(test, track, &key, 1);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages),
				kho_test_count_pages(&track->root,
						     KHO_TABLE_LEVELS));
		atomic_set(&track->alloc_budget, INT_MAX);
	}

	/* The tables allocated before the failure are reused. */
	atomic_set(&track->alloc_budget, 1);
	KUNIT_ASSERT_EQ(test, kho_track_preserve_range(track, start, nr), 0);
	/* Root, the order-0 path, and the nine pages of the range. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages), 1 + 4 + 9);
	kho_test_set_init(test, &got, 64);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	KUNIT_EXPECT_EQ(test, got.nr, 4);
	kho_key_decode(got.keys[0], &pfn, &order);
	KUNIT_EXPECT_EQ(test, pfn, 5);
	kho_track_discard(track);
}

enum kho_corruption {
	KHO_CORRUPT_ROOT_OUTSIDE_RAM,
	KHO_CORRUPT_LINK_OUTSIDE_RAM,
	KHO_CORRUPT_LINK_MISALIGNED,
	KHO_CORRUPT_LEAF_TO_ROOT,
	KHO_CORRUPT_TABLE_TO_PARENT,
	KHO_CORRUPT_BAD_ORDER,
	KHO_CORRUPT_PFN_PAST_LIMIT,
	KHO_CORRUPT_LEAF_PAST_LIMIT,
};

struct kho_corrupt_case {
	const char *name;
	enum kho_corruption kind;
};

static const struct kho_corrupt_case kho_corrupt_cases[] = {
	{ "root outside RAM", KHO_CORRUPT_ROOT_OUTSIDE_RAM },
	{ "link outside RAM", KHO_CORRUPT_LINK_OUTSIDE_RAM },
	{ "misaligned link", KHO_CORRUPT_LINK_MISALIGNED },
	{ "leaf link to the root", KHO_CORRUPT_LEAF_TO_ROOT },
	{ "table link to its parent", KHO_CORRUPT_TABLE_TO_PARENT },
	{ "order past the largest", KHO_CORRUPT_BAD_ORDER },
	{ "pfn past the limit", KHO_CORRUPT_PFN_PAST_LIMIT },
	{ "leaf bit past the limit", KHO_CORRUPT_LEAF_PAST_LIMIT },
};

static void kho_corrupt_case_desc(const struct kho_corrupt_case *c,
				  char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_corrupt, kho_corrupt_cases, kho_corrupt_case_desc);

static void *kho_test_virt(u64 phys)
{
	return phys_to_virt(phys);
}

/*
 * The walker of serialized tables refuses each kind of corruption with
 * -EINVAL, reading nothing it has not checked, and walks the repaired
 * tables normally.
 */
static void kho_corrupt_test(struct kunit *test)
{
	const struct kho_corrupt_case *c = test->param_value;
	struct kho_mem_track *track = kho_test_track(test);
	struct kho_table *l4, *l3, *l2, *l1;
	struct kho_bitmap *leaf;
	struct kho_test_serial s;
	phys_addr_t root, walk_root;
	u64 *victim, saved, top = KHO_ORDER_MAX;
	unsigned int slot;
	u64 key;

	/* The last order's only block sits in the top leaf word. */
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 12345, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 0, KHO_ORDER_MAX), 0);
	KUNIT_ASSERT_EQ(test, kho_track_serialize(track, &root), 0);

	KUNIT_ASSERT_EQ(test, kho_key_encode(12345, 0, &key), 0);
	l4 = kho_test_virt(root);
	l3 = kho_test_virt(l4->link[FIELD_GET(KHO_KEY_L4, key)].phys);
	l2 = kho_test_virt(l3->link[FIELD_GET(KHO_KEY_L3, key)].phys);
	l1 = kho_test_virt(l2->link[FIELD_GET(KHO_KEY_L2, key)].phys);
	leaf = kho_test_virt(l1->link[FIELD_GET(KHO_KEY_L1, key)].phys);

	walk_root = root;
	victim = &l1->link[FIELD_GET(KHO_KEY_L1, key)].phys;
	saved = *victim;
	switch (c->kind) {
	case KHO_CORRUPT_ROOT_OUTSIDE_RAM:
		walk_root = 1ULL << (KHO_PHYS_BITS - 1);
		break;
	case KHO_CORRUPT_LINK_OUTSIDE_RAM:
		*victim = 1ULL << (KHO_PHYS_BITS - 1);
		break;
	case KHO_CORRUPT_LINK_MISALIGNED:
		*victim += sizeof(u64);
		break;
	case KHO_CORRUPT_LEAF_TO_ROOT:
		*victim = root;
		break;
	case KHO_CORRUPT_TABLE_TO_PARENT:
		victim = &l2->link[FIELD_GET(KHO_KEY_L2, key)].phys;
		saved = *victim;
		*victim = l3->link[FIELD_GET(KHO_KEY_L3, key)].phys;
		break;
	case KHO_CORRUPT_BAD_ORDER:
		/* A root slot for order KHO_ORDER_MAX + 1. */
		slot = FIELD_GET(KHO_KEY_L4,
				 FIELD_PREP(KHO_KEY_ORDER, top + 1));
		victim = &l4->link[slot].phys;
		saved = *victim;
		*victim = l4->link[FIELD_GET(KHO_KEY_L4, key)].phys;
		break;
	case KHO_CORRUPT_PFN_PAST_LIMIT:
		/* Order 0, but the largest index the key field holds. */
		slot = FIELD_GET(KHO_KEY_L4, KHO_KEY_INDEX);
		victim = &l4->link[slot].phys;
		saved = *victim;
		*victim = l4->link[FIELD_GET(KHO_KEY_L4, key)].phys;
		break;
	case KHO_CORRUPT_LEAF_PAST_LIMIT:
		/* The largest order's leaf may only hold bit 0. */
		victim = NULL;
		KUNIT_ASSERT_EQ(test, kho_key_encode(0, KHO_ORDER_MAX, &key), 0);
		l3 = kho_test_virt(l4->link[FIELD_GET(KHO_KEY_L4, key)].phys);
		l2 = kho_test_virt(l3->link[FIELD_GET(KHO_KEY_L3, key)].phys);
		l1 = kho_test_virt(l2->link[FIELD_GET(KHO_KEY_L2, key)].phys);
		leaf = kho_test_virt(l1->link[FIELD_GET(KHO_KEY_L1, key)].phys);
		leaf->bits[0] |= 2;
		break;
	}

	memset(&s, 0, sizeof(s));
	kho_test_set_init(test, &s.set, 8);
	KUNIT_EXPECT_EQ(test, kho_walk_serialized(walk_root,
						  &kho_test_serial_ops, &s),
			-EINVAL);

	/* Repaired, the same tables walk to both blocks. */
	if (victim)
		*victim = saved;
	else
		leaf->bits[0] &= ~2UL;
	memset(&s, 0, sizeof(s));
	kho_test_set_init(test, &s.set, 8);
	KUNIT_EXPECT_EQ(test, kho_walk_serialized(root, &kho_test_serial_ops,
						  &s), 0);
	KUNIT_EXPECT_EQ(test, s.set.nr, 2);
	kho_track_discard(track);
}

/*
 * A dense, aligned GiB of order-0 pages costs its leaves, one bit per
 * page, and one table per level above them: nothing more.
 */
static void kho_memory_floor_test(struct kunit *test)
{
	const unsigned long nr = SZ_1G / PAGE_SIZE;
	const unsigned long base = 5 * nr;	/* 5 GiB, 1 GiB aligned */
	struct kho_mem_track *track = kho_test_track(test);
	unsigned long pfn, leaves = nr / KHO_BITMAP_BITS;
	struct kho_test_set got;

	for (pfn = base; pfn < base + nr; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_preserve(track, pfn, 0), 0);

	KUNIT_EXPECT_EQ(test, leaves * PAGE_SIZE, SZ_32K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&track->nr_pages),
			leaves + KHO_TABLE_LEVELS);

	/* One run per leaf, nothing else. */
	kho_test_set_init(test, &got, nr);
	KUNIT_ASSERT_EQ(test, kho_track_walk(track, &kho_test_collect_ops,
					     &got), 0);
	KUNIT_EXPECT_EQ(test, got.nr, nr);
	KUNIT_EXPECT_EQ(test, got.runs, leaves);
	kho_track_discard(track);
}

/*
 * A serialized walk gathered into runs: blocks contiguous in memory and of
 * one order make one run, even across leaves; the counting pass finds as
 * many runs as the recording pass stores.
 */
static void kho_runs_collect_test(struct kunit *test)
{
	struct kho_mem_track *track = kho_test_track(test);
	struct kho_in_collect c = { };
	struct kho_run runs[4];
	phys_addr_t root;
	unsigned long pfn;

	/* 24 order-0 pages across a leaf boundary, then an order-1 block. */
	for (pfn = KHO_BITMAP_BITS - 16; pfn < KHO_BITMAP_BITS + 8; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_preserve(track, pfn, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 2 * KHO_BITMAP_BITS, 1),
			0);
	/* Blocks of order 0 after a gap. */
	KUNIT_ASSERT_EQ(test, kho_track_preserve(track, 5 * KHO_BITMAP_BITS, 0),
			0);
	KUNIT_ASSERT_EQ(test, kho_track_serialize(track, &root), 0);

	KUNIT_ASSERT_EQ(test, kho_walk_serialized(root, &kho_test_runs_ops,
						  &c), 0);
	kho_runs_flush(&c);
	KUNIT_EXPECT_EQ(test, c.nr, 3);
	KUNIT_EXPECT_EQ(test, c.blocks, 24 + 1 + 1);

	memset(&c, 0, sizeof(c));
	c.runs = runs;
	c.max = ARRAY_SIZE(runs);
	KUNIT_ASSERT_EQ(test, kho_walk_serialized(root, &kho_test_runs_ops,
						  &c), 0);
	kho_runs_flush(&c);
	KUNIT_ASSERT_EQ(test, c.nr, 3);
	/* Key order: order 0 first, by address; then order 1. */
	KUNIT_EXPECT_EQ(test, runs[0].base, PFN_PHYS(KHO_BITMAP_BITS - 16));
	KUNIT_EXPECT_EQ(test, runs[0].nr, 24);
	KUNIT_EXPECT_EQ(test, runs[0].order, 0);
	KUNIT_EXPECT_EQ(test, runs[1].base, PFN_PHYS(5 * KHO_BITMAP_BITS));
	KUNIT_EXPECT_EQ(test, runs[1].nr, 1);
	KUNIT_EXPECT_EQ(test, runs[2].base, PFN_PHYS(2 * KHO_BITMAP_BITS));
	KUNIT_EXPECT_EQ(test, runs[2].order, 1);
	kho_track_discard(track);
}

#define KHO_TEST_MAX_RUNS	4
#define KHO_TEST_MAX_REGIONS	4

struct kho_runs_case {
	const char *name;
	struct kho_run runs[KHO_TEST_MAX_RUNS];
	struct memblock_region mem[KHO_TEST_MAX_REGIONS];
	struct memblock_region rsv[KHO_TEST_MAX_REGIONS];
	const char *why;	/* start of the refusal, or NULL */
};

#define KHO_RUN(b, n, o)	{ .base = (b), .nr = (n), .order = (o) }
#define KHO_REGION(b, s, f)	{ .base = (b), .size = (s), .flags = (f) }

static const struct kho_runs_case kho_runs_cases[] = {
	{ "inside one region",
	  { KHO_RUN(SZ_1M, 16, 0), KHO_RUN(SZ_2M, 1, 9) },
	  { KHO_REGION(0, SZ_16M, 0) }, { }, NULL },
	{ "across adjacent regions",
	  { KHO_RUN(SZ_4M - SZ_64K, 32, 0) },
	  { KHO_REGION(0, SZ_4M, 0), KHO_REGION(SZ_4M, SZ_4M, 0) }, { },
	  NULL },
	{ "beside reserved memory",
	  { KHO_RUN(SZ_1M, 1, 8) },
	  { KHO_REGION(0, SZ_16M, 0) },
	  { KHO_REGION(0, SZ_1M, 0), KHO_REGION(SZ_2M, SZ_1M, 0) }, NULL },
	{ "in a hole",
	  { KHO_RUN(SZ_4M + SZ_1M, 1, 0) },
	  { KHO_REGION(0, SZ_4M, 0), KHO_REGION(SZ_8M, SZ_4M, 0) }, { },
	  "preserved memory outside RAM" },
	{ "past the end of RAM",
	  { KHO_RUN(SZ_8M - SZ_4K, 2, 0) },
	  { KHO_REGION(0, SZ_8M, 0) }, { }, "preserved memory outside RAM" },
	{ "in scratch",
	  { KHO_RUN(SZ_8M, 1, 0) },
	  { KHO_REGION(0, SZ_8M, 0),
	    KHO_REGION(SZ_8M, SZ_8M, MEMBLOCK_KHO_SCRATCH) }, { },
	  "preserved memory inside scratch" },
	{ "in nomap memory",
	  { KHO_RUN(SZ_1M, 1, 0) },
	  { KHO_REGION(0, SZ_2M, MEMBLOCK_NOMAP) }, { },
	  "preserved memory not mapped" },
	{ "over reserved memory",
	  { KHO_RUN(SZ_1M, 4, 0) },
	  { KHO_REGION(0, SZ_16M, 0) },
	  { KHO_REGION(SZ_1M + 3 * SZ_4K, SZ_4K, 0) },
	  "preserved memory already in use" },
	{ "two orders overlapping",
	  { KHO_RUN(SZ_2M, 1, 9), KHO_RUN(SZ_2M + SZ_4K, 1, 0) },
	  { KHO_REGION(0, SZ_16M, 0) }, { }, "preserved blocks overlap" },
};

static void kho_runs_case_desc(const struct kho_runs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_runs, kho_runs_cases, kho_runs_case_desc);

static unsigned long kho_test_nr_runs(const struct kho_run *runs)
{
	unsigned long n = 0;

	while (n < KHO_TEST_MAX_RUNS && runs[n].nr)
		n++;
	return n;
}

static unsigned long kho_test_nr_regions(const struct memblock_region *r)
{
	unsigned long n = 0;

	while (n < KHO_TEST_MAX_REGIONS && r[n].size)
		n++;
	return n;
}

/*
 * The next kernel's checks of the preserved runs against its memory map:
 * every run in RAM, outside scratch, nomap and reserved memory, apart
 * from the others; a run may span adjacent regions.
 */
static void kho_runs_check_test(struct kunit *test)
{
	const struct kho_runs_case *c = test->param_value;
	struct memblock_region mem[KHO_TEST_MAX_REGIONS];
	struct memblock_region rsv[KHO_TEST_MAX_REGIONS];
	struct memblock_type memory = { .regions = mem, .name = "memory" };
	struct memblock_type reserved = { .regions = rsv, .name = "reserved" };
	const char *why;

	memcpy(mem, c->mem, sizeof(mem));
	memcpy(rsv, c->rsv, sizeof(rsv));
	memory.cnt = kho_test_nr_regions(mem);
	reserved.cnt = kho_test_nr_regions(rsv);

	why = kho_runs_check(c->runs, kho_test_nr_runs(c->runs), &memory,
			     &reserved);
	if (!c->why)
		KUNIT_EXPECT_NULL(test, why);
	else
		KUNIT_EXPECT_STREQ(test, why ?: "(accepted)", c->why);
}

static phys_addr_t kho_test_ranges[KHO_TEST_MAX_RUNS][2];
static unsigned int kho_test_nr_ranges;

static void kho_test_reserve(phys_addr_t base, phys_addr_t size)
{
	if (kho_test_nr_ranges < KHO_TEST_MAX_RUNS) {
		kho_test_ranges[kho_test_nr_ranges][0] = base;
		kho_test_ranges[kho_test_nr_ranges][1] = size;
	}
	kho_test_nr_ranges++;
}

/*
 * Runs adjacent in memory become one reservation whatever their orders;
 * a gap starts another.
 */
static void kho_runs_reserve_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_4K, 2, 0),		/* 4K-12K */
		KHO_RUN(3 * SZ_4K, 1, 0),	/* 12K-16K */
		KHO_RUN(SZ_16K, 1, 2),		/* 16K-32K */
		KHO_RUN(SZ_2M, 3, 9),		/* 2M-8M */
	};

	kho_test_nr_ranges = 0;
	KUNIT_EXPECT_EQ(test, kho_runs_reserve(runs, ARRAY_SIZE(runs),
					       kho_test_reserve), 2);
	KUNIT_ASSERT_EQ(test, kho_test_nr_ranges, 2);
	KUNIT_EXPECT_EQ(test, kho_test_ranges[0][0], SZ_4K);
	KUNIT_EXPECT_EQ(test, kho_test_ranges[0][1], SZ_32K - SZ_4K);
	KUNIT_EXPECT_EQ(test, kho_test_ranges[1][0], SZ_2M);
	KUNIT_EXPECT_EQ(test, kho_test_ranges[1][1], 3 * SZ_2M);
}

static struct kunit_case kho_tracker_cases[] = {
	KUNIT_CASE_PARAM(kho_key_boundary_test, kho_key_gen_params),
	KUNIT_CASE(kho_key_roundtrip_test),
	KUNIT_CASE(kho_preserve_walk_test),
	KUNIT_CASE(kho_preserve_range_test),
	KUNIT_CASE(kho_bad_input_test),
	KUNIT_CASE(kho_serialize_test),
	KUNIT_CASE_SLOW(kho_concurrent_test),
	KUNIT_CASE(kho_alloc_failure_test),
	KUNIT_CASE_PARAM(kho_corrupt_test, kho_corrupt_gen_params),
	KUNIT_CASE_SLOW(kho_memory_floor_test),
	KUNIT_CASE(kho_runs_collect_test),
	KUNIT_CASE_PARAM(kho_runs_check_test, kho_runs_gen_params),
	KUNIT_CASE(kho_runs_reserve_test),
	{}
};

static struct kunit_suite kho_tracker_suite = {
	.name = "kho_tracker",
	.test_cases = kho_tracker_cases,
};

kunit_test_suite(kho_tracker_suite);

MODULE_DESCRIPTION("KUnit tests for the Kexec HandOver preservation tracker");
MODULE_LICENSE("GPL");
