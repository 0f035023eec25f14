"""What the CPython checkers expect of a fixture: the lines its markers
stand on, and the names CPython gives functions per version."""

import re


def markers(path):
    """{"site: file": line, "call: main": line, ...} from a fixture's
    `# site: NAME` / `# call: NAME` end-of-line markers."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            m = re.search(r"# ((?:site|call): \w+)\s*$", text)
            if m:
                out[m.group(1)] = n
    return out


def short(name, version):
    """The name CPython gives a function: before 3.11, co_name only."""
    if tuple(version) >= (3, 11) or name == "<module>":
        return name
    return name.rsplit(".", 1)[-1]
