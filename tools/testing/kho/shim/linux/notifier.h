/* SPDX-License-Identifier: GPL-2.0 */
/* What mm/memblock.c's KHO client uses of notifiers; never called here. */
#ifndef _KHO_SHIM_LINUX_NOTIFIER_H
#define _KHO_SHIM_LINUX_NOTIFIER_H

#define NOTIFY_DONE		0x0000
#define NOTIFY_STOP_MASK	0x8000

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action,
			     void *data);
};

static inline int notifier_from_errno(int err)
{
	return err ? NOTIFY_STOP_MASK | (0x0001 - err) : 0x0001;
}
#endif
