// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update: debug features, not for production kernels.
 *
 * Built with CONFIG_KEXEC_HANDOVER_DEBUG only.  The boot parameter
 * liveupdate_debug=freeze makes the files of a session named "debug-fail"
 * fail to freeze, so that the kexec reboot fails and every file frozen
 * before is thawed;
 * liveupdate_debug=corrupt hands over a session that claims more files
 * than a handover may hold, which the next kernel must reject;
 * liveupdate_debug=pos hands the memfds of a session named "debug-pos"
 * over at a file position no file can have, and the one of token 2 with
 * its bytes but no folio list, which the next kernel must refuse to
 * retrieve.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/kho/abi/memfd.h>
#include <linux/string.h>

#include "luo_internal.h"

static enum {
	LUO_DEBUG_NONE, LUO_DEBUG_FREEZE, LUO_DEBUG_CORRUPT, LUO_DEBUG_POS
} luo_debug;

static int __init luo_debug_setup(char *arg)
{
	if (arg && !strcmp(arg, "freeze"))
		luo_debug = LUO_DEBUG_FREEZE;
	else if (arg && !strcmp(arg, "corrupt"))
		luo_debug = LUO_DEBUG_CORRUPT;
	else if (arg && !strcmp(arg, "pos"))
		luo_debug = LUO_DEBUG_POS;
	else
		pr_warn("liveupdate_debug=%s: use freeze, corrupt or pos\n",
			arg ?: "");
	return 0;
}
early_param("liveupdate_debug", luo_debug_setup);

int luo_debug_freeze(struct luo_session *s, struct luo_file *f)
{
	if (luo_debug != LUO_DEBUG_FREEZE || strcmp(s->name, "debug-fail"))
		return 0;
	pr_warn("debug: failing the freeze of file %llu\n", f->lf.token);
	return -EIO;
}

void luo_debug_corrupt(u64 *nr_files)
{
	if (luo_debug != LUO_DEBUG_CORRUPT)
		return;
	pr_warn("debug: handing over a session of %u files\n",
		LUO_MAX_FILES + 1);
	*nr_files = LUO_MAX_FILES + 1;
}

void luo_debug_frozen(struct luo_session *s, struct luo_file *f)
{
	struct memfd_luo_ser *ser;

	if (luo_debug != LUO_DEBUG_POS || strcmp(s->name, "debug-pos") ||
	    strcmp(f->compatible, MEMFD_LUO_COMPATIBLE))
		return;
	ser = phys_to_virt(f->lf.data);
	if (f->lf.token == 2) {
		/* A file with bytes but no folio to hold them. */
		ser->nr_folios = 0;
		pr_warn("debug: handing file %llu over with no folios\n",
			f->lf.token);
		return;
	}
	ser->pos = U64_MAX;
	pr_warn("debug: handing file %llu over at position %llu\n",
		f->lf.token, ser->pos);
}
