"""Demo data of the allocations app.

``quick`` is the quick set (four Gigafactories, one open call per access mode, a few of alice's applications) that
``seed_demo --small`` stops at; ``history`` builds on it a portal in use: six past quarters and the current one,
hundreds of applications through review, panel, allocation, offers, usage and reclaims, all through the services.
"""

from allocations.demo.quick import ANNEX, CRITERIA, DESCRIPTION, GIGAFACTORIES, QUESTIONS, seed

__all__ = ["ANNEX", "CRITERIA", "DESCRIPTION", "GIGAFACTORIES", "QUESTIONS", "seed"]
