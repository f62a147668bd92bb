// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): the handover format and the next kernel's checks.
 *
 * This file owns what one kernel leaves to the next beside the tracker, and
 * how the next kernel checks all of it: the KHO FDT and the scratch list,
 * and the checks and merging of preserved runs, gathered by a walk of the
 * tracker's tables, against the next kernel's memory map.  All it reads
 * may come from another kernel.  It reaches memory only through the
 * callbacks it is given and the memory map only as &struct memblock_type
 * arrays, so the same file compiles in the kernel and, through shims, on
 * the host (tools/testing/kho/).
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/unaligned.h>

#include "kexec_handover_format.h"

/**
 * kho_runs_flush() - End the run being gathered: store it, or count it.
 * @c: the collector.
 */
void kho_runs_flush(struct kho_runs *c)
{
	if (!c->last.nr)
		return;
	if (c->runs && c->nr < c->max)
		c->runs[c->nr] = c->last;
	c->nr++;
	c->last.nr = 0;
}

/**
 * kho_runs_add() - A walk's run callback that gathers runs.
 * @arg: the &struct kho_runs collector.
 * @phys: address of the first block.
 * @order: order of the blocks.
 * @nr: number of blocks.
 *
 * A walk reports runs within one leaf: merge those that continue the last
 * one.  Call kho_runs_flush() after the walk.
 *
 * Return: 0.
 */
int kho_runs_add(void *arg, phys_addr_t phys, unsigned int order,
		 unsigned long nr)
{
	struct kho_runs *c = arg;

	c->blocks += nr;
	c->bytes += (u64)nr << (order + PAGE_SHIFT);
	if (c->last.nr && c->last.order == order &&
	    kho_run_end(&c->last) == phys) {
		c->last.nr += nr;
		return 0;
	}
	kho_runs_flush(c);
	c->last.base = phys;
	c->last.nr = nr;
	c->last.order = order;
	return 0;
}

static int kho_run_cmp(const void *a, const void *b)
{
	const struct kho_run *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* The end of the stretch of runs in address order that starts at @i. */
static unsigned long kho_runs_ascend(const struct kho_run *runs,
				     unsigned long nr, unsigned long i)
{
	while (++i < nr && runs[i].base >= runs[i - 1].base)
		;
	return min(i, nr);
}

/* Merge @na runs at @a and @nb at @b, each in address order, into @out. */
static void kho_runs_merge(const struct kho_run *a, unsigned long na,
			   const struct kho_run *b, unsigned long nb,
			   struct kho_run *out)
{
	while (na && nb) {
		if (b->base < a->base) {
			*out++ = *b++;
			nb--;
		} else {
			*out++ = *a++;
			na--;
		}
	}
	memcpy(out, a, na * sizeof(*a));
	memcpy(out + na, b, nb * sizeof(*b));
}

/**
 * kho_runs_sort() - Sort runs by address.
 * @runs: the runs.
 * @nr: how many.
 * @tmp: room for @nr runs, or NULL.
 *
 * A walk reports each order's runs in address order, one order after the
 * other: the runs are a few stretches already in order, one per order
 * present.  With @tmp, the stretches are merged two by two, which costs
 * O(@nr log stretches) and nothing when the runs are in order; without
 * it, runs out of order are heapsorted.
 */
void kho_runs_sort(struct kho_run *runs, unsigned long nr,
		   struct kho_run *tmp)
{
	struct kho_run *src = runs, *dst = tmp, *t;
	unsigned long start, mid, end;

	if (kho_runs_ascend(runs, nr, 0) >= nr)
		return;
	if (!tmp) {
		sort(runs, nr, sizeof(*runs), kho_run_cmp, NULL);
		return;
	}
	do {
		for (start = 0; start < nr; start = end) {
			mid = kho_runs_ascend(src, nr, start);
			end = mid < nr ? kho_runs_ascend(src, nr, mid) : nr;
			kho_runs_merge(src + start, mid - start, src + mid,
				       end - mid, dst + start);
		}
		t = src;
		src = dst;
		dst = t;
	} while (kho_runs_ascend(src, nr, 0) < nr);
	if (src != runs)
		memcpy(runs, src, nr * sizeof(*runs));
}

/*
 * The first region of @type that ends after @addr, or the end of the
 * array: regions are sorted and apart, as memblock keeps them.
 */
static const struct memblock_region *
kho_region_after(const struct memblock_type *type, phys_addr_t addr)
{
	unsigned long lo = 0, hi = type->cnt, mid;
	const struct memblock_region *r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = &type->regions[mid];
		if (r->base + r->size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &type->regions[lo];
}

/*
 * Why [@start, @end) may not hold preserved memory, from the regions of
 * @memory at and after @mem, or NULL if it may.
 */
static const char *kho_mem_refuse(const struct memblock_type *memory,
				  const struct memblock_region *mem,
				  phys_addr_t start, phys_addr_t end)
{
	const struct memblock_region *mem_end = memory->regions + memory->cnt;
	phys_addr_t pos;

	for (pos = start; pos < end; mem++) {
		if (mem == mem_end || mem->base > pos)
			return "preserved memory outside RAM";
		if (mem->flags & MEMBLOCK_KHO_SCRATCH)
			return "preserved memory inside scratch";
		if (mem->flags & MEMBLOCK_NOMAP)
			return "preserved memory not mapped";
		pos = mem->base + mem->size;
	}
	return NULL;
}

/**
 * kho_mem_usable() - Whether a range may hold what a handover preserved.
 * @memory: the memory map.
 * @base: start of the range.
 * @size: size of the range.
 *
 * Return: true if the range is covered by RAM that is neither scratch nor
 * left out of the direct map.
 */
bool kho_mem_usable(const struct memblock_type *memory, phys_addr_t base,
		    phys_addr_t size)
{
	if (base + size < base)
		return false;
	return !kho_mem_refuse(memory, kho_region_after(memory, base), base,
			       base + size);
}

/**
 * kho_runs_check() - Check preserved runs against the memory map.
 * @runs: the runs, sorted by address.
 * @nr: how many.
 * @memory: the memory map, sorted as memblock keeps it.
 * @reserved: memory already in use, sorted likewise.
 *
 * Every run must lie in RAM that is neither scratch nor nomap, outside
 * every reserved region, and apart from the other runs.  One pass over
 * each array does.
 *
 * Return: NULL if the runs pass, otherwise why they are refused.
 */
const char *kho_runs_check(const struct kho_run *runs, unsigned long nr,
			   const struct memblock_type *memory,
			   const struct memblock_type *reserved)
{
	const struct memblock_region *mem = memory->regions;
	const struct memblock_region *mem_end = mem + memory->cnt;
	const struct memblock_region *rsv = reserved->regions;
	const struct memblock_region *rsv_end = rsv + reserved->cnt;
	phys_addr_t start, end, prev_end = 0;
	const char *why;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		start = runs[i].base;
		end = kho_run_end(&runs[i]);
		if (start < prev_end)
			return "preserved blocks overlap";
		prev_end = end;

		while (mem < mem_end && mem->base + mem->size <= start)
			mem++;
		why = kho_mem_refuse(memory, mem, start, end);
		if (why)
			return why;

		while (rsv < rsv_end && rsv->base + rsv->size <= start)
			rsv++;
		if (rsv < rsv_end && rsv->base < end)
			return "preserved memory already in use";
	}
	return NULL;
}

/**
 * kho_runs_ranges() - Merge runs into ranges adjacent in memory.
 * @runs: the runs, sorted by address.
 * @nr: how many.
 * @fn: called once per range, whatever the orders of its runs.
 * @arg: passed to @fn.
 *
 * Return: the number of ranges.
 */
unsigned long kho_runs_ranges(const struct kho_run *runs, unsigned long nr,
			      void (*fn)(void *arg, phys_addr_t base,
					 phys_addr_t size),
			      void *arg)
{
	unsigned long i = 0, ranges = 0;
	phys_addr_t start, end;

	while (i < nr) {
		start = runs[i].base;
		end = kho_run_end(&runs[i]);
		while (++i < nr && runs[i].base == end)
			end = kho_run_end(&runs[i]);
		fn(arg, start, end - start);
		ranges++;
	}
	return ranges;
}

/* The index of the first run that ends after @phys, or @nr. */
static unsigned long kho_runs_after(const struct kho_run *runs,
				    unsigned long nr, phys_addr_t phys)
{
	unsigned long lo = 0, hi = nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kho_run_end(&runs[mid]) <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * kho_runs_find() - Find the run that holds an address.
 * @runs: the runs, sorted by address and apart.
 * @nr: how many.
 * @phys: the address.
 *
 * Return: the index of the run holding @phys, or -1.
 */
long kho_runs_find(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t phys)
{
	unsigned long i = kho_runs_after(runs, nr, phys);

	if (i < nr && runs[i].base <= phys)
		return i;
	return -1;
}

/**
 * kho_runs_find_near() - Find the run that holds an address, from a guess.
 * @runs: the runs, sorted by address and apart.
 * @nr: how many.
 * @phys: the address.
 * @hint: a run to try first, then the one after it; any value.
 *
 * Blocks are mostly taken back one after another: the run that held the
 * last address, or the next one, likely holds this one, and checking them
 * spares a binary search through runs scattered over memory.
 *
 * Return: the index of the run holding @phys, or -1.
 */
long kho_runs_find_near(const struct kho_run *runs, unsigned long nr,
			phys_addr_t phys, unsigned long hint)
{
	unsigned long i;

	for (i = hint; i < nr && i - hint < 2; i++) {
		if (runs[i].base <= phys && phys < kho_run_end(&runs[i]))
			return i;
	}
	return kho_runs_find(runs, nr, phys);
}

/**
 * kho_runs_cover() - Whether runs cover a range.
 * @runs: the runs, sorted by address and apart.
 * @nr: how many.
 * @phys: start of the range.
 * @size: its size.
 *
 * The range may start and end anywhere inside runs, as long as the runs
 * it meets abut.  The cost is one search, then a step per run.
 *
 * Return: true if every byte of [@phys, @phys + @size) is in a run.
 */
bool kho_runs_cover(const struct kho_run *runs, unsigned long nr,
		    phys_addr_t phys, u64 size)
{
	phys_addr_t end, covered = phys;
	unsigned long i;
	long run;

	if (!size || check_add_overflow(phys, size, &end))
		return false;
	run = kho_runs_find(runs, nr, phys);
	if (run < 0)
		return false;
	/* Runs are sorted and apart: the next one goes on only if it abuts. */
	for (i = run; i < nr && runs[i].base <= covered; i++) {
		covered = kho_run_end(&runs[i]);
		if (covered >= end)
			return true;
	}
	return false;
}

/**
 * kho_runs_clip() - Visit the preserved memory inside a range.
 * @runs: the runs, sorted by address and apart.
 * @nr: how many.
 * @lo: start of the range.
 * @hi: its end; nothing is visited unless @lo < @hi.
 * @fn: called with each run's part inside [@lo, @hi), in address order.
 * @arg: passed to @fn.
 *
 * The work is a binary search and one call per run met: callers go
 * through memory range by range, a node's ranges or a zone's.
 */
void kho_runs_clip(const struct kho_run *runs, unsigned long nr,
		   phys_addr_t lo, phys_addr_t hi,
		   void (*fn)(void *arg, phys_addr_t base, phys_addr_t size),
		   void *arg)
{
	unsigned long i;
	phys_addr_t start, end;

	if (lo >= hi)
		return;
	for (i = kho_runs_after(runs, nr, lo); i < nr && runs[i].base < hi;
	     i++) {
		start = max(runs[i].base, lo);
		end = min(kho_run_end(&runs[i]), hi);
		fn(arg, start, end - start);
	}
}

/**
 * kho_fdt_get_u64() - Read a 64-bit integer property.
 * @fdt: the FDT.
 * @node: offset of the node.
 * @name: name of the property.
 * @val: set to its value.
 *
 * Return: 0, or -EINVAL if the property is missing or not 8 bytes long.
 */
int kho_fdt_get_u64(const void *fdt, int node, const char *name, u64 *val)
{
	const void *prop;
	int len;

	prop = fdt_getprop(fdt, node, name, &len);
	if (!prop || len != sizeof(u64))
		return -EINVAL;
	*val = get_unaligned_be64(prop);
	return 0;
}

/**
 * kho_fdt_check() - Check a KHO FDT and read its tracker root.
 * @fdt: the FDT, @size bytes readable.
 * @size: the size of the memory holding it.
 * @root: set to the tracker's root on success.
 *
 * Return: NULL if the FDT may be used, otherwise why not.
 */
const char *kho_fdt_check(const void *fdt, size_t size, u64 *root)
{
	if (size < sizeof(struct fdt_header) || size > KHO_FDT_MAX_SIZE)
		return "bad FDT size";
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > size)
		return "bad FDT header";
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE))
		return "unknown format";
	if (kho_fdt_get_u64(fdt, 0, KHO_FDT_ROOT_PROP, root))
		return "no " KHO_FDT_ROOT_PROP " property";
	return NULL;
}

/**
 * kho_fdt_find_sub() - Find a client's sub-FDT in a checked KHO FDT.
 * @fdt: the KHO FDT.
 * @name: the client's name.
 * @phys: set to the sub-FDT's physical address.
 *
 * Return: 0, -ENOENT if there is no node @name, -EINVAL if its entry is
 * malformed.
 */
int kho_fdt_find_sub(const void *fdt, const char *name, u64 *phys)
{
	int off = fdt_subnode_offset(fdt, 0, name);

	if (off < 0)
		return -ENOENT;
	return kho_fdt_get_u64(fdt, off, KHO_FDT_SUB_PROP, phys);
}

/**
 * kho_scratch_check() - Check a scratch list handed over.
 * @list: the list, @size bytes readable.
 * @size: its size in bytes.
 * @cnt: set to the number of areas.
 *
 * Return: NULL if every area is non-empty, aligned to the CMA pageblock
 * size and within the format's limits, otherwise why not.
 */
const char *kho_scratch_check(const struct kho_scratch *list, u64 size,
			      unsigned int *cnt)
{
	u64 n = size / sizeof(*list), i, end;

	if (!n || n > KHO_SCRATCH_MAX || size % sizeof(*list))
		return "bad scratch list size";
	for (i = 0; i < n; i++) {
		end = list[i].addr + list[i].size;
		if (!list[i].size ||
		    !IS_ALIGNED(list[i].addr | list[i].size,
				CMA_MIN_ALIGNMENT_BYTES) ||
		    end < list[i].addr || end > KHO_PFN_LIMIT << PAGE_SHIFT)
			return "bad scratch area";
	}
	*cnt = n;
	return NULL;
}

/* Forget everything recorded about the handover; memblock as it was. */
static void __init kho_in_forget(struct kho_in *in)
{
	unsigned int i;

	if (in->marked) {
		for (i = 0; i < *in->nr_areas; i++)
			memblock_clear_kho_scratch(in->areas[i].addr,
						   in->areas[i].size);
		if (in->low_scratch)
			memblock_clear_kho_scratch(0, in->low_scratch);
		memblock_clear_kho_scratch_only();
	}
	*in->nr_areas = 0;
	in->marked = false;
	in->low_scratch = 0;
	in->root = 0;
	in->fdt = 0;
	in->fdt_size = 0;
	in->list = 0;
	in->list_size = 0;
	in->runs = NULL;
	in->runs_size = 0;
	in->nr_runs = 0;
	in->blocks = 0;
	in->bytes = 0;
	in->pages = 0;
	in->nr_ranges = 0;
}

/**
 * kho_in_reject() - Reject the handover as a whole.
 * @in: the handover.
 * @why: the reason, kept in @in->why.
 *
 * Forgets everything recorded about it and gives scratch back to memblock
 * as ordinary memory.  A kernel that already found a handover rejects any
 * other it finds.
 *
 * Return: @why.
 */
const char * __init kho_in_reject(struct kho_in *in, const char *why)
{
	kho_in_forget(in);
	in->rejected = true;
	in->why = why;
	return why;
}

/**
 * kho_in_parse() - Record the handover found in a boot entry.
 * @in: the handover, zeroed but for @in->areas, @in->nr_areas and
 *	@in->ops before the first call.
 * @fdt: physical address of the KHO FDT.
 * @fdt_size: size of the memory holding it.
 * @list: physical address of the scratch list.
 * @list_size: size of the scratch list in bytes.
 *
 * The caller has checked that both lie in RAM.  Checks what can be checked
 * before scratch is marked: the FDT's header and format and the scratch
 * list, which is copied to @in->areas.
 * A second boot entry rejects the handover: the decompressor and the
 * kernel must not act on different ones.
 *
 * Return: NULL, or why the handover is rejected.
 */
const char * __init kho_in_parse(struct kho_in *in, u64 fdt, u64 fdt_size,
				 u64 list, u64 list_size)
{
	const struct kho_scratch *areas;
	unsigned int cnt = 0;
	const char *why;
	const void *map;
	u64 root;

	if (in->seen)
		return kho_in_reject(in, "more than one handover");
	in->seen = true;

	if (fdt_size < sizeof(struct fdt_header) || fdt_size > KHO_FDT_MAX_SIZE)
		return kho_in_reject(in, "bad FDT size");
	map = in->ops->map_early(fdt, fdt_size);
	if (!map)
		return kho_in_reject(in, "cannot map the FDT");
	why = kho_fdt_check(map, fdt_size, &root);
	in->ops->unmap_early(map, fdt_size);
	if (why)
		return kho_in_reject(in, why);

	if (list_size < sizeof(*areas) ||
	    list_size > KHO_SCRATCH_MAX * sizeof(*areas))
		return kho_in_reject(in, "bad scratch list size");
	areas = in->ops->map_early(list, list_size);
	if (!areas)
		return kho_in_reject(in, "cannot map the scratch list");
	why = kho_scratch_check(areas, list_size, &cnt);
	if (!why)
		memcpy(in->areas, areas, cnt * sizeof(*areas));
	in->ops->unmap_early(areas, list_size);
	if (why)
		return kho_in_reject(in, why);

	*in->nr_areas = cnt;
	in->root = root;
	in->fdt = fdt;
	in->fdt_size = fdt_size;
	in->list = list;
	in->list_size = list_size;
	return NULL;
}

/* Bytes of the regions of @type in [@base, @base + @size), but @skip's. */
static phys_addr_t __init kho_type_bytes(const struct memblock_type *type,
					 phys_addr_t base, phys_addr_t size,
					 enum memblock_flags skip)
{
	const struct memblock_region *r;
	phys_addr_t bytes = 0, end = base + size;

	for (r = kho_region_after(type, base);
	     r < type->regions + type->cnt && r->base < end; r++) {
		if (!(r->flags & skip))
			bytes += min(r->base + r->size, end) -
				 max(r->base, base);
	}
	return bytes;
}

/**
 * kho_unreserved_bytes() - Bytes of a range that memblock has not reserved.
 * @base: start of the range.
 * @size: size of the range, which must not wrap.
 *
 * Return: the bytes of [@base, @base + @size) outside memblock.reserved.
 */
phys_addr_t __init kho_unreserved_bytes(phys_addr_t base, phys_addr_t size)
{
	return size - kho_type_bytes(&memblock.reserved, base, size, 0);
}

/**
 * kho_in_scratch_only() - Make memblock allocate from scratch only.
 * @in: the handover, recorded by kho_in_parse().
 * @low_scratch: size of memory from address 0 that the architecture
 *	allocates from before it reserves it whole, and that therefore can
 *	hold nothing preserved; 0 if none.
 *
 * Checks the scratch areas against the memory map first: each must be in
 * RAM the kernel may map and apart from the others, and all of them may
 * cover at most half of RAM, or the kernel would find almost nothing but
 * movable memory.
 *
 * Return: NULL, or why the handover is rejected.
 */
const char * __init kho_in_scratch_only(struct kho_in *in,
					phys_addr_t low_scratch)
{
	const struct kho_scratch *a = in->areas, *b;
	phys_addr_t total = 0;
	unsigned int i, j;

	if (in->rejected || !in->seen)
		return in->why;
	for (i = 0; i < *in->nr_areas; i++) {
		/* Scratch is written to: no nomap memory may be in it. */
		if (kho_type_bytes(&memblock.memory, a[i].addr, a[i].size,
				   MEMBLOCK_NOMAP) != a[i].size)
			return kho_in_reject(in, "scratch area outside usable RAM");
		for (j = 0, b = a; j < i; j++, b++) {
			if (b->addr < a[i].addr + a[i].size &&
			    a[i].addr < b->addr + b->size)
				return kho_in_reject(in, "scratch areas overlap");
		}
		total += a[i].size;
	}
	if (total > memblock_phys_mem_size() / 2)
		return kho_in_reject(in, "scratch areas cover more than half of RAM");

	/* Mark first: marking may grow memblock's arrays, where it can. */
	if (!memblock_kho_scratch_room(*in->nr_areas + !!low_scratch))
		return kho_in_reject(in, "too many memory regions to mark scratch");
	in->marked = true;
	in->low_scratch = low_scratch;
	for (i = 0; i < *in->nr_areas; i++) {
		if (memblock_mark_kho_scratch(a[i].addr, a[i].size))
			return kho_in_reject(in, "cannot mark scratch");
	}
	if (low_scratch && memblock_mark_kho_scratch(0, low_scratch))
		return kho_in_reject(in, "cannot mark scratch");
	memblock_set_kho_scratch_only();
	return NULL;
}

/* A walk's map callback: tables must be RAM outside scratch, read once. */
static const void * __init kho_in_map_table(void *arg, phys_addr_t phys)
{
	struct kho_in *in = arg;

	if (!kho_mem_usable(&memblock.memory, phys, PAGE_SIZE))
		return NULL;
	if (in->pages == in->max_pages)
		return NULL;
	in->page_list[in->pages++] = phys;
	return in->ops->map(phys, PAGE_SIZE);
}

/* A walk's run callback: runs, as many as scratch can list. */
static int kho_in_add_run(void *arg, phys_addr_t phys, unsigned int order,
			  unsigned long nr)
{
	struct kho_in *in = arg;

	kho_runs_add(&in->collect, phys, order, nr);
	if (in->collect.nr > in->collect.max)
		return -E2BIG;
	return 0;
}

static const struct kho_walk_ops kho_in_walk_ops __initconst = {
	.run = kho_in_add_run,
	.map = kho_in_map_table,
};

/*
 * The most table pages a walk may read: the table slots of every order
 * that can stand for [@min_pfn, @max_pfn), with one slot of slack at each
 * end of each level.
 */
static unsigned long kho_in_max_pages(u64 min_pfn, u64 max_pfn)
{
	unsigned long pages = 1;
	unsigned int order, level;
	u64 keys;

	for (order = 0; order <= KHO_ORDER_MAX; order++) {
		keys = (max_pfn >> order) - (min_pfn >> order) + 1;
		for (level = 0; level < KHO_TABLE_LEVELS; level++) {
			keys = (keys >> (level ? KHO_TABLE_KEY_BITS :
					 KHO_BITMAP_KEY_BITS)) + 2;
			pages += keys;
		}
	}
	return pages;
}

static int kho_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Allocate up to @want bytes from scratch, halving on failure. */
static void * __init kho_in_alloc(phys_addr_t *size, phys_addr_t want,
				  phys_addr_t least)
{
	void *p;

	for (*size = want; *size >= least; *size /= 2) {
		p = memblock_alloc_raw(*size, SMP_CACHE_BYTES);
		if (p)
			return p;
	}
	*size = 0;
	return NULL;
}

static void __init kho_in_free(void *p, phys_addr_t size)
{
	if (p && size)
		memblock_free(p, size);
}

/* Whether [@phys, @phys + @size) lies in one preserved block. */
static bool kho_in_block_holds(const struct kho_in *in, phys_addr_t phys,
			       u64 size)
{
	long i = kho_runs_find(in->runs, in->nr_runs, phys);
	const struct kho_run *r;
	u64 block;

	if (i < 0)
		return false;
	r = &in->runs[i];
	block = PAGE_SIZE << r->order;
	return phys + size > phys &&
	       round_down(phys - r->base, block) + block >= phys - r->base + size;
}

/*
 * Allocate, from scratch, the list of table pages a walk may read and the
 * array of runs: a quarter of free scratch for the runs, a page at least.
 */
static const char * __init kho_in_alloc_arrays(struct kho_in *in,
					       u64 min_pfn, u64 max_pfn)
{
	phys_addr_t free = 0, start, end;
	u64 it;

	for_each_free_mem_range(it, NUMA_NO_NODE, MEMBLOCK_KHO_SCRATCH, &start,
				&end, NULL)
		free += end - start;
	in->max_pages = kho_in_max_pages(min_pfn, max_pfn);
	in->pages_size = in->max_pages * sizeof(*in->page_list);
	in->page_list = kho_in_alloc(&in->pages_size, in->pages_size,
				     in->pages_size);
	in->runs = kho_in_alloc(&in->runs_size, free / 4, PAGE_SIZE);
	if (!in->page_list || !in->runs)
		return "no scratch memory to read the tables";
	return NULL;
}

/* Walk the tables into runs, timing the walk if a counter is given. */
static const char * __init kho_in_walk(struct kho_in *in,
				       struct kho_walk *w)
{
	int err;

	memset(&in->collect, 0, sizeof(in->collect));
	in->collect.runs = in->runs;
	in->collect.max = in->runs_size / sizeof(*in->runs);
	in->walk_cycles = in->ops->cycles ? in->ops->cycles() : 0;
	err = kho_walk_serialized(w, in->root);
	if (in->ops->cycles)
		in->walk_cycles = in->ops->cycles() - in->walk_cycles;
	if (!err)
		kho_runs_flush(&in->collect);
	if (err == -E2BIG || in->collect.nr > in->collect.max)
		return "more runs of preserved blocks than scratch can list";
	if (err) {
		in->where = w->where;
		return w->why ?: "corrupted tables";
	}
	in->nr_runs = in->collect.nr;
	in->blocks = in->collect.blocks;
	in->bytes = in->collect.bytes;
	return NULL;
}

#ifdef CONFIG_KEXEC_HANDOVER_BENCH
/*
 * The benchmark walks the same tables again at once, code and tables
 * warm: what the first walk costs beyond the second is what running for
 * the first time costs (under TCG, translating the code), not reading.
 */
static const char * __init kho_in_walk_again(struct kho_in *in,
					     struct kho_walk *w)
{
	u64 first = in->walk_cycles;
	const char *why;

	in->pages = 0;
	why = kho_in_walk(in, w);
	in->walk_warm_cycles = in->walk_cycles;
	in->walk_cycles = first;
	return why;
}
#else
static inline const char *kho_in_walk_again(struct kho_in *in,
					    struct kho_walk *w)
{
	return NULL;
}
#endif

/*
 * No table page may be linked twice: the walk only catches a loop on its
 * own path, and two links to one page would count its blocks twice.
 */
static const char *kho_in_check_pages(struct kho_in *in)
{
	unsigned long i;

	sort(in->page_list, in->pages, sizeof(*in->page_list), kho_u64_cmp,
	     NULL);
	for (i = 1; i < in->pages; i++) {
		if (in->page_list[i] == in->page_list[i - 1]) {
			in->where = in->page_list[i];
			return "table page linked twice";
		}
	}
	return NULL;
}

/*
 * Sort the runs with the room left after them as the merge buffer, or
 * with a buffer of their own if they fill more than half of their array.
 */
static void __init kho_in_sort_runs(struct kho_in *in)
{
	unsigned long cap = in->runs_size / sizeof(*in->runs);
	phys_addr_t size = in->nr_runs * sizeof(*in->runs);
	struct kho_run *tmp;

	if (cap - in->nr_runs >= in->nr_runs) {
		kho_runs_sort(in->runs, in->nr_runs, in->runs + in->nr_runs);
		return;
	}
	/* Without it, kho_runs_sort() heapsorts. */
	tmp = memblock_alloc_raw(size, SMP_CACHE_BYTES);
	kho_runs_sort(in->runs, in->nr_runs, tmp);
	kho_in_free(tmp, size);
}

/* Sort the runs and check them, and that the FDT and list are preserved. */
static const char * __init kho_in_check_runs(struct kho_in *in)
{
	const char *why;

	kho_in_sort_runs(in);
	why = kho_runs_check(in->runs, in->nr_runs, &memblock.memory,
			     &memblock.reserved);
	if (!why && !kho_in_block_holds(in, in->fdt, in->fdt_size))
		why = "the FDT is not preserved";
	if (!why && !kho_in_block_holds(in, in->list, in->list_size))
		why = "the scratch list is not preserved";
	return why;
}

/* Number the blocks of the runs and keep only the memory the runs use. */
static void __init kho_in_keep_runs(struct kho_in *in)
{
	unsigned long i;
	u64 first = 0;

	for (i = 0; i < in->nr_runs; i++) {
		in->runs[i].first = first;
		first += in->runs[i].nr;
	}
	kho_in_free(in->page_list, in->pages_size);
	in->page_list = NULL;
	kho_in_free(in->runs + in->nr_runs,
		    in->runs_size - in->nr_runs * sizeof(*in->runs));
	in->runs_size = in->nr_runs * sizeof(*in->runs);
}

/**
 * kho_in_check() - Walk and check the previous kernel's tables.
 * @in: the handover, with memblock confined to scratch.
 *
 * Gathers the preserved blocks into runs, in an array allocated from
 * scratch and sorted by address, and checks them all against memblock.
 * Nothing is reserved but the array itself.
 *
 * Return: NULL, or why the handover is rejected (with the array freed).
 */
const char * __init kho_in_check(struct kho_in *in)
{
	struct kho_walk w = { .ops = &kho_in_walk_ops, .arg = in };
	const char *why;

	if (in->rejected || !in->seen)
		return in->why;

	w.min_pfn = PHYS_PFN(memblock_start_of_DRAM());
	w.max_pfn = PHYS_PFN(memblock_end_of_DRAM());
	why = kho_in_alloc_arrays(in, w.min_pfn, w.max_pfn) ?:
	      kho_in_walk(in, &w) ?:
	      kho_in_walk_again(in, &w) ?:
	      kho_in_check_pages(in) ?:
	      kho_in_check_runs(in);
	if (!why) {
		kho_in_keep_runs(in);
		return NULL;
	}

	kho_in_free(in->page_list, in->pages_size);
	kho_in_free(in->runs, in->runs_size);
	in->page_list = NULL;
	in->runs = NULL;
	in->runs_size = 0;
	in->nr_runs = 0;
	return kho_in_reject(in, why);
}

static void kho_in_add_range(void *arg, phys_addr_t base, phys_addr_t size)
{
	struct kho_in *in = arg;

	if (in->ranges) {
		in->ranges[in->nr_ranges].base = base;
		in->ranges[in->nr_ranges].size = size;
	}
	in->nr_ranges++;
}

/**
 * kho_in_reserve() - Reserve every preserved run, coalesced into ranges.
 * @in: the handover, checked by kho_in_check().
 *
 * The ranges are reserved in one pass, without struct page initialization;
 * then memblock may allocate outside scratch again.
 *
 * Return: NULL, or why the handover is rejected: then nothing is reserved.
 */
const char * __init kho_in_reserve(struct kho_in *in)
{
	phys_addr_t size;
	const char *why = NULL;
	int err;

	if (in->rejected || !in->seen)
		return in->why;

	in->ranges = NULL;
	in->nr_ranges = 0;
	kho_runs_ranges(in->runs, in->nr_runs, kho_in_add_range, in);
	size = in->nr_ranges * sizeof(*in->ranges);
	if (size) {
		in->ranges = memblock_alloc_raw(size, SMP_CACHE_BYTES);
		if (!in->ranges) {
			why = "no scratch memory for the preserved ranges";
			goto out_reject;
		}
		in->nr_ranges = 0;
		kho_runs_ranges(in->runs, in->nr_runs, kho_in_add_range, in);
	}
	err = memblock_reserve_many(in->ranges, in->nr_ranges,
				    MEMBLOCK_RSRV_NOINIT);
	kho_in_free(in->ranges, size);
	in->ranges = NULL;
	if (err) {
		why = err == -ENOMEM ?
		      "no scratch memory to reserve the preserved ranges" :
		      "preserved ranges overlap memory in use";
		goto out_reject;
	}
	memblock_clear_kho_scratch_only();
	return NULL;

out_reject:
	kho_in_free(in->runs, in->runs_size);
	return kho_in_reject(in, why);
}
