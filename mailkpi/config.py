"""The team config file (`mailkpi.yml`): one typed, validated settings object.

Every mistake becomes a `ConfigError` whose single line names the key and the problem,
e.g. ``mailkpi.yml: mailboxes[0].timezone: unknown time zone 'Europe/Londn'``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import MailkpiError

DEFAULT_CONFIG_PATH = Path("mailkpi.yml")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_EXCLUDED_FOLDERS = ("Junk Email", "Drafts", "Outbox", "Conversation History")
_RANGE = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(MailkpiError, ValueError):
    """A config file that cannot be used; str() is one line naming the key and the problem."""

    exit_code = 2


def _address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"not an email address: {value!r}")
    return value.strip().lower()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/London)"
        ) from None
    return value


def _day_ranges(value: str) -> str:
    """`"09:00-17:30"`, or several ranges separated by commas (`"08:00-12:00, 13:00-17:00"`)."""
    previous_end = -1
    for part in str(value).split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"malformed range {part.strip()!r}: expected HH:MM-HH:MM")
        start = int(match[1]) * 60 + int(match[2])
        end = int(match[3]) * 60 + int(match[4])
        if end > 24 * 60:
            raise ValueError(f"range {part.strip()!r} ends after 24:00")
        if end <= start:
            raise ValueError(f"range {part.strip()!r} ends before it starts")
        if start < previous_end:
            raise ValueError(f"range {part.strip()!r} overlaps or precedes the one before it")
        previous_end = end
    return ",".join(p.strip().replace(" ", "") for p in str(value).split(","))


Address = Annotated[str, AfterValidator(_address)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
DayRanges = Annotated[str, AfterValidator(_day_ranges)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlaTarget(_Strict):
    minutes: float = Field(gt=0)
    clock: Literal["business", "calendar"] = "business"


class Sla(_Strict):
    first_response: SlaTarget | None = None
    resolution: SlaTarget | None = None


class BusinessHours(_Strict):
    """Opening hours per weekday in the mailbox's local time; an absent day is closed."""

    mon: DayRanges | None = None
    tue: DayRanges | None = None
    wed: DayRanges | None = None
    thu: DayRanges | None = None
    fri: DayRanges | None = None
    sat: DayRanges | None = None
    sun: DayRanges | None = None

    def ranges(self) -> dict[str, list[tuple[dt.time, dt.time | None]]]:
        """Weekday -> [(start, end)], end None meaning midnight (24:00)."""
        out: dict[str, list[tuple[dt.time, dt.time | None]]] = {}
        for day in WEEKDAYS:
            spec = getattr(self, day)
            if not spec:
                continue
            for part in spec.split(","):
                start, end = part.split("-")
                out.setdefault(day, []).append(
                    (
                        dt.time.fromisoformat(start),
                        None if end == "24:00" else dt.time.fromisoformat(end),
                    )
                )
        return out


STANDARD_HOURS = BusinessHours(**{d: "09:00-17:00" for d in WEEKDAYS[:5]})


class Defaults(_Strict):
    timezone: TimeZone = "UTC"
    business_hours: BusinessHours = STANDARD_HOURS
    holidays: list[dt.date] = Field(default_factory=list)
    sla: Sla = Sla()
    resolution_idle_hours: float = Field(default=72, gt=0)


class Organization(_Strict):
    internal_domains: list[str] = Field(default_factory=list)

    @field_validator("internal_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in value]


class Agent(_Strict):
    address: Address
    name: str | None = None
    category: str | None = None


class SlaTier(_Strict):
    name: str
    domains: list[str] = Field(min_length=1)
    first_response: SlaTarget | None = None
    resolution: SlaTarget | None = None

    @field_validator("domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in value]


class Folders(_Strict):
    resolved: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDED_FOLDERS))
    agents: dict[str, Address] = Field(default_factory=dict)


class Mailbox(_Strict):
    """One tracked team address, as written in the file (defaults not yet applied)."""

    address: Address
    name: str | None = None
    kind: Literal["shared_mailbox", "distribution_list"] = "shared_mailbox"
    aliases: list[Address] = Field(default_factory=list)
    agents: list[Agent] = Field(default_factory=list)
    agent_mailboxes: bool = False
    sla_tiers: list[SlaTier] = Field(default_factory=list)
    assignment: Literal["categories", "folders", "responders"] = "categories"
    folders: Folders = Folders()
    timezone: TimeZone | None = None
    business_hours: BusinessHours | None = None
    holidays: list[dt.date] | None = None
    sla: Sla | None = None
    resolution_idle_hours: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Mailbox:
        seen: set[str] = set()
        for i, agent in enumerate(self.agents):
            if agent.address in seen:
                raise _KeyedError(f"agents[{i}].address", f"duplicate agent {agent.address}")
            seen.add(agent.address)
        for folder, agent in self.folders.agents.items():
            if agent not in seen:
                raise _KeyedError(
                    f"folders.agents.{folder}", f"{agent} is not an agent of this mailbox"
                )
        if self.kind == "distribution_list" and not self.agents:
            raise _KeyedError(
                "agents", "a distribution_list needs its agents (their mailboxes hold the mail)"
            )
        return self


class _KeyedError(ValueError):
    """A cross-field problem that knows which key (relative to its model) it is about."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")


class Privacy(_Strict):
    """What the marts may show of customers (docs/security.md)."""

    pseudonymize_customers: bool = False  # customer addresses -> keyed hash, stable across builds
    drop_subjects: bool = False


def _customers(value: dict[str, list[str]]) -> dict[str, list[str]]:
    """Company name -> its address domains, lower-cased; a domain names one company only."""
    owner: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for name, domains in value.items():
        if not str(name).strip():
            raise ValueError("a company needs a name")
        if not domains:
            raise _KeyedError(str(name), "list at least one domain")
        out[name] = []
        for domain in domains:
            clean = domain.strip().lower().lstrip("@")
            if "@" in clean or "." not in clean:
                raise _KeyedError(str(name), f"not a domain: {domain!r}")
            if clean in owner:
                raise _KeyedError(str(name), f"{clean} already belongs to {owner[clean]}")
            owner[clean] = name
            out[name].append(clean)
    return out


class _File(_Strict):
    organization: Organization = Organization()
    defaults: Defaults = Defaults()
    privacy: Privacy = Privacy()
    customers: Annotated[dict[str, list[str]], AfterValidator(_customers)] = Field(
        default_factory=dict
    )  # several domains as one company (docs/configuration.md, "Customers")
    mailboxes: list[Mailbox] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_mailboxes(self) -> _File:
        seen: dict[str, int] = {}
        for i, mailbox in enumerate(self.mailboxes):
            for address in (mailbox.address, *mailbox.aliases):
                if address in seen:
                    raise _KeyedError(
                        f"mailboxes[{i}].address",
                        f"{address} is already tracked by mailboxes[{seen[address]}]",
                    )
                seen[address] = i
        return self


class MailboxSettings(BaseModel):
    """A mailbox with the file's defaults applied: what the pipelines and models use."""

    model_config = ConfigDict(frozen=True)

    address: str
    name: str
    kind: Literal["shared_mailbox", "distribution_list"]
    aliases: list[str]
    agents: list[Agent]
    agent_mailboxes: bool
    sla_tiers: list[SlaTier]
    assignment: Literal["categories", "folders", "responders"]
    folders: Folders
    timezone: str
    business_hours: BusinessHours
    holidays: list[dt.date]
    sla: Sla
    resolution_idle_hours: float

    @property
    def team_addresses(self) -> set[str]:
        return {self.address, *self.aliases, *(a.address for a in self.agents)}

    @property
    def stores(self) -> list[str]:
        """The mailboxes to read: the team mailbox, and/or each agent's own mailbox."""
        agents = [a.address for a in self.agents]
        if self.kind == "distribution_list":
            return agents
        return [self.address, *agents] if self.agent_mailboxes else [self.address]


class Config(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path
    internal_domains: list[str]
    mailboxes: list[MailboxSettings]
    privacy: Privacy = Privacy()
    customers: dict[str, list[str]] = Field(default_factory=dict)


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("function-after", "function-before") and not str(part).startswith(
            ("function-", "constrained-")
        ):
            out += f".{part}" if out else str(part)
    return out


def _message(error: dict) -> tuple[str, str]:
    key = _key_path(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return key, "unknown key"
    if kind == "missing":
        return key, "required key is missing"
    text = str(error.get("ctx", {}).get("error") or error["msg"])
    text = re.sub(r"^(Value error|Assertion failed), ", "", text)
    if isinstance(error.get("ctx", {}).get("error"), _KeyedError):
        inner, _, text = text.partition(": ")
        key = f"{key}.{inner}" if key else inner
    if kind in ("literal_error", "enum"):
        text = f"{text}, got {error['input']!r}"
    return key, text


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read, validate and resolve the config file (path, else $MAILKPI_CONFIG, else mailkpi.yml)."""
    path = Path(path or os.environ.get("MAILKPI_CONFIG") or DEFAULT_CONFIG_PATH)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (set MAILKPI_CONFIG or create mailkpi.yml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{name}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping with a 'mailboxes' list at the top level")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        key, problem = _message(exc.errors(include_url=False)[0])
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ConfigError(f"{name}: {key}: {problem}{suffix}") from None
    return _resolve(path, parsed)


def _resolve(path: Path, parsed: _File) -> Config:
    d = parsed.defaults
    mailboxes = [
        MailboxSettings(
            address=m.address,
            name=m.name or m.address.split("@")[0].capitalize(),
            kind=m.kind,
            aliases=m.aliases,
            agents=m.agents,
            agent_mailboxes=m.agent_mailboxes or m.kind == "distribution_list",
            sla_tiers=m.sla_tiers,
            assignment=m.assignment,
            folders=m.folders,
            timezone=m.timezone or d.timezone,
            business_hours=m.business_hours or d.business_hours,
            holidays=m.holidays if m.holidays is not None else d.holidays,
            sla=m.sla or d.sla,
            resolution_idle_hours=m.resolution_idle_hours or d.resolution_idle_hours,
        )
        for m in parsed.mailboxes
    ]
    return Config(
        path=path,
        internal_domains=parsed.organization.internal_domains,
        mailboxes=mailboxes,
        privacy=parsed.privacy,
        customers=parsed.customers,
    )
