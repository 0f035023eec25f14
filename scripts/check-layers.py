#!/usr/bin/env python3
"""Checks that no source file includes a header from a higher layer.

The layers of each component, lowest first, are listed below (the README's
layout section says what each holds). A file may include headers of its own
layer and of lower ones; an include of a higher layer prints one line naming
both files, and the exit status is 1.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# component root -> layers, lowest first. Includes are written from the root.
LAYERS = {
    "shim/src": ["platform", "util", "stacks", "symbolize", "state", "lang", "dump", "track",
                 "interpose"],
    "tools/fdscope": ["input", "analysis", "symbols", "output", "pipeline", "attach", "cli"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel, layers):
    head = rel.split("/", 1)[0]
    return layers.index(head) if head in layers else None


def check(root, layers):
    bad = []
    base = os.path.join(TOP, root)
    for d, _, files in os.walk(base):
        for name in files:
            if not name.endswith((".h", ".c", ".cpp")):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, base)
            mine = layer_of(rel, layers)
            if mine is None:
                bad.append("%s/%s: not in any layer (%s)" % (root, rel, " ".join(layers)))
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                theirs = layer_of(inc, layers)
                if theirs is not None and theirs > mine:
                    bad.append("%s/%s (%s) includes %s (%s, a higher layer)"
                               % (root, rel, layers[mine], inc, layers[theirs]))
    return bad


def main():
    bad = []
    for root, layers in LAYERS.items():
        bad += check(root, layers)
    for line in bad:
        print("check-layers: " + line)
    if not bad:
        print("check-layers: %d components, no include from a lower layer to a higher one"
              % len(LAYERS))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
