// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update of memfds: a memfd's folios stay where they are across the
 * kexec and become the page cache of a new memfd in the next kernel.
 *
 * Preserving fills the holes, pins every folio, preserves it with KHO,
 * keeps it off the evictable LRUs and fixes the file's size and blocks;
 * writes inside the size go on reaching the same folios until the kexec.
 * Freezing writes what the next kernel needs into a preserved struct
 * memfd_luo_ser: the size, the file position, the seals and the
 * (index, address) of each folio.
 */

#define pr_fmt(fmt) "liveupdate: memfd: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define MEMFD_LUO_COMPATIBLE	"memfd-v1"

/* The seals a preserved memfd may carry. */
#define MEMFD_LUO_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

struct memfd_luo_folio {
	u64 phys;
	u64 index;
};

struct memfd_luo_ser {
	u64 size;
	u64 pos;
	u32 seals;
	u32 reserved;
	u64 nr_folios;
	struct kho_vmalloc folios;
};

/* The first kernel's state of a preserved memfd. */
struct memfd_luo {
	struct memfd_luo_folio *folios;	/* vmalloc, preserved */
	struct folio **pinned;
	unsigned long nr;
	struct kho_vmalloc folios_kv;
	struct memfd_luo_ser *ser;	/* while frozen */
	bool unevictable;		/* we made the mapping unevictable */
};

static bool memfd_luo_can_preserve(struct file *file)
{
	return shmem_file(file) && !file_inode(file)->i_nlink &&
	       !is_file_hugepages(file);
}

static void memfd_luo_release(struct memfd_luo *m)
{
	unsigned long i;

	for (i = 0; i < m->nr; i++) {
		kho_unpreserve_folio(m->pinned[i]);
		folio_put(m->pinned[i]);
	}
	kvfree(m->pinned);
	vfree(m->folios);
	kfree(m);
}

/*
 * Move @folio, which may lie in CMA and so in KHO's scratch, where the next
 * kernel runs, to memory that may be preserved, as long-term pinning does.
 * Takes the caller's reference.  The per-CPU LRU batches are drained on
 * the first folio that needs it and again only when isolation fails:
 * draining IPIs every CPU.
 */
static int memfd_luo_migrate(struct folio *folio, bool *drained)
{
	struct migration_target_control mtc = {
		.nid = NUMA_NO_NODE,
		.gfp_mask = GFP_USER | __GFP_NOWARN,
		.reason = MR_LONGTERM_PIN,
	};
	LIST_HEAD(list);
	int err;

	if (!*drained) {
		lru_add_drain_all();
		*drained = true;
	}
	if (!folio_isolate_lru(folio)) {
		/* Perhaps in a batch filled since: drain again on retry. */
		*drained = false;
		folio_put(folio);
		return -EBUSY;
	}
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
	list_add_tail(&folio->lru, &list);
	folio_put(folio);
	err = migrate_pages(&list, alloc_migration_target, NULL,
			    (unsigned long)&mtc, MIGRATE_SYNC, MR_LONGTERM_PIN,
			    NULL);
	if (err) {
		putback_movable_pages(&list);
		return err < 0 ? err : -EBUSY;
	}
	return 0;
}

/* Pin and preserve every folio of the file, allocating the holes. */
static int memfd_luo_pin(struct inode *inode, struct memfd_luo *m,
			 pgoff_t pages)
{
	unsigned int flags, tries = 0;
	bool drained = false;
	struct folio *folio;
	pgoff_t index = 0;
	int err;

	while (index < pages) {
		/* Holes get memory outside CMA. */
		flags = memalloc_pin_save();
		err = shmem_get_folio(inode, index, 0, &folio, SGP_CACHE);
		memalloc_pin_restore(flags);
		if (err)
			return err;
		folio_unlock(folio);
		if (!folio_is_longterm_pinnable(folio)) {
			if (++tries > 3) {
				folio_put(folio);
				return -EBUSY;
			}
			err = memfd_luo_migrate(folio, &drained);
			if (err && err != -EBUSY)
				return err;
			continue;
		}
		tries = 0;
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			return err;
		}
		m->pinned[m->nr] = folio;
		m->folios[m->nr].phys = PFN_PHYS(folio_pfn(folio));
		m->folios[m->nr].index = folio->index;
		m->nr++;
		index = folio->index + folio_nr_pages(folio);
		cond_resched();
	}
	return 0;
}

/*
 * Pinned folios cannot be reclaimed: pageout() skips them, but reclaim
 * would still unmap them from every process on each pass.  Keep them off
 * the evictable LRUs while preserved, as SHM_LOCK does, and move them now
 * so that Unevictable in /proc/meminfo counts them at once.  One that is
 * busy elsewhere now is culled by the next reclaim pass that meets it.
 */
static void memfd_luo_lock(struct address_space *mapping, struct memfd_luo *m)
{
	unsigned long i;

	if (mapping_unevictable(mapping))
		return;
	mapping_set_unevictable(mapping);
	m->unevictable = true;
	/* A folio in a per-CPU batch is off the LRU and cannot be moved. */
	lru_add_drain_all();
	for (i = 0; i < m->nr; i++) {
		if (folio_isolate_lru(m->pinned[i]))
			folio_putback_lru(m->pinned[i]);
		cond_resched();
	}
	lru_add_drain_all();
}

static void memfd_luo_unlock(struct address_space *mapping,
			     struct memfd_luo *m)
{
	if (!m->unevictable)
		return;
	mapping_clear_unevictable(mapping);
	shmem_unlock_mapping(mapping);
	m->unevictable = false;
}

static int memfd_luo_preserve(struct liveupdate_file *lf)
{
	struct inode *inode = file_inode(lf->file);
	struct shmem_inode_info *info = SHMEM_I(inode);
	struct memfd_luo *m;
	pgoff_t pages, slots;
	int err = -ENOMEM;

	if (info->seals & ~MEMFD_LUO_SEALS)
		return -EOPNOTSUPP;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;

	/* Size and blocks fixed from here, until unpreserve. */
	inode_lock(inode);
	pages = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	slots = max_t(pgoff_t, pages, 1);
	m->pinned = kvcalloc(slots, sizeof(*m->pinned), GFP_KERNEL);
	m->folios = vzalloc(array_size(slots, sizeof(*m->folios)));
	if (m->pinned && m->folios)
		err = memfd_luo_pin(inode, m, pages);
	err = err ?: kho_preserve_vmalloc(m->folios, &m->folios_kv);
	if (!err) {
		WRITE_ONCE(info->preserved, true);
		memfd_luo_lock(inode->i_mapping, m);
	}
	inode_unlock(inode);
	if (err) {
		memfd_luo_release(m);
		return err;
	}
	lf->priv = m;
	return 0;
}

static void memfd_luo_unpreserve(struct liveupdate_file *lf)
{
	struct inode *inode = file_inode(lf->file);
	struct memfd_luo *m = lf->priv;

	inode_lock(inode);
	WRITE_ONCE(SHMEM_I(inode)->preserved, false);
	memfd_luo_unlock(inode->i_mapping, m);
	inode_unlock(inode);
	kho_unpreserve_vmalloc(&m->folios_kv);
	memfd_luo_release(m);
	lf->priv = NULL;
}

static int memfd_luo_freeze(struct liveupdate_file *lf)
{
	struct inode *inode = file_inode(lf->file);
	struct memfd_luo *m = lf->priv;
	struct memfd_luo_ser *ser;

	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser))
		return PTR_ERR(ser);
	ser->size = i_size_read(inode);
	ser->pos = READ_ONCE(lf->file->f_pos);
	ser->seals = SHMEM_I(inode)->seals;
	ser->nr_folios = m->nr;
	ser->folios = m->folios_kv;
	m->ser = ser;
	lf->data = virt_to_phys(ser);
	return 0;
}

static void memfd_luo_unfreeze(struct liveupdate_file *lf)
{
	struct memfd_luo *m = lf->priv;

	kho_unpreserve_free(m->ser);
	m->ser = NULL;
}

/*
 * Next kernel: the record the previous kernel wrote, checked for what this
 * file's code reads.  Restored once, for retrieve or finish.
 */
static const struct memfd_luo_ser *memfd_luo_ser(struct liveupdate_file *lf)
{
	struct memfd_luo_ser *ser;
	struct folio *folio;

	if (lf->priv)
		return lf->priv;
	if (!lf->data || lf->data & ~PAGE_MASK)
		return NULL;
	folio = kho_restore_folio(lf->data);
	if (!folio)
		return NULL;
	ser = folio_address(folio);
	if (folio_size(folio) < sizeof(*ser) ||
	    ser->seals & ~MEMFD_LUO_SEALS || ser->size > MAX_LFS_FILESIZE ||
	    ser->nr_folios > DIV_ROUND_UP(ser->size, PAGE_SIZE) ||
	    ((u64)ser->folios.nr_pages << PAGE_SHIFT) / sizeof(struct memfd_luo_folio) <
	    ser->nr_folios) {
		folio_put(folio);
		return NULL;
	}
	lf->priv = ser;
	return ser;
}

static void memfd_luo_ser_free(struct liveupdate_file *lf)
{
	if (lf->priv)
		folio_put(virt_to_folio(lf->priv));
	lf->priv = NULL;
}

/* Fill @inode from the folio records; a folio restored already fails. */
static int memfd_luo_fill(struct inode *inode, const struct memfd_luo_ser *ser,
			  const struct memfd_luo_folio *rec)
{
	pgoff_t pages = DIV_ROUND_UP(ser->size, PAGE_SIZE);
	struct folio *folio;
	u64 i;
	int err;

	for (i = 0; i < ser->nr_folios; i++) {
		if (rec[i].index >= pages || rec[i].phys & ~PAGE_MASK)
			return -EIO;
		folio = kho_restore_folio(rec[i].phys);
		if (!folio)
			return -EIO;
		if (rec[i].index + folio_nr_pages(folio) > pages)
			err = -EIO;
		else
			err = shmem_add_restored_folio(inode, folio,
						       rec[i].index);
		folio_put(folio);
		if (err)
			return err == -EEXIST ? -EIO : err;
		cond_resched();
	}
	return 0;
}

static int memfd_luo_retrieve(struct liveupdate_file *lf)
{
	const struct memfd_luo_ser *ser = memfd_luo_ser(lf);
	const struct memfd_luo_folio *rec = NULL;
	struct file *file;
	int err;

	if (!ser)
		return -EIO;
	if (ser->nr_folios) {
		rec = kho_restore_vmalloc(&ser->folios);
		if (!rec) {
			memfd_luo_ser_free(lf);
			return -EIO;
		}
	}

	file = shmem_file_setup("memfd:liveupdate", ser->size, VM_NORESERVE);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	err = memfd_luo_fill(file_inode(file), ser, rec);
	if (err) {
		fput(file);
		goto out;
	}
	SHMEM_I(file_inode(file))->seals = ser->seals;
	file->f_pos = ser->pos;
	lf->file = file;
out:
	vfree(rec);
	memfd_luo_ser_free(lf);
	return err;
}

static bool memfd_luo_can_finish(struct liveupdate_file *lf)
{
	return true;
}

/* Free the folios of a memfd nobody retrieved. */
static void memfd_luo_finish(struct liveupdate_file *lf)
{
	const struct memfd_luo_folio *rec = NULL;
	const struct memfd_luo_ser *ser;
	struct folio *folio;
	u64 i;

	if (lf->file)
		return;
	ser = memfd_luo_ser(lf);
	if (!ser)
		return;
	if (ser->nr_folios)
		rec = kho_restore_vmalloc(&ser->folios);
	for (i = 0; rec && i < ser->nr_folios; i++) {
		if (rec[i].phys & ~PAGE_MASK)
			continue;
		folio = kho_restore_folio(rec[i].phys);
		if (folio)
			folio_put(folio);
	}
	vfree(rec);
	memfd_luo_ser_free(lf);
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve = memfd_luo_can_preserve,
	.preserve = memfd_luo_preserve,
	.unpreserve = memfd_luo_unpreserve,
	.freeze = memfd_luo_freeze,
	.unfreeze = memfd_luo_unfreeze,
	.retrieve = memfd_luo_retrieve,
	.can_finish = memfd_luo_can_finish,
	.finish = memfd_luo_finish,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops = &memfd_luo_ops,
	.compatible = MEMFD_LUO_COMPATIBLE,
};

static int __init memfd_luo_init(void)
{
	int err = liveupdate_register_file_handler(&memfd_luo_handler);

	if (err)
		pr_err("cannot register the memfd handler: %d\n", err);
	return err;
}
device_initcall(memfd_luo_init);
