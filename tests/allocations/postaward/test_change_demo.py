"""The demo's change requests: one waiting, one approved, one refused with a reason; a second run adds nothing."""

import io

from allocations.demo import changes as demo
from allocations.models.changes import ChangeRequest, ChangeStatus
from portal.models import OutboxMessage
from tests.factories import active_grant


def test_the_demo_asks_on_running_grants_and_is_idempotent(carol, alice, alice_org, erin, gigafactory, grant):
    carol.email = "carol@demo.gigafactory.eu"
    carol.save(update_fields=["email"])
    active_grant(by=carol, gigafactory=gigafactory, hours=800, organisation=alice_org, pi=erin)
    active_grant(by=carol, gigafactory=gigafactory, hours=600, organisation=alice_org, pi=alice)
    outbox = OutboxMessage.objects.count()
    demo.seed(io.StringIO())
    statuses = sorted(ChangeRequest.objects.values_list("status", flat=True))
    assert statuses == sorted([ChangeStatus.SUBMITTED, ChangeStatus.APPROVED, ChangeStatus.REFUSED])
    assert OutboxMessage.objects.count() == outbox  # the past's e-mails are not sent
    out = io.StringIO()
    demo.seed(out)
    assert "already seeded" in out.getvalue() and ChangeRequest.objects.count() == 3
