/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reserve_mem handover: the regions memblock keeps where the previous
 * kernel had them, as both kernels read them.
 */
#ifndef _LINUX_KHO_ABI_MEMBLOCK_H
#define _LINUX_KHO_ABI_MEMBLOCK_H

/**
 * DOC: reserve_mem handover format
 *
 * Kexec handover keeps the regions of ``reserve_mem=`` where the previous
 * kernel had them, for pstore, ftrace and the like to find what it wrote.
 * The first kernel preserves each region and lists them all in a KHO
 * sub-FDT named RESERVE_MEM_KHO_NAME::
 *
 *   memblock { compatible = "memblock-v1";
 *     <name> { compatible = "reserve-mem-v1"; start = <u64>; size = <u64>; };
 *   };
 *
 * with one sub-node per region, named as on the command line, and
 * ``start`` and ``size`` in the CPU's byte order.  The next kernel, asked
 * for a region of the same name, size and alignment, takes the same range
 * if it was preserved whole; otherwise it allocates afresh, with a
 * warning.  A change to the nodes or properties, or to what they mean,
 * must change RESERVE_MEM_KHO_COMPATIBLE.
 */
#define RESERVE_MEM_KHO_NAME		"memblock"
#define RESERVE_MEM_KHO_COMPATIBLE	"memblock-v1"
#define RESERVE_MEM_KHO_REGION		"reserve-mem-v1"
#define RESERVE_MEM_KHO_START		"start"
#define RESERVE_MEM_KHO_SIZE		"size"

#endif /* _LINUX_KHO_ABI_MEMBLOCK_H */
