// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update of memfds: a memfd's folios stay where they are across the
 * kexec and become the page cache of a new memfd in the next kernel.
 *
 * Preserving fills the holes, pins every folio, preserves it with KHO,
 * makes the mapping unevictable and fixes the file's size and blocks;
 * writes inside the size go on reaching the same folios until the kexec.
 * Preserving also lists the (index, address) of each folio in preserved
 * memory and sets a preserved struct memfd_luo_ser aside, into which
 * freezing writes the size, the file position, the seals and the
 * permission bits: the reboot allocates nothing.
 */

#define pr_fmt(fmt) "liveupdate: memfd: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/liveupdate.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* The seals a preserved memfd may carry. */
#define MEMFD_LUO_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/* The mode bits handed over: permissions, not set-id or sticky bits. */
#define MEMFD_LUO_MODE	0777

/*
 * The largest memfd that may be preserved, in pages: its arrays of folios
 * stay below what kvmalloc() takes (512 GiB with 4 KiB pages).
 */
#define MEMFD_LUO_MAX_PAGES	(INT_MAX / sizeof(struct memfd_luo_folio))

/* The first kernel's state of a preserved memfd. */
struct memfd_luo {
	struct memfd_luo_folio *folios;	/* vmalloc, preserved */
	struct folio **pinned;
	unsigned long nr;
	struct kho_vmalloc folios_kv;
	struct memfd_luo_ser *ser;	/* preserved, filled at freeze */
	bool unevictable;		/* we made the mapping unevictable */
};

/* A memfd: no name in any directory, on the kernel's own shmem mount. */
static bool memfd_luo_can_preserve(struct file *file)
{
	return shmem_file(file) && !file_inode(file)->i_nlink &&
	       shmem_file_is_internal(file) && !is_file_hugepages(file);
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
	if (!IS_ERR_OR_NULL(m->ser))
		kho_unpreserve_free(m->ser);
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
	unsigned int flags;
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
	/* Large targets ask for movable memory: keep them out of CMA too. */
	flags = memalloc_pin_save();
	err = migrate_pages(&list, alloc_migration_target, NULL,
			    (unsigned long)&mtc, MIGRATE_SYNC, MR_LONGTERM_PIN,
			    NULL);
	memalloc_pin_restore(flags);
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
		kho_ptr_set_phys(&m->folios[m->nr].mem, PFN_PHYS(folio_pfn(folio)));
		m->folios[m->nr].index = folio->index;
		m->nr++;
		index = folio->index + folio_nr_pages(folio);
		cond_resched();
	}
	return 0;
}

/*
 * Pinned folios cannot be reclaimed: pageout() skips them, but reclaim
 * would still unmap them from every process on each pass.  Make the
 * mapping unevictable while preserved, as SHM_LOCK does: reclaim that
 * meets a folio moves it to the unevictable LRU, mapped.  The folios are
 * not moved now: that costs more than the rest of a preserve.
 */
static void memfd_luo_lock(struct address_space *mapping, struct memfd_luo *m)
{
	if (mapping_unevictable(mapping))
		return;
	mapping_set_unevictable(mapping);
	m->unevictable = true;
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
	pgoff_t pages;
	int err;

	if (info->seals & ~MEMFD_LUO_SEALS)
		return -EOPNOTSUPP;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;

	/* Size and blocks fixed from here, until unpreserve. */
	inode_lock(inode);
	pages = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	if (READ_ONCE(info->preserved))
		err = -EBUSY;	/* the same memfd, opened again */
	else if (pages > MEMFD_LUO_MAX_PAGES)
		err = -EFBIG;
	else if (pages > totalram_pages())
		err = -ENOMEM;	/* its holes could never be filled */
	else
		err = 0;
	/* An empty memfd has no folio list: see struct memfd_luo_ser. */
	if (!err && pages) {
		m->pinned = kvcalloc(pages, sizeof(*m->pinned), GFP_KERNEL);
		m->folios = vzalloc(array_size(pages, sizeof(*m->folios)));
		err = m->pinned && m->folios ? 0 : -ENOMEM;
	}
	if (!err) {
		m->ser = kho_alloc_preserve(sizeof(*m->ser));
		err = PTR_ERR_OR_ZERO(m->ser);
	}
	err = err ?: memfd_luo_pin(inode, m, pages);
	if (!err && pages)
		err = kho_preserve_vmalloc(m->folios, &m->folios_kv);
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
	struct memfd_luo_ser *ser = m->ser;

	ser->size = i_size_read(inode);
	ser->pos = READ_ONCE(lf->file->f_pos);
	ser->seals = SHMEM_I(inode)->seals;
	ser->mode = inode->i_mode & MEMFD_LUO_MODE;
	ser->nr_folios = m->nr;
	ser->folios = m->folios_kv;
	lf->data = virt_to_phys(ser);
	return 0;
}

static void memfd_luo_unfreeze(struct liveupdate_file *lf)
{
	lf->data = 0;
}

/*
 * Folios restored and added to the file together: shmem accounts for them
 * and takes the page cache's lock once per batch.  It bounds how long
 * interrupts stay off.
 */
#define MEMFD_LUO_BATCH	64

/*
 * Next kernel: a handed-over memfd while it is retrieved.  Retrieving
 * stops where memory runs short and goes on from there when tried again;
 * finishing frees whatever no file took.
 */
struct memfd_luo_in {
	const struct memfd_luo_ser *ser;	/* in its restored folio */
	const struct memfd_luo_folio *rec;	/* vmalloc, or NULL */
	struct file *file;			/* being filled */
	u64 next;				/* the next record to restore */
	unsigned int nr_pending;
	/* Restored, not in @file yet, and where they go. */
	struct folio *pending[MEMFD_LUO_BATCH];
	pgoff_t index[MEMFD_LUO_BATCH];
	phys_addr_t phys[MEMFD_LUO_BATCH];	/* of the next to restore */
};

/* Whether the record the previous kernel wrote holds together. */
static bool memfd_luo_ser_ok(const struct memfd_luo_ser *ser)
{
	u64 pages = DIV_ROUND_UP(ser->size, PAGE_SIZE);

	return !(ser->seals & ~MEMFD_LUO_SEALS) &&
	       !(ser->mode & ~MEMFD_LUO_MODE) &&
	       ser->size <= MAX_LFS_FILESIZE && pages <= MEMFD_LUO_MAX_PAGES &&
	       ser->pos <= MAX_LFS_FILESIZE && ser->nr_folios <= pages &&
	       /* Preserving fills every hole: bytes come in folios. */
	       !pages == !ser->nr_folios &&
	       ((u64)ser->folios.nr_pages << PAGE_SHIFT) /
	       sizeof(struct memfd_luo_folio) >= ser->nr_folios;
}

/* The file's retrieval state, set up on first use; 0 or an errno. */
static int memfd_luo_in(struct liveupdate_file *lf, struct memfd_luo_in **inp)
{
	struct memfd_luo_in *in = lf->priv;
	struct folio *folio;

	if (in) {
		*inp = in;
		return 0;
	}
	if (!lf->data || lf->data & ~PAGE_MASK)
		return -EIO;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	folio = kho_restore_folio(lf->data);
	if (!folio) {
		kfree(in);
		return -EIO;
	}
	in->ser = folio_address(folio);
	if (folio_size(folio) < sizeof(*in->ser) ||
	    !memfd_luo_ser_ok(in->ser))
		goto out_bad;
	if (in->ser->nr_folios) {
		in->rec = kho_restore_vmalloc(&in->ser->folios);
		if (!in->rec)
			goto out_bad;
	}
	lf->priv = in;
	*inp = in;
	return 0;

out_bad:
	folio_put(folio);
	kfree(in);
	return -EIO;
}

static void memfd_luo_in_free(struct liveupdate_file *lf)
{
	struct memfd_luo_in *in = lf->priv;

	if (!in)
		return;
	while (in->nr_pending)
		folio_put(in->pending[--in->nr_pending]);
	if (in->file)
		fput(in->file);
	vfree(in->rec);
	folio_put(virt_to_folio(in->ser));
	kfree(in);
	lf->priv = NULL;
}

/* Restore the folios of the next records, up to a batch pending. */
static int memfd_luo_restore(struct memfd_luo_in *in, pgoff_t pages)
{
	unsigned int first = in->nr_pending, nr = 0, got;
	const struct memfd_luo_folio *rec;
	int err = 0;

	while (first + nr < MEMFD_LUO_BATCH &&
	       in->next + nr < in->ser->nr_folios) {
		rec = &in->rec[in->next + nr];
		in->phys[nr] = kho_ptr_phys(&rec->mem);
		/*
		 * A large folio may reach past the end, as shmem's huge
		 * pages do: it must start inside the file, aligned.
		 */
		if (rec->index >= pages || in->phys[nr] & ~PAGE_MASK) {
			err = -EIO;
			break;
		}
		in->index[first + nr++] = rec->index;
	}
	got = kho_restore_folios(in->phys, nr, in->pending + first);
	in->nr_pending += got;
	in->next += got;
	return got < nr ? -EIO : err;
}

/*
 * Add the folios of the records from in->next on to in->file, a batch at a
 * time.  Running short of memory for a batch of which nothing was added
 * leaves its folios pending, to be added when retrieve is tried again;
 * any other error is the data's.
 */
static int memfd_luo_fill(struct memfd_luo_in *in)
{
	pgoff_t pages = DIV_ROUND_UP(in->ser->size, PAGE_SIZE);
	struct inode *inode = file_inode(in->file);
	unsigned int added, i;
	int err;

	while (in->nr_pending || in->next < in->ser->nr_folios) {
		err = memfd_luo_restore(in, pages);
		if (err)
			return err;
		err = shmem_add_restored_folios(inode, in->pending, in->index,
						in->nr_pending, &added);
		for (i = 0; i < added; i++)
			folio_put(in->pending[i]);
		in->nr_pending -= added;
		memmove(in->pending, in->pending + added,
			in->nr_pending * sizeof(in->pending[0]));
		memmove(in->index, in->index + added,
			in->nr_pending * sizeof(in->index[0]));
		/*
		 * The shmem mount has no block limit or quota: -ENOSPC is
		 * the overcommit check's, a shortage of memory as well.
		 */
		if (err == -ENOMEM || err == -ENOSPC) {
			/* Those added are reclaimable now: try the rest. */
			if (added) {
				cond_resched();
				continue;
			}
			return -ENOMEM;
		}
		if (err)
			return -EIO;
		cond_resched();
	}
	return 0;
}

/*
 * The mode the file comes back with: its permissions, without execute
 * bits under F_SEAL_EXEC, and as memfd_create() would allow in the
 * retriever's pid namespace: where vm.memfd_noexec forbids executable
 * memfds, without execute bits and sealed so.
 */
static umode_t memfd_luo_mode(const struct memfd_luo_ser *ser, u32 *seals)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	umode_t mode = ser->mode;

	if (pidns_memfd_noexec_scope(ns) >= MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED)
		*seals |= F_SEAL_EXEC;
	if (*seals & F_SEAL_EXEC)
		mode &= ~0111;
	return mode;
}

static int memfd_luo_retrieve(struct liveupdate_file *lf)
{
	struct memfd_luo_in *in;
	struct inode *inode;
	struct file *file;
	u32 seals;
	int err;

	err = memfd_luo_in(lf, &in);
	if (err)
		return err;
	if (!in->file) {
		file = shmem_file_setup("memfd:liveupdate", in->ser->size,
					VM_NORESERVE);
		if (IS_ERR(file))
			return PTR_ERR(file);
		file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
		file->f_flags |= O_LARGEFILE;
		in->file = file;
	}
	err = memfd_luo_fill(in);
	if (err) {
		if (err != -ENOMEM) {
			/* For good: what the file took goes with it. */
			fput(in->file);
			in->file = NULL;
		}
		return err;
	}

	file = in->file;
	inode = file_inode(file);
	seals = in->ser->seals;
	inode->i_mode = S_IFREG | memfd_luo_mode(in->ser, &seals);
	SHMEM_I(inode)->seals = seals;
	file->f_pos = in->ser->pos;
	lf->file = file;
	in->file = NULL;
	memfd_luo_in_free(lf);
	return 0;
}

/* Finishing needs the record mapped: only memory can be short for it. */
static bool memfd_luo_can_finish(struct liveupdate_file *lf)
{
	struct memfd_luo_in *in;

	return lf->file || memfd_luo_in(lf, &in) != -ENOMEM;
}

/* Free the folios of a memfd nobody retrieved, or that failed to be. */
static void memfd_luo_finish(struct liveupdate_file *lf)
{
	struct memfd_luo_in *in;
	struct folio *folio;
	u64 i, phys;

	if (lf->file || memfd_luo_in(lf, &in))
		return;
	if (in->file) {
		fput(in->file);
		in->file = NULL;
	}
	/* Those a file took are restored already: they are skipped. */
	for (i = 0; in->rec && i < in->ser->nr_folios; i++) {
		phys = kho_ptr_phys(&in->rec[i].mem);
		if (phys & ~PAGE_MASK)
			continue;
		folio = kho_restore_folio(phys);
		if (folio)
			folio_put(folio);
		cond_resched();
	}
	memfd_luo_in_free(lf);
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
		pr_err("cannot register the memfd handler: %pe\n", ERR_PTR(err));
	return err;
}
device_initcall(memfd_luo_init);
