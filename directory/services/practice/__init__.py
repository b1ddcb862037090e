"""A practitioner's own changes: profile, clinics, publishing."""
