"""Booking as a state machine, at the service level, on every backend: Hypothesis plays random
sequences of requests, confirmations, declines, cancellations (by either side), reschedules,
the passing of time and the expiry job, by several patients against one practitioner, and
checks after every step that
- no two active appointments of the practitioner overlap, buffer included;
- the free slots on show can all be requested (a sample of them, tried in a transaction that
  is rolled back);
- every appointment is in the status a simple model of the rules predicts.

The clock is simulated: every service takes ``now``, so the machine passes its own. A request
whose hold has passed shows as expired even before the job has run: the practitioner can no
longer confirm or decline it, while either side may still withdraw it until it starts."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from unittest import mock

import pytest
from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)
from sqlalchemy import select

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, AppointmentKind, AppointmentStatus, Practitioner,
                              Role, User)
from directory.models._types import as_utc
from directory.services.booking import requests as booking
from directory.services.booking import jobs as booking_jobs
from directory.services.booking import queries as booking_queries
from directory.services.booking import reschedule as booking_reschedule
from directory.services.booking import scheduling
from tests.booking_fixtures import INTAKE, NOW, local, practitioner_with_hours, seen_before
from tests.booking_fixtures import patient as new_patient
from tests.booking_fixtures import request as request_for
from tests.conftest import clear_database
from tests.factories import create_practitioner, create_user

# Friday 6 March 2026, 09:00 in San Francisco: the horizon reaches over the spring-forward night.
START = datetime(2026, 3, 6, 17, 0, tzinfo=timezone.utc)
HORIZON_DAYS = 4
PICK = st.integers(min_value=0, max_value=10_000)
NYC = {"city": "New York", "region": "NY", "postal_code": "10001", "latitude": 40.7506,
       "longitude": -73.9972, "timezone": "America/New_York"}
S = AppointmentStatus


class BookingMachine(RuleBasedStateMachine):
    @initialize(buffer=st.sampled_from([0, 10, 15]), follow_up=st.sampled_from([30, 45]),
                notice=st.sampled_from([0, 2]), two_clinics=st.booleans(), patients=st.integers(3, 4))
    def open_practice(self, buffer, follow_up, notice, two_clinics, patients):
        clear_database()
        self.now = START
        self.steps = 0
        practitioner = create_practitioner(clinics=[{}, NYC] if two_clinics else [{}])
        scheduling.update_settings(practitioner, initial_minutes=60, follow_up_minutes=follow_up,
                                   buffer_minutes=buffer, min_notice_hours=notice, horizon_days=HORIZON_DAYS)
        san_francisco = {day: [(time(9), time(11)), (time(11, 30), time(13))] for day in range(6)}
        san_francisco[6] = [(time(0, 30), time(4))]  # across the clocks' jump on 8 March
        scheduling.set_weekly_hours(practitioner.clinics[0], san_francisco)
        if two_clinics:
            # 12:00-17:00 in New York is 09:00-14:00 in San Francisco: both clinics offer the same hours.
            scheduling.set_weekly_hours(practitioner.clinics[1], {day: [(time(12), time(17))] for day in range(5)})
        self.practitioner_id, self.buffer = practitioner.id, timedelta(minutes=buffer)
        self.patient_ids = [create_user(role=Role.PATIENT).id for _ in range(patients)]
        db.session.commit()
        # The first patient has been seen before, so may book follow-ups from the start.
        self.history_id = seen_before(self._patient(0), practitioner, START).id
        self.expected = {a.id: a.status for a in self._appointments()}

    # --- reading the world -----------------------------------------------------------------

    @property
    def practitioner(self):
        return db.session.get(Practitioner, self.practitioner_id)

    def _patient(self, index: int):
        return db.session.get(User, self.patient_ids[index % len(self.patient_ids)])

    def _appointments(self) -> list[Appointment]:
        return list(db.session.scalars(select(Appointment).order_by(Appointment.id)))

    def _lapsed(self, appointment: Appointment) -> bool:
        return appointment.status is S.REQUESTED and as_utc(appointment.hold_expires_at) <= self.now

    def _live(self, appointment: Appointment) -> bool:
        """Active and not a lapsed request: what the API shows as requested or confirmed."""
        return appointment.status in ACTIVE_STATUSES and not self._lapsed(appointment)

    def _free(self, **kwargs) -> list[scheduling.Slot]:
        return scheduling.free_slots(self.practitioner, start=(self.now - timedelta(days=1)).date(),
                                     days=HORIZON_DAYS + 3, now=self.now, **kwargs)

    def _lapsed_ids(self) -> list[int]:
        """Requests and reschedules expire these in their transaction, as the expiry job does."""
        return [a.id for a in self._appointments() if self._lapsed(a)]

    def _target(self, pick: int) -> Appointment:
        """One of the appointments made so far, live ones first (small picks are drawn most often)."""
        found = sorted((a for a in self._appointments() if a.id != self.history_id),
                       key=lambda a: (not self._live(a), -a.id))
        return found[pick % len(found)]

    def _made_some(self) -> bool:
        return len(self.expected) > 1

    def _request(self, patient, start: datetime, kind: AppointmentKind, clinic_id: int) -> Appointment:
        return booking.request_appointment(patient=patient, practitioner=self.practitioner, clinic_id=clinic_id,
                                           start=start, kind=kind, intake=INTAKE, now=self.now)

    # --- rules -----------------------------------------------------------------------------

    @rule(who=PICK, pick=PICK)
    def request_a_free_slot(self, who, pick):
        free = self._free()
        if not free:
            return
        slot, patient = free[pick % len(free)], self._patient(who)
        allowed = slot.kind in booking_queries.kinds_allowed(patient, self.practitioner)
        lapsed = self._lapsed_ids()
        try:
            appointment = self._request(patient, slot.start, slot.kind, slot.clinic_id)
        except booking.KindRefused:
            assert not allowed, slot
            return
        assert allowed, slot
        self.expected.update({appointment_id: S.EXPIRED for appointment_id in lapsed})
        self.expected[appointment.id] = S.REQUESTED

    @precondition(_made_some)
    @rule(pick=PICK, who=PICK, offset=PICK, kind=PICK)
    def request_a_taken_time(self, pick, who, offset, kind):
        """Any start whose session, with the buffer, overlaps a live appointment: "slot taken"."""
        taken, patient = self._target(pick), self._patient(who)
        if not self._live(taken):
            return
        kinds = booking_queries.kinds_allowed(patient, self.practitioner)
        chosen = kinds[kind % len(kinds)]
        length = timedelta(minutes=scheduling.session_minutes(self.practitioner, chosen))
        earliest = as_utc(taken.starts_at) - length - self.buffer + timedelta(minutes=1)
        span = as_utc(taken.ends_at) + self.buffer - earliest
        start = earliest + timedelta(minutes=offset % int(span.total_seconds() // 60))
        before = len(self._appointments())
        try:
            self._request(patient, start, chosen, taken.clinic_id)
        except booking.SlotTaken as error:
            assert all(slot.kind is chosen for slot in error.fresh_slots)
        else:
            raise AssertionError(f"{start} overlaps appointment {taken.id} but was booked")
        assert len(self._appointments()) == before

    def _waiting_moves(self, original: Appointment) -> list[int]:
        """Requests to move the confirmed ``original`` that still wait for an answer."""
        return [a.id for a in self._appointments()
                if a.replaces_id == original.id and a.status is S.REQUESTED and not self._lapsed(a)]

    def _answer(self, pick: int, action, after: AppointmentStatus, allowed) -> None:
        appointment = self._target(pick)
        should = allowed(appointment)
        # Confirming a move releases the visit it replaces; cancelling a visit withdraws its move.
        released = appointment.replaces_id if after is S.CONFIRMED else None
        withdrawn = self._waiting_moves(appointment) if after is S.CANCELLED else []
        try:
            action(appointment)
        except booking.BookingError:
            assert not should, (appointment.id, appointment.status)
            return
        assert should, (appointment.id, self.expected[appointment.id])
        self.expected[appointment.id] = after
        if released is not None:
            self.expected[released] = S.CANCELLED
        self.expected.update({request_id: S.CANCELLED for request_id in withdrawn})

    @precondition(_made_some)
    @rule(pick=PICK)
    def confirm(self, pick):
        self._answer(pick, lambda a: booking.confirm(a, practitioner_user=self.practitioner.user, now=self.now),
                     S.CONFIRMED, lambda a: a.status is S.REQUESTED and not self._lapsed(a))

    @precondition(_made_some)
    @rule(pick=PICK)
    def decline(self, pick):
        self._answer(pick, lambda a: booking.decline(a, practitioner_user=self.practitioner.user,
                                                     message="Fully booked that week", now=self.now),
                     S.DECLINED, lambda a: a.status is S.REQUESTED and not self._lapsed(a))

    def _patient_may_cancel(self, appointment: Appointment) -> bool:
        """Until the cut-off before a confirmed visit; an unanswered request until it starts."""
        cutoff = timedelta(hours=current_app.config["CANCEL_CUTOFF_HOURS"])
        deadline = as_utc(appointment.starts_at) - (cutoff if appointment.status is S.CONFIRMED else timedelta())
        return appointment.status in ACTIVE_STATUSES and self.now < deadline

    @precondition(_made_some)
    @rule(pick=PICK)
    def patient_cancels(self, pick):
        self._answer(pick, lambda a: booking.cancel(a, by=a.patient, reason="Feeling better", now=self.now),
                     S.CANCELLED, self._patient_may_cancel)

    @precondition(_made_some)
    @rule(pick=PICK)
    def practitioner_cancels(self, pick):
        self._answer(pick, lambda a: booking.cancel(a, by=self.practitioner.user, reason="Ill", now=self.now),
                     S.CANCELLED, lambda a: a.status in ACTIVE_STATUSES and self.now < as_utc(a.starts_at))

    @precondition(_made_some)
    @rule(pick=PICK, slot_pick=PICK)
    def patient_reschedules(self, pick, slot_pick):
        old = self._target(pick)
        # A confirmed visit stays booked beside its move, so its own slot is not on offer.
        moving_confirmed = old.status is S.CONFIRMED
        free = self._free(kind=old.kind, ignore_appointment_id=booking_reschedule.ignored_for_choices(old, self.now))
        if not free:
            return
        slot = free[slot_pick % len(free)]
        same = slot.start == as_utc(old.starts_at) and slot.clinic_id == old.clinic_id
        # A lapsed request is expired inside the move's transaction, before it could be moved.
        should = self._patient_may_cancel(old) and not self._lapsed(old) and not same
        lapsed = self._lapsed_ids()
        superseded = self._waiting_moves(old) if moving_confirmed else []
        try:
            new = booking_reschedule.reschedule(old, patient=old.patient, new_start=slot.start,
                                                clinic_id=slot.clinic_id, now=self.now)
        except booking.BookingError:
            assert not should, (old.id, old.status, slot)
            return
        assert should, (old.id, self.expected[old.id], slot)
        self.expected.update({appointment_id: S.EXPIRED for appointment_id in lapsed})
        if moving_confirmed:  # the visit stands; a move already waiting is replaced by this one
            self.expected.update({request_id: S.CANCELLED for request_id in superseded})
        else:
            self.expected[old.id] = S.CANCELLED
        self.expected[new.id] = S.REQUESTED

    @rule(hours=st.integers(min_value=1, max_value=30), job=st.booleans())
    def time_passes(self, hours, job):
        """The clock moves on, and perhaps the expiry job runs (as cron would, now and then)."""
        self.now += timedelta(hours=hours)
        if job:
            lapsed = self._lapsed_ids()
            assert booking_jobs.expire_holds(now=self.now) == len(lapsed)
            self.expected.update({appointment_id: S.EXPIRED for appointment_id in lapsed})

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def statuses_follow_the_rules(self):
        db.session.rollback()  # read what is committed
        assert {a.id: a.status for a in self._appointments()} == self.expected

    @invariant()
    def no_two_active_appointments_overlap(self):
        active = [a for a in self._appointments() if a.status in ACTIVE_STATUSES]
        for i, a in enumerate(active):
            for b in active[i + 1:]:
                apart = (as_utc(a.ends_at) + self.buffer <= as_utc(b.starts_at)
                         or as_utc(b.ends_at) + self.buffer <= as_utc(a.starts_at))
                assert apart, (a.id, a.starts_at, a.ends_at, b.id, b.starts_at, b.ends_at)

    @invariant()
    def free_slots_can_be_requested(self):
        """The first (at the edge of the notice period) and a different one each step, by the
        patient seen before (who may book either kind), each in a transaction rolled back."""
        self.steps += 1
        free = self._free()
        for slot in {free[0], free[self.steps % len(free)]} if free else ():
            db.session.commit()
            # The services commit; here their commits only flush, so the rollback undoes it all. The
            # emails would be rolled back too: rendering them only costs time.
            with mock.patch.object(db.session, "commit", db.session.flush), \
                    mock.patch.object(booking.booking_mail, "requested"):
                try:
                    self._request(self._patient(0), slot.start, slot.kind, slot.clinic_id)
                finally:
                    db.session.rollback()


def test_booking_keeps_its_invariants(app):
    run_state_machine_as_test(BookingMachine, settings=settings(
        max_examples=25, stateful_step_count=30, derandomize=True, deadline=None, database=None,
        # One example is a whole session of booking against a fresh database: slow by nature.
        suppress_health_check=[HealthCheck.too_slow]))


# --- the two defects the machine found, pinned down --------------------------------------------

def test_a_request_whose_hold_lapsed_cannot_be_declined(app):
    practitioner = practitioner_with_hours()
    appointment = request_for(new_patient(), practitioner, local(NOW.date() + timedelta(days=3), 9))
    lapsed = as_utc(appointment.hold_expires_at)
    with pytest.raises(booking.BookingError, match="hold on this request has expired"):
        booking.decline(appointment, practitioner_user=practitioner.user, message="No", now=lapsed)
    assert appointment.status is S.REQUESTED
    booking.decline(appointment, practitioner_user=practitioner.user, message="No",
                    now=lapsed - timedelta(seconds=1))
    assert appointment.status is S.DECLINED


def test_no_slot_starts_right_where_the_notice_ends(app):
    """Its request would be held until that moment, that is: not at all."""
    practitioner = practitioner_with_hours(min_notice_hours=0)
    nine = local(NOW.date(), 9)
    slots = scheduling.free_slots(practitioner, start=NOW.date(), days=1, now=nine)
    assert slots and all(slot.start > nine for slot in slots)
    with pytest.raises(booking.InvalidSlot):
        request_for(new_patient(), practitioner, nine, now=nine)
