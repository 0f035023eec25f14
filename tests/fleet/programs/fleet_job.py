# SPDX-License-Identifier: MIT
# A Python process of the generated fleet (tests/fleet/check_fleet.py): its
# descriptors get language stacks (the library's CPython reader), so the
# fleet has sites keyed by Python frames too. os.open/os.pipe descriptors
# are raw: the interpreter does not close them at exit, so the at_exit dump
# still holds them.
#
#   python3 fleet_job.py LOGS PIPES
import os
import sys


def open_logs(n):
    for _ in range(n):
        os.open("/etc/hostname", os.O_RDONLY)


def start_pool(n):
    for _ in range(n):
        os.pipe()


def main():
    logs, pipes = int(sys.argv[1]), int(sys.argv[2])
    open_logs(logs)
    start_pool(pipes)


main()
