"""Treatment courses: plans (plans), times (cadence), all-or-none booking (series), check-ins
(checkins), outcomes against meaningful change (outcomes), the review gate (review), emails
(mail) and cron jobs (jobs)."""
