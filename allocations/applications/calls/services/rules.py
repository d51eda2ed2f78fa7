"""The rules a call must meet: its settings, cut-offs in the future and in order, a rubric with positive weights
and thresholds on the scale, and everything again before publishing. Each returns field errors; none writes."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationType
from allocations.models import Call

MAX_CUTOFFS = 60
MAX_CRITERIA = 10


def when_text(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def call_errors(call: Call, gigafactories) -> dict[str, list[str]]:
    """Field errors of a call's settings (bounds, scale, durations, Gigafactories)."""
    errors: dict[str, list[str]] = {}
    if not (call.title or "").strip():
        errors["title"] = [_("Give the call a title.")]
    if call.opens_at is None:
        errors["opens_at"] = [_("Give the date and time the call opens.")]
    if call.access_mode_id is None:
        errors["access_mode"] = [_("Choose an access mode.")]
    elif call.request_min > call.request_max:
        errors["max_request_gpu_hours"] = [
            _("The maximum request (%(max)s GPU-hours) must not be below the minimum (%(min)s).")
            % {"max": call.request_max, "min": call.request_min}
        ]
    if call.score_min not in (0, 1) or call.score_max != 5:
        errors["score_min"] = [_("Use a scale of 0 to 5 or 1 to 5.")]
    durations = call.allowed_durations_months or []
    if not isinstance(durations, list) or any(
        isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 36 for d in durations
    ):
        errors["allowed_durations_months"] = [_("Give durations as whole months between 1 and 36.")]
    types = call.eligible_organisation_types or []
    if any(t not in OrganisationType.values for t in types):
        errors["eligible_organisation_types"] = [_("Choose organisation types from the list.")]
    if call.reply_window_days is not None and not 1 <= call.reply_window_days <= 60:
        errors["reply_window_days"] = [_("Give a reply window between 1 and 60 days.")]
    if call.max_applications_per_organisation is not None and call.max_applications_per_organisation < 1:
        errors["max_applications_per_organisation"] = [_("Allow at least one application per organisation.")]
    if gigafactories is not None and not list(gigafactories):
        errors["gigafactories"] = [_("Choose at least one Gigafactory.")]
    return errors


def cutoff_errors(cutoffs: list, *, now, keep: list | None = None) -> list[str]:
    """Cut-offs must lie in the future and be in order (``keep``: past cut-offs that stay as they are)."""
    problems = []
    if len(cutoffs) > MAX_CUTOFFS:
        problems.append(_("A call has at most %(n)d cut-offs.") % {"n": MAX_CUTOFFS})
    for index, at in enumerate(cutoffs, start=1):
        if at is None or timezone.is_naive(at):
            problems.append(_("Cut-off %(n)d: give a date and time.") % {"n": index})
            continue
        if at <= now and at not in (keep or []):
            problems.append(
                _("Cut-off %(n)d (%(when)s) is in the past; cut-offs must lie in the future.")
                % {"n": index, "when": when_text(at)}
            )
        if index > 1 and cutoffs[index - 2] is not None and at <= cutoffs[index - 2]:
            problems.append(
                _("Cut-off %(n)d (%(when)s) must come after cut-off %(m)d.")
                % {"n": index, "when": when_text(at), "m": index - 1}
            )
    return problems


def criteria_errors(criteria: list[dict], *, score_min: int, score_max: int) -> list[str]:
    problems = []
    names = set()
    if len(criteria) > MAX_CRITERIA:
        problems.append(_("A rubric has at most %(n)d criteria.") % {"n": MAX_CRITERIA})
    for index, criterion in enumerate(criteria, start=1):
        name = (criterion.get("name") or "").strip()
        if not name:
            problems.append(_("Criterion %(n)d: give it a name.") % {"n": index})
        elif name.lower() in names:
            problems.append(_("Criterion %(name)s is listed twice.") % {"name": name})
        names.add(name.lower())
        weight, threshold = criterion.get("weight"), criterion.get("threshold")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
            problems.append(_("Criterion %(n)d: the weight must be a positive whole number.") % {"n": index})
        if not isinstance(threshold, int) or isinstance(threshold, bool) or not score_min <= threshold <= score_max:
            problems.append(
                _("Criterion %(n)d: the threshold must lie on the scale, %(min)d to %(max)d.")
                % {"n": index, "min": score_min, "max": score_max}
            )
    return problems


def publish_problems(call: Call, *, now) -> dict[str, list[str]]:
    errors = call_errors(call, call.gigafactories.all())
    cutoffs = list(call.cutoffs.order_by("at").values_list("at", flat=True))
    if not cutoffs:
        errors["cutoffs"] = [_("Add at least one cut-off.")]
    elif problems := cutoff_errors(cutoffs, now=now):
        errors["cutoffs"] = problems
    criteria = list(call.criteria.values("name", "weight", "threshold"))
    if not criteria:
        errors["criteria"] = [_("Add at least one rubric criterion.")]
    elif problems := criteria_errors(criteria, score_min=call.score_min, score_max=call.score_max):
        errors["criteria"] = problems
    if cutoffs and call.opens_at >= cutoffs[-1]:
        errors["opens_at"] = [_("The call must open before its last cut-off.")]
    return errors
