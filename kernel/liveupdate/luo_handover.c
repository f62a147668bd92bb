// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update across the kexec: at the reboot, freeze every preserved file
 * and write the sessions into a KHO sub-FDT; in the next kernel, read them
 * back, checking all of it, for the device to give out.  The format is
 * include/linux/kho/abi/luo.h's.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/cleanup.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "luo_internal.h"

static_assert(LUO_COMPAT_LENGTH == LIVEUPDATE_COMPAT_LENGTH);

/* A vmalloc area of @size bytes, zeroed and preserved in *@kv. */
static void *luo_alloc_array(size_t size, struct kho_vmalloc *kv)
{
	void *p = vzalloc(size);
	int err;

	if (!p)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_vmalloc(p, kv);
	if (err) {
		vfree(p);
		return ERR_PTR(err);
	}
	return p;
}

static void luo_free_array(void *p, struct kho_vmalloc *kv)
{
	if (!p)
		return;
	kho_unpreserve_vmalloc(kv);
	vfree(p);
}

/*
 * Thaw what freezing took and free the arrays: the handover is not sent.
 * Sessions closed while frozen go to the reap work, which unpreserves
 * their files without luo.lock.
 */
static void luo_thaw(void)
{
	struct luo_session *s, *next;
	struct luo_file *f;

	lockdep_assert_held(&luo.lock);
	for (s = luo_session_first(&luo.outgoing); s;
	     s = luo_session_next(s)) {
		for (f = luo_file_first(s); f; f = luo_file_next(f)) {
			if (f->frozen)
				f->h->ops->unfreeze(&f->lf);
			f->frozen = false;
		}
		luo_free_array(s->ser, &s->ser_kv);
		s->ser = NULL;
	}
	luo_free_array(luo.ser, &luo.ser_kv);
	luo.ser = NULL;
	kho_unpreserve_free(luo.fdt);
	luo.fdt = NULL;
	luo.frozen = false;

	for (s = luo_session_first(&luo.outgoing); s; s = next) {
		next = luo_session_next(s);
		if (!s->closed)
			continue;
		rb_erase(&s->node, &luo.outgoing);
		luo.nr_outgoing--;
		s->linked = false;
		luo.busy++;
		list_add_tail(&s->reap, &luo.reap);
	}
	if (!list_empty(&luo.reap))
		schedule_work(&luo.reap_work);
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
	sf = luo_alloc_array(array_size(s->nr_files, sizeof(*sf)), &s->ser_kv);
	if (IS_ERR(sf))
		return PTR_ERR(sf);
	s->ser = sf;
	ss->files = s->ser_kv;
	for (f = luo_file_first(s); f; f = luo_file_next(f)) {
		err = luo_debug_freeze(s, f) ?: f->h->ops->freeze(&f->lf);
		if (err) {
			pr_err("session %s: cannot freeze file %llu: %pe\n",
			       s->name, f->lf.token, ERR_PTR(err));
			return err;
		}
		f->frozen = true;
		luo_debug_frozen(s, f);
		strscpy(sf->compatible, f->compatible, sizeof(sf->compatible));
		sf->token = f->lf.token;
		sf->data = f->lf.data;
		sf++;
	}
	return 0;
}

static int luo_freeze(struct kho_serialization *ser)
{
	struct luo_ser_session *ss;
	struct luo_session *s;
	unsigned long nr = luo.nr_outgoing;
	int err;

	/*
	 * A preserve or unpreserve that is still running may be waiting for
	 * a lock user space holds, and one that unpreserves after the tracker
	 * is serialized would fail: fail the reboot rather than wait.
	 */
	if (luo.busy) {
		pr_err("a file is being preserved, released or retrieved: try again\n");
		return -EBUSY;
	}
	if (!nr)
		return 0;
	luo.frozen = true;
	ss = luo_alloc_array(array_size(nr, sizeof(*ss)), &luo.ser_kv);
	if (IS_ERR(ss))
		return PTR_ERR(ss);
	luo.ser = ss;
	for (s = luo_session_first(&luo.outgoing); s;
	     s = luo_session_next(s)) {
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
	err = err ?: fdt_setprop(luo.fdt, 0, LUO_FDT_SESSIONS, &luo.ser_kv,
				 sizeof(luo.ser_kv));
	err = err ?: fdt_setprop_u64(luo.fdt, 0, LUO_FDT_NR_SESSIONS, nr);
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

	guard(mutex)(&luo.lock);
	if (event == KEXEC_KHO_FINALIZE) {
		err = luo_freeze(data);
		if (!err && luo.frozen)
			pr_info("froze in %lld us\n",
				ktime_us_delta(ktime_get(), start));
		if (err) {
			if (luo.frozen)
				luo_thaw();
			pr_err("cannot freeze the sessions: %pe\n",
			       ERR_PTR(err));
		}
	} else if (event == KEXEC_KHO_ABORT && luo.frozen) {
		luo_thaw();
	}
	return notifier_from_errno(err);
}

static struct notifier_block luo_kho_nb = {
	.notifier_call = luo_kho_notifier,
};

int luo_handover_init(void)
{
	return register_kho_notifier(&luo_kho_nb);
}

/*
 * Map a preserved array of @nr records of @size bytes, which must fill
 * its area: nothing beyond them, nothing short.  vfree() it.
 */
static const void *luo_restore_array(const struct kho_vmalloc *kv, u64 nr,
				     size_t size)
{
	u64 pages = DIV_ROUND_UP(nr * size, PAGE_SIZE);

	if (!nr || kv->nr_pages != pages)
		return NULL;
	return kho_restore_vmalloc(kv);
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

/* Read the @ss->nr_files files of @s; *@budget is what is left to read. */
static const char *luo_read_files(struct luo_session *s,
				  const struct luo_ser_session *ss,
				  u64 *budget)
{
	const struct luo_ser_file *sf, *array;
	struct luo_file *f;
	const char *why = NULL;
	u64 i;

	if (!ss->nr_files)
		return kho_ptr_phys(&ss->files.first) ?
		       "files without a count" : NULL;
	if (ss->nr_files > *budget)
		return "too many files";
	*budget -= ss->nr_files;
	array = luo_restore_array(&ss->files, ss->nr_files, sizeof(*sf));
	if (!array)
		return "bad file array";
	for (i = 0, sf = array; i < ss->nr_files; i++, sf++) {
		if (strnlen(sf->compatible, sizeof(sf->compatible)) ==
		    sizeof(sf->compatible)) {
			why = "bad file compatible";
			break;
		}
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (!f) {
			why = "out of memory";
			break;
		}
		memcpy(f->compatible, sf->compatible, sizeof(f->compatible));
		f->h = luo_find_handler(f->compatible);
		f->lf.token = sf->token;
		f->lf.data = sf->data;
		if (luo_file_add_incoming(s, f)) {
			kfree(f);
			why = "token used twice";
			break;
		}
		cond_resched();
	}
	vfree(array);
	return why;
}

static const char *luo_read_sessions(const void *fdt, u64 *count)
{
	const struct luo_ser_session *ss, *array;
	const char *why = NULL;
	u64 nr, i, budget = LUO_MAX_FILES;
	struct kho_vmalloc kv;
	struct luo_session *s;
	const void *prop;
	int len;

	if (fdt_node_check_compatible(fdt, 0, LUO_FDT_COMPATIBLE))
		return "unknown format";
	prop = fdt_getprop(fdt, 0, LUO_FDT_SESSIONS, &len);
	if (!prop || len != sizeof(kv) ||
	    luo_fdt_u64(fdt, LUO_FDT_NR_SESSIONS, &nr))
		return "no sessions";
	memcpy(&kv, prop, sizeof(kv));
	if (nr > LUO_MAX_SESSIONS)
		return "too many sessions";
	*count = nr;
	if (!nr)
		return kho_ptr_phys(&kv.first) ?
		       "sessions without a count" : NULL;
	array = luo_restore_array(&kv, nr, sizeof(*ss));
	if (!array)
		return "bad session array";
	for (i = 0, ss = array; i < nr && !why; i++, ss++) {
		s = luo_session_alloc(ss->name);
		if (IS_ERR(s)) {
			why = PTR_ERR(s) == -ENOMEM ? "out of memory" :
						      "bad session name";
			break;
		}
		if (luo_incoming_add(s)) {
			kfree(s);
			why = "session name used twice";
			break;
		}
		why = luo_read_files(s, ss, &budget);
	}
	vfree(array);
	return why;
}

/**
 * luo_incoming_read() - Read the sessions the previous kernel handed over.
 *
 * Once per boot.  A handover that does not check out is dropped whole:
 * one line says why, its memory stays reserved for this boot, and its
 * sessions cannot be retrieved.
 */
void luo_incoming_read(void)
{
	struct folio *folio;
	const char *why;
	phys_addr_t phys;
	u64 nr = 0;
	void *fdt;
	int err;

	guard(mutex)(&luo.lock);
	if (luo.in_read)
		return;
	luo.in_read = true;
	err = kho_retrieve_subtree(LUO_FDT_NAME, &phys);
	if (err == -ENOENT)
		return;

	folio = err ? NULL : kho_restore_folio(phys);
	fdt = folio ? folio_address(folio) : NULL;
	if (err)
		why = "bad sub-FDT entry";
	else if (!fdt)
		why = "cannot restore the FDT";
	else if (fdt_check_header(fdt) || fdt_totalsize(fdt) > folio_size(folio))
		why = "bad FDT";
	else
		why = luo_read_sessions(fdt, &nr);
	if (folio)
		folio_put(folio);
	if (!why) {
		pr_info("sessions handed over: %llu\n", nr);
		return;
	}

	pr_err("handover rejected: %s; its sessions are lost\n", why);
	luo_incoming_drop();
	luo.in_err = -EIO;
}
