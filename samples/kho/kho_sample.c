// SPDX-License-Identifier: GPL-2.0-only
/*
 * A Kexec HandOver client: keeps a message across kexec.
 *
 * Loaded in a kernel booted with kho=on, it writes its message into a
 * folio, preserves the folio and one for its sub-FDT, and describes the
 * message in the sub-FDT when the handover is finalized.  Loaded in the
 * kernel that kexec starts, it takes both folios back, checks what it
 * reads as it would any input, prints the message, and keeps a new one
 * for the kernel after.  Unloaded before the kexec, it gives its memory
 * up; while the handover is finalized it cannot be unloaded.
 *
 *   insmod kho_sample.ko message="what to keep"
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#define SAMPLE_NAME	"kho_sample"
#define SAMPLE_COMPAT	"kho-sample-v1"

static char *message = "kept across kexec by kho_sample";
module_param(message, charp, 0444);
MODULE_PARM_DESC(message, "What to keep for the next kernel");

static struct folio *sample_buf;	/* the message, NUL-terminated */
static struct folio *sample_fdt;	/* the sub-FDT that describes it */
static u32 sample_generation;		/* kernels that kept a message */
static bool sample_ready;		/* both folios are preserved */
static bool sample_finalized;

/* Describe the message when the handover is finalized; undo on abort. */
static int sample_notifier(struct notifier_block *nb, unsigned long event,
			   void *data)
{
	void *fdt = folio_address(sample_fdt);
	int err;

	switch (event) {
	case KEXEC_KHO_FINALIZE:
		/* Registered before anything is preserved: maybe nothing is. */
		if (!READ_ONCE(sample_ready))
			return NOTIFY_DONE;
		/* The handover will point at this module's memory. */
		if (!try_module_get(THIS_MODULE))
			return notifier_from_errno(-EBUSY);
		err = fdt_create_empty_tree(fdt, folio_size(sample_fdt));
		err = err ?: fdt_setprop_string(fdt, 0, "compatible",
						SAMPLE_COMPAT);
		err = err ?: fdt_setprop_u64(fdt, 0, "message",
					     PFN_PHYS(folio_pfn(sample_buf)));
		err = err ?: fdt_setprop_u32(fdt, 0, "generation",
					     sample_generation);
		err = err ? -EINVAL : kho_add_subtree(data, SAMPLE_NAME, fdt);
		if (err) {
			module_put(THIS_MODULE);
			return notifier_from_errno(err);
		}
		sample_finalized = true;
		return NOTIFY_OK;
	case KEXEC_KHO_ABORT:
		if (sample_finalized) {
			sample_finalized = false;
			module_put(THIS_MODULE);
		}
		return NOTIFY_OK;
	}
	return NOTIFY_DONE;
}

static struct notifier_block sample_nb = {
	.notifier_call = sample_notifier,
};

/* Take the previous kernel's message back, if it left one. */
static void sample_take_back(void)
{
	struct folio *fdt_folio, *buf;
	const void *fdt, *prop;
	phys_addr_t phys;
	const char *text;
	int len;

	if (kho_retrieve_subtree(SAMPLE_NAME, &phys))
		return;
	fdt_folio = kho_restore_folio(phys);
	if (!fdt_folio) {
		pr_warn("sub-FDT already taken, or not preserved\n");
		return;
	}
	fdt = folio_address(fdt_folio);
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > folio_size(fdt_folio) ||
	    fdt_node_check_compatible(fdt, 0, SAMPLE_COMPAT)) {
		pr_warn("sub-FDT is not %s: ignored\n", SAMPLE_COMPAT);
		goto out;
	}
	prop = fdt_getprop(fdt, 0, "generation", &len);
	if (!prop || len != sizeof(u32))
		goto bad;
	sample_generation = get_unaligned_be32(prop);
	prop = fdt_getprop(fdt, 0, "message", &len);
	if (!prop || len != sizeof(u64))
		goto bad;
	buf = kho_restore_folio(get_unaligned_be64(prop));
	if (!buf)
		goto bad;
	text = folio_address(buf);
	if (strnlen(text, folio_size(buf)) < folio_size(buf))
		pr_info("generation %u said: %s\n", sample_generation, text);
	else
		pr_warn("generation %u left no terminated message\n",
			sample_generation);
	folio_put(buf);
	goto out;
bad:
	pr_warn("sub-FDT has no valid message: ignored\n");
out:
	folio_put(fdt_folio);
}

/* Keep this kernel's message for the next one. */
static int sample_keep(void)
{
	int err = -ENOMEM;

	sample_buf = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	sample_fdt = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!sample_buf || !sample_fdt)
		goto free;
	strscpy(folio_address(sample_buf), message, folio_size(sample_buf));

	/*
	 * The notifier first: a finalize that comes between the preserves
	 * and the registration would hand the folios over undescribed, and
	 * without the reference that keeps this module loaded.
	 */
	err = register_kho_notifier(&sample_nb);
	if (err)
		goto free;
	err = kho_preserve_folio(sample_fdt);
	if (err)
		goto unregister;
	err = kho_preserve_folio(sample_buf);
	if (err)
		goto unpreserve_fdt;
	sample_generation++;
	WRITE_ONCE(sample_ready, true);
	pr_info("keeping generation %u for the next kernel\n",
		sample_generation);
	return 0;

unpreserve_fdt:
	kho_unpreserve_folio(sample_fdt);
unregister:
	unregister_kho_notifier(&sample_nb);
free:
	if (sample_fdt)
		folio_put(sample_fdt);
	if (sample_buf)
		folio_put(sample_buf);
	sample_fdt = NULL;
	sample_buf = NULL;
	return err;
}

static int __init sample_init(void)
{
	if (is_kho_boot())
		sample_take_back();
	if (!kho_is_enabled()) {
		pr_info("KHO is off (kho=on): nothing kept for the next kernel\n");
		return 0;
	}
	return sample_keep();
}
module_init(sample_init);

/* Not finalized (the notifier holds the module then): give it all up. */
static void __exit sample_exit(void)
{
	if (!sample_buf)
		return;
	unregister_kho_notifier(&sample_nb);
	kho_unpreserve_folio(sample_fdt);
	kho_unpreserve_folio(sample_buf);
	folio_put(sample_fdt);
	folio_put(sample_buf);
	pr_info("unloaded: nothing kept for the next kernel\n");
}
module_exit(sample_exit);

MODULE_DESCRIPTION("A Kexec HandOver client that keeps a message across kexec");
MODULE_LICENSE("GPL");
