#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the KHO vmtest guest.  Kexecs into the same kernel with
# kexec-tools, as an administrator would (kexec -s -l, then kexec -e: the
# handover is finalized then), until kho_vmtest.hops kexecs are done; each
# kernel says what it saw on the console, where vmtest.sh reads it.

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
meminfo() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }

hop=$(arg hop)
hops=$(arg hops)
corrupt=$(arg corrupt)
finalize=$(arg finalize)
hop=${hop:-0}
hops=${hops:-0}
out=/sys/kernel/debug/kho/out
in=/sys/kernel/debug/kho/in

say "kernel $((hop + 1)) booted"

# kho_vmtest.lubench=N: the live update benchmark.  Its blackout ends
# when the next kernel has its files back, so it takes them first thing.
lubench=$(arg lubench)
if [ "${lubench:-0}" != 0 ] && [ "$hop" != 0 ]; then
	/bin/luo_bench 2 2>&1 | sed 's/^/kho-vmtest: lu: /'
fi

# kho_vmtest.vm=live: luo-vm keeps a VM running through each kexec,
# resumed here first thing, its blackout in mind; =taken: a session of
# luo-hold's takes the VM's name, so the VM is not kept.
vm=$(arg vm)
export LUO_VM_DIR=/tmp/luo-vm
vmlog=/tmp/vm0.serial
# vm_wait N PATTERN: wait up to 4 minutes, by the clock and inside the
# scenario's timeout, for N lines of the VM's console matching PATTERN,
# or one saying its RAM is wrong.
vm_wait() {
	local c end=$(($(date +%s) + 240))

	until c=$(grep -c "$2" "$vmlog" 2>/dev/null); [ "${c:-0}" -ge "$1" ] ||
	      grep -q 'RAM BAD' "$vmlog" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			say "vm: no '$2' after 4 minutes"
			vm_why
			return 1
		fi
		sleep 0.5
	done
}
# vm_last: the VM's last whole line.
vm_last() {
	cat "$vmlog" > /tmp/vm.snap
	grep '^vmguest: ' /tmp/vm.snap | tail -2 | {
		read -r a
		read -r b
		# The last line may be still being written.
		if [ -n "$b" ] && [ "$(tail -c 1 /tmp/vm.snap | od -An -tx1)" = " 0a" ]; then
			echo "$b"
		else
			echo "$a"
		fi
	}
}
# vm_why: what there is to see of a VM that seems stuck: whether QEMU
# lives and still runs (two looks 5 s apart), its threads, whether its
# console still grows, and the memory left (the kernel speaks for
# itself on the console).
vm_why() {
	local p look t

	p=$(cat "$LUO_VM_DIR/vm0.pid" 2>/dev/null)
	for look in 1 2; do
		if [ -n "$p" ] && [ -d "/proc/$p" ]; then
			for t in /proc/"$p"/task/*; do
				[ -r "$t/stat" ] || continue
				say "vm: QEMU $p thread ${t##*/}:" \
				    "$(sed 's/.*) //' "$t/stat" | cut -d' ' -f1,12,13)" \
				    "(state, utime, stime), in $(cat "$t/wchan" 2>/dev/null)"
			done
		else
			say "vm: QEMU ${p:-?} is gone"
		fi
		say "vm: console $(wc -c < "$vmlog") bytes at $(cut -d' ' -f1 /proc/uptime) s"
		[ $look = 2 ] || sleep 5
	done
	say "vm: console: $(grep -c 'RAM BAD' "$vmlog") RAM BAD lines; it ends:"
	tail -c 200 "$vmlog" | sed 's/^/kho-vmtest: vm: console: /'
	tail -3 "$LUO_VM_DIR/vm0.log" | sed 's/^/kho-vmtest: vm: qemu: /'
	grep -E 'MemAvailable|Shmem:' /proc/meminfo | sed 's/^/kho-vmtest: vm: /'
}
# vm_runs_on: wait for the VM's console to go on, and print its last line.
vm_runs_on() {
	local was end

	# Up to 3 minutes by the clock: a loaded host slows the nested QEMU
	# and this loop alike.
	was=$(vm_last)
	end=$(($(date +%s) + 180))
	while [ "$(vm_last)" = "$was" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.5
	done
	if [ "$(vm_last)" = "$was" ]; then
		say "vm: did not run on"
		vm_why
	else
		say "vm: $(vm_last)"
	fi
}
# vm_seen: the VM's first line since QEMU started, and the first pass
# over all its RAM: after a resume the second, as the first began before
# the pause.
vm_seen() {
	n=1
	[ "$hop" = 0 ] || n=2
	vm_wait $n 'verified'
	say "vm: $(grep -m1 '^vmguest: ' "$vmlog")"
	grep 'RAM BAD' "$vmlog" | sed 's/^/kho-vmtest: vm: /'
	say "vm: checked: $(grep 'verified' "$vmlog" | sed -n "${n}p")"
}
if [ -n "$vm" ]; then
	if [ "$hop" = 0 ]; then
		if [ "$vm" = taken ]; then
			echo "not a VM" > /tmp/notvm
			luo-hold vm0 /tmp/notvm 2>&1 | sed 's/^/kho-vmtest: vm: /'
		fi
		luo-vm start vm0 "$(arg vm_mib)M" -- qemu-system-x86_64 -accel tcg \
			-machine pc -nodefaults -no-user-config -vga none \
			-display none -serial "file:$vmlog" \
			-kernel /vm/vmguest.elf > /tmp/vm.out 2>&1
	else
		luo-vm resume vm0 > /tmp/vm.out 2>&1
	fi
	vmrc=$?
	sed 's/^/kho-vmtest: vm: /' /tmp/vm.out
	[ $vmrc = 0 ] && vm_seen
	# A session luo-vm could not resume is kept until given up.
	pid=$(sed -n 's/.*; process \([0-9]*\) keeps session.*/\1/p' /tmp/vm.out)
	if [ -n "$pid" ]; then
		kill -USR2 "$pid"
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		tail -1 "$LUO_VM_DIR/vm0.log" | sed 's/^/kho-vmtest: vm: /'
	fi
fi
# Which paging the kernel runs with: the kernel clears the la57 flag
# unless it turned five levels on.
if grep -q 'kho_vmtest\.la57=1' /proc/cmdline; then
	if grep -qw la57 /proc/cpuinfo; then
		say "5-level paging"
	else
		say "4-level paging"
	fi
fi
# Booted through UEFI: runtime services still answer after a kexec, which
# needs the EFI memory map and runtime mappings handed on beside KHO's.
if [ -d /sys/firmware/efi ]; then
	mount -t efivarfs none /sys/firmware/efi/efivars 2>/dev/null
	n=$(ls /sys/firmware/efi/efivars 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		say "efi runtime ok: $n variables"
	else
		say "efi runtime services gave no variables"
	fi
fi
# A bad handover in /chosen is hidden from the tree once read.
if [ "$(arg chosen)" = 1 ] && [ "$hop" -gt 0 ]; then
	if [ ! -d /proc/device-tree/chosen ] || [ ! -r /sys/firmware/fdt ]; then
		say "chosen: no device tree to look at"
	elif ls /proc/device-tree/chosen | grep -q '^linux,kho-'; then
		say "chosen: handover still in /proc/device-tree"
	else
		say "chosen: handover hidden"
	fi
fi
# A production kernel has no debugfs: kexec -e alone finalizes.
[ -d /sys/kernel/debug/kho ] || say "no debugfs"

# CMA, which is scratch, adds up: in meminfo, in the zones, in scratch.
cma_total=$(meminfo CmaTotal)
cma_free=$(meminfo CmaFree)
cma_zones=$(awk '$1 == "cma" { s += $2 } END { print s * 4 }' /proc/zoneinfo)
scratch=0
if [ -r "$out/scratch_len" ]; then
	for len in $(od -An -v -tx8 "$out/scratch_len"); do
		scratch=$((scratch + 0x$len / 1024))
	done
fi
if [ -n "$cma_total" ] && [ "$cma_total" = "$cma_zones" ] &&
   [ "$cma_free" -le "$cma_total" ] && [ "$cma_total" -ge "$scratch" ]; then
	say "cma ok: total $cma_total kB, free $cma_free kB, scratch $scratch kB"
else
	say "cma wrong: total $cma_total kB, zones $cma_zones kB," \
	    "free $cma_free kB, scratch $scratch kB"
fi

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
	# Reserved ranges arm64 publishes: preserved memory is not one.
	say "iomem: $(grep -c ': reserved$' /proc/iomem) reserved ranges"
	# test_kho restored and freed its sub-FDT: debugfs shows a copy.
	sub=$in/sub_fdts/test_kho
	if filled "$in/fdt" && filled "$sub" &&
	   [ "$(head -c 4 "$sub" | od -An -tx1 | tr -d ' ')" = d00dfeed ] &&
	   grep -q kho-test-v1 "$sub"; then
		say "debugfs in ok"
	elif grep -q 'test_kho\.preserve_mb=[1-9]' /proc/cmdline ||
	     [ "$hop" -gt 0 ]; then
		say "debugfs in missing: $(ls -R "$in" | tr '\n' ' ')"
	fi
fi

# pstore and the persistent trace buffer, on reserve_mem regions that the
# handover kept: what the kernel before wrote is there, with its marker.
if grep -q 'ramoops\.mem_name=' /proc/cmdline; then
	if [ "$hop" -gt 0 ]; then
		mkdir -p /sys/fs/pstore
		mount -t pstore none /sys/fs/pstore 2>/dev/null
		if cat /sys/fs/pstore/console-ramoops* 2>/dev/null |
		   grep -q "kho-vmtest pstore marker from kernel $hop\b"; then
			say "pstore ok: kernel $hop's console log"
		else
			say "pstore missing: $(ls /sys/fs/pstore | tr '\n' ' ')"
		fi
		# Kept for good, the region stays a reserved range in
		# /proc/iomem where the kernel lists memblock's (arm64).
		at=$(cat /sys/module/ramoops/parameters/mem_address 2>/dev/null)
		if [ "$(uname -m)" = aarch64 ] && [ -n "$at" ]; then
			listed=no
			ranges=$(sed -n 's/^ *\([0-9a-f-]*\) : reserved$/\1/p' /proc/iomem)
			for r in $ranges; do
				if [ $((0x${r%-*} <= at && at <= 0x${r#*-})) = 1 ]; then
					listed=yes
				fi
			done
			say "pstore region at $(printf %#x "$at") reserved in iomem: $listed"
		fi
	fi
	echo "kho-vmtest pstore marker from kernel $((hop + 1))" > /dev/kmsg
fi
tr=/sys/kernel/tracing/instances/kho
if grep -q 'trace_instance=kho@' /proc/cmdline; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	if [ "$hop" -gt 0 ]; then
		if grep -q "kho-vmtest marker from kernel $hop\b" "$tr/trace"; then
			say "ftrace ok: kernel $hop's marker"
		else
			say "ftrace missing: $(grep -c marker "$tr/trace" 2>&1)"
		fi
	fi
	echo "kho-vmtest marker from kernel $((hop + 1))" > "$tr/trace_marker"
fi

# A debug kernel: anything kmemleak finds after the handover fails.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sed 's/^/kho-vmtest: kmemleak: /' /sys/kernel/debug/kmemleak
	say "kmemleak scanned"
fi

# Live update: the device's cases first, then what the kernel before kept.
# kho_vmtest.lubig=1: 500 memfds, 1 GiB, only; kho_vmtest.lumax=1: the
# most sessions and files a handover holds, only; liveupdate_debug=freeze:
# the reboot must fail; liveupdate_debug=corrupt: the next kernel must
# refuse what it was handed, and still work; liveupdate_debug=pos: a memfd
# at a bad position must not be retrieved.
lu=$(arg liveupdate)
lu1=
lu2=
[ "$(arg lubig)" = 1 ] && lu1=--big lu2=--big
[ "$(arg lumax)" = 1 ] && lu1=--max lu2=--max
grep -q 'liveupdate_debug=pos' /proc/cmdline && lu1=--bad-pos lu2=--bad-pos
grep -q 'liveupdate_debug=freeze' /proc/cmdline && lu1=--fail-freeze
grep -q 'liveupdate_debug=corrupt' /proc/cmdline && lu2=--rejected
if [ "$lu" = 1 ]; then
	if [ "$hop" = 0 ]; then
		[ -z "$lu1$lu2" ] &&
			/bin/liveupdate_test 2>&1 | sed 's/^/kho-vmtest: lu: /'
	else
		/bin/luo_kexec 2 $lu2 2>&1 | sed 's/^/kho-vmtest: lu: /'
	fi
fi

# samples/kho keeps a message across each kexec.  Unloaded, it gives its
# memory up; while the handover is finalized, it cannot be unloaded.
if [ "$(arg sample)" = 1 ]; then
	if [ "$hop" = 0 ]; then
		insmod /lib/kho_sample.ko message=\"unloaded in kernel 1\" &&
			rmmod kho_sample
	fi
	insmod /lib/kho_sample.ko message=\"from kernel $((hop + 1))\" ||
		say "sample: insmod failed"
	if [ "$hop" = 0 ] && [ -w "$out/finalize" ]; then
		echo 1 > "$out/finalize"
		rmmod kho_sample 2>/dev/null ||
			say "sample: rmmod refused while finalized"
		echo 0 > "$out/finalize"
		# The abort gave the reference back.
		rmmod kho_sample && say "sample: unloaded after abort"
		insmod /lib/kho_sample.ko message=\"from kernel 1\" ||
			say "sample: insmod failed"
	fi
fi

# The administrator's tools: luo-hold keeps files, luo-take gives them
# back.  luo-take writes beside a file that exists, and when the disk is
# full it keeps the session in the background until SIGUSR1 retries.
if [ "$(arg luhold)" = 1 ]; then
	if [ "$hop" = 0 ]; then
		id=$(cat /proc/sys/kernel/random/boot_id)
		say "luo: kernel 1 boot id $id"
		mkdir -p /tmp/luo
		echo "note from kernel 1, boot id $id" > /tmp/luo/note.txt
		cp /init /tmp/luo/init
		cp /bin/busybox /tmp/luo/busybox
		luo-hold demo /tmp/luo/note.txt /tmp/luo/init /tmp/luo/busybox \
			2>&1 | sed 's/^/kho-vmtest: luo: /'
		grep -qa '^@luo-hold' /proc/[0-9]*/cmdline && say "luo: holder renamed @luo-hold"
	else
		mkdir -p /tmp/back
		mount -t tmpfs -o size=256k none /tmp/back
		echo "already here" > /tmp/back/init
		luo-take demo /tmp/back > /tmp/take.out 2>&1
		say "luo: luo-take exited $?"
		pid=$(sed -n 's/.*process \([0-9]*\) keeps the session.*/\1/p' /tmp/take.out)
		if [ -n "$pid" ]; then
			mount -o remount,size=16m /tmp/back
			kill -USR1 "$pid"
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		fi
		sed 's/^/kho-vmtest: luo: /' /tmp/take.out
		say "luo: took back: $(cat /tmp/back/note.txt 2>&1)"
		cmp -s /tmp/back/init.1 /init && say "luo: init matches"
		cmp -s /tmp/back/busybox /bin/busybox && say "luo: busybox matches"
		[ "$(cat /tmp/back/init)" = "already here" ] &&
			say "luo: existing file kept"
	fi
fi

if [ "$hop" -lt "$hops" ]; then
	next=$(sed "s/kho_vmtest\.hop=$hop/kho_vmtest.hop=$((hop + 1))/" /proc/cmdline)
	# The last kernel has nothing to hand over.
	if [ $((hop + 1)) -eq "$hops" ]; then
		next=$(echo "$next" |
		       sed 's/test_kho\.[a-z_]*=[0-9]*//g; s/kho_bench\.[a-z]*=[0-9]*//g')
	fi
	# kho_vmtest.extraN=a:b,c:d adds "a=b c=d" to the command line from
	# kernel N on.
	next="$next $(arg "extra$((hop + 2))" | tr ',:' ' =')"

	[ "$corrupt" = overlap ] && echo overlap > "$out/corrupt"
	# By default kexec -e finalizes; kho_vmtest.finalize=1 does it by
	# hand first, as tests that damage the finalized handover must.
	if [ "$finalize" = 1 ] && [ -w "$out/finalize" ]; then
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
		compatible|table|shared|reserve_mem)
			echo "$corrupt" > "$out/corrupt" ;;
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

	# kho_vmtest.plain=1: a kexec_load() image, which carries no
	# handover, must be refused while anything is preserved; once
	# kho/out/discard says to drop it, the kexec goes on without it.
	if [ "$(arg plain)" = 1 ] &&
	   kexec -l /boot/kernel --initrd=/tmp/initrd.gz --append="$next"; then
		kexec -e
		say "plain kexec -e refused"
		if [ -w "$out/discard" ]; then
			echo 1 > "$out/discard"
			say "discarding the handover; plain kexec into kernel $((hop + 2))"
			kexec -e
			say "plain kexec -e failed after discard"
		fi
		kexec -u
	fi

	# kho_vmtest.badimage=1: the Image marked as one with 16K pages (bits
	# 1-2 of its header's flags, at byte 24, are 2) is refused.
	if [ "$(arg badimage)" = 1 ] && [ "$hop" = 0 ]; then
		cp /boot/kernel /tmp/image16k
		b=$(od -An -tu1 -j24 -N1 /boot/kernel | tr -d ' ')
		# PID 1 must not die on a bad number in $((...)).
		case "$b" in ''|*[!0-9]*) b=0 ;; esac
		b=$(((b & ~6) | 4))
		printf "\\$(printf %o "$b")" |
			dd of=/tmp/image16k bs=1 seek=24 conv=notrunc 2>/dev/null
		if kexec -s -l /tmp/image16k --initrd=/tmp/initrd.gz \
			 --append="$next"; then
			say "16K image loaded"
			kexec -u
		else
			say "16K image refused"
		fi
		rm -f /tmp/image16k
	fi

	# kho_vmtest.chosen=1: kexec_load() with the tree /kho-dtb/N.dtb.
	dtb=/kho-dtb/$((hop + 1)).dtb
	if [ "$(arg chosen)" = 1 ] && [ -e "$dtb" ] &&
	   kexec -l /boot/kernel --dtb="$dtb" --initrd=/tmp/initrd.gz \
		 --append="$next"; then
		say "kexec into kernel $((hop + 2)) with $dtb"
		kexec -e
		say "kexec -e failed"
		kexec -u
	elif [ "$(arg chosen)" = 1 ]; then
		say "kexec -l --dtb=$dtb failed"
	fi

	say "kexec into kernel $((hop + 2))"
	if kexec -s -l /boot/kernel --initrd=/tmp/initrd.gz --append="$next"; then
		if [ -n "$vm" ] && [ "$vmrc" = 0 ]; then
			# The last line before the pause, then the update.
			say "vm: $(vm_last)"
			# abort: a first update is undone, and the VM runs on
			# until the one that counts.
			if [ "$vm" = abort ] && [ "$hop" = 0 ]; then
				luo-vm update vm0 2>&1 | sed 's/^/kho-vmtest: vm: /'
				luo-vm abort vm0 2>&1 | sed 's/^/kho-vmtest: vm: /'
				vm_runs_on
			fi
			luo-vm update vm0 2>&1 | sed 's/^/kho-vmtest: vm: /'
			# Not kept: it runs on.
			if [ "$vm" = taken ]; then
				vm_runs_on
			fi
		fi
		if [ "${lubench:-0}" != 0 ]; then
			/bin/luo_bench 1 "$lubench" kexec -e 2>&1 |
				sed 's/^/kho-vmtest: lu: /'
		elif [ "$lu" = 1 ]; then
			# It holds the sessions open while kexec -e runs.
			/bin/luo_kexec 1 $lu1 kexec -e 2>&1 |
				sed 's/^/kho-vmtest: lu: /'
		else
			kexec -e
		fi
		say "kexec -e failed; the running kernel goes on"
		kexec -u
	fi
	say "kexec failed"
fi

say "done"
sync
reboot -f
