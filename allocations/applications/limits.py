"""The call's limits on the resources step: requested hours within the call's bounds, the minimum viable amount
not above the request, a duration the call allows. Checked on the field when the step is saved and again at
submission, with the same messages."""

from django.utils import formats
from django.utils.translation import gettext as _

from allocations.models import Application


def _n(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def resource_limit_errors(application: Application) -> dict[str, list[str]]:
    call = application.call
    errors: dict[str, list[str]] = {}
    requested, minimum = application.requested_gpu_hours, application.minimum_gpu_hours
    if requested is not None and requested > call.request_max:
        errors["requested_gpu_hours"] = [
            _("Request at most %(max)s GPU-hours: that is this call's maximum (%(mode)s). You asked for %(req)s.")
            % {"max": _n(call.request_max), "mode": call.access_mode.name, "req": _n(requested)}
        ]
    elif requested is not None and requested < call.request_min:
        errors["requested_gpu_hours"] = [
            _("Request at least %(min)s GPU-hours: that is this call's minimum (%(mode)s). You asked for %(req)s.")
            % {"min": _n(call.request_min), "mode": call.access_mode.name, "req": _n(requested)}
        ]
    if requested is not None and minimum is not None and minimum > requested:
        errors["minimum_gpu_hours"] = [
            _("The minimum viable GPU-hours (%(min)s) cannot exceed the requested GPU-hours (%(req)s).")
            % {"min": _n(minimum), "req": _n(requested)}
        ]
    duration = application.duration_months
    if duration is not None and not call.duration_allowed(duration):
        if call.allowed_durations_months:
            message = _("This call allows projects of %(list)s months.") % {
                "list": ", ".join(str(d) for d in sorted(call.allowed_durations_months))
            }
        else:
            message = _("Projects in %(mode)s last at most %(n)d months.") % {
                "mode": call.access_mode.name,
                "n": call.access_mode.max_duration_months,
            }
        errors["duration_months"] = [message]
    return errors
