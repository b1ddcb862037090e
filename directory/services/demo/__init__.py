"""Demo data: practitioners, clinics, licences and logins for `flask seed-demo`."""
