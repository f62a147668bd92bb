// SPDX-License-Identifier: GPL-2.0
/*
 * The host's stand-in machine for tools/testing/kho: a memory window at a
 * fixed address, memblock over it, and what the kernel code under test
 * calls that the host does not have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/err.h>
#include <linux/kexec_handover.h>
#include <linux/notifier.h>
#include <linux/slab.h>

#include "host.h"

const char *kho_host_name;
bool host_verbose;
unsigned long host_maps;
bool movable_node_enabled;

static struct memblock_region *host_memory_regions;
static struct memblock_region *host_reserved_regions;
static unsigned long host_memory_max, host_reserved_max;

/* The tracker's pages come from [host_next, host_end) of the window. */
static u64 host_next, host_end;

void host_fail(const char *file, int line, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

void host_init(void)
{
	void *p = mmap((void *)HOST_BASE, HOST_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)HOST_BASE) {
		perror("cannot map the memory window");
		exit(1);
	}
	host_memory_regions = memblock.memory.regions;
	host_reserved_regions = memblock.reserved.regions;
	host_memory_max = memblock.memory.max;
	host_reserved_max = memblock.reserved.max;
	memblock_allow_resize();
	host_reset();
}

/*
 * What a case wrote to the window, so that the next one starts from zeroes
 * without faulting in every page again: the pages the case's own writes
 * touched, zeroed and kept, and the ranges memblock handed out (the walk's
 * arrays, a grown region array), dropped.  Callers that write to the window
 * themselves use host_reset(), which drops it all.
 */
static unsigned long host_dirty_map[BITS_TO_LONGS(HOST_PAGES)];
static u32 host_dirty[HOST_PAGES];
static unsigned long host_nr_dirty;
static struct { u64 addr, size; } host_allocs[32];
static unsigned int host_nr_allocs;
static bool host_untracked = true;

void host_touch(u64 addr)
{
	unsigned long page = (addr - HOST_BASE) >> PAGE_SHIFT;

	if (!__test_and_set_bit(page, host_dirty_map))
		host_dirty[host_nr_dirty++] = page;
}

void host_alloc_made(u64 addr, u64 size)
{
	u64 end = ALIGN(addr + size, PAGE_SIZE);

	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	size = end - addr;
	if (host_nr_allocs == ARRAY_SIZE(host_allocs)) {
		host_untracked = true;
		return;
	}
	host_allocs[host_nr_allocs].addr = addr;
	host_allocs[host_nr_allocs].size = size;
	host_nr_allocs++;
}

static void host_forget_touched(void)
{
	unsigned long i;

	for (i = 0; i < host_nr_dirty; i++)
		__clear_bit(host_dirty[i], host_dirty_map);
	host_nr_dirty = 0;
	host_nr_allocs = 0;
}

static void host_empty_memblock(void)
{
	memblock_clear_kho_scratch_only();
	memblock.memory.regions = host_memory_regions;
	memblock.memory.max = host_memory_max;
	memblock.reserved.regions = host_reserved_regions;
	memblock.reserved.max = host_reserved_max;
	memset(host_memory_regions, 0, host_memory_max * sizeof(*host_memory_regions));
	memset(host_reserved_regions, 0,
	       host_reserved_max * sizeof(*host_reserved_regions));
	memblock.memory.cnt = 0;
	memblock.memory.total_size = 0;
	memblock.reserved.cnt = 0;
	memblock.reserved.total_size = 0;
	memblock.bottom_up = false;
	memblock.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
	host_maps = 0;
	host_next = 0;
	host_end = 0;
}

/* Zero the whole window, as cheaply as the pages touched, and empty memblock. */
void host_reset(void)
{
	madvise((void *)HOST_BASE, HOST_SIZE, MADV_DONTNEED);
	host_forget_touched();
	host_untracked = true;
	host_empty_memblock();
}

/* The same for a case, when everything since the last reset was tracked. */
void host_reset_touched(void)
{
	unsigned long i;

	if (host_untracked) {
		madvise((void *)HOST_BASE, HOST_SIZE, MADV_DONTNEED);
	} else {
		for (i = 0; i < host_nr_dirty; i++)
			memset((void *)HOST_ADDR(host_dirty[i]), 0, PAGE_SIZE);
		for (i = 0; i < host_nr_allocs; i++)
			madvise((void *)host_allocs[i].addr, host_allocs[i].size,
				MADV_DONTNEED);
	}
	host_forget_touched();
	host_untracked = false;
	host_empty_memblock();
}

/*
 * Whether the window reads zero: what host_reset_touched() must leave.
 * Pages never faulted in are zero; only the resident ones are read.
 */
bool host_window_zero(void)
{
	static const u8 zero[PAGE_SIZE];
	static unsigned char resident[HOST_PAGES];
	unsigned long i;

	CHECK(!mincore((void *)HOST_BASE, HOST_SIZE, resident));
	for (i = 0; i < HOST_PAGES; i++)
		if ((resident[i] & 1) &&
		    memcmp((void *)HOST_ADDR(i), zero, PAGE_SIZE))
			return false;
	return true;
}

bool host_reserved_array_moved(void)
{
	return memblock.reserved.regions != host_reserved_regions;
}

void host_pages_from(u64 start, u64 end)
{
	host_next = start;
	host_end = end;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	u64 page = host_next;

	if (host_next >= host_end)
		return 0;
	host_next += PAGE_SIZE;
	memset((void *)page, 0, PAGE_SIZE);
	return page;
}

void free_page(unsigned long addr)
{
}

static const void *host_map_early(u64 phys, u64 size)
{
	if (phys < HOST_BASE || phys + size > HOST_BASE + HOST_SIZE ||
	    phys + size < phys)
		return NULL;
	return (const void *)phys;
}

static void host_unmap_early(const void *p, u64 size)
{
}

static const void *host_map(phys_addr_t phys, size_t size)
{
	/* The checks map only what memblock knows as RAM: in the window. */
	CHECK(phys >= HOST_BASE && phys + size <= HOST_BASE + HOST_SIZE);
	host_maps++;
	return (const void *)phys;
}

const struct kho_in_ops host_in_ops = {
	.map_early = host_map_early,
	.unmap_early = host_unmap_early,
	.map = host_map,
};

void host_in_init(struct host_in *h, u64 root, u64 fdt, u64 list)
{
	memset(h, 0, sizeof(*h));
	h->in.ops = &host_in_ops;
	h->in.areas = h->areas;
	h->in.nr_areas = &h->nr_areas;
	h->in.seen = true;
	h->in.root = root;
	h->in.fdt = fdt;
	h->in.fdt_size = PAGE_SIZE;
	h->in.list = list;
	h->in.list_size = sizeof(struct kho_scratch);
}

/* What memblock.c and the tracker call that the host lacks. */
void *kmalloc(size_t size, gfp_t gfp)
{
	return gfp & __GFP_ZERO ? calloc(1, size) : malloc(size);
}

void kfree(void *p)
{
	free(p);
}

bool slab_is_available(void)
{
	return false;
}

struct pglist_data *first_online_pgdat(void)
{
	return NULL;
}

struct pglist_data *next_online_pgdat(struct pglist_data *pgdat)
{
	return NULL;
}

void reserve_bootmem_region(phys_addr_t start, phys_addr_t end, int nid)
{
}

/* mm/memblock.c's reserve_mem client finds no handover here. */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	return -ENOENT;
}

bool kho_is_preserved(phys_addr_t phys, u64 size)
{
	return false;
}

bool kho_keep_range(phys_addr_t phys, u64 size)
{
	return false;
}

bool kho_is_enabled(void)
{
	return false;
}

void *kho_alloc_preserve(size_t size)
{
	return ERR_PTR(-EOPNOTSUPP);
}

void kho_restore_free(void *mem)
{
}

int kho_preserve_phys(phys_addr_t phys, size_t size)
{
	return -EOPNOTSUPP;
}

int register_kho_notifier(struct notifier_block *nb)
{
	return -EOPNOTSUPP;
}

int kho_add_subtree(struct kho_serialization *ser, const char *name,
		    void *fdt)
{
	return -EOPNOTSUPP;
}

void atomic_long_set(atomic_long_t *v, long i)
{
	v->counter = i;
}
