// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the incoming side.
 *
 * This file owns what a kernel started by a handover does with it during
 * boot and after: it records the handover from the boot data, confines
 * memblock to scratch, reserves preserved memory once it is checked (the
 * checks themselves are in kexec_handover_format.c), keeps struct pages of
 * preserved memory initialized, and gives clients their sub-FDTs and
 * preserved memory back.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kmemleak.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/padata.h>
#include <linux/page-isolation.h>
#include <linux/percpu.h>
#include <linux/pfn.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/early_ioremap.h>

#include "../mm/internal.h"
#include "kexec_handover_internal.h"

/**
 * DOC: Next kernel: taking preserved memory back
 *
 * The previous kernel's tables are read once, as soon as the direct map
 * covers all RAM: kho_reserve_preserved() walks them, checking every link
 * and block, gathers the preserved blocks into runs of one order, sorted by
 * address, and reserves the runs in memblock, coalesced into ranges, in
 * one pass and without struct page initialization.  Only then does
 * memblock leave scratch.  Nothing is reserved unless all of the handover
 * passed its checks.  The work grows with the runs, not the blocks.
 *
 * The runs stay: a restore finds its block among them, in the run the
 * CPU's last restore found or the next one, else by binary search, and
 * marks it taken in a bitmap of every block, allocated at the first
 * restore.  kho_restore_folio() thus refuses, in O(log runs), an address
 * that is not the start of a preserved block of that order, and a block
 * restored before.  Building the folio, its reference counts and the
 * managed page counts is done by the restore, per block.
 *
 * Preserved memory that is never restored stays reserved.  Its struct
 * pages are initialized like those of any memory, with one reference and
 * no flags but PG_reserved in ZONE_MOVABLE, where memory offlining would
 * otherwise take them for movable pages and retry forever: so that nothing
 * that walks pfns (compaction, /proc/kpageflags, memory offlining,
 * page_owner) reads garbage.  That is memmap_init()'s work at boot.  With
 * deferred struct page initialization, a block of MAX_ORDER_NR_PAGES gets
 * its preserved pages initialized before deferred init frees any page of
 * it, since freeing reads the struct pages of the buddies it merges with;
 * the node's deferred init thread then initializes the rest, also when
 * early allocations grew the zone over all of its free memory.  Deferred
 * init never frees preserved memory: it is reserved.
 */

static const void * __init kho_in_map_early(u64 phys, u64 size)
{
	return early_memremap(phys, size);
}

static void __init kho_in_unmap_early(const void *p, u64 size)
{
	early_memunmap((void *)p, size);
}

static const void * __init kho_in_map(phys_addr_t phys, size_t size)
{
	return phys_to_virt(phys);
}

static const struct kho_in_ops kho_in_ops __initconst = {
	.map_early = kho_in_map_early,
	.unmap_early = kho_in_unmap_early,
	.map = kho_in_map,
	.cycles = IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG) ? kho_debug_cycles :
							    NULL,
};

/* The handover that started this kernel, and what was done with it. */
static struct kho_in kho_in = {
	.areas = kho_scratch,
	.nr_areas = &kho_scratch_cnt,
};

static struct kho_in_stats kho_in_stats_data;
static bool kho_in_accepted __ro_after_init;
/* A copy of the KHO FDT, so that no client can free what is read. */
static void *kho_in_fdt_copy __ro_after_init;
/* One bit per preserved block, set once it is restored. */
static unsigned long *kho_in_restored;
/* Blocks KHO itself took back: the FDT's and the scratch list's. */
static u64 kho_in_own[2] __ro_after_init = { U64_MAX, U64_MAX };
/* Blocks kept at boot, with kho_keep_range(): [first, last] each. */
#define KHO_IN_KEPT_MAX		16
static u64 kho_in_kept[KHO_IN_KEPT_MAX][2] __ro_after_init;
static unsigned int kho_in_nr_kept __ro_after_init;

/* The handover's statistics, or NULL if no handover was accepted. */
struct kho_in_stats *kho_in_stats(void)
{
	return kho_in_accepted ? &kho_in_stats_data : NULL;
}

/**
 * is_kho_boot() - Whether this kernel was started by an accepted handover.
 *
 * Context: Any context.
 * Return: true if a handover was found and passed every check.
 */
bool is_kho_boot(void)
{
	return kho_in_accepted;
}
EXPORT_SYMBOL_GPL(is_kho_boot);

static void __init kho_in_warn(const char *why)
{
	if (kho_in.where)
		pr_warn("handover rejected: %s (at %#llx); booting without it\n",
			why, kho_in.where);
	else
		pr_warn("handover rejected: %s; booting without it\n", why);
}

/* What the boot data named, checked once memblock knows about memory. */
static struct {
	phys_addr_t fdt;
	u64 fdt_size;
	phys_addr_t list;
	u64 list_size;
	const char *bad;
	unsigned int found;
} kho_boot __initdata;

/**
 * kho_populate() - Record the handover found in the boot data.
 * @fdt: physical address of the KHO FDT.
 * @fdt_size: size of the memory holding it.
 * @scratch: physical address of the scratch list.
 * @scratch_size: size of the scratch list in bytes.
 *
 * Nothing is read yet: the addresses may name anything, and only
 * kho_memblock_init() knows what is RAM.  A second handover rejects both.
 *
 * Context: Early boot, before memblock has memory.
 */
void __init kho_populate(phys_addr_t fdt, u64 fdt_size, phys_addr_t scratch,
			 u64 scratch_size)
{
	pr_info("found a handover: FDT at %pa\n", &fdt);
	if (kho_boot.found++)
		return;
	kho_boot.fdt = fdt;
	kho_boot.fdt_size = fdt_size;
	kho_boot.list = scratch;
	kho_boot.list_size = scratch_size;
}

/**
 * kho_populate_bad() - Record a handover the boot data describes wrongly.
 * @why: what is wrong with it, for the log: a string constant.
 *
 * The kernel boots without it, and refuses any other handover the boot
 * data names.
 *
 * Context: Early boot, before memblock has memory.
 */
void __init kho_populate_bad(const char *why)
{
	if (kho_boot.found++)
		return;
	kho_boot.bad = why;
}

/*
 * Check and read the handover kho_populate() recorded, or reject the one
 * kho_populate_bad() did with its reason.  The FDT and list must lie in
 * RAM the kernel maps before early_memremap() may read them, so that a
 * bad address cannot name device memory.
 */
static const char * __init kho_parse_boot(void)
{
	bool fdt_ok;

	kho_in.ops = &kho_in_ops;
	if (kho_boot.bad) {
		kho_in.seen = true;
		return kho_in_reject(&kho_in, kho_boot.bad);
	}
	if (kho_boot.found > 1) {
		kho_in.seen = true;
		return kho_in_reject(&kho_in, "more than one handover");
	}
	fdt_ok = kho_mem_usable(&memblock.memory, kho_boot.fdt,
				kho_boot.fdt_size);
	if (!fdt_ok || !kho_mem_usable(&memblock.memory, kho_boot.list,
				       kho_boot.list_size)) {
		kho_in.seen = true;
		kho_in_reject(&kho_in,
			      "the FDT or the scratch list is not in usable RAM");
		kho_in.where = fdt_ok ? kho_boot.list : kho_boot.fdt;
		return kho_in.why;
	}
	return kho_in_parse(&kho_in, kho_boot.fdt, kho_boot.fdt_size,
			    kho_boot.list, kho_boot.list_size);
}

/*
 * Scratch must hold what the architecture allocates before the preserved
 * memory is reserved: refused here, the handover costs a normal boot;
 * accepted, an allocation failing there would panic.  What memblock holds
 * in scratch already (the image and the initrd, say) takes its room.
 * Areas that overlap or leave RAM are refused next, so a hostile list
 * gains nothing from counting one twice here.
 */
static const char * __init kho_in_scratch_room(struct kho_in *in)
{
	phys_addr_t need = kho_arch_scratch_early(memblock_phys_mem_size());
	phys_addr_t room = 0;
	unsigned int i;

	if (in->rejected || !in->seen)
		return in->why;
	for (i = 0; i < *in->nr_areas && room < need; i++)
		room += kho_unreserved_bytes(in->areas[i].addr,
					     in->areas[i].size);
	if (room < need) {
		pr_warn("%llu KiB free in scratch, %llu KiB needed\n",
			(u64)room >> 10, (u64)need >> 10);
		return kho_in_reject(in, "scratch areas too small for this kernel's early boot");
	}
	return NULL;
}

/**
 * kho_memblock_init() - Make memblock allocate from scratch only.
 * @low_scratch: size of memory from address 0 that the architecture
 *	allocates from before it reserves it whole, and that therefore can
 *	hold nothing preserved; 0 if none.
 *
 * Checks and reads the handover found in the boot data first.
 *
 * Context: Early boot, right after memblock learns about memory.
 */
void __init kho_memblock_init(phys_addr_t low_scratch)
{
	const char *why;

	kho_low_scratch = low_scratch;
	if (!kho_boot.found)
		return;
	why = kho_parse_boot() ?: kho_in_scratch_room(&kho_in) ?:
	      kho_in_scratch_only(&kho_in, low_scratch);
	if (why)
		kho_in_warn(why);
}

/*
 * The index of the preserved block that holds @phys in run @i, or -1 if
 * @i is; *@head is set to the block's first byte and *@order to its order.
 */
static long kho_in_block_in_run(long i, phys_addr_t phys, phys_addr_t *head,
				unsigned int *order)
{
	const struct kho_run *r;
	u64 n;

	if (i < 0)
		return -1;
	r = &kho_in.runs[i];
	n = (phys - r->base) >> (r->order + PAGE_SHIFT);
	*order = r->order;
	*head = r->base + (n << (r->order + PAGE_SHIFT));
	return r->first + n;
}

/*
 * The index of the preserved block that holds @phys, or -1; *@head is set
 * to the block's first byte and *@order to its order.
 */
static long kho_in_block_of(phys_addr_t phys, phys_addr_t *head,
			    unsigned int *order)
{
	return kho_in_block_in_run(kho_runs_find(kho_in.runs, kho_in.nr_runs,
						 phys),
				   phys, head, order);
}

/* The index of the preserved block that starts at @phys, or -1. */
static long kho_in_block(phys_addr_t phys, unsigned int *order)
{
	phys_addr_t head;
	long block = kho_in_block_of(phys, &head, order);

	return block >= 0 && head == phys ? block : -1;
}

/*
 * Each CPU's run that a restore found last.  Restores mostly go block
 * after block: it, or the run after it, likely holds the next block.  Only
 * a guess, checked before it is used; a task moved to another CPU may
 * update that CPU's.
 */
static DEFINE_PER_CPU(unsigned long, kho_in_hint);

/* kho_in_block() for restores, from core initcalls on: from the hint. */
static long kho_in_block_restore(phys_addr_t phys, unsigned int *order)
{
	unsigned long *hint = raw_cpu_ptr(&kho_in_hint);
	unsigned long h = READ_ONCE(*hint);
	phys_addr_t head;
	long i, block;

	i = kho_runs_find_near(kho_in.runs, kho_in.nr_runs, phys, h);
	if (i >= 0 && (unsigned long)i != h)
		WRITE_ONCE(*hint, i);
	block = kho_in_block_in_run(i, phys, &head, order);
	return block >= 0 && head == phys ? block : -1;
}

/* The reference strategy of the debug code took over: note what it did. */
static void __init kho_in_reserved_per_block(void)
{
	memblock_clear_kho_scratch_only();
	kho_in_stats_data.per_block = true;
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
	struct kho_in_stats *st = &kho_in_stats_data;
	unsigned int order;
	phys_addr_t head;
	const char *why;
	u64 t0, t1;

	if (!kho_in.seen || kho_in.rejected)
		return;

	t0 = kho_debug_cycles();
	why = kho_in_check(&kho_in);
	t1 = kho_debug_cycles();
	if (!why) {
		if (kho_debug_reserve_per_block(kho_in.runs, kho_in.nr_runs))
			kho_in_reserved_per_block();
		else
			why = kho_in_reserve(&kho_in);
	}
	if (why)
		return kho_in_warn(why);

	/*
	 * KHO reads its FDT and scratch list until core initcalls: no client,
	 * reserve_mem's early parsing included, may take their blocks.
	 */
	kho_in_own[0] = kho_in_block_of(kho_in.fdt, &head, &order);
	kho_in_own[1] = kho_in_block_of(kho_in.list, &head, &order);

	st->cycles[KHO_IN_WALK] = kho_in.walk_cycles;
	st->cycles[KHO_IN_WALK_WARM] = kho_in.walk_warm_cycles;
	st->cycles[KHO_IN_CHECK] = t1 - t0 - kho_in.walk_cycles -
				   kho_in.walk_warm_cycles;
	st->cycles[KHO_IN_RESERVE] = kho_debug_cycles() - t1;
	st->blocks = kho_in.blocks;
	st->bytes = kho_in.bytes;
	st->runs = kho_in.nr_runs;
	st->ranges = kho_in.nr_ranges;
	st->table_pages = kho_in.pages;
	kho_in_accepted = true;
}

/* The zone of node @nid that holds @pfn, from the node's zone spans. */
static struct zone * __init kho_nid_zone(int nid, unsigned long pfn)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	int i;

	for (i = 0; i < MAX_NR_ZONES; i++) {
		if (zone_spans_pfn(&pgdat->node_zones[i], pfn))
			return &pgdat->node_zones[i];
	}
	return NULL;
}

#ifdef CONFIG_DEFERRED_STRUCT_PAGE_INIT
/*
 * Blocks of MAX_ORDER_NR_PAGES from kho_deferred_base on whose preserved
 * pages are initialized: one bit each, NULL when nothing is deferred.
 */
static unsigned long *kho_deferred_done __initdata;
static unsigned long kho_deferred_base __initdata;
static unsigned long kho_deferred_blocks __initdata;
/* Each node's first deferred pfn, before deferred init moves it. */
static unsigned long kho_first_deferred[MAX_NUMNODES] __initdata;

/* Struct pages of node @nid are initialized at boot below this pfn. */
static unsigned long __init kho_node_deferred(int nid)
{
	return NODE_DATA(nid)->first_deferred_pfn;
}

/*
 * Initialize the struct pages of [@pfn, @end) of node @nid, preserved
 * memory, zone by zone; PG_reserved in ZONE_MOVABLE (see the DOC above).
 */
static void __init kho_init_pages(int nid, unsigned long pfn,
				  unsigned long end)
{
	struct zone *zone;
	unsigned long stop;
	int zid;

	while (pfn < end) {
		zone = kho_nid_zone(nid, pfn);
		if (WARN_ON_ONCE(!zone))
			return;
		zid = zone_idx(zone);
		stop = min(end, zone_end_pfn(zone));
		for (; pfn < stop; pfn++) {
			__init_single_page(pfn_to_page(pfn), pfn, zid, nid);
			if (zid == ZONE_MOVABLE)
				SetPageReserved(pfn_to_page(pfn));
			/* As memmap_init() leaves a pageblock it initializes. */
			if (pageblock_aligned(pfn))
				set_pageblock_migratetype(pfn_to_page(pfn),
							  MIGRATE_MOVABLE);
		}
	}
}

static void __init kho_init_piece(void *arg, phys_addr_t base,
				  phys_addr_t size)
{
	kho_init_pages(*(int *)arg, PHYS_PFN(base), PHYS_PFN(base + size));
}

/*
 * Initialize the preserved pages in [@lo, @hi), each with the node of the
 * memory range that holds it: nodes may interleave inside a zone's span.
 */
static void __init kho_init_preserved(unsigned long lo, unsigned long hi)
{
	unsigned long spfn, epfn;
	int i, nid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &spfn, &epfn, &nid) {
		if (epfn <= lo)
			continue;
		if (spfn >= hi)
			break;
		kho_runs_clip(kho_in.runs, kho_in.nr_runs,
			      PFN_PHYS(max(spfn, lo)), PFN_PHYS(min(epfn, hi)),
			      kho_init_piece, &nid);
	}
}

static void __init kho_in_note_deferred(void)
{
	unsigned long base = ULONG_MAX, end = 0;
	int nid;

	for_each_online_node(nid) {
		kho_first_deferred[nid] = NODE_DATA(nid)->first_deferred_pfn;
		base = min(base, kho_first_deferred[nid]);
		end = max(end, pgdat_end_pfn(NODE_DATA(nid)));
	}
	if (base >= end)
		return;
	kho_deferred_base = ALIGN_DOWN(base, MAX_ORDER_NR_PAGES);
	kho_deferred_blocks = DIV_ROUND_UP(end - kho_deferred_base,
					   MAX_ORDER_NR_PAGES);
	kho_deferred_done = memblock_alloc(BITS_TO_LONGS(kho_deferred_blocks) *
					   sizeof(long), sizeof(long));
	if (!kho_deferred_done)
		panic("KHO: cannot track deferred preserved pages\n");
}

/**
 * kho_init_deferred_block() - Initialize the preserved pages of a block
 *	before deferred init frees memory in it.
 * @pfn: first pfn of a block of MAX_ORDER_NR_PAGES.
 *
 * Freeing a page reads the struct pages of its buddies, all inside the
 * block: preserved ones must be initialized first.  Once per block.
 *
 * Context: Deferred init, growing a zone or in a node's thread; may hold
 * the node's resize lock with interrupts off: the work is one block's.
 */
void __init kho_init_deferred_block(unsigned long pfn)
{
	unsigned long block;

	if (!kho_deferred_done || pfn < kho_deferred_base)
		return;
	block = (pfn - kho_deferred_base) / MAX_ORDER_NR_PAGES;
	if (WARN_ON_ONCE(block >= kho_deferred_blocks) ||
	    test_bit(block, kho_deferred_done))
		return;
	kho_init_preserved(pfn, pfn + MAX_ORDER_NR_PAGES);
	set_bit(block, kho_deferred_done);
}

static void __init kho_init_deferred_chunk(unsigned long start,
					   unsigned long end, void *arg)
{
	unsigned long pfn;

	for (pfn = start; pfn < end; pfn += MAX_ORDER_NR_PAGES) {
		kho_init_deferred_block(pfn);
		cond_resched();
	}
}

/**
 * kho_init_deferred_pages() - Initialize the struct pages of a node's
 *	preserved memory that deferred init did not reach.
 * @pgdat: the node.
 *
 * Deferred init initializes and frees free memory only: the preserved
 * pages of the blocks it freed nothing in are initialized here, in
 * parallel on the node's CPUs.
 *
 * Context: The node's deferred init thread, after the zone's free memory,
 * or instead of it if early allocations grew the zone over all of it.
 */
void __init kho_init_deferred_pages(struct pglist_data *pgdat)
{
	const struct cpumask *cpumask = cpumask_of_node(pgdat->node_id);
	unsigned long start = kho_first_deferred[pgdat->node_id];
	struct padata_mt_job job = {
		.thread_fn = kho_init_deferred_chunk,
		.align = MAX_ORDER_NR_PAGES,
		.min_chunk = PAGES_PER_SECTION,
		.max_threads = max(cpumask_weight(cpumask), 1U),
	};

	if (!kho_deferred_done || start >= pgdat_end_pfn(pgdat))
		return;
	job.start = ALIGN_DOWN(start, MAX_ORDER_NR_PAGES);
	job.size = pgdat_end_pfn(pgdat) - job.start;
	padata_do_multithreaded(&job);
}
#else
static unsigned long __init kho_node_deferred(int nid)
{
	return ULONG_MAX;
}

static void __init kho_in_note_deferred(void)
{
}
#endif

/*
 * Scratch serves movable allocations only, in CMA pageblocks.  A pageblock
 * whose struct pages deferred init has not reached gets its first one
 * initialized, which setting the pageblock's type reads (deferred init
 * initializes it again, then frees it and keeps the type).
 */
static void __init kho_in_scratch_to_cma(void)
{
	struct kho_scratch *area = NULL;
	unsigned long pfn, end;
	struct zone *zone;
	int nid;

	for_each_kho_scratch(area) {
		pfn = PHYS_PFN(area->addr);
		end = PHYS_PFN(area->addr + area->size);
		for (; pfn < end; pfn += pageblock_nr_pages) {
			nid = early_pfn_to_nid(pfn);
			zone = kho_nid_zone(nid, pfn);
			if (WARN_ON_ONCE(!zone))
				continue;
			if (pfn >= kho_node_deferred(nid))
				__init_single_page(pfn_to_page(pfn), pfn,
						   zone_idx(zone), nid);
			set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_CMA);
			zone->cma_pages += pageblock_nr_pages;
		}
	}
}

static void __init kho_mark_piece(void *arg, phys_addr_t base,
				  phys_addr_t size)
{
	unsigned long pfn = PHYS_PFN(base), end = PHYS_PFN(base + size);

	for (; pfn < end; pfn++)
		SetPageReserved(pfn_to_page(pfn));
}

/*
 * Mark the preserved pages of ZONE_MOVABLE that memmap_init() initialized
 * PG_reserved; deferred ones are marked as deferred init reaches them.
 */
static void __init kho_in_mark_movable(void)
{
	unsigned long spfn, epfn;
	struct zone *zone;
	int i, nid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &spfn, &epfn, &nid) {
		zone = &NODE_DATA(nid)->node_zones[ZONE_MOVABLE];
		spfn = max(spfn, zone->zone_start_pfn);
		epfn = min3(epfn, zone_end_pfn(zone), kho_node_deferred(nid));
		kho_runs_clip(kho_in.runs, kho_in.nr_runs, PFN_PHYS(spfn),
			      PFN_PHYS(epfn), kho_mark_piece, NULL);
	}
}

/**
 * kho_memory_init() - Finish taking preserved memory over.
 *
 * Turns the scratch areas into CMA pageblocks so they keep serving movable
 * allocations only, and marks preserved memory in ZONE_MOVABLE reserved.
 * Nothing is done per preserved block elsewhere.
 *
 * Context: Early boot, once the memory map exists and before memblock
 * releases memory to the page allocator.
 */
void __init kho_memory_init(void)
{
	u64 t0;

	if (!kho_in_accepted)
		return;
	t0 = kho_debug_cycles();
	kho_in_note_deferred();
	kho_in_scratch_to_cma();
	kho_in_mark_movable();
	kho_in_stats_data.cycles[KHO_IN_INIT] = kho_debug_cycles() - t0;
	pr_info("handover accepted: %llu blocks, %llu MiB in %lu runs, %lu ranges\n",
		kho_in.blocks, kho_in.bytes >> 20, kho_in.nr_runs,
		kho_in.nr_ranges);
}

/* The bitmap of restored blocks, allocated by the first restore. */
static unsigned long *kho_in_restored_bits(void)
{
	unsigned long *bits = READ_ONCE(kho_in_restored);

	if (likely(bits))
		return bits;
	bits = kvcalloc(BITS_TO_LONGS(kho_in.blocks), sizeof(long),
			GFP_KERNEL);
	if (!bits)
		return NULL;
	if (cmpxchg(&kho_in_restored, NULL, bits)) {
		kvfree(bits);
		bits = kho_in_restored;
	}
	return bits;
}

/* Whether @block is KHO's or was kept at boot: no client may take it. */
static bool kho_in_taken(u64 block)
{
	unsigned int i;

	if (block == kho_in_own[0] || block == kho_in_own[1])
		return true;
	for (i = 0; i < kho_in_nr_kept; i++) {
		if (block >= kho_in_kept[i][0] && block <= kho_in_kept[i][1])
			return true;
	}
	return false;
}

/* Claim block @block; of two claims of one block, one wins. */
static bool kho_in_claim(u64 block)
{
	unsigned long *bits;

	if (kho_in_taken(block))
		return false;
	bits = kho_in_restored_bits();
	return bits && !test_and_set_bit(block, bits);
}

/*
 * Count @nr pages from @pfn as managed memory again, each in its own zone:
 * zones of interleaved nodes may span each other's pages.
 */
static void kho_in_manage(unsigned long pfn, unsigned long nr)
{
	struct zone *zone;
	unsigned long n;

	while (nr) {
		zone = page_zone(pfn_to_page(pfn));
		for (n = 1; n < nr && page_zone(pfn_to_page(pfn + n)) == zone; n++)
			;
		adjust_managed_page_count(pfn_to_page(pfn), n);
		pfn += n;
		nr -= n;
	}
}

/*
 * Whether the @nr pages from @pfn may be given back: none poisoned since
 * boot, and, for one folio (@one_zone), all in the zone of the first.
 */
static bool kho_in_pages_ok(unsigned long pfn, unsigned long nr,
			    bool one_zone)
{
	struct page *page = pfn_to_page(pfn);
	struct zone *zone = page_zone(page);
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (PageHWPoison(page + i)) {
			pr_warn("preserved page at %#llx is poisoned: not restored\n",
				(u64)PFN_PHYS(pfn + i));
			return false;
		}
		if (one_zone && page_zone(page + i) != zone) {
			pr_warn("preserved block at %#llx spans zones: not restored\n",
				(u64)PFN_PHYS(pfn));
			return false;
		}
	}
	return true;
}

/*
 * Make the claimed block of @order at @pfn a folio with one reference; the
 * caller counts its pages as managed.
 */
static struct folio *kho_in_make_folio(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	/* Struct pages were initialized with one reference each. */
	for (i = 0; i < (1UL << order); i++) {
		ClearPageReserved(page + i);
		if (i)
			set_page_count(page + i, 0);
	}
	if (order)
		prep_compound_page(page, order);
	return page_folio(page);
}

/* kho_restore_folio() without counting the folio's pages as managed. */
static struct folio *kho_in_restore_folio(phys_addr_t phys)
{
	unsigned int order;
	long block;

	if (!kho_in_accepted)
		return NULL;
	block = kho_in_block_restore(phys, &order);
	/* A crafted handover may claim a block no folio can be. */
	if (block < 0 || order > MAX_FOLIO_ORDER ||
	    !kho_in_pages_ok(PHYS_PFN(phys), 1UL << order, true) ||
	    !kho_in_claim(block))
		return NULL;
	return kho_in_make_folio(PHYS_PFN(phys), order);
}

/**
 * kho_restore_folio() - Take back a folio preserved by the previous kernel.
 * @phys: physical address of the folio's first page.
 *
 * The folio comes back with the order it was preserved with and one
 * reference, as if just allocated, and counts as managed memory again.
 * Each preserved folio can be restored once.
 *
 * Context: Process context, from core initcalls on (once struct pages are
 * initialized).
 * Return: the folio, or NULL if @phys is not the start of a preserved block,
 * was restored already, or cannot be a folio: its order is above
 * MAX_FOLIO_ORDER, it spans zones, or a page of it was poisoned since boot.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	struct folio *folio = kho_in_restore_folio(phys);

	if (folio)
		adjust_managed_page_count(&folio->page, folio_nr_pages(folio));
	return folio;
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_folios() - Take back preserved folios, many at a time.
 * @phys: the physical address of each folio's first page.
 * @nr: how many.
 * @folios: set to the folios, in the order of @phys.
 *
 * kho_restore_folio() on each, for a client that restores folios by the
 * thousand: their pages count as managed memory once per run of folios
 * in one zone, not once per folio.  It stops at the first address
 * kho_restore_folio() would refuse; the folios before it are restored.
 *
 * Context: Process context, from core initcalls on.
 * Return: how many were restored: the first ones of @phys.
 */
unsigned int kho_restore_folios(const phys_addr_t *phys, unsigned int nr,
				struct folio **folios)
{
	struct page *run = NULL;
	long pages = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct folio *folio = kho_in_restore_folio(phys[i]);

		if (!folio)
			break;
		folios[i] = folio;
		/* A folio is in one zone: kho_in_pages_ok() saw to it. */
		if (run && folio_zone(folio) != page_zone(run)) {
			adjust_managed_page_count(run, pages);
			pages = 0;
		}
		if (!pages)
			run = &folio->page;
		pages += folio_nr_pages(folio);
		/* Its struct pages were each written twice. */
		if (folio_test_large(folio))
			cond_resched();
	}
	if (pages)
		adjust_managed_page_count(run, pages);
	return i;
}

/*
 * Claim the preserved blocks that tile [@pfn, @pfn + @nr) exactly, however
 * the previous kernel split the range, and count them as managed again.
 * Either all of them are claimed or none.
 */
static int kho_in_claim_range(unsigned long pfn, unsigned long nr)
{
	unsigned long p, q, end = pfn + nr;
	unsigned int order;
	long block;

	if (!kho_in_accepted || !nr || end < pfn)
		return -EINVAL;
	/* Preserved memory first: only then are its struct pages read. */
	for (p = pfn; p < end; p += 1UL << order) {
		block = kho_in_block_restore(PFN_PHYS(p), &order);
		if (block < 0 || p + (1UL << order) > end)
			return -EINVAL;
	}
	if (!kho_in_pages_ok(pfn, nr, false))
		return -EINVAL;
	for (p = pfn; p < end; p += 1UL << order) {
		block = kho_in_block_restore(PFN_PHYS(p), &order);
		if (block < 0 || p + (1UL << order) > end ||
		    !kho_in_claim(block))
			goto out_undo;
	}
	for (p = pfn; p < end; p++)
		ClearPageReserved(pfn_to_page(p));
	kho_in_manage(pfn, nr);
	return 0;

out_undo:
	/* Give back the blocks claimed so far. */
	for (q = pfn; q < p; q += 1UL << order)
		clear_bit(kho_in_block(PFN_PHYS(q), &order), kho_in_restored);
	return -EINVAL;
}

/**
 * kho_restore_phys() - Take back a range preserved by the previous kernel.
 * @phys: physical address of the range, as passed to kho_preserve_phys().
 * @size: size of the range in bytes.
 *
 * Every page of the range comes back as an order-0 page with one
 * reference, as if allocated; free each with __free_page().  Either all of
 * the range is restored or, on error, none of it.
 *
 * Context: Process context, from core initcalls on.
 * Return: 0 on success, -EINVAL if @phys or @size is not page aligned, the
 * range is not exactly made of preserved blocks not restored yet, or a page
 * of it was poisoned since boot.
 */
int kho_restore_phys(phys_addr_t phys, size_t size)
{
	if (!PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size))
		return -EINVAL;
	return kho_in_claim_range(PHYS_PFN(phys), size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_restore_phys);

/**
 * kho_restore_pages() - Take back pages preserved by kho_preserve_pages().
 * @phys: physical address of the first page.
 * @nr_pages: how many, as preserved.
 *
 * Every page comes back as an order-0 page with one reference, as if
 * allocated; free each with __free_page().  Either all of them are
 * restored or, on error, none.
 *
 * Context: Process context, from core initcalls on.
 * Return: the first page, or NULL if the range is not exactly made of
 * preserved blocks not restored yet, or a page of it was poisoned since
 * boot.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	if (!PAGE_ALIGNED(phys) ||
	    kho_in_claim_range(PHYS_PFN(phys), nr_pages))
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

/**
 * kho_restore_free() - Free memory kho_alloc_preserve() kept for this kernel.
 * @mem: the memory's address in this kernel, phys_to_virt() of what the
 *	previous kernel handed over.
 *
 * Context: Process context, from core initcalls on.
 */
void kho_restore_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = kho_restore_folio(virt_to_phys(mem));
	if (folio)
		folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_restore_free);

/* How many pages the accepted handover preserved, or 0. */
u64 kho_in_preserved_pages(void)
{
	return kho_in_accepted ? kho_in.bytes >> PAGE_SHIFT : 0;
}

/* The size of the unrestored preserved block starting at @phys, or 0. */
u64 kho_in_preserved_size(phys_addr_t phys)
{
	unsigned long *bits = READ_ONCE(kho_in_restored);
	unsigned int order;
	long block;

	if (!kho_in_accepted)
		return 0;
	block = kho_in_block(phys, &order);
	if (block < 0 || kho_in_taken(block) || (bits && test_bit(block, bits)))
		return 0;
	return PAGE_SIZE << order;
}

/*
 * The blocks that tile [@phys, @phys + @size) exactly, in *@first and
 * *@last, if none is taken; false otherwise.
 */
static bool __init kho_in_tiled(phys_addr_t phys, u64 size, u64 *first,
				u64 *last)
{
	phys_addr_t p, end = phys + size;
	unsigned int order;
	long block;

	if (!kho_in_accepted || !size || end < phys || !PAGE_ALIGNED(phys) ||
	    !PAGE_ALIGNED(size))
		return false;
	for (p = phys; p < end; p += PAGE_SIZE << order) {
		block = kho_in_block(p, &order);
		if (block < 0 || p + (PAGE_SIZE << order) > end ||
		    kho_in_taken(block) ||
		    (block != (p == phys ? block : *last + 1)))
			return false;
		if (p == phys)
			*first = block;
		*last = block;
	}
	return true;
}

/**
 * kho_is_preserved() - Whether a range is preserved memory of the handover.
 * @phys: start of the range, page aligned.
 * @size: its size, page aligned.
 *
 * For early boot code that reads a sub-FDT in place: true if the range is
 * made of preserved blocks that no one took.
 *
 * Context: Early boot, once preserved memory is reserved.
 * Return: true or false.
 */
bool __init kho_is_preserved(phys_addr_t phys, u64 size)
{
	u64 first, last;

	return kho_in_tiled(phys, size, &first, &last);
}

/**
 * kho_is_handed_over() - Whether a range lies in memory its owners take back.
 * @phys: start of the range.
 * @size: its size.
 *
 * For boot code that publishes memblock's reserved ranges: preserved
 * memory goes back to its owners as ordinary pages, and a fragmented
 * handover makes hundreds of thousands of such ranges.  What
 * kho_keep_range() kept stays reserved for good and does not count.
 * Unlike kho_is_preserved(), the range may start or end inside a block,
 * and blocks taken back already count; the cost is a search and a step
 * per run.
 *
 * Context: Boot, from when preserved memory is reserved to the end of init.
 * Return: true if every byte of the range is such memory.
 */
bool __init kho_is_handed_over(phys_addr_t phys, u64 size)
{
	phys_addr_t head;
	unsigned int order, i;
	u64 lo, hi;

	if (!kho_in_accepted ||
	    !kho_runs_cover(kho_in.runs, kho_in.nr_runs, phys, size))
		return false;
	if (!kho_in_nr_kept)
		return true;
	/* Blocks are numbered in address order: compare the spans. */
	lo = kho_in_block_of(phys, &head, &order);
	hi = kho_in_block_of(phys + size - 1, &head, &order);
	for (i = 0; i < kho_in_nr_kept; i++) {
		if (kho_in_kept[i][0] <= hi && kho_in_kept[i][1] >= lo)
			return false;
	}
	return true;
}

/**
 * kho_keep_range() - Keep a preserved range as reserved memory for good.
 * @phys: start of the range, page aligned.
 * @size: its size, page aligned.
 *
 * For early boot code that takes over memory the previous kernel
 * preserved before the page allocator exists, as reserve_mem does: the
 * range stays reserved in memblock, and no client can restore it.
 *
 * Context: Early boot, once preserved memory is reserved.
 * Return: true if the range is made of preserved blocks no one took, and
 * is now kept; false otherwise.
 */
bool __init kho_keep_range(phys_addr_t phys, u64 size)
{
	u64 first, last;

	if (kho_in_nr_kept == KHO_IN_KEPT_MAX ||
	    !kho_in_tiled(phys, size, &first, &last))
		return false;
	kho_in_kept[kho_in_nr_kept][0] = first;
	kho_in_kept[kho_in_nr_kept][1] = last;
	kho_in_nr_kept++;
	return true;
}

/* The KHO FDT handed over, or NULL. */
const void *kho_in_fdt(void)
{
	if (!kho_in_accepted)
		return NULL;
	return kho_in_fdt_copy ?: phys_to_virt(kho_in.fdt);
}

/**
 * kho_retrieve_subtree() - Find a sub-FDT the previous kernel handed over.
 * @name: the name it was added with, by kho_add_subtree().
 * @phys: set to the sub-FDT's physical address.
 *
 * The sub-FDT is preserved memory: restore it with kho_restore_folio()
 * before using it as the client's own.
 *
 * Context: Any context once preserved memory is reserved.
 * Return: 0 on success, -ENOENT if there was no accepted handover or it
 * holds no sub-FDT @name, -EINVAL if the sub-FDT's entry is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	const void *fdt = kho_in_fdt();
	u64 addr;
	int err;

	if (!fdt || !name)
		return -ENOENT;
	err = kho_fdt_find_sub(fdt, name, &addr);
	if (!err)
		*phys = addr;
	return err;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

/*
 * Give the block KHO took for itself at @phys to the page allocator, if
 * it could be a folio: the previous kernel chose the block.
 */
static void __init kho_in_release(phys_addr_t phys)
{
	struct folio *folio;
	unsigned int order;
	phys_addr_t head;

	if (kho_in_block_of(phys, &head, &order) < 0)
		return;
	if (order > MAX_FOLIO_ORDER ||
	    !kho_in_pages_ok(PHYS_PFN(head), 1UL << order, true)) {
		pr_warn("block at %pa kept reserved\n", &head);
		return;
	}
	folio = kho_in_make_folio(PHYS_PFN(head), order);
	adjust_managed_page_count(&folio->page, folio_nr_pages(folio));
	folio_put(folio);
}

/*
 * Once struct pages are initialized everywhere: keep a copy of the FDT,
 * then give the blocks of the FDT and the scratch list back.
 */
static int __init kho_in_init(void)
{
	const void *fdt = phys_to_virt(kho_in.fdt);
	struct kho_scratch *area = NULL;

	if (!kho_in_accepted)
		return 0;
	/*
	 * Scratch has been managed memory since memblock freed it: count it
	 * as CMA only after the boot printed its memory accounting.
	 */
	for_each_kho_scratch(area)
		totalcma_pages += PHYS_PFN(area->size);
	kho_in_fdt_copy = kmemdup(fdt, fdt_totalsize(fdt), GFP_KERNEL);
	if (!kho_in_fdt_copy)
		return -ENOMEM;
	kho_in_release(kho_in.fdt);
	if (kho_in_own[1] != kho_in_own[0])
		kho_in_release(kho_in.list);
	return 0;
}
core_initcall(kho_in_init);
