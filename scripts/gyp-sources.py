#!/usr/bin/env python3
# Prints what binding.gyp compiles, for the scripts that build outside node-gyp (the macOS
# compile check, the zig-built Linux prebuilds), so that binding.gyp stays the one list:
#   gyp-sources.py [BACKEND]   the C++ sources for a backend (default linux)
#   gyp-sources.py --defines   the preprocessor defines, as -D flags
# (gyp files are Python literals with comments.)
import ast, re, sys
text = open('binding.gyp').read()
text = re.sub(r'(?m)^\s*#.*$', '', text)
gyp = ast.literal_eval(text)
target = gyp['targets'][0]
if sys.argv[1:] == ['--defines']:
    print(' '.join('-D' + d for d in target['defines']))
    sys.exit(0)
backend = sys.argv[1] if len(sys.argv) > 1 else 'linux'
sources = list(target['sources'])
for cond, extra in target.get('conditions', []):
    if f"backend=='{backend}'" in cond.replace(' ', ''):
        sources += extra.get('sources', [])
print(' '.join(sources))
