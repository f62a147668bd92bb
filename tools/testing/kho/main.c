// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the next kernel's checks of a kexec handover, on the host.
 * Each builds a handover with the real tracker in the host's memory
 * window, damages it the way a buggy or hostile kernel could, and runs
 * the checks and the reservation exactly as the next kernel does; input.c
 * checks every outcome and each test checks its own.
 *
 *   ./main          run every test, silent on success
 *   ./main -v       name each test
 *   ./main -w DIR   also write the cases the tests build into DIR, for the
 *                   fuzzer's seed and regression corpora
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bitfield.h>
#include <linux/libfdt.h>

#include "input.h"

/* The window as the tests lay it out, in pages. */
#define T_TABLES	15360		/* the tracker's pages, 2 MiB */
#define T_SCRATCH_2M	31		/* scratch: the last 2 MiB */
#define T_FDT		100		/* the FDT's page, preserved */
#define T_LIST		101		/* the scratch list's page, preserved */

static const char *case_dir;

static void save_case(const struct case_file *f, const char *name)
{
	char path[4096];

	if (!case_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", case_dir, name);
	CHECK(!case_save(f, path));
}

/* Run @f as the next kernel would; returns the refusal, or NULL. */
static const char *run_case(const struct case_file *f,
			    struct case_result *r)
{
	uint8_t *data;
	size_t size;

	case_bytes(f, &data, &size);
	CHECK(!case_run(data, size, r));
	free(data);
	return r->why;
}

/*
 * A tracker in the window: tables from T_TABLES, FDT and list blocks
 * preserved as the first kernel does.
 */
static void tracker_start(struct kho_tracker *t)
{
	host_reset();
	host_pages_from(HOST_ADDR(T_TABLES), HOST_ADDR(T_SCRATCH_2M * 512));
	memset(t, 0, sizeof(*t));
	CHECK(!kho_tracker_init(t));
	CHECK(!kho_tracker_preserve(t, HOST_PFN(T_FDT), 0));
	CHECK(!kho_tracker_preserve(t, HOST_PFN(T_LIST), 0));
}

/* Serialize @t into a case over all of the window, scratch at its end. */
static void tracker_case(struct kho_tracker *t, struct case_file *f)
{
	phys_addr_t root;

	CHECK(!kho_tracker_serialize(t, &root));
	case_init(f);
	case_mem(f, 0, HOST_PAGES);
	case_scratch(f, T_SCRATCH_2M, 1);
	f->hdr.root_off = root - HOST_BASE;
	f->hdr.fdt_page = T_FDT;
	f->hdr.list_page = T_LIST;
	case_dump_pages(f, HOST_ADDR(T_TABLES), HOST_ADDR(T_SCRATCH_2M * 512));
}

static void tracker_end(struct kho_tracker *t)
{
	kho_tracker_destroy(t);
}

/* The table page that holds the link to the leaf of @pfn at @order. */
static struct kho_table *leaf_parent(u64 root, unsigned long pfn,
				     unsigned int order)
{
	struct kho_table *t = (void *)root;
	u64 key;

	CHECK(!kho_key_encode(pfn & ~((1UL << order) - 1), order, &key));
	t = (void *)t->link[FIELD_GET(KHO_KEY_L4, key)].phys;
	t = (void *)t->link[FIELD_GET(KHO_KEY_L3, key)].phys;
	return (void *)t->link[FIELD_GET(KHO_KEY_L2, key)].phys;
}

static unsigned int first_link(const struct kho_table *t)
{
	unsigned int i;

	for (i = 0; i < KHO_TABLE_ENTRIES && !t->link[i].phys; i++)
		;
	CHECK(i < KHO_TABLE_ENTRIES);
	return i;
}

/* A dense set and one of every order are taken over. */
static void test_accept(void)
{
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;
	unsigned int order;
	unsigned long pfn;

	tracker_start(&t);
	for (pfn = 1024; pfn < 2048; pfn++)
		CHECK(!kho_tracker_preserve(&t, HOST_PFN(pfn), 0));
	for (order = 1, pfn = 4096; order <= 10; order++, pfn += 1024)
		CHECK(!kho_tracker_preserve(&t, HOST_PFN(pfn), order));
	tracker_case(&t, &f);
	tracker_end(&t);
	save_case(&f, "seed-dense-and-orders");

	CHECK(!run_case(&f, &r));
	/* FDT and list (one run), the dense run, one run per order. */
	CHECK(r.h.in.nr_runs == 1 + 1 + 10);
	CHECK(r.h.in.blocks == 2 + 1024 + 10);
	/* FDT+list and the dense run are apart; orders 1..10 apart. */
	CHECK(r.h.in.nr_ranges == 12);
	case_free(&f);
}

/*
 * Every other page, so every block is a run and a range of its own: the
 * reservation must take them in one pass, and all or none.
 */
static void fragmented_case(struct case_file *f, unsigned long nr)
{
	struct kho_tracker t;
	unsigned long i;

	tracker_start(&t);
	for (i = 0; i < nr; i++)
		CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024 + 2 * i), 0));
	tracker_case(&t, f);
	tracker_end(&t);
}

static void test_fragmented(void)
{
	struct case_result r;
	struct case_file f;

	fragmented_case(&f, 4096);
	save_case(&f, "seed-fragmented-4096");
	CHECK(!run_case(&f, &r));
	/* FDT and list, then every block alone. */
	CHECK(r.h.in.nr_runs == 1 + 4096);
	CHECK(r.h.in.nr_ranges == 1 + 4096);
	case_free(&f);
}

/*
 * Defect 1: memblock.reserved may not be able to grow in scratch.  With
 * less and less free scratch, each outcome is either every run reserved
 * or nothing at all (input.c checks both).  Free scratch in seven holes
 * of 45 pages then holds the runs (a quarter of free scratch, halved
 * until it fits: 39 pages while walking) and the 4097 ranges (24 pages)
 * but not memblock.reserved grown to 8192 regions (48 pages: it grows by
 * doubling, so past what the ranges need), and the reservation itself
 * fails: memblock_reserve() failures used to be ignored and the handover
 * accepted with ranges left free.
 */
static void test_reserve_room(void)
{
	unsigned int used, i, accepted = 0;
	struct case_result r;
	struct case_file f;

	fragmented_case(&f, 4096);
	for (used = 0; used < 512; used += 4) {
		/* Scratch pages taken before: all but 512 - used of them. */
		f.hdr.nr_rsv = 0;
		if (used)
			case_rsv(&f, T_SCRATCH_2M * 512, used);
		accepted += !run_case(&f, &r);
	}
	CHECK(accepted > 0);

	f.hdr.nr_rsv = 0;
	for (i = 0; i < 6; i++)
		case_rsv(&f, T_SCRATCH_2M * 512 + 45 + i * 73, 28);
	case_rsv(&f, T_SCRATCH_2M * 512 + 45 + 6 * 73, 29);
	save_case(&f, "regress-reserve-room-holes");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "reserve the preserved ranges"));
	case_free(&f);
}

/* No more runs than a quarter of free scratch can list. */
static void test_too_many_runs(void)
{
	struct case_result r;
	struct case_file f;

	fragmented_case(&f, 4096);
	/* Leave 16 pages free: 16 KiB of runs is 512 runs at most. */
	case_rsv(&f, T_SCRATCH_2M * 512, 512 - 16);
	save_case(&f, "regress-too-many-runs");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "more runs"));
	case_free(&f);
}

/*
 * Defect 6: tables that share children.  Two links to one leaf are
 * refused; so is a tree whose every link at every level points at the
 * same page, which the old walk, refusing only links back up the tree,
 * would have followed 2^36 times.
 */
static void test_shared_tables(void)
{
	struct kho_table *l0, *l1, *tables[KHO_TABLE_LEVELS];
	struct kho_bitmap *leaf;
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;
	phys_addr_t root;
	unsigned int i, lvl;

	tracker_start(&t);
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024), 0));
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(2048), 1));
	CHECK(!kho_tracker_serialize(&t, &root));
	/* Order 1's leaf link points at order 0's leaf: both in RAM. */
	l1 = leaf_parent(root, HOST_PFN(2048), 1);
	l0 = leaf_parent(root, HOST_PFN(1024), 0);
	l1->link[first_link(l1)] = l0->link[first_link(l0)];
	CHECK(kho_tracker_abort(&t) == 0);
	tracker_case(&t, &f);
	tracker_end(&t);
	save_case(&f, "regress-shared-leaf");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "linked twice"));
	case_free(&f);

	/* Fan-out: every slot of every level links the level below. */
	host_reset();
	case_mem(&f, 0, HOST_PAGES);
	case_scratch(&f, T_SCRATCH_2M, 1);
	for (lvl = 0; lvl < KHO_TABLE_LEVELS; lvl++)
		tables[lvl] = (void *)HOST_ADDR(T_TABLES + lvl);
	leaf = (void *)HOST_ADDR(T_TABLES + KHO_TABLE_LEVELS);
	for (lvl = 0; lvl < KHO_TABLE_LEVELS; lvl++)
		for (i = 0; i < KHO_TABLE_ENTRIES; i++)
			tables[lvl]->link[i].phys = lvl + 1 < KHO_TABLE_LEVELS ?
				(u64)tables[lvl + 1] : (u64)leaf;
	memset(leaf, 0xff, sizeof(*leaf));
	f.hdr.root_off = (u64)tables[0] - HOST_BASE;
	case_dump_pages(&f, HOST_ADDR(T_TABLES),
			HOST_ADDR(T_TABLES + KHO_TABLE_LEVELS + 1));
	save_case(&f, "regress-fan-out");
	CHECK(run_case(&f, &r));
	CHECK(host_maps < 64);
	case_free(&f);
}

/* Links standing only for memory beyond RAM are not even read. */
static void test_beyond_ram(void)
{
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;

	tracker_start(&t);
	/* RAM is the window; this pfn is 2^40 pages above it. */
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(0) + (1UL << 35), 0));
	tracker_case(&t, &f);
	tracker_end(&t);
	save_case(&f, "regress-beyond-ram");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "beyond RAM"));
	case_free(&f);
}

/* Defect 7: scratch that covers most of RAM, or overlaps itself. */
static void test_scratch_areas(void)
{
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;

	tracker_start(&t);
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024), 0));
	tracker_case(&t, &f);
	tracker_end(&t);

	f.hdr.nr_scratch = 0;
	case_scratch(&f, 8, 24);	/* 48 of 64 MiB */
	save_case(&f, "regress-scratch-most-of-ram");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "more than half"));

	f.hdr.nr_scratch = 0;
	case_scratch(&f, 30, 2);
	case_scratch(&f, 31, 1);
	save_case(&f, "regress-scratch-overlap");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "overlap"));

	/* Exactly half is still accepted. */
	f.hdr.nr_scratch = 0;
	case_scratch(&f, 4, 16);
	CHECK(!run_case(&f, &r));
	case_free(&f);
}

/* Defect 4: the FDT and the scratch list must lie in preserved blocks. */
static void test_fdt_preserved(void)
{
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;

	tracker_start(&t);
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024), 0));
	tracker_case(&t, &f);
	tracker_end(&t);

	f.hdr.fdt_page = 2000;
	save_case(&f, "regress-fdt-not-preserved");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "FDT is not preserved"));
	f.hdr.fdt_page = T_FDT;
	f.hdr.list_page = 2000;
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "scratch list is not preserved"));
	case_free(&f);
}

/* Blocks of two orders that overlap, or reserved memory, are refused. */
static void test_overlaps(void)
{
	struct case_result r;
	struct kho_tracker t;
	struct case_file f;

	tracker_start(&t);
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024), 1));
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1025), 0));
	tracker_case(&t, &f);
	tracker_end(&t);
	save_case(&f, "regress-orders-overlap");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "overlap"));
	case_free(&f);

	tracker_start(&t);
	CHECK(!kho_tracker_preserve(&t, HOST_PFN(1024), 4));
	tracker_case(&t, &f);
	tracker_end(&t);
	case_rsv(&f, 1030, 1);
	save_case(&f, "regress-over-reserved");
	CHECK(run_case(&f, &r));
	CHECK(strstr(r.why, "in use"));
	case_free(&f);
}

/* A KHO FDT in the window, with the scratch list after it. */
static void make_fdt(u64 fdt, u64 root)
{
	void *p = (void *)fdt;

	CHECK(!fdt_create_empty_tree(p, PAGE_SIZE));
	CHECK(!fdt_setprop_string(p, 0, "compatible", KHO_FDT_COMPATIBLE));
	CHECK(!fdt_setprop_u64(p, 0, KHO_FDT_ROOT_PROP, root));
	CHECK(!fdt_pack(p));
}

/*
 * Defect 2: a second boot entry.  Whatever the first recorded is
 * forgotten, scratch above all, and the handover is refused whole.
 */
static void test_two_entries(void)
{
	struct kho_scratch *list = (void *)HOST_ADDR(T_LIST);
	struct host_in h;

	host_reset();
	make_fdt(HOST_ADDR(T_FDT), 0);
	list->addr = HOST_BASE + T_SCRATCH_2M * SZ_2M;
	list->size = SZ_2M;
	host_in_init(&h, 0, 0, 0);
	h.in.seen = false;

	CHECK(!kho_in_parse(&h.in, HOST_ADDR(T_FDT), PAGE_SIZE,
			    HOST_ADDR(T_LIST), sizeof(*list)));
	CHECK(h.nr_areas == 1 && h.areas[0].size == SZ_2M);
	CHECK(kho_in_parse(&h.in, HOST_ADDR(T_FDT), PAGE_SIZE,
			   HOST_ADDR(T_LIST), sizeof(*list)));
	CHECK(h.in.rejected && strstr(h.in.why, "more than one"));
	CHECK(h.nr_areas == 0 && !h.in.root && !h.in.fdt && !h.in.list);
	/* Nothing later brings it back. */
	CHECK(kho_in_scratch_only(&h.in, 0));
	CHECK(kho_in_check(&h.in));
	CHECK(h.nr_areas == 0);

	/* A bad scratch list after a good FDT forgets the FDT too. */
	host_in_init(&h, 0, 0, 0);
	h.in.seen = false;
	list->size = SZ_2M + PAGE_SIZE;
	CHECK(kho_in_parse(&h.in, HOST_ADDR(T_FDT), PAGE_SIZE,
			   HOST_ADDR(T_LIST), sizeof(*list)));
	CHECK(h.nr_areas == 0 && !h.in.root && !h.in.fdt);
}

/* memblock_reserve_many(): merged in one pass, or refused unchanged. */
static void test_reserve_many(void)
{
	struct memblock_region ranges[3] = {
		{ .base = HOST_ADDR(10), .size = PAGE_SIZE },
		{ .base = HOST_ADDR(20), .size = 2 * PAGE_SIZE },
		{ .base = HOST_ADDR(40), .size = PAGE_SIZE },
	};
	struct memblock_region bad[2] = {
		{ .base = HOST_ADDR(50), .size = PAGE_SIZE },
		{ .base = HOST_ADDR(45), .size = PAGE_SIZE },
	};
	unsigned long cnt;

	host_reset();
	memblock_add(HOST_BASE, HOST_SIZE);
	memblock_reserve(HOST_ADDR(0), PAGE_SIZE);
	memblock_reserve(HOST_ADDR(22), PAGE_SIZE);
	memblock_reserve(HOST_ADDR(60), PAGE_SIZE);

	CHECK(!memblock_reserve_many(ranges, 3, MEMBLOCK_RSRV_NOINIT));
	CHECK(memblock.reserved.cnt == 6);
	CHECK(memblock.reserved.regions[1].base == HOST_ADDR(10));
	CHECK(memblock.reserved.regions[1].flags == MEMBLOCK_RSRV_NOINIT);
	/* 20-21 and 22 stay apart: their flags differ. */
	CHECK(memblock.reserved.regions[2].base == HOST_ADDR(20));
	CHECK(memblock.reserved.regions[3].base == HOST_ADDR(22));
	CHECK(memblock.reserved.total_size == 7 * PAGE_SIZE);

	cnt = memblock.reserved.cnt;
	CHECK(memblock_reserve_many(bad, 2, 0) == -EINVAL);
	CHECK(memblock_reserve_many(&ranges[0], 1, 0) == -EINVAL);
	bad[1].base = HOST_ADDR(59);
	bad[1].size = 2 * PAGE_SIZE;
	bad[0].base = HOST_ADDR(55);
	CHECK(memblock_reserve_many(bad, 2, 0) == -EINVAL);
	CHECK(memblock.reserved.cnt == cnt);

	/* Adjacent ranges with equal flags merge. */
	bad[0].base = HOST_ADDR(41);
	bad[0].size = PAGE_SIZE;
	CHECK(!memblock_reserve_many(bad, 1, MEMBLOCK_RSRV_NOINIT));
	CHECK(memblock.reserved.cnt == cnt);
	CHECK(memblock.reserved.regions[4].size == 2 * PAGE_SIZE);
}

/*
 * Preserved ranges across the whole of memory, as the next kernel
 * reserves them while it allocates from scratch only: the grown region
 * array cannot go outside their span, so it goes in scratch between them.
 */
static void test_reserve_many_span(void)
{
	struct memblock_region ranges[400], *array;
	unsigned long i, j;

	host_reset();
	memblock_add(HOST_BASE, HOST_SIZE);
	for (i = 0; i < 200; i++) {
		ranges[i].base = HOST_ADDR(2 * i);
		ranges[200 + i].base = HOST_ADDR(15900 + 2 * i);
	}
	for (i = 0; i < 400; i++)
		ranges[i].size = PAGE_SIZE;
	memblock_reserve(HOST_ADDR(16300), HOST_SIZE - HOST_ADDR(16300) + HOST_BASE);
	memblock_mark_kho_scratch(HOST_ADDR(8192), SZ_2M);
	memblock_set_kho_scratch_only();

	CHECK(!memblock_reserve_many(ranges, 400, MEMBLOCK_RSRV_NOINIT));
	CHECK(host_reserved_array_moved());
	array = memblock.reserved.regions;
	for (i = 0; i < 400; i++) {
		CHECK(memblock_is_region_reserved(ranges[i].base, PAGE_SIZE));
		CHECK(ranges[i].base + PAGE_SIZE <= (u64)array ||
		      ranges[i].base >= (u64)(array + memblock.reserved.max));
	}
	CHECK((u64)array >= HOST_ADDR(8192) &&
	      (u64)(array + memblock.reserved.max) <= HOST_ADDR(8192) + SZ_2M);
	/* Every range is its own region, the array one more, the tail one. */
	for (i = 0, j = 0; i < memblock.reserved.cnt; i++)
		j += memblock.reserved.regions[i].flags == MEMBLOCK_RSRV_NOINIT;
	CHECK(j == 400 && memblock.reserved.cnt == 402);
}

/*
 * Allocating from scratch only restricts allocations, not walks of
 * memory: arm64 maps all of RAM in that window.
 */
static void test_scratch_only_walks(void)
{
	phys_addr_t start, end, seen = 0, got;
	u64 i;

	host_reset();
	memblock_add(HOST_BASE, HOST_SIZE);
	memblock_mark_kho_scratch(HOST_ADDR(8192), SZ_2M);
	memblock_set_kho_scratch_only();

	for_each_mem_range(i, &start, &end)
		seen += end - start;
	CHECK(seen == HOST_SIZE);
	got = memblock_phys_alloc(SZ_1M, PAGE_SIZE);
	CHECK(got >= HOST_ADDR(8192) && got + SZ_1M <= HOST_ADDR(8192) + SZ_2M);
	CHECK(!memblock_phys_alloc(SZ_4M, PAGE_SIZE));
	/* Free memory is free scratch: what is outside may be preserved. */
	seen = 0;
	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end,
				NULL)
		seen += end - start;
	CHECK(seen == SZ_1M);
	memblock_clear_kho_scratch_only();
	seen = 0;
	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end,
				NULL)
		seen += end - start;
	CHECK(seen == HOST_SIZE - SZ_1M);
}

/*
 * Scratch is written to (the next kexec puts its segments there), so an
 * area that meets memory the kernel may not map is refused; the same area
 * in plain RAM is accepted.
 */
static void test_scratch_nomap(void)
{
	struct host_in h;
	int nomap;

	for (nomap = 1; nomap >= 0; nomap--) {
		host_reset();
		memblock_add(HOST_BASE, HOST_SIZE);
		if (nomap)
			memblock_mark_nomap(HOST_ADDR(8192 + 600), PAGE_SIZE);
		host_in_init(&h, 0, 0, 0);
		h.areas[0].addr = HOST_ADDR(8192);
		h.areas[0].size = 2 * SZ_2M;
		h.nr_areas = 1;
		if (nomap) {
			CHECK(kho_in_scratch_only(&h.in, 0));
			CHECK(h.in.rejected &&
			      strstr(h.in.why, "outside usable RAM"));
		} else {
			CHECK(!kho_in_scratch_only(&h.in, 0));
			memblock_clear_kho_scratch_only();
		}
	}
}

/*
 * What the next kernel counts as free in a scratch area: the area less
 * every reservation in it, whole or cut at either end.
 */
static void test_unreserved_bytes(void)
{
	u64 area = HOST_ADDR(8192), size = 2 * SZ_2M;

	host_reset();
	memblock_add(HOST_BASE, HOST_SIZE);
	CHECK(kho_unreserved_bytes(area, size) == size);
	memblock_reserve(area - PAGE_SIZE, 3 * PAGE_SIZE);
	CHECK(kho_unreserved_bytes(area, size) == size - 2 * PAGE_SIZE);
	memblock_reserve(area + size - PAGE_SIZE, 4 * PAGE_SIZE);
	memblock_reserve(area + SZ_1M, SZ_1M);
	CHECK(kho_unreserved_bytes(area, size) ==
	      size - 3 * PAGE_SIZE - SZ_1M);
	/* Apart from the area, nothing counts; across it, all of it. */
	CHECK(kho_unreserved_bytes(area + size + SZ_2M, SZ_2M) == SZ_2M);
	memblock_reserve(area, size);
	CHECK(kho_unreserved_bytes(area, size) == 0);
	CHECK(kho_unreserved_bytes(area + PAGE_SIZE, PAGE_SIZE) == 0);
}

/* Counts in a case at their largest decode within the host's arrays. */
static void test_case_limits(void)
{
	struct case_result r;
	struct case_file f;

	fragmented_case(&f, 16);
	f.hdr.nr_mem = 0;
	f.hdr.nr_rsv = 255;
	f.hdr.nr_scratch = 255;
	memset(f.hdr.rsv, 0xff, sizeof(f.hdr.rsv));
	memset(f.hdr.scratch, 0xff, sizeof(f.hdr.scratch));
	save_case(&f, "regress-case-limits");
	run_case(&f, &r);
	CHECK(r.h.nr_areas <= KHO_SCRATCH_MAX);
	case_free(&f);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "case_limits", test_case_limits },
	{ "accept", test_accept },
	{ "fragmented", test_fragmented },
	{ "reserve_room", test_reserve_room },
	{ "too_many_runs", test_too_many_runs },
	{ "shared_tables", test_shared_tables },
	{ "beyond_ram", test_beyond_ram },
	{ "scratch_areas", test_scratch_areas },
	{ "fdt_preserved", test_fdt_preserved },
	{ "overlaps", test_overlaps },
	{ "two_entries", test_two_entries },
	{ "reserve_many", test_reserve_many },
	{ "reserve_many_span", test_reserve_many_span },
	{ "scratch_only_walks", test_scratch_only_walks },
	{ "scratch_nomap", test_scratch_nomap },
	{ "unreserved_bytes", test_unreserved_bytes },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int opt;

	while ((opt = getopt(argc, argv, "vw:")) != -1) {
		switch (opt) {
		case 'v':
			host_verbose = true;
			break;
		case 'w':
			case_dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-w DIR]\n", argv[0]);
			return 2;
		}
	}
	host_init();
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tests[i].fn();
		if (host_verbose)
			printf("ok %u %s\n", i + 1, tests[i].name);
	}
	return 0;
}
