/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): keep memory intact across kexec.
 *
 * A kernel booted with kho=on lets its subsystems preserve folios.  When
 * the handover is finalized, subsystems describe what they preserved in
 * sub-FDTs of the KHO FDT.  The next kernel, started with
 * kexec_file_load(), keeps the preserved memory out of its page allocator,
 * finds each subsystem's sub-FDT with kho_retrieve_subtree() and takes its
 * folios back with kho_restore_folio().
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/types.h>

struct folio;
struct notifier_block;
struct page;
struct pglist_data;

/**
 * enum kho_event - Events of the KHO notifier chain.
 * @KEXEC_KHO_FINALIZE: the handover is being finalized: add sub-FDTs with
 *	kho_add_subtree() and stop changing preserved memory.
 * @KEXEC_KHO_ABORT: the handover was aborted: preservation resumes, and
 *	sub-FDTs added at finalize are forgotten.
 */
enum kho_event {
	KEXEC_KHO_FINALIZE = 0,
	KEXEC_KHO_ABORT = 1,
};

struct kho_serialization;

/**
 * kho_ptr_set() - Store a link to the object at @virt, or the null link.
 * @link: the DEFINE_KHO_PTR() field.
 * @virt: a direct-map address of the type @link was declared with, or NULL.
 */
#define kho_ptr_set(link, virt)						\
	do {								\
		typeof((link)->__kho_type) __kho_virt = (virt);		\
									\
		(link)->phys = __kho_virt ? virt_to_phys(__kho_virt) : 0; \
	} while (0)

/**
 * kho_ptr_get() - Follow a link this kernel stored.
 * @link: the DEFINE_KHO_PTR() field.
 *
 * Return: a pointer of the type @link was declared with, or NULL.  Not for
 * links from another kernel: restore what they name first.
 */
#define kho_ptr_get(link)						\
	({								\
		typeof(link) __kho_link = (link);			\
									\
		(typeof(__kho_link->__kho_type))(__kho_link->phys ?	\
			phys_to_virt(__kho_link->phys) : NULL);		\
	})

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
bool is_kho_boot(void);
int __must_check kho_preserve_folio(struct folio *folio);
int __must_check kho_preserve_phys(phys_addr_t phys, size_t size);
int __must_check kho_preserve_pages(struct page *page,
				    unsigned long nr_pages);
int __must_check kho_preserve_vmalloc(void *ptr,
				      struct kho_vmalloc *preservation);
void kho_unpreserve_folio(struct folio *folio);
void kho_unpreserve_pages(struct page *page, unsigned long nr_pages);
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation);
void *kho_alloc_preserve(size_t size);
void kho_unpreserve_free(void *mem);
int register_kho_notifier(struct notifier_block *nb);
int unregister_kho_notifier(struct notifier_block *nb);
int __must_check kho_add_subtree(struct kho_serialization *ser,
				 const char *name, void *fdt);

int __must_check kho_retrieve_subtree(const char *name, phys_addr_t *phys);
struct folio *kho_restore_folio(phys_addr_t phys);
unsigned int kho_restore_folios(const phys_addr_t *phys, unsigned int nr,
				struct folio **folios);
int __must_check kho_restore_phys(phys_addr_t phys, size_t size);
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages);
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation);
void kho_restore_free(void *mem);

/* ----------------------------------------------------------------------- */

/* Private: for early boot code of architectures and mm only. */
void __init kho_populate(phys_addr_t fdt, u64 fdt_size, phys_addr_t scratch,
			 u64 scratch_size);
void __init kho_populate_bad(const char *why);
void __init kho_memblock_init(phys_addr_t low_scratch);
void __init kho_reserve_preserved(void);
void __init kho_reserve_scratch(void);
phys_addr_t __init kho_arch_scratch_early(phys_addr_t ram);
void __init kho_memory_init(void);
void __init kho_init_deferred_block(unsigned long pfn);
void __init kho_init_deferred_pages(struct pglist_data *pgdat);
bool __init kho_is_preserved(phys_addr_t phys, u64 size);
bool __init kho_is_handed_over(phys_addr_t phys, u64 size);
bool __init kho_keep_range(phys_addr_t phys, u64 size);

#else /* !CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void)
{
	return false;
}

static inline bool is_kho_boot(void)
{
	return false;
}

static inline int __must_check kho_preserve_folio(struct folio *folio)
{
	return -EOPNOTSUPP;
}

static inline int __must_check kho_preserve_phys(phys_addr_t phys,
						 size_t size)
{
	return -EOPNOTSUPP;
}

static inline int __must_check kho_preserve_pages(struct page *page,
						  unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int __must_check
kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_folio(struct folio *folio)
{
}

static inline void kho_unpreserve_pages(struct page *page,
					unsigned long nr_pages)
{
}

static inline void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
}

static inline void *kho_alloc_preserve(size_t size)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void kho_unpreserve_free(void *mem)
{
}

static inline int register_kho_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline int unregister_kho_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

static inline int __must_check kho_add_subtree(struct kho_serialization *ser,
					       const char *name, void *fdt)
{
	return -EOPNOTSUPP;
}

static inline int __must_check kho_retrieve_subtree(const char *name,
						    phys_addr_t *phys)
{
	return -EOPNOTSUPP;
}

static inline struct folio *kho_restore_folio(phys_addr_t phys)
{
	return NULL;
}

static inline unsigned int kho_restore_folios(const phys_addr_t *phys,
					      unsigned int nr,
					      struct folio **folios)
{
	return 0;
}

static inline int __must_check kho_restore_phys(phys_addr_t phys, size_t size)
{
	return -EOPNOTSUPP;
}

static inline struct page *kho_restore_pages(phys_addr_t phys,
					     unsigned long nr_pages)
{
	return NULL;
}

static inline void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	return NULL;
}

static inline void kho_restore_free(void *mem)
{
}

static inline void kho_populate(phys_addr_t fdt, u64 fdt_size,
				phys_addr_t scratch, u64 scratch_size)
{
}

static inline void kho_populate_bad(const char *why)
{
}

static inline void kho_memblock_init(phys_addr_t low_scratch)
{
}

static inline void kho_reserve_preserved(void)
{
}

static inline void kho_reserve_scratch(void)
{
}

static inline void kho_memory_init(void)
{
}

static inline void kho_init_deferred_block(unsigned long pfn)
{
}

static inline void kho_init_deferred_pages(struct pglist_data *pgdat)
{
}

static inline bool kho_is_preserved(phys_addr_t phys, u64 size)
{
	return false;
}

static inline bool kho_is_handed_over(phys_addr_t phys, u64 size)
{
	return false;
}

static inline bool kho_keep_range(phys_addr_t phys, u64 size)
{
	return false;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
