/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): keep memory intact across kexec.
 *
 * A kernel booted with kho=on lets its subsystems preserve folios.  The
 * next kernel, started with kexec_file_load(), keeps those folios out of
 * its page allocator and hands them back through kho_restore_folio().
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/errno.h>
#include <linux/types.h>

struct folio;

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
int __must_check kho_preserve_folio(struct folio *folio);
int __must_check kho_preserve_phys(phys_addr_t phys, size_t size);

#else /* !CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void)
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

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
