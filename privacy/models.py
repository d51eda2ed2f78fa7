"""The register of erased accounts: the person behind "Erased user #n" is gone, the number stays."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """One erased account. Its number (the primary key) names the pseudonym: "Erased user #<number>"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure", verbose_name=_("account")
    )
    erased_at = models.DateTimeField(_("erased at"))

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return pseudonym(self.pk)


def pseudonym(number: int) -> str:
    # Stored in the user row as the name, so it is the same in every language and in every log that shows it.
    return f"Erased user #{number}"


def pseudonymous_email(number: int) -> str:
    return f"erased-{number}@erased.invalid"
