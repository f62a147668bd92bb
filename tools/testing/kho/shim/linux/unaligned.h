/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_UNALIGNED_H
#define _KHO_SHIM_LINUX_UNALIGNED_H
#include <string.h>
#include <linux/types.h>

static inline u64 get_unaligned_be64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}
#endif
