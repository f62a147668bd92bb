#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the series' documentation with the kernel's own Sphinx setup,
# restricted to the directories it adds to, and fail on any warning about
# our files.  Sourced by check.sh and series-check.sh: defines docs_check.

# docs_check SRC OUT LOG: 0 if the KHO pages build without a warning.
docs_check() {
	local src=$1 out=$2 log=$3

	make -s -C "$src" O="$out" SPHINXDIRS="core-api/kho admin-guide/mm" \
		htmldocs > "$log.full" 2>&1 || { cat "$log.full" > "$log"; return 1; }
	grep -E 'WARNING|ERROR|CRITICAL' "$log.full" |
		grep -E 'kho|kexec_handover' > "$log" || true
	[ -s "$out/Documentation/output/core-api/kho/api/index.html" ] ||
	[ -s "$out/Documentation/output/core-api/kho/api.html" ] ||
		echo "no HTML for core-api/kho/api" >> "$log"
	[ ! -s "$log" ]
}
