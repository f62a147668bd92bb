/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_RCUPDATE_H
#define _KHO_SHIM_LINUX_RCUPDATE_H
/* tools/include/linux/kernel.h has synchronize_rcu(): one thread, no-op. */
#include <linux/kernel.h>
#endif
