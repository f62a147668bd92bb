/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live update handover: the sessions and files one kernel hands the
 * next through /dev/liveupdate, as both read them.
 */
#ifndef _LINUX_KHO_ABI_LUO_H
#define _LINUX_KHO_ABI_LUO_H

#include <linux/build_bug.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

/**
 * DOC: Live update handover format
 *
 * Live update hands its sessions over in a KHO sub-FDT named
 * LUO_FDT_NAME, whose root node has:
 *
 * - ``compatible = "liveupdate-v2"`` (LUO_FDT_COMPATIBLE): the format of
 *   everything described here.  A kernel that does not know the string
 *   rejects the handover;
 * - ``nr-sessions``: a 64-bit integer (big endian, as FDT integers are),
 *   the number of sessions;
 * - ``sessions``: a &struct kho_vmalloc, in the CPU's byte order, of the
 *   array of &struct luo_ser_session, one per session, sorted by name.
 *
 * Each session's files are an array of &struct luo_ser_file, preserved the
 * same way, sorted by token.  A file names the handler that preserved it
 * by its compatible, and carries 64 bits that only that handler reads:
 * the memfd handler's are described in "memfd handover format".
 * Preserving the arrays as vmalloc areas keeps the reboot from needing
 * contiguous memory for them.
 *
 * The next kernel checks everything before it gives any session out: the
 * counts against LUO_MAX_SESSIONS and LUO_MAX_FILES, each array against
 * its count, every name and compatible for a NUL, names and tokens for
 * twins.  A handover that fails a check is rejected whole, its sessions
 * lost; the memory of its files stays reserved for that boot.  A file whose
 * handler this kernel lacks is kept, and fails its retrieve alone.
 *
 * Fields are in the CPU's byte order; the structs have no holes.  A change
 * to either struct, to the properties, or to what a field means, must
 * change LUO_FDT_COMPATIBLE.
 */
#define LUO_FDT_NAME		"liveupdate"
#define LUO_FDT_COMPATIBLE	"liveupdate-v2"
#define LUO_FDT_NR_SESSIONS	"nr-sessions"
#define LUO_FDT_SESSIONS	"sessions"

/*
 * What one handover may hold.  CREATE_SESSION and PRESERVE_FD refuse to
 * go past them, and the next kernel refuses a handover that does, so the
 * work and memory a handover costs the next kernel stay bounded.  Kernels
 * before LUO_MAX_FILES was 131072 took 16384 files: going back to one
 * with more files held loses every session.
 */
#define LUO_MAX_SESSIONS	4096
#define LUO_MAX_FILES		131072

/* As include/linux/liveupdate.h's LIVEUPDATE_COMPAT_LENGTH. */
#define LUO_COMPAT_LENGTH	32

/**
 * struct luo_ser_session - A session, as handed over.
 * @name: its name, NUL-terminated and NUL-padded.
 * @files: the array of its @nr_files files; null if it has none.
 * @nr_files: how many files it holds.
 */
struct luo_ser_session {
	u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct kho_vmalloc files;
	u64 nr_files;
};

/**
 * struct luo_ser_file - A file of a session, as handed over.
 * @compatible: the compatible of its handler, NUL-terminated.
 * @token: the agent's name for it in its session.
 * @data: the handler's own; not a link live update follows.
 */
struct luo_ser_file {
	char compatible[LUO_COMPAT_LENGTH];
	u64 token;
	u64 data;
};

static_assert(sizeof(struct luo_ser_session) == 88);
static_assert(sizeof(struct luo_ser_file) == 48);

#endif /* _LINUX_KHO_ABI_LUO_H */
