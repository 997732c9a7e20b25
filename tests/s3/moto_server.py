"""Runs moto's S3-compatible server for the end-to-end tests.

Listens on 127.0.0.1 at a free port, prints `PORT <n>` once it accepts
connections, and stops when the process that started it goes away, so a
test run never leaves it behind.
"""

import os
import sys
import time

from moto.server import ThreadedMotoServer

parent = os.getppid()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(f"PORT {server.get_host_and_port()[1]}", flush=True)
while os.getppid() == parent:
    time.sleep(0.5)
server.stop()
sys.exit(0)
