// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the KHO preservation tracker (suite kho_tracker).
 *
 * The tracker works on page frame numbers and never touches the memory it
 * records, so most cases preserve made-up pfns anywhere in the format's
 * range.  Only the tracker's own tables are real pages.
 */

#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kexec_handover_test.h"

static u64 kho_test_rand64(struct rnd_state *rnd)
{
	u64 hi = prandom_u32_state(rnd);

	return hi << 32 | prandom_u32_state(rnd);
}

static int kho_test_cmp_key(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Walk @tracker and expect exactly the keys in @want, which is sorted. */
static void kho_test_expect_set(struct kunit *test, struct kho_tracker *tracker,
				const u64 *want, unsigned long nr)
{
	struct kho_test_set got;
	unsigned long i;

	kho_test_set_init(test, &got, nr + 1);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
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
	struct kho_tracker *tracker = kho_test_tracker(test);
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

		err = kho_tracker_preserve(tracker, pfn, order);
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

	kho_test_expect_set(test, tracker, ref, uniq);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages),
			kho_test_count_pages(&tracker->root, KHO_TABLE_LEVELS));
	kho_tracker_discard(tracker);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages), 0);
}

/*
 * A range becomes the largest naturally aligned blocks that tile it, and
 * a range that meets a preserved block leaves nothing of itself behind.
 */
static void kho_preserve_range_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	const unsigned long start = 3, end = 3 + 4096 + 5;
	struct kho_test_set got;
	unsigned long i, pfn, expect;
	unsigned int order;

	KUNIT_ASSERT_EQ(test, kho_tracker_preserve_range(tracker, start,
							 end - start), 0);

	kho_test_set_init(test, &got, 64);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
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
	kho_tracker_discard(tracker);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 70, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve_range(tracker, 67, 4), -EBUSY);
	kho_test_set_init(test, &got, 4);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
					       &got), 0);
	KUNIT_ASSERT_EQ(test, got.nr, 1);
	kho_key_decode(got.keys[0], &pfn, &order);
	KUNIT_EXPECT_EQ(test, pfn, 70);
	KUNIT_EXPECT_EQ(test, order, 0);

	kho_tracker_discard(tracker);
}

/* Bad arguments get -EINVAL or -EBUSY and leave the tracker unchanged. */
static void kho_bad_input_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	u64 key;

	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 0,
						   KHO_ORDER_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, KHO_PFN_LIMIT, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 512 + 1, 9),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve_range(tracker, 0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve_range(tracker, ULONG_MAX, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve_range(tracker,
							 KHO_PFN_LIMIT - 1, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages), 0);

	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 1024, 10), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 1024, 10), -EBUSY);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1024, 10, &key), 0);
	kho_test_expect_set(test, tracker, &key, 1);
}

/*
 * Unpreserve forgets exactly the block it names: another order at the same
 * pfn, a block never preserved, or any block once serialized is refused.
 */
static void kho_unpreserve_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	phys_addr_t root;
	long pages;
	u64 keys[2];

	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 4096, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 8192, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 8200, 0), 0);
	pages = atomic_long_read(&tracker->nr_pages);

	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 4096, 1),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 4097, 0),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 4097, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 4096, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 4096, 0),
			-ENOENT);

	/* Tables stay until discard; the set is what remains. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages), pages);
	KUNIT_ASSERT_EQ(test, kho_key_encode(8200, 0, &keys[0]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(8192, 3, &keys[1]), 0);
	kho_test_expect_set(test, tracker, keys, 2);

	/* The same block can be preserved again after unpreserve. */
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 8192, 3), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 8192, 3), 0);

	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(tracker, &root), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_unpreserve(tracker, 8192, 3),
			-EBUSY);
	KUNIT_ASSERT_EQ(test, kho_tracker_abort(tracker), 0);
	kho_test_expect_set(test, tracker, keys, 2);
}

/*
 * Serialize turns every link physical and the serialized tables walk to
 * the same set; abort lets preservation resume, and serializing again
 * covers the blocks added since.
 */
static void kho_serialize_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	struct kho_test_set got;
	unsigned long i, pages, walked;
	phys_addr_t root = 0;
	u64 want[6];

	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 7, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 1UL << 30, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 1UL << 21, 9), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 1UL << 18, 18), 0);
	pages = atomic_long_read(&tracker->nr_pages);

	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(tracker, &root), 0);
	KUNIT_ASSERT_NE(test, root, 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_serialize(tracker, &root), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 8, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve_range(tracker, 8, 1),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
					       NULL), -EBUSY);

	/* Every page is reached through a checked physical link. */
	KUNIT_ASSERT_EQ(test, kho_test_walk_serialized(test, root, &got, 8,
						       &walked), 0);
	KUNIT_EXPECT_EQ(test, walked, pages);
	KUNIT_ASSERT_EQ(test, got.nr, 4);
	KUNIT_ASSERT_EQ(test, kho_key_encode(7, 0, &want[0]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 30, 0, &want[1]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 21, 9, &want[2]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 18, 18, &want[3]), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, got.keys[i], want[i]);

	KUNIT_ASSERT_EQ(test, kho_tracker_abort(tracker), 0);
	KUNIT_EXPECT_EQ(test, kho_tracker_abort(tracker), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 8, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 1UL << 35, 3), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(8, 0, &want[4]), 0);
	KUNIT_ASSERT_EQ(test, kho_key_encode(1UL << 35, 3, &want[5]), 0);
	sort(want, 6, sizeof(u64), kho_test_cmp_key, NULL);
	kho_test_expect_set(test, tracker, want, 6);

	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(tracker, &root), 0);
	KUNIT_ASSERT_EQ(test, kho_test_walk_serialized(test, root, &got, 8,
						       &walked), 0);
	KUNIT_EXPECT_EQ(test, walked, atomic_long_read(&tracker->nr_pages));
	KUNIT_ASSERT_EQ(test, got.nr, 6);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, got.keys[i], want[i]);

	/* Discard frees a serialized tracker too. */
	kho_tracker_discard(tracker);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages), 0);
}

/* Allocations of a tracker whose pages the test counts and can refuse. */
struct kho_test_alloc {
	struct kho_tracker *tracker;
	atomic_t budget;	/* allocations left before refusing */
	atomic_long_t allocs;	/* pages handed out */
	bool meet;		/* first allocation waits for a second */
	bool alone;		/* ... and none came */
	struct completion second;
};

static struct kho_test_alloc kho_test_alloc;

static void *kho_test_alloc_page(struct kho_tracker *tracker)
{
	long nr;

	if (WARN_ON_ONCE(tracker != kho_test_alloc.tracker) ||
	    atomic_dec_if_positive(&kho_test_alloc.budget) < 0)
		return NULL;
	nr = atomic_long_inc_return(&kho_test_alloc.allocs);
	/*
	 * Hold the first page back until another preserver has allocated
	 * too: both then want the same empty link, so one of them loses the
	 * race however the threads are scheduled.  The timeout only ends a
	 * test that started a single preserver.
	 */
	if (kho_test_alloc.meet && nr == 1)
		kho_test_alloc.alone =
			!wait_for_completion_timeout(&kho_test_alloc.second,
						     10 * HZ);
	else if (kho_test_alloc.meet && nr == 2)
		complete(&kho_test_alloc.second);
	return (void *)get_zeroed_page(GFP_KERNEL);
}

static void kho_test_alloc_hook(struct kho_tracker *tracker, int budget,
				bool meet)
{
	kho_test_alloc.tracker = tracker;
	atomic_set(&kho_test_alloc.budget, budget);
	atomic_long_set(&kho_test_alloc.allocs, 0);
	kho_test_alloc.meet = meet;
	kho_test_alloc.alone = false;
	init_completion(&kho_test_alloc.second);
	tracker->alloc = kho_test_alloc_page;
}

struct kho_test_thread {
	struct kho_tracker *tracker;
	unsigned int id;
	unsigned int nr_threads;
	unsigned long nr_leaves;
	unsigned long *done;	/* bitmap of the pfns preserved */
	int err;
	struct completion *start;
	struct completion finished;
};

/*
 * Thread @id preserves the @id-th page of each of @nr_leaves leaves, in
 * step with the others, so they all need each new leaf and the tables
 * above it at the same moment.  -EBUSY from a serialized tracker ends the
 * thread; any other error is kept.
 */
static int kho_test_preserver(void *data)
{
	struct kho_test_thread *t = data;
	unsigned long leaf, pfn;
	int err;

	wait_for_completion(t->start);
	for (leaf = 0; leaf < t->nr_leaves; leaf++) {
		pfn = leaf * KHO_BITMAP_BITS + t->id;
		err = kho_tracker_preserve(t->tracker, pfn, 0);
		if (err == -EBUSY)
			break;
		if (err) {
			t->err = err;
			break;
		}
		set_bit(leaf * t->nr_threads + t->id, t->done);
	}
	complete(&t->finished);
	return 0;
}

/* Start @n preservers on @tracker; returns how many were started. */
static unsigned int kho_test_start(struct kho_test_thread *t, unsigned int n,
				   struct kho_tracker *tracker,
				   unsigned long nr_leaves, unsigned long *done,
				   struct completion *start)
{
	struct task_struct *task;
	unsigned int i;

	for (i = 0; i < n; i++) {
		t[i] = (struct kho_test_thread) {
			.tracker = tracker, .id = i, .nr_threads = n,
			.nr_leaves = nr_leaves, .done = done, .start = start,
		};
		init_completion(&t[i].finished);
		task = kthread_run(kho_test_preserver, &t[i], "kho_test/%u", i);
		if (IS_ERR(task))
			break;
	}
	return i;
}

/* Whether the walk of @tracker holds exactly the pfns set in @done. */
static void kho_test_expect_done(struct kunit *test,
				 struct kho_tracker *tracker,
				 const unsigned long *done, unsigned int n,
				 unsigned long nr_leaves, phys_addr_t root)
{
	unsigned long i, want = bitmap_weight(done, n * nr_leaves), pfn;
	struct kho_test_set got;
	unsigned int order;

	if (root) {
		KUNIT_ASSERT_EQ(test, kho_test_walk_serialized(test, root, &got,
							       want + 1, NULL),
				0);
	} else {
		kho_test_set_init(test, &got, want + 1);
		KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker,
						       &kho_test_collect_ops,
						       &got), 0);
	}
	KUNIT_ASSERT_EQ(test, got.nr, want);
	for (i = 0; i < got.nr; i++) {
		kho_key_decode(got.keys[i], &pfn, &order);
		KUNIT_ASSERT_EQ(test, order, 0);
		KUNIT_ASSERT_LT(test, pfn % KHO_BITMAP_BITS, n);
		KUNIT_ASSERT_TRUE_MSG(test,
				      test_bit(pfn / KHO_BITMAP_BITS * n +
					       pfn % KHO_BITMAP_BITS, done),
				      "pfn %lu was not preserved", pfn);
	}
}

/*
 * Preservers on several kthreads race to install the same leaves and
 * tables.  The first allocation of each round waits for a second, so
 * every round loses a race at least once (a page allocated and freed
 * again), and no bit and no page may be lost or leaked in any round.
 */
static void kho_concurrent_test(struct kunit *test)
{
	const unsigned int n = 4, rounds = 8;
	const unsigned long nr_leaves = 64;
	struct kho_tracker *tracker = kho_test_tracker(test);
	struct kho_test_thread *t;
	unsigned int i, started, round;
	unsigned long *done;
	long lost;

	t = kunit_kcalloc(test, n, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	done = kunit_kcalloc(test, BITS_TO_LONGS(n * nr_leaves), sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, done);

	for (round = 0; round < rounds; round++) {
		DECLARE_COMPLETION_ONSTACK(start);

		kho_tracker_discard(tracker);
		bitmap_zero(done, n * nr_leaves);
		kho_test_alloc_hook(tracker, INT_MAX, true);
		started = kho_test_start(t, n, tracker, nr_leaves, done,
					 &start);
		complete_all(&start);
		for (i = 0; i < started; i++) {
			wait_for_completion(&t[i].finished);
			KUNIT_EXPECT_EQ(test, t[i].err, 0);
		}
		KUNIT_ASSERT_EQ(test, started, n);
		KUNIT_ASSERT_EQ(test, bitmap_weight(done, n * nr_leaves),
				n * nr_leaves);
		kho_test_expect_done(test, tracker, done, n, nr_leaves, 0);
		/* The leaves, one table per level: losers freed theirs. */
		KUNIT_ASSERT_EQ(test, atomic_long_read(&tracker->nr_pages),
				nr_leaves + KHO_TABLE_LEVELS);
		lost = atomic_long_read(&kho_test_alloc.allocs) -
		       atomic_long_read(&tracker->nr_pages);
		KUNIT_EXPECT_FALSE_MSG(test, kho_test_alloc.alone,
				       "round %u: no second preserver in 10 s",
				       round);
		KUNIT_EXPECT_GT_MSG(test, lost, 0, "round %u", round);
	}
}

/*
 * Serialize while preservers run: every preserve that returned 0 is in the
 * serialized tables, nothing else is, and every later preserve is refused.
 */
static void kho_serialize_racing_test(struct kunit *test)
{
	const unsigned int n = 2;
	const unsigned long nr_leaves = 4096;
	struct kho_tracker *tracker = kho_test_tracker(test);
	DECLARE_COMPLETION_ONSTACK(start);
	struct kho_test_thread *t;
	unsigned long preserved, *done;
	unsigned int i, started;
	phys_addr_t root;

	t = kunit_kcalloc(test, n, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	done = kunit_kcalloc(test, BITS_TO_LONGS(n * nr_leaves), sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, done);

	started = kho_test_start(t, n, tracker, nr_leaves, done, &start);
	complete_all(&start);
	/* Let them get going, then serialize under their feet. */
	while (!bitmap_weight(done, n * nr_leaves))
		cond_resched();
	KUNIT_EXPECT_EQ(test, kho_tracker_serialize(tracker, &root), 0);
	for (i = 0; i < started; i++) {
		wait_for_completion(&t[i].finished);
		KUNIT_EXPECT_EQ(test, t[i].err, 0);
	}
	KUNIT_ASSERT_EQ(test, started, n);

	preserved = bitmap_weight(done, n * nr_leaves);
	kunit_info(test, "%lu of %lu preserved before serialize\n", preserved,
		   n * nr_leaves);
	KUNIT_EXPECT_GT(test, preserved, 0);
	kho_test_expect_done(test, tracker, done, n, nr_leaves, root);
	KUNIT_EXPECT_EQ(test, kho_tracker_preserve(tracker, 1, 0), -EBUSY);
}

/*
 * Running out of memory partway through a range returns -ENOMEM, leaves
 * the blocks that were there, and accounts every page allocated.
 */
static void kho_alloc_failure_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	/* Blocks of orders 3 and 24 that need nine new pages in all. */
	const unsigned long start = KHO_BITMAP_BITS * KHO_TABLE_ENTRIES - 8;
	const unsigned long nr = KHO_BITMAP_BITS * KHO_TABLE_ENTRIES + 16;
	struct kho_test_set got;
	unsigned long pfn;
	unsigned int order;
	int budget;
	u64 key;

	KUNIT_ASSERT_EQ(test, kho_key_encode(5, 0, &key), 0);
	for (budget = 0; budget < 9; budget++) {
		kho_tracker_discard(tracker);
		kho_test_alloc_hook(tracker, INT_MAX, false);
		KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 5, 0), 0);
		atomic_set(&kho_test_alloc.budget, budget);
		KUNIT_EXPECT_EQ_MSG(test, kho_tracker_preserve_range(tracker,
								     start, nr),
				    -ENOMEM, "budget %d", budget);
		kho_test_expect_set(test, tracker, &key, 1);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages),
				kho_test_count_pages(&tracker->root,
						     KHO_TABLE_LEVELS));
		KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages),
				5 + budget);
	}

	/* The tables allocated before the failure are reused. */
	atomic_set(&kho_test_alloc.budget, 1);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve_range(tracker, start, nr),
			0);
	/* Root, the order-0 path, and the nine pages of the range. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages), 1 + 4 + 9);
	kho_test_set_init(test, &got, 64);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
					       &got), 0);
	KUNIT_EXPECT_EQ(test, got.nr, 4);
	kho_key_decode(got.keys[0], &pfn, &order);
	KUNIT_EXPECT_EQ(test, pfn, 5);
}

/*
 * A dense, aligned GiB of order-0 pages costs its leaves, one bit per
 * page, and one table per level above them: nothing more.
 */
static void kho_memory_floor_test(struct kunit *test)
{
	const unsigned long nr = SZ_1G / PAGE_SIZE;
	const unsigned long base = 5 * nr;	/* 5 GiB, 1 GiB aligned */
	struct kho_tracker *tracker = kho_test_tracker(test);
	unsigned long pfn, leaves = nr / KHO_BITMAP_BITS;
	struct kho_test_set got;

	for (pfn = base; pfn < base + nr; pfn++)
		KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, pfn, 0), 0);

	/* The floor: 32 KiB of bits per GiB, plus the path to them. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tracker->nr_pages),
			leaves + KHO_TABLE_LEVELS);
	KUNIT_EXPECT_EQ(test, (atomic_long_read(&tracker->nr_pages) -
			       KHO_TABLE_LEVELS) * PAGE_SIZE, SZ_32K);

	/* One run per leaf, nothing else. */
	kho_test_set_init(test, &got, nr);
	KUNIT_ASSERT_EQ(test, kho_tracker_walk(tracker, &kho_test_collect_ops,
					       &got), 0);
	KUNIT_EXPECT_EQ(test, got.nr, nr);
	KUNIT_EXPECT_EQ(test, got.runs, leaves);
	kho_tracker_discard(tracker);
}

static struct kunit_case kho_tracker_cases[] = {
	KUNIT_CASE_PARAM(kho_key_boundary_test, kho_key_gen_params),
	KUNIT_CASE(kho_key_roundtrip_test),
	KUNIT_CASE(kho_preserve_walk_test),
	KUNIT_CASE(kho_preserve_range_test),
	KUNIT_CASE(kho_bad_input_test),
	KUNIT_CASE(kho_unpreserve_test),
	KUNIT_CASE(kho_serialize_test),
	KUNIT_CASE_SLOW(kho_concurrent_test),
	KUNIT_CASE_SLOW(kho_serialize_racing_test),
	KUNIT_CASE(kho_alloc_failure_test),
	KUNIT_CASE_SLOW(kho_memory_floor_test),
	{}
};

static struct kunit_suite kho_tracker_suite = {
	.name = "kho_tracker",
	.test_cases = kho_tracker_cases,
};

kunit_test_suite(kho_tracker_suite);

MODULE_DESCRIPTION("KUnit tests for the Kexec HandOver preservation tracker");
MODULE_LICENSE("GPL");
