"""Keeps 30 open files and 20 sockets in a global list, as a cache that
never lets go would; the interpreter's finalizers close them all at
shutdown, before the library's exit dump. With `raw`, it also leaks 25
descriptors from os.open, which no finalizer closes."""
import os
import socket
import sys

held = []


def open_logs():
    for _ in range(30):
        held.append(open(os.devnull))  # @line:open_logs


def connect_all():
    for _ in range(20):
        held.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # @line:connect_all


def open_raw():
    for _ in range(25):
        held.append(os.open(os.devnull, os.O_RDONLY))  # @line:open_raw


open_logs()
connect_all()
if "raw" in sys.argv[1:]:
    open_raw()
print("held %d" % len(held))
