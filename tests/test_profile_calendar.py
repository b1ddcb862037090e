"""The profile's week as a calendar: per clinic, seven day columns from the week's first day in
the clinic's zone, each headed by its date and listing that day's free times (the ones the
scheduler gives, capped with a link to the rest), a day without any saying so."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from directory.booking import display
from directory.booking.display import GRID_PER_DAY, clinic_today
from directory.models import AppointmentKind, AppointmentStatus
from directory.services.booking import availability, scheduling
from directory.services.booking.calendar_files import clock, day_label
from tests.booking_fixtures import open_every_day
from tests.factories import create_practitioner, create_user
from tests.test_booking_pages import make_appointment, slot_url

WEEK = 7
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NEW_YORK = {"name": "Midtown", "city": "New York", "region": "NY", "postal_code": "10001",
            "latitude": 40.75, "longitude": -73.99, "timezone": "America/New_York"}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)   # Nodes and strings

    def text(self, seen: bool = False) -> str:
        """The words a screen reader hears (aria-hidden left out) or, with ``seen``, the ones on
        the screen (visually hidden ones left out)."""
        return " ".join(self._raw(seen).split())

    def _raw(self, seen: bool) -> str:
        def shown(node: Node) -> bool:
            if seen:
                return "visually-hidden" not in node.attrs.get("class", "").split()
            return node.attrs.get("aria-hidden") != "true"
        return "".join(c if isinstance(c, str) else c._raw(seen) for c in self.children
                       if isinstance(c, str) or shown(c))

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.attrs.get("class", "").split()):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.root = Node("document", {})
        self.stack = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        while len(self.stack) > 1 and self.stack.pop().tag != tag:
            pass

    def handle_data(self, data):
        self.stack[-1].children.append(data)


@dataclass
class Column:
    heading: str          # what a screen reader hears
    seen_heading: str     # what the eye reads
    seen: str             # the whole column, as the eye reads it
    current: bool         # aria-current="date"
    links: list[Node]
    more: str | None
    says_none: bool


def weeks_shown(client, practitioner, query: str = "") -> dict[str, list[Column]]:
    """Each clinic's heading -> its week's columns, in the page's order."""
    response = client.get(f"/practitioners/{practitioner.id}{query}")
    assert response.status_code == 200
    tree = Tree(response.get_data(as_text=True)).root
    weeks = {}
    for section in tree.find_all("section", "slots--week"):
        columns = []
        for day in section.find_all("li", "week__day"):
            more = day.find_all("p", "week__more")
            columns.append(Column(
                heading=day.find_all("h4")[0].text(), seen_heading=day.find_all("h4")[0].text(seen=True),
                seen=day.text(seen=True),
                current=day.attrs.get("aria-current") == "date",
                links=[a for a in day.find_all("a") if a.attrs.get("class") == "slot"],
                more=more[0].find_all("a")[0].attrs["href"] if more else None,
                says_none=bool(day.find_all("p", "week__none"))))
        weeks[section.find_all("h3")[0].text()] = columns
    return weeks


def free_by_day(practitioner, clinic, first: date) -> dict[date, list[scheduling.Slot]]:
    """The scheduler's free first-visit times at ``clinic`` on each local day of the week from ``first``."""
    zone = ZoneInfo(clinic.timezone)
    found = scheduling.free_slots(practitioner, start=first - timedelta(days=1), days=WEEK + 2,
                                  kind=AppointmentKind.INITIAL, clinic_id=clinic.id)
    by_day = defaultdict(list)
    for slot in found:
        day = slot.start.astimezone(zone).date()
        if first <= day < first + timedelta(days=WEEK):
            by_day[day].append(slot)
    return by_day


def test_each_clinic_shows_seven_day_columns_with_each_free_time_under_its_own_day(client, app):
    practitioner = create_practitioner(clinics=[{"name": "Mission", "city": "San Francisco"}, NEW_YORK])
    for clinic in practitioner.clinics:
        # 07:00-20:00 gives ten first visits a day: more than a column holds.
        open_every_day(clinic, start=time(7), end=time(20))
    for week in (0, 1):
        weeks = weeks_shown(client, practitioner, f"?week={week}")
        assert len(weeks) == 2
        for clinic, columns in zip(practitioner.clinics, weeks.values()):
            first = clinic_today(clinic) + timedelta(days=WEEK * week)
            days = [first + timedelta(days=n) for n in range(WEEK)]
            assert [c.heading.removeprefix("Today, ") for c in columns] == [day_label(d) for d in days]
            assert [c.current for c in columns] == [week == 0] + [False] * 6
            free = free_by_day(practitioner, clinic, first)
            assert sum(len(slots) for slots in free.values()) > 3 * GRID_PER_DAY
            for day, column in zip(days, columns):
                expected = free[day]
                assert [a.attrs["href"] for a in column.links] == \
                    [slot_url(practitioner, s) for s in expected[:GRID_PER_DAY]], day
                # Seen as the time on the clinic's clock; heard with its day.
                for link, slot in zip(column.links, expected):
                    assert link.text(seen=True) == clock(slot.start, clinic.timezone)
                    assert link.text() == f"Request {clock(slot.start, clinic.timezone)} on {day_label(day)}"
                assert (column.more is not None) == (len(expected) > GRID_PER_DAY)
                if column.more:
                    assert f"date={day.isoformat()}" in column.more and f"clinic={clinic.id}" in column.more
                assert column.says_none == (not expected)


def test_a_day_off_and_a_booked_time_leave_their_holes_and_an_empty_day_says_so(client, app):
    practitioner = create_practitioner()
    clinic = practitioner.clinics[0]
    open_every_day(clinic, start=time(9), end=time(12))   # 09:00 and 10:15
    today = clinic_today(clinic)
    off, busy = today + timedelta(days=3), today + timedelta(days=4)
    availability.add_time_off(practitioner, first_day=off, last_day=off, clinic_id=None)
    taken = free_by_day(practitioner, clinic, today)[busy][0]
    make_appointment(practitioner, create_user(), taken.start, status=AppointmentStatus.CONFIRMED)

    columns = next(iter(weeks_shown(client, practitioner).values()))
    by_day = {today + timedelta(days=n): column for n, column in enumerate(columns)}
    assert by_day[off].says_none and not by_day[off].links
    assert "No times" in by_day[off].seen
    busy_links = [a.attrs["href"] for a in by_day[busy].links]
    assert slot_url(practitioner, taken) not in busy_links and len(busy_links) == 1
    neighbour = by_day[busy + timedelta(days=1)]
    assert len(neighbour.links) == 2 and not neighbour.says_none
    # The minimum notice (24 h) empties today; it is marked as today all the same.
    assert by_day[today].says_none and by_day[today].current
    assert by_day[today].seen_heading.startswith("Today") and by_day[today].heading.startswith("Today, ")


def test_a_week_without_any_free_time_says_so_once_instead_of_seven_empty_columns(client, app):
    practitioner = create_practitioner()
    open_every_day(practitioner.clinics[0])
    today = clinic_today(practitioner.clinics[0])
    availability.add_time_off(practitioner, first_day=today + timedelta(days=7),
                              last_day=today + timedelta(days=13), clinic_id=None)
    response = client.get(f"/practitioners/{practitioner.id}?week=1")
    assert "No free times this week." in response.get_data(as_text=True)
    tree = Tree(response.get_data(as_text=True)).root
    assert not tree.find_all("ol", "week") and tree.find_all("section", "slots--week")
    assert Tree(client.get(f"/practitioners/{practitioner.id}").get_data(as_text=True)).root.find_all("ol", "week")


def test_the_seen_day_headings_are_short_and_the_heard_ones_whole(client, app):
    practitioner = create_practitioner()
    open_every_day(practitioner.clinics[0])
    columns = next(iter(weeks_shown(client, practitioner, "?week=1").values()))
    first = clinic_today(practitioner.clinics[0]) + timedelta(days=WEEK)
    day = first + timedelta(days=1)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[day.month - 1]
    assert columns[1].seen_heading == f"{weekday} {day.day} {month}"
    assert columns[1].heading.endswith(day_label(day))


def test_each_clinic_counts_its_week_from_its_own_today(client, app, monkeypatch):
    # 05:30 UTC: the evening before in San Francisco, already tomorrow in New York.
    moment = datetime.combine(date.today(), time(5, 30), tzinfo=timezone.utc)
    monkeypatch.setattr(display, "utcnow", lambda: moment)
    practitioner = create_practitioner(clinics=[{"name": "Mission", "city": "San Francisco"}, NEW_YORK])
    for clinic in practitioner.clinics:
        open_every_day(clinic)
    for week in (0, 2):
        mission, midtown = weeks_shown(client, practitioner, f"?week={week}").values()
        start = date.today() + timedelta(days=WEEK * week)
        assert [c.heading.removeprefix("Today, ") for c in midtown] == \
            [day_label(start + timedelta(days=n)) for n in range(WEEK)]
        assert [c.heading.removeprefix("Today, ") for c in mission] == \
            [day_label(start + timedelta(days=n - 1)) for n in range(WEEK)]
        assert mission[0].current == midtown[0].current == (week == 0)
