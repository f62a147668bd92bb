#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the console log of a KHO benchmark run into a table and JSON.

Each kernel of the run prints "kho-bench: <key> <value>" lines; a kernel
starts at its "Linux version" banner.  VMLOG, if given, is the console log
of a run where luo-vm kept a VM through a kexec: its blackout, split, is
added.  LULOG, if given, is the console log of luo_bench's run: live
update's costs beside a read pass over the same bytes, and its blackout,
split.  Usage: bench_report.py LOG JSON CMD [LOAD [VMLOG [LULOG]]]; an
empty VMLOG or LULOG is left out.
"""

import json
import math
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


VM_RE = re.compile(
    r'luo-vm: VM \S+ running again in QEMU \d+: blackout (\d+) us: '
    r'save (\d+) us, preserve (\d+) us, kexec (\d+) us, '
    r'next kernel to resume (\d+) us, retrieve (\d+) us, restore (\d+) us; '
    r'(\d+) MiB of RAM, (\d+) KiB of device state')
VM_KEYS = ('blackout_us', 'save_us', 'preserve_us', 'kexec_us',
           'next_kernel_to_resume_us', 'retrieve_us', 'restore_us',
           'ram_mib', 'state_kib')


def parse_vm(path):
    """The last blackout luo-vm resume printed in PATH, as a dict."""
    found = None
    with open(path, errors='replace') as f:
        for line in f:
            m = VM_RE.search(line)
            if m:
                found = dict(zip(VM_KEYS, map(int, m.groups())))
    if not found:
        sys.exit('no VM resumed by luo-vm in %s' % path)
    return found


LU_RE = re.compile(r'luo-bench: (next )?(set|many|blackout_us) ?(\S*) (.*)')
LU_FREEZE_RE = re.compile(r'liveupdate: froze in (\d+) us')
LU_FINAL_RE = re.compile(r'KHO: handover finalized in (\d+) us')
LU_TOOK_RE = re.compile(r'KHO: handover took: walk (\d+) us, checks (\d+) us, '
                        r'reserve (\d+) us \([a-z ]+\), init (\d+) us')


def kv(text):
    """'a 1 b 2' as {'a': 1, 'b': 2}, numbers as int where they are."""
    words = text.split()
    out = {}
    for key, value in zip(words[::2], words[1::2]):
        try:
            out[key] = int(value)
        except ValueError:
            out[key] = value
    return out


def parse_lu(path):
    """What luo_bench and the kernels of its run printed in PATH."""
    lu = {'sets': {}, 'next': {}}
    with open(path, errors='replace') as f:
        for line in f:
            if 'luo-bench: FAIL' in line:
                sys.exit('the live update benchmark failed: ' + line.strip())
            m = LU_RE.search(line)
            if m:
                nxt, what, name, rest = m.groups()
                if what == 'blackout_us':
                    lu['blackout'] = kv('blackout_us %s %s' % (name, rest))
                elif what == 'set' and rest.startswith('not made'):
                    lu.setdefault('not_made', []).append(line.strip())
                elif what == 'set':
                    (lu['next'] if nxt else lu['sets'])[name] = kv(rest)
                elif nxt:
                    lu['next_many'] = kv('%s %s' % (name, rest))
                else:
                    lu.setdefault('many', {}).update(kv('%s %s' % (name, rest)))
            for key, rx in (('freeze_us', LU_FREEZE_RE), ('finalize_us', LU_FINAL_RE)):
                m = rx.search(line)
                if m:
                    lu[key] = int(m.group(1))
            m = LU_TOOK_RE.search(line)
            if m:
                lu['kho_boot_us'] = sum(map(int, m.groups()))
    for need in ('blackout', 'many', 'next_many', 'freeze_us', 'finalize_us',
                 'kho_boot_us'):
        if need not in lu:
            sys.exit('luo_bench left no %s figure in %s' % (need, path))
    for need in ('files', 'total_ns', 'preserve_ns', 'first1024_ns',
                 'last1024_ns', 'kb_per_file_x1000'):
        if need not in lu['many']:
            sys.exit('luo_bench left no many %s figure in %s' % (need, path))
    if '4k' not in lu['sets'] or set(lu['sets']) != set(lu['next']):
        sys.exit('luo_bench did not take back every set it kept in %s' % path)
    return lu


def lu_rows(lu, row):
    """Live update's rows, each beside its reference; its JSON."""
    res = {}
    names = {'4k': 'order-0', '2m': '2 MiB folios'}
    for name, st in sorted(lu['sets'].items(), key=lambda kv_: kv_[0] != '4k'):
        nx = lu['next'][name]
        gib = st['bytes'] / 2**30
        label = 'live update %g GiB %s' % (gib, names.get(name, name))
        res[name] = {
            'files': st['files'], 'bytes': st['bytes'],
            'preserve_ms': st['preserve_ns'] / 1e6,
            'read_pass_ms': st['read_ns'] / 1e6,
            'preserve_share_of_read_pass': ratio(st['preserve_ns'], st['read_ns']),
            'retrieve_ms': nx['retrieve_ns'] / 1e6,
            'next_read_pass_ms': nx['read_ns'] / 1e6,
            'retrieve_share_of_read_pass': ratio(nx['retrieve_ns'], nx['read_ns']),
            'retrieve_ms_per_gib': nx['retrieve_ns'] / 1e6 / gib,
            'huge_kb_before': st['huge_kb'], 'huge_kb_after': nx['huge_kb'],
        }
        r = res[name]
        row('%s: preserve' % label, r['preserve_ms'], r['read_pass_ms'], 'ms',
            '%d files; %.0f%% of a read pass' %
            (st['files'], 100 * r['preserve_share_of_read_pass']), '<= 50%')
        huge = ''
        if name == '2m':
            huge = '; 2 MiB folios %d kB, then %d kB' % (st['huge_kb'], nx['huge_kb'])
        row('%s: retrieve' % label, r['retrieve_ms'], r['next_read_pass_ms'],
            'ms', '%.1f ms per GiB; %.0f%% of a read pass%s' %
            (r['retrieve_ms_per_gib'], 100 * r['retrieve_share_of_read_pass'], huge),
            '<= 50%')
    for line in lu.get('not_made', []):
        res.setdefault('not_made', []).append(line)
        row('live update: ' + line.split('luo-bench: ', 1)[-1][:60], 0, 0, '',
            'no row for this set', '')
    many = lu['many']
    n = many['files']
    res['many'] = {
        'files': n, 'preserve_ms': many['preserve_ns'] / 1e6,
        'with_create_close_ms': many['total_ns'] / 1e6,
        'first_1024_us_per_file': many['first1024_ns'] / 1024 / 1e3,
        'last_1024_us_per_file': many['last1024_ns'] / 1024 / 1e3,
        'kb_per_file': many['kb_per_file_x1000'] / 1000,
        'retrieve_ms': lu['next_many']['retrieve_ns'] / 1e6,
    }
    m = res['many']
    row('live update: %d empty memfds, preserve' % n, m['preserve_ms'], 0, 'ms',
        'first 1024 %.1f us each, last 1024 %.1f us; %.0f ms with '
        'memfd_create and close' %
        (m['first_1024_us_per_file'], m['last_1024_us_per_file'],
         m['with_create_close_ms']), '<= 2000 ms')
    row('live update: %d empty memfds, retrieve' % n, m['retrieve_ms'], 0,
        'ms', '%.1f kB of memory per preserved memfd' % m['kb_per_file'], '')

    b = lu['blackout']
    parts = {
        'freeze_us': lu['freeze_us'],
        'kho_at_kexec_us': max(lu['finalize_us'] - lu['freeze_us'], 0),
        'kho_at_boot_us': lu['kho_boot_us'],
        'retrieve_us': b['retrieve_us'],
    }
    own = sum(parts.values())
    parts['reboot_purgatory_boot_us'] = max(b['blackout_us'] - own, 0)
    res['blackout'] = dict(parts, blackout_us=b['blackout_us'],
                           own_share=ratio(own, b['blackout_us']))
    row('live update: blackout', b['blackout_us'] / 1e3, 0, 'ms',
        'KHO and live update %.1f%% of it' % (100 * res['blackout']['own_share']),
        '<= 10%')
    for key, what in (('freeze_us', 'freeze'),
                      ('kho_at_kexec_us', 'KHO at kexec'),
                      ('reboot_purgatory_boot_us', 'the rest: reboot, boot'),
                      ('kho_at_boot_us', 'KHO at boot'),
                      ('retrieve_us', 'open and retrieve, mapped')):
        row('blackout: %s' % what, parts[key] / 1e3, 0, 'ms',
            '%.1f%% of the blackout' % (100 * ratio(parts[key], b['blackout_us'])),
            '')
    return res


def ratio(a, b):
    return a / b if a and b else 0.0


def main():
    log, out, cmd = sys.argv[1:4]
    load = sys.argv[4] if len(sys.argv) > 4 else ''
    vmlog = sys.argv[5] if len(sys.argv) > 5 else ''
    lulog = sys.argv[6] if len(sys.argv) > 6 else ''
    with open(log, errors='replace') as f:
        failed = [l.strip() for l in f if 'kho-bench: preserve failed' in l
                  or 'kho-bench: cannot' in l or 'kho-bench: bad' in l]
    if failed:
        sys.exit('the benchmark failed in the guest:\n' + '\n'.join(failed))
    k = parse(log)
    # Pairs of kernels that took one set over: ranges, then per block.
    takes = [kern for kern in k if 'next.set' in kern]
    pairs = []
    for i in range(0, len(takes) - 1, 2):
        o, r = takes[i], takes[i + 1]
        if o.get('next.reserve') != 'ranges' or r.get('next.reserve') != 'per-block':
            sys.exit('kernels %d and %d did not use ranges and per-block' % (i + 2, i + 3))
        pairs.append((o, r))
    if not pairs:
        sys.exit('no kernel took a benchmark handover over in %s' % log)
    first = k[0]

    cpus = first['cpus']
    gib = first['order0.blocks'] * 4096 / 2**30
    res = {'command': cmd, 'host_load_before_after': load, 'cpus': cpus,
           'preserved_gib': gib,
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
        spread = {n: first.get('%s.%s.cpus%d.spread_pct' % (s, who, n), 0)
                  for who in ('ours',) for n in (1, cpus)}
        res[s] = {
            'blocks': blocks,
            'preserve_ns_per_block_1cpu': {'ours': o1, 'reference': r1},
            'preserve_mblocks_per_s_1cpu': {'ours': o_tp, 'reference': r_tp},
            'preserve_mblocks_per_s_all_cpus': {'ours': on_tp,
                                                'reference': rn_tp},
            'preserve_spread_pct_ours': spread,
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
            'ours %.2fx of 1 vCPU, spread %d%%/%d%%' %
            (ratio(on_tp, o_tp), spread[1], spread[cpus]),
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

    steps = ('walk', 'check', 'reserve', 'init')

    def whole(kern):
        return sum(kern['next.%s_ns' % st] for st in steps)

    res['next_kernel'] = []
    frag_whole = []
    for o, r in pairs:
        w_o, w_r = whole(o), whole(r)
        name = o['next.set']
        if name == 'fragmented':
            name = 'fragmented %d MiB' % (o['next.bytes'] * 2 >> 20)
            frag_whole.append((o['next.runs'], w_o, w_r))
        entry = {
            'set': name, 'blocks': o['next.blocks'], 'runs': o['next.runs'],
            'ours': {key[5:]: v for key, v in o.items() if key.startswith('next.')},
            'reference': {key[5:]: v for key, v in r.items() if key.startswith('next.')},
            'whole_boot_ns': {'ours': w_o, 'reference': w_r},
            'speedup': ratio(w_r, w_o),
        }
        res['next_kernel'].append(entry)
        row('%s: next kernel, whole' % name, w_o / 1e6, w_r / 1e6, 'ms',
            'ref/ours %.1fx, %d runs' % (ratio(w_r, w_o), o['next.runs']),
            'ours >= 500x faster' if o['next.set'] == 'dense' else 'ours faster')
        row('%s: reserve only' % name, o['next.reserve_ns'] / 1e6,
            r['next.reserve_ns'] / 1e6, 'ms',
            '%d vs %d calls' % (o['next.ranges'], o['next.blocks']), '')
        row('%s: restore per block' % name,
            o.get('next.restore.ps_per_block', 0) / 1000,
            r.get('next.restore.ps_per_block', 0) / 1000, 'ns/block',
            'after boot, per block, both', '')
        if o['next.set'] == 'dense':
            bw = o.get('read_bandwidth.mb_per_s', first['read_bandwidth.mb_per_s'])
            tb = o['next.table_bytes']
            walk_bw = tb / o['next.walk_ns'] * 1000 if o['next.walk_ns'] else 0
            entry['walk_mb_per_s'] = walk_bw
            entry['walk_share_of_read_bandwidth'] = ratio(walk_bw, bw)
            row('%s: walk throughput' % name, walk_bw, bw, 'MB/s',
                'walk reads %d KiB at %.1f%% of read bandwidth' %
                (tb / 1024, 100 * ratio(walk_bw, bw)), '')
            warm = o.get('next.walk_warm_ns', 0)
            if warm:
                warm_bw = tb / warm * 1000
                entry['walk_warm_mb_per_s'] = warm_bw
                entry['walk_warm_share_of_read_bandwidth'] = ratio(warm_bw, bw)
                row('%s: walk again, warm' % name, warm_bw, bw, 'MB/s',
                    'code and tables warm, %.1f%% of read bandwidth; '
                    'first walk %.2f ms, again %.2f ms' %
                    (100 * ratio(warm_bw, bw), o['next.walk_ns'] / 1e6,
                     warm / 1e6), '')
    # Each step of the next kernel, and its boot up to the benchmark's
    # initcall (what memblock's size costs elsewhere shows there), per
    # doubling of the fragmented runs.
    frag = sorted((o for o, r in pairs if o['next.set'] == 'fragmented'),
                  key=lambda o: o['next.runs'])
    if len(frag) >= 2 and frag[0]['next.runs'] < frag[-1]['next.runs']:
        a, b = frag[0], frag[-1]
        doublings = math.log2(b['next.runs'] / a['next.runs'])
        res['fragmented_growth_per_doubling'] = {'runs': [a['next.runs'], b['next.runs']]}
        for st in steps + ('boot',):
            key = 'next.%s_ns' % st
            if key not in a or key not in b:
                continue
            g = ratio(b[key], a[key]) ** (1 / doublings) if a[key] else 0
            res['fragmented_growth_per_doubling'][st] = g
            row('fragmented: %s, fewest/most runs' % st,
                a[key] / 1e6, b[key] / 1e6, 'ms',
                '%d then %d runs: %.2fx per doubling' %
                (a['next.runs'], b['next.runs'], g),
                'doubling <= 2.2x' if st != 'boot' else '')
    frag_whole.sort()
    if len(frag_whole) >= 2 and frag_whole[0][0] < frag_whole[-1][0]:
        (r1, o1, p1), (r2, o2, p2) = frag_whole[0], frag_whole[-1]
        growth = ratio(o2, o1) / ratio(r2, r1) * 2 if r1 and r2 else 0
        res['fragmented_growth'] = {'runs': [r1, r2], 'ours': ratio(o2, o1),
                                    'reference': ratio(p2, p1)}
        row('fragmented: growth, %dx runs' % round(ratio(r2, r1)),
            ratio(o2, o1), ratio(p2, p1), 'x',
            'ours per doubling of runs %.2fx' % (ratio(o2, o1) ** (1 / math.log2(r2 / r1))),
            'doubling <= 2.2x')
    hp = first.get('handover.preserve.ps_per_block', 0) / 1000
    res['handover_preserve_ns_per_block'] = hp
    row('kho_preserve_folio(), real pages', hp, 0, 'ns/block', 'global tracker', '')

    if vmlog:
        vm = parse_vm(vmlog)
        own = vm['preserve_us'] + vm['retrieve_us']
        vm['live_update_share_of_blackout'] = ratio(own, vm['blackout_us'])
        res['vm_live_update'] = vm
        row('VM of %d MiB: blackout' % vm['ram_mib'], vm['blackout_us'] / 1e3,
            0, 'ms', 'preserve + retrieve %.1f%% of it' %
            (100 * vm['live_update_share_of_blackout']), '')
        for key in VM_KEYS[1:7]:
            row('VM: %s' % key[:-3].replace('_', ' '), vm[key] / 1e3, 0,
                'ms', '%.1f%% of the blackout' %
                (100 * ratio(vm[key], vm['blackout_us'])), '')

    if lulog:
        res['live_update'] = lu_rows(parse_lu(lulog), row)

    with open(out, 'w') as f:
        json.dump(res, f, indent=2)

    lines = ['KHO benchmark: %.0f GiB of order-0 pages, %d vCPUs, TCG; %s'
             % (gib, cpus, cmd)]
    if load:
        lines.append('host load average before and after: %s' % load)
    lines.append('%-40s %10s %10s  %-10s %s' % ('', 'ours', 'reference', 'unit', 'comparison (target)'))
    for name, o, r, unit, cmp, target in rows:
        note = cmp + (' (%s)' % target if target else '')
        lines.append('%-40s %10.3f %10.3f  %-10s %s' % (name, o, r, unit, note))
    table = '\n'.join(line.rstrip() for line in lines) + '\n'
    with open(os.path.join(os.path.dirname(out), 'table.txt'), 'w') as f:
        f.write(table)
    print()
    print(table, end='')
    print('JSON: %s' % out)


if __name__ == '__main__':
    main()
