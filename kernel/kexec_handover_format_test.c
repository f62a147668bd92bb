// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the next kernel's checks of a handover (suite
 * kho_incoming): the walk of corrupted tables, the KHO FDT and the scratch
 * list, runs gathered from a walk, their checks against a memory map,
 * their merging into ranges and lookups in them, and the kho_scratch=
 * parameter.
 */

#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/cma.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "kexec_handover_internal.h"
#include "kexec_handover_test.h"

/* The next kernel's walk: gather the blocks into runs. */
static const struct kho_walk_ops kho_test_runs_ops = {
	.run = kho_runs_add,
	.map = kho_test_map,
};

/*
 * A serialized walk gathered into runs: blocks contiguous in memory and of
 * one order make one run, even across leaves; the counting pass finds as
 * many runs as the recording pass stores.
 */
static void kho_runs_collect_test(struct kunit *test)
{
	struct kho_tracker *tracker = kho_test_tracker(test);
	struct kho_runs c = { };
	struct kho_walk w = { .ops = &kho_test_runs_ops, .arg = &c };
	struct kho_run runs[4];
	phys_addr_t root;
	unsigned long pfn;

	/* 24 order-0 pages across a leaf boundary, then an order-1 block. */
	for (pfn = KHO_BITMAP_BITS - 16; pfn < KHO_BITMAP_BITS + 8; pfn++)
		KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, pfn, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker,
						   2 * KHO_BITMAP_BITS, 1), 0);
	/* Blocks of order 0 after a gap. */
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker,
						   5 * KHO_BITMAP_BITS, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(tracker, &root), 0);

	KUNIT_ASSERT_EQ(test, kho_walk_serialized(&w, root), 0);
	kho_runs_flush(&c);
	KUNIT_EXPECT_EQ(test, c.nr, 3);
	KUNIT_EXPECT_EQ(test, c.blocks, 24 + 1 + 1);
	KUNIT_EXPECT_EQ(test, c.bytes, (24 + 2 + 1) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, w.pages, atomic_long_read(&tracker->nr_pages));

	memset(&c, 0, sizeof(c));
	c.runs = runs;
	c.max = ARRAY_SIZE(runs);
	KUNIT_ASSERT_EQ(test, kho_walk_serialized(&w, root), 0);
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

	/* Sorted by address for the checks. */
	kho_runs_sort(runs, c.nr, NULL);
	KUNIT_EXPECT_EQ(test, runs[1].base, PFN_PHYS(2 * KHO_BITMAP_BITS));
	KUNIT_EXPECT_EQ(test, runs[2].base, PFN_PHYS(5 * KHO_BITMAP_BITS));
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
	struct kho_tracker *tracker = kho_test_tracker(test);
	struct kho_table *l4, *l3, *l2, *l1;
	struct kho_bitmap *leaf;
	struct kho_test_set got;
	phys_addr_t root, walk_root;
	u64 *victim, saved, top = KHO_ORDER_MAX;
	unsigned int slot;
	u64 key;

	/* The last order's only block sits in the top leaf word. */
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 12345, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_preserve(tracker, 0, KHO_ORDER_MAX), 0);
	KUNIT_ASSERT_EQ(test, kho_tracker_serialize(tracker, &root), 0);

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

	KUNIT_EXPECT_EQ(test, kho_test_walk_serialized(test, walk_root, &got, 8,
						       NULL), -EINVAL);

	/* Repaired, the same tables walk to both blocks. */
	if (victim)
		*victim = saved;
	else
		leaf->bits[0] &= ~2UL;
	KUNIT_EXPECT_EQ(test, kho_test_walk_serialized(test, root, &got, 8,
						       NULL), 0);
	KUNIT_EXPECT_EQ(test, got.nr, 2);
	kho_tracker_discard(tracker);
}

#define KHO_TEST_MAX_RUNS	4
#define KHO_TEST_MAX_REGIONS	4

struct kho_runs_case {
	const char *name;
	struct kho_run runs[KHO_TEST_MAX_RUNS];
	struct memblock_region mem[KHO_TEST_MAX_REGIONS];
	struct memblock_region rsv[KHO_TEST_MAX_REGIONS];
	const char *why;	/* the refusal, or NULL */
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
	unsigned long i, nr = kho_test_nr_runs(c->runs);
	const char *why;
	bool usable = true;

	memcpy(mem, c->mem, sizeof(mem));
	memcpy(rsv, c->rsv, sizeof(rsv));
	memory.cnt = kho_test_nr_regions(mem);
	reserved.cnt = kho_test_nr_regions(rsv);

	why = kho_runs_check(c->runs, nr, &memory, &reserved);
	if (!c->why)
		KUNIT_EXPECT_NULL(test, why);
	else
		KUNIT_EXPECT_STREQ(test, why ?: "(accepted)", c->why);

	/* The memory map part alone, as the walk checks each table page. */
	for (i = 0; i < nr; i++)
		usable &= kho_mem_usable(&memory, c->runs[i].base,
					 kho_run_end(&c->runs[i]) -
					 c->runs[i].base);
	KUNIT_EXPECT_EQ(test, usable,
			!c->why || !strcmp(c->why, "preserved blocks overlap") ||
			!strcmp(c->why, "preserved memory already in use"));
}

struct kho_test_ranges {
	phys_addr_t range[KHO_TEST_MAX_RUNS][2];
	unsigned int nr;
};

static void kho_test_range(void *arg, phys_addr_t base, phys_addr_t size)
{
	struct kho_test_ranges *r = arg;

	if (r->nr < KHO_TEST_MAX_RUNS) {
		r->range[r->nr][0] = base;
		r->range[r->nr][1] = size;
	}
	r->nr++;
}

/*
 * Runs adjacent in memory become one range whatever their orders; a gap
 * starts another.
 */
static void kho_runs_ranges_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_4K, 2, 0),		/* 4K-12K */
		KHO_RUN(3 * SZ_4K, 1, 0),	/* 12K-16K */
		KHO_RUN(SZ_16K, 1, 2),		/* 16K-32K */
		KHO_RUN(SZ_2M, 3, 9),		/* 2M-8M */
	};
	struct kho_test_ranges r = { };

	KUNIT_EXPECT_EQ(test, kho_runs_ranges(runs, ARRAY_SIZE(runs),
					      kho_test_range, &r), 2);
	KUNIT_ASSERT_EQ(test, r.nr, 2);
	KUNIT_EXPECT_EQ(test, r.range[0][0], SZ_4K);
	KUNIT_EXPECT_EQ(test, r.range[0][1], SZ_32K - SZ_4K);
	KUNIT_EXPECT_EQ(test, r.range[1][0], SZ_2M);
	KUNIT_EXPECT_EQ(test, r.range[1][1], 3 * SZ_2M);
}

/*
 * Runs as a walk reports them, one stretch in address order per order,
 * come out sorted by address whether they are merged through a buffer or
 * heapsorted without one; runs already in order are left as they are, and
 * runs in no order at all are sorted too.
 */
static void kho_runs_sort_test(struct kunit *test)
{
	static const unsigned int orders[] = { 0, 1, 2, 9, 10 };
	const unsigned long nr = 300;
	struct kho_run *runs, *tmp;
	unsigned long i, j, k;
	u64 *seen;
	int pass;

	runs = kunit_kcalloc(test, nr, sizeof(*runs), GFP_KERNEL);
	tmp = kunit_kcalloc(test, nr, sizeof(*tmp), GFP_KERNEL);
	seen = kunit_kcalloc(test, nr, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_NOT_NULL(test, tmp);
	KUNIT_ASSERT_NOT_NULL(test, seen);

	for (pass = 0; pass < 4; pass++) {
		/* Run i of the stretch of orders[k] starts at (i * 5 + k) MiB. */
		for (i = 0; i < nr; i++) {
			j = i % (nr / ARRAY_SIZE(orders));
			k = i / (nr / ARRAY_SIZE(orders));
			runs[i] = (struct kho_run)KHO_RUN((j * 5 + k) * SZ_1M, 1,
							  orders[k]);
			if (pass == 2)	/* already in order */
				runs[i].base = i * SZ_1M;
			if (pass == 3)	/* no order: a permutation */
				runs[i].base = ((i * 7) % nr) * SZ_1M;
			seen[i] = runs[i].base;
		}
		kho_runs_sort(runs, nr, pass == 1 ? NULL : tmp);
		for (i = 1; i < nr; i++)
			KUNIT_ASSERT_LT(test, runs[i - 1].base, runs[i].base);
		/* Every run is still there, with its own order and size. */
		for (i = 0; i < nr; i++) {
			for (j = 0; j < nr && seen[j] != runs[i].base; j++)
				;
			KUNIT_ASSERT_LT(test, j, nr);
			if (pass < 2)
				KUNIT_EXPECT_EQ(test, runs[i].order,
						orders[j / (nr / ARRAY_SIZE(orders))]);
			KUNIT_EXPECT_EQ(test, runs[i].nr, 1);
		}
	}
}

/* A lookup finds the run holding an address, at both ends and between. */
static void kho_runs_find_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_4K, 2, 0),		/* 4K-12K */
		KHO_RUN(SZ_16K, 1, 2),		/* 16K-32K */
		KHO_RUN(SZ_2M, 3, 9),		/* 2M-8M */
	};
	const unsigned long nr = ARRAY_SIZE(runs);

	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, 0), -1);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, 3 * SZ_4K - 1), 0);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, 3 * SZ_4K), -1);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, SZ_16K), 1);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, SZ_32K), -1);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, SZ_8M - 1), 2);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, nr, SZ_8M), -1);
	KUNIT_EXPECT_EQ(test, kho_runs_find(runs, 0, SZ_4K), -1);
}

/*
 * From any guess, right, next to it, wrong or past the end, a lookup finds
 * what the binary search finds, at every page of the runs and around.
 */
static void kho_runs_find_near_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_4K, 2, 0),		/* 4K-12K */
		KHO_RUN(SZ_16K, 1, 2),		/* 16K-32K */
		KHO_RUN(SZ_32K, 1, 0),		/* 32K-36K, next to it */
		KHO_RUN(SZ_64K, 1, 0),		/* 64K-68K */
	};
	const unsigned long nr = ARRAY_SIZE(runs);
	const unsigned long hints[] = { 0, 1, 2, 3, 4, 100, ULONG_MAX - 1,
					ULONG_MAX };
	phys_addr_t phys;
	unsigned int h;
	long want;

	for (h = 0; h < ARRAY_SIZE(hints); h++) {
		for (phys = 0; phys < SZ_128K; phys += SZ_2K) {
			want = kho_runs_find(runs, nr, phys);
			KUNIT_EXPECT_EQ_MSG(test, want,
					    kho_runs_find_near(runs, nr, phys,
							       hints[h]),
					    "phys %#llx hint %lu", (u64)phys,
					    hints[h]);
		}
		KUNIT_EXPECT_EQ(test, -1,
				kho_runs_find_near(runs, 0, SZ_4K, hints[h]));
	}
}

/*
 * Ranges against runs with a gap and abutting runs of two orders: covered
 * only where no byte falls outside, whatever block boundaries the range
 * cuts, and never when the range wraps around the address space.
 */
static void kho_runs_cover_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_4K, 2, 0),		/* 4K-12K */
		KHO_RUN(SZ_16K, 1, 2),		/* 16K-32K */
		KHO_RUN(SZ_32K, 1, 0),		/* 32K-36K, next to it */
		KHO_RUN(SZ_1G, 2, 9),		/* 1G-1G+4M */
	};
	const struct {
		phys_addr_t phys;
		u64 size;
		bool want;
	} cases[] = {
		{ SZ_4K, SZ_8K, true },		/* a run exactly */
		{ SZ_4K + 1, 10, true },	/* inside a block */
		{ SZ_8K - 1, 2, true },		/* across two blocks */
		{ SZ_4K - 1, 2, false },	/* starts before */
		{ SZ_8K, SZ_8K, false },	/* over the gap */
		{ SZ_16K, SZ_16K + SZ_4K, true },	/* two runs that abut */
		{ SZ_16K + SZ_2K, SZ_16K, true },
		{ SZ_16K, SZ_16K + SZ_4K + 1, false },	/* one byte past */
		{ SZ_64K, SZ_4K, false },	/* no run */
		{ SZ_4K, 0, false },		/* empty */
		{ SZ_1G + SZ_1M, SZ_2M, true },	/* across two huge blocks */
		{ SZ_1G + SZ_1M, SZ_4M, false },	/* past the last run */
		{ SZ_1G, (u64)-SZ_1G, false },	/* wraps to 0 */
		{ SZ_1G + SZ_4K, U64_MAX, false },	/* wraps past 0 */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, cases[i].want,
				    kho_runs_cover(runs, ARRAY_SIZE(runs),
						   cases[i].phys,
						   cases[i].size),
				    "case %u: %#llx + %#llx", i,
				    (u64)cases[i].phys, cases[i].size);
	KUNIT_EXPECT_FALSE(test, kho_runs_cover(runs, 0, SZ_4K, 1));
}

/*
 * Two nodes interleaved in memory, node 0 at [0, 4G) and [8G, 12G), node
 * 1 at [4G, 8G), as deferred init meets them inside node 0's zone span:
 * clipping the runs to each of node 0's ranges visits node 0's preserved
 * memory, in address order, and nothing of node 1's, even of a run that
 * crosses from one node into the other.
 */
static void kho_runs_clip_test(struct kunit *test)
{
	const struct kho_run runs[] = {
		KHO_RUN(SZ_1M, 4, 0),			/* 1M-1M+16K */
		KHO_RUN(SZ_4G - SZ_2M, 2, 9),		/* 4G-2M to 4G+2M */
		KHO_RUN(SZ_4G + SZ_1G, 1, 9),		/* node 1 only */
		KHO_RUN(2 * SZ_4G - SZ_2M, 3, 9),	/* 8G-2M to 8G+4M */
		KHO_RUN(3 * SZ_4G - SZ_4K, 2, 0),	/* across 12G */
	};
	const phys_addr_t node0[][2] = {
		{ 0, SZ_4G }, { 2 * SZ_4G, 3 * SZ_4G },
	};
	const phys_addr_t want[][2] = {
		{ SZ_1M, 4 * SZ_4K },
		{ SZ_4G - SZ_2M, SZ_2M },
		{ 2 * SZ_4G, 2 * SZ_2M },
		{ 3 * SZ_4G - SZ_4K, SZ_4K },
	};
	struct kho_test_ranges r = { };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(node0); i++)
		kho_runs_clip(runs, ARRAY_SIZE(runs), node0[i][0], node0[i][1],
			      kho_test_range, &r);
	KUNIT_ASSERT_EQ(test, r.nr, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_EXPECT_EQ(test, r.range[i][0], want[i][0]);
		KUNIT_EXPECT_EQ(test, r.range[i][1], want[i][1]);
	}

	/* Empty and inverted ranges visit nothing. */
	r.nr = 0;
	kho_runs_clip(runs, ARRAY_SIZE(runs), SZ_1M, SZ_1M, kho_test_range, &r);
	kho_runs_clip(runs, ARRAY_SIZE(runs), SZ_2M, SZ_1M, kho_test_range, &r);
	kho_runs_clip(runs, 0, 0, SZ_4G, kho_test_range, &r);
	KUNIT_EXPECT_EQ(test, r.nr, 0);
}

enum kho_fdt_damage {
	KHO_FDT_GOOD,
	KHO_FDT_NO_ROOT,
	KHO_FDT_SHORT_ROOT,
	KHO_FDT_OTHER_FORMAT,
	KHO_FDT_BAD_MAGIC,
	KHO_FDT_TOO_SMALL,
	KHO_FDT_LONGER_THAN_SIZE,
};

struct kho_fdt_case {
	const char *name;
	enum kho_fdt_damage damage;
	const char *why;
};

static const struct kho_fdt_case kho_fdt_cases[] = {
	{ "valid", KHO_FDT_GOOD, NULL },
	{ "no root property", KHO_FDT_NO_ROOT,
	  "no " KHO_FDT_ROOT_PROP " property" },
	{ "4-byte root property", KHO_FDT_SHORT_ROOT,
	  "no " KHO_FDT_ROOT_PROP " property" },
	{ "another format", KHO_FDT_OTHER_FORMAT, "unknown format" },
	{ "bad magic", KHO_FDT_BAD_MAGIC, "bad FDT header" },
	{ "size below a header", KHO_FDT_TOO_SMALL, "bad FDT size" },
	{ "totalsize past the size", KHO_FDT_LONGER_THAN_SIZE,
	  "bad FDT header" },
};

static void kho_fdt_case_desc(const struct kho_fdt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_fdt, kho_fdt_cases, kho_fdt_case_desc);

/* A KHO FDT as the previous kernel writes it, with one client. */
static void *kho_test_fdt(struct kunit *test, enum kho_fdt_damage damage)
{
	const char *compat = damage == KHO_FDT_OTHER_FORMAT ?
			     "kho-radix-v0" : KHO_FDT_COMPATIBLE;
	void *fdt = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	int off, err;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	err = fdt_create_empty_tree(fdt, PAGE_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible", compat);
	if (damage == KHO_FDT_SHORT_ROOT)
		err = err ?: fdt_setprop_u32(fdt, 0, KHO_FDT_ROOT_PROP, 1);
	else if (damage != KHO_FDT_NO_ROOT)
		err = err ?: fdt_setprop_u64(fdt, 0, KHO_FDT_ROOT_PROP,
					     0x123456789000ULL);
	off = err ?: fdt_add_subnode(fdt, 0, "client");
	KUNIT_ASSERT_GE(test, off, 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop_u64(fdt, off, KHO_FDT_SUB_PROP,
					      0xabc000), 0);
	off = fdt_add_subnode(fdt, 0, "broken");
	KUNIT_ASSERT_GE(test, off, 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop_u32(fdt, off, KHO_FDT_SUB_PROP, 1),
			0);
	KUNIT_ASSERT_EQ(test, fdt_pack(fdt), 0);
	if (damage == KHO_FDT_BAD_MAGIC)
		fdt_set_magic(fdt, 0);
	return fdt;
}

/* Each way a KHO FDT can be wrong is told apart; a good one is read. */
static void kho_fdt_check_test(struct kunit *test)
{
	const struct kho_fdt_case *c = test->param_value;
	void *fdt = kho_test_fdt(test, c->damage);
	size_t size = fdt_totalsize(fdt);
	const char *why;
	u64 root = 0, phys = 0;

	if (c->damage == KHO_FDT_TOO_SMALL)
		size = sizeof(struct fdt_header) - 1;
	if (c->damage == KHO_FDT_LONGER_THAN_SIZE)
		size = fdt_totalsize(fdt) - 8;

	why = kho_fdt_check(fdt, size, &root);
	if (c->why) {
		KUNIT_EXPECT_STREQ(test, why ?: "(accepted)", c->why);
		return;
	}
	KUNIT_ASSERT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, root, 0x123456789000ULL);
	KUNIT_EXPECT_EQ(test, kho_fdt_find_sub(fdt, "client", &phys), 0);
	KUNIT_EXPECT_EQ(test, phys, 0xabc000);
	KUNIT_EXPECT_EQ(test, kho_fdt_find_sub(fdt, "broken", &phys),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kho_fdt_find_sub(fdt, "absent", &phys),
			-ENOENT);
}

#define KHO_TEST_PB	CMA_MIN_ALIGNMENT_BYTES

struct kho_scratch_case {
	const char *name;
	struct kho_scratch list[3];
	u64 size;		/* bytes of the list handed over */
	unsigned int cnt;	/* areas accepted, 0 if refused */
};

static const struct kho_scratch_case kho_scratch_cases[] = {
	{ "three areas", { { KHO_TEST_PB, KHO_TEST_PB },
			   { 8 * KHO_TEST_PB, 2 * KHO_TEST_PB },
			   { 64 * KHO_TEST_PB, KHO_TEST_PB } },
	  3 * sizeof(struct kho_scratch), 3 },
	{ "empty list", { }, 0, 0 },
	{ "partial entry", { { KHO_TEST_PB, KHO_TEST_PB } },
	  sizeof(struct kho_scratch) + 8, 0 },
	{ "empty area", { { KHO_TEST_PB, 0 } }, sizeof(struct kho_scratch), 0 },
	{ "unaligned address", { { KHO_TEST_PB + PAGE_SIZE, KHO_TEST_PB } },
	  sizeof(struct kho_scratch), 0 },
	{ "unaligned size", { { KHO_TEST_PB, KHO_TEST_PB + PAGE_SIZE } },
	  sizeof(struct kho_scratch), 0 },
	{ "wraps around", { { -KHO_TEST_PB, 2 * KHO_TEST_PB } },
	  sizeof(struct kho_scratch), 0 },
	{ "past the format's limit",
	  { { BIT_ULL(KHO_PHYS_BITS) - KHO_TEST_PB, 2 * KHO_TEST_PB } },
	  sizeof(struct kho_scratch), 0 },
	{ "last pageblock of the format",
	  { { BIT_ULL(KHO_PHYS_BITS) - KHO_TEST_PB, KHO_TEST_PB } },
	  sizeof(struct kho_scratch), 1 },
};

static void kho_scratch_case_desc(const struct kho_scratch_case *c,
				  char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kho_scratch, kho_scratch_cases, kho_scratch_case_desc);

/* The scratch list handed over: every area checked, or the list refused. */
static void kho_scratch_check_test(struct kunit *test)
{
	const struct kho_scratch_case *c = test->param_value;
	unsigned int cnt = 0;
	const char *why;

	why = kho_scratch_check(c->list, c->size, &cnt);
	if (!c->cnt) {
		KUNIT_EXPECT_NOT_NULL(test, why);
		KUNIT_EXPECT_EQ(test, cnt, 0);
	} else {
		KUNIT_EXPECT_NULL(test, why);
		KUNIT_EXPECT_EQ(test, cnt, c->cnt);
	}
}

struct kho_param_case {
	const char *value;
	int err;
	unsigned int percent;
	phys_addr_t sizes[KHO_SCRATCH_KINDS];
};

static const struct kho_param_case kho_param_cases[] = {
	{ "10%", 0, 10, { } },
	{ "1%", 0, 1, { } },
	{ "100%", 0, 100, { } },
	{ "0%", -EINVAL },
	{ "101%", -EINVAL },
	{ "%", -EINVAL },
	{ "12345678%", -EINVAL },
	{ "x%", -EINVAL },
	{ "16M,256M,32M", 0, 0, { SZ_16M, SZ_256M, SZ_32M } },
	{ "0,1G,0", 0, 0, { 0, SZ_1G, 0 } },
	{ "4096,8K,2m", 0, 0, { SZ_4K, SZ_8K, SZ_2M } },
	{ "16M,256M", -EINVAL },
	{ "16M,256M,32M,", -EINVAL },
	{ "16M,,32M", -EINVAL },
	{ "16M;256M;32M", -EINVAL },
	{ "", -EINVAL },
};

static void kho_param_case_desc(const struct kho_param_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "kho_scratch=%s", c->value);
}

KUNIT_ARRAY_PARAM(kho_param, kho_param_cases, kho_param_case_desc);

/* kho_scratch= values are read exactly, or refused leaving things as they were. */
static void kho_scratch_param_test(struct kunit *test)
{
	const struct kho_param_case *c = test->param_value;
	phys_addr_t sizes[KHO_SCRATCH_KINDS] = { 1, 2, 3 };
	unsigned int percent = 7, i;

	KUNIT_ASSERT_EQ(test, kho_scratch_parse(c->value, sizes, &percent),
			c->err);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, percent, 7);
		for (i = 0; i < KHO_SCRATCH_KINDS; i++)
			KUNIT_EXPECT_EQ(test, sizes[i], i + 1);
		return;
	}
	KUNIT_EXPECT_EQ(test, percent, c->percent);
	for (i = 0; i < KHO_SCRATCH_KINDS; i++)
		KUNIT_EXPECT_EQ(test, sizes[i], c->percent ? i + 1 : c->sizes[i]);
}

static struct kunit_case kho_incoming_cases[] = {
	KUNIT_CASE_PARAM(kho_corrupt_test, kho_corrupt_gen_params),
	KUNIT_CASE(kho_runs_collect_test),
	KUNIT_CASE_PARAM(kho_runs_check_test, kho_runs_gen_params),
	KUNIT_CASE(kho_runs_ranges_test),
	KUNIT_CASE(kho_runs_sort_test),
	KUNIT_CASE(kho_runs_find_test),
	KUNIT_CASE(kho_runs_find_near_test),
	KUNIT_CASE(kho_runs_cover_test),
	KUNIT_CASE(kho_runs_clip_test),
	KUNIT_CASE_PARAM(kho_fdt_check_test, kho_fdt_gen_params),
	KUNIT_CASE_PARAM(kho_scratch_check_test, kho_scratch_gen_params),
	KUNIT_CASE_PARAM(kho_scratch_param_test, kho_param_gen_params),
	{}
};

static struct kunit_suite kho_incoming_suite = {
	.name = "kho_incoming",
	.test_cases = kho_incoming_cases,
};

kunit_test_suite(kho_incoming_suite);

MODULE_DESCRIPTION("KUnit tests for the checks of an incoming Kexec HandOver");
MODULE_LICENSE("GPL");
