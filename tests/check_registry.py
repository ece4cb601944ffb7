#!/usr/bin/env python3
"""The registry of tunables and environment variables is the only one:
- the README's section between the `adastride env` markers is exactly what
  `adastride env` prints;
- every tuning key the library asks with ads_tune(ctx, "key") is registered;
- no file under lib/ but lib/core/env.c calls getenv.
Usage: check_registry.py ADASTRIDE_TOOL SOURCE_ROOT"""
import pathlib
import re
import subprocess
import sys

tool, root = sys.argv[1], pathlib.Path(sys.argv[2])
printed = subprocess.run([tool, 'env'], capture_output=True, text=True, check=True).stdout
readme = (root / 'README.md').read_text()
m = re.search(r'<!-- adastride env: begin -->\n(.*?)<!-- adastride env: end -->', readme, re.S)
failures = []
if not m:
    failures.append('README.md has no `adastride env` section')
elif m.group(1) != printed:
    failures.append('README.md\'s environment section differs from `adastride env`; '
                    'paste its output between the markers')

registered = set(re.findall(r'^\| `([a-z_]+\.[a-z_.]+)` \|', printed, re.M))
for src in sorted((root / 'lib').rglob('*.c')):
    text = src.read_text()
    for key in re.findall(r'ads_tune\(\s*ctx\s*,\s*"([^"]+)"', text):
        if key not in registered:
            failures.append(f'{src.relative_to(root)} asks tuning key {key!r}, not registered')
    if src.name != 'env.c' and re.search(r'\bgetenv\s*\(', text):
        failures.append(f'{src.relative_to(root)} calls getenv; read the context\'s copy (env.h)')

if not registered:
    failures.append('`adastride env` listed no tuning key')
for f in failures:
    print('FAIL:', f)
print(f'{len(registered)} tuning keys registered; {len(failures)} problems')
sys.exit(1 if failures else 0)
