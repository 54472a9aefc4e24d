"""Check-ins are personal data with a short life: they are not in the admin. Tracing staff read them
through the API and the screens, which scope and audit every read."""
