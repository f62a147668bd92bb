// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the outgoing side.
 *
 * This file owns what a running kernel does to hand memory over: the kho=
 * boot parameter, the preservation API, the KHO FDT and its clients'
 * notifiers, finalize and abort, and the hook kexec_file_load() calls to
 * attach the handover.  The scratch areas are kexec_handover_scratch.c's.
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
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../mm/internal.h"
#include "kexec_handover_internal.h"
#include "kexec_internal.h"

#define KHO_FDT_SIZE		SZ_16K

bool kho_enable __ro_after_init;
struct kho_tracker kho_out_tracker;
static bool kho_out_ready __ro_after_init;

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

/* The pfn after the end of the node that holds @pfn. */
static unsigned long kho_node_end(unsigned long pfn)
{
	return pgdat_end_pfn(NODE_DATA(pfn_to_nid(pfn)));
}

/*
 * Preserve, or forget, @nr pages from @pfn as blocks that do not cross a
 * node: the same split both ways.  Stops at the first error.
 */
static int kho_out_pages(unsigned long pfn, unsigned long nr, bool preserve,
			 unsigned long *done)
{
	unsigned long end = pfn + nr, seg;
	int err = 0;

	for (*done = pfn; !err && *done < end; *done = seg) {
		seg = min(end, kho_node_end(*done));
		err = preserve ?
		      kho_tracker_preserve_range(&kho_out_tracker, *done,
						 seg - *done) :
		      kho_tracker_unpreserve_range(&kho_out_tracker, *done,
						   seg - *done);
		if (err)
			return err;
	}
	return 0;
}

/**
 * kho_preserve_pages() - Preserve a range of pages across the next kexec.
 * @page: the first page.
 * @nr_pages: how many, any number.
 *
 * The pages are recorded as naturally aligned blocks, the largest that
 * fit without crossing a NUMA node.  kho_restore_pages() with the same
 * range gives them back.  Either the whole range is preserved or, on
 * error, nothing this call added.
 *
 * Context: Process context; may sleep to allocate tracker pages.
 * Return: 0 on success, or as kho_preserve_phys().
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long pfn = page_to_pfn(page), done, undone;
	int err;

	might_sleep();
	if (!kho_out_ready)
		return -EOPNOTSUPP;
	if (!nr_pages || pfn + nr_pages < pfn || is_zone_device_page(page) ||
	    !kho_out_may_preserve(PFN_PHYS(pfn),
				  (u64)nr_pages << PAGE_SHIFT))
		return -EINVAL;
	err = kho_out_pages(pfn, nr_pages, true, &done);
	if (err && done > pfn)
		kho_out_pages(pfn, done - pfn, false, &undone);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages() - Undo kho_preserve_pages().
 * @page: the first page, as passed to kho_preserve_pages().
 * @nr_pages: how many, as passed to kho_preserve_pages().
 *
 * Context: Process context, before the handover is finalized.
 */
void kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long done;

	if (kho_out_ready && nr_pages)
		WARN_ON_ONCE(kho_out_pages(page_to_pfn(page), nr_pages, false,
					   &done));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/**
 * kho_unpreserve_folio() - Undo kho_preserve_folio().
 * @folio: the folio.
 *
 * Context: Process context, before the handover is finalized.
 */
void kho_unpreserve_folio(struct folio *folio)
{
	if (kho_out_ready)
		WARN_ON_ONCE(kho_tracker_unpreserve(&kho_out_tracker,
						    folio_pfn(folio),
						    folio_order(folio)));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/**
 * kho_alloc_preserve() - Allocate memory preserved across the next kexec.
 * @size: how many bytes.
 *
 * The memory is zeroed, physically contiguous and rounded up to a power
 * of two pages.  The next kernel frees it with kho_restore_free() once done
 * with it; this kernel with kho_unpreserve_free().
 *
 * Context: Process context.
 * Return: the memory, or ERR_PTR(): -EINVAL for a size of 0, -ENOMEM, or
 * what kho_preserve_folio() returned.
 */
void *kho_alloc_preserve(size_t size)
{
	struct folio *folio;
	int err;

	if (!size)
		return ERR_PTR(-EINVAL);
	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio_address(folio);
}
EXPORT_SYMBOL_GPL(kho_alloc_preserve);

/**
 * kho_unpreserve_free() - Undo kho_alloc_preserve().
 * @mem: what kho_alloc_preserve() returned, or NULL.
 *
 * Context: Process context, before the handover is finalized.
 */
void kho_unpreserve_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = virt_to_folio(mem);
	kho_unpreserve_folio(folio);
	folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_free);

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
	bool discard;
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
	/* Twice the runs: the second half is kho_runs_sort()'s buffer. */
	c.runs = kvmalloc_array(c.nr, 2 * sizeof(*c.runs), GFP_KERNEL);
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

	kho_runs_sort(c.runs, c.nr, c.runs + c.nr);
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
	ktime_t start = ktime_get();
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
	/* The time is part of a live update's blackout when kexec runs it. */
	pr_info("handover finalized in %lld us: FDT at %#llx, %zu bytes\n",
		ktime_us_delta(ktime_get(), start),
		(u64)folio_pfn(kho_out.fdt) << PAGE_SHIFT,
		(size_t)fdt_totalsize(fdt));
	return 0;

out_abort:
	blocking_notifier_call_chain(&kho_out.chain, KEXEC_KHO_ABORT, ser);
	kho_debugfs_out_clear();
	ser->fdt = NULL;
out_fail:
	pr_warn("cannot finalize the handover: %pe\n", ERR_PTR(err));
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

/* Let a kexec without a handover drop what is preserved; for debugfs. */
void kho_out_set_discard(bool discard)
{
	WRITE_ONCE(kho_out.discard, discard);
}

bool kho_out_discard(void)
{
	return READ_ONCE(kho_out.discard);
}

/* Sessions live update would hand over; live update, if built, says. */
unsigned long __weak liveupdate_nr_sessions(void)
{
	return 0;
}

static int kho_count_pages(void *arg, phys_addr_t phys, unsigned int order,
			   unsigned long nr)
{
	unsigned long *pages = arg;

	*pages += nr << order;
	return 0;
}

/*
 * An image loaded without a handover (kexec_load(), kexec -l without -s)
 * would drop every preserved block and live update session without a
 * word: refuse it while there are any, unless the operator said to go on
 * without them.  KHO's own FDT and scratch list do not count.
 */
static int kho_check_no_handover(void)
{
	static const struct kho_walk_ops ops = { .run = kho_count_pages };
	unsigned long sessions = liveupdate_nr_sessions();
	unsigned long pages = 0;
	int err;

	if (READ_ONCE(kho_out.discard))
		return 0;
	mutex_lock(&kho_out.lock);
	err = kho_out.finalized ? -EBUSY :
	      kho_tracker_walk(&kho_out_tracker, &ops, &pages);
	if (!err) {
		if (kho_out.fdt)
			pages -= folio_nr_pages(kho_out.fdt);
		if (kho_out.scratch)
			pages -= folio_nr_pages(kho_out.scratch);
	}
	mutex_unlock(&kho_out.lock);
	if (err)
		pr_err("kexec image carries no handover, but the handover is finalized\n");
	else if (pages || sessions)
		pr_err("kexec image carries no handover: %lu preserved pages and %lu live update session(s) would be lost\n",
		       pages, sessions);
	else
		return 0;
	pr_err("load the kernel with kexec -s (kexec_file_load), or write 1 to kho/out/discard in debugfs to drop them\n");
	return -EBUSY;
}

/**
 * kho_kexec_finalize() - Complete the handover as a kexec image runs.
 * @image: the image about to run.
 *
 * Finalizes the handover if nothing did yet.  A failure, of a client or of
 * the checks, fails the kexec reboot with the running system untouched.
 * Only kexec_file_load() attaches a handover.  An image loaded otherwise
 * is refused while anything is preserved, unless debugfs' out/discard
 * says to drop it; a kexec jump image, which returns, leaves KHO and its
 * clients untouched, so nothing stays finalized when it comes back.
 *
 * Context: kernel_kexec(), with the kexec lock held, before devices are
 * shut down.
 * Return: 0 on success, -EBUSY if @image carries no handover while
 * something would be lost, or what finalizing returned.
 */
int kho_kexec_finalize(struct kimage *image)
{
	int err = 0;

	if (!kho_out_ready)
		return 0;
	if (!image->kho.fdt)
		return image->preserve_context ? 0 : kho_check_no_handover();
	mutex_lock(&kho_out.lock);
	if (!kho_out.finalized)
		err = kho_finalize();
	mutex_unlock(&kho_out.lock);
	return err;
}

static int __init kho_init(void)
{
	int err;

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
		pr_err("cannot set up the preservation tracker: %pe\n", ERR_PTR(err));
		kho_enable = false;
		return err;
	}
	kho_out_ready = true;
	return 0;
}
early_initcall(kho_init);
