"""After the award: what a project owes and asks for once its hours are granted (final reports and their
publications, requests to change a grant). Above ``usage`` and below ``dashboards`` in the import layers."""
