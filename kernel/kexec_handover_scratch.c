// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the scratch areas.
 *
 * This file owns the memory a handover keeps free of preserved memory:
 * the kho_scratch= boot parameter, reserving the areas in a first KHO
 * kernel and releasing them as CMA pageblocks, and placing every kexec
 * segment of the next kernel inside them.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kmemleak.h>
#include <linux/kstrtox.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/string.h>

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
 * ``kho_scratch=N%`` asks for N% of RAM in all: a sixteenth of it in low
 * memory (at most N% of low memory), half anywhere, and the rest spread
 * over the nodes by their share of RAM.
 *
 * While a kernel runs, its scratch areas serve movable allocations only
 * (as CMA pageblocks), which are never preserved.  A kernel started by KHO
 * reuses the scratch areas it was given, whatever its ``kho_scratch=``:
 * its own image and early allocations lie in them, and nothing it could
 * reserve instead is known to be free of preserved memory that early.
 */

struct kho_scratch kho_scratch[KHO_SCRATCH_MAX] __ro_after_init;
unsigned int kho_scratch_cnt __ro_after_init;

static phys_addr_t kho_scratch_size[KHO_SCRATCH_KINDS] __initdata = {
	[KHO_SCRATCH_LOWMEM] = SZ_16M,
	[KHO_SCRATCH_GLOBAL] = SZ_256M,
	[KHO_SCRATCH_PERNODE] = SZ_32M,
};

static unsigned int kho_scratch_percent __initdata;
static bool kho_scratch_given __initdata;
/* The areas came with the handover this kernel was started by. */
static bool kho_scratch_inherited __ro_after_init;
/* This kernel reserved its scratch areas, rather than inheriting them. */
static bool kho_scratch_reserved __initdata;
/* Memory from 0 that the next kernel counts as scratch: never preserved. */
phys_addr_t kho_low_scratch __ro_after_init;

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

static int __init kho_parse_scratch(char *p)
{
	if (!kho_scratch_parse(p, kho_scratch_size, &kho_scratch_percent)) {
		kho_scratch_given = true;
		return 0;
	}
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

/*
 * Scratch is turned into CMA, so it must be whole pageblocks here, and of
 * any next kernel, whose pageblocks may be larger: KHO_SCRATCH_ALIGN.
 */
static phys_addr_t __init kho_scratch_align(void)
{
	return max_t(phys_addr_t, CMA_MIN_ALIGNMENT_BYTES, KHO_SCRATCH_ALIGN);
}

/*
 * The size of the area of @kind below @limit on @nid.  With N%, the areas
 * share N% of RAM: a sixteenth in low memory (no more than N% of it),
 * half in the global area, the rest over the nodes by their share of RAM.
 */
static phys_addr_t __init kho_scratch_want(int kind, phys_addr_t limit,
					   int nid)
{
	phys_addr_t size = kho_scratch_size[kind];
	u64 ram, total;

	if (kho_scratch_percent) {
		ram = kho_mem_size(PHYS_ADDR_MAX, NUMA_NO_NODE);
		total = mult_frac(ram, kho_scratch_percent, 100);
		if (kind == KHO_SCRATCH_LOWMEM)
			size = min(total / 16,
				   mult_frac(kho_mem_size(limit, nid),
					     kho_scratch_percent, 100));
		else if (kind == KHO_SCRATCH_GLOBAL)
			size = total / 2;
		else
			size = mul_u64_u64_div_u64(total - total / 16 - total / 2,
						   kho_mem_size(limit, nid), ram);
	}
	if (kind == KHO_SCRATCH_GLOBAL)
		size += kho_arch_scratch_early(kho_mem_size(PHYS_ADDR_MAX,
							    NUMA_NO_NODE));
	return round_up(size, kho_scratch_align());
}

/**
 * kho_arch_scratch_early() - Scratch an architecture's early boot needs.
 * @ram: bytes of RAM.
 *
 * What a kernel started by a handover allocates before it reserves the
 * preserved memory, and so from scratch, beyond its image and the few
 * early allocations every kernel makes: arm64 maps all of RAM there.  A
 * first kernel adds it to the global scratch area; a next kernel refuses a
 * handover whose scratch could not even hold it.
 *
 * Return: bytes; none by default.
 */
phys_addr_t __init __weak kho_arch_scratch_early(phys_addr_t ram)
{
	return 0;
}

static int __init kho_scratch_alloc(phys_addr_t size, phys_addr_t limit,
				    int nid)
{
	phys_addr_t addr;

	if (!size)
		return 0;
	addr = memblock_alloc_range_nid(size, kho_scratch_align(), 0,
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
 * Called by architecture code once NUMA nodes and the low memory limit
 * are known, and early enough that the areas are large and contiguous:
 * before CMA and the crash kernel are reserved.  A kernel started by an
 * accepted handover reuses the areas it was given.
 *
 * Context: Early boot, memblock only.
 */
void __init kho_reserve_scratch(void)
{
	phys_addr_t low = ARCH_LOW_ADDRESS_LIMIT, size, total = 0;
	struct kho_scratch *area = NULL;
	int nid, err;

	if (!kho_enable)
		return;
	if (kho_scratch_cnt) {
		kho_scratch_inherited = true;
		if (kho_scratch_given)
			pr_notice("kho_scratch= ignored: this kernel reuses the scratch areas it was handed; boot a kernel cold (not by kexec) to size them anew\n");
		return;
	}

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

	for_each_kho_scratch(area) {
		pr_debug("scratch area %td: %#llx+%#llx\n", area - kho_scratch,
			 area->addr, area->size);
		/* Like a CMA area's, counted from its reservation on. */
		totalcma_pages += PHYS_PFN(area->size);
	}
	kho_scratch_reserved = true;
	pr_info("reserved %u scratch areas, %llu MiB in all\n",
		kho_scratch_cnt, (u64)total >> 20);
}

/*
 * The first kernel's scratch areas serve movable allocations only.  Like
 * CMA areas, they are released once the boot's memory accounting is
 * printed, while reserved they count as CMA but not as managed memory.
 */
static int __init kho_release_scratch(void)
{
	struct kho_scratch *area = NULL;
	unsigned long pfn, end;

	if (!kho_scratch_reserved)
		return 0;
	for_each_kho_scratch(area) {
		/* Free memory now: kmemleak must not scan it as an object. */
		kmemleak_free_part_phys(area->addr, area->size);
		pfn = PHYS_PFN(area->addr);
		end = PHYS_PFN(area->addr + area->size);
		for (; pfn < end; pfn += pageblock_nr_pages)
			init_cma_reserved_pageblock(pfn_to_page(pfn));
	}
	return 0;
}
core_initcall(kho_release_scratch);

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

/*
 * The scratch area next to @prev in address order, upwards or @down; the
 * first one if @prev is NULL.  NULL after the last.
 */
static struct kho_scratch *kho_scratch_by_addr(struct kho_scratch *prev,
					       bool down)
{
	struct kho_scratch *area = NULL, *best = NULL;

	for_each_kho_scratch(area) {
		if (prev && (down ? area->addr >= prev->addr :
				    area->addr <= prev->addr))
			continue;
		if (!best || (down ? area->addr > best->addr :
				     area->addr < best->addr))
			best = area;
	}
	return best;
}

/**
 * kho_locate_mem_hole() - Place a kexec segment inside the scratch areas.
 * @kbuf: the segment to place.
 * @func: kexec_file's callback that tries one candidate region.
 *
 * While KHO is enabled, segments of the next kernel may only go where the
 * next kernel will find no preserved memory: inside scratch.  The areas
 * are tried in address order, upwards or downwards as kexec walks RAM,
 * since loaders place segments relative to each other: arm64's puts the
 * initrd and the DTB above the kernel.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 if KHO does not constrain this segment, 1 if it was placed,
 * -EADDRNOTAVAIL if no scratch area has room for it.
 */
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*func)(struct resource *res, void *arg))
{
	struct kho_scratch *area = NULL;
	struct resource res;
	int ret;

	if (!kho_enable || kbuf->image->type == KEXEC_TYPE_CRASH)
		return 0;

	while ((area = kho_scratch_by_addr(area, kbuf->top_down))) {
		res = DEFINE_RES_MEM(area->addr, area->size);
		ret = func(&res, kbuf);
		if (ret)
			return ret;
	}
	pr_err("no room in scratch for a kexec segment of %lu KiB; %s with kho_scratch=<lowmem>,<global>,<pernode> whose <global> holds every segment (%llu MiB at least)\n",
	       kbuf->memsz >> 10,
	       kho_scratch_inherited ?
	       "this kernel reuses the scratch it was handed: boot a kernel cold (not by kexec)" :
	       "boot this kernel",
	       kho_scratch_need(kbuf) >> 20);
	return -EADDRNOTAVAIL;
}
