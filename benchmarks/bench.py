# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup benchmark suite (`make bench`); results go to docs/performance.md.

Everything runs against the API emulator (tests/mock_api/server.py) on loopback, with an
installed build of the collection (ansible-galaxy collection build + offline install into a
scratch collections path), driven through real `ansible-playbook` / `ansible` runs. What is built,
and whose emulator runs, is the commit HEAD (exported with git archive: others may be editing the
working tree), or with --from-worktree the working tree as it is. Per-task
times come from the benchmark callback benchmarks/callback_plugins/bench_timer.py.

Sections (the numbers of issue 7):
  per_task    1. backupunit_info vs ansible.builtin.uri vs ansible.builtin.ping, interleaved
  by_hand     2. one backupunit task vs the same job written with uri (create, update, unchanged)
  requests    3. requests per operation, from the emulator's log
  waiting     4. waiting overhead with a 2 s provisioning delay, request tracking on and off
  scale       5. backupunit_info over 10,000 units: task time and module peak memory
  throughput  6. 20 hosts x 10 units under a 600/min, burst 20 rate limit
  imports     7. python -X importtime of each module's import chain
  role        8. the role backupunits vs a loop of backupunit, 20 units, 2 s provisioning (untracked):
                 first run and unchanged re-run; 9. the requests of an unchanged list (issue 12)
  role_throughput
              10. 200 units through the role under a 600/min, burst 20 rate limit (issue 12)

usage: make bench [BENCH_ARGS=...], or, in a venv with ansible-core and requests:
       bench.py [--quick] [--only SECTION,...] [--results FILE] [--render-only] [--from-worktree]
Benchmarks measure; they never fail because the machine is slow. They fail only when something
is wrong (a task failed, a unit is missing, a request was not answered).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import http.client
import importlib.util
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from urllib.parse import urlsplit

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'mock_api'))

from harness import Emulator  # noqa: E402  (tests/mock_api, stdlib only)

SECTIONS = ('per_task', 'by_hand', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role',
            'role_throughput')
MODULES = ('backupunit', 'backupunit_info', 'backupunit_sso_url', 'backupunits')
UNIT_PASSWORD = 'Bench-pass-2025'
RUN_NUMBERS = itertools.count(1)       # one sequence for every Ansible run, so no log file is reused


class BenchError(RuntimeError):
    """Something went wrong (not: something was slow)."""


def log(message):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def median(values):
    return statistics.median(values) if values else None


def quartiles(values):
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


# ------------------------------------------------------------------------------ emulator helpers

class KeepAlive:
    """One keep-alive HTTP connection to the emulator, for seeding many units quickly."""

    def __init__(self, emu):
        parts = urlsplit(emu.url)
        self.prefix = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers = emu.auth_header()

    def request(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers['Content-Type'] = 'application/json'
        self.conn.request(method, self.prefix + path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, (json.loads(payload) if payload else None)

    def close(self):
        self.conn.close()


def seed_units(emu, names, email='seed@example.com'):
    """Create units directly through the API (not through the collection); returns name -> id."""
    client = KeepAlive(emu)
    ids = {}
    try:
        for name in names:
            status, body = client.request('POST', '/backupunits', {'properties': {
                'name': name, 'email': email, 'password': UNIT_PASSWORD}})
            if status != 202:
                raise BenchError('seeding unit %s: HTTP %s %s' % (name, status, body))
            ids[name] = body['id']
        # requests finish lazily, at the next access after their due time
        deadline = time.monotonic() + 60
        while True:
            status, body = client.request('GET', '/backupunits?depth=1&pretty=false')
            busy = [u for u in body['items'] if u['metadata']['state'] != 'AVAILABLE']
            if not busy:
                break
            if time.monotonic() > deadline:
                raise BenchError('%d seeded units did not become AVAILABLE' % len(busy))
            time.sleep(0.05)
    finally:
        client.close()
    return ids


def units_by_name(emu):
    result = {}
    for unit in emu.units():
        result.setdefault(unit['name'], []).append(unit)      # flat records: id, name, email, state...
    return result


_ID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


def request_shape(entry):
    """'GET /backupunits/{id}' for a log entry (base path and ids folded)."""
    path = entry['path'].split('/cloudapi/v6', 1)[-1]
    return '%s %s' % (entry['method'], _ID_RE.sub('{id}', path))


def summarize_requests(entries):
    """'GET /backupunits, POST /backupunits, 3x GET /requests/{id}/status' (runs folded, in order)."""
    parts = []
    for entry in entries:
        shape = request_shape(entry)
        if entry['status'] is not None and entry['status'] >= 400:
            shape += ' (%s)' % entry['status']
        if parts and parts[-1][0] == shape:
            parts[-1][1] += 1
        else:
            parts.append([shape, 1])
    return ', '.join(('%dx %s' % (n, s)) if n > 1 else s for s, n in parts)


# ------------------------------------------------------------------------------ running Ansible

class Events:
    """The callback's records of one run."""

    def __init__(self, records):
        self.records = records

    def spans(self):
        """[(host, task name, start, end, end event, record)] for every finished task/host."""
        starts = {}
        out = []
        for rec in self.records:
            key = (rec.get('host'), rec.get('uuid'))
            if rec['event'] == 'start':
                starts[key] = rec['t']
            elif rec['event'] in ('ok', 'failed', 'skipped') and key in starts:
                out.append((rec['host'], rec['task'], starts.pop(key), rec['t'], rec['event'], rec))
        return out

    def durations(self):
        """task name -> seconds (single-host runs; task names are unique)."""
        return {task: end - start for _host, task, start, end, _ev, _rec in self.spans()}

    def failures(self):
        return [rec for rec in self.records if rec['event'] in ('failed', 'item_failed')]

    def plays(self):
        """play name -> (seconds from its first task's start to its last task's result, its spans).

        Plays run one after another, so a task belongs to the last play that started before it.
        Play names must be unique within the run.
        """
        marks = [(rec['t'], rec['play']) for rec in self.records if rec['event'] == 'play']
        if len({name for _t, name in marks}) != len(marks):
            raise BenchError('play names are not unique: %s' % [name for _t, name in marks])
        members = {}
        for span in self.spans():
            name = None
            for started, play_name in marks:
                if started <= span[2]:
                    name = play_name
            members.setdefault(name, []).append(span)
        return {name: (max(sp[3] for sp in spans) - min(sp[2] for sp in spans), spans)
                for name, spans in members.items()}

    def results(self):
        return {task: rec for _host, task, _s, _e, _ev, rec in self.spans()}


class Ansible:
    """Runs ansible-playbook / ansible with the installed collection and the timing callback."""

    def __init__(self, work, python, collections_path):
        self.work = work
        self.python = python
        self.bindir = os.path.dirname(python)
        self.collections_path = collections_path
        self.inventory = self.write_inventory('localhost', ['localhost'])

    def write_inventory(self, name, hosts, interpreter=None):
        path = os.path.join(self.work, 'inventory-%s.ini' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            for host in hosts:
                handle.write('%s ansible_connection=local ansible_python_interpreter=%s\n'
                             % (host, interpreter or self.python))
        return path

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(('IONOS_', 'ANSIBLE_'))}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections_path,
            ANSIBLE_HOME=os.path.join(self.work, 'ansible_home'),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH_DIR, 'callback_plugins'),
            ANSIBLE_CALLBACKS_ENABLED='bench_timer',
            ANSIBLE_LOAD_CALLBACK_PLUGINS='1',
            ANSIBLE_LOCALHOST_WARNING='false',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_RETRY_FILES_ENABLED='false',
            ANSIBLE_DEPRECATION_WARNINGS='false',
            ANSIBLE_FORKS='5',
        )
        env.update(extra or {})
        return env

    def _run(self, name, command, extra_env, allow_failures=False):
        stem = os.path.join(self.work, '%03d-%s' % (next(RUN_NUMBERS), name))
        timer = stem + '.events.jsonl'
        env = self.env(extra_env)
        env['BENCH_TIMER_FILE'] = timer
        with open(stem + '.log', 'w', encoding='utf-8') as out:
            started = time.monotonic()
            status = subprocess.call(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.work)
            wall = time.monotonic() - started
        records = []
        if os.path.exists(timer):
            with open(timer, encoding='utf-8') as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        events = Events(records)
        if allow_failures and status in (0, 2):
            return events, wall         # failed tasks are a measured result here
        if status != 0 or events.failures():
            with open(stem + '.log', encoding='utf-8') as handle:
                tail = handle.read()[-3000:]
            raise BenchError('%s failed (exit %s); log %s.log:\n%s' % (name, status, stem, tail))
        return events, wall

    def playbook(self, name, plays, inventory=None, extra_env=None, args=(), allow_failures=False):
        path = os.path.join(self.work, '%s.yml' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(plays, handle, indent=1)       # JSON is YAML
        command = [os.path.join(self.bindir, 'ansible-playbook'), '-i', inventory or self.inventory, path]
        return self._run(name, command + list(args), extra_env, allow_failures)

    def adhoc(self, name, module, module_args, check=False, extra_env=None):
        command = [os.path.join(self.bindir, 'ansible'), 'localhost', '-i', self.inventory, '-m', module]
        if module_args:     # an empty '-a {}' would be taken as a raw parameter
            command += ['-a', json.dumps(module_args)]
        if check:
            command.append('--check')
        events, _wall = self._run(name, command, extra_env)
        spans = events.spans()
        if len(spans) != 1:
            raise BenchError('%s: expected one task result, got %d' % (name, len(spans)))
        _host, _task, start, end, _event, record = spans[0]
        return end - start, record


def module_defaults(emu):
    return {'group/ionoscloud.backup.all': {
        'api_url': emu.url, 'username': emu.username, 'password': emu.password}}


def auth_env(emu):
    return {'IONOS_API_URL': emu.url, 'IONOS_USERNAME': emu.username, 'IONOS_PASSWORD': emu.password}


def uri_auth(emu):
    return {'url_username': emu.username, 'url_password': emu.password, 'force_basic_auth': True}


def play(emu, tasks, hosts='localhost'):
    return [{'name': 'benchmark', 'hosts': hosts, 'gather_facts': False,
             'module_defaults': module_defaults(emu), 'tasks': tasks}]


def rotate(items, n):
    n %= len(items)
    return list(items[n:]) + list(items[:n])


# ------------------------------------------------------------------------------ 1. per-task cost

def bench_per_task(ctx):
    rounds = ctx.rounds
    kinds = ['ping', 'uri'] + (['info'] if ctx.has('backupunit_info') else [])
    with Emulator(provisioning_delay=0.2, request_tracking=True) as emu:
        seed_units(emu, ['pertask-%02d' % i for i in range(20)])
        tasks = []
        list_url = emu.url + '/backupunits?depth=1&pretty=false'
        task_of = {
            'ping': lambda: {'ansible.builtin.ping': {}},
            'uri': lambda: {'ansible.builtin.uri': dict(url=list_url, **uri_auth(emu))},
            'info': lambda: {'ionoscloud.backup.backupunit_info': {}},
        }
        labels = ['w%d' % i for i in range(ctx.warmup)] + ['r%02d' % i for i in range(rounds)]
        for index, label in enumerate(labels):
            for kind in rotate(kinds, index):
                task = task_of[kind]()
                task['name'] = '%s %s' % (label, kind)
                tasks.append(task)
        emu.clear_log()
        events, _wall = ctx.ansible.playbook('per_task', play(emu, tasks))
        gets = [e for e in emu.log() if request_shape(e) == 'GET /backupunits']
        expected = len(labels) * (len(kinds) - 1)
        if len(gets) != expected:
            raise BenchError('per_task: expected %d list requests, the emulator saw %d' % (expected, len(gets)))
    durations = events.durations()
    samples = {kind: [durations['r%02d %s' % (i, kind)] for i in range(rounds)] for kind in kinds}
    result = {'rounds': rounds, 'warmup': ctx.warmup, 'units': 20, 'samples': samples,
              'median': {k: median(v) for k, v in samples.items()},
              'iqr': {k: quartiles(v) for k, v in samples.items()}}
    m = result['median']
    result['ratio_uri_ping'] = m['uri'] / m['ping']
    if 'info' in m:
        result['ratio_info_uri'] = m['info'] / m['uri']
        result['ratio_info_ping'] = m['info'] / m['ping']
        # paired per round: the rounds ran back to back, so the pair shares the machine's state
        result['paired_ratio_info_uri'] = median([i / u for i, u in zip(samples['info'], samples['uri'])])
    return result


# ------------------------------------------------------------------------------ 2. by hand

def uri_job(emu, tag, name, email):
    """The shortest correct 'ensure unit NAME exists with EMAIL' with ansible.builtin.uri."""
    auth = uri_auth(emu)
    api = emu.url
    return [
        {'name': tag + ': list', 'register': 'listing',
         'ansible.builtin.uri': dict(url=api + '/backupunits?depth=1', **auth)},
        {'name': tag + ': decide', 'ansible.builtin.set_fact': {
            'existing': "{{ listing.json['items'] | selectattr('properties.name', 'equalto', '%s') "
                        "| first | default(none) }}" % name}},
        {'name': tag + ': create', 'register': 'created', 'no_log': True, 'when': 'existing is none',
         'ansible.builtin.uri': dict(url=api + '/backupunits', method='POST', body_format='json', status_code=202,
                                     body={'properties': {'name': name, 'email': email,
                                                          'password': UNIT_PASSWORD}}, **auth)},
        {'name': tag + ': update', 'register': 'updated',
         'when': "existing is not none and existing.properties.email != '%s'" % email,
         'ansible.builtin.uri': dict(url=api + '/backupunits/{{ existing.id }}', method='PATCH',
                                     body_format='json', status_code=202,
                                     body={'name': name, 'email': email}, **auth)},
        {'name': tag + ': wait', 'register': 'request_status',
         'when': 'created is not skipped or updated is not skipped',
         'until': "request_status.json.metadata.status == 'DONE'", 'retries': 120, 'delay': 1,
         'ansible.builtin.uri': dict(url='{{ (created if created is not skipped else updated).location }}', **auth)},
    ]


def module_job(tag, name, email):
    return [{'name': tag + ': backupunit', 'ionoscloud.backup.backupunit': {
        'name': name, 'email': email, 'backupunit_password': UNIT_PASSWORD}}]


def job_spans(events):
    """job tag -> (seconds from its first task's start to its last task's end, tasks that changed)."""
    jobs = {}
    for _host, task, start, end, event, rec in events.spans():
        tag = task.split(':', 1)[0]
        first, last, changed = jobs.get(tag, (start, end, 0))
        jobs[tag] = (min(first, start), max(last, end), changed + (1 if rec.get('changed') else 0))
    return {tag: (last - first, changed) for tag, (first, last, changed) in jobs.items()}


def bench_by_hand(ctx):
    rounds = ctx.rounds
    cases = ('create', 'update', 'unchanged')
    with Emulator(provisioning_delay=0.2, request_tracking=True) as emu:  # the 'provisioning_delay' the result reports
        seed_units(emu, ['steady-module', 'steady-uri'], email='same@example.com')
        seed_units(emu, ['upd-%s-%02d' % (v, r) for v in ('module', 'uri') for r in range(-ctx.warmup, rounds)],
                   email='old@example.com')
        tasks = []
        for r in range(-ctx.warmup, rounds):
            label = ('w%d' % -r) if r < 0 else 'r%02d' % r
            for case in cases:
                email = 'same@example.com' if case == 'unchanged' else 'new-%s@example.com' % case
                jobs = {}
                for variant in ('module', 'uri'):
                    name = {'create': 'new-%s-%02d' % (variant, r), 'update': 'upd-%s-%02d' % (variant, r),
                            'unchanged': 'steady-%s' % variant}[case]
                    tag = '%s %s %s' % (label, case, variant)
                    jobs[variant] = module_job(tag, name, email) if variant == 'module' \
                        else uri_job(emu, tag, name, email)
                for variant in rotate(['module', 'uri'], r):
                    tasks.extend(jobs[variant])
            # the floor of any module task, measured in the same rounds
            tasks.append({'name': '%s floor: ping' % label, 'ansible.builtin.ping': {}})
        events, _wall = ctx.ansible.playbook('by_hand', play(emu, tasks))
        units = units_by_name(emu)
    # the jobs must have done their job
    for r in range(-ctx.warmup, rounds):
        for variant in ('module', 'uri'):
            for name, email in (('new-%s-%02d' % (variant, r), 'new-create@example.com'),
                                ('upd-%s-%02d' % (variant, r), 'new-update@example.com')):
                found = units.get(name) or []
                if len(found) != 1 or found[0].get('email') != email:
                    raise BenchError('by_hand: unit %s is %r, expected one with email %s' % (name, found, email))
    spans = job_spans(events)
    # how often the hand-written `until` polled (1 = the request was DONE at the first look)
    wait_attempts = {}
    for _host, task, _start, _end, event, rec in events.spans():
        if task.endswith(' uri: wait') and event == 'ok' and task.startswith('r'):
            wait_attempts.setdefault(task.split()[1], []).append(rec.get('attempts', 1))
    result = {'rounds': rounds, 'warmup': ctx.warmup, 'provisioning_delay': 0.2, 'uri_poll_delay': 1,
              'cases': {}, 'ping_median': median([spans['r%02d floor' % r][0] for r in range(rounds)])}
    for case in cases:
        samples = {v: [spans['r%02d %s %s' % (r, case, v)][0] for r in range(rounds)] for v in ('module', 'uri')}
        changed = {v: spans['r00 %s %s' % (case, v)][1] > 0 for v in ('module', 'uri')}
        m = {v: median(s) for v, s in samples.items()}
        result['cases'][case] = {'samples': samples, 'median': m, 'changed': changed,
                                 'uri_wait_attempts': wait_attempts.get(case, []),
                                 'speedup': m['uri'] / m['module'],
                                 'paired_speedup': median([u / mo for u, mo in zip(samples['uri'], samples['module'])])}
    return result


# ------------------------------------------------------------------------------ 3. requests per operation

def bench_requests(ctx):
    ops = []
    if ctx.has('backupunit'):
        unit = {'name': 'req-unit', 'email': 'a@example.com', 'backupunit_password': UNIT_PASSWORD}
        ops += [
            ('create', 'backupunit', unit, False),
            ('unchanged', 'backupunit', unit, False),
            ('update (email)', 'backupunit', dict(unit, email='b@example.com'), False),
            ('update_password: always', 'backupunit',
             dict(unit, email='b@example.com', backupunit_password='Other-pass-2025', update_password='always'), False),
            ('check mode: create', 'backupunit', dict(unit, name='req-other'), True),
            ('check mode: update', 'backupunit', dict(unit, email='c@example.com'), True),
        ]
    if ctx.has('backupunit_info'):
        ops += [
            ('info: all units', 'backupunit_info', {}, False),
            ('info: by name', 'backupunit_info', {'name': 'req-unit'}, False),
            ('info: by id', 'backupunit_info', {'id': '<id>'}, False),
        ]
    if ctx.has('backupunit_sso_url'):
        ops += [
            ('SSO URL: by name', 'backupunit_sso_url', {'name': 'req-unit'}, False),
            ('SSO URL: by id', 'backupunit_sso_url', {'id': '<id>'}, False),
        ]
    if ctx.has('backupunit'):
        ops += [
            ('delete', 'backupunit', {'name': 'req-unit', 'state': 'absent'}, False),
            ('absent when missing', 'backupunit', {'name': 'req-unit', 'state': 'absent'}, False),
        ]
    # Today's API, the emulator's default (untracked, a write finished when it is answered): the
    # figures and the goal. Then the same operations in the 2023 model (tracked requests, 0.2 s
    # provisioning), which the figures of earlier runs came from, to show what the default changed.
    rows = request_rows(ctx, ops, {})
    delayed = request_rows(ctx, ops, DELAYED_REQUESTS_MODEL)
    missing = [m for m in MODULES if not ctx.has(m)]
    return {'mode': 'default', 'rows': rows, 'delayed_model': dict(DELAYED_REQUESTS_MODEL, rows=delayed),
            'missing_modules': missing}


DELAYED_REQUESTS_MODEL = {'provisioning_delay': 0.2, 'request_tracking': True}


def request_rows(ctx, ops, emulator_options):
    """One ad-hoc run per operation against an emulator started with `emulator_options`
    (none: its default mode); the requests each sent, from the emulator's log."""
    rows = []
    with Emulator(**emulator_options) as emu:
        seed_units(emu, ['req-neighbour-%d' % i for i in range(3)])
        unit_id = None
        for label, module, args, check in ops:
            if unit_id is None:
                found = units_by_name(emu).get('req-unit')
                unit_id = found[0]['id'] if found else None
            args = {k: (unit_id if v == '<id>' else v) for k, v in args.items()}
            emu.clear_log()
            seconds, record = ctx.ansible.adhoc('requests', 'ionoscloud.backup.' + module, args,
                                                check=check, extra_env=auth_env(emu))
            entries = emu.log()
            if any(e['status'] is None or e['status'] >= 400 and e['status'] != 404 for e in entries):
                raise BenchError('requests: %s got an error answer: %s' % (label, entries))
            rows.append({'operation': label, 'module': module, 'check': check, 'changed': record.get('changed'),
                         'requests': len(entries), 'detail': summarize_requests(entries), 'seconds': seconds,
                         'status_polls': sum(1 for e in entries if request_shape(e) == 'GET /requests/{id}/status'
                                             and e['status'] == 200)})
    return rows


# ------------------------------------------------------------------------------ 4. waiting

def client_policies(ctx):
    """The installed client's default poll and retry policies: what every module run uses."""
    sys.path.insert(0, ctx.collections_path)
    try:
        from ansible_collections.ionoscloud.backup.plugins.module_utils import _client
    finally:
        sys.path.remove(ctx.collections_path)
    poll = _client.PollPolicy()
    retry = _client.RetryPolicy()
    return {'poll': {'initial': poll.initial, 'factor': poll.factor, 'maximum': poll.maximum},
            'retry': {'max_attempts_rate_limited': retry.max_attempts_rate_limited,
                      'retry_after_max': retry.retry_after_max, 'total_max': retry.total_max}}


def bench_waiting(ctx):
    delay = 2.0
    rounds = ctx.wait_rounds
    result = {'provisioning_delay': delay, 'rounds': rounds, 'modes': {}}
    with Emulator() as emu:
        for mode, tracking in (('on', True), ('off', False)):
            emu.configure(request_tracking=tracking)
            samples = {0.0: [], delay: []}
            polls = {0.0: [], delay: []}
            details = {}
            for r in range(rounds):
                for d in rotate([0.0, delay], r):
                    emu.configure(provisioning_delay=d)
                    emu.clear_log()
                    name = 'wait-%s-%s-%02d' % (mode, d, r)
                    seconds, record = ctx.ansible.adhoc('waiting', 'ionoscloud.backup.backupunit', {
                        'name': name, 'email': 'w@example.com', 'backupunit_password': UNIT_PASSWORD},
                        extra_env=auth_env(emu))
                    if not record.get('changed'):
                        raise BenchError('waiting: create of %s reported no change' % name)
                    entries = emu.log()
                    shapes = [request_shape(e) for e in entries]
                    post = shapes.index('POST /backupunits')
                    after = entries[post + 1:]
                    status_polls = [e for e in after if request_shape(e) == 'GET /requests/{id}/status']
                    unit_reads = [e for e in after if request_shape(e) == 'GET /backupunits/{id}']
                    if tracking:
                        # polls of the request's status; the one GET of the unit afterwards is the result
                        count = len(status_polls)
                    else:
                        # one 404 from the status URL, then the unit is polled until AVAILABLE
                        count = len(status_polls) + len(unit_reads)
                    samples[d].append(seconds)
                    polls[d].append(count)
                    details[d] = summarize_requests(after)
            overhead = [t2 - t0 - delay for t0, t2 in zip(samples[0.0], samples[delay])]
            result['modes'][mode] = {
                'samples_0': samples[0.0], 'samples_2': samples[delay],
                'median_0': median(samples[0.0]), 'median_2': median(samples[delay]),
                'overhead': median(overhead), 'overhead_samples': overhead,
                'task_minus_delay': median(samples[delay]) - delay,
                'polls_2': median(polls[delay]), 'polls_2_max': max(polls[delay]), 'polls_0': median(polls[0.0]),
                'requests_after_post_2': details[delay], 'requests_after_post_0': details[0.0]}
    result['client_level'] = client_level_waits(ctx, delay, rounds)
    return result


def client_level_waits(ctx, delay, rounds):
    """The wait alone, without Ansible: POST a unit, then time BackupUnitResource._wait (the
    installed collection's code, real HTTP, its default poll policy)."""
    sys.path.insert(0, ctx.collections_path)
    try:
        from ansible_collections.ionoscloud.backup.plugins.module_utils import _client, _backupunit
    finally:
        sys.path.remove(ctx.collections_path)

    class ModuleStub:       # what _wait reads from the module
        params = {'wait_timeout': 600}

    out = {}
    with Emulator(provisioning_delay=delay) as emu:
        for mode, tracking in (('on', True), ('off', False)):
            emu.configure(request_tracking=tracking)
            client = _client.ApiClient(api_url=emu.url, username=emu.username, password=emu.password)
            resource = _backupunit.BackupUnitResource(ModuleStub(), client=client)
            overheads, polls = [], []
            for r in range(rounds):
                response = client.post('/backupunits', {'properties': {
                    'name': 'cw-%s-%d' % (mode, r), 'password': UNIT_PASSWORD}})
                accepted = time.monotonic()
                emu.clear_log()
                unit = resource._wait(response.body['id'], response.location)     # pylint: disable=protected-access
                overheads.append(time.monotonic() - accepted - delay)
                if unit is None or _backupunit.unit_state(unit) != 'AVAILABLE':
                    raise BenchError('client-level wait returned %r' % (unit,))
                entries = emu.log()
                # tracking on: status polls (the final GET of the unit is the result, not a poll)
                polls.append(sum(1 for e in entries if request_shape(e) == 'GET /requests/{id}/status')
                             + (0 if tracking else sum(1 for e in entries
                                                       if request_shape(e) == 'GET /backupunits/{id}')))
            out[mode] = {'overhead': median(overheads), 'overhead_max': max(overheads), 'polls': median(polls),
                         'polls_max': max(polls)}
    return out


# ------------------------------------------------------------------------------ 5. scale

def write_maxrss_interpreter(ctx):
    path = os.path.join(ctx.work, 'python-maxrss')
    with open(path, 'w', encoding='utf-8') as handle:
        script = os.path.join(BENCH_DIR, 'maxrss.py')
        handle.write('#!/bin/sh\nexec "%s" "%s" "%s" "$@"\n' % (ctx.python, script, ctx.python))
    os.chmod(path, 0o755)
    return path


def bench_scale(ctx):
    count = ctx.scale_units
    rounds = ctx.scale_rounds
    kinds = ['uri', 'ping'] + (['info'] if ctx.has('backupunit_info') else []) \
        + (['unit_unchanged'] if ctx.has('backupunit') else [])
    with Emulator(provisioning_delay=0) as emu:
        started = time.monotonic()
        seed_units(emu, ['scale-%05d' % i for i in range(count)])
        seed_seconds = time.monotonic() - started
        list_url = emu.url + '/backupunits?depth=1&pretty=false'
        task_of = {
            'ping': lambda: {'ansible.builtin.ping': {}},
            'uri': lambda: {'ansible.builtin.uri': dict(url=list_url, **uri_auth(emu))},
            'info': lambda: {'ionoscloud.backup.backupunit_info': {}},
            'unit_unchanged': lambda: {'ionoscloud.backup.backupunit': {
                'name': 'scale-%05d' % (count // 2), 'email': 'seed@example.com'}},
        }
        tasks = []
        if 'info' in kinds:
            tasks += [{'name': 'check info', 'register': 'listed', 'ionoscloud.backup.backupunit_info': {}},
                      {'name': 'check count', 'ansible.builtin.assert': {
                          'that': ['listed.backupunits | length == %d' % count], 'quiet': True}}]
        labels = ['w0'] + ['r%02d' % i for i in range(rounds)]
        for index, label in enumerate(labels):
            for kind in rotate(kinds, index):
                task = task_of[kind]()
                task['name'] = '%s %s' % (label, kind)
                tasks.append(task)
        events, _wall = ctx.ansible.playbook('scale_time', play(emu, tasks))
        durations = events.durations()
        samples = {k: [durations['r%02d %s' % (i, k)] for i in range(rounds)] for k in kinds}

        # peak memory: the same tasks with the interpreter wrapped by maxrss.py (separate runs,
        # so the wrapper's own start-up does not count in the times above)
        wrapper = write_maxrss_interpreter(ctx)
        inventory = ctx.ansible.write_inventory('maxrss', ['localhost'], interpreter=wrapper)
        rss_file = os.path.join(ctx.work, 'maxrss.jsonl')
        if os.path.exists(rss_file):
            os.remove(rss_file)
        tasks = []
        for index in range(ctx.memory_rounds):
            for kind in rotate(kinds, index):
                task = task_of[kind]()
                task['name'] = 'm%d %s' % (index, kind)
                tasks.append(task)
        ctx.ansible.playbook('scale_memory', play(emu, tasks), inventory=inventory,
                             extra_env={'BENCH_MAXRSS_FILE': rss_file})
    module_of = {'ping': 'ping', 'uri': 'uri', 'info': 'backupunit_info', 'unit_unchanged': 'backupunit'}
    with open(rss_file, encoding='utf-8') as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    memory = {}
    for kind in kinds:
        values = [r['maxrss_kb'] / 1024.0 for r in records if r['module'] == module_of[kind]]
        if len(values) != ctx.memory_rounds:
            raise BenchError('scale: %d memory records for %s, expected %d' % (len(values), kind, ctx.memory_rounds))
        memory[kind] = {'median_mib': median(values), 'max_mib': max(values)}
    result = {'units': count, 'rounds': rounds, 'seed_seconds': seed_seconds, 'samples': samples,
              'median': {k: median(v) for k, v in samples.items()}, 'memory': memory,
              'memory_rounds': ctx.memory_rounds}
    if 'info' in kinds:
        result['ratio_info_uri'] = result['median']['info'] / result['median']['uri']
    return result


# ------------------------------------------------------------------------------ 6. throughput

def bench_throughput(ctx):
    hosts = ['bench-host-%02d' % i for i in range(1, ctx.tp_hosts + 1)]
    inventory = ctx.ansible.write_inventory('throughput', hosts)
    per_host = ctx.tp_units
    runs = {}
    for label, limit in (('unlimited', None), ('limited', (600, 20))):
        options = {'provisioning_delay': 0.2, 'request_tracking': True}
        if limit:
            options.update(rate_limit=limit[0], rate_burst=limit[1])
        with Emulator(**options) as emu:
            tasks = [{'name': 'create units', 'loop': '{{ range(%d) | list }}' % per_host,
                      'ionoscloud.backup.backupunit': {
                          'name': "tp-{{ inventory_hostname }}-{{ '%02d' | format(item) }}",
                          'email': 'tp@example.com', 'backupunit_password': UNIT_PASSWORD}}]
            log('throughput (%s): %d hosts x %d units, forks %d' % (label, len(hosts), per_host, len(hosts)))
            events, wall = ctx.ansible.playbook('throughput_' + label, play(emu, tasks, hosts='all'),
                                                inventory=inventory, extra_env={'ANSIBLE_FORKS': str(len(hosts))},
                                                allow_failures=True)
            entries = emu.log()
            units = units_by_name(emu)
        spans = events.spans()
        start = min(s for _h, _t, s, _e, _ev, _r in spans)
        end = max(e for _h, _t, _s, e, _ev, _r in spans)
        items = sorted(rec['t'] - start for rec in events.records if rec['event'] == 'item_ok')
        limited = [e for e in entries if e['status'] == 429]
        accepted = [e for e in entries if e['status'] != 429]
        posts = [e for e in entries if e['method'] == 'POST' and e['status'] == 202]
        expected = {'tp-%s-%02d' % (h, i) for h in hosts for i in range(per_host)}
        duplicates = sum(len(v) - 1 for v in units.values() if len(v) > 1)
        missing = sorted(expected - set(units))
        failed_items = [rec for rec in events.records if rec['event'] == 'item_failed']
        failed_hosts = {rec['host'] for rec in events.records if rec['event'] == 'failed'}
        failures = len(failed_items)
        messages = sorted({rec.get('msg', '') for rec in failed_items})
        runs[label] = {
            'makespan': end - start, 'wall': wall, 'requests_total': len(entries),
            'requests_accepted': len(accepted), 'rate_limited_429': len(limited),
            'posts_accepted': len(posts), 'units': len(units), 'missing': len(missing),
            'duplicates': duplicates, 'extra_posts': len(posts) - len(expected), 'failures': failures,
            'failed_hosts': len(failed_hosts), 'failure_messages': messages[:5],
            'item_times': items,
            'requests_by_shape': {shape: sum(1 for e in accepted if request_shape(e) == shape)
                                  for shape in sorted({request_shape(e) for e in accepted})},
        }
        if limit:
            per_second = limit[0] / 60.0
            runs[label].update(per_minute=limit[0], burst=limit[1],
                               floor=len(accepted) / per_second,
                               floor_with_burst=(len(accepted) - limit[1]) / per_second)
            runs[label]['ratio'] = runs[label]['makespan'] / runs[label]['floor']
    return {'hosts': len(hosts), 'units_per_host': per_host, 'forks': len(hosts), 'runs': runs}


# ------------------------------------------------------------------------------ 7. imports

def importtime(python, target, env):
    """(total µs of importing target, {top-level package: self µs}) from python -X importtime."""
    proc = subprocess.run([python, '-X', 'importtime', '-c', 'import ' + target],
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BenchError('importing %s failed: %s' % (target, proc.stderr[-2000:]))
    total = None
    by_package = {}
    for line in proc.stderr.splitlines():
        match = re.match(r'import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)', line)
        if not match:
            continue
        self_us, cumulative, _indent, name = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
        top = name.split('.')[0]
        if name.startswith('ansible_collections.ionoscloud'):
            top = 'ionoscloud.backup'
        elif name.startswith('ansible.module_utils'):
            top = 'ansible.module_utils'
        elif top in ('requests', 'urllib3', 'charset_normalizer', 'idna', 'certifi', 'chardet', 'brotli',
                     'brotlicffi', 'socks', 'simplejson', 'zstandard', 'h2', 'backports'):
            # including the optional packages requests/urllib3 probe for (absent ones cost a search)
            top = 'requests + its dependencies'
        elif top in sys.stdlib_module_names or top.startswith('_'):
            top = 'standard library'
        by_package[top] = by_package.get(top, 0) + self_us
        if name == target:
            total = cumulative
    return total, by_package


def bench_imports(ctx):
    env = dict(os.environ, PYTHONPATH=ctx.collections_path, PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONDONTWRITEBYTECODE')      # use the .pyc caches, as a warm machine does
    targets = [('ionoscloud.backup.' + m, 'ansible_collections.ionoscloud.backup.plugins.modules.' + m)
               for m in MODULES if ctx.has(m)]
    targets += [('ansible.builtin.uri', 'ansible.modules.uri'), ('ansible.builtin.ping', 'ansible.modules.ping'),
                ('requests alone', 'requests'), ('ansible.module_utils.basic alone', 'ansible.module_utils.basic')]
    rows = []
    for label, target in targets:
        importtime(ctx.python, target, env)     # warm the .pyc caches
        runs = [importtime(ctx.python, target, env) for _run in range(ctx.import_runs)]
        totals = [r[0] for r in runs]
        # importing is CPU-bound: the fastest run is the one least disturbed by other work
        best = min(range(len(runs)), key=lambda i: totals[i])
        rows.append({'label': label, 'target': target, 'median_ms': median(totals) / 1000.0,
                     'min_ms': min(totals) / 1000.0,
                     'breakdown_ms': {k: v / 1000.0 for k, v in sorted(runs[best][1].items(), key=lambda kv: -kv[1])}})
    return {'runs': ctx.import_runs, 'rows': rows}


# ------------------------------------------------------------------------------ 8-10. the role

ROLE = 'ionoscloud.backup.backupunits'
ROLE_DELAY = 2.0            # the provisioning delay of the role-vs-loop comparison (untracked)


def declared_units(prefix, count, email='role@example.com'):
    """The list the role gets (and the loop iterates): name, email, password per unit."""
    return [{'name': '%s-%03d' % (prefix, i), 'email': email, 'password': UNIT_PASSWORD} for i in range(count)]


def role_play(emu, name, units):
    """A play that applies the role to `units`, as the role's README shows it."""
    return {'name': name, 'hosts': 'localhost', 'gather_facts': False, 'module_defaults': module_defaults(emu),
            'roles': [{'role': ROLE, 'vars': {'backupunits': units}}]}


def loop_play(emu, name, units):
    """A play that loops the single-unit module over the same list (wait: true)."""
    return {'name': name, 'hosts': 'localhost', 'gather_facts': False, 'module_defaults': module_defaults(emu),
            'tasks': [{'name': 'backupunit loop', 'loop': units, 'loop_control': {'label': '{{ item.name }}'},
                       'ionoscloud.backup.backupunit': {
                           'name': '{{ item.name }}', 'email': '{{ item.email }}',
                           'backupunit_password': '{{ item.password }}', 'wait': True}}]}


def check_converged(where, emu, units):
    """Every declared unit exists exactly once, AVAILABLE, with its email; nothing else exists."""
    found = units_by_name(emu)
    wanted = {u['name']: u['email'] for u in units}
    for name, email in wanted.items():
        got = found.get(name) or []
        if len(got) != 1 or got[0].get('email') != email or got[0].get('state') != 'AVAILABLE':
            raise BenchError('%s: unit %s is %r, expected one AVAILABLE unit with email %s' % (where, name, got, email))
    extra = sorted(set(found) - set(wanted))
    if extra:
        raise BenchError('%s: units nobody declared: %s' % (where, extra))


def play_changed(spans):
    """Whether any task of the play reported a change."""
    return any(rec.get('changed') for _h, _t, _s, _e, _ev, rec in spans)


def bench_role(ctx):
    """8. The role against a loop of backupunit over the same list, 20 units, 2 s provisioning
    (untracked: today's API with its BUSY window), first run and unchanged re-run, interleaved;
    9. the requests of an unchanged list through the role (and through the loop)."""
    count = ctx.role_units
    units = declared_units('unit', count)
    options = {'provisioning_delay': ROLE_DELAY, 'request_tracking': False}
    samples = {'first': {'role': [], 'loop': []}, 'unchanged': {'role': [], 'loop': []}}
    requests = {'first': {'role': [], 'loop': []}, 'unchanged': {'role': [], 'loop': []}}
    shapes = {'first': {}, 'unchanged': {}}
    changed = {'first': {'role': [], 'loop': []}, 'unchanged': {'role': [], 'loop': []}}
    # One emulator per competitor, both in the same mode: each starts every round from an empty
    # contract, and the role sees no units it does not declare (it would report them in a task).
    with Emulator(**options) as role_emu, Emulator(**options) as loop_emu:
        emus = {'role': role_emu, 'loop': loop_emu}
        make = {'role': role_play, 'loop': loop_play}
        for r in range(ctx.role_rounds):
            for emu in emus.values():
                emu.reset()                         # forget every unit: the next run creates all of them
            for phase, runs in (('first', 1), ('unchanged', ctx.role_reruns)):
                for emu in emus.values():
                    emu.clear_log()
                plays, names = [], []
                for k in range(runs):
                    for who in rotate(['role', 'loop'], r + k):
                        name = '%s %s r%d.%d' % (who, phase, r, k)
                        plays.append(make[who](emus[who], name, units))
                        names.append((who, name))
                log('role vs loop: round %d, %s run, %d units' % (r + 1, phase, count))
                events, _wall = ctx.ansible.playbook('role_%s_r%d' % (phase, r), plays)
                jobs = events.plays()
                for who, name in names:
                    seconds, spans = jobs[name]
                    samples[phase][who].append(seconds)
                    changed[phase][who].append(play_changed(spans))
                for who, emu in emus.items():
                    entries = emu.log()
                    requests[phase][who].append(len(entries) / float(runs))
                    if runs == 1:       # by shape: what one run sent (the last round's)
                        shapes[phase][who] = {shape: sum(1 for e in entries if request_shape(e) == shape
                                                         and e['status'] != 404)
                                              for shape in sorted({request_shape(e) for e in entries})}
                        shapes[phase][who]['404 answers'] = sum(1 for e in entries if e['status'] == 404)
                    check_converged('role vs loop (%s, %s)' % (who, phase), emu, units)
        # 9: exactly what one unchanged run sends, each competitor on its own
        exact = {}
        for who, emu in emus.items():
            emu.clear_log()
            events, _wall = ctx.ansible.playbook('role_requests_' + who, [make[who](emu, '%s requests' % who, units)])
            entries = emu.log()
            exact[who] = {'requests': len(entries), 'detail': summarize_requests(entries),
                          'changed': play_changed(next(iter(events.plays().values()))[1])}
            check_converged('requests (%s)' % who, emu, units)
    if any(changed['first'][who].count(False) for who in ('role', 'loop')):
        raise BenchError('role vs loop: a first run reported no change: %r' % changed['first'])
    if any(any(changed['unchanged'][who]) for who in ('role', 'loop')) or any(e['changed'] for e in exact.values()):
        raise BenchError('role vs loop: an unchanged run reported a change: %r %r' % (changed['unchanged'], exact))
    result = {'units': count, 'rounds': ctx.role_rounds, 'reruns': ctx.role_reruns, 'emulator': options,
              'samples': samples, 'requests_per_run': requests, 'first_run_requests': shapes['first'],
              'unchanged_requests': exact, 'cases': {}}
    for phase in ('first', 'unchanged'):
        m = {who: median(samples[phase][who]) for who in ('role', 'loop')}
        result['cases'][phase] = {
            'median': m, 'speedup': m['loop'] / m['role'],
            'paired_speedup': median([lo / ro for ro, lo in zip(samples[phase]['role'], samples[phase]['loop'])]),
            'requests': {who: median(requests[phase][who]) for who in ('role', 'loop')}}
    return result


def bench_role_throughput(ctx):
    """10. 200 declared units through the role in one run, without a limit and under 600/min,
    burst 20; the emulator in its default mode (today's API: a write is finished when answered)."""
    count = ctx.role_tp_units
    units = declared_units('rl', count)
    runs = {}
    for label, limit in (('unlimited', None), ('limited', (600, 20))):
        options = {} if not limit else {'rate_limit': limit[0], 'rate_burst': limit[1]}
        with Emulator(**options) as emu:
            log('role throughput (%s): %d units in one role run' % (label, count))
            events, wall = ctx.ansible.playbook('role_throughput_' + label, [role_play(emu, 'role %s' % label, units)],
                                                allow_failures=True)
            entries = emu.log()
            found = units_by_name(emu)
        makespan, spans = next(iter(events.plays().values()))
        limited = [e for e in entries if e['status'] == 429]
        accepted = [e for e in entries if e['status'] != 429]
        posts = [e for e in entries if e['method'] == 'POST' and e['status'] == 202]
        failed_tasks = [rec for rec in events.records if rec['event'] == 'failed']
        wanted = {u['name'] for u in units}
        runs[label] = {
            'makespan': makespan, 'wall': wall, 'requests_total': len(entries),
            'requests_accepted': len(accepted), 'rate_limited_429': len(limited), 'posts_accepted': len(posts),
            'units': len(found), 'missing': len(wanted - set(found)),
            'duplicates': sum(len(v) - 1 for v in found.values() if len(v) > 1),
            'extra_posts': len(posts) - len(wanted), 'failures': len(failed_tasks),
            'failure_messages': [rec.get('msg', '') for rec in failed_tasks][:3],
            'not_available': sum(1 for v in found.values() for u in v if u.get('state') != 'AVAILABLE'),
            'requests_by_shape': {shape: sum(1 for e in accepted if request_shape(e) == shape)
                                  for shape in sorted({request_shape(e) for e in accepted})},
            'tasks': {task: end - start for _h, task, start, end, _ev, _rec in spans},
        }
        if limit:
            per_second = limit[0] / 60.0
            runs[label].update(per_minute=limit[0], burst=limit[1], floor=len(accepted) / per_second,
                               floor_with_burst=(len(accepted) - limit[1]) / per_second)
            runs[label]['ratio'] = makespan / runs[label]['floor']
    return {'units': count, 'mode': 'default', 'runs': runs}


# ------------------------------------------------------------------------------ the run

class Context:
    def __init__(self, args, work, python, collections_path):
        self.work = work
        self.python = python
        self.collections_path = collections_path
        self.ansible = Ansible(work, python, collections_path)
        quick = args.quick
        self.rounds = 4 if quick else 25
        self.warmup = 1 if quick else 2
        self.wait_rounds = 2 if quick else 5
        self.scale_units = 1000 if quick else 10000
        self.scale_rounds = 2 if quick else 5
        self.memory_rounds = 1 if quick else 3
        self.tp_hosts = 5 if quick else 20
        self.tp_units = 3 if quick else 10
        self.import_runs = 3 if quick else 15
        self.role_units = 20                   # the list of issue 12, also in a quick run
        self.role_rounds = 1 if quick else 3   # each round: a first run (create all) and re-runs
        self.role_reruns = 1 if quick else 3   # unchanged re-runs per round
        self.role_tp_units = 50 if quick else 200
        installed = os.path.join(collections_path, 'ansible_collections', 'ionoscloud', 'backup', 'plugins', 'modules')
        self.modules = {m for m in MODULES if os.path.exists(os.path.join(installed, m + '.py'))}

    def has(self, module):
        return module in self.modules


def build_and_install(work, python, source_dir):
    bindir = os.path.dirname(python)
    dist = os.path.join(work, 'dist')
    # not work/collections: that is next to the playbooks, and Ansible prefers a playbook's
    # adjacent collections/ over ANSIBLE_COLLECTIONS_PATH
    collections = os.path.join(work, 'installed')
    for command in ([os.path.join(bindir, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', dist,
                     source_dir],):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    tarball = glob.glob(os.path.join(dist, '*.tar.gz'))[0]
    subprocess.run([os.path.join(bindir, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', collections,
                    tarball], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, ANSIBLE_HOME=os.path.join(work, 'ansible_home'),
                            ANSIBLE_COLLECTIONS_PATH=collections))
    return collections, os.path.basename(tarball)


def git(*args):
    proc = subprocess.run(['git', '-C', REPO_ROOT] + list(args), capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def source_state(from_worktree):
    """What is measured: the commit, and (when the working tree is built) its uncommitted changes to
    what the build takes or the emulator runs."""
    commit = (git('rev-parse', '--short', 'HEAD') or '').strip() or None
    state = {'commit': commit, 'from_worktree': from_worktree, 'uncommitted': []}
    if from_worktree:
        status = git('status', '--porcelain', '--', 'plugins', 'roles', 'meta', 'galaxy.yml', 'tests/mock_api') or ''
        state['uncommitted'] = [line[3:] for line in status.splitlines() if line.strip()]
    return state


def export_head(work, commit):
    """The committed tree at `commit`, extracted into work/source (others edit the working tree)."""
    target = os.path.join(work, 'source')
    os.makedirs(target)
    archive = os.path.join(work, 'source.tar')
    subprocess.run(['git', '-C', REPO_ROOT, 'archive', '--format=tar', '-o', archive, commit], check=True)
    with tarfile.open(archive) as handle:
        handle.extractall(target, filter='data')
    os.remove(archive)
    return target


def use_emulator_from(source_dir):
    """Run the emulator (harness and server) of the measured tree, not of the working tree."""
    global Emulator     # pylint: disable=global-statement
    path = os.path.join(source_dir, 'tests', 'mock_api', 'harness.py')
    spec = importlib.util.spec_from_file_location('bench_harness', path)
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    Emulator = harness.Emulator


def ensure_matplotlib():
    """Install the chart's one dependency into this venv when it is missing (pinned)."""
    try:
        import matplotlib  # noqa: F401  pylint: disable=unused-import
        return
    except ImportError:
        pass
    if sys.prefix == sys.base_prefix:
        log('matplotlib is missing and this is not a venv: no chart')
        return
    log('installing matplotlib into %s for the chart' % sys.prefix)
    proc = subprocess.run([sys.executable, '-m', 'pip', '-q', '--disable-pip-version-check', 'install', '-r',
                           os.path.join(BENCH_DIR, 'requirements-chart.txt')], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        log('could not install matplotlib (no chart):\n%s' % (proc.stdout + proc.stderr)[-2000:])


def machine_info(python):
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open('/proc/meminfo', encoding='utf-8') as handle:
            memory = int(handle.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    core = subprocess.run([python, '-c', 'import ansible.release as r, requests; print(r.__version__, requests.__version__)'],
                          capture_output=True, text=True, check=True).stdout.split()
    os_name = platform.platform()
    try:
        with open('/etc/os-release', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('PRETTY_NAME='):
                    os_name = line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    return {'cpu': cpu, 'cpus': os.cpu_count(), 'memory_mib': memory, 'os': os_name,
            'kernel': platform.release(), 'python': subprocess.run(
                [python, '-c', 'import platform; print(platform.python_version())'],
                capture_output=True, text=True, check=True).stdout.strip(),
            'ansible_core': core[0], 'requests': core[1],
            'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='few rounds, small scale: checks the suite works')
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated sections (default: all)')
    parser.add_argument('--results', default=os.path.join(REPO_ROOT, 'build', 'bench', 'results.json'),
                        help='where the raw results are written (default build/bench/results.json)')
    parser.add_argument('--render-only', action='store_true', help='only (re)write docs/performance.md from --results')
    parser.add_argument('--no-render', action='store_true', help='do not write docs/performance.md')
    parser.add_argument('--keep', action='store_true', help='keep the scratch directory (playbooks, logs, events)')
    parser.add_argument('--from-worktree', action='store_true',
                        help='measure the working tree, uncommitted changes included (default: the commit HEAD)')
    args = parser.parse_args()

    if not args.render_only:
        only = [s.strip() for s in args.only.split(',') if s.strip()]
        unknown = set(only) - set(SECTIONS)
        if unknown:
            parser.error('unknown sections: %s' % ', '.join(sorted(unknown)))
        python = sys.executable
        work = tempfile.mkdtemp(prefix='ionos-bench-')
        try:
            source = source_state(args.from_worktree)
            if args.from_worktree:
                source_dir = REPO_ROOT
                log('measuring the working tree (commit %s plus uncommitted changes: %s)'
                    % (source['commit'], ', '.join(source['uncommitted']) or 'none'))
            else:
                # the committed code: others may be editing the working tree while this runs
                source_dir = export_head(work, source['commit'])
                use_emulator_from(source_dir)
                log('measuring commit %s' % source['commit'])
            log('building and installing the collection into %s' % work)
            collections, tarball = build_and_install(work, python, source_dir)
            ctx = Context(args, work, python, collections)
            results = {}
            if os.path.exists(args.results):
                with open(args.results, encoding='utf-8') as handle:
                    results = json.load(handle)         # sections not run this time are kept
            results['machine'] = machine_info(python)
            results['collection'] = tarball
            results['source'] = source
            results['modules'] = sorted(ctx.modules)
            results['quick'] = args.quick
            results['client_policies'] = client_policies(ctx)
            for section in SECTIONS:
                if section not in only:
                    continue
                log('section %s' % section)
                started = time.monotonic()
                load_before = os.getloadavg()[0]
                results[section] = globals()['bench_' + section](ctx)
                results[section]['section_seconds'] = time.monotonic() - started
                # other work on the machine skews absolute times (ratios less): record it
                results[section]['load_average'] = [load_before, os.getloadavg()[0]]
                results[section]['measured_at'] = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
                results[section]['modules'] = sorted(ctx.modules)
                log('section %s done in %.0f s' % (section, results[section]['section_seconds']))
                os.makedirs(os.path.dirname(args.results), exist_ok=True)
                with open(args.results, 'w', encoding='utf-8') as handle:
                    json.dump(results, handle, indent=1)
        finally:
            if args.keep:
                log('scratch directory kept: %s' % work)
            else:
                shutil.rmtree(work, ignore_errors=True)
    if not args.no_render:
        ensure_matplotlib()
        import report     # benchmarks/report.py
        with open(args.results, encoding='utf-8') as handle:
            results = json.load(handle)
        report.write(results, os.path.join(REPO_ROOT, 'docs'))
        log('wrote docs/performance.md')


if __name__ == '__main__':
    try:
        main()
    except BenchError as exc:
        print('BENCHMARK ERROR: %s' % exc, file=sys.stderr)
        sys.exit(1)
