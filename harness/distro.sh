#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Configure the distribution kernel: Debian's own 6.12 config as the
# linux-config-6.12 package ships it, with modules turned off
# (make mod2noconfig) but efivarfs built in, Debian's signing-key paths
# cleared, the KHO options and test module added, and drivers the QEMU
# guest does not have trimmed (harness/distro-trim.config).  Then check
# that no option of mm/, kernel/, init/, arch/x86/, security/ or the EFI
# code changed from Debian's but for what KEXEC_HANDOVER selects, and list
# every change.
#   harness/distro.sh KERNEL_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kout=$1
debian=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
[ -r "$debian" ] || die "$debian missing: install linux-config-6.12"
mkdir -p "$kout"
cfg="$SRC/scripts/config --file $kout/.config"

xzcat "$debian" > "$kout/config.debian"
cp "$kout/config.debian" "$kout/.config"
make -s -C "$SRC" O="$kout" olddefconfig
cp "$kout/.config" "$kout/config.debian-olddefconfig"
make -s -C "$SRC" O="$kout" mod2noconfig
cp "$kout/.config" "$kout/config.modules-off"
$cfg --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
     --set-str MODULE_SIG_KEY "certs/signing_key.pem"
# The one module the tests need, built in: Debian's systemd mounts
# efivarfs at boot, and the tests read EFI variables through it.
$cfg --enable EFIVAR_FS
# The KHO options, and the test module.
$cfg --enable KEXEC_HANDOVER --enable KEXEC_HANDOVER_DEBUG \
     --enable TEST_KEXEC_HANDOVER
# Drivers the guest does not have (see the trim list).
while read -r opt; do
	case "$opt" in
	''|'#'*) continue ;;
	*=y) $cfg --enable "${opt%=y}" ;;
	*) $cfg --disable "$opt" ;;
	esac
done < "$ROOT/harness/distro-trim.config"
make -s -C "$SRC" O="$kout" olddefconfig

# What turning modules off changed, and what KHO and the trim changed
# beyond it: nothing in the directories kept as Debian has them.
python3 "$ROOT/harness/distro_diff.py" --report "$SRC" \
	"$kout/config.debian-olddefconfig" "$kout/config.modules-off" \
	> "$kout/config.modules-off.changes"
python3 "$ROOT/harness/distro_diff.py" "$SRC" "$kout/config.modules-off" \
	"$kout/.config" > "$kout/config.changes" ||
	die "the distro config changes Debian's options: see $kout/config.changes"
