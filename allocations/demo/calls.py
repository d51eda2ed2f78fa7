"""The calls of past rounds, made and published by carol through the call designer, dated when they opened."""

import datetime as dt

from accounts.models import User
from allocations.applications.calls import services as designer
from allocations.demo.quick import ANNEX, CRITERIA, DESCRIPTION
from allocations.demo.timeline import CUTOFF, OPENS, Quarter
from allocations.models import AccessMode, Call, Gigafactory

# (mode, title, extra cut-offs before the last one, days before the quarter)
ROUNDS = [
    ("playground", "Playground {label}: try out AI Gigafactory compute", [-66]),
    ("fast-lane", "Fast Lane {label}: fine-tuning and inference at scale", [-62]),
    ("large-scale", "Large Scale {label}: foundation models", []),
]
DURATIONS = {"playground": [1, 2, 3], "fast-lane": [1, 2, 3], "large-scale": [3, 6, 12]}
QUESTION = {"kind": "yes_no", "label": "Will you publish the model weights?", "required": True}


def slug(code: str, quarter: Quarter) -> str:
    return f"{code}-{quarter.slug}"


def round_calls(*, quarter: Quarter, gigafactories: list[Gigafactory], by: User) -> dict[str, Call]:
    """One call per access mode for the round that allocates ``quarter``: opened 12 weeks before it, closed at
    the cut-off 46 days before it. Fast Lane awards of the second round are confidential (industry projects)."""
    calls = {}
    opens_at = quarter.at(OPENS, 9)
    for code, title, earlier in ROUNDS:
        mode = AccessMode.objects.get(code=code)
        call = designer.call_create(
            by=by,
            values={
                "title": title.format(label=quarter.label),
                "slug": slug(code, quarter),
                "access_mode": mode,
                "summary": mode.description,
                "description": DESCRIPTION.format(mode=mode.name),
                "opens_at": opens_at,
                "is_continuous": code != "large-scale",
                "max_applications_per_organisation": 3,
                "allowed_durations_months": DURATIONS[code],
                "score_min": 0,
                "score_max": 5,
                "awards_confidential": code == "fast-lane" and quarter.number == 3,
            },
            gigafactories=gigafactories,
            cutoffs=[quarter.at(days, 17) for days in [*earlier, CUTOFF]],
            criteria=[
                {"name": name, "description": description, "weight": weight, "threshold": 3}
                for name, description, weight in CRITERIA
            ],
            now=opens_at - dt.timedelta(days=3),
        )
        # Large Scale asks a question and requires the annex; the short modes offer the annex as an option.
        if code == "large-scale":
            designer.question_save(call_id=call.pk, by=by, values=QUESTION)
        designer.slot_save(call_id=call.pk, by=by, values={**ANNEX, "required": code == "large-scale"})
        calls[code] = designer.call_publish(call_id=call.pk, by=by, now=opens_at - dt.timedelta(days=1))
    return calls
