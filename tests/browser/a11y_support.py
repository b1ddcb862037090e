"""axe-core for the accessibility suite: run it on the page in the browser, keep every finding,
and know which page template each checked page came from, so that a page nobody checks
fails the suite."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from flask import Flask, has_request_context, request, template_rendered
from playwright.sync_api import Page

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}
BLOCKING = ("critical", "serious")

# Templates that are never a page of their own. Partials and macro files start with "_" and
# email bodies live in mail/; these two predate that convention.
NOT_PAGES = {
    "base.html": "the layout every page extends; checked as part of each page",
    "macros.html": "macros imported by the pages; checked where they are used",
}


def page_templates() -> set[str]:
    """Every template under templates/ that a view renders as a whole page."""
    names = set()
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith("mail/") or path.name.startswith("_") or name in NOT_PAGES:
            continue
        names.add(name)
    return names


class TemplateLog:
    """The page template each request rendered, by path (the server runs in this process)."""

    def __init__(self, app: Flask):
        self.app = app
        self._lock = threading.Lock()
        self._renders: list[tuple[str, str]] = []

    def __enter__(self) -> TemplateLog:
        template_rendered.connect(self._record, self.app)
        return self

    def __exit__(self, *exc) -> None:
        template_rendered.disconnect(self._record, self.app)

    def _record(self, sender, template, context, **extra) -> None:
        name = template.name or ""
        if has_request_context() and name.endswith(".html") and not name.startswith("mail/"):
            with self._lock:
                self._renders.append((request.path, name))

    def last_for(self, path: str) -> str | None:
        with self._lock:
            return next((name for seen, name in reversed(self._renders) if seen == path), None)

    def rendered(self) -> set[str]:
        with self._lock:
            return {name for _, name in self._renders}


def axe_violations(axe: Axe, page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (injected through the DevTools
    protocol, which the site's Content-Security-Policy does not govern)."""
    return axe.run(page, options=AXE_OPTIONS).response["violations"]


@dataclass
class Finding:
    state: str
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else "")
        return f"[{self.impact}] {self.rule}: {self.help}\n    state: {self.state} ({self.url})\n    nodes: {shown}"


@dataclass
class AxeAudit:
    """Runs axe on each page state it is given and keeps the findings for one report."""
    log: TemplateLog
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, list[str]] = field(default_factory=dict)  # template -> states checked
    unlinked_errors: list[str] = field(default_factory=list)     # error states whose summary misleads
    axe: Axe = field(default_factory=Axe)

    def check(self, page: Page, state: str) -> None:
        path = urlsplit(page.url).path
        template = self.log.last_for(path)
        assert template is not None, f"{state}: no page template was rendered for {page.url}"
        for violation in axe_violations(self.axe, page):
            self.findings.append(Finding(
                state=state, url=page.url, rule=violation["id"], impact=violation["impact"] or "unknown",
                help=violation["help"], targets=[" ".join(map(str, node["target"])) for node in violation["nodes"]]))
        self.checked.setdefault(template, []).append(state)

    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.impact in BLOCKING]

    def report(self) -> str:
        order = {impact: n for n, impact in enumerate((*BLOCKING, "moderate", "minor"))}
        lines = [str(f) for f in sorted(self.findings, key=lambda f: (order.get(f.impact, 9), f.rule, f.state))]
        return "\n".join(lines) or "no violations"


def skip_browser_validation(page: Page) -> None:
    """Let the server, not the browser, answer a form with missing or wrong values."""
    page.evaluate("""() => document.querySelectorAll('form').forEach(form => {
        form.noValidate = true;
        form.querySelectorAll('[required]').forEach(control => control.removeAttribute('required'));
    })""")


# Each problem with the error summary and the fields it points at, as text.
ERRORS_LINKED_JS = """() => {
  const problems = [];
  const summary = document.querySelector('.error-summary');
  if (!summary) return ['no error summary on the page'];
  const live = summary.getAttribute('role') === 'alert' || summary.hasAttribute('aria-live');
  if (!live && document.activeElement !== summary) problems.push('the error summary is neither an alert nor focused');
  const links = [...summary.querySelectorAll('a')];
  if (!links.length) problems.push('the error summary links to no field');
  for (const item of summary.querySelectorAll('li')) {
    if (!item.querySelector('a')) problems.push(`"${item.textContent.trim()}" links to nothing`);
  }
  const errorTextOf = el => (el.getAttribute('aria-describedby') || '').split(/\\s+/)
      .map(id => id && document.getElementById(id)).filter(e => e && e.classList.contains('field__error'))
      .map(e => e.textContent.replace(/\\s+/g, ' ').trim()).join(' ');
  for (const link of links) {
    const href = link.getAttribute('href') || '';
    const message = link.textContent.replace(/\\s+/g, ' ').trim();
    const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
    if (!target) { problems.push(`"${message}" links to ${href}, not to a field on this page`); continue; }
    if (!['INPUT', 'SELECT', 'TEXTAREA', 'FIELDSET'].includes(target.tagName)) {
      // A problem with no field of its own (e.g. "Other checks") links to where it is explained.
      if (!target.textContent.includes(message)) problems.push(`${href} does not repeat "${message}"`);
      continue;
    }
    const said = errorTextOf(target);
    if (!said.includes(message)) problems.push(`${href} is not described by its error "${message}" ("${said}")`);
    // A group (fieldset) is described by its error; aria-invalid belongs on single controls.
    if (target.tagName !== 'FIELDSET' && target.getAttribute('aria-invalid') !== 'true') {
      problems.push(`${href} lacks aria-invalid="true"`);
    }
  }
  for (const control of document.querySelectorAll('[aria-invalid="true"]')) {
    if (!errorTextOf(control)) problems.push(`#${control.id} is invalid but not described by an error`);
  }
  return problems;
}"""


def error_link_problems(page: Page) -> list[str]:
    return page.evaluate(ERRORS_LINKED_JS)
