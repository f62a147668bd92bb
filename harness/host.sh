#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The host harness of the next kernel's checks (tools/testing/kho): its
# unit tests, every case they build through the fuzz target's checks, and
# a fuzz run of FUZZ_SECONDS (default 60) with libFuzzer.  One result per
# unit test, one for the corpus, one for the fuzz run.  Then memblock's
# own suite (tools/testing/memblock) on the series' memblock.c: one
# result per case.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
check_uint FUZZ_SECONDS "$FUZZ_SECONDS" 0 86400
check_uint FUZZ_JOBS "$FUZZ_JOBS" 1 64

"$ROOT/harness/prepare.sh" || { result FAIL host:prepare; exit 1; }
dir=$SRC/tools/testing/kho
out=$BUILD/host
mkdir -p "$out"
make -s -C "$dir" main replay corpus > "$out/build.log" 2>&1 || {
	cat "$out/build.log"
	result FAIL host:build
	exit 1
}

status=0
if (cd "$dir" && ./main -v) > "$out/unit.log" 2>&1; then
	:
else
	status=1
fi
ktap_results host: < "$out/unit.log" > /dev/null
if [ "$status" != 0 ]; then
	grep -v '^ok \|^memblock:' "$out/unit.log"
	result FAIL "host:unit"
fi

if (cd "$dir" && ./replay -v corpus/gen/*) > "$out/corpus.log" 2>&1; then
	result PASS "host:corpus ($(grep -c ': ' "$out/corpus.log") cases)"
else
	tail -20 "$out/corpus.log"
	result FAIL host:corpus
	status=1
fi

# Its cases print "ok N : group: [sub: ]name: passed", and abort at the
# first failed assertion: line-buffered, what ran before is in the log
# (stdbuf preloads a library, which ASan must be told is fine).
mb=$SRC/tools/testing/memblock
if make -s -C "$mb" > "$out/memblock-build.log" 2>&1; then
	if ! (cd "$mb" && ASAN_OPTIONS=verify_asan_link_order=0 \
	      stdbuf -oL ./main -v) > "$out/memblock.log" 2>&1; then
		grep -v '^ok \|Running' "$out/memblock.log" | tail -20
		result FAIL "memblock:suite"
		status=1
	fi
	sed -n 's/^\(not \)\{0,1\}ok \([0-9]*\) : \(.*\): [a-z]*$/\1ok \2 \3/p' \
		"$out/memblock.log" | sed 's/: /\//g' |
		ktap_results memblock: > /dev/null
else
	tail -20 "$out/memblock-build.log"
	result FAIL memblock:build
	status=1
fi

[ "$FUZZ_SECONDS" = 0 ] && exit $status
make -s -C "$dir" fuzz-bin >> "$out/build.log" 2>&1 || {
	tail -20 "$out/build.log"
	result FAIL host:fuzz-build
	exit 1
}
rm -f "$dir"/crash-* "$dir"/timeout-* "$dir"/leak-* "$dir"/fuzz-*.log
log "fuzzing the next kernel's checks for $FUZZ_SECONDS s"
make -s -C "$dir" fuzz FUZZ_SECONDS="$FUZZ_SECONDS" FUZZ_JOBS="$FUZZ_JOBS" \
	> "$out/fuzz.log" 2>&1
rc=$?
# Each job's own log counts; the main log repeats them as jobs end.
logs=("$dir"/fuzz-*.log)
[ -e "${logs[0]}" ] || logs=("$out/fuzz.log")
runs=$(cat "${logs[@]}" 2>/dev/null |
       sed -n 's/^stat::number_of_executed_units: *//p' |
       awk '{ s += $1 } END { print s + 0 }')
corpus=$(ls "$dir/corpus/new" | wc -l)
crashes=$(ls "$dir" | grep -cE '^(crash|timeout|leak|oom)-')
echo "fuzz: $runs inputs in $FUZZ_SECONDS s, corpus $corpus inputs, $crashes crashes" |
	tee "$out/fuzz.summary"
if [ "$rc" = 0 ] && [ "$crashes" = 0 ]; then
	result PASS "host:fuzz"
else
	grep -E 'ERROR|runtime error|check failed|SUMMARY' "$out/fuzz.log" "$dir"/fuzz-*.log 2>/dev/null | head -20
	result FAIL "host:fuzz"
	status=1
fi
exit $status
