"""Kept for migration 0005, which names the upload-path function by this module path; the models live in
``allocations.models.usage``."""

from allocations.models.usage import import_path

__all__ = ["import_path"]
