/* SPDX-License-Identifier: GPL-2.0 */
/* One thread on the host: atomics are plain. */
#ifndef _KHO_SHIM_LINUX_ATOMIC_H
#define _KHO_SHIM_LINUX_ATOMIC_H
#include_next <linux/atomic.h>

static inline long atomic_long_read(const atomic_long_t *v)
{
	return v->counter;
}

static inline void atomic_long_inc(atomic_long_t *v)
{
	v->counter++;
}

static inline void atomic_long_dec(atomic_long_t *v)
{
	v->counter--;
}
#endif
