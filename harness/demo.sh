#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the patched kernel and boot it under QEMU with the KHO KUnit
# suite running at boot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$ROOT/harness/build.sh"
log "booting $KOUT/arch/x86/boot/bzImage under QEMU (TCG)"
timeout 300 "$QEMU" -accel tcg -smp "${SMP:-2}" -m "${MEM:-1G}" -nodefaults \
	-nographic -serial stdio -no-reboot \
	-kernel "$KOUT/arch/x86/boot/bzImage" \
	-append "console=ttyS0 kunit_shutdown=reboot ${CMDLINE_EXTRA:-}" |
	tee "$BUILD/demo.log" | grep -E 'KHO|kho|# Totals|^\[.*\] *(not )?ok [0-9]+ kho'
