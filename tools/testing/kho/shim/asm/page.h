/* SPDX-License-Identifier: GPL-2.0 */
/* The page size, for the KHO format header: tools' <linux/mm.h> has it. */
#ifndef _TOOLS_KHO_SHIM_ASM_PAGE_H
#define _TOOLS_KHO_SHIM_ASM_PAGE_H

#include <linux/mm.h>

#endif
