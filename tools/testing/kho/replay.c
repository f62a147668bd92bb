// SPDX-License-Identifier: GPL-2.0
/*
 * Run corpus files through the fuzz target without libFuzzer, as make
 * test does: silent on success, -v names each file and its outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	struct case_result r;
	int i, n = 0;
	size_t size;
	FILE *f;

	host_init();
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			host_verbose = true;
			continue;
		}
		f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (case_run(buf, size, &r) == 0)
			n++;
		case_check_reset();
		if (host_verbose)
			printf("%s: %s\n", argv[i], r.why ?: "accepted");
	}
	if (host_verbose)
		printf("%d cases\n", n);
	return 0;
}
