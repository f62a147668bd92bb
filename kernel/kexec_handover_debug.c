// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): debug features, not for production kernels.
 *
 * This file owns what only CONFIG_KEXEC_HANDOVER_DEBUG builds: a debugfs
 * file that damages the outgoing handover the way a buggy or hostile
 * kernel could, the kho_reserve= boot parameter that makes the next kernel
 * reserve each preserved block alone (the reference for benchmarks),
 * timing of the next kernel's handover steps, and kho_debug_grow=, which
 * has early boot take all of a node's memory, as a node whose memory is
 * mostly preserved makes early allocations do.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kstrtox.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/uaccess.h>

#include "kexec_handover_internal.h"

static bool kho_reserve_per_block __initdata;

static int __init kho_parse_reserve(char *p)
{
	if (p && !strcmp(p, "per-block"))
		kho_reserve_per_block = true;
	else if (p && !strcmp(p, "ranges"))
		kho_reserve_per_block = false;
	else
		return -EINVAL;
	return 0;
}
early_param("kho_reserve", kho_parse_reserve);

/*
 * The reference strategy: one memblock_reserve() per preserved block, in
 * address order.  Reserving the coalesced ranges afterwards changes
 * nothing but the flag that spares struct page initialization.
 */
bool __init kho_debug_reserve_per_block(const struct kho_run *runs,
					unsigned long nr)
{
	unsigned long i;
	u64 j, size;

	if (!kho_reserve_per_block)
		return false;
	for (i = 0; i < nr; i++) {
		size = PAGE_SIZE << runs[i].order;
		for (j = 0; j < runs[i].nr; j++)
			memblock_reserve(runs[i].base + j * size, size);
	}
	return true;
}

static int kho_grow_nid __initdata = NUMA_NO_NODE;

static int __init kho_parse_grow(char *p)
{
	return kstrtoint(p ?: "", 0, &kho_grow_nid);
}
early_param("kho_debug_grow", kho_parse_grow);

/*
 * Before the deferred init threads run, allocate every page node
 * kho_grow_nid can give, then free them: each failure grows the zone
 * until deferred init has nothing left to do there, the path its thread
 * takes when early allocations used up a mostly preserved node.
 */
static int __init kho_debug_grow_node(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN |
			  __GFP_NORETRY;
	struct page *page, *next;
	unsigned long nr = 0;
	LIST_HEAD(pages);

	if (kho_grow_nid == NUMA_NO_NODE)
		return 0;
	if (kho_grow_nid < 0 || kho_grow_nid >= MAX_NUMNODES ||
	    !node_online(kho_grow_nid)) {
		pr_warn("kho_debug_grow=%d: no such node\n", kho_grow_nid);
		return 0;
	}
	while ((page = alloc_pages_node(kho_grow_nid, gfp, 0))) {
		list_add(&page->lru, &pages);
		nr++;
	}
	list_for_each_entry_safe(page, next, &pages, lru)
		__free_page(page);
	pr_info("debug: grew node %d early: took and gave back %lu MiB\n",
		kho_grow_nid, nr >> (20 - PAGE_SHIFT));
	return 0;
}
early_initcall(kho_debug_grow_node);

/* Early boot may run before sched_clock() does: count cycles. */
u64 kho_debug_cycles(void)
{
	return get_cycles();
}

/* Convert the steps' cycles to nanoseconds, once a clock is known to tick. */
void __init kho_debug_time(struct kho_in_stats *st)
{
	u64 c0, c1, t0, t1;
	int i;

	c0 = get_cycles();
	t0 = ktime_get_ns();
	mdelay(10);
	c1 = get_cycles();
	t1 = ktime_get_ns();
	if (c1 <= c0)
		return;
	for (i = 0; i < KHO_IN_STEPS; i++)
		st->ns[i] = mul_u64_u64_div_u64(st->cycles[i], t1 - t0,
						c1 - c0);
	pr_info("handover took: walk %llu us, checks %llu us, reserve %llu us (%s), init %llu us\n",
		div_u64(st->ns[KHO_IN_WALK], NSEC_PER_USEC),
		div_u64(st->ns[KHO_IN_CHECK], NSEC_PER_USEC),
		div_u64(st->ns[KHO_IN_RESERVE], NSEC_PER_USEC),
		st->per_block ? "per block" : "ranges",
		div_u64(st->ns[KHO_IN_INIT], NSEC_PER_USEC));
}

static int __init kho_debug_time_init(void)
{
	struct kho_in_stats *st = kho_in_stats();

	if (st)
		kho_debug_time(st);
	return 0;
}

/* Before debugfs shows the figures. */
rootfs_initcall(kho_debug_time_init);

/* Point memblock's first handed-over region at the KHO FDT @fdt. */
static int kho_corrupt_reserve_mem(void *fdt)
{
	u64 phys, start = virt_to_phys(fdt);
	int node, region;
	void *sub;

	node = fdt_subnode_offset(fdt, 0, "memblock");
	if (node < 0 || kho_fdt_get_u64(fdt, node, KHO_FDT_SUB_PROP, &phys))
		return -ENOENT;
	sub = phys_to_virt(phys);
	region = fdt_first_subnode(sub, 0);
	if (region < 0)
		return -ENOENT;
	/* memblock writes it in the CPU's byte order. */
	return fdt_setprop_inplace(sub, region, "start", &start,
				   sizeof(start)) ? -EINVAL : 0;
}

/*
 * Damage the handover:
 *   overlap:    before finalize, preserve a page both alone and as part of
 *               an order-1 block;
 *   compatible: after finalize, change the FDT's format string;
 *   table:      after finalize, point the root table's first link outside
 *               any RAM;
 *   shared:     after finalize, point the first client's sub-FDT at the
 *               KHO FDT itself, which the next kernel keeps for itself;
 *   reserve_mem: after finalize, point the first reserve_mem region that
 *               memblock hands over at the KHO FDT, which reserve_mem's
 *               early parsing in the next kernel must not take.
 */
static int kho_corrupt(const char *how)
{
	struct kho_table *root;
	struct folio *folio;
	unsigned int i;
	void *fdt;
	char *compat;
	int len, err;

	if (sysfs_streq(how, "overlap")) {
		if (kho_out_finalized())
			return -EBUSY;
		folio = folio_alloc(GFP_KERNEL, 1);
		if (!folio)
			return -ENOMEM;
		err = kho_tracker_preserve(&kho_out_tracker, folio_pfn(folio),
					   1);
		err = err ?: kho_tracker_preserve(&kho_out_tracker,
						  folio_pfn(folio), 0);
		return err;
	}
	fdt = kho_out_fdt();
	if (!fdt)
		return -EINVAL;
	if (sysfs_streq(how, "compatible")) {
		compat = (char *)fdt_getprop(fdt, 0, "compatible", &len);
		if (!compat || len < 2)
			return -EINVAL;
		compat[len - 2] = '0';
		return 0;
	}
	if (sysfs_streq(how, "shared")) {
		len = fdt_first_subnode(fdt, 0);
		if (len < 0)
			return -ENOENT;
		return fdt_setprop_inplace_u64(fdt, len, KHO_FDT_SUB_PROP,
					       virt_to_phys(fdt)) ? -EINVAL : 0;
	}
	if (sysfs_streq(how, "reserve_mem"))
		return kho_corrupt_reserve_mem(fdt);
	if (sysfs_streq(how, "table")) {
		if (!kho_out_tracker.root.phys)
			return -ENOENT;
		root = phys_to_virt(kho_out_tracker.root.phys);
		for (i = 0; i < KHO_TABLE_ENTRIES; i++) {
			if (root->link[i].phys) {
				root->link[i].phys = BIT_ULL(KHO_PHYS_BITS - 1);
				return 0;
			}
		}
		return -ENOENT;
	}
	return -EINVAL;
}

static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char how[16];
	int err;

	if (!count || count >= sizeof(how))
		return -EINVAL;
	if (copy_from_user(how, ubuf, count))
		return -EFAULT;
	how[count] = '\0';

	err = kho_corrupt(how);
	if (!err)
		pr_warn("handover deliberately corrupted: %s\n", strim(how));
	return err ?: count;
}

static const struct file_operations kho_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = kho_corrupt_write,
};

void __init kho_debug_debugfs_init(struct dentry *out)
{
	debugfs_create_file("corrupt", 0200, out, NULL, &kho_corrupt_fops);
}
