# ruff: noqa: S311 - random think times and payloads, not secrets
"""The cut-off rush as locust users (run by scripts/load/run_load.py; `make load`).

Applicants (each its own user, organisation and draft from prepare.py) sign in, open their draft, autosave the
project step every few seconds with a realistic abstract, upload their CV once (a pypdf-written PDF, into the
call's CV document slot) and submit in the last minutes before the cut-off; a few try after it. Staff sign in
with TOTP and open the dashboards and the call board.
Each applicant's last acknowledged (2xx) autosave, what was sent after it, and each submit's answer are written
to $LOAD_ACKS at the end for the verification against the database.
"""

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import random
import re
import struct
import time
from pathlib import Path

from locust import HttpUser, between, events, task

CAST = json.loads(Path(os.environ["LOAD_CAST"]).read_text())
CUTOFF = dt.datetime.fromisoformat(CAST["cutoff"]).timestamp()
LATE_SHARE = float(os.environ.get("LOAD_LATE_SHARE", "0.03"))
SUBMIT_WINDOW = float(os.environ.get("LOAD_SUBMIT_WINDOW", "150"))  # seconds before the cut-off
APPLICANTS = list(reversed(CAST["applicants"]))
STAFF = list(reversed(CAST["staff"]))
ACKS: dict[int, dict] = {}
VERSION = re.compile(r'name="version"[^>]*?value="(\d+)"')
REFERENCE = re.compile(r"GAP-\d{4}-\d{6}")
WORDS = (
    "training evaluation multilingual corpus tokenizer alignment scaling efficiency checkpoint open weights "
    "benchmark reproducible pipeline inference distillation robotics climate protein vision speech federated"
).split()


def _pdf() -> bytes:
    """A small valid one-page PDF (written by pypdf, so it passes the portal's content checks)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Curriculum vitae"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as authenticator apps compute it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _check(response, ok=(200, 302)) -> bool:
    """Marks any other status a failure named by its code, so 503s and 5xx are counted apart in failures.csv."""
    if response.status_code in ok:
        response.success()
        return True
    response.failure(f"HTTP {response.status_code}")
    return False


class Portal(HttpUser):
    abstract = True

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def sign_in(self, email: str, password: str) -> bool:
        self.client.get("/accounts/login/", name="sign-in page")
        with self.client.post(
            "/accounts/login/",
            {"login": email, "password": password, "csrfmiddlewaretoken": self.csrf()},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            return _check(response, ok=(302,))


class Applicant(Portal):
    weight = 50
    wait_time = between(3, 6)

    def on_start(self):
        if not APPLICANTS:
            self.me = None
            return
        self.me = APPLICANTS.pop()
        self.pk = self.me["application"]
        self.ack = ACKS.setdefault(self.pk, {"email": self.me["email"], "acked": None, "sent_after": []})
        self.version = None
        self.uploaded = False
        self.done = False
        late = random.random() < LATE_SHARE
        self.submit_at = CUTOFF + random.uniform(3, 40) if late else CUTOFF - random.uniform(3, SUBMIT_WINDOW)
        self.ack["plan"] = "late" if late else "in time"
        while not self.sign_in(self.me["email"], CAST["password"]):
            time.sleep(3)
        self.open_draft()

    def open_draft(self) -> None:
        with self.client.get(
            f"/applications/{self.pk}/edit/project/", name="open draft", catch_response=True
        ) as response:
            if _check(response, ok=(200,)):
                match = VERSION.search(response.text)
                self.version = int(match.group(1)) if match else None

    @task
    def work(self):
        if self.me is None or self.done:
            if self.me is not None:
                self.client.get(f"/applications/{self.pk}/", name="application page")
            return
        if self.version is None:
            self.open_draft()
            return
        if not self.uploaded and random.random() < 0.3:
            self.upload_cv()
        elif time.time() >= self.submit_at:
            self.submit()
        else:
            self.autosave()

    def autosave(self) -> None:
        values = {
            "title": f"Rush-{self.pk}: {' '.join(random.sample(WORDS, 4))}",
            "acronym": f"R{self.pk}",
            # stripped as the form strips it, so the verification compares like with like
            "abstract": " ".join(random.choices(WORDS, k=random.randint(120, 260)))[:1990].strip(),
            "ai_domain": "language",
            "keywords": ", ".join(random.sample(WORDS, 3)),
        }
        payload = {**values, "version": str(self.version), "csrfmiddlewaretoken": self.csrf()}
        sent = {"title": values["title"], "abstract": values["abstract"]}
        self.ack["sent_after"].append(sent)
        with self.client.post(
            f"/applications/{self.pk}/edit/project/",
            payload,
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
            name="autosave",
            catch_response=True,
        ) as response:
            if not _check(response, ok=(200,)):
                return
            match = VERSION.search(response.text)
            if match is None:
                response.failure("not saved")
                return
            self.version = int(match.group(1))
            self.ack["acked"] = sent
            self.ack["sent_after"] = []

    def upload_cv(self) -> None:
        with self.client.post(
            f"/applications/{self.pk}/attachments/",
            {"kind": "", "slot": str(CAST["cv_slot"]), "csrfmiddlewaretoken": self.csrf()},
            files={"file": ("cv.pdf", PDF, "application/pdf")},
            name="upload CV",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.uploaded = _check(response, ok=(200, 302))

    def submit(self) -> None:
        late = time.time() >= CUTOFF
        with self.client.post(
            f"/applications/{self.pk}/submit/",
            {"declaration": "on", "csrfmiddlewaretoken": self.csrf()},
            name="submit (after the cut-off)" if late else "submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.ack.setdefault("submits", []).append({"at": time.time(), "status": response.status_code, "late": late})
            if response.status_code == 302:
                response.success()
                self.ack["submitted_at"] = time.time()
                self.done = True
                page = self.client.get(f"/applications/{self.pk}/", name="application page")
                found = REFERENCE.search(page.text)
                self.ack["reference"] = found.group(0) if found else None
            elif response.status_code == 400 and late:
                refused = "cut-off" in response.text
                self.ack["refused_after_cutoff"] = refused
                if refused:
                    response.success()
                else:
                    response.failure("late submit refused without the cut-off reason")
                self.done = True
            else:
                response.failure(f"HTTP {response.status_code}")
                if response.status_code == 400 and "already" in response.text:
                    self.done = True  # an earlier answer was lost on the way; the verification checks the DB


class Staff(Portal):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self):
        self.me = STAFF.pop() if STAFF else None
        if self.me is None:
            return
        while True:
            if self.sign_in(self.me["email"], CAST["password"]):
                code = totp(self.me["totp_secret"])
                with self.client.post(
                    "/accounts/2fa/authenticate/",
                    {"code": code, "csrfmiddlewaretoken": self.csrf()},
                    name="sign in: TOTP",
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    if _check(response, ok=(302,)):
                        return
            time.sleep(31)  # a code is accepted once per period

    @task(3)
    def dashboard(self):
        if self.me is not None:
            page = random.choice(["", "funnel/", "distribution/"])
            with self.client.get(f"/staff/dashboards/{page}", name="staff dashboard", catch_response=True) as r:
                _check(r, ok=(200,))

    @task(2)
    def call_board(self):
        if self.me is not None:
            with self.client.get(
                f"/staff/reviews/manage/calls/{CAST['call']}/", name="call board", catch_response=True
            ) as response:
                _check(response, ok=(200,))


@events.quitting.add_listener
def _write_acks(environment, **kwargs):
    Path(os.environ["LOAD_ACKS"]).write_text(json.dumps(ACKS, indent=1))
