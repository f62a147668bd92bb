// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test module for Kexec HandOver (KHO).
 *
 * Asked to with test_kho.preserve_mb=N, it preserves about N MiB of folios
 * of every order from 0 to MAX_PAGE_ORDER, a range of pages, and, where
 * there are free pages at a zone boundary, a range that crosses it, all
 * filled with pseudo-random data, and lists them in its own sub-FDT.  With
 * test_kho.fragmented_mb=M it also preserves every other page of M MiB,
 * as VM memory often is.  With test_kho.refuse=1 it first checks that
 * memory the next kernel would refuse cannot be preserved.
 *
 * Booted by a handover that carries such a list, it restores everything,
 * checks every byte and the managed page counts of every zone, frees it,
 * allocates as much again, and reports in KTAP.  Both can happen in one
 * boot, so a chain of kexecs can be tested.
 */

#define pr_fmt(fmt) fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/initrd.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#define KHO_TEST_NAME		"test_kho"
#define KHO_TEST_COMPATIBLE	"kho-test-v1"
#define KHO_TEST_FDT_SIZE	PAGE_SIZE
#define KHO_TEST_ORDERS		(MAX_PAGE_ORDER + 1)
/* kho_preserve_phys() splits this into blocks of 16, 4 and 1 pages. */
#define KHO_TEST_RANGE_PAGES	21
/*
 * Pages below and above a zone boundary, for the crossing range: an odd
 * count, preserved with kho_preserve_pages().
 */
#define KHO_TEST_ZONE_BELOW	7
#define KHO_TEST_ZONE_ABOVE	6
/* Pages at the end of a node, handed over for the next zone range. */
#define KHO_TEST_NODE_TOP	16
/* A small vmalloc area, and one as large as a huge mapping. */
#define KHO_TEST_VMALLOC_SMALL	(SZ_64K + 3 * PAGE_SIZE)
#define KHO_TEST_VMALLOC_HUGE	(2 * PMD_SIZE)

static unsigned long preserve_mb;
module_param(preserve_mb, ulong, 0444);
MODULE_PARM_DESC(preserve_mb, "MiB of folios to preserve for the next kernel");

static unsigned long fragmented_mb;
module_param(fragmented_mb, ulong, 0444);
MODULE_PARM_DESC(fragmented_mb, "MiB of which to preserve every other page");

static bool refuse;
module_param(refuse, bool, 0444);
MODULE_PARM_DESC(refuse, "check that unpreservable memory is refused");

/* At most this many chunks of MAX_ORDER_NR_PAGES are filled: 32 GiB. */
#define KHO_TEST_FILL_MAX	8192

static unsigned long fill_leave_mb;
module_param(fill_leave_mb, ulong, 0444);
MODULE_PARM_DESC(fill_leave_mb, "preserve free memory from the lowest address up, leaving this many MiB free");

static int fill_nid = NUMA_NO_NODE;
module_param(fill_nid, int, 0444);
MODULE_PARM_DESC(fill_nid, "fill this node's memory only");

static bool big_block;
module_param(big_block, bool, 0444);
MODULE_PARM_DESC(big_block, "preserve a block larger than any folio, which the next kernel must not restore as one");

/* One preserved folio, as listed in preserved memory. */
struct kho_test_entry {
	u64 phys;
	u64 seed;
	u64 csum;
	u32 order;
	u32 reserved;
};

/* A range preserved with kho_preserve_phys(). */
struct kho_test_range {
	u64 phys;
	u64 pages;
	u64 seed;
	u64 csum;
};

static struct {
	struct folio *fdt;
	struct folio *list;
	unsigned long nr;
	u64 bytes;
	struct kho_test_range range;
	struct kho_test_range zrange;
	u64 ntop, ntop_pages;
	/* The previous kernel's node-top pages, kept for the zone range. */
	unsigned long kept_pfn, kept;
	struct folio *frag;		/* pfns of the fragmented chunks */
	unsigned long frag_nr;
	u64 frag_seed;
	struct folio *fill;		/* pfns of the filled chunks */
	unsigned long fill_nr;
	/* The rest of the client API: vmalloc, unpreserve, allocations. */
	struct kho_vmalloc vsmall, vhuge, vgone;
	u64 vsmall_seed, vhuge_seed;
	u64 fgone, pgone;
	void *alloc;
	u64 alloc_seed;
	/* A block of order MAX_FOLIO_ORDER + 1 (test only: not ours). */
	u64 big_phys;
	u32 generation;
	struct notifier_block nb;
} kho_test;

static u64 kho_test_next(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Fill @size bytes at @addr from @seed; return their checksum. */
static u64 kho_test_fill(void *addr, size_t size, u64 seed)
{
	u64 *w = addr, csum = 0xcbf29ce484222325ULL, state = seed;
	size_t i;

	for (i = 0; i < size / sizeof(u64); i++) {
		w[i] = kho_test_next(&state);
		csum = (csum ^ w[i]) * 0x100000001b3ULL;
	}
	return csum;
}

/* Check @size bytes at @addr against @seed; return their checksum. */
static u64 kho_test_verify(const void *addr, size_t size, u64 seed,
			   bool *match)
{
	const u64 *w = addr;
	u64 csum = 0xcbf29ce484222325ULL, state = seed;
	size_t i;

	*match = true;
	for (i = 0; i < size / sizeof(u64); i++) {
		if (w[i] != kho_test_next(&state))
			*match = false;
		csum = (csum ^ w[i]) * 0x100000001b3ULL;
	}
	return csum;
}

static struct folio *kho_test_alloc_preserved(unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);

	if (folio && kho_preserve_folio(folio)) {
		folio_put(folio);
		folio = NULL;
	}
	return folio;
}

static int kho_test_fdt_u64(const void *fdt, const char *name, u64 *val)
{
	const void *prop;
	int len;

	prop = fdt_getprop(fdt, 0, name, &len);
	if (!prop || len != sizeof(u64))
		return -EINVAL;
	*val = get_unaligned_be64(prop);
	return 0;
}

static unsigned int kho_test_n;

static void kho_test_ktap(bool ok, const char *name, const char *note)
{
	pr_info("%sok %u %s # %s\n", ok ? "" : "not ", ++kho_test_n, name,
		note);
}

/* Pages the test expects back as managed memory, per zone. */
static long kho_test_managed[MAX_NUMNODES][MAX_NR_ZONES];

static void kho_test_expect_managed(unsigned long pfn, unsigned long nr)
{
	struct zone *zone;

	for (; nr; pfn++, nr--) {
		zone = page_zone(pfn_to_page(pfn));
		kho_test_managed[zone_to_nid(zone)][zone_idx(zone)]++;
	}
}

static void kho_test_snapshot_managed(long sign)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		kho_test_managed[zone_to_nid(zone)][zone_idx(zone)] +=
			sign * (long)zone_managed_pages(zone);
}

/* Whether the first and last page of @r lie on two nodes. */
static bool __init kho_test_range_on_two_nodes(const struct kho_test_range *r)
{
	unsigned long pfn = PHYS_PFN(r->phys);

	return r->pages && page_to_nid(pfn_to_page(pfn)) !=
			   page_to_nid(pfn_to_page(pfn + r->pages - 1));
}

/*
 * Restore a range, with kho_restore_phys() or, for @pages, with
 * kho_restore_pages(), check it and free its pages; whether all went well.
 */
static bool __init kho_test_check_range(const struct kho_test_range *r,
					bool pages)
{
	size_t size = r->pages * PAGE_SIZE;
	bool match = false;
	unsigned long i;

	if (!r->pages)
		return false;
	if (pages ? !kho_restore_pages(r->phys, r->pages) :
		    kho_restore_phys(r->phys, size))
		return false;
	/* Order-0 pages, one reference each, as if just allocated. */
	for (i = 0; i < r->pages; i++)
		if (page_ref_count(pfn_to_page(PHYS_PFN(r->phys) + i)) != 1)
			return false;
	kho_test_expect_managed(PHYS_PFN(r->phys), r->pages);
	if (kho_test_verify(phys_to_virt(r->phys), size, r->seed,
			    &match) != r->csum)
		match = false;
	for (i = 0; i < r->pages; i++)
		__free_page(pfn_to_page(PHYS_PFN(r->phys) + i));
	return match;
}

static int __init kho_test_read_range(const void *fdt, const char *name,
				      struct kho_test_range *r)
{
	char prop[32];

	snprintf(prop, sizeof(prop), "%s", name);
	if (kho_test_fdt_u64(fdt, prop, &r->phys))
		return -ENOENT;
	snprintf(prop, sizeof(prop), "%s-pages", name);
	if (kho_test_fdt_u64(fdt, prop, &r->pages))
		return -EINVAL;
	snprintf(prop, sizeof(prop), "%s-seed", name);
	if (kho_test_fdt_u64(fdt, prop, &r->seed))
		return -EINVAL;
	snprintf(prop, sizeof(prop), "%s-csum", name);
	return kho_test_fdt_u64(fdt, prop, &r->csum);
}

/*
 * Before a restore: the block's struct pages are initialized as reserved
 * memory's, whatever deferred init did: one reference, an empty list
 * head, no flags but PG_reserved in ZONE_MOVABLE, a zone that spans them.
 * The previous kernel's memmap, or garbage, shows.
 */
static unsigned long kho_test_movable;

static bool __init kho_test_memmap_ok(unsigned long pfn, unsigned long nr)
{
	struct page *page;
	unsigned long want;

	for (; nr--; pfn++) {
		page = pfn_to_page(pfn);
		want = 0;
		if (page_zonenum(page) == ZONE_MOVABLE) {
			want = 1UL << PG_reserved;
			kho_test_movable++;
		}
		if (page_ref_count(page) != 1 || !list_empty(&page->lru) ||
		    (page->flags & PAGEFLAGS_MASK) != want ||
		    !zone_spans_pfn(page_zone(page), pfn)) {
			pr_info("# test_kho: pfn %#lx: uninitialized struct page: flags %#lx, count %d\n",
				pfn, page->flags, page_ref_count(page));
			return false;
		}
	}
	return true;
}

/*
 * A preserved page poisoned since boot is not given back; the same block
 * is once the poison is gone.  Takes @e's folio back.
 */
static bool __init kho_test_poisoned(struct kho_test_entry *e,
				     struct folio **folio)
{
	struct page *page = pfn_to_page(PHYS_PFN(e->phys));
	bool refused;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		return true;
	SetPageHWPoison(page);
	*folio = kho_restore_folio(e->phys);
	refused = !*folio;
	ClearPageHWPoison(page);
	if (!*folio)
		*folio = kho_restore_folio(e->phys);
	return refused && *folio;
}

/*
 * A block larger than any folio: kho_restore_folio() must refuse it,
 * kho_restore_phys() gives its pages back, which are freed.
 */
static bool __init kho_test_check_big(u64 phys)
{
	unsigned long pfn = PHYS_PFN(phys), nr = 1UL << (MAX_FOLIO_ORDER + 1);
	struct folio *folio = kho_restore_folio(phys);
	unsigned long i;

	if (folio) {
		/* Not freed: the allocator cannot take a block that big. */
		pr_info("# test_kho: an order-%u folio was made\n",
			folio_order(folio));
		return false;
	}
	if (!kho_test_memmap_ok(pfn, nr) ||
	    kho_restore_phys(phys, nr << PAGE_SHIFT))
		return false;
	kho_test_expect_managed(pfn, nr);
	for (i = 0; i < nr; i++) {
		__free_page(pfn_to_page(pfn + i));
		if (!(i % MAX_ORDER_NR_PAGES))
			cond_resched();
	}
	return true;
}

/*
 * The filled chunks: struct pages initialized whatever deferred init went
 * through, then each restored and freed.  Returns how many were good.
 */
static unsigned long __init kho_test_check_fill(const u64 *chunks, u64 nr)
{
	unsigned long i, j, good = 0;

	for (i = 0; i < nr; i++) {
		if (!kho_test_memmap_ok(chunks[i], MAX_ORDER_NR_PAGES) ||
		    kho_restore_phys(PFN_PHYS(chunks[i]),
				     MAX_ORDER_NR_PAGES << PAGE_SHIFT))
			continue;
		kho_test_expect_managed(chunks[i], MAX_ORDER_NR_PAGES);
		for (j = 0; j < MAX_ORDER_NR_PAGES; j++)
			__free_page(pfn_to_page(chunks[i] + j));
		good++;
		cond_resched();
	}
	return good;
}

/* Restore the folios of the list, check and count them. */
static void __init kho_test_check_folios(struct kho_test_entry *e, u64 nr,
					 struct folio **folios,
					 unsigned long *restored,
					 unsigned long *good, u64 *bytes,
					 bool *memmap_ok, bool *poison_ok)
{
	unsigned long per_order[KHO_TEST_ORDERS] = { };
	unsigned long i;
	bool match;

	for (i = 0; i < nr; i++) {
		if (e[i].order >= KHO_TEST_ORDERS)
			continue;
		if (!kho_test_memmap_ok(PHYS_PFN(e[i].phys), 1UL << e[i].order))
			*memmap_ok = false;
		if (i == 0 && !e[i].order)
			*poison_ok = kho_test_poisoned(&e[i], &folios[i]);
		else
			folios[i] = kho_restore_folio(e[i].phys);
		if (!folios[i] || folio_order(folios[i]) != e[i].order)
			continue;
		(*restored)++;
		kho_test_expect_managed(folio_pfn(folios[i]),
					folio_nr_pages(folios[i]));
		if (kho_test_verify(folio_address(folios[i]),
				    folio_size(folios[i]), e[i].seed,
				    &match) == e[i].csum && match) {
			(*good)++;
			per_order[e[i].order]++;
			*bytes += folio_size(folios[i]);
		}
	}
	for (i = 0; i < KHO_TEST_ORDERS; i++)
		pr_info("# test_kho: order %lu: %lu folios, %lu KiB\n", i,
			per_order[i], per_order[i] << (i + PAGE_SHIFT - 10));
}

/* Check a page of the fragmented chunks, free it: whether it was good. */
static bool __init kho_test_frag_page(struct folio *folio, u64 seed)
{
	unsigned long pfn = folio_pfn(folio);
	u64 *w = folio_address(folio);
	bool good = w[0] == (pfn ^ seed) && w[PAGE_SIZE / 8 - 1] == ~pfn;

	kho_test_expect_managed(pfn, 1);
	folio_put(folio);
	return good;
}

#define KHO_TEST_FRAG_BATCH	40

/*
 * Restore a batch of @n whose second address was never preserved: one
 * folio, then the rest after it, a refused one skipped.  Each must be the
 * folio of its address.  Whether kho_restore_folios() stopped right at the
 * second, and gave a folio for each it counted, goes to *@stopped.
 * Returns how many were good.
 */
static unsigned long __init kho_test_frag_batch(const phys_addr_t *phys,
						unsigned int n,
						struct folio **folios,
						u64 seed, bool *stopped)
{
	unsigned int start, got, k;
	unsigned long good = 0;
	bool at;

	memset(folios, 0, n * sizeof(*folios));
	for (start = 0; start < n; start += got + 1) {
		got = kho_restore_folios(phys + start, n - start,
					 folios + start);
		if (!start && got != 1)
			*stopped = false;
		for (k = start; k < start + got; k++) {
			if (!folios[k]) {
				*stopped = false;
				continue;
			}
			at = folio_pfn(folios[k]) == PHYS_PFN(phys[k]);
			if (kho_test_frag_page(folios[k], seed) && at && k != 1)
				good++;
		}
	}
	return good;
}

/*
 * Every other page of the fragmented chunks, restored a batch at a time by
 * kho_restore_folios(), batches spanning chunks: check each holds its pfn
 * mixed with the seed, free it.  The second address of each batch is the
 * page after the first, never preserved.  Returns how many were good,
 * none if kho_restore_folios() did not stop there.
 */
static unsigned long __init kho_test_check_frag(const u64 *chunks, u64 nr,
						u64 seed, unsigned long *total)
{
	phys_addr_t phys[KHO_TEST_FRAG_BATCH + 1];
	struct folio *folios[KHO_TEST_FRAG_BATCH + 1];
	unsigned long i, j, good = 0;
	bool stopped = true;
	unsigned int n = 0;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < MAX_ORDER_NR_PAGES; j += 2) {
			phys[n++] = PFN_PHYS(chunks[i] + j);
			(*total)++;
			if (n == 1)
				phys[n++] = phys[0] + PAGE_SIZE;
			if (n <= KHO_TEST_FRAG_BATCH &&
			    (i + 1 < nr || j + 2 < MAX_ORDER_NR_PAGES))
				continue;
			good += kho_test_frag_batch(phys, n, folios, seed,
						    &stopped);
			n = 0;
		}
	}
	if (!stopped)
		pr_info("# test_kho: kho_restore_folios() did not stop at a page that was not preserved\n");
	return stopped ? good : 0;
}

/* Every zone gained exactly the pages restored in it. */
static bool __init kho_test_managed_ok(void)
{
	bool ok = true;
	int nid, z;

	kho_test_snapshot_managed(-1);
	for (nid = 0; nid < MAX_NUMNODES; nid++) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			if (kho_test_managed[nid][z]) {
				pr_info("# test_kho: node %d zone %d: %ld pages unaccounted\n",
					nid, z, kho_test_managed[nid][z]);
				ok = false;
			}
		}
	}
	return ok;
}

/* A vmalloc area filled from @seed, preserved into *@v; NULL on error. */
static void * __init kho_test_vmalloc(size_t size, bool huge, u64 seed,
				      struct kho_vmalloc *v)
{
	void *p = huge ? vmalloc_huge(size, GFP_KERNEL) : vmalloc(size);

	if (!p)
		return NULL;
	kho_test_fill(p, size, seed);
	if (kho_preserve_vmalloc(p, v)) {
		vfree(p);
		return NULL;
	}
	return p;
}

/*
 * The rest of the client API: two vmalloc areas, one mapped with huge
 * pages; a vmalloc area, a folio and a page range preserved and then
 * unpreserved, which the next kernel must not find; and an allocation
 * made preserved.
 */
static int __init kho_test_preserve_api(void)
{
	struct kho_vmalloc gone;
	struct folio *folio;
	struct page *pages;
	void *p;

	kho_test.vsmall_seed = get_random_u64() | 1;
	kho_test.vhuge_seed = get_random_u64() | 1;
	if (!kho_test_vmalloc(KHO_TEST_VMALLOC_SMALL, false,
			      kho_test.vsmall_seed, &kho_test.vsmall) ||
	    !kho_test_vmalloc(KHO_TEST_VMALLOC_HUGE, true, kho_test.vhuge_seed,
			      &kho_test.vhuge))
		return -ENOMEM;

	p = kho_test_vmalloc(3 * PAGE_SIZE, false, 1, &gone);
	folio = kho_test_alloc_preserved(2);
	pages = alloc_pages(GFP_KERNEL, 2);
	if (!p || !folio || !pages || kho_preserve_pages(pages, 3))
		return -ENOMEM;
	kho_test.vgone = gone;
	kho_unpreserve_vmalloc(&gone);
	kho_unpreserve_folio(folio);
	kho_unpreserve_pages(pages, 3);
	kho_test.fgone = PFN_PHYS(folio_pfn(folio));
	kho_test.pgone = page_to_phys(pages);

	kho_test.alloc = kho_alloc_preserve(3 * PAGE_SIZE + 5);
	if (IS_ERR(kho_test.alloc))
		return PTR_ERR(kho_test.alloc);
	kho_test.alloc_seed = get_random_u64() | 1;
	kho_test_fill(kho_test.alloc, 3 * PAGE_SIZE, kho_test.alloc_seed);
	return 0;
}

/* Map a vmalloc area handed over and check it; whether all went well. */
static bool __init kho_test_check_vmalloc(const struct kho_vmalloc *v,
					  size_t size, u64 seed,
					  unsigned int *order)
{
	struct vm_struct *vm;
	unsigned int i;
	bool match;
	void *p;

	p = kho_restore_vmalloc(v);
	vm = p ? find_vm_area(p) : NULL;
	if (!vm)
		return false;
	/* The list of blocks was one page, restored and freed. */
	kho_test_expect_managed(PHYS_PFN(kho_ptr_phys(&v->first)), 1);
	for (i = 0; i < vm->nr_pages; i++)
		kho_test_expect_managed(page_to_pfn(vm->pages[i]), 1);
	kho_test_verify(p, size, seed, &match);
	*order = v->order;
#ifdef CONFIG_HAVE_ARCH_HUGE_VMALLOC
	match &= vm->page_order == v->order;
#endif
	match &= vm->nr_pages == PAGE_ALIGN(size) >> PAGE_SHIFT;
	vfree(p);
	return match;
}

/* The client API's part of the handover; whether each check passed. */
static bool __init kho_test_check_api(const void *fdt)
{
	struct kho_vmalloc vs, vh, vg;
	u64 fgone, pgone, alloc, seed, vs_seed, vh_seed;
	unsigned int o_small, o_huge;
	bool ok, all = true, match;
	const void *prop;
	char note[96];
	int len;

	prop = fdt_getprop(fdt, 0, "vsmall", &len);
	if (!prop || len != sizeof(vs))
		return false;
	memcpy(&vs, prop, sizeof(vs));
	prop = fdt_getprop(fdt, 0, "vhuge", &len);
	if (!prop || len != sizeof(vh))
		return false;
	memcpy(&vh, prop, sizeof(vh));
	prop = fdt_getprop(fdt, 0, "vgone", &len);
	if (!prop || len != sizeof(vg))
		return false;
	memcpy(&vg, prop, sizeof(vg));
	if (kho_test_fdt_u64(fdt, "vsmall-seed", &vs_seed) ||
	    kho_test_fdt_u64(fdt, "vhuge-seed", &vh_seed) ||
	    kho_test_fdt_u64(fdt, "fgone", &fgone) ||
	    kho_test_fdt_u64(fdt, "pgone", &pgone) ||
	    kho_test_fdt_u64(fdt, "alloc", &alloc) ||
	    kho_test_fdt_u64(fdt, "alloc-seed", &seed))
		return false;

	kho_test_ktap(is_kho_boot(), "is-kho-boot", "this kernel took a handover");
	all &= is_kho_boot();

	ok = kho_test_check_vmalloc(&vs, KHO_TEST_VMALLOC_SMALL, vs_seed,
				    &o_small) &&
	     kho_test_check_vmalloc(&vh, KHO_TEST_VMALLOC_HUGE, vh_seed,
				    &o_huge) && o_small != o_huge;
	snprintf(note, sizeof(note), "two areas, pages of order %u and %u",
		 o_small, o_huge);
	kho_test_ktap(ok, "vmalloc", note);
	all &= ok;

	ok = !kho_restore_vmalloc(&vg) && !kho_restore_folio(fgone) &&
	     !kho_restore_pages(pgone, 3);
	kho_test_ktap(ok, "unpreserved",
		      "a vmalloc area, a folio and pages unpreserved: not handed over");
	all &= ok;

	kho_test_verify(phys_to_virt(alloc), 3 * PAGE_SIZE, seed, &match);
	kho_restore_free(phys_to_virt(alloc));
	kho_test_expect_managed(PHYS_PFN(alloc), 4);
	ok = match && !kho_restore_folio(alloc);
	kho_test_ktap(ok, "alloc-preserve",
		      "kho_alloc_preserve() memory back, then kho_restore_free()");
	return all && ok;
}

/*
 * What the previous kernel preserved: restore, check, free, reallocate.
 * Returns 0 if there was nothing or everything passed, -EINVAL otherwise.
 */
static int __init kho_test_check_previous(void)
{
	unsigned long i, restored = 0, good = 0, realloc = 0, frag_total = 0;
	struct folio *fdt_folio, *list_folio = NULL, *frag = NULL;
	struct kho_test_range range, zrange;
	u64 list, nr = 0, gen, frag_list, frag_nr = 0, frag_seed;
	u64 ntop, ntop_pages = 0, big = 0, fill_list, fill_nr = 0;
	struct folio *fill = NULL;
	struct folio **folios = NULL;
	bool range_ok, zrange_ok = true, frag_ok = true, ntop_ok = true;
	bool memmap_ok = true, poison_ok = true, big_ok = true, fill_ok = true;
	bool api_ok, pass = false;
	struct kho_test_entry *e;
	phys_addr_t fdt_phys, again;
	u64 bytes = 0;
	const void *fdt;
	char note[96];
	int err;

	err = kho_retrieve_subtree(KHO_TEST_NAME, &fdt_phys);
	if (err == -ENOENT) {
		pr_info("# test_kho: no test data handed over\n");
		return 0;
	}

	pr_info("KTAP version 1\n");
	/* Freeing the initrd changes managed counts too: let it finish. */
	wait_for_initramfs();
	kho_test_snapshot_managed(1);
	fdt_folio = err ? NULL : kho_restore_folio(fdt_phys);
	fdt = fdt_folio ? folio_address(fdt_folio) : NULL;
	if (!fdt || fdt_check_header(fdt) ||
	    fdt_node_check_compatible(fdt, 0, KHO_TEST_COMPATIBLE) ||
	    kho_test_fdt_u64(fdt, "list", &list) ||
	    kho_test_fdt_u64(fdt, "nr", &nr) ||
	    kho_test_fdt_u64(fdt, "generation", &gen) ||
	    kho_test_read_range(fdt, "range", &range)) {
		pr_info("1..1\n");
		kho_test_ktap(false, "retrieve", "bad test_kho sub-FDT");
		goto out;
	}
	err = kho_test_read_range(fdt, "zrange", &zrange);
	if (err == -ENOENT)
		zrange.pages = 0;
	if (kho_test_fdt_u64(fdt, "frag-list", &frag_list) ||
	    kho_test_fdt_u64(fdt, "frag-nr", &frag_nr) ||
	    kho_test_fdt_u64(fdt, "frag-seed", &frag_seed))
		frag_nr = 0;
	if (kho_test_fdt_u64(fdt, "ntop", &ntop) ||
	    kho_test_fdt_u64(fdt, "ntop-pages", &ntop_pages) ||
	    ntop_pages > KHO_TEST_NODE_TOP)
		ntop_pages = 0;

	if (kho_test_fdt_u64(fdt, "big-block", &big))
		big = 0;
	if (kho_test_fdt_u64(fdt, "fill-list", &fill_list) ||
	    kho_test_fdt_u64(fdt, "fill-nr", &fill_nr) ||
	    fill_nr > KHO_TEST_FILL_MAX)
		fill_nr = 0;

	pr_info("1..%d\n", 13 + !!zrange.pages + !!frag_nr + !!ntop_pages +
		!!big + !!fill_nr);
	snprintf(note, sizeof(note), "generation %llu, %llu folios", gen, nr);
	kho_test_ktap(true, "retrieve", note);
	kho_test.generation = gen;

	list_folio = kho_restore_folio(list);
	if (list_folio && folio_size(list_folio) >= nr * sizeof(*e))
		folios = kvcalloc(nr, sizeof(*folios), GFP_KERNEL);
	if (!folios) {
		kho_test_ktap(false, "restore", "cannot restore the list");
		goto out;
	}
	kho_test_expect_managed(folio_pfn(fdt_folio), folio_nr_pages(fdt_folio));
	kho_test_expect_managed(folio_pfn(list_folio),
				folio_nr_pages(list_folio));

	e = folio_address(list_folio);
	kho_test_check_folios(e, nr, folios, &restored, &good, &bytes,
			      &memmap_ok, &poison_ok);
	kho_test_ktap(memmap_ok, "memmap",
		      "struct pages of preserved memory initialized before restore");
	kho_test_ktap(poison_ok, "poisoned",
		      "a block with a poisoned page is refused until unpoisoned");
	snprintf(note, sizeof(note), "%lu/%llu folios", restored, nr);
	kho_test_ktap(restored == nr && nr, "restore", note);
	snprintf(note, sizeof(note), "%lu/%llu folios match, %llu MiB", good,
		 nr, bytes >> 20);
	kho_test_ktap(good == nr && nr, "contents", note);

	range_ok = kho_test_check_range(&range, false);
	kho_test_ktap(range_ok, "range", "kho_restore_phys() of 21 pages");
	if (zrange.pages) {
		zrange_ok = kho_test_check_range(&zrange, true);
		kho_test_ktap(zrange_ok, "zone-range",
			      zrange_ok && kho_test_range_on_two_nodes(&zrange) ?
			      "kho_restore_pages() of 13 pages across a node boundary" :
			      "kho_restore_pages() of 13 pages across a zone boundary");
	}
	if (ntop_pages) {
		ntop_ok = kho_restore_pages(ntop, ntop_pages);
		if (ntop_ok) {
			kho_test_expect_managed(PHYS_PFN(ntop), ntop_pages);
			kho_test.kept_pfn = PHYS_PFN(ntop);
			kho_test.kept = ntop_pages;
		}
		kho_test_ktap(ntop_ok, "node-top",
			      "the pages where a node ends, back for a range across it");
	}
	if (frag_nr) {
		frag = kho_restore_folio(frag_list);
		i = frag ? kho_test_check_frag(folio_address(frag), frag_nr,
					       frag_seed, &frag_total) : 0;
		if (frag)
			kho_test_expect_managed(folio_pfn(frag),
						folio_nr_pages(frag));
		frag_ok = frag && i == frag_total;
		snprintf(note, sizeof(note), "%lu/%lu pages, every other one",
			 i, frag_total);
		kho_test_ktap(frag_ok, "fragmented", note);
	}

	if (fill_nr) {
		fill = kho_restore_folio(fill_list);
		i = fill && fill_nr * sizeof(u64) <= folio_size(fill) ?
		    kho_test_check_fill(folio_address(fill), fill_nr) : 0;
		if (fill)
			kho_test_expect_managed(folio_pfn(fill),
						folio_nr_pages(fill));
		fill_ok = i == fill_nr;
		snprintf(note, sizeof(note), "%lu/%llu chunks of %lu KiB", i,
			 fill_nr, (unsigned long)MAX_ORDER_NR_PAGES <<
				  (PAGE_SHIFT - 10));
		kho_test_ktap(fill_ok, "fill", note);
	}
	if (big) {
		big_ok = kho_test_check_big(big);
		kho_test_ktap(big_ok, "big-block",
			      "a block larger than a folio comes back as pages only");
	}

	pr_info("# test_kho: %lu preserved pages checked in ZONE_MOVABLE\n",
		kho_test_movable);

	api_ok = kho_test_check_api(fdt);
	if (!api_ok)
		pr_info("# test_kho: the client API's part failed\n");

	/* Every page restored counts as managed again, in its own zone. */
	kho_test_ktap(kho_test_managed_ok(), "managed",
		      "each zone's managed pages grew by what it got back");

	/* Give everything back, then have the allocator hand it out again. */
	for (i = 0; i < nr; i++) {
		if (folios[i])
			folio_put(folios[i]);
		folios[i] = NULL;
	}
	for (i = 0; i < nr; i++) {
		if (e[i].order < KHO_TEST_ORDERS)
			folios[i] = folio_alloc(GFP_KERNEL | __GFP_NOWARN,
						e[i].order);
		realloc += !!folios[i];
	}
	for (i = 0; i < nr; i++) {
		if (folios[i])
			folio_put(folios[i]);
	}
	snprintf(note, sizeof(note), "%lu/%llu folios allocated again",
		 realloc, nr);
	kho_test_ktap(realloc == nr, "realloc", note);

	/* What the client freed was its own: the handover still reads. */
	err = kho_retrieve_subtree(KHO_TEST_NAME, &again);
	kho_test_ktap(!err && again == fdt_phys, "retrieve-again",
		      "the handover outlives what its clients free");

	pass = nr && restored == nr && good == nr && realloc == nr &&
	       range_ok && zrange_ok && frag_ok && ntop_ok && api_ok && !err &&
	       memmap_ok && poison_ok && big_ok && fill_ok;
	pr_info("# test_kho: summary: generation %llu, %lu folios, %llu MiB restored, %lu checksums match, %s\n",
		gen, restored, bytes >> 20, good, pass ? "pass" : "FAIL");
out:
	kvfree(folios);
	if (frag)
		folio_put(frag);
	if (fill)
		folio_put(fill);
	if (list_folio)
		folio_put(list_folio);
	if (fdt_folio)
		folio_put(fdt_folio);
	return pass ? 0 : -EINVAL;
}

static int kho_test_add_range(void *fdt, const char *name,
			      const struct kho_test_range *r)
{
	char prop[32];
	int err;

	err = fdt_setprop_u64(fdt, 0, name, r->phys);
	snprintf(prop, sizeof(prop), "%s-pages", name);
	err = err ?: fdt_setprop_u64(fdt, 0, prop, r->pages);
	snprintf(prop, sizeof(prop), "%s-seed", name);
	err = err ?: fdt_setprop_u64(fdt, 0, prop, r->seed);
	snprintf(prop, sizeof(prop), "%s-csum", name);
	return err ?: fdt_setprop_u64(fdt, 0, prop, r->csum);
}

static int kho_test_notifier(struct notifier_block *nb, unsigned long event,
			     void *data)
{
	void *fdt = folio_address(kho_test.fdt);
	int err;

	if (event != KEXEC_KHO_FINALIZE)
		return NOTIFY_DONE;

	err = fdt_create_empty_tree(fdt, KHO_TEST_FDT_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible",
					KHO_TEST_COMPATIBLE);
	err = err ?: fdt_setprop_u64(fdt, 0, "list",
				     PFN_PHYS(folio_pfn(kho_test.list)));
	err = err ?: fdt_setprop_u64(fdt, 0, "nr", kho_test.nr);
	err = err ?: fdt_setprop_u64(fdt, 0, "generation",
				     kho_test.generation + 1);
	err = err ?: kho_test_add_range(fdt, "range", &kho_test.range);
	if (kho_test.zrange.pages)
		err = err ?: kho_test_add_range(fdt, "zrange", &kho_test.zrange);
	if (kho_test.ntop_pages) {
		err = err ?: fdt_setprop_u64(fdt, 0, "ntop", kho_test.ntop);
		err = err ?: fdt_setprop_u64(fdt, 0, "ntop-pages",
					     kho_test.ntop_pages);
	}
	err = err ?: fdt_setprop(fdt, 0, "vsmall", &kho_test.vsmall,
				 sizeof(kho_test.vsmall));
	err = err ?: fdt_setprop(fdt, 0, "vhuge", &kho_test.vhuge,
				 sizeof(kho_test.vhuge));
	err = err ?: fdt_setprop(fdt, 0, "vgone", &kho_test.vgone,
				 sizeof(kho_test.vgone));
	err = err ?: fdt_setprop_u64(fdt, 0, "vsmall-seed", kho_test.vsmall_seed);
	err = err ?: fdt_setprop_u64(fdt, 0, "vhuge-seed", kho_test.vhuge_seed);
	err = err ?: fdt_setprop_u64(fdt, 0, "fgone", kho_test.fgone);
	err = err ?: fdt_setprop_u64(fdt, 0, "pgone", kho_test.pgone);
	err = err ?: fdt_setprop_u64(fdt, 0, "alloc", virt_to_phys(kho_test.alloc));
	err = err ?: fdt_setprop_u64(fdt, 0, "alloc-seed", kho_test.alloc_seed);
	if (kho_test.big_phys)
		err = err ?: fdt_setprop_u64(fdt, 0, "big-block",
					     kho_test.big_phys);
	if (kho_test.fill_nr) {
		err = err ?: fdt_setprop_u64(fdt, 0, "fill-list",
					     PFN_PHYS(folio_pfn(kho_test.fill)));
		err = err ?: fdt_setprop_u64(fdt, 0, "fill-nr",
					     kho_test.fill_nr);
	}
	if (kho_test.frag_nr) {
		err = err ?: fdt_setprop_u64(fdt, 0, "frag-list",
					     PFN_PHYS(folio_pfn(kho_test.frag)));
		err = err ?: fdt_setprop_u64(fdt, 0, "frag-nr",
					     kho_test.frag_nr);
		err = err ?: fdt_setprop_u64(fdt, 0, "frag-seed",
					     kho_test.frag_seed);
	}
	if (err)
		return notifier_from_errno(-EINVAL);
	return notifier_from_errno(kho_add_subtree(data, KHO_TEST_NAME, fdt));
}

/* Fill a range of @pages pages at @pfn and preserve it whole. */
static int __init kho_test_preserve_range(struct kho_test_range *r,
					  unsigned long pfn,
					  unsigned long pages)
{
	r->phys = PFN_PHYS(pfn);
	r->pages = pages;
	r->seed = get_random_u64() | 1;
	r->csum = kho_test_fill(page_address(pfn_to_page(pfn)), pages * PAGE_SIZE, r->seed);
	return kho_preserve_phys(r->phys, pages * PAGE_SIZE);
}

/*
 * Free the kept node-top pages but the last @keep: those a zone range
 * took, or all of them when the node-top pages are preserved again.
 */
static void __init kho_test_free_kept(unsigned long keep)
{
	unsigned long i;

	for (i = 0; i + keep < kho_test.kept; i++)
		__free_page(pfn_to_page(kho_test.kept_pfn + i));
	kho_test.kept = 0;
}

/*
 * Take the @hi pages from @b, where @zone starts.  Where a node starts, a
 * movable pageblock's pages may be busy for a moment only (in a per-CPU
 * batch, under migration): try again.  An unmovable or reclaimable one
 * went to an early allocation of the node, for good: say so, for the
 * check, as any other failure.
 */
static bool __init kho_test_alloc_above(struct zone *zone, unsigned long b,
					unsigned long hi, bool node_start)
{
	unsigned long mt;
	int tries = 0;

	while (alloc_contig_range(b, b + hi, MIGRATE_MOVABLE,
				  GFP_KERNEL | __GFP_NOWARN)) {
		if (!node_start)
			return false;
		mt = get_pageblock_migratetype(pfn_to_page(b));
		if (mt != MIGRATE_MOVABLE || ++tries == 5) {
			pr_info("# test_kho: the first pages of node %d are busy: %s (pageblock migratetype %lu)\n",
				zone_to_nid(zone),
				mt == MIGRATE_UNMOVABLE ||
				mt == MIGRATE_RECLAIMABLE ?
				"an early allocation's, for good" : "still",
				mt);
			return false;
		}
		msleep(20);
	}
	return true;
}

/*
 * Pages on both sides of where a zone starts, one range in two zones, of
 * an odd count: kho_preserve_pages() must split it there, and a restore
 * count each page as managed in its own zone.  A zone that starts a node
 * is tried first, for a range across two nodes.  Skipped, and said so, if
 * no zone boundary has free pages on both sides.
 */
static int __init kho_test_preserve_zone_range(void)
{
	const unsigned long lo = KHO_TEST_ZONE_BELOW, hi = KHO_TEST_ZONE_ABOVE;
	struct kho_test_range *r = &kho_test.zrange;
	bool other_node, kept, nodes_only = true;
	unsigned long b, keep = 0;
	struct zone *zone;
	int err = 0;

again:
	for_each_populated_zone(zone) {
		b = zone->zone_start_pfn;
		if (b < lo || !pfn_valid(b - 1) ||
		    page_zone(pfn_to_page(b - 1)) == zone)
			continue;
		other_node = page_to_nid(pfn_to_page(b - 1)) != zone_to_nid(zone);
		/* Node boundaries first, then the others. */
		if (nodes_only != other_node)
			continue;
		/* Below a node boundary, the pages kept from before. */
		kept = kho_test.kept >= lo &&
		       b == kho_test.kept_pfn + kho_test.kept;
		if (!kept && alloc_contig_range(b - lo, b, MIGRATE_MOVABLE,
						GFP_KERNEL | __GFP_NOWARN))
			continue;
		if (!kho_test_alloc_above(zone, b, hi, other_node)) {
			if (!kept)
				free_contig_range(b - lo, lo);
			continue;
		}
		if (kept)
			keep = lo;
		r->phys = PFN_PHYS(b - lo);
		r->pages = lo + hi;
		r->seed = get_random_u64() | 1;
		r->csum = kho_test_fill(page_address(pfn_to_page(b - lo)),
					r->pages * PAGE_SIZE, r->seed);
		pr_info("# test_kho: preserving %lu pages across the start of zone %s of node %d%s\n",
			lo + hi, zone->name, zone_to_nid(zone),
			other_node ? ", from another node" : "");
		err = kho_preserve_pages(pfn_to_page(b - lo), lo + hi);
		goto out;
	}
	if (nodes_only) {
		nodes_only = false;
		goto again;
	}
	pr_info("# test_kho: no free pages at a zone boundary: no zone range\n");
out:
	/*
	 * No range across a node boundary: the node-top pages are preserved
	 * again, and must stay this module's until the kexec, or another
	 * user who allocates them could not preserve them.
	 */
	if (!kho_test_range_on_two_nodes(r))
		keep = kho_test.kept;
	kho_test_free_kept(keep);
	return err;
}

/*
 * Where one node ends and the next begins, every kernel puts the lower
 * node's own data in its last pages, so no free range spans the two.
 * Preserve those pages, their content unused: the next kernel places its
 * node data below them and frees them once it is up, which leaves it free
 * pages on both sides for its zone range.  Not needed once a range
 * crosses a node boundary.
 */
static int __init kho_test_preserve_node_top(void)
{
	const unsigned long n = KHO_TEST_NODE_TOP;
	unsigned long end;
	int nid;

	if (kho_test_range_on_two_nodes(&kho_test.zrange))
		return 0;
	for_each_online_node(nid) {
		end = node_end_pfn(nid);
		if (end < n || !pfn_valid(end) || !pfn_valid(end - n) ||
		    page_to_nid(pfn_to_page(end)) == nid ||
		    page_to_nid(pfn_to_page(end - n)) != nid)
			continue;
		kho_test.ntop = PFN_PHYS(end - n);
		kho_test.ntop_pages = n;
		pr_info("# test_kho: preserving the last %lu pages of node %d\n",
			n, nid);
		return kho_preserve_pages(pfn_to_page(end - n), n);
	}
	return 0;
}

/* Every other page of @fragmented_mb MiB, in chunks of MAX_PAGE_ORDER. */
static int __init kho_test_preserve_frag(void)
{
	unsigned long i, j, pfn, nr = (fragmented_mb << 20) >>
				       (PAGE_SHIFT + MAX_PAGE_ORDER);
	struct page *chunk;
	u64 *chunks, *w;
	int err;

	kho_test.frag = kho_test_alloc_preserved(get_order(nr * sizeof(u64)));
	if (!kho_test.frag)
		return -ENOMEM;
	chunks = folio_address(kho_test.frag);
	kho_test.frag_seed = get_random_u64();
	for (i = 0; i < nr; i++) {
		chunk = alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER);
		if (!chunk)
			return -ENOMEM;
		chunks[i] = page_to_pfn(chunk);
		for (j = 0; j < MAX_ORDER_NR_PAGES; j += 2) {
			pfn = chunks[i] + j;
			w = page_address(pfn_to_page(pfn));
			w[0] = pfn ^ kho_test.frag_seed;
			w[PAGE_SIZE / 8 - 1] = ~pfn;
			err = kho_preserve_folio(page_folio(pfn_to_page(pfn)));
			if (err)
				return err;
		}
		kho_test.frag_nr++;
	}
	pr_info("# test_kho: preserved every other page of %lu MiB\n",
		fragmented_mb);
	return 0;
}

/* What the next kernel would refuse is refused here already. */
static void __init kho_test_refusals(void)
{
	phys_addr_t hole = 0;
	int err;

	pr_info("KTAP version 1\n1..2\n");
	err = kho_preserve_phys(SZ_64K, PAGE_SIZE);
	kho_test_ktap(err == -EINVAL, "refuse-low",
		      "memory below the next kernel's low scratch");
	/* The first page above RAM is no RAM at all. */
	hole = PFN_PHYS(max_pfn);
	err = kho_preserve_phys(hole, PAGE_SIZE);
	kho_test_ktap(err == -EINVAL, "refuse-non-ram", "memory beyond RAM");
}

/* Free memory outside CMA, which is scratch, of @nid or of all nodes. */
static unsigned long kho_test_free_mb(int nid)
{
	unsigned long free;

	if (nid == NUMA_NO_NODE)
		free = global_zone_page_state(NR_FREE_PAGES) -
		       global_zone_page_state(NR_FREE_CMA_PAGES);
	else
		free = sum_zone_node_page_state(nid, NR_FREE_PAGES) -
		       sum_zone_node_page_state(nid, NR_FREE_CMA_PAGES);
	return free >> (20 - PAGE_SHIFT);
}

/*
 * Take and preserve free memory chunk by chunk from the lowest address up,
 * of node @fill_nid or of all, until @fill_leave_mb MiB are left: the
 * next kernel finds the memory it initializes first preserved, and its
 * early allocations must grow into the memory whose initialization is
 * deferred, all of it when the node has little else.
 */
static int __init kho_test_preserve_fill(void)
{
	unsigned long pfn = PHYS_PFN(SZ_16M), end = max_pfn, *chunks;
	int err;

	if (fill_nid != NUMA_NO_NODE) {
		if (fill_nid < 0 || fill_nid >= MAX_NUMNODES ||
		    !node_online(fill_nid))
			return -EINVAL;
		pfn = max(pfn, node_start_pfn(fill_nid));
		end = node_end_pfn(fill_nid);
	}

	kho_test.fill = kho_test_alloc_preserved(get_order(KHO_TEST_FILL_MAX *
							   sizeof(u64)));
	if (!kho_test.fill)
		return -ENOMEM;
	chunks = folio_address(kho_test.fill);
	for (pfn = ALIGN(pfn, MAX_ORDER_NR_PAGES);
	     pfn + MAX_ORDER_NR_PAGES <= end &&
	     kho_test.fill_nr < KHO_TEST_FILL_MAX &&
	     kho_test_free_mb(fill_nid) > fill_leave_mb;
	     pfn += MAX_ORDER_NR_PAGES) {
		if (!pfn_valid(pfn) ||
		    alloc_contig_range(pfn, pfn + MAX_ORDER_NR_PAGES,
				       MIGRATE_MOVABLE, GFP_KERNEL | __GFP_NOWARN))
			continue;
		err = kho_preserve_phys(PFN_PHYS(pfn), MAX_ORDER_NR_PAGES << PAGE_SHIFT);
		if (err) {
			free_contig_range(pfn, MAX_ORDER_NR_PAGES);
			continue;
		}
		chunks[kho_test.fill_nr++] = pfn;
		cond_resched();
	}
	pr_info("# test_kho: filled %lu MiB from the lowest address up, %lu MiB left\n",
		kho_test.fill_nr << (MAX_PAGE_ORDER + PAGE_SHIFT - 20),
		kho_test_free_mb(fill_nid));
	return kho_test.fill_nr ? 0 : -ENOMEM;
}

/* A naturally aligned block of order MAX_FOLIO_ORDER + 1, preserved. */
static int __init kho_test_preserve_big(void)
{
	unsigned long nr = 1UL << (MAX_FOLIO_ORDER + 1);
	struct page *page;
	int err;

	page = alloc_contig_pages(nr, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
				  numa_mem_id(), NULL);
	if (!page) {
		pr_err("# test_kho: no room for a block of %lu MiB\n",
		       nr >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}
	err = kho_preserve_phys(page_to_phys(page), nr << PAGE_SHIFT);
	if (err) {
		free_contig_range(page_to_pfn(page), nr);
		return err;
	}
	kho_test.big_phys = page_to_phys(page);
	return 0;
}

/* Preserve about @preserve_mb MiB, the same share for every order. */
static int __init kho_test_preserve(void)
{
	u64 share = div_u64((u64)preserve_mb << 20, KHO_TEST_ORDERS);
	unsigned long i, n, nr = 0;
	struct kho_test_entry *e;
	struct folio *folio;
	struct page *range;
	unsigned int order;
	int err;

	for (order = 0; order < KHO_TEST_ORDERS; order++)
		nr += max_t(u64, 1, share >> (order + PAGE_SHIFT));

	kho_test.fdt = kho_test_alloc_preserved(0);
	kho_test.list = kho_test_alloc_preserved(get_order(nr * sizeof(*e)));
	range = alloc_pages(GFP_KERNEL, get_order(KHO_TEST_RANGE_PAGES *
						  PAGE_SIZE));
	if (!kho_test.fdt || !kho_test.list || !range)
		return -ENOMEM;
	err = kho_test_preserve_range(&kho_test.range, page_to_pfn(range),
				      KHO_TEST_RANGE_PAGES);
	err = err ?: kho_test_preserve_zone_range();
	err = err ?: kho_test_preserve_node_top();
	err = err ?: kho_test_preserve_api();
	if (!err && fragmented_mb)
		err = kho_test_preserve_frag();
	if (!err && big_block)
		err = kho_test_preserve_big();
	if (err)
		return err;

	e = folio_address(kho_test.list);
	for (order = 0; order < KHO_TEST_ORDERS; order++) {
		n = max_t(u64, 1, share >> (order + PAGE_SHIFT));
		for (i = 0; i < n; i++) {
			folio = kho_test_alloc_preserved(order);
			if (!folio)
				return -ENOMEM;
			e->phys = PFN_PHYS(folio_pfn(folio));
			e->order = order;
			e->seed = get_random_u64() | 1;
			e->csum = kho_test_fill(folio_address(folio),
						folio_size(folio), e->seed);
			kho_test.bytes += folio_size(folio);
			kho_test.nr++;
			e++;
		}
	}

	if (fill_leave_mb) {
		err = kho_test_preserve_fill();
		if (err)
			return err;
	}

	kho_test.nb.notifier_call = kho_test_notifier;
	return register_kho_notifier(&kho_test.nb);
}

static int __init kho_test_init(void)
{
	int failed, err;

	/* Check what came in, and go on preserving even if that failed. */
	failed = kho_test_check_previous();
	if (!preserve_mb) {
		kho_test_free_kept(0);
		return failed;
	}
	if (!kho_is_enabled()) {
		pr_warn("# test_kho: preserve_mb needs kho=on\n");
		return -EINVAL;
	}
	if (refuse)
		kho_test_refusals();

	err = kho_test_preserve();
	/* Kept pages no range took, on every path. */
	kho_test_free_kept(0);
	if (err) {
		pr_err("# test_kho: cannot preserve test data: %pe\n", ERR_PTR(err));
		return err;
	}
	pr_info("# test_kho: preserved %lu folios, %llu MiB, generation %u\n",
		kho_test.nr, kho_test.bytes >> 20, kho_test.generation + 1);
	return failed;
}
late_initcall(kho_test_init);

MODULE_DESCRIPTION("Test module for Kexec HandOver");
MODULE_LICENSE("GPL");
