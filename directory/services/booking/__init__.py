"""Booking: appointment requests and changes, their queries, transactions, jobs, mail, calendar files, free slots and intakes."""
