# SPDX-License-Identifier: MIT
# ticker.c's Python twin: opens DIR/0 ... DIR/(COUNT-1), one every 2 ms,
# from open_ticket(), keeps them open; prints "ready" after the first 50
# and "opened COUNT" at the end; exits 3.
import os
import sys
import time

held = []


def open_ticket(directory, i):
    held.append(open(os.path.join(directory, str(i)), "w"))  # @line:open_ticket


def main():
    directory, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        open_ticket(directory, i)  # @line:main->open_ticket
        if i == 49:
            print("ready", flush=True)
        time.sleep(0.002)
    print("opened %d" % len(held), flush=True)
    sys.exit(3)


main()
