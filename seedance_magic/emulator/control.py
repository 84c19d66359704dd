"""The control API under /_emulator/, for tests and demos (works on a standalone
emulator too):

    GET    /_emulator/info      {"emulator": "seedance-magic", "instance": id of this server run}
    GET    /_emulator/stats     counts by kind and by request id, requests, uploads
    GET    /_emulator/jobs      every job's snapshot
    GET    /_emulator/faults    the fault rules still armed
    POST   /_emulator/faults    add one rule or a list of rules (faults.py)
    DELETE /_emulator/faults    remove every rule
    GET    /_emulator/config    the settings
    POST   /_emulator/config    change settings for new jobs ({"hold": true, ...})
    POST   /_emulator/release   {"request_id": id | null}: let held jobs start
"""

from __future__ import annotations

from .faults import Fault
from .wire import Reply, Request, Services, json_reply, not_found


def control(services: Services, req: Request) -> Reply:
    name = req.path[len("/_emulator/") :]
    try:
        data = req.json() if req.body else None
    except ValueError:
        return json_reply(400, {"detail": "Expected a JSON body"})
    try:
        if (req.method, name) == ("GET", "info"):
            return json_reply(200, {"emulator": "seedance-magic", "instance": services.instance})
        if (req.method, name) == ("GET", "stats"):
            return json_reply(200, services.stats.snapshot().to_json())
        if (req.method, name) == ("GET", "jobs"):
            return json_reply(200, {rid: i.to_json() for rid, i in services.store.all().items()})
        if (req.method, name) == ("GET", "faults"):
            return json_reply(200, [f.to_json() for f in services.faults.pending()])
        if (req.method, name) == ("POST", "faults"):
            rules = [Fault.from_json(r) for r in (data if isinstance(data, list) else [data])]
            for rule in rules:
                services.faults.add(rule)
            return json_reply(200, {"added": len(rules)})
        if (req.method, name) == ("DELETE", "faults"):
            services.faults.clear()
            return json_reply(200, {"cleared": True})
        if (req.method, name) == ("GET", "config"):
            return json_reply(200, services.config.to_json())
        if (req.method, name) == ("POST", "config"):
            services.config = services.config.updated(data if isinstance(data, dict) else {})
            return json_reply(200, services.config.to_json())
        if (req.method, name) == ("POST", "release"):
            rid = data.get("request_id") if isinstance(data, dict) else None
            return json_reply(200, {"released": services.store.release(rid)})
    except ValueError as exc:
        return json_reply(400, {"detail": str(exc)})
    return not_found(f"Control route {req.method} {name!r}")
