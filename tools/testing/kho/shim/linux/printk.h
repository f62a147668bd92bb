/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's messages, printed only with -v: the harness is quiet. */
#ifndef _KHO_SHIM_LINUX_PRINTK_H
#define _KHO_SHIM_LINUX_PRINTK_H
#include_next <linux/printk.h>
#include <stdarg.h>
#include <stdbool.h>

extern bool host_verbose;

static inline int host_printk(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (host_verbose) {
		va_start(ap, fmt);
		n = vprintf(fmt, ap);
		va_end(ap);
	}
	return n;
}

#undef printk
#define printk host_printk
#endif
