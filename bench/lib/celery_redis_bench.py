"""The Celery + Redis side of the benches (bench/lib/celery-redis.ts runs it).

As a Celery app (``celery -A celery_redis_bench worker``): one no-op task that returns the
time it ran, a Redis broker and a Redis result backend at LOVAGE_BENCH_REDIS_URL.

As a script, one experiment, then one JSON line on stdout (times are epoch seconds):

    python celery_redis_bench.py burst <count>          # <count> .delay() calls, then every result
    python celery_redis_bench.py round-trips <count>    # one task at a time, 300 ms apart
    python celery_redis_bench.py priority <flood> <probes>

Tiers the way Celery teams route them on Redis: a queue per tier (``high`` and ``low``,
``task_routes`` / ``queue=``) consumed by the same worker (``-Q high,low``). Redis has no
message priorities of its own (kombu emulates them with one list per priority step, and
its docs point to separate queues), so separate queues is what Celery's routing guide and
most deployments use.
"""

import json
import os
import sys
import time

from celery import Celery

app = Celery("celery_redis_bench")
app.conf.update(
    broker_url=os.environ["LOVAGE_BENCH_REDIS_URL"],
    result_backend=os.environ["LOVAGE_BENCH_REDIS_URL"],
    task_default_queue="default",
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Keep a warm worker's figures free of the broker-connection retry warning.
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.noop")
def noop():
    """Does nothing and says when: the finish time of every figure."""
    return time.time()


def burst(count):
    sent, results = [], []
    for _ in range(count):
        sent.append(time.time())
        results.append(noop.delay())
    sent_all = time.time()
    finished = [r.get(timeout=600) for r in results]
    return {"sent": sent, "sentAll": sent_all, "finished": finished}


def probe(queue):
    """One task on `queue`, waited for: seconds from the send call to the task's finish."""
    start = time.time()
    finished = noop.apply_async(queue=queue).get(timeout=300)
    return finished - start


def probes(queue, count):
    out = []
    for _ in range(count):
        out.append(probe(queue))
        time.sleep(0.3)
    return out


def priority(flood, count):
    probe("high")  # warm-up
    idle = probes("high", count)
    flood_results = [noop.apply_async(queue="low") for _ in range(flood)]
    during = probes("high", count)
    # Drain the flood before returning, so the next run starts idle.
    left = sum(1 for r in flood_results if not r.ready())
    for r in flood_results:
        r.get(timeout=600)
    return {"idle": idle, "during": during, "floodSent": flood, "floodLeft": left}


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    numbers = [int(a) for a in args]
    if mode == "burst":
        out = burst(*numbers)
    elif mode == "round-trips":
        probe("default")  # warm-up
        out = {"latencies": probes("default", *numbers)}
    elif mode == "priority":
        out = priority(*numbers)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))
