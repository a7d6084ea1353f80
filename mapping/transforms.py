"""The closed registry of named transforms a spec may use (`transform: [email, "truncate:80"]`).

Each transform is a small, typed, pure function built once at compile time from its name and
optional argument; nothing is evaluated from the spec. A transform receives a value that is not
null (nulls skip the chain, except for `default`) and returns the new value or raises
`TransformError`, which the mapper turns into a `MappingError` naming the field and source path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

import phonenumbers

from mapping.errors import Reason, SpecError
from mapping.identifiers import normalise_email, normalise_phone
from mapping.previews import kind_of, preview

Transform = Callable[[object], object]


class TransformError(Exception):
    """A value a transform cannot handle; `problem` reads after the source path."""

    def __init__(self, reason: Reason, problem: str) -> None:
        self.reason = reason
        self.problem = problem
        super().__init__(problem)


@dataclass(frozen=True, slots=True)
class TransformContext:
    """What transforms may depend on besides their argument: per-connector settings."""

    phone_region: str | None = None


Factory = Callable[[object, TransformContext, str], Transform]

_TRUE: Final = frozenset({"true", "yes", "y", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "n", "0", "off"})
#: ISO 3166-1 alpha-2 codes, from phonenumbers' offline metadata ("001" is its non-geographic).
COUNTRY_CODES: Final = frozenset(c for c in phonenumbers.SUPPORTED_REGIONS if len(c) == 2)
_LOCALE = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?")
_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")
_MONEY_SYMBOLS: Final = "$€£¥₹₽₩₺₴₦₪฿"
_AMOUNT = re.compile(r"[+-]?[0-9]{1,18}(?:\.[0-9]{1,12})?")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Longest text a parsing transform looks at; real dates and amounts are far shorter.
_MAX_PARSE = 64


def _fail(problem: str, reason: Reason = Reason.TRANSFORM_FAILED) -> TransformError:
    return TransformError(reason, problem)


# -- identifiers ----------------------------------------------------------------------------


def _email(arg: object, ctx: TransformContext, key: str) -> Transform:
    def email(value: object) -> object:
        return normalise_email(value, path="value")

    return _reraising(email)


def _phone(arg: object, ctx: TransformContext, key: str) -> Transform:
    region = _region_arg(arg, key) if arg is not None else ctx.phone_region

    def phone(value: object) -> object:
        return normalise_phone(value, path="value", region=region)

    return _reraising(phone)


def _reraising(function: Transform) -> Transform:
    """Identifier checks raise `MappingError`; keep their reason, restate as a transform error."""
    from mapping.errors import MappingError

    def run(value: object) -> object:
        try:
            return function(value)
        except MappingError as exc:
            raise TransformError(exc.reason, exc.message.removeprefix("value ")) from None

    return run


# -- dates ----------------------------------------------------------------------------------


def parse_timestamp(value: object) -> datetime | date:
    """A date or datetime from ISO-8601 text, `YYYY-MM-DD HH:MM:SS`, or epoch seconds."""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, bool):
        raise _fail("is a boolean, not a date", Reason.TYPE_MISMATCH)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise _fail(f"= {preview(value)} is not a timestamp") from None
    if not isinstance(value, str):
        raise _fail(f"is a {kind_of(value)}, not a date", Reason.TYPE_MISMATCH)
    text = value.strip()
    if len(text) > _MAX_PARSE:
        raise _fail(f"= {preview(value)} is not a date")
    if _DATE_ONLY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _fail(f"= {preview(value)} is not a date") from None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise _fail(f"= {preview(value)} is not an ISO-8601 date or time") from None


def to_brevo_date(value: object) -> str:
    """Brevo date attributes take `YYYY-MM-DD`; times with an offset are read in UTC first."""
    parsed = parse_timestamp(value)
    if isinstance(parsed, datetime):
        if parsed.tzinfo is not None:
            parsed = _in_utc(parsed, value)
        return parsed.date().isoformat()
    return parsed.isoformat()


def to_iso_datetime(value: object) -> str:
    """Brevo events take ISO-8601 times; naive times are taken as UTC."""
    parsed = parse_timestamp(value)
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return _in_utc(parsed, value).isoformat().replace("+00:00", "Z")


def _in_utc(moment: datetime, shown: object) -> datetime:
    # 9999-12-31T23:00-05:00 is a valid ISO-8601 time whose UTC date is past year 9999, which
    # Python's datetime cannot hold (OverflowError): a bad value, not a crash.
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _fail(f"= {preview(shown)} is outside the dates Brevo can store") from None


# -- numbers and money ----------------------------------------------------------------------


def split_money(value: object) -> tuple[Decimal, str | None]:
    """(amount, currency) from `"19.99"`, `"19.99 EUR"`, `"€19.99"`, `19.99` or a GraphQL
    MoneyV2 `{"amount": "19.99", "currencyCode": "EUR"}` (Shopify Admin API)."""
    if isinstance(value, Mapping):
        currency = value.get("currencyCode", value.get("currency_code", value.get("currency")))
        amount, _ = split_money(value.get("amount"))
        return amount, currency.upper() if isinstance(currency, str) else None
    if isinstance(value, bool):
        raise _fail("is a boolean, not an amount", Reason.TYPE_MISMATCH)
    if isinstance(value, int) and abs(value) >= 10**18:
        # str() of a huge int raises past 4,300 digits; no amount is this large anyway.
        raise _fail(f"= {preview(value)} is not an amount")
    if isinstance(value, int | float):
        return _decimal(str(value), value), None
    if not isinstance(value, str):
        raise _fail(f"is a {kind_of(value)}, not an amount", Reason.TYPE_MISMATCH)
    text = value.strip()
    if len(text) > _MAX_PARSE:
        raise _fail(f"= {preview(value)} is not an amount")
    code: str | None = None
    parts = text.split()
    if len(parts) == 2 and _CURRENCY_CODE.fullmatch(parts[1]):
        text, code = parts[0], parts[1].upper()
    elif len(parts) == 2 and _CURRENCY_CODE.fullmatch(parts[0]):
        text, code = parts[1], parts[0].upper()
    text = text.strip(_MONEY_SYMBOLS).replace(",", "")
    return _decimal(text, value), code


def _decimal(text: str, shown: object) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise _fail(f"= {preview(shown)} is not an amount")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _fail(f"= {preview(shown)} is not an amount") from None


def to_number(value: object) -> int | float:
    amount, _ = split_money(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _money(arg: object, ctx: TransformContext, key: str) -> Transform:
    def money(value: object) -> object:
        return float(split_money(value)[0])

    return money


def _currency(arg: object, ctx: TransformContext, key: str) -> Transform:
    def currency(value: object) -> object:
        return split_money(value)[1]

    return currency


def _number(arg: object, ctx: TransformContext, key: str) -> Transform:
    return to_number


def _integer(arg: object, ctx: TransformContext, key: str) -> Transform:
    def integer(value: object) -> object:
        number = to_number(value)
        if not isinstance(number, int):
            raise _fail(f"= {preview(value)} is not a whole number", Reason.TYPE_MISMATCH)
        return number

    return integer


# -- text, booleans, choices ----------------------------------------------------------------


def to_boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise _fail(f"= {preview(value)} is not a yes/no value", Reason.TYPE_MISMATCH)


def _text_of(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if isinstance(value, float) or abs(value) < 10**30 else "0"
    raise _fail(f"is a {kind_of(value)}, not text", Reason.TYPE_MISMATCH)


def _string_transform(function: Callable[[str], object]) -> Factory:
    def factory(arg: object, ctx: TransformContext, key: str) -> Transform:
        def run(value: object) -> object:
            return function(_text_of(value))

        return run

    return factory


def _first_name(text: str) -> object:
    parts = text.split(maxsplit=1)
    return parts[0] if parts else None


def _last_name(text: str) -> object:
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) == 2 else None


def to_choices(value: object) -> list[str]:
    """A multiple-choice value: a list of labels, from a list or comma-separated text."""
    items = value if isinstance(value, list) else _text_of(value).split(",")
    choices: list[str] = []
    for item in items:
        text = _text_of(item).strip()
        if text and text not in choices:
            choices.append(text)
    return choices


def _country(arg: object, ctx: TransformContext, key: str) -> Transform:
    def country(value: object) -> object:
        code = _text_of(value).strip().upper()
        if code not in COUNTRY_CODES:
            raise _fail(f"= {preview(value)} is not an ISO 3166 country code")
        return code

    return country


def _locale(arg: object, ctx: TransformContext, key: str) -> Transform:
    def locale(value: object) -> object:
        match = _LOCALE.fullmatch(_text_of(value).strip())
        if match is None:
            raise _fail(f"= {preview(value)} is not a locale like en or en-US")
        language, region = match.group(1).lower(), match.group(2)
        return f"{language}-{region.upper()}" if region else language

    return locale


def _truncate(arg: object, ctx: TransformContext, key: str) -> Transform:
    if isinstance(arg, str) and arg.isdigit():
        arg = int(arg)
    if isinstance(arg, bool) or not isinstance(arg, int) or arg <= 0:
        raise SpecError(key, "truncate needs a positive length, like truncate:80")
    length = arg

    def truncate(value: object) -> object:
        return _text_of(value)[:length]

    return truncate


def _lookup(arg: object, ctx: TransformContext, key: str) -> Transform:
    if not isinstance(arg, Mapping) or not arg:
        raise SpecError(key, "lookup needs a table, like {lookup: {won: Customer}}")
    table = {str(k): v for k, v in arg.items()}

    def lookup(value: object) -> object:
        found = table.get(_text_of(value), _MISSING)
        if found is _MISSING:
            raise _fail(f"= {preview(value)} is not in the lookup table")
        return found

    return lookup


def _concat(arg: object, ctx: TransformContext, key: str) -> Transform:
    separator = " " if arg is None else arg
    if not isinstance(separator, str):
        raise SpecError(key, "concat takes a separator string")

    def concat(value: object) -> object:
        items = value if isinstance(value, list) else [value]
        joined = separator.join(_text_of(v) for v in items if v is not None and v != "")
        return joined or None

    return concat


def _marketing_consent(arg: object, ctx: TransformContext, key: str) -> Transform:
    def consent(value: object) -> object:
        state = value.get("state") if isinstance(value, Mapping) else value
        return is_unsubscribed(state)

    return consent


def is_unsubscribed(state: object) -> bool | None:
    """Shopify's `*_marketing_consent.state`: True (block) only for an explicit unsubscribe.

    We only ever add a blocklist flag, never clear one: a contact that unsubscribed (here or in
    Brevo) is never re-subscribed by a sync. States: subscribed, not_subscribed, pending,
    unsubscribed, redacted, invalid (https://shopify.dev/docs/api/admin-rest/latest/resources/customer).
    """
    if not isinstance(state, str):
        return None
    return True if state.strip().lower() in {"unsubscribed", "redacted"} else None


_MISSING: Final = object()


def _simple(function: Callable[[object], object]) -> Factory:
    def factory(arg: object, ctx: TransformContext, key: str) -> Transform:
        return function

    return factory


#: name -> factory; `default` is handled by the mapper since it acts on missing values.
REGISTRY: Final[Mapping[str, Factory]] = {
    "email": _email,
    "phone": _phone,
    "date": _simple(to_brevo_date),
    "datetime": _simple(to_iso_datetime),
    "money": _money,
    "currency": _currency,
    "number": _number,
    "integer": _integer,
    "boolean": _simple(to_boolean),
    "text": _string_transform(lambda text: text),
    "strip": _string_transform(lambda text: text.strip() or None),
    "lower": _string_transform(str.lower),
    "upper": _string_transform(str.upper),
    "first_name": _string_transform(_first_name),
    "last_name": _string_transform(_last_name),
    "concat": _concat,
    "multiple_choice": _simple(to_choices),
    "country": _country,
    "locale": _locale,
    "truncate": _truncate,
    "lookup": _lookup,
    "marketing_consent": _marketing_consent,
}
#: Transforms that need an argument.
NEEDS_ARGUMENT: Final = frozenset({"truncate", "lookup"})
DEFAULT: Final = "default"


def _region_arg(arg: object, key: str) -> str:
    if not isinstance(arg, str) or arg.upper() not in COUNTRY_CODES:
        raise SpecError(key, f"{arg!r} is not a region code like FR or US")
    return arg.upper()


def build(name: str, arg: object, ctx: TransformContext, key: str) -> Transform:
    """The transform `name`(arg), or `SpecError` naming `key` when unknown or misused."""
    factory = REGISTRY.get(name)
    if factory is None:
        known = ", ".join(sorted([*REGISTRY, DEFAULT]))
        raise SpecError(key, f"unknown transform {name!r}; known: {known}")
    if name in NEEDS_ARGUMENT and arg is None:
        raise SpecError(key, f"the transform {name!r} needs an argument")
    return factory(arg, ctx, key)
