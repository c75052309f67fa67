#!/usr/bin/env python3
"""The functions a Lambda binary runs in one cold start and its first invocation.

Two steps, used by scripts/cold-path-order:

  run --event JSON -- CMD...   serves the Lambda Runtime API on loopback to CMD: one event,
                               its response, then a refused second `next`, so the runtime
                               exits by itself (valgrind writes its profile only on exit).
  symbols PROFILE BINARY       prints the binary's functions named in a callgrind profile
                               (run with --demangle=no), in the order they first ran.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import threading


def run(event: str, command: list[str], quiet: bool = False) -> int:
    body = event.encode()
    responses: list[bytes] = []
    served = {"next": 0}

    class RuntimeApi(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def do_GET(self):
            served["next"] += 1
            if served["next"] > 1:
                # No second event: drop the connection, the runtime's `next` fails and it exits.
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", "cold-path-1")
            self.send_header("Lambda-Runtime-Deadline-Ms", "9999999999999")
            self.send_header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:cold-path",
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            responses.append(self.rfile.read(length))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(
        os.environ,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
        AWS_LAMBDA_FUNCTION_NAME="cold-path",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_LOG_STREAM_NAME="cold-path",
        AWS_LAMBDA_LOG_GROUP_NAME="cold-path",
    )
    # The runtime exits non-zero once its second `next` is refused: that is the plan, so only
    # the answer decides.
    subprocess.run(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if quiet else None,
        timeout=300,
        check=False,
    )
    server.shutdown()
    if len(responses) != 1 or b'"statusCode":200' not in responses[0]:
        print(f"cold-path run: expected one 200 answer, got {responses!r}", file=sys.stderr)
        return 1
    return 0


def symbols(profile: str, binary: str) -> int:
    objects: dict[str, str] = {}
    functions: dict[str, str] = {}
    ordered: list[str] = []
    seen: set[str] = set()
    current_object = ""
    name = os.path.basename(binary)

    def resolve(table: dict[str, str], text: str) -> str:
        # Callgrind compresses names: "(7) name" defines id 7, a later "(7)" refers to it.
        match = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not match:
            return text
        key, value = match.groups()
        if value is not None:
            table[key] = value
        return table.get(key, "")

    with open(profile, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if line.startswith("ob="):
                current_object = resolve(objects, line[3:])
            elif line.startswith("cob="):
                resolve(objects, line[4:])
            elif line.startswith("cfn="):
                resolve(functions, line[4:])
            elif line.startswith("fn="):
                function = resolve(functions, line[3:])
                in_binary = os.path.basename(current_object) == name
                if in_binary and function and not function.startswith("0x") and function not in seen:
                    seen.add(function)
                    ordered.append(function)
    print("\n".join(ordered))
    return 0 if ordered else 1


def main() -> int:
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "run" and args[1] == "--event" and args[3] == "--":
        json.loads(args[2])
        return run(args[2], args[4:])
    if len(args) == 3 and args[0] == "symbols":
        return symbols(args[1], args[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
