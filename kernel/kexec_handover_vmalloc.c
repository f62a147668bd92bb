// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): vmalloc areas across kexec.
 *
 * This file owns preserving a vmalloc() area and mapping it again in the
 * next kernel.  The area's pages are preserved in the blocks vmalloc()
 * allocated them in, and listed in chunks of preserved pages that a
 * &struct kho_vmalloc, small enough for a client's sub-FDT, points to.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kexec_handover_internal.h"

/* The order of the blocks @vm's pages were allocated in. */
static unsigned int kho_vmalloc_order(const struct vm_struct *vm)
{
#ifdef CONFIG_HAVE_ARCH_HUGE_VMALLOC
	return vm->page_order;
#else
	return 0;
#endif
}

/*
 * Forget the blocks listed from @chunk on and free the chunks; the first
 * @nr_blocks blocks only, all if it is ULONG_MAX.
 */
static void kho_vmalloc_forget(struct kho_vmalloc_chunk *chunk,
			       unsigned int order, unsigned long nr_blocks)
{
	struct kho_vmalloc_chunk *next;
	unsigned long i, pfn;

	for (; chunk; chunk = next) {
		for (i = 0; i < chunk->nr && nr_blocks; i++, nr_blocks--) {
			pfn = PHYS_PFN(kho_ptr_phys(&chunk->block[i]));
			kho_unpreserve_pages(pfn_to_page(pfn), 1UL << order);
		}
		next = kho_ptr_get(&chunk->next);
		kho_unpreserve_free(chunk);
	}
}

/**
 * kho_preserve_vmalloc() - Preserve a vmalloc area across the next kexec.
 * @ptr: the area, as vmalloc() and friends returned it.
 * @preservation: filled with what the next kernel needs to map the area
 *	again with kho_restore_vmalloc(): hand it over in a sub-FDT.
 *
 * The area's pages are preserved in the blocks they were allocated in,
 * and listed in preserved memory.  The area stays the caller's: changes to
 * it before the kexec are handed over.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success, -EINVAL if @ptr is not the start of a VM_ALLOC
 * area, -ENOMEM, or what preserving its pages returned.  On error nothing
 * stays preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_chunk *chunk = NULL, *prev = NULL, *first = NULL;
	struct vm_struct *vm = find_vm_area(ptr);
	unsigned long i, done = 0;
	unsigned int order;
	int err = 0;

	if (!vm || vm->addr != ptr || !(vm->flags & VM_ALLOC) ||
	    !vm->nr_pages || !vm->pages)
		return -EINVAL;
	order = kho_vmalloc_order(vm);
	if (!IS_ALIGNED(vm->nr_pages, 1U << order))
		return -EINVAL;

	for (i = 0; i < vm->nr_pages; i += 1UL << order) {
		if (!chunk || chunk->nr == KHO_VMALLOC_CHUNK_BLOCKS) {
			chunk = kho_alloc_preserve(PAGE_SIZE);
			if (IS_ERR(chunk)) {
				err = PTR_ERR(chunk);
				break;
			}
			if (prev)
				kho_ptr_set(&prev->next, chunk);
			else
				first = chunk;
			prev = chunk;
		}
		err = kho_preserve_pages(vm->pages[i], 1UL << order);
		if (err)
			break;
		kho_ptr_set_phys(&chunk->block[chunk->nr],
				 page_to_phys(vm->pages[i]));
		chunk->nr++;
		done++;
	}
	if (err) {
		kho_vmalloc_forget(first, order, done);
		return err;
	}

	kho_ptr_set(&preservation->first, first);
	preservation->nr_pages = vm->nr_pages;
	preservation->order = order;
	preservation->flags = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/**
 * kho_unpreserve_vmalloc() - Undo kho_preserve_vmalloc().
 * @preservation: what kho_preserve_vmalloc() filled; cleared.
 *
 * Context: Process context, before the handover is finalized.
 */
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	kho_vmalloc_forget(kho_ptr_get(&preservation->first),
			   preservation->order, ULONG_MAX);
	memset(preservation, 0, sizeof(*preservation));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

/**
 * kho_restore_vmalloc() - Map a vmalloc area the previous kernel preserved.
 * @preservation: what kho_preserve_vmalloc() filled there.
 *
 * The area comes back at a new address, with its size, its contents and
 * the order of its blocks, mapped as vmalloc() maps blocks of that order:
 * free it with vfree().  The list of its blocks is freed.
 *
 * Context: Process context, from core initcalls on.
 * Return: the area, or NULL if @preservation does not describe preserved
 * memory of this handover, entirely, or memory is short.  A failure is
 * final: what was taken back before it is freed.
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	unsigned int order = preservation->order, nr = preservation->nr_pages;
	unsigned long blocks, i, j, n = 0, listed;
	struct kho_vmalloc_chunk *chunk;
	struct page **pages, *page;
	struct folio *folio;
	u64 phys, next;
	void *addr;

	/* A crafted count must not size the page array: the blocks bound it. */
	if (!nr || nr > kho_in_preserved_pages() ||
	    nr > INT_MAX / sizeof(*pages) || order > MAX_PAGE_ORDER ||
	    !IS_ALIGNED(nr, 1U << order) || preservation->flags)
		return NULL;
	blocks = nr >> order;
	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	for (phys = kho_ptr_phys(&preservation->first); phys; phys = next) {
		folio = kho_restore_folio(phys);
		if (!folio)
			goto out_free;
		chunk = folio_address(folio);
		next = kho_ptr_phys(&chunk->next);
		listed = chunk->nr;
		if (listed > KHO_VMALLOC_CHUNK_BLOCKS || listed > blocks - n) {
			folio_put(folio);
			goto out_free;
		}
		for (i = 0; i < listed; i++, n++) {
			page = kho_restore_pages(kho_ptr_phys(&chunk->block[i]),
						 1UL << order);
			if (!page)
				break;
			for (j = 0; j < (1UL << order); j++)
				pages[(n << order) + j] = page + j;
		}
		folio_put(folio);
		if (i < listed)
			goto out_free;
	}
	if (n != blocks)
		goto out_free;

	addr = vmap_pages_order(pages, nr, order);
	if (addr)
		return addr;
out_free:
	/* What was taken back so far is this kernel's memory now: free it. */
	for (i = 0; i < (n << order); i++)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);
