/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_MEMBLOCK_H
#define _KHO_SHIM_LINUX_MEMBLOCK_H
#include <linux/seq_file.h>
/* The kernel's, through the link tools/testing/memblock makes. */
#include_next <linux/memblock.h>
#endif
