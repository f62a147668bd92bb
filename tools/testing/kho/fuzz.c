// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a memory map, scratch areas and a handover's tables in
 * memory, through the next kernel's checks and reservation.  input.c
 * checks every outcome: work bounded, an accepted handover's runs apart,
 * in RAM, outside scratch and reserved memory and all reserved, a
 * rejected one leaving memblock as it was.
 */
#include "input.h"

/* The Makefile names it as libFuzzer wants: fuzz_one_input is its entry. */
int fuzz_one_input(const uint8_t *data, size_t size);

int fuzz_one_input(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	struct case_result r;

	if (!runs++)
		host_init();
	case_run(data, size, &r);
	/* Now and then, that the next case starts from a zeroed window. */
	if (!(runs % 8192))
		case_check_reset();
	return 0;
}
