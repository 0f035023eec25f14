import socket
import threading
import time

kept = []

def open_logs(n):
    for i in range(n):
        kept.append(open(__file__))          # leaks

def connect_cache():
    s = socket.socket()
    kept.append(s)                           # leaks

open_logs(30)
threads = [threading.Thread(target=connect_cache) for _ in range(20)]
for t in threads: t.start()
for t in threads: t.join()
