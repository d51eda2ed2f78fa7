"""A Python client generated from the live schema with openapi-python-client imports cleanly and works: the
applicant lists the open calls, creates a draft, edits it, uploads a PDF annex and reads the grants, all through
the generated code against the running server."""

import importlib
import io
import json
import pkgutil
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from accounts.models import Organisation, User
from tests.api_personas import token_headers
from tests.factories.allocations import pdf_bytes

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# Downloads (the data export's zip) are binary files for the client, as application/octet-stream is.
CONFIG = (
    "package_name_override: gap_client\nproject_name_override: gap-client\npost_hooks: []\n"
    "content_type_overrides:\n  application/zip: application/octet-stream\n"
)


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """Generates ``gap_client`` from ``/api/schema/`` into ``tmp_path`` and makes it importable."""
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as response:  # noqa: S310
        (tmp_path / "openapi.json").write_bytes(response.read())
    (tmp_path / "config.yaml").write_text(CONFIG)
    assert GENERATOR.exists() or shutil.which("openapi-python-client"), "openapi-python-client is not installed"
    command = [str(GENERATOR) if GENERATOR.exists() else "openapi-python-client", "generate"]
    command += ["--path", "openapi.json", "--config", "config.yaml", "--meta", "none", "--output-path", "gap_client"]
    result = subprocess.run(  # noqa: S603
        [*command, "--fail-on-warning"], cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "gap_client"
    for name in [name for name in sys.modules if name == "gap_client" or name.startswith("gap_client.")]:
        del sys.modules[name]


def test_the_generated_client_imports_and_runs_the_applicant_flow(demo_data, generated_client, live_server):
    modules = [info.name for info in pkgutil.walk_packages([str(generated_client)], "gap_client.")]
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # every failure is reported at once
            failures[name] = repr(exc)
    assert len(modules) > 150 and not failures, failures

    from gap_client import AuthenticatedClient
    from gap_client.api.applications import (
        applications_attachments_create,
        applications_create,
        applications_partial_update,
    )
    from gap_client.api.calls import calls_list
    from gap_client.api.grants import grants_list
    from gap_client.models import (
        Application,
        ApplicationCreateRequest,
        Attachment,
        AttachmentKindEnum,
        AttachmentUploadRequest,
        Error,
        PatchedApplicationRequest,
    )
    from gap_client.types import File

    alice = User.objects.get(email="alice@demo.gigafactory.eu")
    organisation = Organisation.objects.get(memberships__user=alice, legal_name__startswith="Aurora")
    token = token_headers(alice)["Authorization"].removeprefix("Token ")
    client = AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True)

    calls = calls_list.sync(client=client)
    assert calls.count >= 1 and calls.results, calls
    assert all(call.status.value == "published" for call in calls.results)

    draft = applications_create.sync(
        client=client, body=ApplicationCreateRequest(call=calls.results[0].slug, organisation=organisation.pk)
    )
    assert isinstance(draft, Application) and draft.status.value == "draft", draft

    edited = applications_partial_update.sync(
        draft.id,
        client=client,
        body=PatchedApplicationRequest(title="Federated vision models", project_version=draft.project_version),
    )
    assert isinstance(edited, Application) and edited.title == "Federated vision models"
    stale = applications_partial_update.sync(
        draft.id, client=client, body=PatchedApplicationRequest(title="Too late", project_version=draft.project_version)
    )
    assert not isinstance(stale, Application) and stale.code == "section_changed", stale

    upload = AttachmentUploadRequest(
        kind=AttachmentKindEnum.TECHNICAL_ANNEX,
        file=File(payload=io.BytesIO(pdf_bytes()), file_name="annex.pdf", mime_type="application/pdf"),
    )
    attachment = applications_attachments_create.sync(draft.id, client=client, body=upload)
    assert isinstance(attachment, Attachment) and attachment.original_name == "annex.pdf", attachment

    grants = grants_list.sync(client=client)
    assert grants.count == len(grants.results)
    assert {grant.application for grant in grants.results} <= set(alice_references(alice))

    nonsense = ApplicationCreateRequest(call="no-such-call", organisation=0)
    refused = applications_create.sync(client=client, body=nonsense)
    assert isinstance(refused, Error) and refused.code == "invalid"
    assert json.dumps(refused.additional_properties)  # the field errors come through as data


def alice_references(alice) -> list[str]:
    from allocations.models import Application

    return list(Application.objects.filter(organisation__memberships__user=alice).values_list("reference", flat=True))
