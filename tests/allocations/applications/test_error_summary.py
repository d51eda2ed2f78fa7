"""After a failed "Save and continue" the page opens on an error summary (role alert, focused) that links to each
invalid field, and the invalid fields say so (aria-invalid)."""

import re


def test_failed_save_opens_on_a_focused_error_summary(alice_client, draft):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/resources/", {"version": 0, "start_month": "not a month", "continue": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(
        r'<div class="alert alert-danger" role="alert" tabindex="-1" id="error-summary" autofocus>', html
    )
    assert summary, "a focused error summary with role alert"
    assert html.index('id="error-summary"') < html.index(f'action="/applications/{draft.pk}/edit/resources/"')
    assert 'href="#id_start_month">' in html
    field = re.search(r'<input[^>]*name="start_month"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
