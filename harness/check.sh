#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Static checks on our files and patches, with the base tree's own tools:
# checkpatch.pl --strict, kernel-doc, a W=1 build and sparse (C=2).  Each
# check of each file is one result; any report at all is a failure.
#
# Two lanes run side by side, each on one CPU: what only reads the tree
# (checkpatch, the series, kernel-doc, the docs, the README's table), and
# the builds, which for a moment put the base version of each patched .c
# file back, a file the first lane never reads.  Each prints its results
# once it is done.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/build.sh" || { result FAIL check-build; exit 1; }
out=$BUILD/check
rm -rf "$out"
mkdir -p "$out"

mapfile -t files < "$BUILD/laid.files"
code=()
for f in "${files[@]}"; do
	case "$f" in *.c|*.h) code+=("$f") ;; esac
done
# Objects of the kernel build; tools/ is built on the host by its own
# Makefile (harness/host.sh).
objs=()
for f in "${code[@]}"; do
	case "$f" in
	tools/*) ;;
	*.c) objs+=("${f%.c}.o") ;;
	esac
done

cd "$SRC"

warnings() {	# warnings FLAG OBJ: the object's warnings, without positions
	rm -f "$KOUT/$2"
	make -s O="$KOUT" ARCH=x86_64 CC="ccache gcc" "$1" "$2" 2>&1 |
		grep -E 'warning:|error:' | sed -E 's/^[^ ]*:[0-9]+:([0-9]+:)? //' |
		LC_ALL=C sort
}
restore_patched() {	# put back the patched file build_checks swapped out
	[ -n "${patched_file:-}" ] && cp "$patched_copy" "$SRC/$patched_file"
	patched_file=
}

read_only_checks() {
	local out=$1

	for f in "${files[@]}"; do
		case "$f" in *.c|*.h|*.sh|*.rst|Kconfig*|Makefile) ;; *) continue ;; esac
		./scripts/checkpatch.pl --strict --quiet --no-summary --show-types \
			-f "$f" > "$out/log" 2>&1
		report "checkpatch:$f" "$out/log"
	done
	# The series as it will be sent: each patch with its new files.
	"$ROOT/harness/series.sh" > "$out/series.log" 2>&1 || cat "$out/series.log" > "$out/log"
	report "series" "$out/log"
	for p in "$BUILD"/series/0*.patch; do
		case "$p" in */0000-cover-letter.patch) continue ;; esac
		./scripts/checkpatch.pl --strict --quiet --no-summary --show-types \
			"$p" > "$out/log" 2>&1
		report "checkpatch:series/$(basename "$p")" "$out/log"
	done

	for f in "${code[@]}"; do
		./scripts/kernel-doc -none -Wall "$f" > "$out/log" 2>&1
		report "kernel-doc:$f" "$out/log"
	done

	# The documentation builds with the kernel's Sphinx, without a warning.
	. "$ROOT/harness/docs-check.sh"
	docs_check "$SRC" "$BUILD/docs" "$out/log"
	report "docs:Documentation/core-api/kho,admin-guide/mm/kho.rst" "$out/log"
	# kunit.sh's KTAP filter, on a log that made kunit.py report a crash
	# of a run that passed: a keyboard's message inside a KTAP header.
	# (kunit.py exits 1 on the whole log: read what it said, not how.)
	{
		kunit_py parse "$ROOT/harness/testdata/kunit-interleaved.log" \
			> "$out/parse" 2>&1
		grep -q 'Ran 80 tests: passed: 79, crashed: 1' "$out/parse" ||
			echo "the test log no longer shows the parse failing"
		ktap_only < "$ROOT/harness/testdata/kunit-interleaved.log" \
			> "$out/ktap"
		kunit_py parse "$out/ktap" > "$out/parse" 2>&1 ||
			echo "kunit.py fails on the KTAP lines alone"
		grep -q 'Ran 79 tests: passed: 79$' "$out/parse" ||
			echo "kunit.py does not see the 79 passed cases"
	} > "$out/log" 2>&1
	report "harness:ktap-filter" "$out/log"
	# The README's scenario table is the selftest's list.
	"$ROOT/harness/scenarios-table.sh" --check > "$out/log" 2>&1
	report "readme:scenarios" "$out/log"
	return $REPORT_FAIL
}

build_checks() {
	local out=$1

	# Rebuild our objects with W=1, then sparse them; the next normal build
	# recompiles them with the usual flags (cheaply, through ccache).
	for o in "${objs[@]}"; do
		rm -f "$KOUT/$o"
		make -s O="$KOUT" ARCH=x86_64 CC="ccache gcc" W=1 "$o" > "$out/log" 2>&1
		report "W=1:${o%.o}.c" "$out/log"
	done
	for o in "${objs[@]}"; do
		make -s O="$KOUT" ARCH=x86_64 CC="ccache gcc" C=2 "$o" 2>&1 |
			grep -v '^  CHECK' > "$out/log"
		report "sparse:${o%.o}.c" "$out/log"
	done

	# Files of the base our patches change may gain no W=1 or sparse
	# warning: compare each with its base version, built the same way.
	trap restore_patched EXIT
	mapfile -t patched < <(git -C "$SRC" diff --name-only base HEAD -- '*.c')
	for f in "${patched[@]}"; do
		o=${f%.c}.o
		[ -e "$KOUT/$o" ] || continue
		for flag in W=1 C=2; do
			warnings "$flag" "$o" > "$out/new"
			cp "$SRC/$f" "$out/patched.c"
			patched_file=$f
			patched_copy=$out/patched.c
			git -C "$SRC" show "base:$f" > "$SRC/$f"
			warnings "$flag" "$o" > "$out/old"
			restore_patched
			LC_ALL=C comm -23 "$out/new" "$out/old" > "$out/log"
			report "$flag-no-new:$f" "$out/log"
		done
		rm -f "$KOUT/$o"
	done
	return $REPORT_FAIL
}

mkdir -p "$out/a" "$out/b"
read_only_checks "$out/a" > "$out/a.out" 2>&1 &
lane=$!
rc=0
build_checks "$out/b" > "$out/b.out" 2>&1 || rc=1
wait "$lane" || rc=1
cat "$out/a.out" "$out/b.out"
exit $rc
