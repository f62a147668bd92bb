// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update across the kexec: at the reboot, freeze every preserved file
 * and write the sessions into a KHO sub-FDT; in the next kernel, read them
 * back, checking all of it, for the device to give out.
 *
 * The sub-FDT "liveupdate" (compatible "liveupdate-v1") holds "sessions",
 * the physical address of an array of struct luo_ser_session, and
 * "nr-sessions".  Each session points to an array of struct luo_ser_file;
 * each file names its handler and carries the handler's u64.  The arrays
 * come from kho_alloc_preserve().
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "internal.h"

struct luo_ser_session {
	u8 name[LIVEUPDATE_SESSION_NAME_LENGTH];
	u64 files;
	u64 nr_files;
};

struct luo_ser_file {
	char compatible[LIVEUPDATE_COMPAT_LENGTH];
	u64 token;
	u64 data;
};

/* Thaw what freeze() took and free the arrays; the handover is not sent. */
static void luo_thaw(void)
{
	struct luo_ser_session *ss = luo.ser_sessions;
	struct luo_session *s, *next;
	struct luo_file *f;
	unsigned long i = 0;

	list_for_each_entry(s, &luo.outgoing, list) {
		list_for_each_entry(f, &s->files, list) {
			if (f->frozen)
				f->h->ops->unfreeze(&f->lf);
			f->frozen = false;
		}
		if (ss && ss[i].files)
			kho_unpreserve_free(phys_to_virt(ss[i].files));
		i++;
	}
	kho_unpreserve_free(luo.ser_sessions);
	kho_unpreserve_free(luo.fdt);
	luo.ser_sessions = NULL;
	luo.fdt = NULL;
	luo.frozen = false;

	/* Sessions whose fd was closed while frozen go now. */
	list_for_each_entry_safe(s, next, &luo.outgoing, list)
		if (s->closed)
			luo_session_free(s);
}

static int luo_freeze_session(struct luo_session *s,
			      struct luo_ser_session *ss)
{
	struct luo_ser_file *sf;
	struct luo_file *f;
	int err;

	memcpy(ss->name, s->name, sizeof(ss->name));
	ss->nr_files = s->nr_files;
	if (!s->nr_files)
		return 0;
	sf = kho_alloc_preserve(s->nr_files * sizeof(*sf));
	if (IS_ERR(sf))
		return PTR_ERR(sf);
	ss->files = virt_to_phys(sf);
	list_for_each_entry(f, &s->files, list) {
		err = luo_debug_freeze(s, f) ?: f->h->ops->freeze(&f->lf);
		if (err) {
			pr_err("session %s: cannot freeze file %llu: %d\n",
			       s->name, f->lf.token, err);
			return err;
		}
		f->frozen = true;
		strscpy(sf->compatible, f->compatible, sizeof(sf->compatible));
		sf->token = f->lf.token;
		sf->data = f->lf.data;
		sf++;
	}
	return 0;
}

static int luo_freeze(struct kho_serialization *ser)
{
	struct luo_ser_session *ss = NULL;
	struct luo_session *s;
	unsigned long nr = 0;
	int err;

	list_for_each_entry(s, &luo.outgoing, list)
		nr++;
	if (!nr)
		return 0;
	luo.frozen = true;
	ss = kho_alloc_preserve(nr * sizeof(*ss));
	if (IS_ERR(ss))
		return PTR_ERR(ss);
	luo.ser_sessions = ss;
	list_for_each_entry(s, &luo.outgoing, list) {
		err = luo_freeze_session(s, ss++);
		if (err)
			return err;
	}
	luo_debug_corrupt(&ss[-1].nr_files);

	luo.fdt = kho_alloc_preserve(PAGE_SIZE);
	if (IS_ERR(luo.fdt)) {
		err = PTR_ERR(luo.fdt);
		luo.fdt = NULL;
		return err;
	}
	err = fdt_create_empty_tree(luo.fdt, PAGE_SIZE);
	err = err ?: fdt_setprop_string(luo.fdt, 0, "compatible",
					LUO_FDT_COMPATIBLE);
	err = err ?: fdt_setprop_u64(luo.fdt, 0, "sessions",
				     virt_to_phys(luo.ser_sessions));
	err = err ?: fdt_setprop_u64(luo.fdt, 0, "nr-sessions", nr);
	if (err)
		return -EINVAL;
	err = kho_add_subtree(ser, LUO_FDT_NAME, luo.fdt);
	if (!err)
		pr_info("%lu sessions handed over\n", nr);
	return err;
}

static int luo_kho_notifier(struct notifier_block *nb, unsigned long event,
			    void *data)
{
	ktime_t start = ktime_get();
	int err = 0;

	mutex_lock(&luo.lock);
	if (event == KEXEC_KHO_FINALIZE) {
		err = luo_freeze(data);
		if (!err && luo.frozen)
			pr_info("froze in %lld us\n",
				ktime_us_delta(ktime_get(), start));
		if (err) {
			luo_thaw();
			pr_err("cannot freeze the sessions: %d\n", err);
		}
	} else if (event == KEXEC_KHO_ABORT && luo.frozen) {
		luo_thaw();
	}
	mutex_unlock(&luo.lock);
	return notifier_from_errno(err);
}

static struct notifier_block luo_kho_nb = {
	.notifier_call = luo_kho_notifier,
};

int luo_handover_init(void)
{
	return register_kho_notifier(&luo_kho_nb);
}

/* Take back a preserved array of @nr entries of @size bytes at @phys. */
static struct folio *luo_restore_array(u64 phys, u64 nr, size_t size,
				       const void **p)
{
	struct folio *folio;

	if (!nr || !phys || phys & ~PAGE_MASK)
		return NULL;
	folio = kho_restore_folio(phys);
	if (!folio)
		return NULL;
	if (nr > folio_size(folio) / size) {
		folio_put(folio);
		return NULL;
	}
	*p = folio_address(folio);
	return folio;
}

static int luo_fdt_u64(const void *fdt, const char *name, u64 *val)
{
	const void *prop;
	int len;

	prop = fdt_getprop(fdt, 0, name, &len);
	if (!prop || len != sizeof(u64))
		return -EINVAL;
	*val = get_unaligned_be64(prop);
	return 0;
}

static const char *luo_read_files(struct luo_session *s,
				  const struct luo_ser_session *ss)
{
	const struct luo_ser_file *sf;
	struct folio *folio;
	struct luo_file *f;
	const char *why = NULL;
	u64 i;

	if (!ss->nr_files)
		return ss->files ? "files without a count" : NULL;
	if (ss->nr_files > LUO_MAX_FILES)
		return "too many files";
	folio = luo_restore_array(ss->files, ss->nr_files, sizeof(*sf),
				  (const void **)&sf);
	if (!folio)
		return "bad file array";
	for (i = 0; i < ss->nr_files && !why; i++, sf++) {
		if (strnlen(sf->compatible, sizeof(sf->compatible)) ==
		    sizeof(sf->compatible)) {
			why = "bad file compatible";
			break;
		}
		list_for_each_entry(f, &s->files, list)
			if (f->lf.token == sf->token)
				why = "token used twice";
		if (why)
			break;
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (!f) {
			why = "out of memory";
			break;
		}
		memcpy(f->compatible, sf->compatible, sizeof(f->compatible));
		f->h = luo_find_handler(f->compatible);
		f->lf.token = sf->token;
		f->lf.data = sf->data;
		list_add_tail(&f->list, &s->files);
		s->nr_files++;
	}
	folio_put(folio);
	return why;
}

static const char *luo_read_sessions(const void *fdt)
{
	const struct luo_ser_session *ss;
	struct luo_session *s;
	struct folio *folio;
	const char *why = NULL;
	u64 phys, nr, i;
	size_t len;

	if (fdt_node_check_compatible(fdt, 0, LUO_FDT_COMPATIBLE))
		return "unknown format";
	if (luo_fdt_u64(fdt, "sessions", &phys) ||
	    luo_fdt_u64(fdt, "nr-sessions", &nr))
		return "no sessions";
	if (nr > LUO_MAX_SESSIONS)
		return "too many sessions";
	folio = luo_restore_array(phys, nr, sizeof(*ss), (const void **)&ss);
	if (!folio)
		return "bad session array";
	for (i = 0; i < nr && !why; i++, ss++) {
		len = strnlen(ss->name, sizeof(ss->name));
		if (!len || len == sizeof(ss->name)) {
			why = "bad session name";
			break;
		}
		list_for_each_entry(s, &luo.incoming, list)
			if (!strcmp(s->name, ss->name))
				why = "session name used twice";
		if (why)
			break;
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (!s) {
			why = "out of memory";
			break;
		}
		memcpy(s->name, ss->name, sizeof(s->name));
		INIT_LIST_HEAD(&s->files);
		s->incoming = true;
		list_add_tail(&s->list, &luo.incoming);
		why = luo_read_files(s, ss);
	}
	folio_put(folio);
	return why;
}

/*
 * Read the sessions the previous kernel handed over, once.  A handover
 * that does not check out is dropped whole: its memory stays reserved for
 * this boot, and the device answers -EIO.
 */
int luo_incoming_read(void)
{
	struct luo_session *s, *next;
	struct folio *folio;
	const char *why;
	phys_addr_t phys;
	void *fdt;

	lockdep_assert_held(&luo.lock);
	if (luo.in_read)
		return luo.in_err;
	luo.in_read = true;
	if (kho_retrieve_subtree(LUO_FDT_NAME, &phys))
		return 0;

	folio = kho_restore_folio(phys);
	fdt = folio ? folio_address(folio) : NULL;
	if (!fdt)
		why = "cannot restore the FDT";
	else if (fdt_check_header(fdt) || fdt_totalsize(fdt) > folio_size(folio))
		why = "bad FDT";
	else
		why = luo_read_sessions(fdt);
	if (folio)
		folio_put(folio);
	if (!why) {
		pr_info("sessions handed over: %lu\n",
			list_count_nodes(&luo.incoming));
		return 0;
	}

	pr_err("handover rejected: %s; its memory stays reserved\n", why);
	list_for_each_entry_safe(s, next, &luo.incoming, list)
		luo_session_free(s);
	luo.in_err = -EIO;
	return luo.in_err;
}
