"""The eligibility checklist is a group of checkboxes a screen reader announces with its name (WCAG 1.3.1)."""

import re

from tests.reviews.conftest import client_for


def test_eligibility_checklist_is_a_fieldset_with_a_legend(client, carol, submitted):
    client_for(client, carol)
    response = client.get(f"/staff/reviews/manage/applications/{submitted.pk}/check/")
    assert response.status_code == 200
    html = response.content.decode()
    fieldset = re.search(r"<fieldset[^>]*>(.*?)</fieldset>", html, re.S)
    assert fieldset is not None
    inner = fieldset.group(1)
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", inner, re.S)
    assert legend is not None and "Points to check" in legend.group(1)
    assert inner.lstrip().startswith("<legend")
    for name in (
        "country_eligible",
        "organisation_type_eligible",
        "request_within_bounds",
        "software_runs",
        "scaling_adequate",
    ):
        assert f'name="{name}"' in inner, name
