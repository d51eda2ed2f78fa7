"""Change requests on a running grant: extension, supplement, transfer, team change and PI change."""
