/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_GFP_H
#define _KHO_SHIM_LINUX_GFP_H
#include_next <linux/gfp.h>

/* Pages for the tracker, from the host's memory window (host.c). */
unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);
#endif
