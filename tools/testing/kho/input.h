/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One case for the next kernel's checks: a memory map, scratch areas and a
 * handover written into the host's memory window.  The fuzzer and the
 * corpus files hold cases in the binary form input.c decodes.
 */
#ifndef _KHO_INPUT_H
#define _KHO_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/compiler.h>

#include "host.h"

#define CASE_MAX_MEM		4
#define CASE_MAX_RSV		8
#define CASE_MAX_SCRATCH	KHO_SCRATCH_MAX
#define CASE_NO_ROOT		0xffffffffu

/* The fixed part of a case file; 12-byte writes follow it. */
struct case_header {
	uint8_t nr_mem;
	uint8_t nr_rsv;
	uint8_t nr_scratch;
	uint8_t reserved;
	uint32_t root_off;		/* from HOST_BASE, or CASE_NO_ROOT */
	uint32_t fdt_page;
	uint32_t list_page;
	struct { uint32_t page, nr; } mem[CASE_MAX_MEM];
	struct { uint32_t page, nr; } rsv[CASE_MAX_RSV];
	struct { uint16_t first_2m, nr_2m; } scratch[CASE_MAX_SCRATCH];
} __packed;

struct case_write {
	uint32_t off;			/* from HOST_BASE, 8-byte aligned down */
	uint64_t value;
} __packed;

/* A decoded case, after it ran. */
struct case_result {
	struct host_in h;
	const char *why;		/* NULL if accepted */
};

int case_run(const uint8_t *data, size_t size, struct case_result *r);
void case_check_reset(void);

/* Writing cases. */
struct case_file {
	struct case_header hdr;
	struct case_write *writes;
	size_t nr_writes, max_writes;
};

void case_init(struct case_file *f);
void case_free(struct case_file *f);
void case_mem(struct case_file *f, uint32_t page, uint32_t nr);
void case_rsv(struct case_file *f, uint32_t page, uint32_t nr);
void case_scratch(struct case_file *f, uint16_t first_2m, uint16_t nr_2m);
void case_write(struct case_file *f, uint64_t addr, uint64_t value);
void case_dump_pages(struct case_file *f, uint64_t start, uint64_t end);
int case_save(const struct case_file *f, const char *path);
void case_bytes(const struct case_file *f, uint8_t **data, size_t *size);

#endif
