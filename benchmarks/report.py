# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/performance.md and its chart from the benchmark results: write(results, docs_dir)."""

from __future__ import annotations

import os
import sys
from statistics import median, quantiles

# The goals of issues #7 (1-7) and #12 (8-10): they stay here, and in the document, whether or not a run meets them.
INFO_URI_RATIO, WAIT_SECONDS, WAIT_POLLS, SCALE_SECONDS, SCALE_MIB = 1.10, 0.3, 8, 2.0, 150
FLOOR_RATIO, OWN_IMPORT_MS, ROLE_SPEEDUP, ROLE_UNCHANGED_REQUESTS = 1.3, 10.0, 5.0, 1
EXPECTED_REQUESTS = {'create': 2, 'update (email)': 2, 'update_password: always': 2, 'delete': 4, 'SSO URL: by name': 2,
                     'info: all units': 2, 'info: by name': 2, 'info: by id': 2}     # any other operation: 1
IMPORT_GROUPS = ['ionoscloud.backup', 'ansible.module_utils', 'requests + its dependencies', 'standard library']
CORE_PACKAGES = {'ansible', 'ansible_collections', 'typing_extensions', 'distro'}     # ansible-core's own imports
TASKS = {'ping': '`ansible.builtin.ping`', 'uri': '`ansible.builtin.uri`', 'info': '`backupunit_info`', 'unchanged': '`backupunit`, unchanged'}


def s(value, digits=2):
    return '-' if value is None else '%.*f s' % (digits, value)


def x(value):
    return '-' if value is None else '%.2f×' % value


def table(head, rows):
    return ['| ' + ' | '.join(head) + ' |', '|' + ' --- |' * len(head)] + ['| %s |' % ' | '.join(str(c) for c in row) for row in rows] + ['']


def poll_times(initial, factor, maximum, until, **_other):
    """Seconds after a write at which a poll policy looks, up to the first look at or after `until`."""
    times, interval = [0.0], initial
    while times[-1] < until:
        times, interval = times + [times[-1] + interval], min(interval * factor, maximum)
    return times


# Each section yields its verdicts ('verdict', measurement, goal, measured, share of the goal used: at most 1 is met),
# then 'text' (its title, goal and method, then notes) and 'table' parts in the document's order.

def per_task(pt, _r):
    m, samples = {k: median(v) for k, v in pt['samples'].items()}, pt['samples']
    yield 'verdict', '`backupunit_info` vs `uri`, same GET, per-task median', '≤ %.2f×' % INFO_URI_RATIO, '%s (%.0f ms vs %.0f ms; per round %s)' % (
        x(m['info'] / m['uri']), m['info'] * 1e3, m['uri'] * 1e3, x(median(i / u for i, u in zip(samples['info'], samples['uri'])))), (
        m['info'] / m['uri'] / INFO_URI_RATIO)
    yield 'text', (f'Per-task cost\n\nGoal: `backupunit_info` within {INFO_URI_RATIO:.2f}× of `ansible.builtin.uri` doing the same request.\n\n'
                   f'One playbook, {pt["rounds"]} measured rounds after {pt["warmup"]} warm-up, each of `ansible.builtin.ping`, `ansible.builtin.uri` '
                   '(`GET /backupunits?depth=1&pretty=false`, Basic auth: the module\'s request) and `backupunit_info` (given the contract number, '
                   f'so it sends only that request) in an order that rotates every round, against {pt["units"]} units.')
    yield 'table', ['task', 'median', 'interquartile range', 'vs ping', 'vs uri'], [
        (TASKS[k], '%.0f ms' % (m[k] * 1e3), '%.0f - %.0f ms' % tuple(q * 1e3 for q in quantiles(samples[k], n=4)[0::2]), x(m[k] / m['ping']),
         x(m[k] / m['uri'])) for k in ('ping', 'uri', 'info')]


def requests(rq, _r):
    limit = {row['operation']: EXPECTED_REQUESTS.get(row['operation'], 1) for row in rq['rows']}
    over = [row['operation'] for row in rq['rows'] if row['requests'] > limit[row['operation']]]
    yield 'verdict', 'requests per operation, today\'s API', 'reads and no-op runs 1, writes 2, delete 4 (section 3)', '%d operations, %s' % (
        len(rq['rows']), 'over: ' + ', '.join(over) if over else 'all within'), max(row['requests'] / limit[row['operation']] for row in rq['rows'])
    yield 'text', ('Requests per operation\n\nGoal: a read or a no-op run one request (an SSO URL by name two: find, then ask; `backupunit_info` '
                   'without `contract_number` two when it finds units: `GET /contracts` gives their `login`); a create or an update two (the '
                   'list, the write, which today\'s API answers finished); a delete four (the list, the `DELETE`, then its request\'s status '
                   'URL and the unit, both 404).\n\nFrom the emulator\'s log: a playbook of one task per operation, the emulator in its default '
                   'mode (today\'s API), three other units in the contract.')
    yield 'table', ['operation', 'requests', 'goal', 'what was sent', 'changed'], [
        (row['operation'], row['requests'], '≤ %d' % limit[row['operation']], row['detail'], 'yes' if row['changed'] else 'no') for row in rq['rows']]


def waiting(wt, r):
    delay, modes = wt['delay'], wt['modes']
    for mode, d in modes.items():
        d.update(overhead=median(d['alone']), polls=max(d['alone_polls'] + d['task_polls']))
        yield 'verdict', 'waiting overhead, %g s provisioning, tracking %s' % (delay, mode), '≤ %.1f s, ≤ %d polls' % (WAIT_SECONDS, WAIT_POLLS), (
            '%s, %d polls' % (s(d['overhead']), d['polls'])), max(d['overhead'] / WAIT_SECONDS, d['polls'] / WAIT_POLLS)
    yield 'text', (f'Waiting overhead\n\nGoal: with a provisioning delay of {delay:g} s, a create waits at most {WAIT_SECONDS:.1f} s longer than '
                   f'the delay and polls at most {WAIT_POLLS} times, with request tracking on and off (off: the status URL answers 404, and the '
                   'module polls the unit).\n\nThe emulator\'s delayed model. **Wait alone** (the verdict): the installed `BackupUnits._wait` '
                   f'(real client and HTTP) from the POST\'s answer to the AVAILABLE unit, less the delay, median of {wt["rounds"]} creates. '
                   f'**Whole task**: `backupunit` tasks create with 0 s and {delay:g} s delays alternating, one playbook each, the median of '
                   f'{wt["rounds"]} pairs\' difference less {delay:g} s. Polls: the most of any create.')
    yield 'table', ['tracking', 'wait alone: overhead', 'whole task: overhead (paired)', 'task time - %g s' % delay, 'polls', 'requests after the POST'], [
        (mode, s(d['overhead']), s(median(b - a - delay for a, b in zip(d['task_0'], d['task_2']))), s(median(d['task_2']) - delay),
         d['polls'], d['after_post']) for mode, d in modes.items()]
    times, doubling = poll_times(until=delay, **r['poll_policy']), poll_times(0.1, 2.0, r['poll_policy']['maximum'], delay)
    yield 'text', (f'The poll policy looks at {", ".join("%.2f" % t for t in times)} s after the POST: its schedule alone notices a {delay:g} s '
                   f'request {times[-1] - delay:.2f} s late (a doubling one, `initial=0.1, factor=2.0`: {doubling[-1] - delay:.2f} s); the rest '
                   f'is the requests\' own time. A 10-minute wait makes about {len(poll_times(until=600, **r["poll_policy"]))} requests.')


def scale(sc, _r):
    m, mem, units = {k: median(v) for k, v in sc['samples'].items()}, {k: max(v) for k, v in sc['memory_mib'].items()}, format(sc['units'], ',')
    yield 'verdict', '`backupunit_info` over %s units' % units, '≤ %g s, ≤ %d MB' % (SCALE_SECONDS, SCALE_MIB), '%s, %.0f MiB peak' % (
        s(m['info']), mem['info']), max(m['info'] / SCALE_SECONDS, mem['info'] / SCALE_MIB)
    yield 'text', (f'Scale: {units} units\n\nGoal: `backupunit_info` over {units} units in at most {SCALE_SECONDS:g} s and {SCALE_MIB} MB peak '
                   f'memory of the module process.\n\nUnits seeded through the API ({sc["seed_seconds"]:.0f} s). Times: {sc["rounds"]} interleaved '
                   'rounds after a warm-up and a check that the module returns every unit. Peak memory: the most of '
                   f'{sc["memory_rounds"]} separate runs per task, whose interpreter (`MAXRSS` in `benchmarks/bench.py`) records the module\'s '
                   '`ru_maxrss`. `uri` sends the same `GET /backupunits?depth=1`; `backupunit` finds one unit among them.')
    yield 'table', ['task', 'median time', 'vs uri', 'peak memory'], [
        (TASKS[k], s(m[k]), x(m[k] / m['uri']), '%.0f MiB' % mem[k]) for k in ('ping', 'uri', 'info', 'unchanged')]


def rate_limited(runs, what):
    """Sections 6 and 10: a run without and one under a rate limit."""
    lim = runs['limited']
    lim['ratio'] = lim['makespan'] / lim['floor']
    yield 'verdict', '%s under %d/min, burst %d' % (what, lim['per_minute'], lim['burst']), '0 failures, 0 duplicates, makespan ≤ %.1f× floor' % (
        FLOOR_RATIO), '%d failures, %d duplicates, %s = %s the floor of %s' % (lim['failures'] + lim['missing'], lim['duplicates'] + lim['extra_posts'], s(
            lim['makespan'], 1), x(lim['ratio']), s(lim['floor'], 1)), lim['ratio'] / FLOOR_RATIO + 2 * any(
        lim[k] for k in ('failures', 'missing', 'duplicates', 'extra_posts'))
    yield 'table', ['run', 'makespan', 'accepted requests', '429 answers', 'floor', 'makespan / floor', 'failures (hosts)', 'units missing',
                    'duplicates', 'POSTs beyond one per unit'], [
        (name, s(run['makespan'], 1), run['accepted'], run['rate_limited'], s(run.get('floor'), 1), x(run.get('ratio')),
         '%d (%d)' % (run['failures'], run['failed_hosts']), run['missing'], run['duplicates'], run['extra_posts'])
        for name, run in (('no limit', runs['unlimited']), ('%d/min, burst %d' % (lim['per_minute'], lim['burst']), lim))]
    yield 'text', ('Accepted requests: %s without the limit; %s with it. The first %d pass on the burst, so the bucket alone lets the run end '
                   'after %s; the makespan was %s that. A 429 is retried after 100-150 %% of its `Retry-After`.%s' % (
                       runs['unlimited']['by_shape'], lim['by_shape'], lim['burst'], s(lim['burst_floor'], 1),
                       x(lim['makespan'] / lim['burst_floor']), ' Failures: `%s`.' % '`; `'.join(lim['messages']) if lim['messages'] else ''))


def throughput(tp, _r):
    yield 'text', (f'Throughput under a rate limit\n\nGoal: zero failures, zero duplicates, makespan at most {FLOOR_RATIO:.1f}× the floor.\n\n'
                   f'{tp["hosts"]} local hosts, forks {tp["hosts"]}; one task per host loops `backupunit` over {tp["units_per_host"]} names, in the '
                   '2023 model (tracking on, 0.2 s provisioning); without a limit and under 600 requests per minute, burst 20 (a token bucket; '
                   'a 429 carries `Retry-After`). Makespan: first task start to last result. Floor: the accepted requests at 10 per second.')
    yield from rate_limited(tp['runs'], '%d hosts × %d units' % (tp['hosts'], tp['units_per_host']))


def imports(im, _r):
    own = [row for row in im['rows'] if 'ionoscloud' in row['module']]
    worst = max(row['fastest_ms'].get('ionoscloud.backup', 0) for row in own)
    other = sorted({k for row in own for k, v in row['fastest_ms'].items() if k not in set(IMPORT_GROUPS) | CORE_PACKAGES and v >= 1})
    yield 'verdict', 'import chain of each module', 'collection code ≤ %g ms; nothing beyond ansible-core and requests' % OWN_IMPORT_MS, (
        'collection code ≤ %.1f ms; %s' % (worst, 'also ' + ', '.join(other) if other else 'nothing else')), worst / OWN_IMPORT_MS + 2 * bool(other)
    yield 'text', (f'Import cost\n\nGoal: the collection\'s own code costs at most {OWN_IMPORT_MS:g} ms to import, and the chain pulls in nothing '
                   'but ansible-core\'s module_utils, `requests` and the standard library.\n\n`python -X importtime -c "import <module>"`, the '
                   f'installed collection on `PYTHONPATH`, warm `.pyc` caches, {im["runs"]} runs each: the median, and the fastest (least disturbed) '
                   'run with its self time by owning package.')
    yield 'table', ['import', 'fastest run', 'median'] + IMPORT_GROUPS + ['other'], [
        ['`%s`' % row['module'].replace('ansible_collections.', ''), '%.0f ms' % row['min_ms'], '%.0f ms' % row['median_ms']]
        + ['%.1f ms' % row['fastest_ms'][g] if g in row['fastest_ms'] else '-' for g in IMPORT_GROUPS]
        + ['%.0f ms' % sum(v for k, v in row['fastest_ms'].items() if k not in IMPORT_GROUPS)] for row in im['rows']]


def role(ro, _r):
    n, delay, cases = ro['units'], ro['delay'], {}
    for phase, samples in ((phase, ro['samples'][phase]) for phase in ('first', 'unchanged')):
        m = cases[phase] = {who: median(v) for who, v in samples.items()}
        m.update(speedup=m['loop'] / m['role'], paired=median(lo / ro_ for ro_, lo in zip(samples['role'], samples['loop'])))
        yield 'verdict', 'role `backupunits` vs a `backupunit` loop, %d units, %g s provisioning, %s' % (n, delay, phase), '≥ %g× faster' % (
            ROLE_SPEEDUP), '%s faster (%s vs %s)' % (x(m['speedup']), s(m['role']), s(m['loop'])), ROLE_SPEEDUP / m['speedup']
    yield 'text', (f'The role against a loop\n\nGoal: for {n} units with a provisioning delay of {delay:g} s, the role `ionoscloud.backup.backupunits` '
                   f'at least {ROLE_SPEEDUP:g}× faster than a loop of `ionoscloud.backup.backupunit` (`wait: true`) over the same list, for the '
                   f'first run, which creates all {n}, and for an unchanged re-run.\n\nOne emulator per competitor, `provisioning_delay={delay:g}`. '
                   f'Each of {ro["rounds"]} rounds resets both, runs the first runs as plays back to back in alternating order, then '
                   f'{ro["reruns"]} unchanged re-runs of each. A run\'s time: its play\'s. Each emulator must then hold the {n} units once.')
    yield 'table', ['run', 'role', 'loop', 'speed-up (ratio of medians)', 'per-round median', 'requests per run: role', 'loop'], [
        (phase, s(c['role']), s(c['loop']), '**%s**' % x(c['speedup']), x(c['paired'])) + tuple(
            '%g' % median(ro['requests'][phase][who]) for who in ('role', 'loop')) for phase, c in cases.items()]
    yield 'text', 'What one first run sent: the role %s; the loop %s.' % (ro['sent']['first']['role'], ro['sent']['first']['loop'])


def role_requests(ro, _r):
    counts, runs = {who: n for who, (n,) in ro['requests']['once'].items()}, ro['sent']['once']
    yield 'verdict', 'requests of an unchanged list of %d through the role' % ro['units'], 'exactly %d' % ROLE_UNCHANGED_REQUESTS, (
        '%d (%s); the loop: %d' % (counts['role'], runs['role'], counts['loop'])), counts['role'] / ROLE_UNCHANGED_REQUESTS
    yield 'text', (f'Requests of an unchanged list\n\nGoal: an unchanged list of {ro["units"]} units through the role makes exactly '
                   f'{ROLE_UNCHANGED_REQUESTS} API request.\n\nAfter section 8, one more run of each, its requests from the emulator\'s log.')
    yield 'table', ['run', 'requests', 'what was sent'], [(who, '%g' % counts[who], runs[who]) for who in ('role', 'loop')]


def role_throughput(rt, _r):
    yield 'text', (f'The role under a rate limit\n\nGoal: {rt["units"]} declared units through the role in one run under 600 requests per minute, '
                   f'burst 20: zero failures, zero duplicates, makespan at most {FLOOR_RATIO:.1f}× the floor.\n\nOne play applies the role to them, '
                   'the emulator in its default mode (nothing to wait for). Makespan: the play. Floor: the accepted requests at 10 per second.')
    yield from rate_limited(rt['runs'], '%d units through the role' % rt['units'])


SECTIONS = [('1', 'per_task', per_task), ('3', 'requests', requests), ('4', 'waiting', waiting), ('5', 'scale', scale), ('6', 'throughput', throughput),
            ('7', 'imports', imports), ('8', 'role', role), ('9', 'role', role_requests), ('10', 'role_throughput', role_throughput)]


def write(r, docs_dir):
    summary, body, m, keys = [], [], r['machine'], {key for _n, key, _s in SECTIONS if key in r}
    for number, key, section in (row for row in SECTIONS if row[1] in r):
        parts = list(section(r[key], r))
        verdicts = [(number,) + part[1:4] + (part[4] <= 1, part[4]) for part in parts if part[0] == 'verdict']
        intro, *parts = [part for part in parts if part[0] != 'verdict']
        body += ['## %s. %s (load average %.1f → %.1f; finished %s)' % ((number, intro[1]) + tuple(r[key]['load']) + (r[key]['finished'],)), '']
        body += [line for part in parts for line in (table(*part[1:]) if part[0] == 'table' else [part[1], ''])] + ['%s%s: %s.' % (
            'Goal met' if v[4] else '**Goal missed**', ' (%s)' % v[1].split(', ')[-1] if len(verdicts) > 1 else '', v[3]) for v in verdicts] + ['']
        summary += verdicts
    load = max(max(r[key]['load']) for key in keys)
    head = ['# Performance', '', 'Measured by `make bench` (`benchmarks/bench.py`, this run: %.0f minutes): the collection built from a commit and '
            'installed offline, run through `ansible-playbook` against the API emulator on loopback. A task\'s time runs from its '
            'hand-over to a worker to its result (`benchmarks/callback_plugins/bench_timer.py`). Competitors run interleaved, so they share '
            'the machine\'s state: ratios are measured side by side. Sections carry the numbers of the goals of issues #7 (1-7) and #12 (8-10); '
            'goal 2 is not benchmarked.' % (sum(r[key]['seconds'] for key in keys) / 60), '',
            'Run started %s on %s (%s CPUs, %s MiB RAM), %s, kernel %s; Python %s, ansible-core %s, requests %s; `%s` built from commit `%s`.%s' % (
                m['date'], m['cpu'], m['cpus'], m['memory_mib'], m['os'], m['kernel'], m['python'], m['ansible_core'], m['requests'],
                r['collection'], r['commit'], ' **Quick run (few rounds): figures are indicative only.**' * r['quick']),
            'The 1-minute load average reached %.1f on %d CPUs%s. The client\'s defaults: `PollPolicy(%s)`, `RetryPolicy(%s)`.' % ((load, m['cpus'], (
                ': other work shared the machine, so absolute times are inflated; compare the interleaved ratios') * (load > m['cpus'])) + tuple(
                ', '.join('%s=%r' % kv for kv in r[key].items()) for key in ('poll_policy', 'retry_policy'))), '']
    try:
        head += ['![Each goal\'s measured value as a share of what the goal allows](%s)' % draw_chart(summary, r, docs_dir), '']
    except ImportError as exc:
        print('no chart: %s (bench.py installs matplotlib)' % exc, file=sys.stderr)
    head += ['## Goals and results', ''] + table(['#', 'measurement', 'goal', 'measured', ''], [v[:4] + ('met' if v[4] else '**missed**',) for v in summary])
    with open(os.path.join(docs_dir, 'performance.md'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(head + body).rstrip() + '\n')


def draw_chart(summary, r, docs_dir):
    """One bar per goal of the summary: the share of what the goal allows that the measured value uses (at most 1: met)."""
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    fig, ax = plt.subplots(figsize=(12, 0.4 * len(summary) + 1.2))
    ax.bar_label(ax.barh(range(len(summary)), [v[5] for v in summary], color=['tab:green' if v[4] else 'tab:red' for v in summary]), fmt=' %.2f')
    ax.axvline(1, color='black', linestyle='--', linewidth=1)
    ax.set(xlabel='share of the goal used (≤ 1: met)', xlim=(0, max(1.25, 1.15 * max(v[5] for v in summary))),
           title='ionoscloud.backup benchmarks, commit %s (%s)' % (r['commit'], r['machine']['date']))
    ax.set_yticks(range(len(summary)), ['%s. %s' % (v[0], v[1].replace('`', '')) for v in summary], fontsize=8)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(os.path.join(docs_dir, 'performance-overview.png'), dpi=90)
    plt.close(fig)
    return 'performance-overview.png'
