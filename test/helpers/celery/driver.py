"""A real Celery client, driven line by line over stdin/stdout by the integration tests.

Each request is one JSON object per line, {"op": ..., ...}; each reply is one JSON
object per line, {"ok": true, ...} or {"ok": false, "error": {...}}. The app is
configured once with the output of `lovage celery-config --json`; boto3 finds the
emulator through AWS_ENDPOINT_URL, as it would find AWS without it. Every AWS API
call the client makes (kombu and the result backend alike) is counted.
"""
import collections
import datetime
import decimal
import json
import sys
import time
import traceback
import uuid

import botocore.client
import celery
from celery import Celery, chain, group
from celery.result import AsyncResult, GroupResult

CALLS = collections.Counter()
_make_api_call = botocore.client.BaseClient._make_api_call


def _counted(self, operation_name, api_params):
    CALLS[operation_name] += 1
    return _make_api_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _counted

app = None


def stub(name):
    """A client-side stub like the README's: @app.task(name=...) def send(**kw): ..."""
    if name not in app.tasks:

        def run(**kwargs):
            raise RuntimeError('runs in Lovage, not here')

        app.task(name=name)(run)
    return app.tasks[name]


REVIVERS = {
    '$uuid': uuid.UUID,
    '$decimal': decimal.Decimal,
    '$datetime': datetime.datetime.fromisoformat,
    '$date': datetime.date.fromisoformat,
}


def revive(value):
    """JSON hints ({"$uuid": "..."}) to the Python values kombu's encoder tags."""
    if isinstance(value, list):
        return [revive(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in REVIVERS:
            key, text = next(iter(value.items()))
            return REVIVERS[key](text)
        return {k: revive(v) for k, v in value.items()}
    return value


def signature(spec):
    return stub(spec['name']).s(**revive(spec.get('kwargs', {})))


def exception(exc):
    return {'type': type(exc).__name__, 'module': type(exc).__module__, 'args': list(map(str, exc.args))}


def op_configure(req):
    global app
    app = Celery('lovage-tests', broker='sqs://')
    app.conf.update(req['config'])
    app.conf.result_backend_always_retry = False
    return {'celery': celery.__version__}


def op_delay(req):
    return {'id': stub(req['name']).delay(**revive(req.get('kwargs', {}))).id}


def op_send_task(req):
    options = dict(req.get('options', {}))
    result = app.send_task(
        req['name'], args=revive(req.get('args')), kwargs=revive(req.get('kwargs')), **options
    )
    return {'id': result.id}


def op_chain(req):
    result = chain(*[signature(s) for s in req['tasks']]).apply_async()
    ids = []
    node = result
    while node is not None:
        ids.insert(0, node.id)
        node = node.parent
    return {'id': result.id, 'ids': ids}


def op_group(req):
    result = group(*[signature(s) for s in req['tasks']]).apply_async()
    return {'id': result.id, 'ids': [child.id for child in result.results]}


def op_get(req):
    started = time.monotonic()
    result = AsyncResult(req['id'], app=app)
    try:
        value = result.get(timeout=req.get('timeout', 30), interval=req.get('interval', 0.5))
        return {'state': result.state, 'result': value, 'seconds': time.monotonic() - started}
    except Exception as exc:  # the task's own exception, rebuilt by Celery
        return {'state': result.state, 'raised': exception(exc), 'seconds': time.monotonic() - started}


def op_group_get(req):
    result = GroupResult(req['id'], [AsyncResult(i, app=app) for i in req['ids']], app=app)
    try:
        return {'results': result.get(timeout=req.get('timeout', 30), interval=0.5)}
    except Exception as exc:
        return {'raised': exception(exc)}


def op_state(req):
    result = AsyncResult(req['id'], app=app)
    info = result.info
    return {
        'state': result.state,
        'info': exception(info) if isinstance(info, BaseException) else info,
        'date_done': str(result.date_done) if result.date_done else None,
    }


def op_calls(req):
    counts = dict(CALLS)
    if req.get('reset'):
        CALLS.clear()
    return {'calls': counts}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith('op_')}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            reply = {'ok': True, **OPS[req['op']](req)}
        except Exception as exc:
            reply = {'ok': False, 'error': {**exception(exc), 'traceback': traceback.format_exc()}}
        sys.stdout.write(json.dumps(reply, default=str) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
