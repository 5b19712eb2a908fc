# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ionoscloud.backup benchmarks (`make bench`): build/bench/results.json, then docs/performance.md (report.py).

The commit HEAD (`git archive`, its emulator tests/mock_api too) is built and installed offline, then run by
`ansible-playbook` against the emulator on loopback, timed by callback_plugins/bench_timer.py.
Competitors run interleaved, so ratios are measured side by side. A run fails only when something is wrong (a task
failed, a unit is missing or doubled), never because it is slow: report.py gives each goal its verdict.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from statistics import median

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
BIN = os.path.dirname(sys.executable)       # the venv's ansible, ansible-playbook and ansible-galaxy
SECTIONS = ('per_task', 'requests', 'waiting', 'scale', 'throughput', 'imports', 'role', 'role_throughput')
PASSWORD = 'Bench-pass-2025'
CHART_REQUIREMENT = 'matplotlib==3.11.2'    # the chart's one dependency, installed into the venv when missing
RATE_LIMIT = (600, 20)      # requests per minute, burst (sections 6 and 10)
SIZES = {'rounds': (4, 25), 'warmup': (1, 2), 'wait_rounds': (2, 5), 'scale_units': (1000, 10000), 'scale_rounds': (2, 5),
         'memory_rounds': (1, 3), 'tp_hosts': (5, 20), 'tp_units': (3, 10), 'import_runs': (3, 15), 'role_rounds': (1, 3),
         'role_reruns': (1, 3), 'role_tp_units': (50, 200)}      # (--quick, full)
REQUESTS_PACKAGES = {'requests', 'urllib3', 'charset_normalizer', 'idna', 'certifi', 'chardet', 'brotli', 'brotlicffi', 'socks',
                     'simplejson', 'zstandard', 'h2', 'backports'}    # with the optional packages they probe for
# Section 5's interpreter: runs the real one as a child, then appends the module process's peak resident set in KiB.
MAXRSS = r"""import json, os, re, resource, subprocess, sys
status = subprocess.call([sys.executable] + sys.argv[1:])
module = ([m.group(1) for m in map(re.compile(r'AnsiballZ_(\w+)\.py').search, sys.argv[1:]) if m] or [None])[-1]
with open(os.environ['BENCH_MAXRSS_FILE'], 'a', encoding='utf-8') as out:
    out.write(json.dumps({'module': module, 'kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}) + '\n')
sys.exit(status)
"""


class BenchError(RuntimeError):
    """Something went wrong (not: something was slow)."""


def log(message):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def rotate(items, n):
    return list(items[n % len(items):]) + list(items[:n % len(items)])


def read_jsonl(path):
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def seed(emu, names, email='seed@example.com'):
    """Units created through the API, then AVAILABLE (read through the control API: the list caches stay cold)."""
    for name in names:
        emu.create_unit(name, email, PASSWORD)
    emu.wait_all_available(timeout=120)


def shape(entry):
    """'GET /backupunits/{id}' for a log entry (base path and ids folded), an error status added."""
    text = '%s %s' % (entry['method'], re.sub(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', '{id}', entry['path'].split('/cloudapi/v6')[-1]))
    return text + (' (%s)' % entry['status'] if (entry['status'] or 0) >= 400 else '')


def count_shapes(entries):
    """'20 POST /backupunits, 7 GET /backupunits': the requests by shape, most frequent first."""
    shapes = [shape(e) for e in entries]
    return ', '.join('%d %s' % (shapes.count(s), s) for s in sorted(set(shapes), key=lambda s: (-shapes.count(s), s)))


def summarize(entries):
    """'GET /backupunits, 3x GET /requests/{id}/status': the requests in order, repeats folded."""
    groups = ((s, len(list(g))) for s, g in itertools.groupby(shape(e) for e in entries))
    return ', '.join(s if n == 1 else '%dx %s' % (n, s) for s, n in groups)


def check_units(where, emu, units):
    """Every declared unit exists exactly once, AVAILABLE, with its email; nothing else exists."""
    found = sorted((unit['name'], unit.get('email'), unit.get('state')) for unit in emu.units())
    if found != sorted((unit['name'], unit['email'], 'AVAILABLE') for unit in units):
        raise BenchError('%s: the emulator holds %s (name, email, state), not the %d declared units' % (where, found, len(units)))


def spans(records):
    """The callback's records of finished tasks: 'start' (handed to a worker) and 't' (its result), monotonic."""
    return [rec for rec in records if rec.get('start') is not None]


def plays(records):
    """play name -> (seconds from its first task's start to its last task's result, its finished tasks)"""
    tasks = {rec['play']: [r for r in spans(records) if r['play'] == rec['play']] for rec in records if rec['event'] == 'play'}
    return {name: (max(r['t'] for r in recs) - min(r['start'] for r in recs), recs) for name, recs in tasks.items() if recs}


def role_play(emu, name, units):
    """The role backupunits applied to `units`, as its README shows it."""
    return play(emu, [{'role': 'ionoscloud.backup.backupunits', 'vars': {'backupunits': units}}], name=name, key='roles')


def loop_play(emu, name, units):
    """backupunit looped over the same list, wait: true."""
    return play(emu, [{'name': 'backupunit loop', 'loop': units, 'loop_control': {'label': '{{ item.name }}'}, 'ionoscloud.backup.backupunit': {
        'name': '{{ item.name }}', 'email': '{{ item.email }}', 'backupunit_password': '{{ item.password }}', 'wait': True}}], name=name)


def declared(prefix, count):
    return [{'name': '%s-%03d' % (prefix, i), 'email': 'role@example.com', 'password': PASSWORD} for i in range(count)]


class Bench:
    """One run: its scratch directory, the installed collection, the emulator class and the sizes; runs Ansible."""

    def __init__(self, quick, work, installed, emulator):
        self.__dict__.update({name: sizes[0 if quick else 1] for name, sizes in SIZES.items()})
        self.work, self.installed, self.Emulator, self.numbers, self.python = work, installed, emulator, itertools.count(1), sys.executable
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('IONOS_', 'ANSIBLE_'))}
        self.env.update(ANSIBLE_COLLECTIONS_PATH=installed, ANSIBLE_HOME=os.path.join(work, 'ansible_home'), ANSIBLE_NOCOLOR='1',
                        ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH_DIR, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='bench_timer',
                        ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                        ANSIBLE_RETRY_FILES_ENABLED='false', ANSIBLE_DEPRECATION_WARNINGS='false', ANSIBLE_FORKS='5')
        self.inventory = self.write_inventory('localhost', ['localhost'])

    def write_inventory(self, name, hosts, interpreter=None):
        path = os.path.join(self.work, 'inventory-%s.ini' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.writelines('%s ansible_connection=local ansible_python_interpreter=%s\n' % (h, interpreter or self.python) for h in hosts)
        return path

    def playbook(self, name, plays_, inventory=None, env=None, allow_failures=False):
        """The callback's records of one ansible-playbook run; with allow_failures, failed tasks are a result."""
        stem = os.path.join(self.work, '%03d-%s' % (next(self.numbers), name))
        with open(stem + '.yml', 'w', encoding='utf-8') as handle:
            json.dump(plays_, handle, indent=1)     # JSON is YAML
        with open(stem + '.log', 'w', encoding='utf-8') as out:
            status = subprocess.call([os.path.join(BIN, 'ansible-playbook'), '-i', inventory or self.inventory, handle.name], stdout=out,
                                     stderr=subprocess.STDOUT, env=dict(self.env, BENCH_TIMER_FILE=stem + '.jsonl', **(env or {})), cwd=self.work)
        if status == 0 or allow_failures and status == 2:
            return read_jsonl(stem + '.jsonl')
        with open(out.name, encoding='utf-8') as handle:
            raise BenchError('%s failed (exit %s); log %s:\n%s' % (name, status, out.name, handle.read()[-3000:]))

    def timed_rounds(self, name, plays_, kinds, count, warmup):
        """{kind: [seconds of each measured round's task of that kind]}: `warmup` + `count` rounds of one task of each
        kind, in an order that rotates every round, added to the play's own tasks."""
        labels = ['w%d' % i for i in range(warmup)] + ['r%02d' % i for i in range(count)]
        plays_[0]['tasks'] += [dict(task, name='%s %s' % (label, kind)) for index, label in enumerate(labels)
                               for kind, task in rotate(list(kinds.items()), index)]
        took = {rec['task']: rec['t'] - rec['start'] for rec in spans(self.playbook(name, plays_))}
        return {kind: [took['r%02d %s' % (i, kind)] for i in range(count)] for kind in kinds}

    def per_task(self):
        with self.Emulator() as emu:
            seed(emu, ['pertask-%02d' % i for i in range(20)])
            emu.clear_log()
            samples = self.timed_rounds('per_task', [play(emu, [])], list_tasks(emu), self.rounds, self.warmup)
            if [shape(e) for e in emu.log()] != ['GET /backupunits'] * (2 * (self.warmup + self.rounds)):
                raise BenchError('per_task: uri and backupunit_info did not send one GET /backupunits each: %s' % summarize(emu.log()))
        return {'rounds': self.rounds, 'warmup': self.warmup, 'units': 20, 'samples': samples}

    def requests(self):
        unit, gone = {'name': 'req-unit', 'email': 'a@example.com', 'backupunit_password': PASSWORD}, {'name': 'req-unit', 'state': 'absent'}
        operations = [  # an operation whose name starts with 'check mode' runs in check mode
            ('create', 'backupunit', unit), ('unchanged', 'backupunit', unit), ('update (email)', 'backupunit', dict(unit, email='b@example.com')),
            ('update_password: always', 'backupunit', dict(unit, email='b@example.com', backupunit_password='Other-pass-2025', update_password='always')),
            ('check mode: create', 'backupunit', dict(unit, name='req-other')), ('check mode: update', 'backupunit', dict(unit, email='c@example.com')),
            ('info: all units', 'backupunit_info', {}), ('info: by name', 'backupunit_info', {'name': 'req-unit'}),
            ('info: all units, contract_number set', 'backupunit_info', {'contract_number': '<contract>'}),
            ('info: by id', 'backupunit_info', {'id': '<id>'}), ('SSO URL: by name', 'backupunit_sso_url', {'name': 'req-unit'}),
            ('SSO URL: by id', 'backupunit_sso_url', {'id': '<id>'}), ('delete', 'backupunit', gone), ('absent when missing', 'backupunit', gone)]
        rows = []
        with self.Emulator() as emu:       # its default mode: today's API
            seed(emu, ['req-neighbour-%d' % i for i in range(3)])
            fill = {'<contract>': emu.config()['contracts'][0]}
            for operation, module, args in operations:
                fill['<id>'] = fill.get('<id>') or next((u['id'] for u in emu.units() if u['name'] == 'req-unit'), None)
                emu.clear_log()
                task = {'ionoscloud.backup.' + module: {k: fill.get(v, v) for k, v in args.items()}, 'check_mode': operation.startswith('check mode')}
                record = spans(self.playbook('requests', [play(emu, [task])]))[0]
                entries = emu.log()
                if any(e['status'] is None or e['status'] >= 400 and e['status'] != 404 for e in entries):
                    raise BenchError('requests: %s got an error answer: %s' % (operation, entries))
                rows.append({'operation': operation, 'requests': len(entries), 'detail': summarize(entries), 'changed': record['changed']})
        return {'rows': rows}

    def waiting(self):
        from ansible_collections.ionoscloud.backup.plugins.module_utils import _backupunit, _client   # pylint: disable=import-outside-toplevel

        def polls(entries, tracking):
            """Tracking on: the status polls (then the unit is read once). Off: the status URL's 404, then the unit's polls."""
            shapes = [shape(e).split(' (')[0] for e in entries]      # a 404 counts
            return shapes.count('GET /requests/{id}/status') + (0 if tracking else shapes.count('GET /backupunits/{id}'))

        delay, result = 2.0, {'delay': 2.0, 'rounds': self.wait_rounds, 'modes': {}}
        with self.Emulator() as emu:
            for mode, tracking in (('on', True), ('off', False)):
                emu.configure(request_tracking=tracking)
                data = result['modes'][mode] = {'task_0': [], 'task_2': [], 'task_polls': [], 'alone': [], 'alone_polls': []}
                for r in range(self.wait_rounds):      # the whole task: backupunit creates, 0 s and 2 s alternating
                    for d in rotate([0.0, delay], r):
                        emu.configure(provisioning_delay=d)
                        emu.clear_log()
                        record = spans(self.playbook('waiting', [play(emu, [{'ionoscloud.backup.backupunit': {
                            'name': 'wait-%s-%g-%d' % (mode, d, r), 'email': 'w@example.com', 'backupunit_password': PASSWORD}}])]))[0]
                        entries = emu.log()
                        after = entries[[shape(e) for e in entries].index('POST /backupunits') + 1:]
                        data['task_%d' % d].append(record['t'] - record['start'])
                        if d:
                            data['task_polls'].append(polls(after, tracking))
                            data['after_post'] = summarize(after)
                emu.configure(provisioning_delay=delay)
                client = _client.ApiClient(api_url=emu.url, username=emu.username, password=emu.password)
                for r in range(self.wait_rounds):      # the wait alone: the installed BackupUnits._wait, from the POST's answer
                    name = 'alone-%s-%d' % (mode, r)
                    response = client.post('/backupunits', {'properties': {'name': name, 'password': PASSWORD}})
                    answered = time.monotonic()
                    emu.clear_log()
                    outcome = _backupunit.Outcome(_backupunit.Plan(name, 'create', None, {'name': name}, None, False))
                    outcome.unit_id, outcome.answered, outcome.location = response.body['id'], response.body, response.location
                    unit = _backupunit.BackupUnits(client)._wait(outcome, 600)     # pylint: disable=protected-access
                    data['alone'].append(time.monotonic() - answered - delay)
                    if _backupunit.unit_state(unit or {}) != 'AVAILABLE':
                        raise BenchError('waiting: BackupUnits._wait returned %r' % (unit,))
                    data['alone_polls'].append(polls(emu.log(), tracking))
        return result

    def scale(self):
        count, wrapper, rss_file = self.scale_units, os.path.join(self.work, 'python-maxrss'), os.path.join(self.work, 'maxrss.jsonl')
        with self.Emulator() as emu:
            started = time.monotonic()
            seed(emu, ['scale-%05d' % i for i in range(count)])
            seeded = time.monotonic() - started
            kinds = dict(list_tasks(emu), unchanged={'ionoscloud.backup.backupunit': {'name': 'scale-00000', 'email': 'seed@example.com'}})
            check = [{'name': 'check info', 'register': 'listed', 'ionoscloud.backup.backupunit_info': {}},
                     {'name': 'check count', 'ansible.builtin.assert': {'that': ['listed.backupunits | length == %d' % count]}}]
            samples = self.timed_rounds('scale_time', [play(emu, check)], kinds, self.scale_rounds, 1)
            # peak memory: separate runs with the MAXRSS interpreter, whose start-up must not count in the times above
            with open(wrapper, 'w', encoding='utf-8') as handle:
                handle.write('#!%s\n%s' % (self.python, MAXRSS))
            os.chmod(wrapper, 0o755)
            tasks = [dict(task, name='m%d %s' % (i, kind)) for i in range(self.memory_rounds) for kind, task in kinds.items()]
            self.playbook('scale_memory', [play(emu, tasks)], self.write_inventory('maxrss', ['localhost'], wrapper), env={'BENCH_MAXRSS_FILE': rss_file})
        records, memory = read_jsonl(rss_file), {}
        for kind, module in zip(kinds, ('ping', 'uri', 'backupunit_info', 'backupunit')):
            memory[kind] = [rec['kib'] / 1024.0 for rec in records if rec['module'] == module]
            if len(memory[kind]) != self.memory_rounds:
                raise BenchError('scale: %d memory records for %s, expected %d' % (len(memory[kind]), module, self.memory_rounds))
        return {'units': count, 'rounds': self.scale_rounds, 'seed_seconds': seeded, 'samples': samples, 'memory_mib': memory,
                'memory_rounds': self.memory_rounds}

    def limit_runs(self, name, make_play, wanted, emulator_options, **kwargs):
        """{'unlimited': run, 'limited': run}: a playbook without and one under RATE_LIMIT, what it did from the callback's
        records and the emulator's log and units. Makespan: first task start to last result."""
        runs = {}
        for label, limit in (('unlimited', None), ('limited', RATE_LIMIT)):
            with self.Emulator(**dict(emulator_options, **({'rate_limit': limit[0], 'rate_burst': limit[1]} if limit else {}))) as emu:
                log('%s: %s' % (name, label))
                records = self.playbook('%s_%s' % (name, label), [make_play(emu)], allow_failures=True, **kwargs)
                entries, found = emu.log(), collections.Counter(unit['name'] for unit in emu.units())
            done, failed = spans(records), [rec for rec in records if rec['event'] in ('failed', 'item_failed')]
            accepted = [e for e in entries if e['status'] != 429]
            posts = sum(1 for e in entries if e['method'] == 'POST' and e['status'] == 202)
            runs[label] = {'makespan': max(r['t'] for r in done) - min(r['start'] for r in done), 'accepted': len(accepted),
                           'rate_limited': len(entries) - len(accepted), 'by_shape': count_shapes(accepted), 'units': len(found),
                           'missing': len(wanted - set(found)), 'duplicates': sum(n - 1 for n in found.values()),
                           'extra_posts': max(0, posts - len(wanted)), 'failures': sum(rec['event'] == 'item_failed' for rec in failed) or len(failed),
                           'failed_hosts': len({rec['host'] for rec in failed}), 'messages': sorted({rec.get('msg', '') for rec in failed})[:3]}
            if limit:
                runs[label].update(per_minute=limit[0], burst=limit[1], floor=len(accepted) * 60.0 / limit[0],
                                   burst_floor=(len(accepted) - limit[1]) * 60.0 / limit[0])
        return runs

    def throughput(self):
        hosts = ['bench-host-%02d' % i for i in range(1, self.tp_hosts + 1)]
        task = {'name': 'create units', 'loop': '{{ range(%d) | list }}' % self.tp_units, 'ionoscloud.backup.backupunit': {
            'name': "tp-{{ inventory_hostname }}-{{ '%02d' | format(item) }}", 'email': 'tp@example.com', 'backupunit_password': PASSWORD}}
        wanted = {'tp-%s-%02d' % (h, i) for h in hosts for i in range(self.tp_units)}
        runs = self.limit_runs('throughput', lambda emu: play(emu, [task], hosts='all'), wanted, {'provisioning_delay': 0.2, 'request_tracking': True},
                               inventory=self.write_inventory('throughput', hosts), env={'ANSIBLE_FORKS': str(len(hosts))})
        return {'hosts': len(hosts), 'units_per_host': self.tp_units, 'runs': runs}

    def imports(self):
        env = dict(os.environ, PYTHONPATH=self.installed)
        env.pop('PYTHONDONTWRITEBYTECODE', None)        # the .pyc caches of a warm machine

        def importtime(target):
            """(ms importing target took, {owning package: self ms}) from python -X importtime."""
            stderr = subprocess.run([self.python, '-X', 'importtime', '-c', 'import ' + target], env=env, capture_output=True, text=True, check=True).stderr
            total, by_package = None, collections.Counter()
            for self_us, cumulative, name in re.findall(r'^import time:\s+(\d+) \|\s+(\d+) \| *(\S+)', stderr, re.M):
                top = name.split('.')[0]
                by_package['ionoscloud.backup' if name.startswith('ansible_collections.ionoscloud') else 'ansible.module_utils'
                           if name.startswith('ansible.module_utils') else 'requests + its dependencies' if top in REQUESTS_PACKAGES
                           else 'standard library' if top in sys.stdlib_module_names or top.startswith('_') else top] += int(self_us) / 1e3
                total = int(cumulative) / 1e3 if name == target else total
            return total, dict(by_package)

        rows = []
        targets = ['ansible_collections.ionoscloud.backup.plugins.modules.' + m for m in ('backupunit', 'backupunit_info', 'backupunit_sso_url', 'backupunits')]
        for target in targets + ['ansible.modules.uri', 'ansible.modules.ping', 'requests', 'ansible.module_utils.basic']:
            importtime(target)     # warms the .pyc caches
            runs = sorted((importtime(target) for _run in range(self.import_runs)), key=lambda run: run[0])     # the fastest: least disturbed
            rows.append({'module': target, 'median_ms': median(run[0] for run in runs), 'min_ms': runs[0][0], 'fastest_ms': runs[0][1]})
        return {'runs': self.import_runs, 'rows': rows}

    def role(self):
        """8: per round, from empty emulators, the first runs back to back in alternating order, then unchanged re-runs.
        9: one more unchanged run of each ('once'), its requests."""
        units, make, result = declared('unit', 20), {'role': role_play, 'loop': loop_play}, {'samples': {}, 'requests': {}, 'sent': {}}
        phases = [(r, phase, count) for r in range(self.role_rounds) for phase, count in (('first', 1), ('unchanged', self.role_reruns))]
        # One emulator per competitor: each round starts from an empty contract, and the role sees no units it does not declare.
        with self.Emulator(provisioning_delay=2.0) as role_emu, self.Emulator(provisioning_delay=2.0) as loop_emu:
            emus = {'role': role_emu, 'loop': loop_emu}
            for r, phase, count in phases + [(self.role_rounds, 'once', 1)]:
                for emu in emus.values():
                    (emu.reset if phase == 'first' else emu.clear_log)()
                names = [(who, '%s %s r%d.%d' % (who, phase, r, k)) for k in range(count) for who in rotate(list(emus), r + k)]
                log('role vs loop: round %d, %s run' % (r + 1, phase))
                done = plays(self.playbook('role_%s_r%d' % (phase, r), [make[who](emus[who], name, units) for who, name in names]))
                for who, name in names:
                    if any(rec['changed'] for rec in done[name][1]) != (phase == 'first'):
                        raise BenchError('role vs loop: the %s run %r reported changed=%s' % (phase, name, phase != 'first'))
                    result['samples'].setdefault(phase, {}).setdefault(who, []).append(done[name][0])
                for who, emu in emus.items():
                    check_units('role vs loop (%s, %s)' % (who, phase), emu, units)
                    result['requests'].setdefault(phase, {}).setdefault(who, []).append(len(emu.log()) / count)
                    result['sent'].setdefault(phase, {})[who] = count_shapes(emu.log())
        return dict(result, units=20, rounds=self.role_rounds, reruns=self.role_reruns, delay=2.0)

    def role_throughput(self):
        """10. One play applies the role to many new units, the emulator in its default mode (nothing to wait for)."""
        units = declared('rl', self.role_tp_units)
        return {'units': len(units), 'runs': self.limit_runs('role_throughput', lambda emu: role_play(emu, 'role', units), {u['name'] for u in units}, {})}


def play(emu, tasks, hosts='localhost', name='benchmark', key='tasks'):
    return {'name': name, 'hosts': hosts, 'gather_facts': False, key: tasks, 'module_defaults': {
        'group/ionoscloud.backup.all': {'api_url': emu.url, 'username': emu.username, 'password': emu.password}}}


def list_tasks(emu):
    """Sections 1 and 5: the floor, the module's list request by uri, the module (given the contract number: that one request)."""
    uri = {'url': emu.url + '/backupunits?depth=1&pretty=false', 'url_username': emu.username, 'url_password': emu.password,
           'force_basic_auth': True}
    return {'ping': {'ansible.builtin.ping': {}}, 'uri': {'ansible.builtin.uri': uri},
            'info': {'ionoscloud.backup.backupunit_info': {'contract_number': emu.config()['contracts'][0]}}}


def install(work):
    """HEAD exported, built and installed into work/installed (not work/collections: playbooks there would prefer it)."""
    commit = subprocess.run(['git', '-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    source, galaxy, installed = work + '/source', os.path.join(BIN, 'ansible-galaxy'), work + '/installed'
    os.makedirs(source)
    subprocess.run('git -C "%s" archive --format=tar %s | tar -x -C "%s"' % (REPO_ROOT, commit, source), shell=True, check=True)
    log('building commit %s and installing it into %s' % (commit, installed))
    subprocess.run([galaxy, 'collection', 'build', '--output-path', work + '/dist', source], check=True, stdout=subprocess.DEVNULL)
    tarball = os.path.join(work, 'dist', os.listdir(work + '/dist')[0])
    subprocess.run([galaxy, 'collection', 'install', '--offline', '-p', installed, tarball], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, ANSIBLE_HOME=work + '/ansible_home', ANSIBLE_COLLECTIONS_PATH=installed))
    return commit, source, installed, os.path.basename(tarball)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='few rounds, small scale: checks that the suite works')
    parser.add_argument('--only', nargs='+', choices=SECTIONS, default=SECTIONS, help='sections to run (default: all)')
    parser.add_argument('--results', default=os.path.join(REPO_ROOT, 'build', 'bench', 'results.json'), help='default: %(default)s')
    parser.add_argument('--no-render', action='store_true', help='leave docs/performance.md and its chart alone')
    args, work, results = parser.parse_args(), tempfile.mkdtemp(prefix='ionos-bench-'), {}
    if os.path.exists(args.results):
        with open(args.results, encoding='utf-8') as handle:
            results = json.load(handle)         # sections not run this time are kept
    commit, source, installed, tarball = install(work)
    sys.path[:0] = [source + '/tests/mock_api', installed]     # the measured tree's emulator harness, the installed module_utils
    import ansible.release      # pylint: disable=import-outside-toplevel
    import harness      # pylint: disable=import-outside-toplevel
    import requests     # pylint: disable=import-outside-toplevel
    from ansible_collections.ionoscloud.backup.plugins.module_utils._client import PollPolicy, RetryPolicy  # pylint: disable=import-outside-toplevel
    with open('/proc/cpuinfo', encoding='utf-8') as cpu, open('/proc/meminfo', encoding='utf-8') as mem, open('/etc/os-release', encoding='utf-8') as os_:
        info = dict(re.findall(r'^(model name|MemTotal|PRETTY_NAME)\s*[:=]\s*"?([^"\n]*)', cpu.read() + mem.read() + os_.read(), re.M))
    results.update(commit=commit, collection=tarball, quick=args.quick, poll_policy=vars(PollPolicy()), retry_policy=vars(RetryPolicy()), machine={
        'cpu': info.get('model name'), 'cpus': os.cpu_count(), 'memory_mib': int(info['MemTotal'].split()[0]) // 1024, 'os': info.get('PRETTY_NAME'),
        'kernel': os.uname().release, 'python': sys.version.split()[0], 'ansible_core': ansible.release.__version__, 'requests': requests.__version__,
        'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})
    b = Bench(args.quick, work, installed, harness.Emulator)
    for section in (s for s in SECTIONS if s in args.only):
        log('section %s (scratch directory %s)' % (section, work))
        started, load = time.monotonic(), os.getloadavg()[0]
        # other work on the machine inflates absolute times (ratios less): the report quotes the load
        results[section] = dict(getattr(b, section)(), seconds=time.monotonic() - started, load=[load, os.getloadavg()[0]],
                                finished=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1)
    shutil.rmtree(work)     # kept when a section failed: its logs
    if not args.no_render:
        if not importlib.util.find_spec('matplotlib') and sys.prefix != sys.base_prefix:     # the chart's one dependency
            subprocess.run([sys.executable, '-m', 'pip', '-q', 'install', CHART_REQUIREMENT], check=False)
        import report       # pylint: disable=import-outside-toplevel
        report.write(results, os.path.join(REPO_ROOT, 'docs'))
        log('wrote docs/performance.md')


if __name__ == '__main__':
    try:
        main()
    except BenchError as exc:
        print('BENCHMARK ERROR: %s' % exc, file=sys.stderr)
        sys.exit(1)
