"""What the Lambda cases share: the failed invocations, their counts and
descriptions, and a runtime process's mappings and environment (/proc)."""

import collections

def failures(invs):
    return [i for i in invs if i.failed]


def status_counts(invs):
    return dict(collections.Counter(i.status for i in invs))


def runtime_maps_has(pid, needle):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return needle in f.read()
    except OSError:
        return False


def runtime_environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return {}
    return dict(i.decode(errors="replace").split("=", 1) for i in items if b"=" in i)


def describe_invocation(inv):
    return "#%d %s status=%s runtime=%d %s: %s" % (inv.index, inv.request_id, inv.status, inv.runtime,
                                                   inv.error_type, inv.error_message)


def is_emfile(inv):
    return "EMFILE" in inv.error_message
