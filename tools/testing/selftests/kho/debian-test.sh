#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /usr/local/sbin/kho-test.sh of the Debian guest (debian=1 scenarios):
# kho-test.service runs it once systemd has the system up.  It updates
# the kernel as an administrator would: luo-hold@demo keeps two files in
# a live update session, kexec -s -l loads the next kernel, systemctl
# kexec starts it.  The next kernel checks the files (luo-take) and the
# previous kernel's log in pstore, and goes on until kho_vmtest.hops
# updates are done.  Every line for vmtest.sh goes to the console.

say() { echo "kho-vmtest: $*"; }
arg() { sed -n "s/.*kho_vmtest\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

hop=$(arg hop)
hops=$(arg hops)
hop=${hop:-0}
hops=${hops:-0}
dir=/var/lib/kho-test
mkdir -p "$dir"

say "kernel $((hop + 1)) booted"
say "systemd: $(systemctl is-system-running 2>/dev/null)"
systemctl --failed --no-legend --plain 2>/dev/null |
	sed 's/^/kho-vmtest: failed unit: /'

if [ "$hop" -gt 0 ]; then
	# systemd-pstore may have moved the records already.
	if find /sys/fs/pstore /var/lib/systemd/pstore -name 'console-ramoops*' \
		-exec cat {} + 2>/dev/null |
	   grep -q "kho-vmtest pstore marker from kernel $hop\b"; then
		say "pstore ok: kernel $hop's console log"
	else
		say "pstore missing"
	fi
	back=$dir/back-$hop
	mkdir -p "$back"
	luo-take demo "$back" 2>&1 | sed 's/^/kho-vmtest: luo: /'
	if (cd "$back" && sha256sum -c --quiet "$dir/sums-$hop"); then
		say "luo ok: kernel $hop's files, every byte"
	else
		say "luo files differ or are missing"
	fi
fi

if [ "$hop" -ge "$hops" ]; then
	say "done"
	systemctl --no-block poweroff
	exit 0
fi

# Files for the next kernel, kept only in the session: the copies on disk
# go once luo-hold holds them.
head -c 4M /dev/urandom > "$dir/data.bin"
echo "note from kernel $((hop + 1)), boot id $(cat /proc/sys/kernel/random/boot_id)" \
	> "$dir/note.txt"
(cd "$dir" && sha256sum data.bin note.txt > "sums-$((hop + 1))")
mkdir -p /etc/liveupdate
echo "FILES=$dir/data.bin $dir/note.txt" > /etc/liveupdate/demo.conf
if systemctl start luo-hold@demo; then
	grep -qa '^@luo-hold' /proc/[0-9]*/cmdline &&
		say "luo-hold@demo holds the session as @luo-hold"
else
	systemctl status --no-pager luo-hold@demo 2>&1 | sed 's/^/kho-vmtest: /'
fi
rm -f "$dir/data.bin" "$dir/note.txt"
echo "kho-vmtest pstore marker from kernel $((hop + 1))" > /dev/kmsg

next=$(sed "s/kho_vmtest\.hop=$hop/kho_vmtest.hop=$((hop + 1))/" /proc/cmdline)
if [ $((hop + 1)) -eq "$hops" ]; then
	next=$(echo "$next" | sed 's/test_kho\.[a-z_]*=[0-9]*//g')
fi
say "kexec into kernel $((hop + 2))"
if kexec -s -l /boot/vmlinuz --append="$next"; then
	# The shutdown stops this unit: nothing after this line runs.
	systemctl --no-block kexec
	exit 0
fi
say "kexec failed"
systemctl --no-block poweroff
