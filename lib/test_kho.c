// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test module for Kexec HandOver (KHO).
 *
 * Asked to with test_kho.preserve_mb=N, it preserves about N MiB of folios
 * of every order from 0 to MAX_PAGE_ORDER, and a range of pages, filled
 * with pseudo-random data, and lists them in its own sub-FDT.  Booted by a
 * handover that carries such a list, it restores every folio, checks every
 * byte, frees the folios, allocates as many again, and reports in KTAP.
 * Both can happen in one boot, so a chain of kexecs can be tested.
 */

#define pr_fmt(fmt) fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#define KHO_TEST_NAME		"test_kho"
#define KHO_TEST_COMPATIBLE	"kho-test-v1"
#define KHO_TEST_FDT_SIZE	PAGE_SIZE
#define KHO_TEST_ORDERS		(MAX_PAGE_ORDER + 1)
/* kho_preserve_phys() splits this into blocks of 16, 4 and 1 pages. */
#define KHO_TEST_RANGE_PAGES	21

static unsigned long preserve_mb;
module_param(preserve_mb, ulong, 0444);
MODULE_PARM_DESC(preserve_mb, "MiB of folios to preserve for the next kernel");

/* One preserved folio, as listed in preserved memory. */
struct kho_test_entry {
	u64 phys;
	u64 seed;
	u64 csum;
	u32 order;
	u32 reserved;
};

static struct {
	struct folio *fdt;
	struct folio *list;
	unsigned long nr;
	u64 bytes;
	struct page *range;
	u64 range_seed;
	u64 range_csum;
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

static void kho_test_ktap(unsigned int n, bool ok, const char *name,
			  const char *note)
{
	pr_info("%sok %u %s # %s\n", ok ? "" : "not ", n, name, note);
}

static bool __init kho_test_read_fdt(const void *fdt, u64 *list, u64 *nr,
				     u64 *gen, u64 *range, u64 *range_seed,
				     u64 *range_csum)
{
	return !fdt_check_header(fdt) &&
	       !fdt_node_check_compatible(fdt, 0, KHO_TEST_COMPATIBLE) &&
	       !kho_test_fdt_u64(fdt, "list", list) &&
	       !kho_test_fdt_u64(fdt, "nr", nr) &&
	       !kho_test_fdt_u64(fdt, "generation", gen) &&
	       !kho_test_fdt_u64(fdt, "range", range) &&
	       !kho_test_fdt_u64(fdt, "range-seed", range_seed) &&
	       !kho_test_fdt_u64(fdt, "range-csum", range_csum);
}

/* Restore the range, check it and free its pages; whether all went well. */
static bool __init kho_test_check_range(u64 phys, u64 seed, u64 csum)
{
	const size_t size = KHO_TEST_RANGE_PAGES * PAGE_SIZE;
	bool match = false;
	unsigned long i;

	if (kho_restore_phys(phys, size))
		return false;
	if (kho_test_verify(phys_to_virt(phys), size, seed, &match) != csum)
		match = false;
	for (i = 0; i < KHO_TEST_RANGE_PAGES; i++)
		__free_page(pfn_to_page(PHYS_PFN(phys) + i));
	return match;
}

/*
 * What the previous kernel preserved: restore, check, free, reallocate.
 * Returns 0 if there was nothing or everything passed, -EINVAL otherwise.
 */
static int __init kho_test_check_previous(void)
{
	unsigned long i, restored = 0, good = 0, realloc = 0, managed;
	unsigned long per_order[KHO_TEST_ORDERS] = { };
	u64 list, nr = 0, gen, range, range_seed, range_csum, bytes = 0;
	struct folio *fdt_folio, *list_folio = NULL, **folios = NULL;
	struct kho_test_entry *e;
	phys_addr_t fdt_phys;
	bool match, range_ok, pass = false;
	char note[96];
	int err;

	err = kho_retrieve_subtree(KHO_TEST_NAME, &fdt_phys);
	if (err == -ENOENT) {
		pr_info("# test_kho: no test data handed over\n");
		return 0;
	}

	pr_info("KTAP version 1\n");
	pr_info("1..5\n");
	fdt_folio = err ? NULL : kho_restore_folio(fdt_phys);
	if (!fdt_folio ||
	    !kho_test_read_fdt(folio_address(fdt_folio), &list, &nr, &gen,
			       &range, &range_seed, &range_csum)) {
		kho_test_ktap(1, false, "retrieve", "bad test_kho sub-FDT");
		goto out;
	}
	snprintf(note, sizeof(note), "generation %llu, %llu folios", gen, nr);
	kho_test_ktap(1, true, "retrieve", note);
	kho_test.generation = gen;

	list_folio = kho_restore_folio(list);
	if (list_folio && folio_size(list_folio) >= nr * sizeof(*e))
		folios = kvcalloc(nr, sizeof(*folios), GFP_KERNEL);
	if (!folios) {
		kho_test_ktap(2, false, "restore", "cannot restore the list");
		goto out;
	}

	managed = totalram_pages();
	e = folio_address(list_folio);
	for (i = 0; i < nr; i++) {
		if (e[i].order >= KHO_TEST_ORDERS)
			continue;
		folios[i] = kho_restore_folio(e[i].phys);
		if (!folios[i] || folio_order(folios[i]) != e[i].order)
			continue;
		restored++;
		if (kho_test_verify(folio_address(folios[i]),
				    folio_size(folios[i]), e[i].seed,
				    &match) == e[i].csum && match) {
			good++;
			per_order[e[i].order]++;
			bytes += folio_size(folios[i]);
		}
	}
	/* Restoring counts the pages as managed memory again. */
	managed = totalram_pages() - managed;
	snprintf(note, sizeof(note), "%lu/%llu folios, %lu pages managed again",
		 restored, nr, managed);
	kho_test_ktap(2, restored == nr && nr, "restore", note);
	snprintf(note, sizeof(note), "%lu/%llu folios match, %llu MiB", good,
		 nr, bytes >> 20);
	kho_test_ktap(3, good == nr && nr, "contents", note);
	for (i = 0; i < KHO_TEST_ORDERS; i++)
		pr_info("# test_kho: order %lu: %lu folios, %lu KiB\n", i,
			per_order[i], per_order[i] << (i + PAGE_SHIFT - 10));

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
	kho_test_ktap(4, realloc == nr, "realloc", note);

	range_ok = kho_test_check_range(range, range_seed, range_csum);
	kho_test_ktap(5, range_ok, "range", "kho_restore_phys() of 21 pages");

	pass = nr && restored == nr && good == nr && realloc == nr && range_ok;
	pr_info("# test_kho: summary: generation %llu, %lu folios, %llu MiB restored, %lu checksums match, %s\n",
		gen, restored, bytes >> 20, good, pass ? "pass" : "FAIL");
out:
	kvfree(folios);
	if (list_folio)
		folio_put(list_folio);
	if (fdt_folio)
		folio_put(fdt_folio);
	return pass ? 0 : -EINVAL;
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
	err = err ?: fdt_setprop_u64(fdt, 0, "range",
				     page_to_phys(kho_test.range));
	err = err ?: fdt_setprop_u64(fdt, 0, "range-seed",
				     kho_test.range_seed);
	err = err ?: fdt_setprop_u64(fdt, 0, "range-csum",
				     kho_test.range_csum);
	if (err)
		return notifier_from_errno(-EINVAL);
	return notifier_from_errno(kho_add_subtree(data, KHO_TEST_NAME, fdt));
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

/* Preserve about @preserve_mb MiB, the same share for every order. */
static int __init kho_test_preserve(void)
{
	u64 share = div_u64((u64)preserve_mb << 20, KHO_TEST_ORDERS);
	unsigned long i, n, nr = 0;
	struct kho_test_entry *e;
	struct folio *folio;
	unsigned int order;
	int err;

	for (order = 0; order < KHO_TEST_ORDERS; order++)
		nr += max_t(u64, 1, share >> (order + PAGE_SHIFT));

	kho_test.fdt = kho_test_alloc_preserved(0);
	kho_test.list = kho_test_alloc_preserved(get_order(nr * sizeof(*e)));
	kho_test.range = alloc_pages(GFP_KERNEL, get_order(KHO_TEST_RANGE_PAGES *
							    PAGE_SIZE));
	if (!kho_test.fdt || !kho_test.list || !kho_test.range)
		return -ENOMEM;

	kho_test.range_seed = get_random_u64() | 1;
	kho_test.range_csum = kho_test_fill(page_address(kho_test.range),
					    KHO_TEST_RANGE_PAGES * PAGE_SIZE,
					    kho_test.range_seed);
	err = kho_preserve_phys(page_to_phys(kho_test.range),
				KHO_TEST_RANGE_PAGES * PAGE_SIZE);
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

	kho_test.nb.notifier_call = kho_test_notifier;
	return register_kho_notifier(&kho_test.nb);
}

static int __init kho_test_init(void)
{
	int failed, err;

	/* Check what came in, and go on preserving even if that failed. */
	failed = kho_test_check_previous();
	if (!preserve_mb)
		return failed;
	if (!kho_is_enabled()) {
		pr_warn("# test_kho: preserve_mb needs kho=on\n");
		return -EINVAL;
	}

	err = kho_test_preserve();
	if (err) {
		pr_err("# test_kho: cannot preserve test data: %d\n", err);
		return err;
	}
	pr_info("# test_kho: preserved %lu folios, %llu MiB, generation %u\n",
		kho_test.nr, kho_test.bytes >> 20, kho_test.generation + 1);
	return failed;
}
late_initcall(kho_test_init);

MODULE_DESCRIPTION("Test module for Kexec HandOver");
MODULE_LICENSE("GPL");
