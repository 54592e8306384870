#!/usr/bin/env python3
# Prints the C++ sources binding.gyp compiles for a backend (gyp files are Python literals with
# comments): used by scripts that build outside node-gyp, e.g. the macOS compile check.
import ast, re, sys
backend = sys.argv[1] if len(sys.argv) > 1 else 'linux'
text = open('binding.gyp').read()
text = re.sub(r'(?m)^\s*#.*$', '', text)
gyp = ast.literal_eval(text)
target = gyp['targets'][0]
sources = list(target['sources'])
for cond, extra in target.get('conditions', []):
    if f"backend=='{backend}'" in cond.replace(' ', ''):
        sources += extra.get('sources', [])
print(' '.join(sources))
