"""Subject, plain text and HTML of one notification, from the templates of one locale.

Templates live in ``templates/<locale>/``: ``events.txt`` holds per event type a
``headline__<type>`` and a ``summary__<type>`` macro (the type's dots written as ``_``), rendered
here as plain text and handed to ``subject.txt``, ``body.txt`` and ``body.html`` as ``headline`` and
``summary``. They are plain strings on purpose: a macro imported into an autoescaped template
returns its text marked safe without escaping it, so ``body.html`` must receive strings it escapes.
Every undefined name is an error (StrictUndefined), so a template that misses a value fails a test
rather than sending a half-filled e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from core.mail.context import JAKARTA, MailContext, Region
from core.mail.vocabulary import LOCALES, outcome_term, term

TEMPLATES = Path(__file__).parent / "templates"

# How each locale writes a moment (always in WIB, Asia/Jakarta) and a day.
_MOMENT = {
    "id": "EEEE, d MMMM y 'pukul' HH.mm 'WIB'",
    "en": "EEEE d MMMM y, HH:mm 'WIB (UTC+7)'",
}
_DAY = {"id": "d MMMM y", "en": "d MMMM y"}


class UnknownLocale(ValueError):
    """There are no templates for this locale."""


class UnknownEventType(ValueError):
    """There is no template for this event type."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(context: MailContext, locale: str) -> Rendered:
    """The e-mail about ``context`` in ``locale`` (``id`` or ``en``)."""
    if locale not in LOCALES:
        raise UnknownLocale(f"no e-mail templates for locale {locale!r}; there are {LOCALES}")
    env = _environment()
    events = env.get_template(f"{locale}/events.txt").make_module({"locale": locale})
    try:
        headline = getattr(events, f"headline__{context.template_key}")
        summary = getattr(events, f"summary__{context.template_key}")
    except AttributeError as exc:
        raise UnknownEventType(f"no e-mail template for {context.type} in {locale!r}") from exc
    values = {
        "c": context,
        "locale": locale,
        "headline": str(headline(context)).strip(),
        "summary": str(summary(context)).strip(),
    }
    subject = env.get_template(f"{locale}/subject.txt").render(values)
    return Rendered(
        subject=" ".join(subject.split()),  # one line, whatever the names hold
        text=env.get_template(f"{locale}/body.txt").render(values),
        html=env.get_template(f"{locale}/body.html").render(values),
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(term=_term, outcome=_outcome, country=_country, moment=_moment, day=_day)
    return env


@pass_context
def _term(ctx: Context, value: str, group: str) -> str:
    return term(value, group, ctx["locale"])


@pass_context
def _outcome(ctx: Context, value: str) -> str:
    return outcome_term(value, ctx["locale"])


@pass_context
def _country(ctx: Context, region: Region) -> str:
    names: Any = Locale.parse(ctx["locale"]).territories
    return str(names.get(region.country_code.upper(), region.country_name))


@pass_context
def _moment(ctx: Context, value: datetime) -> str:
    locale = ctx["locale"]
    return format_datetime(value, _MOMENT[locale], tzinfo=value.tzinfo, locale=locale)


@pass_context
def _day(ctx: Context, value: str | date) -> str:
    """A date, or the day (in WIB) of a moment, as ISO text or a value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(JAKARTA).date()
    return format_date(value, _DAY[ctx["locale"]], locale=ctx["locale"])
