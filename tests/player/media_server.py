#!/usr/bin/env python3
"""A plain file server for the cache unit tests (not a stand-in for loalangd).

Serves DIR/<sha>.opus at /media/<sha>.opus with ETag "<sha>", Accept-Ranges and Range/If-Range
(206), as the daemon's media route does. Faults for the tests, per file, from DIR/<sha>.mode:
  truncate:N  announce the whole length but close the connection after N bytes
  norange     ignore Range (always 200 with the whole file)
  wrong       serve the bytes with the first one flipped (a hash mismatch)
  huge        announce Content-Length: 2147483648 and send junk (8 MiB at most, then close)
  long        no Content-Length (the body ends when the connection closes): the file, then
              junk, 8 MiB in all
  drip        announce the file's length, then send 2 bytes every 0.5 s
The faults stay until the .mode file is removed, except truncate (once).
Every request is appended to DIR/requests.log as "PATH RANGE IF-RANGE".
Prints the port it listens on (127.0.0.1, chosen by the kernel) on its first line.
"""
import http.server
import os
import sys
import time

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "-")
        if_range = self.headers.get("If-Range", "-")
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write(f"{self.path} {rng} {if_range}\n")
        name = os.path.basename(self.path)
        path = os.path.join(ROOT, name)
        if not self.path.startswith("/media/") or not os.path.isfile(path):
            self.send_error(404)
            return
        sha = name.split(".")[0]
        mode = ""
        try:
            with open(os.path.join(ROOT, sha + ".mode")) as m:
                mode = m.read().strip()
        except OSError:
            pass
        data = open(path, "rb").read()
        if mode in ("huge", "long"):
            self.send_oversized(data, mode)
            return
        if mode == "wrong":
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        etag = f'"{sha}"'
        start = 0
        if rng.startswith("bytes=") and mode != "norange" and if_range in ("-", etag):
            start = int(rng[6:].split("-")[0])
        if start >= len(data) and start > 0:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drip":
            self.drip(body)
            return
        if mode.startswith("truncate:"):
            n = int(mode.split(":")[1])
            self.wfile.write(body[:n])
            self.wfile.flush()
            os.unlink(os.path.join(ROOT, sha + ".mode"))  # one fault, then serve normally
            self.close_connection = True
            return
        self.wfile.write(body)


    def send_oversized(self, data, mode):
        """More than the file: bounded, so that a client with no limit fills no disk."""
        self.send_response(200)
        if mode == "huge":
            self.send_header("Content-Length", str(2 ** 31))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        junk = bytes(64 * 1024)
        sent = 0
        try:
            if mode == "long":
                self.wfile.write(data)
                sent = len(data)
            while sent < 8 * 1024 * 1024:
                self.wfile.write(junk)
                sent += len(junk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def drip(self, body):
        try:
            for i in range(0, len(body), 2):
                self.wfile.write(body[i:i + 2])
                self.wfile.flush()
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
