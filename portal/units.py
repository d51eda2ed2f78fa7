"""GPU time: GPU-seconds inside the portal (integers), GPU-hours for people. Pure: imports nothing of Django."""

SECONDS_PER_HOUR = 3600


def gpu_seconds(hours: int) -> int:
    """GPU-hours as the GPU-seconds the portal stores and computes with."""
    return hours * SECONDS_PER_HOUR


def whole_gpu_hours(seconds: int | None) -> int | None:
    """GPU-seconds as whole GPU-hours, rounded down (exports and API fields); ``None`` stays ``None``."""
    return None if seconds is None else seconds // SECONDS_PER_HOUR


def gpu_hours(seconds: int) -> int | float:
    """GPU-seconds as GPU-hours for reading: whole hours when exact, else one decimal."""
    whole, rest = divmod(seconds, SECONDS_PER_HOUR)
    return whole if not rest else round(seconds / SECONDS_PER_HOUR, 1)
