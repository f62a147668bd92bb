// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the outgoing side.
 *
 * This file owns what a running kernel does to hand memory over: the kho=
 * and kho_scratch= boot parameters, the scratch areas, the preservation
 * API, the KHO FDT and its clients' notifiers, finalize and abort, and the
 * hooks kexec_file_load() calls to place segments and attach the handover.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitfield.h>
#include <linux/cma.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kmemleak.h>
#include <linux/kstrtox.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "../mm/internal.h"
#include "kexec_handover_internal.h"
#include "kexec_internal.h"

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

#define KHO_FDT_SIZE		SZ_16K

bool kho_enable __ro_after_init;
struct kho_tracker kho_out_tracker;
static bool kho_out_ready __ro_after_init;
/* Memory from 0 that the next kernel counts as scratch: never preserved. */
phys_addr_t kho_low_scratch __ro_after_init;

struct kho_scratch kho_scratch[KHO_SCRATCH_MAX] __ro_after_init;
unsigned int kho_scratch_cnt __ro_after_init;

static phys_addr_t kho_scratch_size[KHO_SCRATCH_KINDS] __initdata = {
	[KHO_SCRATCH_LOWMEM] = SZ_16M,
	[KHO_SCRATCH_GLOBAL] = SZ_256M,
	[KHO_SCRATCH_PERNODE] = SZ_32M,
};

static unsigned int kho_scratch_percent __initdata;
/* This kernel reserved its scratch areas, rather than inheriting them. */
static bool kho_scratch_reserved __initdata;

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

/**
 * kho_is_enabled() - Whether this kernel was booted with KHO enabled.
 *
 * Context: Any context.
 * Return: true if ``kho=on`` was given and KHO could be set up.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/*
 * Parse a kho_scratch= value: "N%" sets *@percent, three sizes
 * "<lowmem>,<global>,<pernode>" set @sizes and clear *@percent.  Nothing
 * is changed on error.
 */
int kho_scratch_parse(const char *p, phys_addr_t *sizes,
		      unsigned int *percent)
{
	phys_addr_t size[KHO_SCRATCH_KINDS];
	size_t len = p ? strlen(p) : 0;
	char num[8];
	char *end;
	unsigned int pct;
	int i;

	if (!len)
		return -EINVAL;

	if (p[len - 1] == '%') {
		if (len - 1 >= sizeof(num))
			return -EINVAL;
		memcpy(num, p, len - 1);
		num[len - 1] = '\0';
		if (kstrtouint(num, 10, &pct) || !pct || pct > 100)
			return -EINVAL;
		*percent = pct;
		return 0;
	}

	for (i = 0; i < KHO_SCRATCH_KINDS; i++) {
		size[i] = memparse(p, &end);
		if (end == p || *end != (i < KHO_SCRATCH_KINDS - 1 ? ',' : '\0'))
			return -EINVAL;
		p = end + 1;
	}
	memcpy(sizes, size, sizeof(size));
	*percent = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kho_scratch_parse);

static int __init kho_parse_scratch(char *p)
{
	if (!kho_scratch_parse(p, kho_scratch_size, &kho_scratch_percent))
		return 0;
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
	struct kho_scratch *area = NULL;
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

	for_each_kho_scratch(area)
		total += area->size;
	/* The next kernel would refuse more, and be left little else. */
	if (!err && total > memblock_phys_mem_size() / 2) {
		pr_err("kho_scratch= asks for %llu MiB, more than half of RAM\n",
		       (u64)total >> 20);
		err = -E2BIG;
	}
	if (err || !kho_scratch_cnt) {
		pr_err("cannot reserve scratch areas: KHO disabled\n");
		for_each_kho_scratch(area)
			memblock_phys_free(area->addr, area->size);
		kho_scratch_cnt = 0;
		kho_enable = false;
		return;
	}

	for_each_kho_scratch(area)
		pr_debug("scratch area %td: %#llx+%#llx\n", area - kho_scratch,
			 area->addr, area->size);
	kho_scratch_reserved = true;
	pr_info("reserved %u scratch areas, %llu MiB in all\n",
		kho_scratch_cnt, (u64)total >> 20);
}

/* The first kernel's scratch areas serve movable allocations only. */
static void __init kho_release_scratch(void)
{
	struct kho_scratch *area = NULL;
	unsigned long pfn, end;

	for_each_kho_scratch(area) {
		/* Free memory now: kmemleak must not scan it as an object. */
		kmemleak_free_part_phys(area->addr, area->size);
		pfn = PHYS_PFN(area->addr);
		end = PHYS_PFN(area->addr + area->size);
		for (; pfn < end; pfn += pageblock_nr_pages)
			init_cma_reserved_pageblock(pfn_to_page(pfn));
		totalcma_pages += end - PHYS_PFN(area->addr);
	}
}

/* Whether [@phys, @phys + @size) meets a scratch area. */
bool kho_scratch_overlaps(phys_addr_t phys, u64 size)
{
	struct kho_scratch *area = NULL;

	for_each_kho_scratch(area) {
		if (phys < area->addr + area->size && area->addr < phys + size)
			return true;
	}
	return false;
}

/*
 * Whether [@phys, @phys + @size) may be preserved at all: the next kernel
 * would refuse the whole handover for memory in scratch, in its low
 * scratch or beyond the format's reach.
 */
static bool kho_out_may_preserve(phys_addr_t phys, u64 size)
{
	return phys >= kho_low_scratch && phys + size > phys &&
	       phys + size <= KHO_PFN_LIMIT << PAGE_SHIFT &&
	       !kho_scratch_overlaps(phys, size);
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
 * tracker page could not be allocated, -EINVAL if the folio is device
 * memory, lies in a scratch area or below the next kernel's low scratch,
 * or beyond what the handover format can describe.
 */
int kho_preserve_folio(struct folio *folio)
{
	might_sleep();
	if (!kho_out_ready)
		return -EOPNOTSUPP;
	if (folio_is_zone_device(folio) ||
	    !kho_out_may_preserve(PFN_PHYS(folio_pfn(folio)),
				  folio_size(folio)))
		return -EINVAL;
	return kho_tracker_preserve(&kho_out_tracker, folio_pfn(folio),
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
 * @phys or @size is not page aligned, @size is 0, or the range is not all
 * system RAM, meets a scratch area, lies below the next kernel's low
 * scratch or beyond what the handover format can describe, -EBUSY if part
 * of the range is already preserved or preservation is finalized, -ENOMEM
 * if a tracker page could not be allocated.
 */
int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	might_sleep();
	if (!kho_out_ready)
		return -EOPNOTSUPP;
	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    !kho_out_may_preserve(phys, size) ||
	    region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
		return -EINVAL;
	return kho_tracker_preserve_range(&kho_out_tracker, PHYS_PFN(phys),
					  size >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kho_preserve_phys);

/**
 * struct kho_serialization - What KHO clients add to while finalizing.
 * @fdt: the KHO FDT being built.
 */
struct kho_serialization {
	void *fdt;
};

static struct {
	struct mutex lock;		/* finalize, abort, kexec load */
	bool finalized;
	struct kho_serialization ser;
	struct folio *fdt;
	struct folio *scratch;
	struct blocking_notifier_head chain;
} kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
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
 * full.
 */
int kho_add_subtree(struct kho_serialization *ser, const char *name,
		    void *fdt)
{
	int off, err;

	if (!ser || !name || !fdt || fdt_check_header(fdt))
		return -EINVAL;

	off = fdt_add_subnode(ser->fdt, 0, name);
	if (off < 0)
		return kho_fdt_errno(off);
	err = kho_fdt_errno(fdt_setprop_u64(ser->fdt, off, KHO_FDT_SUB_PROP,
					    virt_to_phys(fdt)));
	if (err) {
		fdt_del_node(ser->fdt, off);
		return err;
	}
	kho_debugfs_out_sub_fdt(name, fdt);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

static struct folio *kho_alloc_preserved(size_t size)
{
	struct folio *folio;
	int err;

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_tracker_preserve(&kho_out_tracker, folio_pfn(folio),
				   folio_order(folio));
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio;
}

/*
 * The memory the next kernel is pointed at, the KHO FDT and the scratch
 * list, is allocated once, at the first kexec load or finalize, and kept:
 * a loaded image holds its address whatever finalize and abort do.
 */
static int kho_out_attach(void)
{
	struct folio *folio;

	lockdep_assert_held(&kho_out.lock);
	if (!kho_out.fdt) {
		folio = kho_alloc_preserved(KHO_FDT_SIZE);
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		kho_out.fdt = folio;
	}
	if (!kho_out.scratch) {
		folio = kho_alloc_preserved(kho_scratch_cnt *
					    sizeof(*kho_scratch));
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		memcpy(folio_address(folio), kho_scratch,
		       kho_scratch_cnt * sizeof(*kho_scratch));
		kho_out.scratch = folio;
	}
	return 0;
}

static int kho_out_count_run(void *arg, phys_addr_t phys, unsigned int order,
			     unsigned long nr)
{
	return kho_runs_add(arg, phys, order, nr);
}

static const void *kho_out_map(void *arg, phys_addr_t phys)
{
	return phys_to_virt(phys);
}

static const struct kho_walk_ops kho_out_walk_ops = {
	.run = kho_out_count_run,
	.map = kho_out_map,
};

/*
 * The next kernel refuses a handover whose blocks overlap, which blocks of
 * two orders can; the tracker cannot see that cheaply when they are
 * preserved.  Check the serialized tables, as the next kernel will read
 * them, and name the first overlap.
 */
static int kho_out_check_overlaps(phys_addr_t root)
{
	struct kho_runs c = { };
	struct kho_walk w = { .ops = &kho_out_walk_ops, .arg = &c };
	phys_addr_t end = 0, block;
	unsigned long i, last = 0;
	int err;

	err = kho_walk_serialized(&w, root);
	kho_runs_flush(&c);
	if (err || !c.nr)
		return err;
	c.runs = kvmalloc_array(c.nr, sizeof(*c.runs), GFP_KERNEL);
	if (!c.runs)
		return -ENOMEM;
	c.max = c.nr;
	c.nr = 0;
	err = kho_walk_serialized(&w, root);
	kho_runs_flush(&c);
	if (!err && c.nr != c.max)
		err = -EAGAIN;
	if (err)
		goto out_free;

	kho_runs_sort(c.runs, c.nr);
	for (i = 0; i < c.nr; i++) {
		if (c.runs[i].base < end) {
			block = c.runs[last].base +
				round_down(c.runs[i].base - c.runs[last].base,
					   PAGE_SIZE << c.runs[last].order);
			pr_err("preserved blocks overlap: order %u at %pa and order %u at %pa\n",
			       c.runs[last].order, &block, c.runs[i].order,
			       &c.runs[i].base);
			err = -EINVAL;
			break;
		}
		if (kho_run_end(&c.runs[i]) > end) {
			end = kho_run_end(&c.runs[i]);
			last = i;
		}
	}
out_free:
	kvfree(c.runs);
	return err;
}

/*
 * Build the KHO FDT with the clients' sub-FDTs, serialize the tracker and
 * check it.  On failure every client has been told to abort and
 * preservation resumes.
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

	err = kho_out_attach();
	if (err)
		goto out_fail;

	fdt = folio_address(kho_out.fdt);
	err = fdt_create_empty_tree(fdt, KHO_FDT_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible",
					KHO_FDT_COMPATIBLE);
	/* Room for the root now; its value is known after serialize. */
	err = err ?: fdt_setprop_u64(fdt, 0, KHO_FDT_ROOT_PROP, 0);
	err = kho_fdt_errno(err);
	if (err)
		goto out_fail;

	ser->fdt = fdt;
	err = blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_FINALIZE,
					   ser);
	err = notifier_to_errno(err);
	if (err)
		goto out_abort;

	err = kho_tracker_serialize(&kho_out_tracker, &root);
	if (err)
		goto out_abort;
	err = kho_out_check_overlaps(root);
	if (err) {
		WARN_ON_ONCE(kho_tracker_abort(&kho_out_tracker));
		goto out_abort;
	}
	fdt_setprop_inplace_u64(fdt, 0, KHO_FDT_ROOT_PROP, root);
	fdt_pack(fdt);

	kho_debugfs_out_fdt(fdt);
	kho_out.finalized = true;
	pr_info("handover finalized: FDT at %#llx, %zu bytes\n",
		(u64)folio_pfn(kho_out.fdt) << PAGE_SHIFT,
		(size_t)fdt_totalsize(fdt));
	return 0;

out_abort:
	blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_ABORT, ser);
	kho_debugfs_out_clear();
	ser->fdt = NULL;
out_fail:
	pr_warn("cannot finalize the handover: %d\n", err);
	return err;
}

static int kho_abort(void)
{
	int err;

	lockdep_assert_held(&kho_out.lock);
	if (!kho_out.finalized)
		return -EINVAL;

	err = kho_tracker_abort(&kho_out_tracker);
	if (WARN_ON_ONCE(err))
		return err;

	kho_debugfs_out_clear();
	blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_ABORT,
				     &kho_out.ser);
	kho_out.ser.fdt = NULL;
	kho_out.finalized = false;
	pr_info("handover aborted\n");
	return 0;
}

/* Finalize the handover for debugfs; -EBUSY if it already is. */
int kho_out_finalize(void)
{
	int err;

	mutex_lock(&kho_out.lock);
	err = kho_finalize();
	mutex_unlock(&kho_out.lock);
	return err;
}

/* Abort a finalized handover for debugfs; -EINVAL if it is not. */
int kho_out_abort(void)
{
	int err;

	mutex_lock(&kho_out.lock);
	err = kho_abort();
	mutex_unlock(&kho_out.lock);
	return err;
}

bool kho_out_finalized(void)
{
	return READ_ONCE(kho_out.finalized);
}

/* The KHO FDT once finalized, or NULL; for the debug code. */
void *kho_out_fdt(void)
{
	return kho_out.finalized ? folio_address(kho_out.fdt) : NULL;
}

/**
 * kho_fill_kimage() - Attach the handover to a kexec image being loaded.
 * @image: the image.
 *
 * Points the image at the KHO FDT and the scratch list, which are
 * completed when the image is executed: what is preserved between load
 * and exec is handed over too.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 on success or if KHO is not enabled, -ENOMEM.
 */
int kho_fill_kimage(struct kimage *image)
{
	int err;

	if (!kho_out_ready || image->type == KEXEC_TYPE_CRASH)
		return 0;

	mutex_lock(&kho_out.lock);
	err = kho_out_attach();
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

/**
 * kho_kexec_finalize() - Complete the handover as a kexec image runs.
 * @image: the image about to run.
 *
 * Finalizes the handover if nothing did yet.  A failure, of a client or of
 * the checks, fails the kexec reboot with the running system untouched.
 *
 * Context: kernel_kexec(), with the kexec lock held, before devices are
 * shut down.
 * Return: 0 on success or if @image carries no handover, or what
 * finalizing returned.
 */
int kho_kexec_finalize(struct kimage *image)
{
	int err = 0;

	if (!kho_out_ready || !image->kho.fdt)
		return 0;
	mutex_lock(&kho_out.lock);
	if (!kho_out.finalized)
		err = kho_finalize();
	mutex_unlock(&kho_out.lock);
	return err;
}

/*
 * What the global scratch area would need to hold every segment loaded so
 * far and @kbuf, aligned, with room for the next kernel's early
 * allocations: the default global size above the segments.
 */
static u64 kho_scratch_need(const struct kexec_buf *kbuf)
{
	u64 need = ALIGN(kbuf->memsz, max(kbuf->buf_align, PAGE_SIZE));
	unsigned long i;

	for (i = 0; i < kbuf->image->nr_segments; i++)
		need += ALIGN(kbuf->image->segment[i].memsz, PAGE_SIZE);
	return round_up(need + SZ_256M, SZ_64M);
}

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
	pr_err("no room in scratch for a kexec segment of %lu KiB; boot this kernel with kho_scratch=<lowmem>,<global>,<pernode> whose <global> holds every segment (%llu MiB at least)\n",
	       kbuf->memsz >> 10, kho_scratch_need(kbuf) >> 20);
	return -EADDRNOTAVAIL;
}

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
	if (!kho_scratch_cnt) {
		pr_err("no scratch areas: KHO disabled\n");
		kho_enable = false;
		return -ENOMEM;
	}

	err = kho_tracker_init(&kho_out_tracker);
	if (err) {
		pr_err("cannot set up the preservation tracker: %d\n", err);
		kho_enable = false;
		return err;
	}
	if (kho_scratch_reserved)
		kho_release_scratch();
	kho_out_ready = true;
	return 0;
}
early_initcall(kho_init);
