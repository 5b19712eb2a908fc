# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback: one JSON line per task result, loop item and play, with monotonic timestamps.

Callbacks run in the controller process, so every timestamp comes from one clock. A task's time for one host runs
from `v2_runner_on_start` (the task is handed to a worker) to its result: forking the worker, templating, building
and shipping the module, running it and reading its result back, what a user waits for.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Write per-task timestamps for the ionoscloud.backup benchmarks
description: Appends one JSON line per event to the file named by E(BENCH_TIMER_FILE) (benchmarks/bench.py only).
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _on(event):
    """A v2_runner_* handler that records `event` for the result's host and task."""
    def handler(self, result, *args, **kwargs):
        data, key = result._result, (result._host.get_name(), result._task._uuid)
        record = {'event': event, 'host': key[0], 'task': result._task.get_name(), 'play': self._play,
                  'changed': bool(data.get('changed')), 'start': None if event.startswith('item') else self._starts.pop(key, None)}
        record.update({'attempts': data['attempts']} if 'attempts' in data else {})
        record.update({'msg': str(data.get('msg', ''))[:300]} if event in ('failed', 'item_failed') else {})
        self._write(record)
    return handler


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        path = os.environ.get('BENCH_TIMER_FILE')
        self._out, self._starts, self._play = open(path, 'a', encoding='utf-8') if path else None, {}, None

    def _write(self, record):
        if self._out is not None:
            self._out.write(json.dumps(dict(record, t=time.monotonic())) + '\n')
            self._out.flush()

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()    # a benchmark can time a play (a role run) as one job
        self._write({'event': 'play', 'play': self._play})

    def v2_runner_on_start(self, host, task):
        self._starts[(host.get_name(), task._uuid)] = time.monotonic()

    v2_runner_on_ok, v2_runner_on_failed, v2_runner_on_skipped = _on('ok'), _on('failed'), _on('skipped')
    v2_runner_on_unreachable, v2_runner_item_on_ok, v2_runner_item_on_failed = _on('failed'), _on('item_ok'), _on('item_failed')
