#!/usr/bin/env python3
"""A Bearer token issuer for docker-registry's `auth: token`, on loopback:
GET /token?service=S&scope=repository:NAME:ACTIONS... answers a JWT (RS256,
the signing certificate in the x5c header, as docker-registry verifies it
against its rootcertbundle).  Anonymous requests get a token that grants
nothing; Basic USER:PASSWORD gets the scopes asked for.  Each request is
logged ("anonymous" or "user NAME") to stdout.  Stops after LIFETIME s.

  token_server.py KEY.pem CERT.pem ISSUER USER PASSWORD
"""
import base64
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

key_file, cert_file, issuer, user, password = sys.argv[1:6]
key = open(key_file, "rb").read()
cert = x509.load_pem_x509_certificate(open(cert_file, "rb").read())
x5c = [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        who = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            if (u, p) != (user, password):
                print("refused", u, flush=True)
                self.send_response(401)
                self.end_headers()
                return
            who = u
        print("user " + who if who else "anonymous", flush=True)
        access = []
        if who:
            for s in q.get("scope", []):
                typ, _, rest = s.partition(":")
                name, _, actions = rest.rpartition(":")
                access.append({"type": typ, "name": name,
                               "actions": actions.split(",")})
        now = int(time.time())
        claims = {"iss": issuer, "sub": who or "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": x5c})
        body = json.dumps({"token": token, "access_token": token}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on port {srv.server_address[1]}", flush=True)
threading.Timer(1800, srv.shutdown).start()
srv.serve_forever()
