"""Locust users for benchmarks/load_intake.py: bots filing WTF reports through the API and
people reading the pages. Configured through the environment by that script:

    LOAD_TOKEN      API token of the demo user (the bots' credential)
    LOAD_PASSWORD   the demo user's password (people sign in with a session)
    LOAD_FEATURES   JSON object of a real input of the demo model, jittered per report
    LOAD_WAIT       "MIN,MAX" seconds each simulated client waits between requests ("0,0": none)
    LOAD_ACK_FILE   where to write how many reports were acknowledged with a 201, at exit
    LOAD_STATUS_FILE  where to write, at exit, the status codes seen per endpoint (JSON)
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from collections import Counter, defaultdict

from locust import HttpUser, between, constant, events, task

TOKEN = os.environ.get("LOAD_TOKEN", "")
PASSWORD = os.environ.get("LOAD_PASSWORD", "mlincidents-demo")
FEATURES = json.loads(os.environ.get("LOAD_FEATURES", "{}"))
WAIT_MIN, WAIT_MAX = (float(part) for part in os.environ.get("LOAD_WAIT", "0.5,1.5").split(","))
# The demo's four reports always exist; the bots add the ids they file, so people read new ones too.
REPORT_IDS: list[int] = [1, 2, 3, 4]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Counted here, as each 201 arrives, rather than read from Locust's statistics: a response that
# arrives while Locust stops the run still acknowledged a report.
ACKNOWLEDGED = 0
# Every status code per endpoint (0: no HTTP answer), so an outage's effect is visible beyond
# Locust's error count.
STATUS_CODES: dict[str, Counter] = defaultdict(Counter)


@events.request.add_listener
def _count_status(name, response=None, **kwargs) -> None:
    STATUS_CODES[name][getattr(response, "status_code", 0) or 0] += 1


@events.quitting.add_listener
def _write_acknowledged(environment, **kwargs) -> None:
    if path := os.environ.get("LOAD_ACK_FILE"):
        with open(path, "w") as handle:
            handle.write(str(ACKNOWLEDGED))
    if path := os.environ.get("LOAD_STATUS_FILE"):
        with open(path, "w") as handle:
            json.dump({name: dict(codes) for name, codes in STATUS_CODES.items()}, handle)


def _wait():
    return constant(0) if WAIT_MAX <= 0 else between(WAIT_MIN, WAIT_MAX)


class ReportingBot(HttpUser):
    """A chat bot or model service filing reports (the intake path, POST /api/v1/reports/)."""

    weight = 3
    wait_time = _wait()

    @task
    def file_report(self) -> None:
        features = {name: round(value * random.uniform(0.98, 1.02), 3) for name, value in FEATURES.items()}
        body = {"model": "wine-cultivar", "model_version": "1.0", "features": features,
                "output": random.choice(["class_0", "class_1", "class_2"]),
                "title": "Odd cultivar on the cellar page", "context": {"surface": "cellar-page"}}
        headers = {"Authorization": f"Token {TOKEN}", "Idempotency-Key": uuid.uuid4().hex}
        with self.client.post("/api/v1/reports/", json=body, headers=headers, name="POST /api/v1/reports/",
                              catch_response=True) as response:
            if response.status_code != 201:
                # Status 0: no HTTP answer at all (connection refused or reset, timeout).
                detail = response.text[:200] if response.status_code else repr(response.error)
                response.failure(f"{response.status_code}: {detail}")
                return
            global ACKNOWLEDGED
            ACKNOWLEDGED += 1
            REPORT_IDS.append(response.json()["id"])
            del REPORT_IDS[:-1000]


class PageReader(HttpUser):
    """A person reading the report list, a report and the incident list, signed in."""

    weight = 1
    wait_time = _wait()

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="GET /accounts/login/")
        match = _CSRF.search(page.text)
        self.client.post("/accounts/login/", name="POST /accounts/login/",
                         data={"username": "demo", "password": PASSWORD,
                               "csrfmiddlewaretoken": match.group(1) if match else ""},
                         headers={"Referer": f"{self.host}/accounts/login/"})

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code == 0:  # no HTTP answer at all (connection refused or reset, timeout)
                response.failure(f"0: {response.error!r}")
            elif response.status_code != 200:
                response.failure(f"{response.status_code} (a redirect means the session was lost)")

    @task(2)
    def report_list(self) -> None:
        self._get("/reports/", "GET /reports/")

    @task(2)
    def report_detail(self) -> None:
        self._get(f"/reports/{random.choice(REPORT_IDS)}/", "GET /reports/{id}/")

    @task(1)
    def incident_list(self) -> None:
        self._get("/incidents/", "GET /incidents/")
