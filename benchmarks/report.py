# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/performance.md and its chart from the benchmark results (bench.py calls write())."""

from __future__ import annotations

import os
import statistics
import sys

CHART = 'performance-overview.png'
# The goals of issue 7 (1-7), of issue 12 (8-10, the role backupunits) and of the emulator (11). They stay here, and in
# the document, whether or not a run meets them.
GOAL_INFO_URI_RATIO = 1.10
GOAL_BY_HAND_SPEEDUP = 2.0
GOAL_WAIT_OVERHEAD, GOAL_WAIT_POLLS = 0.3, 8
GOAL_SCALE_SECONDS, GOAL_SCALE_MIB = 2.0, 150.0
GOAL_THROUGHPUT_RATIO = 1.3
GOAL_OWN_IMPORT_MS = 10.0
GOAL_ROLE_SPEEDUP = {'first': 5.0, 'unchanged': 5.0}       # role vs a loop of backupunit, 20 units: first run, re-run
GOAL_ROLE_UNCHANGED_REQUESTS = 1                           # an unchanged list of 20 through the role
GOAL_ROLE_THROUGHPUT_RATIO = 1.3                           # 200 units through the role under 600/min: makespan / floor
GOAL_EMULATOR_RATE, GOAL_EMULATOR_LIST = 500, 0.5          # GET /backupunits?depth=1 per second (100 units); s for 10,000
IMPORT_GROUPS = ['ionoscloud.backup', 'ansible.module_utils', 'requests + its dependencies', 'standard library']
KNOWN_IMPORT_GROUPS = set(IMPORT_GROUPS) | {'ansible', 'ansible_collections', 'typing_extensions', 'distro'}
SECTIONS = ('per_task', 'by_hand', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role', 'role_requests',
            'role_throughput', 'emulator')     # role_requests (9) is a part of the results of role (8)


def s(value, digits=2):
    return '-' if value is None else '%.*f s' % (digits, value)


def ms(value):
    return '-' if value is None else '%.0f ms' % (value * 1000.0)


def x(value):
    return '-' if value is None else '%.2f×' % value


def yes(value):
    return 'yes' if value else 'no'


def verdict(ok):
    return 'met' if ok else '**missed**'


def table(w, head, rows):
    w('|' + ''.join(' %s |' % h if h else ' |' for h in head))
    w('|' + ' --- |' * len(head))
    for row in rows:
        w('| %s |' % ' | '.join(str(cell) for cell in row))
    w('')


def poll_times(poll, until):
    """Seconds after a write at which the client looks, by its poll policy: every poll up to and including the first
    at or after `until` (the client's own loop, without request times)."""
    times, interval = [0.0], poll['initial']
    while times[-1] < until:
        times.append(times[-1] + interval)
        interval = min(interval * poll['factor'], poll['maximum'])
    return times


def times_list(times):
    return ', '.join('%.2g' % t if t < 1 else '%.2f' % t for t in times)


def load_note(section):
    load = section.get('load_average')
    return ' (load average %.1f → %.1f; finished %s)' % (load[0], load[1], section.get('measured_at')) if load else ''


def expected_requests(row):
    """The most requests an operation should need against today's API."""
    return {'create': 2, 'update (email)': 2, 'update_password: always': 2, 'delete': 4, 'SSO URL: by name': 2,
            'info: all units': 2, 'info: by name': 2, 'info: by id': 2}.get(row['operation'], 1)


def under_limit_ok(run, ratio):
    return not (run['failures'] or run['duplicates'] or run['extra_posts'] > 0 or run['missing']) and run['ratio'] <= ratio


def shapes_text(by_shape):
    """'20 POST /backupunits, 7 GET /backupunits' from {shape: count}, most first (404 answers apart)."""
    by_shape = dict(by_shape or {})
    not_found = by_shape.pop('404 answers', 0)
    return ', '.join(['%d %s' % (n, shape) for shape, n in sorted(by_shape.items(), key=lambda kv: -kv[1]) if n]
                     + (['%d answered 404' % not_found] if not_found else []))


def write(results, docs_dir):
    chart = None
    try:
        chart = draw_chart(results, os.path.join(docs_dir, CHART))
    except ImportError as exc:
        print('no chart: %s (bench.py installs matplotlib)' % exc, file=sys.stderr)
    with open(os.path.join(docs_dir, 'performance.md'), 'w', encoding='utf-8') as handle:
        handle.write(render(results, chart))


# ------------------------------------------------------------------------------ markdown

def render(r, chart):
    m, src, out = r['machine'], r.get('source') or {}, []
    w = out.append
    took = sum(r[k].get('section_seconds', 0) for k in SECTIONS if k in r)
    loads = [max(r[k]['load_average']) for k in SECTIONS if 'load_average' in r.get(k, {})]
    w('# Performance\n')
    w('How fast the collection converges and how gently it treats the API, measured by `make bench` (`benchmarks/bench.py`;')
    w(f'this run: {took / 60.0:.0f} minutes) against the API emulator on loopback, the collection built and installed offline as a')
    w('user installs it, through real `ansible-playbook` and `ansible` runs. Task times (callback')
    w('`benchmarks/callback_plugins/bench_timer.py`) run from handing the task to a worker to its result. Competitors run')
    w('interleaved in one playbook, so they share the machine\'s state; medians and ratios are quoted side by side. The run')
    w('writes `build/bench/results.json`, this file and its chart.\n')
    w('Run started %s, on %s (%s CPUs, %s MiB RAM), %s, kernel %s; Python %s, ansible-core %s, requests %s;' % (
        m['date'], m['cpu'], m['cpus'], m['memory_mib'], m['os'], m['kernel'], m['python'], m['ansible_core'], m['requests']))
    if not src.get('commit'):
        built = ''
    elif not src.get('from_worktree'):
        built = ', built from commit `%s` (the committed tree, exported with `git archive`; its emulator too)' % src['commit']
    else:
        built = ', built from the working tree at commit `%s` %s' % (src['commit'], '**with uncommitted changes** to ' + ', '.join(
            '`%s`' % f for f in src['uncommitted']) if src.get('uncommitted') else '(no uncommitted changes)')
    w('collection `%s`%s.%s' % (r.get('collection'), built, ' **Quick run (few rounds): figures are indicative only.**' * bool(r.get('quick'))))
    if loads:
        w('The 1-minute load average during the run reached %.1f on %s CPUs%s.' % (max(loads), m['cpus'], (
            ': other work shared the machine, so absolute times are inflated; the interleaved ratios are what to compare') * (max(loads) > m['cpus'])))
    if r.get('client_policies'):
        poll, retry = r['client_policies']['poll'], r['client_policies']['retry']
        w('\nThe client measured has the defaults of the installed `plugins/module_utils/_client.py`: `PollPolicy(initial=%r, factor=%r, '
          'maximum=%r)` and `RetryPolicy(max_attempts_rate_limited=%r, retry_after_max=%r, total_max=%r)`.' % (
              poll['initial'], poll['factor'], poll['maximum'], retry['max_attempts_rate_limited'], retry['retry_after_max'], retry['total_max']))
    w('\n![Benchmark overview](%s)\n' % chart if chart else '')
    w('## Goals and results\n')
    table(w, ['#', 'measurement', 'goal', 'measured', ''], summary_rows(r))
    for section in SECTIONS:
        data = r.get('role' if section == 'role_requests' else section)
        if data:
            globals()['section_' + section](r, data, w)
    return '\n'.join(out).rstrip() + '\n'


def summary_rows(r):
    rows, (pt, bh, rq, wt, sc, tp, im, ro, rt) = [], (r.get(k) for k in (
        'per_task', 'by_hand', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role', 'role_throughput'))

    def limited(number, data, goal, title):
        run = data and data['runs'].get('limited')
        if run:
            rows.append((number, '%s under %d/min, burst %d' % (title, run['per_minute'], run['burst']),
                         '0 failures, 0 duplicates, makespan ≤ %.1f× floor' % goal, '%d failures, %d duplicates, %s = %s the floor of %s' % (
                             run['failures'], run['duplicates'] + max(0, run['extra_posts']), s(run['makespan'], 1), x(run['ratio']),
                             s(run['floor'], 1)), verdict(under_limit_ok(run, goal))))

    if pt:
        rows.append(('1', '`backupunit_info` vs `uri`, same GET, per-task median', '≤ %.2f×' % GOAL_INFO_URI_RATIO, '%s (%s vs %s; paired %s)' % (
            x(pt['ratio_info_uri']), ms(pt['median']['info']), ms(pt['median']['uri']), x(pt['paired_ratio_info_uri'])),
            verdict(pt['ratio_info_uri'] <= GOAL_INFO_URI_RATIO)))
    for case, c in ((case, bh['cases'][case]) for case in ('unchanged', 'update', 'create') if bh):
        rows.append(('2', 'one `backupunit` task vs the `uri` job, %s' % case, '≥ %.0f× faster' % GOAL_BY_HAND_SPEEDUP, '%s faster (%s vs %s)' % (
            x(c['speedup']), s(c['median']['module']), s(c['median']['uri'])), verdict(c['speedup'] >= GOAL_BY_HAND_SPEEDUP)))
    if rq:
        bad = [row['operation'] for row in rq['rows'] if row['requests'] > expected_requests(row)]
        rows.append(('3', 'requests per operation, today\'s API (the emulator\'s default)', 'reads and no-op runs 1; create, update 2; '
                     'delete 4 (section 3)', '%d operations, %s' % (len(rq['rows']), 'over: ' + ', '.join(bad) if bad else
                                                                    'all at the expected count'), verdict(not bad)))
    for mode, task in ((mode, wt['modes'].get(mode)) for mode in ('on', 'off') if wt):
        client = (wt.get('client_level') or {}).get(mode)
        overhead = client['overhead'] if client else task and task['overhead']
        if task:
            rows.append(('4', 'waiting overhead, 2 s provisioning, tracking %s' % mode, '≤ %.1f s, ≤ %d polls' % (GOAL_WAIT_OVERHEAD, GOAL_WAIT_POLLS),
                         '%s, %d polls (whole task, paired: %s)' % (s(overhead), task['polls_2_max'], s(task['overhead'])),
                         verdict(overhead <= GOAL_WAIT_OVERHEAD and task['polls_2_max'] <= GOAL_WAIT_POLLS)))
    if sc:
        t, mem = sc['median']['info'], sc['memory']['info']['max_mib']
        rows.append(('5', '`backupunit_info` over %s units' % format(sc['units'], ','), '≤ %.0f s, ≤ %.0f MB' % (GOAL_SCALE_SECONDS, GOAL_SCALE_MIB),
                     '%s, %.0f MiB peak' % (s(t), mem), verdict(t <= GOAL_SCALE_SECONDS and mem <= GOAL_SCALE_MIB)))
    limited('6', tp, GOAL_THROUGHPUT_RATIO, tp and '%d hosts × %d units' % (tp['hosts'], tp['units_per_host']))
    own = [row for row in im['rows'] if row['label'].startswith('ionoscloud.backup.')] if im else []
    if own:
        worst = max(row['breakdown_ms'].get('ionoscloud.backup', 0.0) for row in own)
        third = sorted({k for row in own for k, v in row['breakdown_ms'].items() if k not in KNOWN_IMPORT_GROUPS and v >= 1.0})
        rows.append(('7', 'import chain of each module', 'collection code ≤ %.0f ms; nothing beyond ansible-core and requests' % GOAL_OWN_IMPORT_MS,
                     'collection code ≤ %.1f ms; %s' % (worst, 'other packages ≥ 1 ms: ' + ', '.join(third) if third else 'nothing else'),
                     verdict(worst <= GOAL_OWN_IMPORT_MS and not third)))
    for phase, label in (('first', 'first run, all created'), ('unchanged', 'unchanged re-run')) if ro else ():
        c = ro['cases'][phase]
        rows.append(('8', 'role `backupunits` vs a `backupunit` loop, %d units, %g s provisioning, %s' % (
            ro['units'], ro['emulator']['provisioning_delay'], label), '≥ %.0f× faster' % GOAL_ROLE_SPEEDUP[phase], '%s faster (%s vs %s)' % (
                x(c['speedup']), s(c['median']['role']), s(c['median']['loop'])), verdict(c['speedup'] >= GOAL_ROLE_SPEEDUP[phase])))
    if ro:
        exact = ro['unchanged_requests']
        rows.append(('9', 'requests of an unchanged list of %d through the role' % ro['units'], 'exactly %d' % GOAL_ROLE_UNCHANGED_REQUESTS,
                     '%d (`%s`); the loop: %d' % (exact['role']['requests'], exact['role']['detail'], exact['loop']['requests']),
                     verdict(exact['role']['requests'] == GOAL_ROLE_UNCHANGED_REQUESTS)))
    limited('10', rt, GOAL_ROLE_THROUGHPUT_RATIO, rt and '%d units through the role' % rt['units'])
    return rows


# ------------------------------------------------------------------------------ sections

def section_per_task(_r, pt, w):
    med, ok = pt['median'], pt['ratio_info_uri'] <= GOAL_INFO_URI_RATIO
    w(f'## 1. Per-task cost\n\nGoal: `backupunit_info` within {GOAL_INFO_URI_RATIO:.2f}× of `ansible.builtin.uri` doing the same request.\n')
    w(f'One playbook, {pt["rounds"]} measured rounds after {pt["warmup"]} warm-up rounds; each round runs `ansible.builtin.ping`,')
    w('`ansible.builtin.uri` (`GET /backupunits?depth=1&pretty=false`, Basic auth: the module\'s query) and')
    w(f'`ionoscloud.backup.backupunit_info`, in an order that rotates every round, against {pt["units"]} units.{load_note(pt)}\n')
    table(w, ['task', 'median', 'interquartile range', 'vs ping', 'vs uri'], [
        (label, ms(med[k]), '%s - %s' % tuple(ms(q) for q in pt['iqr'][k]), x(med[k] / med['ping']), x(med[k] / med['uri']))
        for k, label in (('ping', '`ansible.builtin.ping`'), ('uri', '`ansible.builtin.uri`'), ('info', '`ionoscloud.backup.backupunit_info`'))])
    w('Ratio of medians `backupunit_info` / `uri`: **%s** (median of the per-round ratios: %s). %s\n' % (
        x(pt['ratio_info_uri']), x(pt['paired_ratio_info_uri']), 'Goal met.' if ok else
        '**Goal missed**: the difference is the module\'s start-up (importing `requests`, section 7).'))


def section_by_hand(r, bh, w):
    cases, delay, poll, ping = bh['cases'], bh['provisioning_delay'], (r.get('client_policies') or {}).get('poll'), bh.get('ping_median')
    w(f'## 2. The same job by hand\n\nGoal: one `backupunit` task at least {GOAL_BY_HAND_SPEEDUP:.0f}× faster than the shortest correct `uri` version.\n')
    w('"Ensure unit X exists with email Y" by hand (`uri_job()` in `benchmarks/bench.py`) is five tasks: list, decide (`set_fact`),')
    w(f'`POST` when missing, `PATCH` when the email differs, and poll the request\'s status URL with `until` (`retries: 120`, `delay: '
      f'{bh["uri_poll_delay"]}`); skipped tasks count. The emulator runs the tracked 2023 model (`provisioning_delay={delay:g}, '
      f'request_tracking=True`), which has a status URL to follow. {bh["rounds"]} measured rounds after {bh["warmup"]} warm-up, the two')
    w(f'versions back to back in alternating order; every unit is checked afterwards.{load_note(bh)}\n')
    table(w, ['case', '`backupunit` task', '`uri` job', 'speed-up (ratio of medians)', 'per-round median', 'reports `changed`'], [
        (label, s(c['median']['module']), s(c['median']['uri']), '**%s**' % x(c['speedup']), x(c['paired_speedup']),
         'module %s, uri %s' % (yes(c['changed']['module']), yes(c['changed']['uri'])))
        for c, label in ((cases['unchanged'], 'unchanged (unit as wanted)'), (cases['update'], 'changed: new email (PATCH)'),
                         (cases['create'], 'changed: unit missing (POST)'))])
    looks = ['%s %d of %d' % (case, cases[case]['uri_wait_attempts'].count(1), len(cases[case]['uri_wait_attempts']))
             for case in ('update', 'create') if cases[case].get('uri_wait_attempts')]
    if looks:
        w('The `uri` job\'s `until` found the request DONE at its first look in: %s rounds.' % ', '.join(looks))
    noticed = poll and poll_times(poll, delay)[-1]
    if poll:
        w(f'The module polls at {times_list(poll_times(poll, delay))} s after its write (section 4), so it notices the {delay:g} s request at '
          f'{times_list([noticed])} s; `until` looks at once, then sleeps whole `delay` steps ({bh["uri_poll_delay"]} s).')
    w('`uri` never reports a change (that would take `changed_when` logic, left out to keep it shortest).')
    missed = [case for case in cases if cases[case]['speedup'] < GOAL_BY_HAND_SPEEDUP]
    changed = [case for case in ('update', 'create') if case in missed]
    if missed:
        w('\n**Goal missed** for: %s. The goal stays at %.0f×.' % (', '.join(missed), GOAL_BY_HAND_SPEEDUP))
    if missed and ping and poll and changed:
        need = [cases[case]['median']['uri'] / GOAL_BY_HAND_SPEEDUP for case in changed]
        w('For %.0f× the module would have to finish in %s; a ping task took %s and the provisioning is noticed at %s s: %s together, '
          'before the module\'s start-up and requests; it took %s.%s' % (
              GOAL_BY_HAND_SPEEDUP, ', '.join('%s for %s' % (s(t), case) for t, case in zip(need, changed)), s(ping), times_list([noticed]),
              s(ping + noticed), ', '.join('%s for %s' % (s(cases[case]['median']['module']), case) for case in changed),
              ' Out of reach for any module that waits for the API.' * (ping + noticed >= min(need))))
    if 'unchanged' in missed and ping:
        c = cases['unchanged']
        w('Unchanged, both are mostly Ansible\'s per-task cost: the module task takes %s a ping task of the same rounds, the `uri` job %s, '
          'so a module as cheap as ping would reach only %s; what is left is the module\'s start-up (importing `requests`, section 7): '
          'each version sends one request.' % (x(c['median']['module'] / ping), x(c['median']['uri'] / ping), x(c['median']['uri'] / ping)))
    w('')


def section_requests(_r, rq, w):
    model = rq.get('delayed_model') or {}
    delayed = {row['operation']: row for row in model.get('rows') or []}
    w('## 3. Requests per operation\n\nGoal: reads and no-op runs cost one request (an SSO URL by name two: find, then ask; `backupunit_info`')
    w('without `contract_number` two when it finds units: one `GET /contracts` learns the number that makes their `login`); a create or an')
    w('update two (the list and the write, which today\'s API answers finished); a delete four (the list, the `DELETE`, and two reads')
    w('proving the unit gone: its request\'s status URL, 404 as requests are not tracked, then the unit, 404). Counted from the')
    w(f'emulator\'s log, one `ansible` ad-hoc run per operation, the emulator in its default mode (today\'s API), three other units in the '
      f'contract.{load_note(rq)}\n')
    table(w, ['operation', 'requests', 'what was sent', 'changed', 'within goal', '2023 model: requests'], [
        (row['operation'], row['requests'], row['detail'], yes(row['changed']),
         'yes' if row['requests'] <= expected_requests(row) else '**no** (≤ %d)' % expected_requests(row),
         delayed[row['operation']]['requests'] if row['operation'] in delayed else '-') for row in rq['rows']])
    if delayed:
        w('The last column: the same sequence against the 2023 model of earlier runs (`request_tracking=True, provisioning_delay='
          f'{model.get("provisioning_delay", 0):g}`: writes answered `BUSY`, requests tracked). What changed:\n')
        for row, old in ((row, delayed.get(row['operation'])) for row in rq['rows']):
            if old and (old['requests'], old['detail']) != (row['requests'], row['detail']):
                w('- %s: %d → %d requests; the 2023 model sent %s, today\'s API %s.' % (
                    row['operation'], old['requests'], row['requests'], old['detail'], row['detail']))
        w('\nSent the same in both models: %s. Waiting, in the delayed model, is measured in section 4.\n' % ', '.join(
            '"%s"' % row['operation'] for row in rq['rows'] if row['operation'] in delayed and row['detail'] == delayed[row['operation']]['detail']))


def section_waiting(r, wt, w):
    delay, client, poll = wt['provisioning_delay'], wt.get('client_level') or {}, (r.get('client_policies') or {}).get('poll')
    w(f'## 4. Waiting overhead\n\nGoal: with a provisioning delay of {delay:.0f} s, a create waits at most {GOAL_WAIT_OVERHEAD:.1f} s longer '
      f'than the delay and polls at most {GOAL_WAIT_POLLS} times, with request tracking on and off (off: the status URL answers 404 and '
      'the module polls the unit until AVAILABLE).\n')
    w('The emulator\'s delayed model is asked for explicitly (by default a write is finished when answered, section 3). **Wait alone**:')
    w(f'the installed `BackupUnits._wait` (real client and HTTP), from the POST\'s answer to the AVAILABLE unit, minus the delay; '
      f'median of {wt["rounds"]} creates. **Whole task**: `ansible -m ionoscloud.backup.backupunit` creates alternating 0 s and {delay:g} s '
      f'delays; overhead is the task with {delay:g} s less the task with 0 s less {delay:g} s, median of {wt["rounds"]} pairs; "task time - '
      f'{delay:g} s" includes Ansible\'s per-task cost.{load_note(wt)}\n')
    table(w, ['tracking', 'wait alone: overhead', 'polls', 'whole task: overhead (paired)', 'task time - 2 s', 'requests after the POST'], [
        (mode, s(client[mode]['overhead']) if client.get(mode) else '-', '%d' % (client[mode]['polls'] if client.get(mode) else task['polls_2']),
         s(task['overhead']), s(task['task_minus_delay']), task['requests_after_post_2'])
        for mode, task in ((mode, wt['modes'].get(mode)) for mode in ('on', 'off')) if task])
    if poll:
        times, elapsed, interval = poll_times(poll, delay), 0.0, poll['initial']
        while interval < poll['maximum'] and poll['factor'] > 1:
            elapsed, interval = elapsed + interval, interval * poll['factor']
        w(f'The poll policy looks at {times_list(times)} s after the POST: its schedule alone notices a {delay:.0f} s request '
          f'{times[-1] - delay:.2f} s late; the rest is the requests\' own time. A 10-minute wait makes about {len(poll_times(poll, 600.0))} '
          f'requests (the interval reaches its {poll["maximum"]!r} s cap after ~{elapsed:.0f} s). The doubling schedule before it '
          '(`initial=0.1, factor=2.0`) overshot by 1.11 s.')
    current = [client.get(mode) for mode in ('on', 'off')]
    if any(c and c['overhead'] > GOAL_WAIT_OVERHEAD for c in current):
        w('\n**Goal missed**: the wait alone took %s beyond the delay. The goal stays at %.1f s.' % (' and '.join(
            '%s (tracking %s)' % (s(client[mode]['overhead']), mode) for mode in ('on', 'off') if client.get(mode)), GOAL_WAIT_OVERHEAD))
    elif all(current):
        w('\nGoal met with tracking on and off: the wait alone took %s beyond the delay, with at most %d polls.' % (
            ' and '.join(s(c['overhead']) for c in current), max(wt['modes'][mode]['polls_2_max'] for mode in ('on', 'off'))))
    w('')


def section_scale(_r, sc, w):
    units, med, t, mem = format(sc['units'], ','), sc['median'], sc['median']['info'], sc['memory']['info']['max_mib']
    w(f'## 5. Scale: {units} units\n\nGoal: `backupunit_info` over {units} units in at most {GOAL_SCALE_SECONDS:.0f} s and '
      f'{GOAL_SCALE_MIB:.0f} MB peak memory of the module process.\n')
    w(f'{units} units seeded through the API ({sc["seed_seconds"]:.0f} s); task times: {sc["rounds"]} interleaved rounds after a warm-up and a '
      f'check that the module returns all of them. Peak memory: separate runs ({sc["memory_rounds"]} per task) with an interpreter wrapper '
      '(`MAXRSS` in `benchmarks/bench.py`) that records the module process\'s `ru_maxrss`. `uri` fetches the same `GET /backupunits?depth=1`; '
      f'`backupunit` (unchanged) finds one unit among them.{load_note(sc)}\n')
    table(w, ['task', 'median time', 'vs uri', 'peak memory (max of runs)'], [
        (label, s(med[k]), x(med[k] / med['uri']), '%.0f MiB' % sc['memory'][k]['max_mib'])
        for k, label in (('ping', '`ansible.builtin.ping` (floor)'), ('uri', '`ansible.builtin.uri`, full list'),
                         ('info', '`backupunit_info`, full list'), ('unit_unchanged', '`backupunit`, one unit, unchanged'))])
    if t > GOAL_SCALE_SECONDS or mem > GOAL_SCALE_MIB:
        w(f'**Goal missed**: {s(t)} and {mem:.0f} MiB against {GOAL_SCALE_SECONDS:.0f} s and {GOAL_SCALE_MIB:.0f} MB (the time includes the '
          'controller\'s work on the result, which `uri` pays as well).\n')


def rate_limited(w, runs, ratio, failures_label, failures, items):
    """The table and the verdict of a run without and one under a rate limit (sections 6 and 10)."""
    table(w, ['run', 'makespan', 'accepted requests', '429 answers', 'floor', 'makespan / floor', failures_label, 'units', 'duplicates',
              'POSTs beyond one per unit'], [
        ('no limit' if label == 'unlimited' else '%d/min, burst %d' % (run['per_minute'], run['burst']), s(run['makespan'], 1),
         run['requests_accepted'], run['rate_limited_429'], s(run.get('floor'), 1) if run.get('floor') else '-',
         x(run.get('ratio')) if run.get('ratio') else '-', failures(run), run['units'], run['duplicates'], max(0, run['extra_posts']))
        for label, run in ((label, runs.get(label)) for label in ('unlimited', 'limited')) if run])
    run = runs.get('limited')
    if run and under_limit_ok(run, ratio):
        return 'Goal met: every unit created once, no failure, the makespan %s the floor.\n' % x(run['ratio'])
    return run and ('**Goal missed**: %d of %d failed (%d units missing), %d duplicates, makespan %s the floor. Failure messages: `%s`. '
                    'The goal stays as it is.\n' % (run['failures'], items, run['missing'], run['duplicates'] + max(0, run['extra_posts']),
                                                    x(run['ratio']), '`; `'.join(run.get('failure_messages') or ['-'])))


def section_throughput(r, tp, w):
    limited, unlimited, retry = tp['runs'].get('limited'), tp['runs'].get('unlimited') or {}, (r.get('client_policies') or {}).get('retry')
    w(f'## 6. Throughput under a rate limit\n\nGoal: zero failures, zero duplicates, makespan at most {GOAL_THROUGHPUT_RATIO:.1f}× the floor.\n')
    w(f'{tp["hosts"]} local hosts, forks {tp["forks"]}; one task per host loops `backupunit` over {tp["units_per_host"]} names, '
      f'{tp["hosts"] * tp["units_per_host"]} units in all, in the 2023 model (tracking on, 0.2 s provisioning). Run without a limit and')
    w('with the emulator limiting to 600 requests per minute, burst 20 (a token bucket; a 429 carries `Retry-After`). Makespan: first')
    w(f'host start to last host result. Floor: the accepted (not 429) requests at the allowed 10 per second.{load_note(tp)}\n')
    verdict_text = rate_limited(w, tp['runs'], GOAL_THROUGHPUT_RATIO, 'failed items (hosts)',
                                lambda run: '%d (%d)' % (run['failures'], run.get('failed_hosts', 0)), tp['hosts'] * tp['units_per_host'])
    if limited:
        status = 'GET /requests/{id}/status'
        w('Accepted requests with the limit: %s.' % shapes_text(limited['requests_by_shape']))
        if limited['requests_by_shape'].get(status, 0) < unlimited.get('requests_by_shape', {}).get(status, 0):
            w('Fewer status polls than without the limit (%d): waiting for a token overlaps the provisioning delay.'
              % unlimited['requests_by_shape'][status])
        if retry:
            w('A 429 is retried up to %d times within a %g s sleep budget, each sleep 100-150 %% of `Retry-After` (with 10 attempts and '
              'exact sleeps, 35 of 200 items used to fail here).' % (retry['max_attempts_rate_limited'], retry['total_max']))
        w('\n' + verdict_text)


def section_imports(_r, im, w):
    w(f'## 7. Import cost\n\nGoal: the collection\'s own code costs at most {GOAL_OWN_IMPORT_MS:.0f} ms to import and the chain pulls in '
      'nothing but ansible-core\'s module_utils, `requests` and the standard library.\n')
    w(f'`python -X importtime -c "import <module>"`, the installed collection on `PYTHONPATH`, warm `.pyc` caches, {im["runs"]} runs each. '
      'Quoted: the fastest run (importing is CPU-bound: the least disturbed one) with its self time by owning package, and the median. '
      f'The first module imported pays for what the others share.{load_note(im)}\n')
    table(w, ['import', 'fastest run', 'median'] + IMPORT_GROUPS + ['other'], [
        ['`%s`' % row['label'], '%.0f ms' % row.get('min_ms', row['median_ms']), '%.0f ms' % row['median_ms']]
        + [('%.1f ms' % row['breakdown_ms'][g]) if g in row['breakdown_ms'] else '-' for g in IMPORT_GROUPS]
        + ['%.0f ms' % sum(v for k, v in row['breakdown_ms'].items() if k not in IMPORT_GROUPS)] for row in im['rows']])
    w('The modules import `AnsibleModule` and the collection\'s small module_utils; the client imports `requests`, the one runtime')
    w('dependency and the largest share, which every module run needs for its HTTP call.\n')


def section_role(_r, ro, w):
    delay, n, cases, shapes = ro['emulator']['provisioning_delay'], ro['units'], ro['cases'], ro.get('first_run_requests') or {}
    first, unchanged = cases['first'], cases['unchanged']
    missed = [phase for phase in ('first', 'unchanged') if cases[phase]['speedup'] < GOAL_ROLE_SPEEDUP[phase]]
    w(f'## 8. The role against a loop\n\nGoal: for {n} units with a provisioning delay of {delay:g} s, the role '
      f'`ionoscloud.backup.backupunits` at least {GOAL_ROLE_SPEEDUP["first"]:.0f}× faster than a loop of `ionoscloud.backup.backupunit` '
      f'(`wait: true`) over the same list for the first run, which creates all {n}, and at least {GOAL_ROLE_SPEEDUP["unchanged"]:.0f}× '
      'faster for an unchanged re-run.\n')
    w(f'One emulator per competitor, `provisioning_delay={delay:g}, request_tracking=False` (today\'s API with the `BUSY` window asked for). '
      f'Each of {ro["rounds"]} rounds resets both, runs the two first runs as plays back to back in alternating order, then '
      f'{ro["reruns"]} unchanged re-runs of each. A run\'s time is its play\'s, first task start to last task result. After each playbook '
      f'each emulator must hold the {n} units once, `AVAILABLE`, with their email.{load_note(ro)}\n')
    table(w, ['run', 'role', 'loop', 'speed-up (ratio of medians)', 'per-round median', 'requests per run: role', 'loop'], [
        (label, s(c['median']['role']), s(c['median']['loop']), '**%s**' % x(c['speedup']), x(c['paired_speedup']),
         '%g' % c['requests']['role'], '%g' % c['requests']['loop'])
        for c, label in ((first, 'first run: create all %d' % n), (unchanged, 'unchanged re-run'))])
    w('Samples: %d first runs and %d unchanged re-runs of each.' % (len(ro['samples']['first']['role']), len(ro['samples']['unchanged']['role'])))
    w(f'First run: the role sends the {n} `POST`s, then waits once for all; the loop waits out the {delay:g} s for each unit, '
      f'{s(first["median"]["loop"] / n)} per unit (the loop\'s time / {n}).')
    if shapes.get('role') and shapes.get('loop'):
        w('What one first run sent: the role %s; the loop %s.' % (shapes_text(shapes['role']), shapes_text(shapes['loop'])))
    w(f'Unchanged re-run: the loop is {n} module runs, {s(unchanged["median"]["loop"] / n)} each; the role is one.\n')
    w(('**Goal missed** for: %s. The goals stay as they are.\n' % ', '.join('%s (%s against %.0f×)' % (
        phase, x(cases[phase]['speedup']), GOAL_ROLE_SPEEDUP[phase]) for phase in missed)) if missed else
      'Goal met: %s faster for the first run, %s for the unchanged re-run.\n' % (x(first['speedup']), x(unchanged['speedup'])))


def section_role_requests(_r, ro, w):
    exact, n, requests = ro['unchanged_requests'], ro['units'], ro['cases']['unchanged']['requests']
    w(f'## 9. Requests of an unchanged list\n\nGoal: an unchanged list of {n} units through the role makes exactly '
      f'{GOAL_ROLE_UNCHANGED_REQUESTS} API request.\n')
    w(f'After section 8, with the {n} units in place, one more run of each, its requests from the emulator\'s log.\n')
    table(w, ['run', 'requests', 'what was sent', 'changed'], [(label, exact[who]['requests'], exact[who]['detail'], yes(exact[who]['changed']))
                                                               for who, label in (('role', 'the role, one run'),
                                                                                  ('loop', 'the `backupunit` loop, one run'))])
    w('%s. The unchanged re-runs of section 8 agree: %g request per role run, %g per loop run.\n' % (
        'Goal met' if exact['role']['requests'] == GOAL_ROLE_UNCHANGED_REQUESTS else '**Goal missed** (%d requests)' % exact['role']['requests'],
        requests['role'], requests['loop']))


def section_role_throughput(r, rt, w):
    n, limited, retry = rt['units'], rt['runs'].get('limited'), (r.get('client_policies') or {}).get('retry')
    w(f'## 10. The role under a rate limit\n\nGoal: {n} declared units through the role in one run under 600 requests per minute, burst 20: '
      f'zero failures, zero duplicates (each name exists once afterwards), makespan at most {GOAL_ROLE_THROUGHPUT_RATIO:.1f}× the floor.\n')
    w(f'One play applies the role to {n} new units, the emulator in its default mode (one list read and {n} `POST`s, nothing to wait for), '
      'without a limit and under 600/min, burst 20 (a 429 carries `Retry-After`, 1 s here). Makespan: the play. Floor: the accepted (not 429) '
      f'requests at the allowed 10 per second.{load_note(rt)}\n')
    verdict_text = rate_limited(w, rt['runs'], GOAL_ROLE_THROUGHPUT_RATIO, 'failures', lambda run: run['failures'], n)
    if limited:
        w('Accepted requests with the limit: %s. The first %d went through on the burst, so the bucket alone allows the run to end after %s; '
          'the makespan was %s, %s that.' % (shapes_text(limited['requests_by_shape']), limited['burst'], s(limited['floor_with_burst'], 1),
                                             s(limited['makespan'], 1), x(limited['makespan'] / limited['floor_with_burst'])))
        if retry:
            w('After a 429 the one module process sleeps 100-150 %% of `Retry-After` while 10-15 tokens accrue (fewer than the burst); its '
              'retry budget, `RetryPolicy(max_attempts_rate_limited=%d, total_max=%g)`, is per request.' % (
                  retry['max_attempts_rate_limited'], retry['total_max']))
        w('\n' + verdict_text)


def section_emulator(_r, em, w):
    w(f'## 11. The emulator\n\nGoal: the emulator (`tests/mock_api/server.py`) is never the bottleneck: at least {GOAL_EMULATOR_RATE} '
      f'`GET /backupunits?depth=1` per second with 100 units, and a list of 10,000 units at depth 1 in under {GOAL_EMULATOR_LIST:g} s.\n')
    w(f'Over loopback HTTP, the client threads on the same machine as the server, {em["runs"]} runs each; "first call" is the first list '
      f'after the units were written (caches cold), "warm" the {len(em["warm"]["pretty"])} calls after it.{load_note(em)}\n')

    def fmt(values, form):
        return ', '.join(form % v for v in values)

    rates, lists = [], []        # the rows of bench_emulator.py's table, in its order
    for layout, label in (('pretty', 'pretty=true (default)'), ('compact', 'pretty=false')):
        rate, cold, warm = (statistics.median(em[k][layout]) for k in ('rate', 'cold', 'warm'))
        rates.append(('GET /backupunits?depth=1, 100 units, %s, %d keep-alive threads' % (label, em['threads']), '%.0f req/s' % rate,
                      fmt(em['rate'][layout], '%.0f'), '≥ %d req/s' % GOAL_EMULATOR_RATE, verdict(rate >= GOAL_EMULATOR_RATE)))
        lists += [('GET /backupunits?depth=1, %d units, %s, first call (%.1f MB)' % (em['units'], label, em['size'][layout] / 1e6),
                   '%.3f s' % cold, fmt(em['cold'][layout], '%.3f'), '< %g s' % GOAL_EMULATOR_LIST, verdict(cold < GOAL_EMULATOR_LIST)),
                  ('GET /backupunits?depth=1, %d units, %s, warm' % (em['units'], label), '%.3f s' % warm, 'median of %d' % len(em['warm'][layout]),
                   '< %g s' % GOAL_EMULATOR_LIST, verdict(warm < GOAL_EMULATOR_LIST))]
    ours, stdlib = statistics.median(em['serializer']), statistics.median(em['json_dumps'])
    table(w, ['measurement', 'median', 'runs', 'goal', ''], rates + lists + [
        ('serialize %d units pretty, in process: json.dumps(indent=2)' % em['units'], '%.3f s' % stdlib, fmt(em['json_dumps'], '%.3f'), '', ''),
        ('serialize %d units pretty, in process: emulator serializer, caches empty' % em['units'], '%.3f s' % ours, fmt(em['serializer'], '%.3f'),
         '', '%.1f× the speed of json.dumps' % (stdlib / ours))])


# ------------------------------------------------------------------------------ chart

def draw_chart(r, path):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    def bars(ax, labels, values, colors, fmt, horizontal=False):
        drawn = (ax.barh if horizontal else ax.bar)(range(len(values)), values, color=colors)
        for rect in drawn:
            if horizontal:
                ax.text(rect.get_width(), rect.get_y() + rect.get_height() / 2, fmt % rect.get_width(), va='center', fontsize=8)
            else:
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height(), fmt % rect.get_height(), ha='center', va='bottom')
        (ax.set_yticks if horizontal else ax.set_xticks)(range(len(values)))
        (ax.set_yticklabels if horizontal else ax.set_xticklabels)(labels, fontsize=8)

    def pair(ax, names, left, right, labels, colors=(None, None)):
        """Two bars per name, the right one labelled with right / left."""
        ax.bar([p - 0.2 for p in range(len(names))], left, 0.4, label=labels[0], color=colors[0])
        ax.bar([p + 0.2 for p in range(len(names))], right, 0.4, label=labels[1], color=colors[1])
        for p, (a, b) in enumerate(zip(left, right)):
            ax.text(p + 0.2, b, ' %.1f×' % (b / a), ha='center', va='bottom')
        ax.set_xticks(range(len(names)))

    fig, axes = plt.subplots(3, 2, figsize=(12, 12.75))
    fig.suptitle('ionoscloud.backup benchmarks (%s, %s CPUs)' % (r['machine']['date'], r['machine']['cpus']))
    pt, bh, wt, tp, ro, rt = (r.get(k) for k in ('per_task', 'by_hand', 'waiting', 'throughput', 'role', 'role_throughput'))
    if pt:
        ax = axes[0][0]
        ax.boxplot([[v * 1000 for v in pt['samples'][k]] for k in ('ping', 'uri', 'info')], showfliers=False)
        ax.set_xticks([1, 2, 3], ['builtin.ping', 'builtin.uri', 'backupunit_info'])
        ax.set(ylabel='task time, ms', title='1. Per-task cost (%d interleaved rounds)' % pt['rounds'], ylim=(0, None))
    if bh:
        ax, cases = axes[0][1], ['unchanged', 'update', 'create']
        pair(ax, cases, [bh['cases'][c]['median']['module'] for c in cases], [bh['cases'][c]['median']['uri'] for c in cases],
             ('one backupunit task', 'uri: list, decide, POST/PATCH, until'))
        ax.set_xticklabels(cases)
        ax.set(ylabel='job time, s (median)', title='2. "Ensure unit X with email Y"')
        ax.legend(loc='upper left', fontsize=8)
    if wt:
        ax, client = axes[1][0], wt.get('client_level') or {}
        labelled = [('tracking %s\n%s' % (mode, label), data['overhead']) for mode in ('on', 'off')
                    for label, data in (('wait alone', client.get(mode)), ('whole task', wt['modes'].get(mode))) if data]
        bars(ax, [k for k, v in labelled], [v for k, v in labelled], ['tab:red' if v > GOAL_WAIT_OVERHEAD else 'tab:green' for k, v in labelled], '%.2f s')
        ax.axhline(GOAL_WAIT_OVERHEAD, color='black', linestyle='--', linewidth=1, label='goal %.1f s' % GOAL_WAIT_OVERHEAD)
        ax.set(ylabel='wait beyond the 2 s delay, s', title='4. Waiting overhead, 2 s provisioning')
        ax.legend(fontsize=8)
    if tp:
        ax, total, limited = axes[1][1], tp['hosts'] * tp['units_per_host'], tp['runs'].get('limited')
        for label, color, run in (('unlimited', 'tab:blue', tp['runs'].get('unlimited')), ('limited', 'tab:orange', limited)):
            if run:
                name = 'no limit' if label == 'unlimited' else '%d/min, burst %d' % (run['per_minute'], run['burst'])
                ax.step([0] + run['item_times'], range(0, len(run['item_times']) + 1), where='post', color=color,
                        label=name + (' (%d failed)' % run['failures'] if run['failures'] else ''))
        if limited:
            ax.plot([0, limited['floor']], [0, total], color='black', linestyle='--', linewidth=1, label='floor (accepted requests at 10/s)')
            ax.plot([0, limited['floor'] * GOAL_THROUGHPUT_RATIO], [0, total], color='grey', linestyle=':', linewidth=1, label='goal: 1.3× floor')
        ax.set(xlabel='seconds since the task started', ylabel='units created',
               title='6. %d hosts × %d units, forks %d' % (tp['hosts'], tp['units_per_host'], tp['forks']))
        ax.legend(fontsize=8, loc='lower right')
    if ro:
        ax, cases = axes[2][0], ro['cases']
        role, loop = ([cases[p]['median'][who] for p in ('first', 'unchanged')] for who in ('role', 'loop'))
        pair(ax, ['first', 'unchanged'], role, loop, ('role backupunits (one module run)', 'loop of backupunit (%d module runs)' % ro['units']),
             ('tab:green', 'tab:grey'))
        for p, value in enumerate(role):
            ax.text(p - 0.2, value, '%.1f s' % value, ha='center', va='bottom', fontsize=8)
        ax.set_yscale('log')
        exact = ro['unchanged_requests']
        ax.set_xticklabels(['first run: create %d\nrequests: role %g, loop %g' % (ro['units'], cases['first']['requests']['role'],
                                                                                  cases['first']['requests']['loop']),
                            'unchanged re-run\nrequests: role %d, loop %d' % (exact['role']['requests'], exact['loop']['requests'])], fontsize=8)
        ax.set(ylabel='run time, s (median, log scale)', ylim=(None, max(loop) * 4), title='8./9. Role vs loop, %d units, %g s provisioning '
               '(goal ≥ %.0f×)' % (ro['units'], ro['emulator']['provisioning_delay'], GOAL_ROLE_SPEEDUP['first']))
        ax.legend(loc='upper right', fontsize=8)
    if rt:
        ax, runs, limited = axes[2][1], [], rt['runs'].get('limited')
        if rt['runs'].get('unlimited'):
            runs.append(('no limit', rt['runs']['unlimited']['makespan'], 'tab:blue'))
        if limited:
            runs += [('%d/min, burst %d\n(%d accepted, %d × 429)' % (limited['per_minute'], limited['burst'], limited['requests_accepted'],
                                                                     limited['rate_limited_429']), limited['makespan'],
                      'tab:green' if under_limit_ok(limited, GOAL_ROLE_THROUGHPUT_RATIO) else 'tab:red'),
                     ('floor\n(accepted at 10/s)', limited['floor'], 'black'),
                     ('goal\n(%.1f× floor)' % GOAL_ROLE_THROUGHPUT_RATIO, limited['floor'] * GOAL_ROLE_THROUGHPUT_RATIO, 'lightgrey')]
        bars(ax, [b[0] for b in runs], [b[1] for b in runs], [b[2] for b in runs], ' %.1f s', horizontal=True)
        ax.invert_yaxis()
        ax.set(xlim=(None, max(b[1] for b in runs) * 1.2), xlabel='seconds (makespan of the role run)',
               title='10. %d units through the role, one run' % rt['units'])
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return os.path.basename(path)
