#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Configure and build the one kernel every test boots: the KUnit fragment
# next to the tests plus harness/vm.config, built out of tree with ccache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/prepare.sh"
log "building $KOUT/arch/x86/boot/bzImage"
kunit_py build --arch=x86_64 --build_dir="$KOUT" "${KUNITCONFIGS[@]}" \
	--jobs="$JOBS" --make_options CC="ccache gcc" "$@" >"$BUILD/build.log" 2>&1 || {
	tail -40 "$BUILD/build.log" >&2
	die "kernel build failed; full log in $BUILD/build.log"
}
grep -E 'warning:|error:' "$BUILD/build.log" >&2 || true
