/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memfd records of the live update handover, as one kernel writes
 * them and the next reads them.
 */
#ifndef _LINUX_KHO_ABI_MEMFD_H
#define _LINUX_KHO_ABI_MEMFD_H

#include <linux/build_bug.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/types.h>

/**
 * DOC: memfd handover format
 *
 * A memfd kept through /dev/liveupdate crosses the kexec as one struct
 * memfd_luo_ser in a page of its own, preserved with kho_alloc_preserve();
 * its physical address is the file's data in the live update handover
 * (&struct luo_ser_file).
 * The record points, through a struct kho_vmalloc, to a preserved vmalloc
 * area of struct memfd_luo_folio, one per folio of the file: each folio
 * is itself preserved, with its order, and comes back with it.  An empty
 * memfd has no list.
 *
 * The kernel that preserves the memfd lists its folios when the agent
 * preserves it and fills the record at the kexec reboot.  The next kernel
 * checks the record before it follows it, and each folio entry as it adds
 * the folio to the new file: a size, position, seals or mode out of range,
 * a folio not preserved, misaligned for its order or not starting inside
 * the file make the file's retrieve fail with -EIO.
 *
 * Fields are in the CPU's byte order and both structs are packed without
 * holes.  The format is named by MEMFD_LUO_COMPATIBLE, the compatible of
 * the handler in the live update handover: a change to either struct, or
 * to what a field means, must change it.
 */
#define MEMFD_LUO_COMPATIBLE	"memfd-v2"

/**
 * struct memfd_luo_folio - A folio of a preserved memfd.
 * @mem: the folio's first page.
 * @index: its index in the file, in pages, aligned to its size.
 */
struct memfd_luo_folio {
	union kho_mem_ptr mem;
	u64 index;
};

/**
 * struct memfd_luo_ser - A preserved memfd.
 * @size: the file's size in bytes, at most MAX_LFS_FILESIZE.
 * @pos: the file position, at most MAX_LFS_FILESIZE.
 * @seals: its F_SEAL_* seals.
 * @mode: its permission bits, no others.
 * @nr_folios: how many entries the folio list holds.
 * @folios: the vmalloc area of the folio list; ignored when @nr_folios is 0.
 */
struct memfd_luo_ser {
	u64 size;
	u64 pos;
	u32 seals;
	u32 mode;
	u64 nr_folios;
	struct kho_vmalloc folios;
};

static_assert(sizeof(struct memfd_luo_folio) == 16);
static_assert(sizeof(struct memfd_luo_ser) == 48);

#endif /* _LINUX_KHO_ABI_MEMFD_H */
