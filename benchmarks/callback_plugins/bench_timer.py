# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback (benchmarks/bench.py enables it): appends one JSON line per play, task result and failed loop item
to the file $BENCH_TIMER_FILE, with 't', the controller's monotonic clock. A task's 'start' is `v2_runner_on_start`, its
hand-over to a worker: from there to its result is what a user waits for (fork, template, ship and run the module)."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _on(event):
    """The handler of a result: a task's record has 'start', a loop item's none."""
    def handler(self, result, *_args, **_kwargs):
        key = (result._host.get_name(), result._task._uuid)
        self._write({'event': event, 'host': key[0], 'task': result._task.get_name(), 'play': self._play, 'changed': bool(result._result.get('changed')),
                     'start': None if event.startswith('item') else self._starts.pop(key, None), 'msg': str(result._result.get('msg', ''))[:300]})
    return handler


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._out, self._starts, self._play = open(os.environ['BENCH_TIMER_FILE'], 'a', encoding='utf-8'), {}, None

    def _write(self, record):
        self._out.write(json.dumps(dict(record, t=time.monotonic())) + '\n')
        self._out.flush()

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()
        self._write({'event': 'play', 'play': self._play})

    def v2_runner_on_start(self, host, task):
        self._starts[(host.get_name(), task._uuid)] = time.monotonic()

    v2_runner_on_ok, v2_runner_on_failed, v2_runner_on_skipped = _on('ok'), _on('failed'), _on('skipped')
    v2_runner_on_unreachable, v2_runner_item_on_failed = _on('failed'), _on('item_failed')
