/* SPDX-License-Identifier: GPL-2.0 */
/* One CPU on the host. */
#ifndef _KHO_SHIM_LINUX_PERCPU_H
#define _KHO_SHIM_LINUX_PERCPU_H
#include <stdlib.h>

#define __percpu
#define alloc_percpu(type)		((type *)calloc(1, sizeof(type)))
#define free_percpu(p)			free(p)
#define get_cpu_ptr(p)			(p)
#define put_cpu_ptr(p)			((void)(p))
#define this_cpu_ptr(p)			(p)
#define per_cpu_ptr(p, cpu)		((void)(cpu), (p))
/* The body runs once, for CPU 0. */
#define for_each_possible_cpu(cpu)					\
	for (int host_cpu_done = ((cpu) = 0); !host_cpu_done; host_cpu_done = 1)
#define preempt_disable()		do { } while (0)
#define preempt_enable()		do { } while (0)
#endif
