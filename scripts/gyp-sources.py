#!/usr/bin/env python3
# Prints what binding.gyp gives a backend's build (gyp files are Python literals with comments):
# used by scripts that build outside node-gyp, e.g. the macOS compile check and the Windows
# cross-build, so that binding.gyp stays the one list of sources and defines.
#   gyp-sources.py [backend] [field]   field: sources (default), defines or libraries
# The target's own list plus those of every condition that names the backend (backend=='x'),
# and for the windows backend those of OS=='win' conditions too.
import ast, re, sys
backend = sys.argv[1] if len(sys.argv) > 1 else 'linux'
field = sys.argv[2] if len(sys.argv) > 2 else 'sources'
text = open('binding.gyp').read()
text = re.sub(r'(?m)^\s*#.*$', '', text)
gyp = ast.literal_eval(text)
target = gyp['targets'][0]
values = list(target.get(field, []))

def matches(cond):
    cond = cond.replace(' ', '').replace('"', "'")
    return f"backend=='{backend}'" in cond or (backend == 'windows' and "OS=='win'" in cond)

def walk(conditions):
    for cond in conditions:
        # [cond, then] or [cond, then, else]
        if matches(cond[0]):
            values.extend(cond[1].get(field, []))
            walk(cond[1].get('conditions', []))
        elif len(cond) > 2:
            values.extend(cond[2].get(field, []))
            walk(cond[2].get('conditions', []))

walk(target.get('conditions', []))
print(' '.join(values))
