/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KHO_SHIM_LINUX_LIBFDT_H
#define _KHO_SHIM_LINUX_LIBFDT_H
#include <libfdt.h>
#endif
