#!/usr/bin/env python3
"""An OTLP/HTTP endpoint that takes every export and answers 200, for measuring WhoAmI with telemetry on.

    python3 bench/otlp-sink.py PORT      (then OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT)
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
