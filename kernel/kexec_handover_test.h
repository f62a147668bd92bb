/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the KHO KUnit suites: trackers the test owns, and the
 * blocks a walk reports, as keys.
 */
#ifndef _KERNEL_KEXEC_HANDOVER_TEST_H
#define _KERNEL_KEXEC_HANDOVER_TEST_H

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "kexec_handover_tracker.h"

/* Blocks reported by a walk, as keys, in the order they were reported. */
struct kho_test_set {
	u64 *keys;
	unsigned long nr;
	unsigned long max;
	unsigned long runs;
	int err;
};

static inline void kho_test_set_init(struct kunit *test,
				     struct kho_test_set *set,
				     unsigned long max)
{
	memset(set, 0, sizeof(*set));
	set->keys = kunit_kmalloc_array(test, max, sizeof(u64), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set->keys);
	set->max = max;
}

static inline int kho_test_collect(void *arg, phys_addr_t phys,
				   unsigned int order, unsigned long nr)
{
	struct kho_test_set *set = arg;
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long i;
	int err;

	set->runs++;
	for (i = 0; i < nr; i++) {
		if (set->nr == set->max)
			return -ENOSPC;
		err = kho_key_encode(pfn + (i << order), order,
				     &set->keys[set->nr]);
		if (err)
			return err;
		set->nr++;
	}
	return 0;
}

/* Map any page of RAM, as the next kernel does outside scratch. */
static const void *kho_test_map(void *arg, phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);

	if (!pfn_valid(pfn) || !page_is_ram(pfn))
		return NULL;
	return phys_to_virt(phys);
}

static const struct kho_walk_ops kho_test_collect_ops = {
	.run = kho_test_collect,
	.map = kho_test_map,
};

/* Walk serialized tables at @root into @set; returns the walk's result. */
static inline int kho_test_walk_serialized(struct kunit *test,
					   phys_addr_t root,
					   struct kho_test_set *set,
					   unsigned long max,
					   unsigned long *pages)
{
	struct kho_walk w = { .ops = &kho_test_collect_ops, .arg = set };
	int err;

	kho_test_set_init(test, set, max);
	err = kho_walk_serialized(&w, root);
	if (pages)
		*pages = w.pages;
	return err;
}

static inline void kho_test_tracker_release(void *tracker)
{
	kho_tracker_destroy(tracker);
}

/* A tracker destroyed when the case ends, however it ends. */
static inline struct kho_tracker *kho_test_tracker(struct kunit *test)
{
	struct kho_tracker *tracker;

	tracker = kunit_kzalloc(test, sizeof(*tracker), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tracker);
	KUNIT_ASSERT_EQ(test, kho_tracker_init(tracker), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							kho_test_tracker_release,
							tracker), 0);
	return tracker;
}

#endif /* _KERNEL_KEXEC_HANDOVER_TEST_H */
