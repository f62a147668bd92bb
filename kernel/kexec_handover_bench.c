// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kexec HandOver benchmark.
 *
 * Booted with kho_bench.gib=N and kho=on, it measures in one boot:
 * - the cost per block of preserving N GiB of order-0 pages, and a set of
 *   every order, on one CPU and on every CPU at once, with the KHO radix
 *   tracker and with a reference tracker built here: per-order xarrays of
 *   512-byte bitmaps, serialized into linked page-sized chunks;
 * - the cost of serializing both, and the memory both use;
 * - the memory read bandwidth, to put the next kernel's walk in scale;
 * then preserves N GiB of real order-0 pages through kho_preserve_folio().
 * A kernel started by that handover reports what taking it over cost,
 * restores every page, timed, and, with kho_bench.gib=N again, hands the
 * next set of its chain over (see kho_bench_plan()), so that the next
 * kernel can take it with the other strategy (kho_reserve=).
 *
 * Everything is printed as "kho-bench: <key> <value>" lines.
 */

#define pr_fmt(fmt) "kho-bench: " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/unaligned.h>
#include <linux/xarray.h>

#include "kexec_handover_internal.h"

/* Parameters are kho_bench.*, not kexec_handover_bench.*. */
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kho_bench."

static unsigned int gib;
module_param(gib, uint, 0444);
MODULE_PARM_DESC(gib, "GiB of order-0 pages to preserve and benchmark with");

#define KHO_BENCH_NAME		"kho_bench"
#define KHO_BENCH_COMPATIBLE	"kho-bench-v1"
#define KHO_BENCH_BW_SIZE	SZ_256M
/* Synthetic pfns for the tracker benchmarks: no memory is touched. */
#define KHO_BENCH_BASE_PFN	BIT(20)

/* The reference: per-order xarrays of 512-byte bitmaps. */
#define KHO_REF_BITS		(512 * BITS_PER_BYTE)

struct kho_ref_bits {
	DECLARE_BITMAP(bits, KHO_REF_BITS);
};

struct kho_ref_order {
	struct xarray bitmaps;
};

struct kho_ref {
	struct xarray orders;
	atomic_long_t nr_bitmaps;
};

/* One page of serialized reference bitmaps, linked by physical address. */
struct kho_ref_chunk {
	u64 next;
	u64 nr;
	struct {
		u64 order_index;
		u64 bits;
	} entry[(PAGE_SIZE - 2 * sizeof(u64)) / (2 * sizeof(u64))];
};

/* Look up, or install, a zeroed object of @size at @index of @xa. */
static void *kho_ref_get(struct xarray *xa, unsigned long index, size_t size,
			 atomic_long_t *count, void (*init)(void *obj))
{
	void *cur = xa_load(xa, index), *new;

	if (cur)
		return cur;
	new = kzalloc(size, GFP_KERNEL);
	if (!new)
		return NULL;
	if (init)
		init(new);
	cur = xa_cmpxchg(xa, index, NULL, new, GFP_KERNEL);
	if (xa_is_err(cur)) {
		kfree(new);
		return NULL;
	}
	if (cur) {
		kfree(new);
		return cur;
	}
	if (count)
		atomic_long_inc(count);
	return new;
}

static void kho_ref_order_init(void *obj)
{
	struct kho_ref_order *o = obj;

	xa_init(&o->bitmaps);
}

static int kho_ref_preserve(struct kho_ref *ref, unsigned long pfn,
			    unsigned int order)
{
	unsigned long index = pfn >> order;
	struct kho_ref_order *o;
	struct kho_ref_bits *b;

	o = kho_ref_get(&ref->orders, order, sizeof(*o), NULL,
			kho_ref_order_init);
	if (!o)
		return -ENOMEM;
	b = kho_ref_get(&o->bitmaps, index / KHO_REF_BITS, sizeof(*b),
			&ref->nr_bitmaps, NULL);
	if (!b)
		return -ENOMEM;
	set_bit(index % KHO_REF_BITS, b->bits);
	return 0;
}

static void kho_ref_init(struct kho_ref *ref)
{
	xa_init(&ref->orders);
	atomic_long_set(&ref->nr_bitmaps, 0);
}

static void kho_ref_free_chunks(u64 phys)
{
	struct kho_ref_chunk *chunk;

	while (phys) {
		chunk = phys_to_virt(phys);
		phys = chunk->next;
		free_page((unsigned long)chunk);
	}
}

/* Serialize into linked chunks; returns the first chunk's address. */
static u64 kho_ref_serialize(struct kho_ref *ref, unsigned long *nr_chunks)
{
	struct kho_ref_chunk *chunk = NULL, *prev = NULL;
	unsigned long order, index;
	struct kho_ref_order *o;
	struct kho_ref_bits *b;
	u64 first = 0;

	*nr_chunks = 0;
	xa_for_each(&ref->orders, order, o) {
		xa_for_each(&o->bitmaps, index, b) {
			if (!chunk || chunk->nr == ARRAY_SIZE(chunk->entry)) {
				chunk = (void *)get_zeroed_page(GFP_KERNEL);
				if (!chunk)
					goto fail;
				if (prev)
					prev->next = virt_to_phys(chunk);
				else
					first = virt_to_phys(chunk);
				prev = chunk;
				(*nr_chunks)++;
			}
			chunk->entry[chunk->nr].order_index = order << 56 | index;
			chunk->entry[chunk->nr].bits = virt_to_phys(b);
			chunk->nr++;
		}
	}
	return first;
fail:
	kho_ref_free_chunks(first);
	return 0;
}

static void kho_ref_destroy(struct kho_ref *ref)
{
	unsigned long order, index;
	struct kho_ref_order *o;
	struct kho_ref_bits *b;

	xa_for_each(&ref->orders, order, o) {
		xa_for_each(&o->bitmaps, index, b)
			kfree(b);
		xa_destroy(&o->bitmaps);
		kfree(o);
	}
	xa_destroy(&ref->orders);
}

/* A set of blocks: @nr[o] blocks of order o, contiguous, one area each. */
struct kho_bench_set {
	const char *name;
	unsigned long nr[MAX_PAGE_ORDER + 1];
	unsigned long total;
};

static unsigned long kho_bench_set_pfn(const struct kho_bench_set *set,
				       unsigned long i, unsigned int *order)
{
	unsigned long base = KHO_BENCH_BASE_PFN;
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		/* Each order's area starts naturally aligned. */
		base = ALIGN(base, 1UL << o);
		if (i < set->nr[o]) {
			*order = o;
			return base + (i << o);
		}
		i -= set->nr[o];
		base += set->nr[o] << o;
	}
	*order = 0;
	return base;
}

struct kho_bench_job {
	const struct kho_bench_set *set;
	struct kho_tracker *tracker;
	struct kho_ref *ref;
	unsigned long first, last;
	struct completion *start;
	struct completion done;
	u64 start_ns;
	u64 end_ns;
	int err;
};

static void kho_bench_run_job(struct kho_bench_job *job)
{
	unsigned long i, pfn;
	unsigned int order;
	int err = 0;

	job->start_ns = ktime_get_ns();
	for (i = job->first; i < job->last && !err; i++) {
		pfn = kho_bench_set_pfn(job->set, i, &order);
		if (job->tracker)
			err = kho_tracker_preserve(job->tracker, pfn, order);
		else
			err = kho_ref_preserve(job->ref, pfn, order);
	}
	job->err = err;
	job->end_ns = ktime_get_ns();
}

static int kho_bench_thread(void *data)
{
	struct kho_bench_job *job = data;

	wait_for_completion(job->start);
	kho_bench_run_job(job);
	complete(&job->done);
	return 0;
}

/*
 * Preserve @set on @nr_cpus CPUs at once; returns the time from the first
 * start to the last end, in ns, which leaves out waking the threads.
 */
static u64 kho_bench_preserve_once(const struct kho_bench_set *set,
				   struct kho_tracker *tracker,
				   struct kho_ref *ref, unsigned int nr_cpus)
{
	DECLARE_COMPLETION_ONSTACK(go);
	struct kho_bench_job *jobs;
	struct task_struct *task;
	unsigned int i, cpu, n = 0;
	u64 start = U64_MAX, end = 0;

	jobs = kcalloc(nr_cpus, sizeof(*jobs), GFP_KERNEL);
	if (!jobs)
		return 0;
	for_each_online_cpu(cpu) {
		if (n == nr_cpus)
			break;
		jobs[n].set = set;
		jobs[n].tracker = tracker;
		jobs[n].ref = ref;
		jobs[n].first = set->total * n / nr_cpus;
		jobs[n].last = set->total * (n + 1) / nr_cpus;
		jobs[n].start = &go;
		init_completion(&jobs[n].done);
		if (nr_cpus == 1) {
			n++;
			break;
		}
		task = kthread_create_on_cpu(kho_bench_thread, &jobs[n], cpu,
					     "kho_bench/%u");
		if (IS_ERR(task))
			break;
		wake_up_process(task);
		n++;
	}

	if (nr_cpus == 1) {
		kho_bench_run_job(&jobs[0]);
	} else {
		complete_all(&go);
		for (i = 0; i < n; i++)
			wait_for_completion(&jobs[i].done);
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].err)
			pr_warn("preserve failed: %pe\n", ERR_PTR(jobs[i].err));
		start = min(start, jobs[i].start_ns);
		end = max(end, jobs[i].end_ns);
		if (jobs[i].err)
			n = 0;
	}
	kfree(jobs);
	/* A run that failed has no meaningful time. */
	return n == nr_cpus ? end - start : 0;
}

#define KHO_BENCH_RUNS	7

static int kho_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * KHO_BENCH_RUNS runs, each into an empty tracker: the first also pays
 * for translating code under emulation.  Returns the fastest, which the
 * host's load disturbs least, and sets *@spread to the slowest over the
 * fastest, in percent.  @tracker or @ref is left holding the set.
 */
static u64 kho_bench_preserve(const struct kho_bench_set *set,
			      struct kho_tracker *tracker, struct kho_ref *ref,
			      unsigned int nr_cpus, u64 *spread)
{
	u64 ns[KHO_BENCH_RUNS];
	unsigned int i;

	for (i = 0; i < KHO_BENCH_RUNS; i++) {
		if (i && tracker) {
			kho_tracker_discard(tracker);
			/*
			 * Discard took the tracker's semaphore for write:
			 * let it return to its fast path, a grace period
			 * later, as it has long before any real preserver.
			 */
			rcu_barrier();
		} else if (i) {
			kho_ref_destroy(ref);
			kho_ref_init(ref);
		}
		ns[i] = kho_bench_preserve_once(set, tracker, ref, nr_cpus);
	}
	/* The first run translates the code: leave it out. */
	sort(ns + 1, KHO_BENCH_RUNS - 1, sizeof(u64), kho_bench_cmp_u64, NULL);
	*spread = ns[1] ? div64_u64((ns[KHO_BENCH_RUNS - 1] - ns[1]) * 100,
				    ns[1]) : 0;
	return ns[1];
}

static void kho_bench_print_ns(const char *key, u64 ns, unsigned long blocks)
{
	pr_info("%s.ns %llu\n", key, ns);
	if (blocks)
		pr_info("%s.ps_per_block %llu\n", key,
			div_u64(ns * 1000, blocks));
}

/* Preserve and serialize @set with both trackers, on 1 and all CPUs. */
static void __init kho_bench_trackers(const struct kho_bench_set *set)
{
	unsigned int cpus, nr_cpus = num_online_cpus();
	struct kho_tracker *tracker;
	unsigned long nr_chunks;
	struct kho_ref *ref;
	phys_addr_t root;
	char key[64];
	u64 ns, t0, spread;

	tracker = kzalloc(sizeof(*tracker), GFP_KERNEL);
	ref = kzalloc(sizeof(*ref), GFP_KERNEL);
	if (!tracker || !ref || kho_tracker_init(tracker))
		goto out;

	pr_info("%s.blocks %lu\n", set->name, set->total);
	for (cpus = 1; cpus <= nr_cpus; cpus = cpus == 1 ? nr_cpus : cpus + 1) {
		snprintf(key, sizeof(key), "%s.ours.cpus%u", set->name, cpus);
		ns = kho_bench_preserve(set, tracker, NULL, cpus, &spread);
		kho_bench_print_ns(key, ns, set->total);
		pr_info("%s.spread_pct %llu\n", key, spread);

		if (cpus == 1) {
			t0 = ktime_get_ns();
			kho_tracker_serialize(tracker, &root);
			snprintf(key, sizeof(key), "%s.ours.serialize",
				 set->name);
			kho_bench_print_ns(key, ktime_get_ns() - t0, 0);
			pr_info("%s.ours.bytes %lu\n", set->name,
				atomic_long_read(&tracker->nr_pages) * PAGE_SIZE);
		}
		kho_tracker_discard(tracker);

		kho_ref_init(ref);
		snprintf(key, sizeof(key), "%s.ref.cpus%u", set->name, cpus);
		ns = kho_bench_preserve(set, NULL, ref, cpus, &spread);
		kho_bench_print_ns(key, ns, set->total);
		pr_info("%s.spread_pct %llu\n", key, spread);
		if (cpus == 1) {
			t0 = ktime_get_ns();
			root = kho_ref_serialize(ref, &nr_chunks);
			snprintf(key, sizeof(key), "%s.ref.serialize",
				 set->name);
			kho_bench_print_ns(key, ktime_get_ns() - t0, 0);
			/* Bitmaps, chunks, and xarray nodes of 64 slots. */
			pr_info("%s.ref.bytes %lu\n", set->name,
				atomic_long_read(&ref->nr_bitmaps) *
				(sizeof(struct kho_ref_bits) +
				 sizeof(struct xa_node) / XA_CHUNK_SIZE) +
				nr_chunks * PAGE_SIZE);
			kho_ref_free_chunks(root);
		}
		kho_ref_destroy(ref);
		if (cpus == nr_cpus)
			break;
	}
	kho_tracker_destroy(tracker);
out:
	kfree(tracker);
	kfree(ref);
}

/* Read @KHO_BENCH_BW_SIZE bytes that were written first; MB/s. */
static void __init kho_bench_bandwidth(void)
{
	unsigned int order = MAX_PAGE_ORDER, i, n;
	struct page **chunks;
	u64 sum = 0, t0, ns, *p;
	size_t j;

	n = KHO_BENCH_BW_SIZE >> (order + PAGE_SHIFT);
	chunks = kcalloc(n, sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return;
	for (i = 0; i < n; i++) {
		chunks[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!chunks[i])
			goto out;
		memset(page_address(chunks[i]), i, PAGE_SIZE << order);
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p = page_address(chunks[i]);
		for (j = 0; j < (PAGE_SIZE << order) / sizeof(u64); j++)
			sum += READ_ONCE(p[j]);
	}
	ns = ktime_get_ns() - t0;
	pr_info("read_bandwidth.mb_per_s %llu\n",
		div64_u64((u64)KHO_BENCH_BW_SIZE * 1000, ns ?: 1));
	pr_info("read_bandwidth.checksum %llu\n", sum & 0xff);
out:
	for (i = 0; i < n; i++) {
		if (chunks[i])
			__free_pages(chunks[i], order);
	}
	kfree(chunks);
}

/*
 * The chain of handovers a run makes: generation 1 and 2 hand @gib GiB of
 * order-0 pages over (the second kernel takes them with ranges, the third
 * one block at a time, as kho_reserve=per-block on its command line
 * says), then each size in @frag_mb twice over, as every other page of
 * that many MiB: one run per block, the fragmented worst case.
 */
static unsigned int frag_mb[4];
static unsigned int nr_frag;
module_param_array(frag_mb, uint, &nr_frag, 0444);
MODULE_PARM_DESC(frag_mb, "MiB of fragmented memory to hand over, per size");

static struct {
	struct folio *fdt;
	struct folio *list;	/* pfns of chunks of MAX_PAGE_ORDER pages */
	unsigned long nr;	/* chunks */
	unsigned int step;	/* 1: every page of a chunk, 2: every other */
	u64 generation;
	struct notifier_block nb;
} kho_bench;

static int kho_bench_notifier(struct notifier_block *nb, unsigned long event,
			      void *data)
{
	void *fdt = folio_address(kho_bench.fdt);
	int err;

	if (event != KEXEC_KHO_FINALIZE)
		return NOTIFY_DONE;
	err = fdt_create_empty_tree(fdt, PAGE_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible",
					KHO_BENCH_COMPATIBLE);
	err = err ?: fdt_setprop_u64(fdt, 0, "list",
				     PFN_PHYS(folio_pfn(kho_bench.list)));
	err = err ?: fdt_setprop_u64(fdt, 0, "nr", kho_bench.nr);
	err = err ?: fdt_setprop_u64(fdt, 0, "step", kho_bench.step);
	err = err ?: fdt_setprop_u64(fdt, 0, "generation",
				     kho_bench.generation + 1);
	if (err)
		return notifier_from_errno(-EINVAL);
	return notifier_from_errno(kho_add_subtree(data, KHO_BENCH_NAME, fdt));
}

/* Preserve every @step-th page of the chunks, at order 0. */
static int __init kho_bench_preserve_chunks(void)
{
	u64 *pfns = folio_address(kho_bench.list), t0, ns;
	unsigned long i, j;
	int err;

	t0 = ktime_get_ns();
	for (i = 0; i < kho_bench.nr; i++) {
		for (j = 0; j < MAX_ORDER_NR_PAGES; j += kho_bench.step) {
			err = kho_preserve_folio(page_folio(pfn_to_page(pfns[i] + j)));
			if (err)
				return err;
		}
	}
	ns = ktime_get_ns() - t0;
	kho_bench_print_ns("handover.preserve", ns,
			   (kho_bench.nr << MAX_PAGE_ORDER) / kho_bench.step);
	err = kho_preserve_folio(kho_bench.list);
	err = err ?: kho_preserve_folio(kho_bench.fdt);
	if (err)
		return err;
	kho_bench.nb.notifier_call = kho_bench_notifier;
	return register_kho_notifier(&kho_bench.nb);
}

/* Allocate @mb MiB in chunks, to preserve page by page. */
static int __init kho_bench_alloc_chunks(u64 mb)
{
	unsigned long nr = mb >> (PAGE_SHIFT + MAX_PAGE_ORDER - 20);
	struct page *page;
	u64 *pfns;

	kho_bench.list = folio_alloc(GFP_KERNEL, get_order(nr * sizeof(u64)));
	kho_bench.fdt = folio_alloc(GFP_KERNEL, 0);
	if (!kho_bench.list || !kho_bench.fdt)
		return -ENOMEM;
	pfns = folio_address(kho_bench.list);
	for (kho_bench.nr = 0; kho_bench.nr < nr; kho_bench.nr++) {
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER);
		if (!page)
			return -ENOMEM;
		pfns[kho_bench.nr] = page_to_pfn(page);
	}
	return 0;
}

/*
 * Take every preserved page of the chunks back, timed per block, and give
 * back to the allocator the ones that were not preserved.
 */
static int __init kho_bench_restore(void)
{
	u64 *pfns = folio_address(kho_bench.list), t0, ns;
	unsigned long i, j, n = 0;
	struct folio *folio;

	t0 = ktime_get_ns();
	for (i = 0; i < kho_bench.nr; i++) {
		for (j = 0; j < MAX_ORDER_NR_PAGES; j += kho_bench.step) {
			folio = kho_restore_folio(PFN_PHYS(pfns[i] + j));
			if (!folio)
				return -EINVAL;
			n++;
		}
	}
	ns = ktime_get_ns() - t0;
	kho_bench_print_ns("next.restore", ns, n);
	return 0;
}

/* Free what kho_bench_restore() took back, and the list. */
static void __init kho_bench_free(void)
{
	u64 *pfns = folio_address(kho_bench.list);
	unsigned long i, j;

	for (i = 0; i < kho_bench.nr; i++)
		for (j = 0; j < MAX_ORDER_NR_PAGES; j += kho_bench.step)
			__free_page(pfn_to_page(pfns[i] + j));
	folio_put(kho_bench.list);
	folio_put(kho_bench.fdt);
	kho_bench.list = NULL;
	kho_bench.fdt = NULL;
	kho_bench.nr = 0;
}

/* The names bench_report.py reads, in enum kho_in_step order. */
static const char *const kho_bench_steps[KHO_IN_STEPS] __initconst = {
	[KHO_IN_WALK] = "walk",
	[KHO_IN_CHECK] = "check",
	[KHO_IN_RESERVE] = "reserve",
	[KHO_IN_INIT] = "init",
	[KHO_IN_WALK_WARM] = "walk_warm",
};

/* A kernel started by a benchmark handover: report, and take it back. */
static int __init kho_bench_incoming(void)
{
	const struct kho_in_stats *st = kho_in_stats();
	phys_addr_t phys;
	const void *fdt;
	u64 list, step;
	int i, err;

	if (kho_retrieve_subtree(KHO_BENCH_NAME, &phys))
		return -ENOENT;
	kho_bench.fdt = kho_restore_folio(phys);
	if (!kho_bench.fdt || !st)
		return -EINVAL;
	fdt = folio_address(kho_bench.fdt);
	if (kho_fdt_get_u64(fdt, 0, "generation", &kho_bench.generation) ||
	    kho_fdt_get_u64(fdt, 0, "nr", &list) ||
	    kho_fdt_get_u64(fdt, 0, "step", &step))
		return -EINVAL;
	kho_bench.nr = list;
	kho_bench.step = step;
	if (kho_fdt_get_u64(fdt, 0, "list", &list))
		return -EINVAL;
	kho_bench.list = kho_restore_folio(list);
	if (!kho_bench.list)
		return -EINVAL;

	pr_info("next.generation %llu\n", kho_bench.generation);
	pr_info("next.set %s\n", kho_bench.step == 1 ? "dense" : "fragmented");
	pr_info("next.reserve %s\n", st->per_block ? "per-block" : "ranges");
	pr_info("next.blocks %llu\n", st->blocks);
	pr_info("next.bytes %llu\n", st->bytes);
	pr_info("next.runs %lu\n", st->runs);
	pr_info("next.ranges %lu\n", st->ranges);
	pr_info("next.table_bytes %llu\n", st->table_pages * PAGE_SIZE);
	for (i = 0; i < KHO_IN_STEPS; i++)
		pr_info("next.%s_ns %llu\n", kho_bench_steps[i], st->ns[i]);
	/* The whole boot so far: what the handover costs outside its steps. */
	pr_info("next.boot_ns %llu\n", local_clock());
	err = kho_bench_restore();
	if (err)
		pr_err("cannot restore the handed-over pages: %pe\n", ERR_PTR(err));
	return err;
}

/* What generation @gen of the chain hands over: 0 to stop. */
static u64 __init kho_bench_plan(u64 gen, unsigned int *step)
{
	*step = 1;
	if (gen <= 2)
		return (u64)gib << 10;
	gen -= 3;
	*step = 2;
	return gen / 2 < nr_frag ? frag_mb[gen / 2] : 0;
}

static int __init kho_bench_init(void)
{
	struct kho_bench_set set = { };
	unsigned int o, step;
	u64 mb;
	int err;

	err = kho_bench_incoming();
	if (err != -ENOENT) {
		if (err)
			pr_err("bad benchmark handover: %pe\n", ERR_PTR(err));
		else
			kho_bench_bandwidth();
	}
	if (!gib)
		return 0;
	if (!kho_is_enabled()) {
		pr_err("kho_bench.gib needs kho=on\n");
		return 0;
	}

	if (err == -ENOENT) {
		pr_info("cpus %u\n", num_online_cpus());
		kho_bench_bandwidth();

		set.name = "order0";
		set.nr[0] = (u64)gib << (30 - PAGE_SHIFT);
		set.total = set.nr[0];
		kho_bench_trackers(&set);

		/* The same bytes for every order. */
		set.name = "mixed";
		set.total = 0;
		for (o = 0; o <= MAX_PAGE_ORDER; o++) {
			set.nr[o] = max(1ULL, div_u64((u64)gib << 30,
						      (MAX_PAGE_ORDER + 1) *
						      (PAGE_SIZE << o)));
			set.total += set.nr[o];
		}
		kho_bench_trackers(&set);
	} else if (err) {
		return 0;
	}

	mb = kho_bench_plan(kho_bench.generation + 1, &step);
	if (!mb)
		return 0;
	/* The same pages again, or a new set. */
	if (!kho_bench.list || step != kho_bench.step || mb != kho_bench.nr <<
	    (PAGE_SHIFT + MAX_PAGE_ORDER - 20)) {
		if (kho_bench.list)
			kho_bench_free();
		err = kho_bench_alloc_chunks(mb);
		if (err) {
			pr_err("cannot allocate %llu MiB: %pe\n", mb, ERR_PTR(err));
			return 0;
		}
	}
	kho_bench.step = step;
	err = kho_bench_preserve_chunks();
	if (err)
		pr_err("cannot preserve the chunks: %pe\n", ERR_PTR(err));
	else
		pr_info("handover.generation %llu\n", kho_bench.generation + 1);
	return 0;
}
late_initcall(kho_bench_init);

MODULE_DESCRIPTION("Kexec HandOver benchmark");
MODULE_LICENSE("GPL");
