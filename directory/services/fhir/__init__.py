"""Open availability: listed practitioners, their clinics and free first-visit slots as
FHIR R4 resources in NDJSON files, behind a SMART Scheduling Links `$bulk-publish` manifest."""
