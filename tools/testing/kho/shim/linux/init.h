/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_INIT_H
#define _KHO_SHIM_LINUX_INIT_H
#include_next <linux/init.h>

/* Initcalls never run on the host. */
#define late_initcall(fn)						\
	static int (*const __initcall_##fn)(void) __maybe_unused = fn
#endif
