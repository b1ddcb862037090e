"""Safety after a visit: reaction reports, their triage, the practitioner's and the admins' views,
and the check-in a day after each attended session."""
