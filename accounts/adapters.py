"""allauth adapter: account emails leave through the Celery email task, after commit."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from portal.emails import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_email(to=list(message.to), subject=message.subject, body=message.body, html=html)

    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL
