# Copyright (c) 2025, the ionoscloud.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module process and record its peak memory (benchmarks only).

Used as (part of) `ansible_python_interpreter`:  maxrss.py REAL_PYTHON ARGS...
It runs REAL_PYTHON ARGS as a child with the same stdin/stdout/stderr, waits for it, and appends
`{"module": ..., "maxrss_kb": ...}` to the file named by BENCH_MAXRSS_FILE. ru_maxrss of
RUSAGE_CHILDREN is the peak resident set size of the largest waited-for descendant, in KiB on
Linux: the module process (AnsiballZ runs the module inside that process).
"""

import json
import os
import re
import resource
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: maxrss.py REAL_PYTHON ARGS...')
    status = subprocess.call(sys.argv[1:])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    module = None
    for arg in sys.argv[2:]:
        match = re.search(r'AnsiballZ_(\w+)\.py', arg)
        if match:
            module = match.group(1)
    out = os.environ.get('BENCH_MAXRSS_FILE')
    if out:
        with open(out, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps({'module': module, 'maxrss_kb': peak_kb, 'status': status}) + '\n')
    sys.exit(status)


if __name__ == '__main__':
    main()
