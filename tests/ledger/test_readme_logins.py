"""The partner contact the demo prints is in the README's table of demo logins, with its password."""

from pathlib import Path

from django.conf import settings

from ledger import demo


def test_readme_lists_the_partner_demo_login():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    logins = readme.split("### Demo logins", 1)[1].split("##", 1)[0]
    assert f"`{demo.PARTNER_CONTACT_EMAIL}`" in logins
    assert demo.PARTNER_CONTACT_PASSWORD in logins
