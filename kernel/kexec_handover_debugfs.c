// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver (KHO): debugfs.
 *
 * This file owns /sys/kernel/debug/kho/: out/ shows and finalizes the
 * outgoing handover, in/ shows the handover that started this kernel.
 * Everything in/ shows is a copy taken at boot, so reading it never
 * touches memory that a client has restored since.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kexec_handover_internal.h"

/* A blob shown in debugfs, with the file that shows it. */
struct kho_debugfs_blob {
	struct list_head list;
	struct debugfs_blob_wrapper blob;
	struct dentry *file;
};

static struct {
	struct mutex lock;		/* the lists and out/fdt */
	struct dentry *out;
	struct dentry *out_sub_fdts;
	struct list_head out_blobs;
	struct debugfs_blob_wrapper out_fdt;
	struct dentry *out_fdt_file;
	struct list_head in_blobs;
} kho_dbg = {
	.lock = __MUTEX_INITIALIZER(kho_dbg.lock),
	.out_blobs = LIST_HEAD_INIT(kho_dbg.out_blobs),
	.in_blobs = LIST_HEAD_INIT(kho_dbg.in_blobs),
};

/*
 * Show @size bytes at @data as @name in @dir, remembered on @list.  @copy
 * makes the file show a copy, which the blob then owns.
 */
static int kho_debugfs_blob_add(struct list_head *list, struct dentry *dir,
				const char *name, const void *data,
				size_t size, bool copy)
{
	struct kho_debugfs_blob *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->blob.data = copy ? kmemdup(data, size, GFP_KERNEL) : (void *)data;
	if (!b->blob.data)
		goto out_free;
	b->blob.size = size;
	b->file = debugfs_create_blob(name, 0400, dir, &b->blob);
	if (IS_ERR(b->file))
		goto out_free_data;
	list_add_tail(&b->list, list);
	return 0;

out_free_data:
	if (copy)
		kfree(b->blob.data);
out_free:
	kfree(b);
	return -ENOMEM;
}

static void kho_debugfs_blobs_free(struct list_head *list, bool copies)
{
	struct kho_debugfs_blob *b, *tmp;

	list_for_each_entry_safe(b, tmp, list, list) {
		debugfs_remove(b->file);
		if (copies)
			kfree(b->blob.data);
		list_del(&b->list);
		kfree(b);
	}
}

/* Show a client's sub-FDT added to the outgoing handover. */
void kho_debugfs_out_sub_fdt(const char *name, const void *fdt)
{
	mutex_lock(&kho_dbg.lock);
	if (kho_dbg.out_sub_fdts)
		kho_debugfs_blob_add(&kho_dbg.out_blobs, kho_dbg.out_sub_fdts,
				     name, fdt, fdt_totalsize(fdt), false);
	mutex_unlock(&kho_dbg.lock);
}

/* Show the finalized KHO FDT. */
void kho_debugfs_out_fdt(const void *fdt)
{
	mutex_lock(&kho_dbg.lock);
	if (kho_dbg.out && !kho_dbg.out_fdt_file) {
		kho_dbg.out_fdt.data = (void *)fdt;
		kho_dbg.out_fdt.size = fdt_totalsize(fdt);
		kho_dbg.out_fdt_file = debugfs_create_blob("fdt", 0400,
							   kho_dbg.out,
							   &kho_dbg.out_fdt);
	}
	mutex_unlock(&kho_dbg.lock);
}

/* The outgoing handover was aborted: forget what it showed. */
void kho_debugfs_out_clear(void)
{
	mutex_lock(&kho_dbg.lock);
	kho_debugfs_blobs_free(&kho_dbg.out_blobs, false);
	debugfs_remove(kho_dbg.out_fdt_file);
	kho_dbg.out_fdt_file = NULL;
	mutex_unlock(&kho_dbg.lock);
}

static int kho_finalize_get(void *data, u64 *val)
{
	*val = kho_out_finalized();
	return 0;
}

static int kho_finalize_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	return val ? kho_out_finalize() : kho_out_abort();
}

DEFINE_DEBUGFS_ATTRIBUTE(kho_finalize_fops, kho_finalize_get,
			 kho_finalize_set, "%llu\n");

static int kho_discard_get(void *data, u64 *val)
{
	*val = kho_out_discard();
	return 0;
}

static int kho_discard_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	kho_out_set_discard(val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(kho_discard_fops, kho_discard_get,
			 kho_discard_set, "%llu\n");

static int kho_in_stats_show(struct seq_file *m, void *v)
{
	const struct kho_in_stats *st = kho_in_stats();

	seq_printf(m, "blocks %llu\nbytes %llu\nruns %lu\nranges %lu\n",
		   st->blocks, st->bytes, st->runs, st->ranges);
	seq_printf(m, "table_pages %llu\nreserve %s\n", st->table_pages,
		   st->per_block ? "per-block" : "ranges");
	seq_printf(m, "walk_ns %llu\ncheck_ns %llu\nreserve_ns %llu\ninit_ns %llu\n",
		   st->ns[KHO_IN_WALK], st->ns[KHO_IN_CHECK],
		   st->ns[KHO_IN_RESERVE], st->ns[KHO_IN_INIT]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in_stats);

/*
 * in/fdt and in/sub_fdts/ show copies taken now, while every sub-FDT is
 * still preserved memory that no client has restored.
 */
static void __init kho_debugfs_in_init(struct dentry *root)
{
	const void *fdt = kho_in_fdt();
	struct dentry *dir, *sub_dir;
	const char *name;
	u64 phys, size;
	const void *sub;
	int off;

	dir = debugfs_create_dir("in", root);
	kho_debugfs_blob_add(&kho_dbg.in_blobs, dir, "fdt", fdt,
			     fdt_totalsize(fdt), true);
	debugfs_create_file("stats", 0400, dir, NULL, &kho_in_stats_fops);
	sub_dir = debugfs_create_dir("sub_fdts", dir);

	fdt_for_each_subnode(off, fdt, 0) {
		if (kho_fdt_get_u64(fdt, off, KHO_FDT_SUB_PROP, &phys))
			continue;
		/* Show only sub-FDTs that start a preserved block. */
		size = kho_in_preserved_size(phys);
		if (!size)
			continue;
		sub = phys_to_virt(phys);
		if (fdt_check_header(sub) || fdt_totalsize(sub) > size)
			continue;
		name = fdt_get_name(fdt, off, NULL);
		if (!name)
			continue;
		if (kho_debugfs_blob_add(&kho_dbg.in_blobs, sub_dir, name, sub,
					 fdt_totalsize(sub), true))
			break;
	}
}

static void __init kho_debugfs_out_init(struct dentry *root)
{
	static u64 phys[KHO_SCRATCH_MAX], len[KHO_SCRATCH_MAX];
	static struct debugfs_blob_wrapper phys_blob, len_blob;
	struct kho_scratch *area = NULL;

	for_each_kho_scratch(area) {
		phys[area - kho_scratch] = area->addr;
		len[area - kho_scratch] = area->size;
	}
	phys_blob.data = phys;
	phys_blob.size = kho_scratch_cnt * sizeof(u64);
	len_blob.data = len;
	len_blob.size = kho_scratch_cnt * sizeof(u64);

	mutex_lock(&kho_dbg.lock);
	kho_dbg.out = debugfs_create_dir("out", root);
	debugfs_create_file_unsafe("finalize", 0600, kho_dbg.out, NULL,
				   &kho_finalize_fops);
	debugfs_create_file_unsafe("discard", 0600, kho_dbg.out, NULL,
				   &kho_discard_fops);
	debugfs_create_blob("scratch_phys", 0400, kho_dbg.out, &phys_blob);
	debugfs_create_blob("scratch_len", 0400, kho_dbg.out, &len_blob);
	kho_dbg.out_sub_fdts = debugfs_create_dir("sub_fdts", kho_dbg.out);
	mutex_unlock(&kho_dbg.lock);
	kho_debug_debugfs_init(kho_dbg.out);
}

/* debugfs comes up after early initcalls. */
static int __init kho_debugfs_init(void)
{
	struct dentry *root;

	if (!is_kho_boot() && !kho_is_enabled())
		return 0;
	root = debugfs_create_dir("kho", NULL);
	if (is_kho_boot())
		kho_debugfs_in_init(root);
	if (kho_is_enabled())
		kho_debugfs_out_init(root);
	return 0;
}
fs_initcall(kho_debugfs_init);
