"""A webhook receiver for the end-to-end tests: verifies every request with
the reference `standardwebhooks` package, as a partner would, and records
what came.

Listens on 127.0.0.1 at a free port, prints `PORT <n>` once it accepts
connections, and stops when the process that started it goes away.

- `POST /_config` with `{"secret": "whsec_...", "failFirst": n}`: the
  secret to verify with, and how many webhooks to answer with 500 first.
- `GET /_received`: every webhook so far, in arrival order:
  `{"id", "timestamp", "verified", "error", "status", "payload"}`.
- `POST` anywhere else: a webhook. Answered 204 when verified (after the
  failures asked for), 400 when not.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

lock = threading.Lock()
state = {"secret": None, "fail_first": 0, "received": []}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_received":
            with lock:
                self._answer(200, list(state["received"]))
        else:
            self._answer(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/_config":
            config = json.loads(body)
            with lock:
                state["secret"] = config["secret"]
                state["fail_first"] = int(config.get("failFirst", 0))
            self._answer(204)
            return
        headers = {name: value for name, value in self.headers.items()}
        record = {
            "id": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "verified": False,
            "error": None,
            "payload": None,
        }
        with lock:
            secret = state["secret"]
        try:
            if secret is None:
                raise ValueError("no secret configured")
            record["payload"] = Webhook(secret).verify(body, headers)
            record["verified"] = True
        except Exception as err:  # recorded, and answered 400
            record["error"] = f"{type(err).__name__}: {err}"
        with lock:
            if not record["verified"]:
                status = 400
            elif state["fail_first"] > 0:
                state["fail_first"] -= 1
                status = 500
            else:
                status = 204
            record["status"] = status
            state["received"].append(record)
        self._answer(status)


parent = os.getppid()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"PORT {server.server_address[1]}", flush=True)
while os.getppid() == parent:
    time.sleep(0.5)
server.shutdown()
sys.exit(0)
