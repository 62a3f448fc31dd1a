"""The TOML config, validated strictly once at start-up.

String values may be ``${ENV_VAR}``; a secret ``foo`` (a key typed ``monitor.config.secrets.Secret``) may
instead be given as ``foo_file = "/path"``. Every problem is reported with its dotted key
(``sources.x.bearer_token``). ``[sources.*]`` and ``[alerts.*]`` hold one section per registered
plugin, whose keys its own module defines (monitor/config/plugins.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from monitor.config.checks import spelled
from monitor.config.cluster import ClusterConfig
from monitor.config.durations import WRITTEN, Interval, Jitter, Keep, Timeout, Window
from monitor.config.plugins import Sections
from monitor.config.routing import AlertsConfig
from monitor.config.secrets import Secret, model_in, reveal, secret_keys, secret_values
from monitor.config.sources import SourceBase, SourcesConfig, default_sections
from monitor.errors import ConfigError
from monitor.models import BrandQuery

TierName = Literal["watch", "warning", "critical"]
HeaderName = Annotated[str, spelled(re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*", re.ASCII), "an HTTP header name")]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Strict(BaseModel):
    # No inf or nan anywhere: a weight of nan turns every score into nan.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Re-exported for the config's users; defined in monitor/config/routing.py and monitor/config/sources.py.
__all__ = ["AlertsConfig", "Config", "LoadedConfig", "SourceBase", "SourcesConfig", "load_config", "parse_config"]


class StorageConfig(Strict):
    url: str = "sqlite:///monitor.db"
    password: Secret = None  # or password_file: set as the URL's password (kept out of the URL text)

    @model_validator(mode="after")
    def _password_into_url(self) -> StorageConfig:
        if self.password:
            from sqlalchemy.engine import make_url

            try:
                url = make_url(self.url).set(password=reveal(self.password)).render_as_string(hide_password=False)
            except Exception:  # noqa: BLE001 - any unparsable URL
                raise ValueError("storage.url is not a database URL to which a password can be added") from None
            object.__setattr__(self, "url", url)
        return self


class BrandConfig(Strict):
    name: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    handles: dict[str, str] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)

    @field_validator("keywords")
    @classmethod
    def _no_blank_keywords(cls, v: list[str]) -> list[str]:
        if any(not k.strip() for k in v):
            raise ValueError("keywords must not be blank")
        return v

    def query(self) -> BrandQuery:
        handles = {k: v.lstrip("@").lower() for k, v in self.handles.items()}
        return BrandQuery(self.name, tuple(self.keywords), handles, tuple(self.exclude))


class ScoringConfig(Strict):
    """Thresholds and weights of incident scoring (see monitor/incidents/state.py for their meaning)."""

    window: Window = 86400.0 * 3
    repeat_window: Window = 86400.0 * 90
    repeat_gap: Window = 6 * 3600.0
    min_mentions_first_alert: int = Field(default=2, ge=1)
    watch: float = Field(default=0.35, ge=0, le=1)
    warning: float = Field(default=0.55, ge=0, le=1)
    critical: float = Field(default=0.75, ge=0, le=1)
    hysteresis: float = Field(default=0.08, ge=0, le=0.5)
    weight_mentions: float = Field(default=1.0, ge=0, le=100)
    weight_velocity: float = Field(default=1.0, ge=0, le=100)
    weight_cues: float = Field(default=1.0, ge=0, le=100)
    weight_reach: float = Field(default=1.0, ge=0, le=100)
    weight_repeat: float = Field(default=1.0, ge=0, le=100)
    weight_unanswered: float = Field(default=1.0, ge=0, le=100)
    unanswered_after: Window = 4 * 3600.0
    # The share of a brand's traffic one ordinary topic may draw: people joining a story faster than
    # this (and faster than the story drew them before) are a burst.
    burst_share: float = Field(default=0.05, gt=0, le=1)


class DaemonConfig(Strict):
    reobserve_interval: Interval = 600.0
    reobserve_window: Window = 48 * 3600.0
    jitter: Jitter = 10.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    health_host: str = "127.0.0.1"  # the container's config sets 0.0.0.0
    health_port: int = Field(default=8080, ge=0, le=65535)  # /healthz, /readyz, /metrics; 0 = off
    shutdown_timeout: Timeout = 20.0  # running jobs' time to finish on SIGTERM


class WebConfig(Strict):
    """The read-only incident pages, served beside /healthz on ``[daemon] health_port`` (monitor/web/pages.py;
    who may read them: monitor/web/access.py)."""

    enabled: bool = False
    access_token: Secret = None         # asked of every page request (HTTP Basic password, or Bearer)
    trust_proxy: bool = False           # a reverse proxy authenticates: requests must carry proxy_header
    proxy_header: HeaderName = "X-Forwarded-User"
    # Where the proxy's header is believed from (addresses or networks; default: the loopback only),
    # and/or a secret the proxy adds to every request, in proxy_secret_header.
    proxy_addresses: list[str] = Field(default_factory=list, max_length=100)
    proxy_secret: Secret = None
    proxy_secret_header: HeaderName = "X-Proxy-Secret"  # noqa: S105 - a header name, not a secret
    public_url: str | None = None       # where people reach the pages; Slack alerts then link there
    allowed_hosts: list[str] = Field(default_factory=list, max_length=100)  # more names the pages answer to
    max_renders: int = Field(default=4, ge=1, le=64)  # pages rendered at once; more are answered 503 at once

    @field_validator("public_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v and not re.match(r"^https?://[^\s]+$", v):
            raise ValueError("must be an http:// or https:// URL")
        return v or None

    @field_validator("proxy_addresses")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for address in v:
            try:
                ipaddress.ip_network(address.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{address!r} is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/24)") from None
        return [a.strip() for a in v]

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        for host in v:
            if not _HOST_NAME.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (such as monitor.internal or 10.0.0.7; no port, no wildcard)")
        return v

    def problems(self, host: str) -> list[tuple[str, str]]:
        """What the pages would expose when served on ``host`` (``daemon.health_host``), named by the key to
        change: nothing on the loopback; beyond it, a way in that is not open to whoever reaches the port."""
        if not self.enabled or _loopback(host):
            return []
        where = f"{host} (daemon.health_host)"
        if not (self.access_token or self.trust_proxy):
            return [("web.enabled", f"the incident pages would be open to anyone on {where}: set web.access_token, "
                                    "or web.trust_proxy = true behind a reverse proxy that authenticates")]
        found: list[tuple[str, str]] = []
        for key, secret in (("access_token", self.access_token), ("proxy_secret", self.proxy_secret)):
            value = reveal(secret) or ""
            if value and len(value) < MIN_SECRET:
                found.append((f"web.{key}", f"{len(value)} characters is too short to be exposed on {where}: use at "
                                            f"least {MIN_SECRET} (say, `openssl rand -hex 16`)"))
        if self.trust_proxy and not (self.proxy_addresses or self.proxy_secret):
            found.append(("web.proxy_addresses", f"on {where} any client that reaches the port could send "
                                                 f"{self.proxy_header} and read the pages: list the reverse proxy's "
                                                 "addresses here, or set web.proxy_secret (sent by the proxy in "
                                                 "web.proxy_secret_header)"))
        return found


MIN_SECRET = 16  # characters of a token or proxy secret exposed beyond the loopback
_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?|\[?[0-9A-Fa-f:.]+\]?", re.ASCII)


def _loopback(host: str) -> bool:
    """Is ``host`` (a bind address) reachable from this machine only?"""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


class RetentionConfig(Strict):
    """How long rows are kept (monitor/storage/retention.py); 0 keeps them forever."""

    observations: Keep = 30 * 86400.0
    incidents: Keep = 365 * 86400.0
    interval: Interval = 86400.0
    batch: int = Field(default=5000, ge=100, le=100_000)


class Config(Strict):
    storage: StorageConfig = Field(default_factory=StorageConfig)
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: SourcesConfig = Field(default_factory=lambda: SourcesConfig.built()())
    alerts: AlertsConfig = Field(default_factory=lambda: AlertsConfig.built()())
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)

    @field_validator("sources", "alerts", mode="before")
    @classmethod
    def _registered(cls, value: Any, info: ValidationInfo) -> Any:
        """Validated by the model built from the registry now (a plugin may have been added since);
        its errors keep their place (``sources.x.intervall``)."""
        base: type[Sections] = SourcesConfig if info.field_name == "sources" else AlertsConfig
        return base.built().model_validate(value, context=info.context) if isinstance(value, dict) else value

    def brand_queries(self) -> list[BrandQuery]:
        return [b.query() for b in self.brands]

    def secrets(self) -> list[str]:
        """Every secret value in the config (the keys typed ``Secret``, URL passwords), for redaction."""
        return secret_values(self)


def default_toml() -> str:
    """The embedded defaults (CONTRACT: SQLite in the working dir, keyless sources, console alerts).
    Every registered source is listed; the credentials of those that need some are taken from the
    environment when present (``SourceBase.from_env``), otherwise those sources say they are off and why."""
    return f'[storage]\nurl = "sqlite:///monitor.db"\n{default_sections()}\n[alerts.console]\nenabled = true\n'


def _secret_keys_at(path: tuple[Any, ...]) -> frozenset[str]:
    """The keys typed as secrets in the section at ``path`` of the raw config (``("sources", NAME)``)."""
    model: Any = Config
    for part in path:
        if isinstance(part, int):  # an item of a list: the list's model is already chosen
            continue
        if issubclass(model, Sections):
            model = model.built()
        field: Any = model.model_fields.get(part)
        model = model_in(field.annotation) if field is not None else None
        if model is None:
            return frozenset()
    return secret_keys(model.built() if issubclass(model, Sections) else model)


def _dotted(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts)


def _resolve(node: Any, path: tuple[Any, ...], env: dict[str, str], base: Path,
             problems: list[tuple[str, str]], unset: dict[str, tuple[str, bool]]) -> Any:
    """Expand ``${VAR}`` and ``*_file`` secrets. Unset variables are collected in ``unset``: dotted key
    → (variable, whether the key holds a secret)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        secrets = _secret_keys_at(path)
        for key, value in node.items():
            if key.endswith("_file") and key[: -len("_file")] in secrets:
                target = key[: -len("_file")]
                dotted = _dotted((*path, key))
                resolved = _resolve(value, (*path, key), env, base, problems, unset)
                if not isinstance(resolved, str):
                    problems.append((dotted, "expected a file path"))
                    continue
                file = (base / resolved).expanduser()
                try:
                    out[target] = file.read_text(encoding="utf-8").strip()
                except OSError as exc:
                    problems.append((dotted, f"cannot read secret file {file}: {exc.strerror}"))
                    continue
                if file.stat().st_mode & stat.S_IROTH:
                    problems.append((f"!{dotted}", f"secret file {file} is readable by every user"))
                continue
            out[key] = _resolve(value, (*path, key), env, base, problems, unset)
        return out
    if isinstance(node, list):
        return [_resolve(v, (*path, i), env, base, problems, unset) for i, v in enumerate(node)]
    if isinstance(node, str):
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                unset[_dotted(path)] = (m.group(1), bool(path) and path[-1] in _secret_keys_at(path[:-1]))
                return ""
            value = env[m.group(1)]
            # A password put into a URL's user:password@ (or a query value) is encoded, so that an "@"
            # or "/" in it stays part of the password instead of becoming the host.
            return quote(value, safe="") if _encoded_in_url(node, m.start()) else value
        return _ENV_REF.sub(sub, node)
    return node


def _encoded_in_url(template: str, at: int) -> bool:
    """Does the ``${VAR}`` at ``at`` sit in the user:password@ part, or a query value, of a URL?"""
    scheme = template.find("://")
    if scheme < 0 or at < scheme:
        return False
    start = scheme + 3
    ends = [i for i in (template.find(c, start) for c in "/?#") if i >= 0]
    authority_end = min(ends, default=len(template))
    if at < authority_end:
        return "@" in template[at:authority_end]
    query = template.find("?", start)
    return 0 <= query < at and template[at - 1] == "="


def _leave_out(resolved: dict[str, Any], section: str) -> None:
    """Take the section ``sources.x`` (dotted, without list indexes) out of the resolved config."""
    parts = section.split(".")
    node: Any = resolved
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _section_enabled(raw: dict[str, Any], dotted: str) -> bool:
    """Is the section holding ``dotted`` enabled? (An unset secret of a disabled section is fine.)"""
    node: Any = raw
    enabled = True
    for part in dotted.split(".")[:-1]:
        if not isinstance(node, dict):
            break
        node = node.get(part)
        if isinstance(node, dict) and node.get("enabled") is False:
            enabled = False
    return enabled


class LoadedConfig:
    """A validated config, with the warnings found and the sources switched off for lack of secrets."""

    def __init__(self, config: Config, origin: str, warnings: list[str], off: dict[str, str]):
        self.config = config
        self.origin = origin
        self.warnings = warnings
        self.off = off  # dotted section → why it is off (an unset secret)


def parse_config(text: str, origin: str = "<embedded defaults>", *, env: dict[str, str] | None = None,
                 base: Path | None = None, strict_secrets: bool = True,
                 only: frozenset[str] | None = None) -> LoadedConfig:
    """``only``: the top-level sections a command uses (``{"storage"}`` for the incident commands): a
    section elsewhere whose ``${VAR}`` is unset is left out of the config instead of being an error, so
    acknowledging an incident does not need the X bearer token."""
    env = dict(os.environ) if env is None else env
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(origin, [("", f"not valid TOML: {exc}")]) from None
    problems: list[tuple[str, str]] = []
    unset: dict[str, tuple[str, bool]] = {}
    resolved = _resolve(raw, (), env, base or Path.cwd(), problems, unset)
    warnings = [f"{key[1:]}: {msg}" for key, msg in problems if key.startswith("!")]
    problems = [(k, m) for k, m in problems if not k.startswith("!")]
    off: dict[str, str] = {}
    for dotted, (var, secret) in unset.items():
        section = dotted.rsplit(".", 1)[0]
        if not _section_enabled(raw, dotted):
            continue
        if only is not None and re.split(r"[.\[]", dotted, maxsplit=1)[0] not in only:
            _leave_out(resolved, section)
            continue
        if strict_secrets or not secret:
            problems.append((dotted, f"environment variable {var} is not set"))
        else:
            prev = off.get(section)
            off[section] = f"{prev}, {var}" if prev else f"no credentials: set {var}"
    for dotted in _plain_secrets(raw):
        warnings.append(f"{dotted}: secret written in plain text in the config; use ${{VAR}} or {dotted.rsplit('.', 1)[-1]}_file")
    try:
        config = Config.model_validate(resolved, context={WRITTEN: True})
    except ValidationError as exc:
        for err in exc.errors():
            key = _dotted(err["loc"])
            msg = err["msg"]
            if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):  # a model's; a dataclass's
                section = _dotted(err["loc"][:-1])
                msg = (f"unknown source (known: {', '.join(SourcesConfig.registry())})" if section == "sources"
                       else "unknown key (check the spelling)")
            elif err["type"] == "too_short" and err["loc"][-1] == "keywords":
                msg = "a brand needs at least one keyword"
            elif msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            problems.append((key, msg))
    else:
        problems += _inconsistencies(config)
    if problems:
        raise ConfigError(origin, problems)
    return LoadedConfig(config, origin, warnings, off)


ORDER = "the tiers go watch < warning < critical"


def _inconsistencies(config: Config) -> list[tuple[str, str]]:
    """What each key allows alone but not together, named by the key to change."""
    found: list[tuple[str, str]] = []
    sc = config.scoring
    if not sc.watch < sc.warning:
        found.append(("scoring.warning", f"{sc.warning:g} must be above scoring.watch ({sc.watch:g}): {ORDER}"))
    if not sc.warning < sc.critical:
        found.append(("scoring.critical", f"{sc.critical:g} must be above scoring.warning ({sc.warning:g}): {ORDER}"))
    for top, sections in (("sources", config.sources), ("alerts", config.alerts)):
        for name in sections.names():
            section = sections.section(name)
            found += [(f"{top}.{name}.{key}", msg) for key, msg in (section.problems() if section else [])]
    found += config.web.problems(config.daemon.health_host)  # the pages' exposure, by the [web] key to change
    return found


def _plain_secrets(raw: dict[str, Any], path: tuple[str, ...] = ()) -> list[str]:
    found: list[str] = []
    secrets = _secret_keys_at(path)
    for key, value in raw.items():
        if isinstance(value, dict):
            found += _plain_secrets(value, (*path, key))
        elif key in secrets and isinstance(value, str) and value and not _ENV_REF.search(value):
            found.append(".".join((*path, key)))
    return found


def load_config(path: str | Path | None, *, strict_secrets: bool = True,
                env: dict[str, str] | None = None, only: frozenset[str] | None = None) -> LoadedConfig:
    """Load ``path`` or, when None, the embedded defaults (whose unset secrets switch sources off);
    ``only``: see ``parse_config``."""
    if path is None:
        return parse_config(default_toml(), env=env, strict_secrets=False, only=only)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(p), [("", f"cannot read config: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(p), [("", "config is not UTF-8 text")]) from None
    return parse_config(text, str(p), env=env, base=p.parent, strict_secrets=strict_secrets, only=only)
