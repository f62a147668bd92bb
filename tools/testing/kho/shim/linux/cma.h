/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_CMA_H
#define _KHO_SHIM_LINUX_CMA_H
#include <linux/sizes.h>
/* As on x86_64 with huge pages: one pageblock of 2 MiB. */
#define CMA_MIN_ALIGNMENT_BYTES	SZ_2M
#endif
