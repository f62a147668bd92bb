// SPDX-License-Identifier: GPL-2.0
/*
 * Cases for the next kernel's checks: decode one into the host's memory
 * window and memblock, run the checks and the reservation as the next
 * kernel does, and check what they did against the case, independently
 * of the code under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

#define HOST_UNITS_2M	(HOST_SIZE / SZ_2M)

/* A case adds at most a dozen regions before the checks run. */
static struct memblock_region snap_memory[64];
static struct memblock_region snap_reserved[64];
static unsigned long snap_memory_cnt, snap_reserved_cnt;

static bool region_eq(const struct memblock_region *a,
		      const struct memblock_region *b)
{
	return a->base == b->base && a->size == b->size &&
	       a->flags == b->flags;
}

/*
 * Whether [@base, @base + @size) lies inside one region of @type with
 * @flags; *@pos is where the last call found its region, so that calls in
 * address order cost one pass over @type in all.
 */
static bool inside(const struct memblock_type *type, unsigned long *pos,
		   u64 base, u64 size, unsigned int flags)
{
	const struct memblock_region *r;

	for (; *pos < type->cnt; ++*pos) {
		r = &type->regions[*pos];
		if (r->base + r->size <= base)
			continue;
		return r->base <= base && base + size <= r->base + r->size &&
		       (r->flags & flags) == flags;
	}
	return false;
}

static bool meets(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Everything an accepted handover must satisfy. */
static void check_accepted(const struct case_result *r)
{
	const struct kho_in *in = &r->h.in;
	u64 prev_end = 0, blocks = 0, block, end;
	unsigned long i, j, pos = 0;

	CHECK(in->nr_runs == 0 || in->runs);
	for (i = 0; i < in->nr_runs; i++) {
		const struct kho_run *run = &in->runs[i];

		block = PAGE_SIZE << run->order;
		end = run->base + run->nr * block;
		CHECK(run->nr > 0 && run->order <= KHO_ORDER_MAX);
		CHECK(!(run->base & (block - 1)));
		CHECK(run->base >= prev_end);
		CHECK(run->first == blocks);
		prev_end = end;
		blocks += run->nr;

		/* In RAM, outside scratch and what was reserved before. */
		CHECK(memblock_is_region_memory(run->base, end - run->base));
		for (j = 0; j < r->h.nr_areas; j++)
			CHECK(!meets(run->base, end - run->base,
				     r->h.areas[j].addr, r->h.areas[j].size));
		for (j = 0; j < snap_reserved_cnt; j++)
			CHECK(!meets(run->base, end - run->base,
				     snap_reserved[j].base,
				     snap_reserved[j].size));
		/* And reserved now, sparing struct pages. */
		CHECK(inside(&memblock.reserved, &pos, run->base,
			     end - run->base, MEMBLOCK_RSRV_NOINIT));
	}
	CHECK(blocks == in->blocks);
	/* Every table page was read once at most: the bound holds. */
	CHECK(host_maps <= in->max_pages);
}

/* A rejected handover leaves memblock as it found it. */
static void check_rejected(const struct case_result *r)
{
	const struct memblock_region *array = memblock.reserved.regions;
	u64 array_end = (u64)(array + memblock.reserved.max);
	unsigned long i, j;

	CHECK(r->h.in.rejected && !r->h.in.nr_runs && !r->h.in.runs);
	CHECK(r->h.nr_areas == 0);
	CHECK(memblock.memory.cnt == snap_memory_cnt);
	for (i = 0; i < snap_memory_cnt; i++)
		CHECK(region_eq(&memblock.memory.regions[i], &snap_memory[i]));
	/*
	 * Growing the reserved array reserves the array itself, which may
	 * merge with reserved memory on either side: compare what is left
	 * of such a region around the array.
	 */
	for (i = 0, j = 0; i < memblock.reserved.cnt; i++) {
		struct memblock_region part[2] = {
			memblock.reserved.regions[i], memblock.reserved.regions[i]
		};
		u64 end = part[0].base + part[0].size;
		unsigned int k, n = 1;

		if (host_reserved_array_moved() && part[0].base <= (u64)array &&
		    array_end <= end) {
			part[0].size = (u64)array - part[0].base;
			part[1].base = array_end;
			part[1].size = end - array_end;
			n = 2;
		}
		for (k = 0; k < n; k++) {
			if (!part[k].size)
				continue;
			CHECK(j < snap_reserved_cnt &&
			      region_eq(&part[k], &snap_reserved[j]));
			j++;
		}
	}
	CHECK(j == snap_reserved_cnt);
}

/*
 * Decode and run a case.  Returns -1 for data too short to be a case,
 * otherwise 0 with the outcome in @r, checked.
 */
int case_run(const uint8_t *data, size_t size, struct case_result *r)
{
	const struct case_write *w;
	struct case_header hdr;
	u64 page, nr, root;
	unsigned int i;

	if (size < sizeof(hdr))
		return -1;
	memcpy(&hdr, data, sizeof(hdr));
	hdr.nr_mem = hdr.nr_mem % CASE_MAX_MEM + 1;
	hdr.nr_rsv %= CASE_MAX_RSV + 1;
	hdr.nr_scratch = hdr.nr_scratch % CASE_MAX_SCRATCH + 1;

	host_reset_touched();
	for (w = (const void *)(data + sizeof(hdr));
	     (const uint8_t *)(w + 1) <= data + size; w++) {
		u64 addr = HOST_BASE + ((w->off % HOST_SIZE) & ~7ULL);

		host_touch(addr);
		*(u64 *)addr = w->value;
	}

	for (i = 0; i < hdr.nr_mem; i++) {
		page = hdr.mem[i].page % HOST_PAGES;
		nr = hdr.mem[i].nr % (HOST_PAGES - page) + 1;
		memblock_add(HOST_ADDR(page), nr << PAGE_SHIFT);
	}
	for (i = 0; i < hdr.nr_rsv; i++) {
		page = hdr.rsv[i].page % HOST_PAGES;
		nr = hdr.rsv[i].nr % (HOST_PAGES - page) + 1;
		memblock_reserve(HOST_ADDR(page), nr << PAGE_SHIFT);
	}

	root = hdr.root_off == CASE_NO_ROOT ? 0 :
	       HOST_BASE + hdr.root_off % HOST_SIZE;
	host_in_init(&r->h, root, HOST_ADDR(hdr.fdt_page % HOST_PAGES),
		     HOST_ADDR(hdr.list_page % HOST_PAGES));
	for (i = 0; i < hdr.nr_scratch; i++) {
		u64 first = hdr.scratch[i].first_2m % HOST_UNITS_2M;
		u64 n = hdr.scratch[i].nr_2m % (HOST_UNITS_2M - first) + 1;

		r->h.areas[i].addr = HOST_BASE + first * SZ_2M;
		r->h.areas[i].size = n * SZ_2M;
	}
	r->h.nr_areas = hdr.nr_scratch;

	snap_memory_cnt = memblock.memory.cnt;
	memcpy(snap_memory, memblock.memory.regions,
	       snap_memory_cnt * sizeof(*snap_memory));
	snap_reserved_cnt = memblock.reserved.cnt;
	memcpy(snap_reserved, memblock.reserved.regions,
	       snap_reserved_cnt * sizeof(*snap_reserved));

	/* As the next kernel: scratch only, then the walk, then reserve. */
	r->why = kho_in_scratch_only(&r->h.in, 0);
	if (!r->why)
		r->why = kho_in_check(&r->h.in);
	if (!r->why)
		r->why = kho_in_reserve(&r->h.in);

	if (r->why)
		check_rejected(r);
	else
		check_accepted(r);
	return 0;
}

/*
 * Whether the last case wrote only where the host tracks it: the window
 * must read zero once it is reset for the next case.
 */
void case_check_reset(void)
{
	host_reset_touched();
	CHECK(host_window_zero());
}

void case_init(struct case_file *f)
{
	memset(f, 0, sizeof(*f));
	f->hdr.root_off = CASE_NO_ROOT;
}

void case_free(struct case_file *f)
{
	free(f->writes);
	case_init(f);
}

void case_mem(struct case_file *f, uint32_t page, uint32_t nr)
{
	f->hdr.mem[f->hdr.nr_mem].page = page;
	f->hdr.mem[f->hdr.nr_mem].nr = nr - 1;
	f->hdr.nr_mem++;
}

void case_rsv(struct case_file *f, uint32_t page, uint32_t nr)
{
	f->hdr.rsv[f->hdr.nr_rsv].page = page;
	f->hdr.rsv[f->hdr.nr_rsv].nr = nr - 1;
	f->hdr.nr_rsv++;
}

void case_scratch(struct case_file *f, uint16_t first_2m, uint16_t nr_2m)
{
	f->hdr.scratch[f->hdr.nr_scratch].first_2m = first_2m;
	f->hdr.scratch[f->hdr.nr_scratch].nr_2m = nr_2m - 1;
	f->hdr.nr_scratch++;
}

void case_write(struct case_file *f, uint64_t addr, uint64_t value)
{
	if (f->nr_writes == f->max_writes) {
		f->max_writes = f->max_writes * 2 + 64;
		f->writes = realloc(f->writes,
				    f->max_writes * sizeof(*f->writes));
		CHECK(f->writes);
	}
	f->writes[f->nr_writes].off = addr - HOST_BASE;
	f->writes[f->nr_writes].value = value;
	f->nr_writes++;
}

/* Record every non-zero word of [@start, @end) of the window. */
void case_dump_pages(struct case_file *f, uint64_t start, uint64_t end)
{
	const uint64_t *p;

	for (p = (const uint64_t *)start; p < (const uint64_t *)end; p++)
		if (*p)
			case_write(f, (uint64_t)p, *p);
}

/* The counts in a file are stored as the decoder reduces them. */
void case_bytes(const struct case_file *f, uint8_t **data, size_t *size)
{
	struct case_header hdr = f->hdr;

	hdr.nr_mem = f->hdr.nr_mem - 1;
	hdr.nr_scratch = f->hdr.nr_scratch - 1;
	*size = sizeof(hdr) + f->nr_writes * sizeof(*f->writes);
	*data = malloc(*size);
	CHECK(*data);
	memcpy(*data, &hdr, sizeof(hdr));
	memcpy(*data + sizeof(hdr), f->writes,
	       f->nr_writes * sizeof(*f->writes));
}

int case_save(const struct case_file *f, const char *path)
{
	uint8_t *data;
	size_t size;
	FILE *out;
	int err = 0;

	case_bytes(f, &data, &size);
	out = fopen(path, "wb");
	if (!out || fwrite(data, size, 1, out) != 1)
		err = -1;
	if (out && fclose(out))
		err = -1;
	free(data);
	return err;
}
