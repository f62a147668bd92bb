#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""List how a kernel config differs from another, by where each option is
defined, and fail if an option of mm/, kernel/, init/, arch/x86/,
security/ or the EFI code changed, other than what KEXEC_HANDOVER selects
or needs, module signing and the modules themselves.

Usage: distro_diff.py [--report] SRC OLD_CONFIG NEW_CONFIG
  --report: list only, never fail
"""

import os
import re
import sys

KEPT = ('mm/', 'kernel/', 'init/', 'arch/x86/', 'security/',
        'drivers/firmware/efi/')
# Changes the distribution build is allowed in the kept directories.
ALLOWED = {
    'KEXEC_HANDOVER', 'KEXEC_HANDOVER_DEBUG', 'KEXEC_HANDOVER_DEBUGFS',
    'TEST_KEXEC_HANDOVER',
    # selected by KEXEC_HANDOVER
    'CMA', 'CMA_AREAS', 'CMA_DEBUGFS', 'CMA_SYSFS', 'CMA_SIZE_MBYTES',
    'CMA_SIZE_SEL_MBYTES', 'CMA_SIZE_SEL_PERCENTAGE', 'CMA_SIZE_SEL_MIN',
    'CMA_SIZE_SEL_MAX', 'CMA_ALIGNMENT', 'DMA_CMA', 'CMA_DEBUG',
    'CONTIG_ALLOC', 'LIBFDT', 'ARCH_SUPPORTS_KEXEC_HANDOVER',
    # modules off: what only makes sense with modules
    'MODULES', 'MODULE_SIG', 'MODULE_SIG_ALL', 'MODULE_SIG_KEY',
    'MODULE_COMPRESS', 'MODULE_COMPRESS_XZ', 'MODULE_COMPRESS_NONE',
}


def parse(path):
    conf = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'^CONFIG_(\w+)=(.*)$', line)
            if m:
                conf[m.group(1)] = m.group(2)
            m = re.match(r'^# CONFIG_(\w+) is not set$', line)
            if m:
                conf[m.group(1)] = 'n'
    return conf


def defined_in(src):
    where = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.startswith('Kconfig'):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            with open(path, errors='replace') as f:
                for line in f:
                    m = re.match(r'^\s*(?:menu)?config\s+(\w+)', line)
                    if m:
                        where.setdefault(m.group(1), rel)
    return where


def main():
    report = sys.argv[1] == '--report'
    src, old_path, new_path = sys.argv[1 + report:4 + report]
    old, new = parse(old_path), parse(new_path)
    where = defined_in(src)
    bad = []
    changes = []
    for opt in sorted(set(old) | set(new)):
        a, b = old.get(opt, 'n'), new.get(opt, 'n')
        if a == b or (a == 'm' and b == 'n'):
            continue
        loc = where.get(opt, '?')
        changes.append('%-40s %-10s -> %-10s %s' % (opt, a, b, loc))
        if loc.startswith(KEPT) and opt not in ALLOWED and a != 'm':
            bad.append(changes[-1])
    print('# options that differ from the distribution config '
          '(=m turned off by mod2noconfig not listed)')
    print('\n'.join(changes))
    if bad and not report:
        print('\n# CHANGED in a kept directory:')
        print('\n'.join(bad))
        sys.exit(1)


if __name__ == '__main__':
    main()
