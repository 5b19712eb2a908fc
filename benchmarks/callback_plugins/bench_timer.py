# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback: one JSON line per task/host event, with a monotonic timestamp.

Callbacks run in the controller process, so every timestamp comes from one clock. A task's cost
for one host is the time from `v2_runner_on_start` (the task is handed to a worker) to its
result (ok, changed, skipped, failed); that includes forking the worker, templating, building
and shipping the module, running it and reading its result back: what a user waits for.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Write per-task timestamps for the ionoscloud.backup benchmarks
description:
  - Appends one JSON line per event to the file named by E(BENCH_TIMER_FILE).
  - Used by C(benchmarks/bench.py) only; it is not part of the collection.
requirements:
  - enabled through ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        path = os.environ.get('BENCH_TIMER_FILE')
        self._out = open(path, 'a', encoding='utf-8') if path else None

    def _write(self, event, host=None, task=None, result=None, **extra):
        if self._out is None:
            return
        record = {'event': event, 't': time.monotonic()}
        if host is not None:
            record['host'] = host.get_name()
        if task is not None:
            record['task'] = task.get_name()
            record['uuid'] = task._uuid
        if result is not None:
            data = result._result
            record['changed'] = bool(data.get('changed'))
            if 'attempts' in data:
                record['attempts'] = data['attempts']
            if event in ('failed', 'item_failed'):
                record['msg'] = str(data.get('msg', ''))[:300]
        record.update(extra)
        self._out.write(json.dumps(record) + '\n')
        self._out.flush()

    def v2_playbook_on_play_start(self, play):
        # marks where each play begins, so a benchmark can time a play (a role run) as one job
        self._write('play', play=play.get_name())

    def v2_runner_on_start(self, host, task):
        self._write('start', host=host, task=task)

    def v2_runner_on_ok(self, result):
        self._write('ok', host=result._host, task=result._task, result=result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('failed', host=result._host, task=result._task, result=result)

    def v2_runner_on_skipped(self, result):
        self._write('skipped', host=result._host, task=result._task, result=result)

    def v2_runner_on_unreachable(self, result):
        self._write('failed', host=result._host, task=result._task, result=result)

    def v2_runner_item_on_ok(self, result):
        self._write('item_ok', host=result._host, task=result._task, result=result)

    def v2_runner_item_on_failed(self, result):
        self._write('item_failed', host=result._host, task=result._task, result=result)

    def v2_playbook_on_stats(self, stats):
        self._write('stats')
        if self._out is not None:
            self._out.close()
            self._out = None
