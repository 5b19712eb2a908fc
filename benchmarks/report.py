# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the benchmark results (build/bench/results.json) into docs/performance.md and its chart.

    python benchmarks/report.py [RESULTS_JSON]      (bench.py calls write() after a run)
"""

from __future__ import annotations

import json
import os
import sys

CHART = 'performance-overview.png'
SECTIONS = ('per_task', 'by_hand', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role',
            'role_throughput')

# The goals of issue 7. They stay here, and in the document, whether or not a run meets them.
GOAL_INFO_URI_RATIO = 1.10
GOAL_BY_HAND_SPEEDUP = 2.0
GOAL_WAIT_OVERHEAD = 0.3
GOAL_WAIT_POLLS = 8
GOAL_SCALE_SECONDS = 2.0
GOAL_SCALE_MIB = 150.0
GOAL_THROUGHPUT_RATIO = 1.3
GOAL_OWN_IMPORT_MS = 10.0
# The goals of issue 12 (the role backupunits).
GOAL_ROLE_SPEEDUP_FIRST = 5.0           # role vs a loop of backupunit, 20 units, first run
GOAL_ROLE_SPEEDUP_UNCHANGED = 5.0       # the same, unchanged re-run
GOAL_ROLE_UNCHANGED_REQUESTS = 1        # an unchanged list of 20 through the role
GOAL_ROLE_THROUGHPUT_RATIO = 1.3        # 200 units through the role under 600/min: makespan / floor


def s(value, digits=2):
    return '-' if value is None else '%.*f s' % (digits, value)


def ms(value):
    return '-' if value is None else '%.0f ms' % (value * 1000.0)


def x(value):
    return '-' if value is None else '%.2f×' % value


def verdict(ok):
    return 'met' if ok else '**missed**'


def poll_times(poll, until):
    """Seconds after a write at which the client looks, by its poll policy: every poll up to and
    including the first at or after `until` (the client's own loop, without request times)."""
    times = [0.0]
    interval = poll['initial']
    while times[-1] < until:
        times.append(times[-1] + interval)
        interval = min(interval * poll['factor'], poll['maximum'])
    return times


def times_list(times):
    return ', '.join('%.2g' % t if t < 1 else '%.2f' % t for t in times)


def policy_text(policies):
    poll, retry = policies['poll'], policies['retry']
    return ('`PollPolicy(initial=%r, factor=%r, maximum=%r)` and `RetryPolicy(max_attempts_rate_limited=%r, '
            'retry_after_max=%r, total_max=%r)`' % (poll['initial'], poll['factor'], poll['maximum'],
                                                    retry['max_attempts_rate_limited'], retry['retry_after_max'],
                                                    retry['total_max']))


def load_note(section):
    load = section.get('load_average')
    note = ' (load average %.1f → %.1f during this section' % tuple(load) if load else ''
    if note and section.get('measured_at'):
        note += '; finished %s' % section['measured_at']
    return note + ')' if note else ''


def source_text(source):
    """', built from commit X' (and what was uncommitted, when the working tree was measured)."""
    if not source or not source.get('commit'):
        return ''
    if not source.get('from_worktree'):
        return ', built from commit `%s` (the committed tree, exported with `git archive`; its emulator too)' \
            % source['commit']
    if source.get('uncommitted'):
        return ', built from the working tree at commit `%s` **with uncommitted changes** to %s' % (
            source['commit'], ', '.join('`%s`' % f for f in source['uncommitted']))
    return ', built from the working tree at commit `%s` (no uncommitted changes)' % source['commit']


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
    m = r['machine']
    out = []
    w = out.append
    w('# Performance')
    w('')
    w('How fast the collection converges and how gently it treats the API, measured by `make bench`')
    w('(`benchmarks/bench.py`). Every figure comes from one run against the API emulator')
    w('(`tests/mock_api/server.py`) on loopback, with the collection built and installed offline the way')
    w('a user installs it, driven by real `ansible-playbook` and `ansible` runs. Task times come from a')
    w('small callback (`benchmarks/callback_plugins/bench_timer.py`): from the moment a task is handed')
    w('to a worker to its result, i.e. fork, templating, module transfer, module run and result')
    w('processing. Competitors run interleaved in the same playbook, so they share the machine\'s state;')
    w('medians and ratios are quoted side by side, never a lone absolute time.')
    w('')
    w('Run started %s, on %s (%s CPUs, %s MiB RAM), %s, kernel %s; Python %s, ansible-core %s, requests %s;'
      % (m['date'], m['cpu'], m['cpus'], m['memory_mib'], m['os'], m['kernel'], m['python'],
         m['ansible_core'], m['requests']))
    w('collection `%s`%s.%s' % (r.get('collection'), source_text(r.get('source')),
                                ' **Quick run (few rounds): figures are indicative only.**' if r.get('quick') else ''))
    loads = [r[k]['load_average'] for k in SECTIONS if k in r and 'load_average' in r[k]]
    if loads:
        peak = max(max(pair) for pair in loads)
        w('The 1-minute load average during the run reached %.1f on %s CPUs%s.' % (
            peak, m['cpus'], ': other work shared the machine, so absolute times are inflated; the interleaved '
            'ratios are what to compare' if peak > m['cpus'] else ''))
    w('')
    if r.get('client_policies'):
        w('The client measured is the collection as committed, with the defaults of the installed')
        w('`plugins/module_utils/_client.py`: %s.' % policy_text(r['client_policies']))
    w('')
    took = sum(r[k].get('section_seconds', 0) for k in SECTIONS if k in r)
    w('Reproduce: `make bench` (this run: %.0f minutes; in the tools venv; the first run adds matplotlib to it'
      % (took / 60.0))
    w('for the chart). It writes `build/bench/results.json`, this file and its chart.')
    w('')
    if chart:
        w('![Benchmark overview](%s)' % chart)
        w('')

    w('## Goals and results')
    w('')
    w('| # | measurement | goal | measured | |')
    w('| --- | --- | --- | --- | --- |')
    for row in summary_rows(r):
        w('| %s |' % ' | '.join(row))
    w('')
    for fn in (section_per_task, section_by_hand, section_requests, section_waiting, section_scale,
               section_throughput, section_imports, section_role, section_role_requests, section_role_throughput):
        fn(r, w)
    return '\n'.join(out).rstrip() + '\n'


def summary_rows(r):
    rows = []
    pt = r.get('per_task')
    if pt and 'ratio_info_uri' in pt:
        rows.append(('1', '`backupunit_info` vs `uri`, same GET, per-task median',
                     '≤ %.2f×' % GOAL_INFO_URI_RATIO,
                     '%s (%s vs %s; paired %s)' % (x(pt['ratio_info_uri']), ms(pt['median']['info']),
                                                   ms(pt['median']['uri']), x(pt['paired_ratio_info_uri'])),
                     verdict(pt['ratio_info_uri'] <= GOAL_INFO_URI_RATIO)))
    bh = r.get('by_hand')
    if bh:
        for case in ('unchanged', 'update', 'create'):
            c = bh['cases'][case]
            rows.append(('2', 'one `backupunit` task vs the `uri` job, %s' % case,
                         '≥ %.0f× faster' % GOAL_BY_HAND_SPEEDUP,
                         '%s faster (%s vs %s)' % (x(c['speedup']), s(c['median']['module']), s(c['median']['uri'])),
                         verdict(c['speedup'] >= GOAL_BY_HAND_SPEEDUP)))
    rq = r.get('requests')
    if rq:
        bad = [row['operation'] for row in rq['rows'] if row['requests'] > expected_requests(row)[0]]
        rows.append(('3', 'requests per operation, today\'s API (the emulator\'s default)',
                     'reads and no-op runs 1; create, update 2; delete 4 (section 3)',
                     '%d operations, %s' % (len(rq['rows']), 'all at the expected count' if not bad
                                            else 'over: ' + ', '.join(bad)), verdict(not bad)))
    wt = r.get('waiting')
    if wt:
        for mode in ('on', 'off'):
            task = wt['modes'].get(mode)
            client = (wt.get('client_level') or {}).get(mode)
            if not task:
                continue
            overhead = client['overhead'] if client else task['overhead']
            polls = task['polls_2_max']
            rows.append(('4', 'waiting overhead, 2 s provisioning, tracking %s' % mode,
                         '≤ %.1f s, ≤ %d polls' % (GOAL_WAIT_OVERHEAD, GOAL_WAIT_POLLS),
                         '%s, %d polls (whole task, paired: %s)' % (s(overhead), polls, s(task['overhead'])),
                         verdict(overhead <= GOAL_WAIT_OVERHEAD and polls <= GOAL_WAIT_POLLS)))
    sc = r.get('scale')
    if sc and 'info' in sc['median']:
        t = sc['median']['info']
        mem = sc['memory']['info']['max_mib']
        rows.append(('5', '`backupunit_info` over %s units' % format(sc['units'], ','),
                     '≤ %.0f s, ≤ %.0f MB' % (GOAL_SCALE_SECONDS, GOAL_SCALE_MIB),
                     '%s, %.0f MiB peak' % (s(t), mem),
                     verdict(t <= GOAL_SCALE_SECONDS and mem <= GOAL_SCALE_MIB)))
    tp = r.get('throughput')
    if tp and 'limited' in tp['runs']:
        run = tp['runs']['limited']
        ok = throughput_ok(run)
        title = '%d hosts × %d units under %d/min, burst %d' % (
            tp['hosts'], tp['units_per_host'], run['per_minute'], run['burst'])
        rows.append(('6', title,
                     '0 failures, 0 duplicates, makespan ≤ %.1f× floor' % GOAL_THROUGHPUT_RATIO,
                     '%d failures, %d duplicates, %s = %s the floor of %s' % (
                         run['failures'], run['duplicates'] + max(0, run['extra_posts']), s(run['makespan'], 1),
                         x(run['ratio']), s(run['floor'], 1)), verdict(ok)))
    im = r.get('imports')
    if im:
        own = [row for row in im['rows'] if row['label'].startswith('ionoscloud.backup.')]
        if own:
            worst = max(row['breakdown_ms'].get('ionoscloud.backup', 0.0) for row in own)
            third = sorted({k for row in own for k in row['breakdown_ms'] if k not in KNOWN_IMPORT_GROUPS
                            and row['breakdown_ms'][k] >= 1.0})
            rows.append(('7', 'import chain of each module', 'collection code ≤ %.0f ms; nothing beyond '
                         'ansible-core and requests' % GOAL_OWN_IMPORT_MS,
                         'collection code ≤ %.1f ms; %s' % (
                             worst, ('other packages ≥ 1 ms: ' + ', '.join(third)) if third else 'nothing else'),
                         verdict(worst <= GOAL_OWN_IMPORT_MS and not third)))
    ro = r.get('role')
    if ro:
        for phase, goal, label in (('first', GOAL_ROLE_SPEEDUP_FIRST, 'first run, all created'),
                                   ('unchanged', GOAL_ROLE_SPEEDUP_UNCHANGED, 'unchanged re-run')):
            c = ro['cases'][phase]
            rows.append(('8', 'role `backupunits` vs a `backupunit` loop, %d units, %g s provisioning, %s'
                         % (ro['units'], ro['emulator']['provisioning_delay'], label),
                         '≥ %.0f× faster' % goal,
                         '%s faster (%s vs %s)' % (x(c['speedup']), s(c['median']['role']), s(c['median']['loop'])),
                         verdict(c['speedup'] >= goal)))
        exact = ro['unchanged_requests']['role']['requests']
        rows.append(('9', 'requests of an unchanged list of %d through the role' % ro['units'],
                     'exactly %d' % GOAL_ROLE_UNCHANGED_REQUESTS,
                     '%d (`%s`); the loop: %d' % (exact, ro['unchanged_requests']['role']['detail'],
                                                  ro['unchanged_requests']['loop']['requests']),
                     verdict(exact == GOAL_ROLE_UNCHANGED_REQUESTS)))
    rt = r.get('role_throughput')
    if rt and 'limited' in rt['runs']:
        run = rt['runs']['limited']
        title = '%d units through the role under %d/min, burst %d' % (rt['units'], run['per_minute'], run['burst'])
        rows.append(('10', title,
                     '0 failures, 0 duplicates, makespan ≤ %.1f× floor' % GOAL_ROLE_THROUGHPUT_RATIO,
                     '%d failures, %d duplicates, %s = %s the floor of %s' % (
                         run['failures'], run['duplicates'] + max(0, run['extra_posts']), s(run['makespan'], 1),
                         x(run['ratio']), s(run['floor'], 1)), verdict(role_throughput_ok(run))))
    return rows


KNOWN_IMPORT_GROUPS = {'standard library', 'requests + its dependencies', 'ansible.module_utils', 'ansible',
                       'ionoscloud.backup', 'ansible_collections', 'typing_extensions', 'distro'}


def expected_requests(row):
    """(most requests an operation should need against today's API, why)."""
    op = row['operation']
    if op in ('create', 'update (email)', 'update_password: always'):
        return 2, '1 list + 1 write, answered finished'
    if op == 'delete':
        return 4, '1 list + 1 DELETE + the status URL (404) + the unit (404)'
    if op == 'SSO URL: by name':
        return 2, '1 list + 1 ssourl'
    return 1, 'one read'


# ------------------------------------------------------------------------------ sections

def section_per_task(r, w):
    pt = r.get('per_task')
    if not pt:
        return
    w('## 1. Per-task cost')
    w('')
    w('Goal: `backupunit_info` within %.2f× of `ansible.builtin.uri` doing the same request.' % GOAL_INFO_URI_RATIO)
    w('')
    w('One playbook, %d measured rounds after %d warm-up rounds; each round runs `ansible.builtin.ping`,'
      % (pt['rounds'], pt['warmup']))
    w('`ansible.builtin.uri` (`GET /backupunits?depth=1&pretty=false`, Basic auth; the module sends the same')
    w('query) and `ionoscloud.backup.backupunit_info` (no filter), in an order that rotates every round.')
    w('The emulator holds %d units; it saw exactly one list request per `uri` and `info` task.%s'
      % (pt['units'], load_note(pt)))
    w('')
    w('| task | median | interquartile range | vs ping | vs uri |')
    w('| --- | --- | --- | --- | --- |')
    for kind, label in (('ping', '`ansible.builtin.ping`'), ('uri', '`ansible.builtin.uri`'),
                        ('info', '`ionoscloud.backup.backupunit_info`')):
        if kind not in pt['median']:
            continue
        q1, q3 = pt['iqr'][kind]
        w('| %s | %s | %s - %s | %s | %s |' % (
            label, ms(pt['median'][kind]), ms(q1), ms(q3), x(pt['median'][kind] / pt['median']['ping']),
            x(pt['median'][kind] / pt['median']['uri'])))
    w('')
    if 'ratio_info_uri' in pt:
        w('Ratio of medians `backupunit_info` / `uri`: **%s** (median of the per-round ratios: %s). %s' % (
            x(pt['ratio_info_uri']), x(pt['paired_ratio_info_uri']),
            'Goal met.' if pt['ratio_info_uri'] <= GOAL_INFO_URI_RATIO else
            '**Goal missed.** The difference is the module\'s own start-up: it imports `requests` (see '
            'section 7; `uri` uses ansible-core\'s own `urllib` wrapper) and builds a session; the HTTP '
            'exchange is the same.'))
        w('')


def section_by_hand(r, w):
    bh = r.get('by_hand')
    if not bh:
        return
    w('## 2. The same job by hand')
    w('')
    w('Goal: one `backupunit` task at least %.0f× faster than the shortest correct `uri` version.'
      % GOAL_BY_HAND_SPEEDUP)
    w('')
    w('"Ensure unit X exists with email Y". The hand-written version (`uri_job()` in `benchmarks/bench.py`)')
    w('has five tasks: list (`GET /backupunits?depth=1`), decide (`set_fact` with `selectattr`), `POST` when')
    w('missing (`no_log`, since it carries the password), `PATCH` when the email differs, and poll the')
    w('request\'s status URL with `until` (`retries: 120`, `delay: %s`) when something was written. Job'
      % bh['uri_poll_delay'])
    w('time is from the first task\'s start to the last task\'s result, skipped tasks included. The emulator')
    w('runs the delayed, tracked 2023 model, asked for explicitly (`provisioning_delay=%g, request_tracking=True`):'
      % bh['provisioning_delay'])
    w('the `uri` job follows the request\'s status URL, which today\'s API (the default) answers 404, and')
    w('there would be nothing to wait for. %d measured rounds after %d warm-up; in each round the two versions run'
      % (bh['rounds'], bh['warmup']))
    w('back to back, in alternating order, for each case. Afterwards the bench checks that every unit')
    w('exists once with the wanted email.%s' % load_note(bh))
    w('')
    w('| case | `backupunit` task | `uri` job | speed-up (ratio of medians) | per-round median | reports `changed` |')
    w('| --- | --- | --- | --- | --- | --- |')
    for case, label in (('unchanged', 'unchanged (unit as wanted)'), ('update', 'changed: new email (PATCH)'),
                        ('create', 'changed: unit missing (POST)')):
        c = bh['cases'][case]
        w('| %s | %s | %s | **%s** | %s | module %s, uri %s |' % (
            label, s(c['median']['module']), s(c['median']['uri']), x(c['speedup']), x(c['paired_speedup']),
            'yes' if c['changed']['module'] else 'no', 'yes' if c['changed']['uri'] else 'no'))
    w('')
    for case in ('update', 'create'):
        attempts = bh['cases'][case].get('uri_wait_attempts') or []
        if attempts:
            first = sum(1 for a in attempts if a == 1)
            w('%s: the `uri` job\'s `until` found the request DONE at its first look in %d of %d rounds%s.'
              % ('Update' if case == 'update' else 'Create', first, len(attempts),
                 ' (the 0.2 s provisioning was over by the time Ansible had started the task), so it never '
                 'slept' if first == len(attempts) else ''))
    delay = bh['provisioning_delay']
    poll = (r.get('client_policies') or {}).get('poll')
    noticed = None
    if poll:
        times = poll_times(poll, delay)
        noticed = times[-1]
        w('The module, in the same cases, waits in-process with status polls at %s s after its write'
          % times_list(times))
        w('(section 4), so it notices a %.1f s request at its %s s look; `until` looks at once and then sleeps'
          % (delay, times_list([noticed])))
        w('whole `delay` steps (%s s), so with a longer provisioning delay it would overshoot by up to a step.'
          % bh['uri_poll_delay'])
    w('The unchanged case is pure overhead: one task against two run tasks and three skipped ones. `uri`')
    w('never reports a change, so the hand-written job also needs `changed_when` logic before it is as')
    w('useful in a report; that was left out to keep it shortest.')
    missed = [case for case in bh['cases'] if bh['cases'][case]['speedup'] < GOAL_BY_HAND_SPEEDUP]
    if missed:
        w('')
        w('**Goal missed** for: %s (measured above). The goal stays at %.0f×.' % (
            ', '.join(missed), GOAL_BY_HAND_SPEEDUP))
        ping = bh.get('ping_median')      # a ping task in every round of this section
        changed = [case for case in ('update', 'create') if case in missed]
        if ping and noticed is not None and changed:
            need = ', '.join('%s for %s' % (s(bh['cases'][case]['median']['uri'] / GOAL_BY_HAND_SPEEDUP), case)
                             for case in changed)
            got = ', '.join('%s for %s' % (s(bh['cases'][case]['median']['module']), case) for case in changed)
            w('')
            w('In the changed cases the `uri` job is four run tasks (list, decide, write, one status look): its')
            w('own task overhead hides the %.1f s provisioning (`until` found the request done at once). For'
              % delay)
            w('%.0f× the module would have to finish in %s. Any module task costs at least' % (GOAL_BY_HAND_SPEEDUP, need))
            w('a ping task (%s in the same rounds), and the module must also wait out the provisioning, which'
              % s(ping))
            w('it notices at its %s s poll: %s together, before its own start-up (importing `requests`,'
              % (times_list([noticed]), s(ping + noticed)))
            w('section 7) and its requests (list, write, status polls, read of the result). It took %s.' % got)
            least = min(bh['cases'][case]['median']['uri'] / GOAL_BY_HAND_SPEEDUP for case in changed)
            if ping + noticed >= least:
                w('So here %.0f× is out of reach for any module that waits for the API, however cheap its own code:'
                  % GOAL_BY_HAND_SPEEDUP)
                w('Ansible\'s per-task cost and the wait alone already take half the job\'s time.')
            w('')
        if 'unchanged' in missed and ping:
            c = bh['cases']['unchanged']
            w('In the unchanged case both versions are mostly Ansible\'s per-task cost: the module task takes')
            w('%s an `ansible.builtin.ping` task run in the same rounds (the floor of any module task), the `uri` job'
              % x(c['median']['module'] / ping))
            w('%s. A module as cheap as ping would reach only %s. What is left to win is the module\'s start-up'
              % (x(c['median']['uri'] / ping), x(c['median']['uri'] / ping)))
            w('(importing `requests`, section 7), not its requests: it sends one, the `uri` job one too.')
    w('')


def section_requests(r, w):
    rq = r.get('requests')
    if not rq:
        return
    w('## 3. Requests per operation')
    w('')
    w('Goal: reads and no-op runs cost one request (an SSO URL by name two: find, then ask). Against')
    w('today\'s API a create or an update costs two, the list and the write: the API answers the write')
    w('finished (`AVAILABLE`), so there is nothing to wait for and nothing to read again. A delete costs')
    w('four: the list, the `DELETE`, and two reads that prove the unit gone, its request\'s status URL')
    w('(which today\'s API answers 404: requests are not tracked) and then the unit itself (404).')
    w('')
    if rq.get('mode') != 'default':
        w('**This run measured the 2023 model (request tracking on, provisioning delay %.1f s), not today\'s API.**'
          % rq.get('provisioning_delay', 0))
        w('')
    w('Counted from the emulator\'s log, one `ansible` ad-hoc run per operation, the emulator in its')
    w('default mode (today\'s API: requests untracked, every write finished when it is answered), three')
    w('other units in the contract.%s' % load_note(rq))
    w('')
    delayed = {row['operation']: row for row in (rq.get('delayed_model') or {}).get('rows') or []}
    model = rq.get('delayed_model') or {}
    w('| operation | requests | what was sent | changed | within goal | 2023 model: requests |')
    w('| --- | --- | --- | --- | --- | --- |')
    for row in rq['rows']:
        limit, _why = expected_requests(row)
        old = delayed.get(row['operation'])
        w('| %s%s | %d | %s | %s | %s | %s |' % (
            row['operation'], ' (`--check`)' if row['check'] and 'check' not in row['operation'] else '',
            row['requests'], row['detail'], 'yes' if row['changed'] else 'no',
            'yes' if row['requests'] <= limit else '**no** (≤ %d)' % limit, old['requests'] if old else '-'))
    w('')
    if delayed:
        w('The last column is the same sequence, in the same run, against the emulator in the 2023 model the')
        w('figures of earlier runs came from (`request_tracking=True, provisioning_delay=%g`: writes answered'
          % model.get('provisioning_delay', 0))
        w('`BUSY`, requests tracked). Where the default changed a figure:')
        w('')
        for row in rq['rows']:
            old = delayed.get(row['operation'])
            if not old or (old['requests'] == row['requests'] and old['detail'] == row['detail']):
                continue
            w('- %s: %d → %d requests; the 2023 model sent %s, today\'s API %s.' % (
                row['operation'], old['requests'], row['requests'], old['detail'], row['detail']))
        w('')
        now = {row['operation']: row for row in rq['rows']}
        create, delete = now.get('create'), now.get('delete')
        if create and create['requests'] == 2:
            w('A write now ends with its answer: the module neither polls nor reads the unit again.')
        if delete and delayed.get('delete') and delete['requests'] == delayed['delete']['requests']:
            w('A delete costs the same number of requests, but the proof that the unit is gone changed: the')
            w('status URL answers 404, so the module reads the unit, and its 404 is the proof (the 2023 model')
            w('answered DONE on the status URL instead).')
        same = [op for op, row in now.items() if op in delayed and row['detail'] == delayed[op]['detail']]
        w('Sent the same in both models: %s. Waiting, in the delayed model, is measured in section 4.'
          % ', '.join('"%s"' % op for op in same))
    if rq.get('missing_modules'):
        w('')
        w('Not measured (module not present at the time of the run): %s.' % ', '.join(rq['missing_modules']))
    w('')


def section_waiting(r, w):
    wt = r.get('waiting')
    if not wt:
        return
    w('## 4. Waiting overhead')
    w('')
    w('Goal: with a provisioning delay of %.0f s, a create waits at most %.1f s longer than the delay and'
      % (wt['provisioning_delay'], GOAL_WAIT_OVERHEAD))
    w('polls at most %d times, with request tracking on and off (off: the status URL answers 404, the' % GOAL_WAIT_POLLS)
    w('module falls back to polling the unit until it is AVAILABLE).')
    w('')
    w('This section asks the emulator for its delayed model explicitly (`provisioning_delay`, and')
    w('`request_tracking` on or off, set through its control API): in its default mode, today\'s API, a')
    w('write is finished when it is answered and the module does not wait at all (section 3).')
    w('')
    w('Measured two ways:')
    w('')
    w('- **Wait alone**: the installed collection\'s `BackupUnitResource._wait` (real client, real HTTP),')
    w('  timed from the moment the POST was answered until it returns the AVAILABLE unit, minus the delay.')
    w('  This is the waiting overhead proper, free of Ansible\'s per-task cost. Median of %d creates.' % wt['rounds'])
    w('- **Whole task**: `ansible localhost -m ionoscloud.backup.backupunit` creates, alternating a 0 s and a')
    w('  2 s provisioning delay; overhead = (task with 2 s) - (task with 0 s) - 2 s, median of %d pairs. The'
      % wt['rounds'])
    w('  literal "create\'s time minus 2 s" is given too; it includes Ansible\'s whole per-task cost.%s'
      % load_note(wt))
    w('')
    client = wt.get('client_level') or {}
    w('| tracking | wait alone: overhead | polls | whole task: overhead (paired) | task time - 2 s | requests after the POST |')
    w('| --- | --- | --- | --- | --- | --- |')
    for mode in ('on', 'off'):
        task = wt['modes'].get(mode)
        c = client.get(mode)
        if not task:
            continue
        w('| %s | %s | %d | %s | %s | %s |' % (
            mode, s(c['overhead']) if c else '-', c['polls'] if c else task['polls_2'],
            s(task['overhead']), s(task['task_minus_delay']), task['requests_after_post_2']))
    w('')
    poll = (r.get('client_policies') or {}).get('poll')
    if poll:
        delay = wt['provisioning_delay']
        times = poll_times(poll, delay)
        ten_minutes = len(poll_times(poll, 600.0))
        w('The poll policy measured, `PollPolicy(initial=%r, factor=%r, maximum=%r)`, looks at'
          % (poll['initial'], poll['factor'], poll['maximum']))
        w('%s s after the POST, so its schedule alone notices a %.0f s request %.2f s late; the rest of the'
          % (times_list(times), delay, times[-1] - delay))
        w('measured overhead is the time of the requests themselves. With tracking off there is one request')
        w('more, the 404 of the status URL. A 10-minute wait makes about %d requests (the interval reaches its'
          % ten_minutes)
        w('%r s cap after ~%.0f s).' % (poll['maximum'], cap_reached(poll)))
    w('The current poll policy came from the previous run\'s findings: the doubling schedule before it')
    w('(`initial=0.1, factor=2.0`) overshot the same 2 s wait by 1.11 s with 6 polls (7 with tracking off).')
    w('')
    current = [client.get(mode) for mode in ('on', 'off')]
    if any(c and c['overhead'] > GOAL_WAIT_OVERHEAD for c in current):
        w('**Goal missed**: the wait alone took %s beyond the delay against the goal\'s %.1f s (measured'
          % (' and '.join('%s (tracking %s)' % (s(client[mode]['overhead']), mode)
                          for mode in ('on', 'off') if client.get(mode)), GOAL_WAIT_OVERHEAD))
        w('above). The goal stays at %.1f s.' % GOAL_WAIT_OVERHEAD)
        w('')
    elif current and all(current):
        w('Goal met with tracking on and off: the wait alone took %s beyond the delay, with at most %d polls.'
          % (' and '.join(s(c['overhead']) for c in current), max(wt['modes'][mode]['polls_2_max']
                                                                  for mode in ('on', 'off'))))
        w('')


def cap_reached(poll):
    """Seconds of waiting after which the poll interval is at its maximum."""
    elapsed, interval = 0.0, poll['initial']
    while interval < poll['maximum'] and poll['factor'] > 1:
        elapsed += interval
        interval *= poll['factor']
    return elapsed


def section_scale(r, w):
    sc = r.get('scale')
    if not sc:
        return
    w('## 5. Scale: %s units' % format(sc['units'], ','))
    w('')
    w('Goal: `backupunit_info` over %s units in at most %.0f s and %.0f MB peak memory of the module process.'
      % (format(sc['units'], ','), GOAL_SCALE_SECONDS, GOAL_SCALE_MIB))
    w('')
    w('The emulator was seeded with %s units through its API (%.0f s). Task times: %d interleaved rounds'
      % (format(sc['units'], ','), sc['seed_seconds'], sc['rounds']))
    w('after a warm-up (and a check that the module returned all %s units). Peak memory: separate runs' % format(
        sc['units'], ','))
    w('(%d per task) with `ansible_python_interpreter` pointing at `benchmarks/maxrss.py`, which runs the'
      % sc['memory_rounds'])
    w('real interpreter as a child and records `getrusage(RUSAGE_CHILDREN).ru_maxrss`: the peak resident')
    w('set of the module process (AnsiballZ runs the module inside it), in MiB. `uri` fetches the same')
    w('`GET /backupunits?depth=1`; `backupunit` (unchanged) finds one unit among them.%s' % load_note(sc))
    w('')
    w('| task | median time | vs uri | peak memory (max of runs) |')
    w('| --- | --- | --- | --- |')
    for kind, label in (('ping', '`ansible.builtin.ping` (floor)'), ('uri', '`ansible.builtin.uri`, full list'),
                        ('info', '`backupunit_info`, full list'), ('unit_unchanged', '`backupunit`, one unit, unchanged')):
        if kind not in sc['median']:
            continue
        w('| %s | %s | %s | %.0f MiB |' % (
            label, s(sc['median'][kind]), x(sc['median'][kind] / sc['median']['uri']), sc['memory'][kind]['max_mib']))
    w('')
    if 'info' in sc['median']:
        t = sc['median']['info']
        mem = sc['memory']['info']['max_mib']
        if t > GOAL_SCALE_SECONDS or mem > GOAL_SCALE_MIB:
            w('**Goal missed**: %s and %.0f MiB against %.0f s and %.0f MB. The list is one ~%s-unit JSON'
              % (s(t), mem, GOAL_SCALE_SECONDS, GOAL_SCALE_MIB, format(sc['units'], ',')))
            w('document; the module parses it, copies each unit (`public_unit` deep-copies to drop any')
            w('password) and Ansible serialises the result, and the controller parses it again. Time')
            w('here includes that controller-side work, which `uri` pays as well (see the ratio).')
            w('')


def section_throughput(r, w):
    tp = r.get('throughput')
    if not tp:
        return
    w('## 6. Throughput under a rate limit')
    w('')
    w('Goal: zero failures, zero duplicates, makespan at most %.1f× the floor.' % GOAL_THROUGHPUT_RATIO)
    w('')
    w('An inventory of %d local hosts (`ansible_connection=local`), forks %d; one task per host loops'
      % (tp['hosts'], tp['forks']))
    w('`backupunit` over %d names, %d units in all, in the emulator\'s 2023 model (request tracking on,'
      % (tp['units_per_host'], tp['hosts'] * tp['units_per_host']))
    w('provisioning delay 0.2 s, asked for explicitly). Run once without a limit (what the machine can do)')
    w('and once with the emulator limiting to 600 requests per minute, burst 20 (a token bucket; a 429')
    w('carries `Retry-After`). Makespan: first host start to last host result.')
    w('Floor: the requests the emulator accepted (not 429) divided by the allowed 10 per second.%s'
      % load_note(tp))
    w('')
    w('| run | makespan | accepted requests | 429 answers | floor | makespan / floor | failed items (hosts) | units | duplicates | POSTs beyond one per unit |')
    w('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for label in THROUGHPUT_RUNS:
        run = tp['runs'].get(label)
        if not run:
            continue
        name = 'no limit' if label == 'unlimited' else '%d/min, burst %d' % (run['per_minute'], run['burst'])
        w('| %s | %s | %d | %d | %s | %s | %d (%d) | %d | %d | %d |' % (
            name, s(run['makespan'], 1), run['requests_accepted'], run['rate_limited_429'],
            s(run.get('floor'), 1) if run.get('floor') else '-', x(run.get('ratio')) if run.get('ratio') else '-',
            run['failures'], run.get('failed_hosts', 0), run['units'], run['duplicates'], max(0, run['extra_posts'])))
    w('')
    limited = tp['runs'].get('limited')
    if limited:
        by_count = sorted(limited['requests_by_shape'].items(), key=lambda kv: -kv[1])
        shapes = ', '.join('%d %s' % (n, shape) for shape, n in by_count)
        w('Accepted requests with the limit: %s.' % shapes)
        unlimited = tp['runs'].get('unlimited')
        status = 'GET /requests/{id}/status'
        if unlimited and limited['requests_by_shape'].get(status, 0) < unlimited['requests_by_shape'].get(status, 0):
            w('Fewer status polls than without the limit (%d): time spent waiting for a token is time the'
              % unlimited['requests_by_shape'][status])
            w('provisioning delay also runs.')
        w('')
        retry = (r.get('client_policies') or {}).get('retry')
        if retry:
            w('The 429 handling measured (`max_attempts_rate_limited=%d`, so the %g s sleep budget `total_max`'
              % (retry['max_attempts_rate_limited'], retry['total_max']))
            w('ends rate-limited retries, and `Retry-After` sleeps stretched to 100-150 %, so processes rejected')
            w('together do not return together) came from the previous run\'s findings: with 10 attempts and')
            w('exact `Retry-After` sleeps, 35 of 200 loop items failed under this limit.')
            w('')
        if not throughput_ok(limited):
            w('**Goal missed**: %d of %d loop items failed (%d units missing), %d duplicates, makespan %s the'
              % (limited['failures'], tp['hosts'] * tp['units_per_host'], limited['missing'],
                 limited['duplicates'] + max(0, limited['extra_posts']), x(limited['ratio'])))
            w('floor. Failure messages: `%s`. The goal stays as it is.'
              % '`; `'.join(limited.get('failure_messages') or ['-']))
            w('')
        else:
            w('Goal met: every unit created once, no task failed, the makespan %s the floor. No duplicates:'
              % x(limited['ratio']))
            w('a 429 is never applied, and a create whose answer is lost is read back before it is retried.')
            w('')


def throughput_ok(run):
    return (run['failures'] == 0 and run['duplicates'] == 0 and run['extra_posts'] <= 0 and run['missing'] == 0
            and run['ratio'] <= GOAL_THROUGHPUT_RATIO)


THROUGHPUT_RUNS = ('unlimited', 'limited')


def section_imports(r, w):
    im = r.get('imports')
    if not im:
        return
    w('## 7. Import cost')
    w('')
    w('Goal: the collection\'s own code costs at most %.0f ms to import and the chain pulls in nothing but'
      % GOAL_OWN_IMPORT_MS)
    w('ansible-core\'s module_utils, `requests` and the standard library.')
    w('')
    w('`python -X importtime -c "import <module>"` with the installed collection on `PYTHONPATH`, warm')
    w('`.pyc` caches, %d runs each. Importing is CPU-bound, so the fastest run is the one least disturbed' % im['runs'])
    w('by other work on the machine: it is the figure quoted, with its breakdown by the package that owns')
    w('each imported module (self time); the median shows how much the load inflated the rest. Whichever')
    w('module is imported first is charged for what the others share. AnsiballZ imports the same chain')
    w('from its zip.%s' % load_note(im))
    w('')
    groups = ['ionoscloud.backup', 'ansible.module_utils', 'requests + its dependencies', 'standard library']
    w('| import | fastest run | median | %s | other |' % ' | '.join(groups))
    w('| --- | --- | --- |%s --- |' % (' --- |' * len(groups)))
    for row in im['rows']:
        b = row['breakdown_ms']
        other = sum(v for k, v in b.items() if k not in groups)
        w('| `%s` | %.0f ms | %.0f ms | %s | %.0f ms |' % (
            row['label'], row.get('min_ms', row['median_ms']), row['median_ms'],
            ' | '.join(('%.1f ms' % b[g]) if g in b else '-' for g in groups), other))
    w('')
    w('What keeps it low: the modules import `AnsibleModule` and the collection\'s three small')
    w('module_utils, nothing else; the client imports `requests` (and with it urllib3, charset_normalizer,')
    w('idna, certifi, and the standard library\'s http, ssl and email packages) and only `json`, `re`,')
    w('`random`, `base64` and `email.utils` besides. No YAML, no SDK, no `ansible` controller code. `requests`')
    w('is the one runtime dependency and the largest share of the chain; every run of every module makes')
    w('an HTTP call, so importing it lazily would only help runs that fail on their options.')
    w('')


def shapes_text(by_shape):
    """'20 POST /backupunits, 7 GET /backupunits' from {shape: count} (404 answers noted apart)."""
    by_shape = dict(by_shape or {})
    not_found = by_shape.pop('404 answers', 0)
    parts = ['%d %s' % (n, shape) for shape, n in sorted(by_shape.items(), key=lambda kv: -kv[1]) if n]
    if not_found:
        parts.append('%d answered 404' % not_found)
    return ', '.join(parts)


def section_role(r, w):
    ro = r.get('role')
    if not ro:
        return
    delay = ro['emulator']['provisioning_delay']
    n = ro['units']
    w('## 8. The role against a loop')
    w('')
    w('Goal: for a list of %d units, with a provisioning delay of %g s, the role `ionoscloud.backup.backupunits`'
      % (n, delay))
    w('at least %.0f× faster than a play that loops `ionoscloud.backup.backupunit` over the same list'
      % GOAL_ROLE_SPEEDUP_FIRST)
    w('(`wait: true`) for the first run, which creates all %d, and at least %.0f× faster for an unchanged re-run.'
      % (n, GOAL_ROLE_SPEEDUP_UNCHANGED))
    w('')
    w('Two emulators, one per competitor, each started with `provisioning_delay=%g, request_tracking=False`:'
      % delay)
    w('today\'s untracked API with the `BUSY` window of the delayed model asked for explicitly (in the')
    w('default mode a write is finished when answered, and neither would wait). Each sees only its own units,')
    w('so the role has no undeclared units to report. Each round (%d) resets both emulators (no units), then'
      % ro['rounds'])
    w('one playbook runs the two first runs as two plays back to back, in alternating order, and a second')
    w('playbook runs the unchanged re-runs (%d of each), alternating. A run\'s time is its play\'s, from its first'
      % ro['reruns'])
    w('task\'s start to its last task\'s result: for the role its argument validation, the module task and')
    w('its (skipped) report task; for the loop the one looped task, %d module runs. After each playbook' % n)
    w('the bench checks that each emulator holds the %d units, once each, `AVAILABLE`, with their email, that'
      % n)
    w('first runs reported a change and re-runs did not.%s' % load_note(ro))
    w('')
    w('| run | role | loop | speed-up (ratio of medians) | per-round median | requests per run: role | loop |')
    w('| --- | --- | --- | --- | --- | --- | --- |')
    for phase, label in (('first', 'first run: create all %d' % n), ('unchanged', 'unchanged re-run')):
        c = ro['cases'][phase]
        w('| %s | %s | %s | **%s** | %s | %g | %g |' % (
            label, s(c['median']['role']), s(c['median']['loop']), x(c['speedup']), x(c['paired_speedup']),
            c['requests']['role'], c['requests']['loop']))
    w('')
    w('Samples: %d first runs and %d unchanged re-runs of each.' % (
        len(ro['samples']['first']['role']), len(ro['samples']['unchanged']['role'])))
    first = ro['cases']['first']
    unchanged = ro['cases']['unchanged']
    shapes = ro.get('first_run_requests') or {}
    w('')
    w('First run: the role reads the list once, sends the %d `POST`s one after another without waiting,' % n)
    w('then waits once for all of them, polling the list; the loop waits out the %g s for each unit in turn,'
      % delay)
    w('%s per unit (the loop\'s time / %d), so its time grows with the list and the role\'s does not.'
      % (s(first['median']['loop'] / n), n))
    if shapes.get('role') and shapes.get('loop'):
        w('What one first run sent (the last round): the role %s; the loop %s (each unit: list, `POST`, its'
          % (shapes_text(shapes['role']), shapes_text(shapes['loop'])))
        w('status URL, 404, then polls of the unit until `AVAILABLE`).')
    w('Unchanged re-run: the loop is %d module runs, each a whole task iteration for Ansible (%s each:' % (
        n, s(unchanged['median']['loop'] / n)))
    w('module transfer, interpreter start, importing `requests`, one list request); the role is one module run.')
    w('')
    missed = [(phase, goal) for phase, goal in (('first', GOAL_ROLE_SPEEDUP_FIRST),
                                                ('unchanged', GOAL_ROLE_SPEEDUP_UNCHANGED))
              if ro['cases'][phase]['speedup'] < goal]
    if missed:
        w('**Goal missed** for: %s. The goals stay as they are.' % ', '.join(
            '%s (%s against %.0f×)' % (phase, x(ro['cases'][phase]['speedup']), goal) for phase, goal in missed))
    else:
        w('Goal met: %s faster for the first run, %s for the unchanged re-run.' % (
            x(first['speedup']), x(unchanged['speedup'])))
    w('')


def section_role_requests(r, w):
    ro = r.get('role')
    if not ro:
        return
    exact = ro['unchanged_requests']
    w('## 9. Requests of an unchanged list')
    w('')
    w('Goal: an unchanged list of %d units through the role makes exactly %d API request.'
      % (ro['units'], GOAL_ROLE_UNCHANGED_REQUESTS))
    w('')
    w('After the rounds of section 8 (same emulators, the %d units in place), the emulator\'s log was' % ro['units'])
    w('cleared and one more playbook applied the role once; the same for the loop.')
    w('')
    w('| run | requests | what was sent | changed |')
    w('| --- | --- | --- | --- |')
    for who, label in (('role', 'the role, one run'), ('loop', 'the `backupunit` loop, one run')):
        e = exact[who]
        w('| %s | %d | %s | %s |' % (label, e['requests'], e['detail'], 'yes' if e['changed'] else 'no'))
    w('')
    role = exact['role']['requests']
    w('%s: the role\'s module reads the list once, finds every unit as declared and writes nothing.'
      % ('Goal met' if role == GOAL_ROLE_UNCHANGED_REQUESTS else '**Goal missed** (%d requests)' % role))
    w('The unchanged re-runs of section 8 agree: %g request per role run, %g per loop run.'
      % (ro['cases']['unchanged']['requests']['role'], ro['cases']['unchanged']['requests']['loop']))
    w('')


def role_throughput_ok(run):
    return (run['failures'] == 0 and run['duplicates'] == 0 and run['extra_posts'] <= 0 and run['missing'] == 0
            and run['ratio'] <= GOAL_ROLE_THROUGHPUT_RATIO)


def section_role_throughput(r, w):
    rt = r.get('role_throughput')
    if not rt:
        return
    n = rt['units']
    w('## 10. The role under a rate limit')
    w('')
    w('Goal: %d declared units through the role in one run under 600 requests per minute, burst 20: zero' % n)
    w('failures, zero duplicates (each name exists once afterwards), makespan at most %.1f× the floor.'
      % GOAL_ROLE_THROUGHPUT_RATIO)
    w('')
    w('One play applies the role to a list of %d new units. The emulator runs in its default mode' % n)
    w('(today\'s API: untracked, a write finished when answered), so the run is one list read and %d `POST`s' % n)
    w('with nothing to wait for. Run once without a limit (what the machine can do) and once with the')
    w('emulator limiting to 600 requests per minute, burst 20 (a token bucket; a 429 carries `Retry-After`,')
    w('1 s at this rate). Makespan: the play, from its first task\'s start to its last task\'s result')
    w('(argument validation, the module task, the skipped report task). Floor: the requests the emulator')
    w('accepted (not 429) divided by the allowed 10 per second.%s' % load_note(rt))
    w('')
    w('| run | makespan | accepted requests | 429 answers | floor | makespan / floor | failures | units | duplicates | POSTs beyond one per unit |')
    w('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for label in ('unlimited', 'limited'):
        run = rt['runs'].get(label)
        if not run:
            continue
        name = 'no limit' if label == 'unlimited' else '%d/min, burst %d' % (run['per_minute'], run['burst'])
        w('| %s | %s | %d | %d | %s | %s | %d | %d | %d | %d |' % (
            name, s(run['makespan'], 1), run['requests_accepted'], run['rate_limited_429'],
            s(run.get('floor'), 1) if run.get('floor') else '-', x(run.get('ratio')) if run.get('ratio') else '-',
            run['failures'], run['units'], run['duplicates'], max(0, run['extra_posts'])))
    w('')
    limited = rt['runs'].get('limited')
    if not limited:
        return
    by_count = sorted(limited['requests_by_shape'].items(), key=lambda kv: -kv[1])
    shapes = ', '.join('%d %s' % (c, shape) for shape, c in by_count)
    w('Accepted requests with the limit: %s. The first %d went through on the burst, so the bucket' % (
        shapes, limited['burst']))
    w('alone allows the run to end after %s (accepted requests less the burst, at 10 per second); the'
      % s(limited['floor_with_burst'], 1))
    w('makespan was %s, %s that.' % (s(limited['makespan'], 1), x(limited['makespan'] / limited['floor_with_burst'])))
    retry = (r.get('client_policies') or {}).get('retry')
    if retry:
        w('The one module process sends its requests one after another; after a 429 it sleeps 100-150 % of')
        w('`Retry-After` (1 s here), while 10-15 tokens accrue, fewer than the burst of 20, so no token is')
        w('lost while it sleeps. The retry budget, `RetryPolicy(max_attempts_rate_limited=%d, total_max=%g)`,'
          % (retry['max_attempts_rate_limited'], retry['total_max']))
        w('applies to each request on its own, not to the run.')
    w('')
    if role_throughput_ok(limited):
        w('Goal met: every unit created once, no failure, the makespan %s the floor.' % x(limited['ratio']))
    else:
        w('**Goal missed**: %d failures (%d units missing), %d duplicates, makespan %s the floor. Failure'
          % (limited['failures'], limited['missing'], limited['duplicates'] + max(0, limited['extra_posts']),
             x(limited['ratio'])))
        w('messages: `%s`. The goal stays as it is.' % '`; `'.join(limited.get('failure_messages') or ['-']))
    w('')


# ------------------------------------------------------------------------------ chart

def draw_chart(r, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(12, 12.75))
    fig.suptitle('ionoscloud.backup benchmarks (%s, %s CPUs)' % (r['machine']['date'], r['machine']['cpus']))

    ax = axes[0][0]
    pt = r.get('per_task')
    if pt:
        kinds = [k for k in ('ping', 'uri', 'info') if k in pt['samples']]
        ax.boxplot([[v * 1000 for v in pt['samples'][k]] for k in kinds], showfliers=False)
        ax.set_xticks(range(1, len(kinds) + 1))
        ax.set_xticklabels({'ping': 'builtin.ping', 'uri': 'builtin.uri', 'info': 'backupunit_info'}[k]
                           for k in kinds)
        ax.set_ylabel('task time, ms')
        ax.set_title('1. Per-task cost (%d interleaved rounds)' % pt['rounds'])
        ax.set_ylim(bottom=0)

    ax = axes[0][1]
    bh = r.get('by_hand')
    if bh:
        cases = ['unchanged', 'update', 'create']
        pos = range(len(cases))
        module = [bh['cases'][c]['median']['module'] for c in cases]
        uri = [bh['cases'][c]['median']['uri'] for c in cases]
        ax.bar([p - 0.2 for p in pos], module, 0.4, label='one backupunit task')
        ax.bar([p + 0.2 for p in pos], uri, 0.4, label='uri: list, decide, POST/PATCH, until')
        for p, c in zip(pos, cases):
            ax.text(p + 0.2, bh['cases'][c]['median']['uri'], ' %.1f×' % bh['cases'][c]['speedup'],
                    ha='center', va='bottom')
        ax.set_xticks(list(pos))
        ax.set_xticklabels(cases)
        ax.set_ylabel('job time, s (median)')
        ax.set_title('2. "Ensure unit X with email Y"')
        ax.legend(loc='upper left', fontsize=8)

    ax = axes[1][0]
    wt = r.get('waiting')
    client = (wt or {}).get('client_level') or {}
    if wt:
        labels, values = [], []
        for mode in ('on', 'off'):
            if client.get(mode):
                labels.append('tracking %s\nwait alone' % mode)
                values.append(client[mode]['overhead'])
            if wt['modes'].get(mode):
                labels.append('tracking %s\nwhole task' % mode)
                values.append(wt['modes'][mode]['overhead'])
        bars = ax.bar(range(len(values)), values, color=['tab:red' if v > GOAL_WAIT_OVERHEAD else 'tab:green'
                                                         for v in values])
        for rect in bars:
            ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height(), '%.2f s' % rect.get_height(),
                    ha='center', va='bottom')
        ax.axhline(GOAL_WAIT_OVERHEAD, color='black', linestyle='--', linewidth=1, label='goal %.1f s' % GOAL_WAIT_OVERHEAD)
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel('wait beyond the 2 s delay, s')
        ax.set_title('4. Waiting overhead, 2 s provisioning')
        ax.legend(fontsize=8)

    ax = axes[1][1]
    tp = r.get('throughput')
    if tp:
        total = tp['hosts'] * tp['units_per_host']
        for label, style in zip(THROUGHPUT_RUNS, ('tab:blue', 'tab:orange')):
            run = tp['runs'].get(label)
            if not run:
                continue
            times = run['item_times']
            name = 'no limit' if label == 'unlimited' else '%d/min, burst %d' % (run['per_minute'], run['burst'])
            if run['failures']:
                name += ' (%d failed)' % run['failures']
            ax.step([0] + times, range(0, len(times) + 1), where='post', color=style, label=name)
        limited = tp['runs'].get('limited')
        if limited:
            ax.plot([0, limited['floor']], [0, total], color='black', linestyle='--', linewidth=1,
                    label='floor (accepted requests at 10/s)')
            ax.plot([0, limited['floor'] * GOAL_THROUGHPUT_RATIO], [0, total], color='grey', linestyle=':',
                    linewidth=1, label='goal: 1.3× floor')
        ax.set_xlabel('seconds since the task started')
        ax.set_ylabel('units created')
        ax.set_title('6. %d hosts × %d units, forks %d' % (tp['hosts'], tp['units_per_host'], tp['forks']))
        ax.legend(fontsize=8, loc='lower right')

    ax = axes[2][0]
    ro = r.get('role')
    if ro:
        phases = ['first', 'unchanged']
        pos = range(len(phases))
        role = [ro['cases'][p]['median']['role'] for p in phases]
        loop = [ro['cases'][p]['median']['loop'] for p in phases]
        ax.bar([p - 0.2 for p in pos], role, 0.4, label='role backupunits (one module run)', color='tab:green')
        ax.bar([p + 0.2 for p in pos], loop, 0.4, label='loop of backupunit (%d module runs)' % ro['units'],
               color='tab:grey')
        for p, phase in zip(pos, phases):
            c = ro['cases'][phase]
            ax.text(p + 0.2, c['median']['loop'], ' %.1f×' % c['speedup'], ha='center', va='bottom')
            ax.text(p - 0.2, c['median']['role'], '%.1f s' % c['median']['role'], ha='center', va='bottom',
                    fontsize=8)
        ax.set_yscale('log')
        ax.set_xticks(list(pos))
        ax.set_xticklabels(['first run: create %d\nrequests: role %g, loop %g' % (
            ro['units'], ro['cases']['first']['requests']['role'], ro['cases']['first']['requests']['loop']),
            'unchanged re-run\nrequests: role %d, loop %d' % (
                ro['unchanged_requests']['role']['requests'], ro['unchanged_requests']['loop']['requests'])],
            fontsize=8)
        ax.set_ylabel('run time, s (median, log scale)')
        ax.set_title('8./9. Role vs loop, %d units, %g s provisioning (goal ≥ %.0f×)' % (
            ro['units'], ro['emulator']['provisioning_delay'], GOAL_ROLE_SPEEDUP_FIRST))
        ax.legend(loc='upper right', fontsize=8)
        ax.set_ylim(top=max(loop) * 4)

    ax = axes[2][1]
    rt = r.get('role_throughput')
    if rt:
        labels, values, colors = [], [], []
        unlimited, limited = rt['runs'].get('unlimited'), rt['runs'].get('limited')
        if unlimited:
            labels.append('no limit')
            values.append(unlimited['makespan'])
            colors.append('tab:blue')
        if limited:
            limited_label = '%d/min, burst %d\n(%d accepted, %d × 429)' % (
                limited['per_minute'], limited['burst'], limited['requests_accepted'], limited['rate_limited_429'])
            labels += [limited_label, 'floor\n(accepted at 10/s)', 'goal\n(%.1f× floor)' % GOAL_ROLE_THROUGHPUT_RATIO]
            values += [limited['makespan'], limited['floor'], limited['floor'] * GOAL_ROLE_THROUGHPUT_RATIO]
            colors += ['tab:green' if role_throughput_ok(limited) else 'tab:red', 'black', 'lightgrey']
        bars = ax.barh(range(len(values)), values, color=colors)
        for rect in bars:
            ax.text(rect.get_width(), rect.get_y() + rect.get_height() / 2, ' %.1f s' % rect.get_width(),
                    va='center', fontsize=8)
        ax.set_yticks(range(len(values)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(right=max(values) * 1.2)
        ax.set_xlabel('seconds (makespan of the role run)')
        ax.set_title('10. %d units through the role, one run' % rt['units'])

    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return os.path.basename(path)


if __name__ == '__main__':
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'build', 'bench', 'results.json')
    with open(source, encoding='utf-8') as handle:
        data = json.load(handle)
    write(data, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'docs'))
