# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup benchmark suite (`make bench`): build/bench/results.json and docs/performance.md.

Against the API emulator (tests/mock_api) on loopback, the collection built and installed offline from the commit HEAD
(git archive, its emulator too: others may edit the working tree) or, with --from-worktree, the working tree; real
`ansible-playbook` / `ansible` runs timed by callback_plugins/bench_timer.py. Sections: those of the document, in its
order. A benchmark fails only when something is wrong (a task failed, a unit is missing), never because it is slow.
"""

from __future__ import annotations

import argparse
import concurrent.futures
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
from statistics import median, quantiles
import subprocess
import sys
import tarfile
import tempfile
import time
from urllib.parse import urlsplit

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
SECTIONS = ('per_task', 'by_hand', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role', 'role_throughput', 'emulator')
MODULES = ('backupunit', 'backupunit_info', 'backupunit_sso_url', 'backupunits')
UNIT_PASSWORD = 'Bench-pass-2025'
RATE_LIMIT = (600, 20)                  # requests per minute, burst (sections 6 and 10)
STATUS = 'GET /requests/{id}/status'
RUN_NUMBERS = itertools.count(1)        # one sequence for every Ansible run, so no log file is reused
SIZES = {'rounds': (4, 25), 'warmup': (1, 2), 'wait_rounds': (2, 5), 'scale_units': (1000, 10000), 'scale_rounds': (2, 5),
         'memory_rounds': (1, 3), 'tp_hosts': (5, 20), 'tp_units': (3, 10), 'import_runs': (3, 15), 'role_units': (20, 20),
         'role_rounds': (1, 3), 'role_reruns': (1, 3), 'role_tp_units': (50, 200), 'emu_runs': (2, 3),
         'emu_seconds': (1.0, 3.0), 'emu_units': (2000, 10000), 'emu_warm': (5, 5), 'emu_threads': (4, 4)}  # (--quick, full)
EMULATOR_DIR = Emulator = None          # tests/mock_api of the measured tree and its harness.Emulator, set by run()
# The interpreter of the memory runs (section 5): it runs the real one as a child with the same arguments and appends
# ru_maxrss of RUSAGE_CHILDREN, the peak resident set in KiB of the module process (AnsiballZ runs the module in it).
MAXRSS = r"""import json, os, re, resource, subprocess, sys
status = subprocess.call([sys.executable] + sys.argv[1:])
module = ([m.group(1) for m in map(re.compile(r'AnsiballZ_(\w+)\.py').search, sys.argv[1:]) if m] or [None])[-1]
with open(os.environ['BENCH_MAXRSS_FILE'], 'a', encoding='utf-8') as out:
    out.write(json.dumps({'module': module, 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 'status': status}) + '\n')
sys.exit(status)
"""


class BenchError(RuntimeError):
    """Something went wrong (not: something was slow)."""


def log(message):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def rotate(items, n):
    return list(items[n % len(items):]) + list(items[:n % len(items)])


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')


# ------------------------------------------------------------------------------ the emulator and its log

class KeepAlive:
    """One keep-alive HTTP/1.1 connection to the emulator's API."""

    def __init__(self, emu):
        parts = urlsplit(emu.url)
        self.prefix, self.headers = parts.path, emu.auth_header()
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def request(self, method, path, body=None):
        """(status, payload bytes)"""
        headers = dict(self.headers, **({} if body is None else {'Content-Type': 'application/json'}))
        self.conn.request(method, self.prefix + path, body=None if body is None else json.dumps(body), headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def seed_units(emu, names, email='seed@example.com'):
    """Create units through the API (not the collection), then wait until all are AVAILABLE (through the
    control API, which leaves the emulator's list caches cold)."""
    client = KeepAlive(emu)
    for name in names:
        status, payload = client.request('POST', '/backupunits', {'properties': {'name': name, 'email': email, 'password': UNIT_PASSWORD}})
        if status != 202:
            raise BenchError('seeding unit %s: HTTP %s %s' % (name, status, payload[:200]))
    client.conn.close()
    deadline = time.monotonic() + 60
    while any(unit['state'] != 'AVAILABLE' for unit in emu.units()):   # requests finish lazily
        if time.monotonic() > deadline:
            raise BenchError('seeded units did not become AVAILABLE')
        time.sleep(0.05)


def units_by_name(emu):
    """name -> [the emulator's flat records of the units of that name (id, name, email, state...)]"""
    return {name: list(units) for name, units in itertools.groupby(sorted(emu.units(), key=lambda u: u['name']), lambda u: u['name'])}


_ID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


def request_shape(entry):
    """'GET /backupunits/{id}' for a log entry (base path and ids folded)."""
    return '%s %s' % (entry['method'], _ID_RE.sub('{id}', entry['path'].split('/cloudapi/v6', 1)[-1]))


def count_shapes(entries):
    shapes = [request_shape(e) for e in entries]
    return {shape: shapes.count(shape) for shape in sorted(set(shapes))}


def summarize_requests(entries):
    """'GET /backupunits, POST /backupunits, 3x GET /requests/{id}/status' (runs folded, in order)."""
    shapes = [request_shape(e) + (' (%s)' % e['status'] if (e['status'] or 0) >= 400 else '') for e in entries]
    return ', '.join(shape if n == 1 else '%dx %s' % (n, shape) for shape, n in ((s, len(list(g))) for s, g in itertools.groupby(shapes)))


def rate_limited_run(entries, found, wanted, limit, makespan):
    """What a run without or under a rate limit (per minute, burst) did, from the emulator's log and units."""
    accepted = [e for e in entries if e['status'] != 429]
    posts = sum(1 for e in entries if e['method'] == 'POST' and e['status'] == 202)
    run = {'makespan': makespan, 'requests_total': len(entries), 'requests_accepted': len(accepted), 'posts_accepted': posts,
           'rate_limited_429': len(entries) - len(accepted), 'units': len(found), 'missing': len(set(wanted) - set(found)),
           'duplicates': sum(len(v) - 1 for v in found.values() if len(v) > 1), 'extra_posts': posts - len(wanted),
           'requests_by_shape': count_shapes(accepted)}
    if limit:
        run.update(per_minute=limit[0], burst=limit[1], floor=len(accepted) / (limit[0] / 60.0),
                   floor_with_burst=(len(accepted) - limit[1]) / (limit[0] / 60.0))
        run['ratio'] = makespan / run['floor']
    return run


# ------------------------------------------------------------------------------ running Ansible

class Events(list):
    """The records of one run (callback_plugins/bench_timer.py); those of finished tasks have a 'start' and 't', the end."""

    def of(self, *kinds):
        return [rec for rec in self if rec['event'] in kinds]

    def spans(self):
        return [rec for rec in self.of('ok', 'failed', 'skipped') if rec['start'] is not None]

    def samples(self, kinds, rounds):
        """{kind: [seconds of the task 'rNN kind' of each round]} (single-host runs, unique task names)."""
        durations = {rec['task']: rec['t'] - rec['start'] for rec in self.spans()}
        return {kind: [durations['r%02d %s' % (i, kind)] for i in range(rounds)] for kind in kinds}

    def plays(self):
        """play name -> (seconds from its first task's start to its last task's result, its task records)."""
        names = [rec['play'] for rec in self.of('play')]
        if len(set(names)) != len(names):
            raise BenchError('play names are not unique: %s' % names)
        plays = ((name, [rec for rec in self.spans() if rec['play'] == name]) for name in names)
        return {name: (max(rec['t'] for rec in recs) - min(rec['start'] for rec in recs), recs) for name, recs in plays if recs}


class Bench:
    """One run: the scratch directory, the installed collection, the sizes, and the Ansible runs."""

    def __init__(self, quick, work, python, collections_path):
        self.work, self.python, self.collections_path, self.bindir = work, python, collections_path, os.path.dirname(python)
        for name, (small, full) in SIZES.items():
            setattr(self, name, small if quick else full)
        self.inventory = self.write_inventory('localhost', ['localhost'])

    def write_inventory(self, name, hosts, interpreter=None):
        path = os.path.join(self.work, 'inventory-%s.ini' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.writelines('%s ansible_connection=local ansible_python_interpreter=%s\n' % (host, interpreter or self.python)
                              for host in hosts)
        return path

    def run(self, name, command, extra_env=None, allow_failures=False):
        """(Events, wall seconds) of one ansible-playbook / ansible run with the timing callback."""
        stem = os.path.join(self.work, '%03d-%s' % (next(RUN_NUMBERS), name))
        env = {k: v for k, v in os.environ.items() if not k.startswith(('IONOS_', 'ANSIBLE_'))}
        env.update(ANSIBLE_COLLECTIONS_PATH=self.collections_path, ANSIBLE_HOME=os.path.join(self.work, 'ansible_home'),
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH_DIR, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='bench_timer',
                   ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_RETRY_FILES_ENABLED='false',
                   ANSIBLE_DEPRECATION_WARNINGS='false', ANSIBLE_FORKS='5', BENCH_TIMER_FILE=stem + '.events.jsonl')
        env.update(extra_env or {})
        with open(stem + '.log', 'w', encoding='utf-8') as out:
            started = time.monotonic()
            status = subprocess.call(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.work)
            wall = time.monotonic() - started
        events = Events(read_jsonl(env['BENCH_TIMER_FILE']))
        if (status != 0 or events.of('failed', 'item_failed')) and not (allow_failures and status in (0, 2)):
            with open(stem + '.log', encoding='utf-8') as handle:      # with allow_failures, failed tasks are a result
                raise BenchError('%s failed (exit %s); log %s.log:\n%s' % (name, status, stem, handle.read()[-3000:]))
        return events, wall

    def playbook(self, name, plays, inventory=None, **kwargs):
        path = os.path.join(self.work, '%s.yml' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(plays, handle, indent=1)       # JSON is YAML
        return self.run(name, [os.path.join(self.bindir, 'ansible-playbook'), '-i', inventory or self.inventory, path], **kwargs)

    def adhoc(self, name, module, module_args, emu, check=False):
        """(seconds, result record) of one ad-hoc task, the credentials in the environment."""
        command = [os.path.join(self.bindir, 'ansible'), 'localhost', '-i', self.inventory, '-m', 'ionoscloud.backup.' + module]
        command += (['-a', json.dumps(module_args)] if module_args else []) + (['--check'] if check else [])
        spans = self.run(name, command, {'IONOS_API_URL': emu.url, 'IONOS_USERNAME': emu.username,
                                         'IONOS_PASSWORD': emu.password})[0].spans()
        if len(spans) != 1:
            raise BenchError('%s: expected one task result, got %d' % (name, len(spans)))
        return spans[0]['t'] - spans[0]['start'], spans[0]

    def utils(self):
        """The installed collection's module_utils _client and _backupunit."""
        sys.path.insert(0, self.collections_path)
        try:
            from ansible_collections.ionoscloud.backup.plugins.module_utils import _backupunit, _client
        finally:
            sys.path.remove(self.collections_path)
        return _client, _backupunit

    def client_policies(self):
        """The installed client's default poll and retry policies: what every module run uses."""
        client = self.utils()[0]
        poll, retry = client.PollPolicy(), client.RetryPolicy()
        return {'poll': {k: getattr(poll, k) for k in ('initial', 'factor', 'maximum')},
                'retry': {k: getattr(retry, k) for k in ('max_attempts_rate_limited', 'retry_after_max', 'total_max')}}


def play(emu, tasks, hosts='localhost', name='benchmark', key='tasks'):
    return {'name': name, 'hosts': hosts, 'gather_facts': False, key: tasks, 'module_defaults': {
        'group/ionoscloud.backup.all': {'api_url': emu.url, 'username': emu.username, 'password': emu.password}}}


def uri_auth(emu):
    return {'url_username': emu.username, 'url_password': emu.password, 'force_basic_auth': True}


def list_tasks(emu):
    """The competitors of sections 1 and 5: the floor, the list request with uri, and the module. The module is
    given the contract number, so it sends the same one request as uri (without it, it also reads GET /contracts)."""
    contract = emu.config()['contracts'][0]
    return {'ping': {'ansible.builtin.ping': {}}, 'info': {'ionoscloud.backup.backupunit_info': {'contract_number': contract}},
            'uri': {'ansible.builtin.uri': dict(url=emu.url + '/backupunits?depth=1&pretty=false', **uri_auth(emu))}}


def interleaved(labels, kinds, task_of):
    """For each label (a round), one task of each kind, in an order that rotates every round."""
    return [dict(task_of[kind], name='%s %s' % (label, kind)) for index, label in enumerate(labels) for kind in rotate(kinds, index)]


# ------------------------------------------------------------------------------ 1. per-task cost, 2. by hand

def bench_per_task(b):
    kinds, labels = ['ping', 'uri', 'info'], ['w%d' % i for i in range(b.warmup)] + ['r%02d' % i for i in range(b.rounds)]
    with Emulator(provisioning_delay=0.2, request_tracking=True) as emu:
        seed_units(emu, ['pertask-%02d' % i for i in range(20)])
        emu.clear_log()
        events = b.playbook('per_task', [play(emu, interleaved(labels, kinds, list_tasks(emu)))])[0]
        gets = sum(1 for e in emu.log() if request_shape(e) == 'GET /backupunits')
        if gets != len(labels) * 2:
            raise BenchError('per_task: expected %d list requests, the emulator saw %d' % (len(labels) * 2, gets))
    samples = events.samples(kinds, b.rounds)
    m = {k: median(v) for k, v in samples.items()}
    # paired per round: the rounds ran back to back, so the pair shares the machine's state
    return {'rounds': b.rounds, 'warmup': b.warmup, 'units': 20, 'samples': samples, 'median': m,
            'iqr': {k: (min(v), max(v)) if len(v) < 4 else quantiles(v, n=4)[0::2] for k, v in samples.items()}, 'ratio_uri_ping': m['uri'] / m['ping'],
            'ratio_info_uri': m['info'] / m['uri'], 'ratio_info_ping': m['info'] / m['ping'],
            'paired_ratio_info_uri': median([i / u for i, u in zip(samples['info'], samples['uri'])])}


def uri_job(emu, tag, name, email):
    """The shortest correct 'ensure unit NAME exists with EMAIL' with ansible.builtin.uri."""
    auth, api = uri_auth(emu), emu.url
    write = dict(body_format='json', status_code=202, **auth)
    return [{'name': tag + ': list', 'register': 'listing', 'ansible.builtin.uri': dict(url=api + '/backupunits?depth=1', **auth)},
            {'name': tag + ': decide', 'ansible.builtin.set_fact': {'existing': "{{ listing.json['items'] | selectattr("
                                                                    "'properties.name', 'equalto', '%s') | first | default(none) }}" % name}},
            {'name': tag + ': create', 'register': 'created', 'no_log': True, 'when': 'existing is none', 'ansible.builtin.uri': dict(
                url=api + '/backupunits', method='POST', body={'properties': {'name': name, 'email': email, 'password': UNIT_PASSWORD}},
                **write)},
            {'name': tag + ': update', 'register': 'updated', 'when': "existing is not none and existing.properties.email != '%s'" % email,
             'ansible.builtin.uri': dict(url=api + '/backupunits/{{ existing.id }}', method='PATCH', body={'name': name, 'email': email},
                                         **write)},
            {'name': tag + ': wait', 'register': 'request_status', 'when': 'created is not skipped or updated is not skipped',
             'until': "request_status.json.metadata.status == 'DONE'", 'retries': 120, 'delay': 1,
             'ansible.builtin.uri': dict(url='{{ (created if created is not skipped else updated).location }}', **auth)}]


def bench_by_hand(b):
    cases, variants, rounds = ('create', 'update', 'unchanged'), ('module', 'uri'), range(-b.warmup, b.rounds)
    prefix = {'create': 'new', 'update': 'upd'}     # unit names: new-uri-03, upd-module-00, steady-uri
    with Emulator(provisioning_delay=0.2, request_tracking=True) as emu:  # the 'provisioning_delay' the result reports
        seed_units(emu, ['steady-module', 'steady-uri'], email='same@example.com')
        seed_units(emu, ['upd-%s-%02d' % (v, r) for v in variants for r in rounds], email='old@example.com')
        tasks = []
        for r in rounds:
            label = ('w%d' % -r) if r < 0 else 'r%02d' % r
            for case in cases:
                email = 'same@example.com' if case == 'unchanged' else 'new-%s@example.com' % case
                for variant in rotate(variants, r):
                    tag = '%s %s %s' % (label, case, variant)
                    name = 'steady-' + variant if case == 'unchanged' else '%s-%s-%02d' % (prefix[case], variant, r)
                    module = {'name': name, 'email': email, 'backupunit_password': UNIT_PASSWORD}
                    tasks += uri_job(emu, tag, name, email) if variant == 'uri' else [
                        {'name': tag + ': backupunit', 'ionoscloud.backup.backupunit': module}]
            tasks.append({'name': '%s floor: ping' % label, 'ansible.builtin.ping': {}})  # the floor of any module task
        events = b.playbook('by_hand', [play(emu, tasks)])[0]
        units = units_by_name(emu)
    for name, email in [('%s-%s-%02d' % (p, v, r), 'new-%s@example.com' % case) for r in rounds for v in variants
                        for case, p in prefix.items()]:     # the jobs must have done their job
        if len(units.get(name) or []) != 1 or units[name][0].get('email') != email:
            raise BenchError('by_hand: unit %s is %r, expected one with email %s' % (name, units.get(name), email))
    jobs, attempts = {}, {}     # tag -> [first start, last end, tasks that changed]; case -> polls of the hand-written `until`
    for rec in events.spans():
        task, job = rec['task'], jobs.setdefault(rec['task'].split(':', 1)[0], [rec['start'], rec['t'], 0])
        job[:] = min(job[0], rec['start']), max(job[1], rec['t']), job[2] + rec['changed']
        if task.endswith(' uri: wait') and rec['event'] == 'ok' and task.startswith('r'):
            attempts.setdefault(task.split()[1], []).append(rec.get('attempts', 1))    # 1: DONE at the first look
    seconds = {tag: end - start for tag, (start, end, _changed) in jobs.items()}
    result = {'rounds': b.rounds, 'warmup': b.warmup, 'provisioning_delay': 0.2, 'uri_poll_delay': 1, 'cases': {},
              'ping_median': median([seconds['r%02d floor' % r] for r in range(b.rounds)])}
    for case in cases:
        samples = {v: [seconds['r%02d %s %s' % (r, case, v)] for r in range(b.rounds)] for v in variants}
        m = {v: median(s) for v, s in samples.items()}
        result['cases'][case] = {'samples': samples, 'median': m, 'uri_wait_attempts': attempts.get(case, []),
                                 'changed': {v: jobs['r00 %s %s' % (case, v)][2] > 0 for v in variants}, 'speedup': m['uri'] / m['module'],
                                 'paired_speedup': median([u / mo for u, mo in zip(samples['uri'], samples['module'])])}
    return result


# ------------------------------------------------------------------------------ 3. requests per operation, 4. waiting

def bench_requests(b):
    unit, gone = {'name': 'req-unit', 'email': 'a@example.com', 'backupunit_password': UNIT_PASSWORD}, {'name': 'req-unit', 'state': 'absent'}
    ops = [('create', 'backupunit', unit, False), ('unchanged', 'backupunit', unit, False),
           ('update (email)', 'backupunit', dict(unit, email='b@example.com'), False),
           ('update_password: always', 'backupunit', dict(unit, email='b@example.com', backupunit_password='Other-pass-2025',
                                                          update_password='always'), False),
           ('check mode: create', 'backupunit', dict(unit, name='req-other'), True),
           ('check mode: update', 'backupunit', dict(unit, email='c@example.com'), True),
           ('info: all units', 'backupunit_info', {}, False), ('info: by name', 'backupunit_info', {'name': 'req-unit'}, False),
           ('info: all units, contract_number set', 'backupunit_info', {'contract_number': '<contract>'}, False),
           ('info: by id', 'backupunit_info', {'id': '<id>'}, False), ('SSO URL: by name', 'backupunit_sso_url', {'name': 'req-unit'}, False),
           ('SSO URL: by id', 'backupunit_sso_url', {'id': '<id>'}, False), ('delete', 'backupunit', gone, False),
           ('absent when missing', 'backupunit', gone, False)]
    out = {}
    # Today's API, the emulator's default (untracked, a write finished when it is answered): the figures and the goal.
    # Then the 2023 model (tracked requests, 0.2 s provisioning) that earlier runs measured.
    for key, options in (('rows', {}), ('delayed_model', {'provisioning_delay': 0.2, 'request_tracking': True})):
        rows, unit_id = [], None
        with Emulator(**options) as emu:
            seed_units(emu, ['req-neighbour-%d' % i for i in range(3)])
            for label, module, args, check in ops:
                unit_id = unit_id or (units_by_name(emu).get('req-unit') or [{}])[0].get('id')
                emu.clear_log()
                placeholders = {'<id>': unit_id, '<contract>': emu.config()['contracts'][0]}
                seconds, record = b.adhoc('requests', module, {k: placeholders.get(v, v) for k, v in args.items()}, emu, check)
                entries = emu.log()
                if any(e['status'] is None or e['status'] >= 400 and e['status'] != 404 for e in entries):
                    raise BenchError('requests: %s got an error answer: %s' % (label, entries))
                rows.append({'operation': label, 'module': module, 'check': check, 'changed': record.get('changed'),
                             'requests': len(entries), 'detail': summarize_requests(entries), 'seconds': seconds,
                             'status_polls': sum(1 for e in entries if request_shape(e) == STATUS and e['status'] == 200)})
        out[key] = dict(options, rows=rows) if options else rows
    return out


def polls_after(entries, tracking):
    """Tracking on: polls of the request's status (the GET of the unit afterwards is the result). Off: one 404 from
    the status URL, then the unit is polled until AVAILABLE."""
    shapes = [request_shape(e) for e in entries]
    return shapes.count(STATUS) + (0 if tracking else shapes.count('GET /backupunits/{id}'))


def bench_waiting(b):
    delay, rounds, result = 2.0, b.wait_rounds, {'provisioning_delay': 2.0, 'rounds': b.wait_rounds, 'modes': {}, 'client_level': {}}
    with Emulator() as emu:
        for mode, tracking in (('on', True), ('off', False)):
            emu.configure(request_tracking=tracking)
            samples, polls, details = {0.0: [], delay: []}, {0.0: [], delay: []}, {}
            for r in range(rounds):
                for d in rotate([0.0, delay], r):
                    emu.configure(provisioning_delay=d)
                    emu.clear_log()
                    name = 'wait-%s-%s-%02d' % (mode, d, r)
                    seconds, record = b.adhoc('waiting', 'backupunit', {'name': name, 'email': 'w@example.com',
                                                                        'backupunit_password': UNIT_PASSWORD}, emu)
                    if not record.get('changed'):
                        raise BenchError('waiting: create of %s reported no change' % name)
                    entries = emu.log()
                    after = entries[[request_shape(e) for e in entries].index('POST /backupunits') + 1:]
                    samples[d].append(seconds)
                    polls[d].append(polls_after(after, tracking))
                    details[d] = summarize_requests(after)
            overhead = [t2 - t0 - delay for t0, t2 in zip(samples[0.0], samples[delay])]
            result['modes'][mode] = {
                'samples_0': samples[0.0], 'samples_2': samples[delay], 'median_0': median(samples[0.0]),
                'median_2': median(samples[delay]), 'overhead': median(overhead), 'overhead_samples': overhead,
                'task_minus_delay': median(samples[delay]) - delay, 'polls_2': median(polls[delay]), 'polls_2_max': max(polls[delay]),
                'polls_0': median(polls[0.0]), 'requests_after_post_2': details[delay], 'requests_after_post_0': details[0.0]}
    # the wait alone, without Ansible: POST a unit, then time the installed BackupUnits._wait (real HTTP, its
    # default poll policy)
    _client, _backupunit = b.utils()
    with Emulator(provisioning_delay=delay) as emu:
        for mode, tracking in (('on', True), ('off', False)):
            emu.configure(request_tracking=tracking)
            client = _client.ApiClient(api_url=emu.url, username=emu.username, password=emu.password)
            resource, overheads, polls = _backupunit.BackupUnits(client), [], []
            for r in range(rounds):
                response = client.post('/backupunits', {'properties': {'name': 'cw-%s-%d' % (mode, r), 'password': UNIT_PASSWORD}})
                accepted = time.monotonic()
                emu.clear_log()
                name = 'cw-%s-%d' % (mode, r)
                outcome = _backupunit.Outcome(_backupunit.Plan(name, 'create', None, {'name': name}, None, False))
                outcome.unit_id, outcome.answered, outcome.location = response.body['id'], response.body, response.location
                unit = resource._wait(outcome, 600)
                overheads.append(time.monotonic() - accepted - delay)
                if unit is None or _backupunit.unit_state(unit) != 'AVAILABLE':
                    raise BenchError('client-level wait returned %r' % (unit,))
                polls.append(polls_after(emu.log(), tracking))
            result['client_level'][mode] = {'overhead': median(overheads), 'overhead_max': max(overheads), 'polls': median(polls),
                                            'polls_max': max(polls)}
    return result


# ------------------------------------------------------------------------------ 5. scale, 6. throughput, 7. imports

def bench_scale(b):
    count, rounds, kinds = b.scale_units, b.scale_rounds, ['uri', 'ping', 'info', 'unit_unchanged']
    with Emulator(provisioning_delay=0) as emu:
        started = time.monotonic()
        seed_units(emu, ['scale-%05d' % i for i in range(count)])
        seed_seconds = time.monotonic() - started
        task_of = dict(list_tasks(emu), unit_unchanged={'ionoscloud.backup.backupunit': {
            'name': 'scale-%05d' % (count // 2), 'email': 'seed@example.com'}})
        tasks = [{'name': 'check info', 'register': 'listed', 'ionoscloud.backup.backupunit_info': {}},
                 {'name': 'check count', 'ansible.builtin.assert': {'that': ['listed.backupunits | length == %d' % count], 'quiet': True}}]
        tasks += interleaved(['w0'] + ['r%02d' % i for i in range(rounds)], kinds, task_of)
        samples = b.playbook('scale_time', [play(emu, tasks)])[0].samples(kinds, rounds)
        # peak memory: the same tasks with the interpreter MAXRSS (separate runs: its start-up is not in the times above)
        wrapper, rss_file = os.path.join(b.work, 'python-maxrss'), os.path.join(b.work, 'maxrss.jsonl')
        with open(wrapper, 'w', encoding='utf-8') as handle:
            handle.write('#!%s\n%s' % (b.python, MAXRSS))
        os.chmod(wrapper, 0o755)
        b.playbook('scale_memory', [play(emu, interleaved(['m%d' % i for i in range(b.memory_rounds)], kinds, task_of))],
                   inventory=b.write_inventory('maxrss', ['localhost'], interpreter=wrapper), extra_env={'BENCH_MAXRSS_FILE': rss_file})
    records, memory = read_jsonl(rss_file), {}
    for kind, module in zip(kinds, ('uri', 'ping', 'backupunit_info', 'backupunit')):
        values = [rec['maxrss_kb'] / 1024.0 for rec in records if rec['module'] == module]
        if len(values) != b.memory_rounds:
            raise BenchError('scale: %d memory records for %s, expected %d' % (len(values), kind, b.memory_rounds))
        memory[kind] = {'median_mib': median(values), 'max_mib': max(values)}
    m = {k: median(v) for k, v in samples.items()}
    return {'units': count, 'rounds': rounds, 'seed_seconds': seed_seconds, 'samples': samples, 'median': m, 'memory': memory,
            'memory_rounds': b.memory_rounds, 'ratio_info_uri': m['info'] / m['uri']}


def limit_runs(b, name, make_play, emulator_options, **kwargs):
    """A playbook run without and one under RATE_LIMIT: (label, limit, Events, wall, the emulator's log, its units by name)."""
    for label, limit in (('unlimited', None), ('limited', RATE_LIMIT)):
        with Emulator(**dict(emulator_options, **({'rate_limit': limit[0], 'rate_burst': limit[1]} if limit else {}))) as emu:
            log('%s: %s' % (name, label))
            events, wall = b.playbook('%s_%s' % (name, label), [make_play(emu, label)], allow_failures=True, **kwargs)
            yield label, limit, events, wall, emu.log(), units_by_name(emu)


def bench_throughput(b):
    hosts, per_host, runs = ['bench-host-%02d' % i for i in range(1, b.tp_hosts + 1)], b.tp_units, {}
    tasks = [{'name': 'create units', 'loop': '{{ range(%d) | list }}' % per_host, 'ionoscloud.backup.backupunit': {
        'name': "tp-{{ inventory_hostname }}-{{ '%02d' | format(item) }}", 'email': 'tp@example.com', 'backupunit_password': UNIT_PASSWORD}}]
    for label, limit, events, wall, entries, found in limit_runs(
            b, 'throughput', lambda emu, label: play(emu, tasks, hosts='all'), {'provisioning_delay': 0.2, 'request_tracking': True},
            inventory=b.write_inventory('throughput', hosts), extra_env={'ANSIBLE_FORKS': str(len(hosts))}):
        spans, failed = events.spans(), events.of('item_failed')
        start = min(rec['start'] for rec in spans)
        runs[label] = dict(rate_limited_run(entries, found, {'tp-%s-%02d' % (h, i) for h in hosts for i in range(per_host)}, limit,
                                            max(rec['t'] for rec in spans) - start),
                           wall=wall, failures=len(failed), failed_hosts=len({rec['host'] for rec in events.of('failed')}),
                           failure_messages=sorted({rec.get('msg', '') for rec in failed})[:5],
                           item_times=sorted(rec['t'] - start for rec in events.of('item_ok')))
    return {'hosts': len(hosts), 'units_per_host': per_host, 'forks': len(hosts), 'runs': runs}


def importtime(python, target, env):
    """(total µs of importing target, {owning package: self µs}) from python -X importtime."""
    proc = subprocess.run([python, '-X', 'importtime', '-c', 'import ' + target], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BenchError('importing %s failed: %s' % (target, proc.stderr[-2000:]))
    total, by_package = None, {}
    for self_us, cumulative, name in re.findall(r'^import time:\s+(\d+) \|\s+(\d+) \| *(\S+)', proc.stderr, re.M):
        top = name.split('.')[0]
        if name.startswith('ansible_collections.ionoscloud'):
            top = 'ionoscloud.backup'
        elif name.startswith('ansible.module_utils'):
            top = 'ansible.module_utils'
        elif top in ('requests', 'urllib3', 'charset_normalizer', 'idna', 'certifi', 'chardet', 'brotli', 'brotlicffi', 'socks',
                     'simplejson', 'zstandard', 'h2', 'backports'):     # with the optional packages they probe for
            top = 'requests + its dependencies'
        elif top in sys.stdlib_module_names or top.startswith('_'):
            top = 'standard library'
        by_package[top] = by_package.get(top, 0) + int(self_us)
        total = int(cumulative) if name == target else total
    return total, by_package


def bench_imports(b):
    env = dict(os.environ, PYTHONPATH=b.collections_path)
    env.pop('PYTHONDONTWRITEBYTECODE', None)      # use the .pyc caches, as a warm machine does
    targets = [('ionoscloud.backup.' + m, 'ansible_collections.ionoscloud.backup.plugins.modules.' + m) for m in MODULES] + [
        ('ansible.builtin.uri', 'ansible.modules.uri'), ('ansible.builtin.ping', 'ansible.modules.ping'), ('requests alone', 'requests'),
        ('ansible.module_utils.basic alone', 'ansible.module_utils.basic')]
    rows = []
    for label, target in targets:
        importtime(b.python, target, env)     # warm the .pyc caches
        # importing is CPU-bound: the fastest run is the one least disturbed by other work
        runs = sorted((importtime(b.python, target, env) for _run in range(b.import_runs)), key=lambda run: run[0])
        rows.append({'label': label, 'target': target, 'median_ms': median([run[0] for run in runs]) / 1000.0, 'min_ms': runs[0][0] / 1000.0,
                     'breakdown_ms': {k: v / 1000.0 for k, v in sorted(runs[0][1].items(), key=lambda kv: -kv[1])}})
    return {'runs': b.import_runs, 'rows': rows}


# ------------------------------------------------------------------------------ 8-10. the role

def role_play(emu, name, units):
    """A play that applies the role backupunits to `units`, as the role's README shows it."""
    return play(emu, [{'role': 'ionoscloud.backup.backupunits', 'vars': {'backupunits': units}}], name=name, key='roles')


def loop_play(emu, name, units):
    """A play that loops the single-unit module over the same list (wait: true)."""
    return play(emu, [{'name': 'backupunit loop', 'loop': units, 'loop_control': {'label': '{{ item.name }}'}, 'ionoscloud.backup.backupunit': {
        'name': '{{ item.name }}', 'email': '{{ item.email }}', 'backupunit_password': '{{ item.password }}', 'wait': True}}], name=name)


def declared(prefix, count):
    return [{'name': '%s-%03d' % (prefix, i), 'email': 'role@example.com', 'password': UNIT_PASSWORD} for i in range(count)]


def check_converged(where, emu, units):
    """Every declared unit exists exactly once, AVAILABLE, with its email; nothing else exists."""
    found = units_by_name(emu)
    for unit in units:
        got = found.get(unit['name']) or []
        if len(got) != 1 or got[0].get('email') != unit['email'] or got[0].get('state') != 'AVAILABLE':
            raise BenchError('%s: unit %s is %r, expected one AVAILABLE unit with email %s' % (where, unit['name'], got, unit['email']))
    if set(found) - {unit['name'] for unit in units}:
        raise BenchError('%s: units nobody declared: %s' % (where, sorted(set(found) - {unit['name'] for unit in units})))


def bench_role(b):
    """8. The role against a loop of backupunit over the same list, 2 s provisioning (untracked: today's API with its
    BUSY window), first run and unchanged re-runs, interleaved; 9. the requests of one unchanged run of each."""
    whos, phases, units = ('role', 'loop'), ('first', 'unchanged'), declared('unit', b.role_units)
    options = {'provisioning_delay': 2.0, 'request_tracking': False}
    samples, requests, changed = ({phase: {who: [] for who in whos} for phase in phases} for _copy in range(3))
    shapes, make, exact = {'first': {}, 'unchanged': {}}, {'role': role_play, 'loop': loop_play}, {}
    # One emulator per competitor, both in the same mode: each starts every round from an empty contract, and the
    # role sees no units it does not declare (it would report them in a task).
    with Emulator(**options) as role_emu, Emulator(**options) as loop_emu:
        emus = {'role': role_emu, 'loop': loop_emu}
        for r in range(b.role_rounds):
            for emu in emus.values():
                emu.reset()                         # forget every unit: the next run creates all of them
            for phase, runs in (('first', 1), ('unchanged', b.role_reruns)):
                for emu in emus.values():
                    emu.clear_log()
                names = [(who, '%s %s r%d.%d' % (who, phase, r, k)) for k in range(runs) for who in rotate(whos, r + k)]
                log('role vs loop: round %d, %s run, %d units' % (r + 1, phase, len(units)))
                jobs = b.playbook('role_%s_r%d' % (phase, r), [make[who](emus[who], name, units) for who, name in names])[0].plays()
                for who, name in names:
                    samples[phase][who].append(jobs[name][0])
                    changed[phase][who].append(any(rec['changed'] for rec in jobs[name][1]))
                for who, emu in emus.items():
                    entries = emu.log()
                    requests[phase][who].append(len(entries) / float(runs))
                    if runs == 1:       # by shape: what one run sent (the last round's)
                        shapes[phase][who] = dict(count_shapes([e for e in entries if e['status'] != 404]),
                                                  **{'404 answers': sum(1 for e in entries if e['status'] == 404)})
                    check_converged('role vs loop (%s, %s)' % (who, phase), emu, units)
        for who, emu in emus.items():       # 9: exactly what one unchanged run sends, each competitor on its own
            emu.clear_log()
            spans = b.playbook('role_requests_' + who, [make[who](emu, '%s requests' % who, units)])[0].spans()
            entries = emu.log()
            exact[who] = {'requests': len(entries), 'detail': summarize_requests(entries), 'changed': any(rec['changed'] for rec in spans)}
            check_converged('requests (%s)' % who, emu, units)
    if not all(all(changed['first'][who]) for who in whos):
        raise BenchError('role vs loop: a first run reported no change: %r' % changed['first'])
    if any(any(changed['unchanged'][who]) for who in whos) or any(e['changed'] for e in exact.values()):
        raise BenchError('role vs loop: an unchanged run reported a change: %r %r' % (changed['unchanged'], exact))
    result = {'units': len(units), 'rounds': b.role_rounds, 'reruns': b.role_reruns, 'emulator': options, 'samples': samples,
              'requests_per_run': requests, 'first_run_requests': shapes['first'], 'unchanged_requests': exact, 'cases': {}}
    for phase in phases:
        m = {who: median(samples[phase][who]) for who in whos}
        result['cases'][phase] = {'median': m, 'speedup': m['loop'] / m['role'], 'requests': {who: median(requests[phase][who]) for who in whos},
                                  'paired_speedup': median([lo / ro for ro, lo in zip(samples[phase]['role'], samples[phase]['loop'])])}
    return result


def bench_role_throughput(b):
    """10. Many declared units through the role in one run, without a limit and under 600/min, burst 20; the emulator
    in its default mode (today's API: a write is finished when answered)."""
    units, runs = declared('rl', b.role_tp_units), {}
    for label, limit, events, wall, entries, found in limit_runs(b, 'role_throughput', lambda emu, label: role_play(emu, 'role ' + label, units), {}):
        (makespan, spans), failed = next(iter(events.plays().values())), events.of('failed')
        runs[label] = dict(rate_limited_run(entries, found, {u['name'] for u in units}, limit, makespan), wall=wall, failures=len(failed),
                           failure_messages=[rec.get('msg', '') for rec in failed][:3], tasks={rec['task']: rec['t'] - rec['start'] for rec in spans},
                           not_available=sum(1 for v in found.values() for u in v if u.get('state') != 'AVAILABLE'))
    return {'units': len(units), 'runs': runs}


# ------------------------------------------------------------------------------ 11. the emulator

def emulator_rate(emu, path, threads, seconds):
    """GET path per second from `threads` threads, each with one keep-alive connection, during `seconds`."""
    def worker(deadline):
        client, count = KeepAlive(emu), 0
        while time.perf_counter() < deadline:
            status = client.request('GET', path)[0]
            if status != 200:
                raise BenchError('emulator: GET %s failed: %s' % (path, status))
            count += 1
        client.conn.close()
        return count

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        counts = list(pool.map(worker, [started + seconds] * threads))
    return sum(counts) / (time.perf_counter() - started)


def bench_emulator(b):
    """11. Is the emulator ever the bottleneck? GET /backupunits?depth=1 per second with 100 units from keep-alive
    threads; one list of many units, the first call after the writes (caches cold) and warm; in process, its pretty
    serializer with empty caches against json.dumps(indent=2)."""
    names = ['bench-%05d' % i for i in range(b.emu_units)]
    result = {'threads': b.emu_threads, 'seconds': b.emu_seconds, 'runs': b.emu_runs, 'units': b.emu_units, 'rate': {}, 'cold': {},
              'warm': {}, 'size': {}, 'json_dumps': [], 'serializer': []}
    layouts = (('pretty', '/backupunits?depth=1'), ('compact', '/backupunits?depth=1&pretty=false'))
    with Emulator(provisioning_delay=0) as emu:
        seed_units(emu, names[:100], 'bench@example.com')
        for layout, path in layouts:
            result['rate'][layout] = [emulator_rate(emu, path, b.emu_threads, b.emu_seconds) for _run in range(b.emu_runs)]
        for layout, path in layouts:
            cold, warm = result['cold'].setdefault(layout, []), result['warm'].setdefault(layout, [])
            for _run in range(b.emu_runs):
                emu.reset()     # a write to every unit would empty all caches too; a reset and re-create is simpler
                seed_units(emu, names, 'bench@example.com')
                client = KeepAlive(emu)
                client.request('GET', '/backupunits?depth=0&pretty=false')     # a cheap first call on the connection
                for call in range(1 + b.emu_warm):
                    started = time.perf_counter()
                    status, payload = client.request('GET', path)
                    (warm if call else cold).append(time.perf_counter() - started)
                    if status != 200:
                        raise BenchError('emulator: GET %s failed: %s' % (path, status))
                client.conn.close()
                result['size'][layout] = len(payload)
    state = load_module('bench_server', os.path.join(EMULATOR_DIR, 'server.py')).EmulatorState('u', 'p', 't', 0, True, None)
    for name in names:
        state.create_unit(None, {'properties': {'name': name, 'email': 'bench@example.com'}}, 'x')
    units = list(state.unit_index.values())
    document = {'id': 'backupunits', 'type': 'collection', 'href': 'http://h/cloudapi/v6/backupunits',
                'items': [unit.to_api(state.user_id) for unit in units]}
    for key, serialize in (('json_dumps', lambda: json.dumps(document, indent=2)), ('serializer', lambda: state.list_units(None, True, True))):
        for _run in range(b.emu_runs):
            for unit in units:
                unit.changed()  # empty the per-unit caches: the cold path
            started = time.perf_counter()
            serialize()
            result[key].append(time.perf_counter() - started)
    return result


# ------------------------------------------------------------------------------ the run

def git(*args):
    proc = subprocess.run(['git', '-C', REPO_ROOT] + list(args), capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else ''


def build_and_install(work, python, from_worktree):
    """The measured tree (HEAD exported into work/source, or the working tree), built and installed into work/installed
    (not work/collections: Ansible prefers a playbook's adjacent collections/ over ANSIBLE_COLLECTIONS_PATH)."""
    status = git('status', '--porcelain', '--', 'plugins', 'roles', 'meta', 'galaxy.yml', 'tests/mock_api') if from_worktree else ''
    source = {'commit': git('rev-parse', '--short', 'HEAD').strip() or None, 'from_worktree': from_worktree,
              'uncommitted': [line[3:] for line in status.splitlines() if line.strip()]}
    source_dir, galaxy, dist, collections = REPO_ROOT, os.path.join(os.path.dirname(python), 'ansible-galaxy'), work + '/dist', work + '/installed'
    if from_worktree:
        log('measuring the working tree (commit %s plus uncommitted changes: %s)' % (source['commit'], ', '.join(source['uncommitted']) or 'none'))
    else:
        source_dir, archive = os.path.join(work, 'source'), os.path.join(work, 'source.tar')
        subprocess.run(['git', '-C', REPO_ROOT, 'archive', '--format=tar', '-o', archive, source['commit']], check=True)
        with tarfile.open(archive) as handle:
            handle.extractall(source_dir, filter='data')
        log('measuring commit %s' % source['commit'])
    log('building and installing the collection into %s' % work)
    subprocess.run([galaxy, 'collection', 'build', '--force', '--output-path', dist, source_dir], check=True, stdout=subprocess.DEVNULL)
    tarball = glob.glob(os.path.join(dist, '*.tar.gz'))[0]
    subprocess.run([galaxy, 'collection', 'install', '--offline', '-p', collections, tarball], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, ANSIBLE_HOME=os.path.join(work, 'ansible_home'), ANSIBLE_COLLECTIONS_PATH=collections))
    return source, source_dir, collections, os.path.basename(tarball)


def machine_info(python):
    def first(path, key, default):
        """What follows the first line starting with `key` and its ':' or '=' in the file."""
        try:
            with open(path, encoding='utf-8') as handle:
                return next((re.split('[:=]', line, maxsplit=1)[1].strip() for line in handle if line.startswith(key)), default)
        except OSError:
            return default

    core = subprocess.run([python, '-c', 'import ansible.release as r, platform, requests; print(r.__version__, '
                           'requests.__version__, platform.python_version())'], capture_output=True, text=True, check=True).stdout.split()
    memory = first('/proc/meminfo', 'MemTotal', None)
    return {'cpu': first('/proc/cpuinfo', 'model name', platform.processor() or platform.machine()), 'cpus': os.cpu_count(),
            'memory_mib': int(memory.split()[0]) // 1024 if memory else None, 'kernel': platform.release(),
            'os': first('/etc/os-release', 'PRETTY_NAME', platform.platform()).strip('"'), 'python': core[2], 'ansible_core': core[0],
            'requests': core[1], 'date': utc_now()}


def run(args, only):
    global EMULATOR_DIR, Emulator      # pylint: disable=global-statement
    python, work, results = sys.executable, tempfile.mkdtemp(prefix='ionos-bench-'), {}
    try:
        source, source_dir, collections, tarball = build_and_install(work, python, args.from_worktree)
        EMULATOR_DIR = os.path.join(source_dir, 'tests', 'mock_api')    # the emulator of the measured tree
        Emulator = load_module('bench_harness', os.path.join(EMULATOR_DIR, 'harness.py')).Emulator
        b = Bench(args.quick, work, python, collections)
        if os.path.exists(args.results):
            with open(args.results, encoding='utf-8') as handle:
                results = json.load(handle)         # sections not run this time are kept
        results.update(machine=machine_info(python), collection=tarball, source=source, quick=args.quick,
                       client_policies=b.client_policies())
        for section in only:
            log('section %s' % section)
            started, load_before = time.monotonic(), os.getloadavg()[0]
            results[section] = globals()['bench_' + section](b)
            # other work on the machine skews absolute times (ratios less): record it
            results[section].update(section_seconds=time.monotonic() - started, load_average=[load_before, os.getloadavg()[0]],
                                    measured_at=utc_now())
            log('section %s done in %.0f s' % (section, results[section]['section_seconds']))
            os.makedirs(os.path.dirname(args.results), exist_ok=True)
            with open(args.results, 'w', encoding='utf-8') as handle:
                json.dump(results, handle, indent=1)
    finally:
        if args.keep:
            log('scratch directory kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='few rounds, small scale: checks the suite works')
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated sections (default: all)')
    parser.add_argument('--results', default=os.path.join(REPO_ROOT, 'build', 'bench', 'results.json'),
                        help='where the raw results are written (default build/bench/results.json)')
    parser.add_argument('--render-only', action='store_true', help='only (re)write docs/performance.md from --results')
    parser.add_argument('--no-render', action='store_true', help='do not write docs/performance.md')
    parser.add_argument('--keep', action='store_true', help='keep the scratch directory (playbooks, logs, events)')
    parser.add_argument('--from-worktree', action='store_true', help='measure the working tree, uncommitted changes included '
                        '(default: the commit HEAD)')
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(',') if s.strip()]
    if set(only) - set(SECTIONS):
        parser.error('unknown sections: %s' % ', '.join(sorted(set(only) - set(SECTIONS))))
    if not args.render_only:
        run(args, [section for section in SECTIONS if section in only])
    if not args.no_render:
        if not importlib.util.find_spec('matplotlib') and sys.prefix != sys.base_prefix:   # the chart's one dependency
            log('installing matplotlib into %s for the chart' % sys.prefix)
            proc = subprocess.run([sys.executable, '-m', 'pip', '-q', '--disable-pip-version-check', 'install', '-r',
                                   os.path.join(BENCH_DIR, 'requirements-chart.txt')], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                log('could not install matplotlib (no chart):\n%s' % (proc.stdout + proc.stderr)[-2000:])
        import report     # benchmarks/report.py
        with open(args.results, encoding='utf-8') as handle:
            report.write(json.load(handle), os.path.join(REPO_ROOT, 'docs'))
        log('wrote docs/performance.md')


if __name__ == '__main__':
    try:
        main()
    except BenchError as exc:
        print('BENCHMARK ERROR: %s' % exc, file=sys.stderr)
        sys.exit(1)
