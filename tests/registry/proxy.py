#!/usr/bin/env python3
"""A TCP forwarder for the registry tests and bench: listens on a port the
kernel picks on 127.0.0.1, prints "listening on port N", forwards every
connection to 127.0.0.1:TARGET, optionally at most RATE bytes/s each way
(per connection), and keeps the bytes each way in COUNTS ("up N down M", rewritten
after every chunk).  Stops by itself after LIFETIME seconds.

  proxy.py TARGET_PORT [--rate BYTES_PER_S] [--counts FILE] [--port P]
"""
import argparse
import asyncio
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("target", type=int)
ap.add_argument("--rate", type=float, default=0)
ap.add_argument("--counts")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--lifetime", type=float, default=1800)
args = ap.parse_args()
totals = {"up": 0, "down": 0}


def save():
    if args.counts:
        with open(args.counts, "w") as f:
            f.write(f"up {totals['up']} down {totals['down']}\n")


async def pipe(reader, writer, key, rate):
    start = time.monotonic()
    sent = 0
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            totals[key] += len(data)
            sent += len(data)
            save()
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    await asyncio.sleep(ahead)
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def handle(creader, cwriter):
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", args.target)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(pipe(creader, swriter, "up", args.rate),
                         pipe(sreader, cwriter, "down", args.rate))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", args.port,
                                        reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on port {port}", flush=True)
    save()
    async with server:
        await asyncio.sleep(args.lifetime)


asyncio.run(main())
