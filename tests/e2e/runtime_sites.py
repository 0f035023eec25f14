"""What the runtimes themselves keep open (stdlib only): the descriptors
Node.js and CPython create for their own use and keep until exit, how to
tell them from the program's in a dump, and the check that they are all
there in the documented numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from checker import Checker, describe_fds
from dump_model import Dump, FdRecord

OPEN_CALLS = {"open", "open64", "openat", "openat64", "__open_2", "__open64_2", "__openat_2",
              "__openat64_2"}


@dataclass
class RuntimeSite:
    """A descriptor a runtime creates for itself and keeps until exit."""
    name: str
    kind: str
    calls: frozenset
    innermost: str              # function name of the innermost frame
    through: Tuple[str, ...]    # functions (substrings) the stack must also contain
    count: int                  # how many descriptors of this site remain
    target: Optional[str] = None

    def matches(self, d: Dump, f: FdRecord) -> bool:
        if not f.tracked or f.kind != self.kind or f.call not in self.calls:
            return False
        if self.target is not None and f.target != self.target:
            return False
        names = d.functions(f.stack)
        if not names or names[0] != self.innermost:
            return False
        return all(d.stack_has(f.stack, t) for t in self.through)


# Node.js 20 (libuv 1.4x) keeps these at exit, whatever the script did:
# the default loop's epoll instance, its async eventfd, the signal pipe of
# uv_signal_init (both ends), all from uv_default_loop() in node::Start, and
# libuv's reserve descriptor on /dev/null, opened by uv__stream_init the first
# time a stream is created (stdout is a pipe under the checkers, so every
# script creates one) to shed connections when accept() fails with EMFILE.
NODE_RUNTIME_SITES = (
    RuntimeSite("loop epoll", "epoll", frozenset({"epoll_create1", "epoll_create"}),
                "uv__platform_loop_init", ("uv_loop_init", "node::Start"), 1),
    RuntimeSite("loop async eventfd", "eventfd", frozenset({"eventfd"}),
                "uv_async_init", ("uv_loop_init", "node::Start"), 1),
    RuntimeSite("loop signal pipe", "pipe", frozenset({"pipe2", "pipe"}),
                "uv__make_pipe", ("uv_signal_init", "uv_loop_init", "node::Start"), 2),
    RuntimeSite("libuv EMFILE reserve", "chr", frozenset(OPEN_CALLS),
                "uv__open_cloexec", ("uv__stream_init",), 1, target="/dev/null"),
)

# CPython keeps nothing open at exit that it created itself: every
# descriptor it opens during start-up (modules, encodings) is closed again.
PYTHON_RUNTIME_SITES: Tuple[RuntimeSite, ...] = ()


def classify_runtime(d: Dump, sites: Sequence[RuntimeSite]):
    """Splits the tracked descriptors of a dump into those of the given
    runtime sites ({site name: [records]}) and the rest."""
    found: Dict[str, List[FdRecord]] = {s.name: [] for s in sites}
    rest: List[FdRecord] = []
    for f in d.tracked():
        for s in sites:
            if s.matches(d, f):
                found[s.name].append(f)
                break
        else:
            rest.append(f)
    return found, rest


def expect_runtime_sites(ck: Checker, d: Dump, sites: Sequence[RuntimeSite], what: str) -> List[FdRecord]:
    """Checks that the runtime's own descriptors are present in exactly the
    documented numbers; returns the tracked descriptors that are not."""
    found, rest = classify_runtime(d, sites)
    for s in sites:
        ck.expect_equal(len(found[s.name]), s.count,
                        "%s: %d x %s (%s, innermost %s)" % (what, s.count, s.name, s.kind, s.innermost),
                        describe_fds(d, d.tracked()))
    return rest
