#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the KHO vmtest guest.  Finalizes the kexec handover and kexecs
# into the same kernel with kexec-tools, as an administrator would, until
# kho_vmtest.hops kexecs are done; each kernel says what it saw on the
# console, where vmtest.sh reads it.

/bin/busybox --install -s /bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mkdir -p /tmp

say() { echo "kho-vmtest: $*"; }
# debugfs blobs report no size: read one byte.
filled() { [ -n "$(head -c 1 "$1" 2>/dev/null | od -An -tx1)" ]; }
arg() { sed -n "s/.*kho_vmtest\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

hop=$(arg hop)
hops=$(arg hops)
corrupt=$(arg corrupt)
hop=${hop:-0}
hops=${hops:-0}
out=/sys/kernel/debug/kho/out
in=/sys/kernel/debug/kho/in

say "kernel $((hop + 1)) booted"
# A production kernel has no debugfs: kexec -s -l alone finalizes.
[ -d /sys/kernel/debug/kho ] || say "no debugfs"

# A kernel started by a handover must run inside the scratch areas.
if [ "$hop" -gt 0 ] && [ -r "$in/fdt" ] && [ -r "$out/scratch_phys" ]; then
	code=$(grep 'Kernel code' /proc/iomem | sed 's/^ *\([0-9a-f]*\)-.*/\1/')
	inside=no
	set -- $(od -An -v -tx8 "$out/scratch_len")
	for base in $(od -An -v -tx8 "$out/scratch_phys"); do
		len=$1
		shift
		if [ $((0x$code >= 0x$base && 0x$code < 0x$base + 0x$len)) = 1 ]; then
			inside=yes
		fi
	done
	if [ $inside = yes ]; then
		say "kernel code at 0x$code inside scratch"
	else
		say "kernel code at 0x$code outside scratch"
	fi
	sed 's/^/kho-vmtest: stats: /' "$in/stats"
	if filled "$in/fdt" && filled "$in/sub_fdts/test_kho"; then
		say "debugfs in ok"
	elif grep -q 'test_kho\.preserve_mb=[1-9]' /proc/cmdline ||
	     [ "$hop" -gt 0 ]; then
		say "debugfs in missing: $(ls -R "$in" | tr '\n' ' ')"
	fi
fi

if [ "$hop" -lt "$hops" ]; then
	next=$(sed "s/kho_vmtest\.hop=$hop/kho_vmtest.hop=$((hop + 1))/" /proc/cmdline)
	# The last kernel has nothing to hand over.
	if [ $((hop + 1)) -eq "$hops" ]; then
		next=$(echo "$next" |
		       sed 's/test_kho\.preserve_mb=[0-9]*//; s/kho_bench\.gib=[0-9]*//')
	fi
	# kho_vmtest.extraN=a:b,c:d adds "a=b c=d" to the command line from
	# kernel N on.
	next="$next $(arg "extra$((hop + 2))" | tr ',:' ' =')"

	if [ -w "$out/finalize" ]; then
		[ "$corrupt" = overlap ] && echo overlap > "$out/corrupt"
		echo 1 > "$out/finalize" || say "finalize failed"
		if filled "$out/fdt" && filled "$out/scratch_phys" &&
		   filled "$out/scratch_len" &&
		   { filled "$out/sub_fdts/test_kho" ||
		     ! grep -q 'test_kho\.preserve_mb=[1-9]' /proc/cmdline; }; then
			say "debugfs out ok"
		else
			say "debugfs out missing: $(ls -R "$out" | tr '\n' ' ')"
		fi
		case "$corrupt" in
		compatible|table) echo "$corrupt" > "$out/corrupt" ;;
		esac
	fi

	# The next kernel's initramfs is this one.
	(
		cd /
		find . -xdev \( -path ./proc -o -path ./sys -o -path ./tmp \
			-o -path ./dev \) -prune -o -print
		echo ./dev
		echo ./dev/console
		echo ./proc
		echo ./sys
		echo ./tmp
	) | cpio -o -H newc 2>/dev/null | gzip -1 > /tmp/initrd.gz

	say "kexec into kernel $((hop + 2))"
	if kexec -s -l /boot/bzImage --initrd=/tmp/initrd.gz --append="$next"; then
		kexec -e
	fi
	say "kexec failed"
fi

say "done"
sync
reboot -f
