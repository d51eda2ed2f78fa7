"""The OpenAPI schema is a contract. On the demo data set, schemathesis calls every operation as an applicant (a
personal token), a reviewer and a staff user (browser sessions that passed TOTP, with the CSRF cookie and header)
and runs all its checks on every answer: no 5xx, every status code documented, the documented content type,
the body valid against the documented schema, documented headers, and more. Path parameters are generated and
also set to real objects, so the documented 200 bodies are checked too. Requests go through the project's WSGI
application to PostgreSQL."""

import json
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from accounts.models import Organisation
from allocations.models import Application, Call
from allocations.models.capacity import AllocationRun, CapacityPeriod, Grant, Pool
from allocations.models.reports import FinalReport
from allocations.models.usage import Cluster, UsageImport
from ledger.models import Account, Partner
from reviews.models import Review, ReviewAssignment
from tests.api_personas import Persona, persona_credentials

# A request that the schema accepts may still be refused by a business rule it cannot express (the call is
# closed, the declaration is not ticked): those are documented 400/409 answers, not a broken contract.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]}}}
)
MAX_EXAMPLES = 4  # per operation; each example is sent by the three personas (under 2 minutes in all)
# The objects behind a path's parameter, by the path's first segment.
MODELS = {
    "allocation-runs": AllocationRun,
    "applications": Application,
    "capacity-periods": CapacityPeriod,
    "final-reports": FinalReport,
    "grants": Grant,
    "ledger": None,  # by the second segment below
    "organisations": Organisation,
    "pools": Pool,
    "review-assignments": ReviewAssignment,
    "reviews": Review,
    "usage": UsageImport,
}
LEDGER_MODELS = {"accounts": Account, "partners": Partner}


def load_schema():
    """The schema as ``/api/schema/`` serves it, generated in-process, called through the WSGI application."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from portal.wsgi import application

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document, config=CONFIG)
    loaded.app = application
    return loaded


def real_path_parameters(operation) -> dict | None:
    """Path parameters naming a real object of the demo data, or None when the path has none."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    segments = operation.path.strip("/").split("/")[2:]  # after api/v1
    if segments[0] == "calls":
        return {names[0]: Call.objects.order_by("pk").values_list("slug", flat=True).first()}
    if segments[0] == "clusters":
        name = Cluster.objects.order_by("pk").values_list("name", flat=True).first()
        return {names[0]: name} if name else None
    model = LEDGER_MODELS.get(segments[1]) if segments[0] == "ledger" else MODELS.get(segments[0])
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first() if model else None
    return {names[0]: pk} if pk is not None else None


def check_operation(operation, personas: dict, counts: dict) -> list[str]:
    """Runs up to MAX_EXAMPLES cases of one operation for every persona; returns the failures."""
    strategy = operation.as_strategy()
    known = real_path_parameters(operation)
    if known:
        strategy = st.one_of(strategy, operation.as_strategy(path_parameters=known))
    failures: list[str] = []

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for persona, credentials in personas.items():
            signed_in = case.derive(
                headers=CaseInsensitiveDict({**case.headers, **credentials["headers"]}),
                cookies={**case.cookies, **credentials["cookies"]},
            )
            # Credentials we supply (not generated ones): the auth checks strip them and expect a 401.
            signed_in._has_explicit_auth = True
            try:
                response = signed_in.call_and_validate()
            except (AssertionError, Exception, BaseExceptionGroup) as failure:  # all failures, by persona
                failures.append(f"{persona.value} {operation.label}: {failure}")
                return
            counts[persona.value][response.status_code] += 1

    run()
    return failures


def test_every_operation_keeps_the_contract_for_three_personas(demo_data, capsys):
    schema = load_schema()
    personas = {persona: persona_credentials(persona) for persona in Persona}
    counts: dict[str, Counter] = {persona.value: Counter() for persona in Persona}
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = [failure for operation in operations for failure in check_operation(operation, personas, counts)]

    with capsys.disabled():
        for persona, statuses in counts.items():
            print(f"\nAPI contract, {persona}: {len(operations)} operations, {statuses.total()} requests, {statuses}")
    assert not failures, "\n\n".join(failures[:30]) + f"\n\n{len(failures)} failures"
    assert len(operations) >= 59
    assert all(statuses.total() >= len(operations) for statuses in counts.values()), counts
    assert sum(counts[Persona.STAFF.value][code] for code in (200, 201, 202)) >= 20, counts  # reached real objects
