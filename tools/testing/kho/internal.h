/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm/memblock.c's "internal.h" on the host.  As tools/testing/memblock's,
 * except that accept_memory(), which memblock calls on every range it
 * hands out, tells the host which part of the window a case wrote.
 */
#ifndef _MM_INTERNAL_H
#define _MM_INTERNAL_H

#define pr_warn_ratelimited(fmt, ...)	printf(fmt, ##__VA_ARGS__)

bool mirrored_kernelcore;

struct page {};

void memblock_free_pages(struct page *page, unsigned long pfn,
			 unsigned int order)
{
}

void host_alloc_made(u64 addr, u64 size);

static inline void accept_memory(phys_addr_t start, unsigned long size)
{
	host_alloc_made(start, size);
}

#endif
