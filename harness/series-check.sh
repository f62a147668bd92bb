#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check the series as a reviewer would: apply build/series/ with git am
# onto the clean base, build every patch in turn (the series bisects),
# run checkpatch --strict on each patch, kernel-doc on every file the
# series touches and sparse on every C file it touches (no new report
# against the base), and build the documentation.  A patch that touches
# more than x86, documentation and tools is built for arm64 too.  Runs in the tree's
# repository, which is put back as prepare.sh leaves it afterwards.
# SERIES_LAST=N stops after patch N, without the checks of the whole
# series (kernel-doc, sparse, documentation): a quicker look at the
# first patches.  SERIES_FIRST=N applies and checkpatches the patches
# before N but builds only from patch N on: a quicker look at the last.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

SERIES_LAST=${SERIES_LAST:-}
if [ -n "$SERIES_LAST" ]; then
	check_uint SERIES_LAST "$SERIES_LAST" 1 99
fi
SERIES_FIRST=${SERIES_FIRST:-1}
check_uint SERIES_FIRST "$SERIES_FIRST" 1 "${SERIES_LAST:-99}"
"$ROOT/harness/build.sh" >/dev/null || die "the kernel does not build"
KERNEL=arm64 "$ROOT/harness/build.sh" >/dev/null ||
	die "the arm64 kernel does not build"
"$ROOT/harness/series.sh" >/dev/null || die "make series failed"
out=$BUILD/series-check
kout=$BUILD/series-kernel
kout64=$BUILD/series-kernel-arm64
rm -rf "$out"
mkdir -p "$out" "$kout" "$kout64"
cp "$KOUT/.config" "$out/config"
cp "$(kernel_dir arm64)/.config" "$out/config-arm64"
ARM64=(ARCH=arm64 CROSS_COMPILE="${ARCH_CROSS[arm64]}"
       CC="ccache ${ARCH_CROSS[arm64]}gcc")
# Each failing check shows the first 40 lines of its report.
REPORT_LINES=40

restore() {
	cd "$SRC" || return
	git am --abort >/dev/null 2>&1
	git checkout -q -f master
	rm -f "$BUILD/patches.stamp" "$BUILD/laid.files"
	"$ROOT/harness/prepare.sh" >/dev/null 2>&1
}
trap restore EXIT

cd "$SRC"
git checkout -q -f --detach base && git clean -qfdx || die "cannot reset $SRC"
rm -f "$BUILD/patches.stamp" "$BUILD/laid.files"

for p in "$BUILD"/series/0*.patch; do
	name=$(basename "$p" .patch)
	case "$name" in 0000-*) continue ;; esac
	if ! git -c user.name=check -c user.email=check@localhost \
	     am -q --keep-cr "$p" > "$out/log" 2>&1; then
		report "am:$name" "$out/log"
		break
	fi
	./scripts/checkpatch.pl --strict --quiet --no-summary --show-types \
		"$p" > "$out/log" 2>&1
	report "checkpatch:$name" "$out/log"
	[ $((10#${name%%-*})) -ge "$SERIES_FIRST" ] || continue

	# The same configuration at every step, as far as it exists yet.
	cp "$out/config" "$kout/.config"
	log "building with $name applied"
	# An object left from an earlier run would hide a file not compiled.
	git diff --name-only --diff-filter=A HEAD~1 HEAD -- '*.c' |
		sed -n "s|^\(.*\)\.c$|$kout/\1.o|p" | xargs -r rm -f
	touch "$out/stamp"
	if make -s O="$kout" ARCH=x86_64 CC="ccache gcc" olddefconfig \
	     > "$out/build.log" 2>&1 &&
	   make -s -j"$JOBS" O="$kout" ARCH=x86_64 CC="ccache gcc" \
	     >> "$out/build.log" 2>&1; then
		grep -E 'warning:|error:' "$out/build.log" > "$out/log" || true
	else
		tail -30 "$out/build.log" > "$out/log"
	fi
	report "build:$name" "$out/log"

	if git diff --name-only HEAD~1 HEAD |
	   grep -qvE '^(arch/x86/|Documentation/|tools/|MAINTAINERS$)'; then
		cp "$out/config-arm64" "$kout64/.config"
		log "building with $name applied, for arm64"
		if make -s O="$kout64" "${ARM64[@]}" olddefconfig \
		     > "$out/build.log" 2>&1 &&
		   make -s -j"$JOBS" O="$kout64" "${ARM64[@]}" \
		     >> "$out/build.log" 2>&1; then
			grep -E 'warning:|error:' "$out/build.log" > "$out/log" || true
		else
			tail -30 "$out/build.log" > "$out/log"
		fi
		report "build-arm64:$name" "$out/log"
	fi

	# Every kernel C file the patch adds is compiled by its own build.
	: > "$out/log"
	while read -r f; do
		case "$f" in tools/*) continue ;; esac
		o=$kout/${f%.c}.o
		[ "$o" -nt "$out/stamp" ] ||
			echo "$f is not compiled with this patch applied" >> "$out/log"
	done < <(git diff --name-only --diff-filter=A HEAD~1 HEAD -- '*.c')
	report "compiled:$name" "$out/log"
	if [ -n "$SERIES_LAST" ] && [ $((10#${name%%-*})) -ge "$SERIES_LAST" ]; then
		log "series-check: stopped after $name (SERIES_LAST=$SERIES_LAST)"
		exit $REPORT_FAIL
	fi
done

# Reports for a file now and in the base, positions dropped; print the new.
new_reports() {	# new_reports CMD... (with @FILE@ standing for the file)
	local f=$1
	shift
	"${@//@FILE@/$f}" 2>&1 | sed -E 's/^[^ ]*:[0-9]+:([0-9]+:)? //' |
		LC_ALL=C sort > "$out/new"
	if git cat-file -e "base:$f" 2>/dev/null; then
		cp "$f" "$out/saved"
		git show "base:$f" > "$f"
		"${@//@FILE@/$f}" 2>&1 | sed -E 's/^[^ ]*:[0-9]+:([0-9]+:)? //' |
			LC_ALL=C sort > "$out/old"
		cp "$out/saved" "$f"
	else
		: > "$out/old"
	fi
	LC_ALL=C comm -23 "$out/new" "$out/old"
}

mapfile -t touched < <(git diff --name-only base HEAD)
for f in "${touched[@]}"; do
	case "$f" in *.c|*.h) ;; *) continue ;; esac
	new_reports "$f" ./scripts/kernel-doc -none -Wall @FILE@ > "$out/log"
	report "kernel-doc:$f" "$out/log"
done
for f in "${touched[@]}"; do
	case "$f" in *.c) ;; *) continue ;; esac
	o=${f%.c}.o
	if [ -e "$kout/$o" ]; then
		new_reports "$f" make -s O="$kout" ARCH=x86_64 CC="ccache gcc" C=2 "$o" |
			grep -E 'warning:|error:' > "$out/log"
	elif [ -e "$kout64/$o" ]; then
		new_reports "$f" make -s O="$kout64" "${ARM64[@]}" C=2 "$o" |
			grep -E 'warning:|error:' > "$out/log"
	else
		continue
	fi
	report "sparse:$f" "$out/log"
done

. "$ROOT/harness/docs-check.sh"
docs_check "$SRC" "$BUILD/series-docs" "$out/log"
report "docs" "$out/log"

passed=$(grep -c '^PASS' "${RESULTS:-/dev/null}" 2>/dev/null || true)
[ "$REPORT_FAIL" = 0 ] && log "series-check: every patch applies, builds and passes its checks"
exit $REPORT_FAIL
