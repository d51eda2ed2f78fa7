"""Check the load run's database against what the load users were told (scripts/load/run_load.py).

    python scripts/load/verify.py CAST.json ACKS.json  -> JSON on stdout

- lost updates: an applicant whose saved project step is neither their last acknowledged (2xx) autosave nor one
  they sent after it (a request whose answer was lost may still have been saved);
- submissions: every 2xx submit gave one submitted application with one reference, one submit event, before the
  cut-off, and exactly one confirmation email in the outbox (and whether the worker has sent it);
- nothing submitted at or after the cut-off; late attempts refused with the reason.
"""

import datetime as dt
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from allocations.models import Application, ApplicationEvent, Status  # noqa: E402
from portal.models import OutboxMessage  # noqa: E402


def _emails_by_reference(references: set[str]) -> tuple[Counter, Counter]:
    """Confirmation emails per reference of the load's own applications (the demo data's emails, which also carry
    references, are not counted)."""
    queued, sent = Counter(), Counter()
    for subject, consumed in OutboxMessage.objects.filter(task="portal.send_email").values_list(
        "kwargs__subject", "consumed_at"
    ):
        for word in (subject or "").split():
            if word.startswith("GAP-"):
                reference = word.strip(":,.()")
                if reference not in references:
                    continue
                queued[reference] += 1
                sent[reference] += consumed is not None
    return queued, sent


def _stripped(values: dict) -> dict:
    """Text fields as the form keeps them: surrounding whitespace stripped (an abstract cut at 1990 characters
    may end in a space the user sent)."""
    return {key: value.strip() for key, value in values.items()}


def verify(cast: dict, acks: dict) -> dict:
    cutoff = dt.datetime.fromisoformat(cast["cutoff"])
    ids = [a["application"] for a in cast["applicants"]]
    applications = {a.pk: a for a in Application.objects.filter(pk__in=ids)}
    events = Counter(
        ApplicationEvent.objects.filter(application_id__in=ids, to_status=Status.SUBMITTED).values_list(
            "application_id", flat=True
        )
    )
    queued, sent = _emails_by_reference({a.reference for a in applications.values() if a.reference})
    result = Counter()
    problems = []
    for pk, ack in acks.items():
        key = int(pk)
        application = applications[key]
        state = _stripped({"title": application.title, "abstract": application.abstract})
        if ack["acked"] is not None:
            result["applicants with an acknowledged autosave"] += 1
            if state != _stripped(ack["acked"]):
                if state in [_stripped(sent) for sent in ack["sent_after"]]:
                    result["saved later state whose answer was lost"] += 1
                else:
                    result["lost updates"] += 1
                    problems.append(f"lost update: application {key}")
        acknowledged = any(s["status"] == 302 for s in ack.get("submits", []))
        if acknowledged:
            result["2xx submits"] += 1
            ok = (
                application.status == Status.SUBMITTED
                and application.reference
                and events[application.pk] == 1
                and application.submitted_at < cutoff
                and queued[application.reference] == 1
            )
            result["2xx submits with one submission, reference, event and email"] += bool(ok)
            result["confirmation emails sent by the worker"] += sent[application.reference or ""] == 1
            if not ok:
                problems.append(f"submit of {key}: {application.status} {application.reference} {events[key]}")
        if any(s["late"] for s in ack.get("submits", [])):
            result["late submit attempts"] += 1
            result["late submits refused with the cut-off reason"] += bool(ack.get("refused_after_cutoff"))
    submitted = [a for a in applications.values() if a.status == Status.SUBMITTED]
    result["submitted applications in the database"] = len(submitted)
    result["submitted at or after the cut-off"] = sum(a.submitted_at >= cutoff for a in submitted)
    result["duplicate references"] = len(submitted) - len({a.reference for a in submitted})
    result["applications with more than one submit event"] = sum(n > 1 for n in events.values())
    result["duplicate confirmation emails"] = sum(n > 1 for n in queued.values())
    result["emails in the outbox not yet sent"] = OutboxMessage.objects.filter(
        task="portal.send_email", consumed_at__isnull=True
    ).count()
    return {"counts": dict(result), "problems": problems[:50]}


if __name__ == "__main__":
    cast = json.loads(Path(sys.argv[1]).read_text())
    acks = json.loads(Path(sys.argv[2]).read_text())
    print(json.dumps(verify(cast, acks), indent=1))
