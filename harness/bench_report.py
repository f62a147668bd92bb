#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the console log of a KHO benchmark run into a table and JSON.

Each kernel of the run prints "kho-bench: <key> <value>" lines; a kernel
starts at its "Linux version" banner.  Usage: bench_report.py LOG JSON CMD
"""

import json
import os
import re
import sys


def parse(path):
    kernels = []
    line_re = re.compile(r'kho-bench: ([A-Za-z0-9_.]+) (\S+)')
    with open(path, errors='replace') as f:
        for line in f:
            if 'Linux version' in line:
                kernels.append({})
                continue
            m = line_re.search(line)
            if m and kernels:
                value = m.group(2)
                try:
                    value = int(value)
                except ValueError:
                    pass
                kernels[-1][m.group(1)] = value
    return kernels


def ratio(a, b):
    return a / b if a and b else 0.0


def main():
    log, out, cmd = sys.argv[1:4]
    with open(log, errors='replace') as f:
        failed = [l.strip() for l in f if 'kho-bench: preserve failed' in l
                  or 'kho-bench: cannot' in l]
    if failed:
        sys.exit('the benchmark failed in the guest:\n' + '\n'.join(failed))
    k = parse(log)
    if len(k) < 3:
        sys.exit('expected three kernels in %s, found %d' % (log, len(k)))
    first, ours, ref = k[0], k[1], k[2]
    if ours.get('next.reserve') != 'ranges' or ref.get('next.reserve') != 'per-block':
        sys.exit('the second and third kernels did not use ranges and per-block')

    cpus = first['cpus']
    gib = first['order0.blocks'] * 4096 / 2**30
    res = {'command': cmd, 'cpus': cpus, 'preserved_gib': gib,
           'read_bandwidth_mb_per_s': first['read_bandwidth.mb_per_s']}
    rows = []

    def row(name, o, r, unit, cmp, target):
        rows.append((name, o, r, unit, cmp, target))

    for s in ('order0', 'mixed'):
        blocks = first[s + '.blocks']
        o1 = first[s + '.ours.cpus1.ps_per_block'] / 1000
        r1 = first[s + '.ref.cpus1.ps_per_block'] / 1000
        on = first['%s.ours.cpus%d.ns' % (s, cpus)]
        rn = first['%s.ref.cpus%d.ns' % (s, cpus)]
        o_tp = blocks / first[s + '.ours.cpus1.ns'] * 1000
        on_tp = blocks / on * 1000 if on else 0
        r_tp = blocks / first[s + '.ref.cpus1.ns'] * 1000
        rn_tp = blocks / rn * 1000 if rn else 0
        ser_o = first[s + '.ours.serialize.ns']
        ser_r = first[s + '.ref.serialize.ns']
        res[s] = {
            'blocks': blocks,
            'preserve_ns_per_block_1cpu': {'ours': o1, 'reference': r1},
            'preserve_mblocks_per_s_1cpu': {'ours': o_tp, 'reference': r_tp},
            'preserve_mblocks_per_s_all_cpus': {'ours': on_tp,
                                                'reference': rn_tp},
            'serialize_ns': {'ours': ser_o, 'reference': ser_r},
            'serialize_share_of_preserve': {
                'ours': ratio(ser_o, first[s + '.ours.cpus1.ns']),
                'reference': ratio(ser_r, first[s + '.ref.cpus1.ns'])},
            'tracker_bytes': {'ours': first[s + '.ours.bytes'],
                              'reference': first[s + '.ref.bytes']},
        }
        row('%s: preserve, 1 vCPU' % s, o1, r1, 'ns/block',
            'ref/ours %.2fx' % ratio(r1, o1),
            'ours >= 2x faster' if s == 'order0' else '')
        row('%s: preserve, %d vCPUs' % (s, cpus), on_tp, rn_tp, 'M blocks/s',
            'ours %.2fx of 1 vCPU' % ratio(on_tp, o_tp),
            '>= 1.6x of 1 vCPU' if s == 'order0' else '')
        row('%s: serialize' % s, ser_o / 1e6, ser_r / 1e6, 'ms',
            'ours %.4f%% of preserve' % (100 * ratio(ser_o, first[s + '.ours.cpus1.ns'])),
            '< 1% of preserve' if s == 'order0' else '')

    floor = first['order0.blocks'] / 8
    o_mem = first['order0.ours.bytes']
    r_mem = first['order0.ref.bytes']
    res['memory'] = {'floor_bytes': floor, 'ours_bytes': o_mem,
                     'reference_bytes': r_mem,
                     'ours_over_floor': ratio(o_mem, floor) - 1}
    row('order0: tracker memory per GiB', o_mem / gib / 1024,
        r_mem / gib / 1024, 'KiB/GiB',
        'floor %.0f, ours +%.2f%%' % (floor / gib / 1024,
                                     100 * (ratio(o_mem, floor) - 1)),
        'within 2% of floor')

    def walk(kern):
        return kern['next.walk_ns'] + kern['next.reserve_ns']

    w_o, w_r = walk(ours), walk(ref)
    res['next_kernel'] = {
        'blocks': ours['next.blocks'],
        'ours': {key[5:]: v for key, v in ours.items() if key.startswith('next.')},
        'reference': {key[5:]: v for key, v in ref.items() if key.startswith('next.')},
        'walk_and_reserve_ns': {'ours': w_o, 'reference': w_r},
        'speedup': ratio(w_r, w_o),
    }
    row('next kernel: walk + reserve', w_o / 1e6, w_r / 1e6, 'ms',
        'ref/ours %.1fx' % ratio(w_r, w_o), 'ours >= 50x faster')
    row('next kernel: reserve only', ours['next.reserve_ns'] / 1e6,
        ref['next.reserve_ns'] / 1e6, 'ms',
        '%d vs %d calls' % (ours['next.ranges'], ours['next.blocks']), '')
    row('next kernel: order stamps', ours['next.stamp_ns'] / 1e6,
        ref['next.stamp_ns'] / 1e6, 'ms', 'per block, both', '')
    bw = ours.get('read_bandwidth.mb_per_s', first['read_bandwidth.mb_per_s'])
    tb = ours['next.table_bytes']
    walk_bw = tb / ours['next.walk_ns'] * 1000 if ours['next.walk_ns'] else 0
    res['next_kernel']['table_bytes'] = tb
    res['next_kernel']['walk_mb_per_s'] = walk_bw
    res['next_kernel']['walk_share_of_read_bandwidth'] = ratio(walk_bw, bw)
    row('next kernel: walk throughput', walk_bw, bw, 'MB/s',
        'walk reads %d KiB at %.1f%% of read bandwidth' % (tb / 1024, 100 * ratio(walk_bw, bw)),
        '')
    hp = first.get('handover.preserve.ps_per_block', 0) / 1000
    res['handover_preserve_ns_per_block'] = hp
    row('kho_preserve_folio(), real pages', hp, 0, 'ns/block', 'global tracker', '')

    with open(out, 'w') as f:
        json.dump(res, f, indent=2)

    lines = ['KHO benchmark: %.0f GiB of order-0 pages, %d vCPUs, TCG; %s'
             % (gib, cpus, cmd),
             '%-34s %10s %10s  %-10s %s' % ('', 'ours', 'reference', 'unit', 'comparison (target)')]
    for name, o, r, unit, cmp, target in rows:
        note = cmp + (' (%s)' % target if target else '')
        lines.append('%-34s %10.3f %10.3f  %-10s %s' % (name, o, r, unit, note))
    table = '\n'.join(line.rstrip() for line in lines) + '\n'
    with open(os.path.join(os.path.dirname(out), 'table.txt'), 'w') as f:
        f.write(table)
    print()
    print(table, end='')
    print('JSON: %s' % out)


if __name__ == '__main__':
    main()
