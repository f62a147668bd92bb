/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_MINMAX_H
#define _KHO_SHIM_LINUX_MINMAX_H
#include <linux/kernel.h>
#endif
