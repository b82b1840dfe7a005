"""The ACI rule catalogues: data files, one per scheme and version (docs/adr/0009).

A catalogue is a YAML document (``services/finance/catalogues``) where every number is a
*sourced value* ``{value, grade, source, note}``. Each has a path (``indicators.coordination.
variable``, ``missions.access.tiers.3.fixed``, ``parameters.point_value_cents``): an instance
admin's override replaces the value at that path, so no number needs a code change.
This module knows no file system or database: it receives the parsed documents and the
overrides.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from maillage_shared.errors import Invalid

GRADES = ("A", "B", "C")
CLASSES = ("prerequisite", "core", "optional", "operating")
UNITS = ("points", "cents")
MSP_RULES = ("opening_hours", "crisis", "levels", "declared", "missions", "users", "sas", "coordination",
             "protocols", "concertation", "trainees", "quality", "count", "si_label", "si_advanced")
_DESCRIPTIVE_KEYS = {"code", "label", "axis", "class", "rule", "condition", "conditional_variable"}


class CatalogueError(ValueError):
    """A catalogue file is malformed (raised at load: the service refuses to start)."""


@dataclass(frozen=True)
class Sourced:
    path: str
    value: Any
    grade: str
    source: str
    source_text: str
    note: str = ""
    overridden: bool = False
    original: Any = None


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    label: str
    axis: str
    klass: str
    rule: str


@dataclass(frozen=True)
class MissionDef:
    code: str
    label: str
    klass: str
    condition: str | None = None
    conditional_variable: str | None = None


@dataclass
class Catalogue:
    id: str
    scheme: str
    title: str
    legal_text: str
    structure_kinds: tuple[str, ...]
    year_from: int
    year_to: int | None
    unit: str
    tiers: tuple[int, ...] = ()
    indicators: list[IndicatorDef] = field(default_factory=list)
    missions: list[MissionDef] = field(default_factory=list)
    values: dict[str, Sourced] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def covers(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)

    def get(self, path: str) -> Sourced | None:
        return self.values.get(path)

    def number(self, path: str, default: int | None = None) -> int | None:
        found = self.values.get(path)
        return default if found is None or found.value is None else found.value

    def parameter(self, name: str, default: Any = None) -> Any:
        found = self.values.get(f"parameters.{name}")
        return default if found is None or found.value is None else found.value

    def indicator(self, code: str) -> IndicatorDef | None:
        return next((i for i in self.indicators if i.code == code), None)

    def mission(self, code: str) -> MissionDef | None:
        return next((m for m in self.missions if m.code == code), None)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Catalogue:
        values = dict(self.values)
        for path, value in overrides.items():
            if path in values:
                base = values[path]
                values[path] = replace(base, value=value, overridden=True, original=base.value)
        return replace(self, values=values)


def parse_catalogue(raw: dict, name: str = "") -> Catalogue:
    where = name or raw.get("id", "?")
    try:
        sources = dict(raw.get("sources") or {})
        years = raw.get("years") or {}
        catalogue = Catalogue(
            id=str(raw["id"]), scheme=str(raw.get("scheme", raw["id"])), title=str(raw["title"]),
            legal_text=str(raw.get("legal_text", "")), structure_kinds=tuple(raw.get("structure_kinds") or ()),
            year_from=int(years.get("from", 0)), year_to=None if years.get("to") is None else int(years["to"]),
            unit=str(raw.get("unit", "points")), tiers=tuple(int(t) for t in raw.get("tiers") or ()),
            sources=sources)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"{where}: missing or malformed header ({exc})") from None
    if catalogue.unit not in UNITS:
        raise CatalogueError(f"{where}: unit must be one of {UNITS}")
    values: dict[str, Sourced] = {}
    _collect(raw.get("parameters") or {}, "parameters", values, sources, where)
    _collect(raw.get("values") or {}, "values", values, sources, where)
    for entry in raw.get("indicators") or []:
        code = entry.get("code")
        definition = IndicatorDef(code=code, label=entry.get("label", code), axis=entry.get("axis", ""),
                                  klass=entry.get("class", ""), rule=entry.get("rule", ""))
        if not code or definition.klass not in CLASSES or definition.rule not in MSP_RULES:
            raise CatalogueError(f"{where}: indicator {code!r} needs a code, a class in {CLASSES} and a known rule")
        catalogue.indicators.append(definition)
        _collect({k: v for k, v in entry.items() if k not in _DESCRIPTIVE_KEYS}, f"indicators.{code}", values,
                 sources, where)
    for entry in raw.get("missions") or []:
        code = entry.get("code")
        definition = MissionDef(code=code, label=entry.get("label", code), klass=entry.get("class", ""),
                                condition=entry.get("condition"), conditional_variable=entry.get("conditional_variable"))
        if not code or definition.klass not in CLASSES:
            raise CatalogueError(f"{where}: mission {code!r} needs a code and a class in {CLASSES}")
        catalogue.missions.append(definition)
        _collect({k: v for k, v in entry.items() if k not in _DESCRIPTIVE_KEYS}, f"missions.{code}", values,
                 sources, where)
    codes = [i.code for i in catalogue.indicators] + [m.code for m in catalogue.missions]
    if len(codes) != len(set(codes)):
        raise CatalogueError(f"{where}: duplicate indicator or mission code")
    catalogue.values = values
    return catalogue


def _is_sourced(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "grade" in node


def _collect(node: Any, path: str, into: dict[str, Sourced], sources: dict[str, str], where: str) -> None:
    if _is_sourced(node):
        grade, source = node.get("grade"), node.get("source")
        if grade not in GRADES:
            raise CatalogueError(f"{where}: {path}: grade must be one of {GRADES}")
        if not source or source not in sources:
            raise CatalogueError(f"{where}: {path}: source {source!r} is not listed under sources")
        value = node["value"]
        if value is not None and not isinstance(value, int | str) or isinstance(value, bool):
            raise CatalogueError(f"{where}: {path}: value must be an integer, a text or null")
        into[path] = Sourced(path=path, value=value, grade=grade, source=source, source_text=sources[source],
                             note=str(node.get("note", "")))
        return
    if isinstance(node, dict):
        for key, child in node.items():
            _collect(child, f"{path}.{key}", into, sources, where)
        return
    raise CatalogueError(f"{where}: {path}: expected a sourced value {{value, grade, source}}")


@dataclass
class CatalogueSet:
    """Every catalogue of the instance (the files, before overrides) and the PASS table."""

    catalogues: dict[str, Catalogue]
    pass_table: Catalogue | None = None

    @classmethod
    def from_documents(cls, documents: Iterable[tuple[str, dict]]) -> CatalogueSet:
        catalogues, pass_table = {}, None
        for name, raw in documents:
            parsed = parse_catalogue(raw, name)
            if parsed.id == "pass":
                pass_table = parsed
            elif parsed.id in catalogues:
                raise CatalogueError(f"{name}: catalogue id {parsed.id!r} defined twice")
            else:
                catalogues[parsed.id] = parsed
        for kind in {k for c in catalogues.values() for k in c.structure_kinds}:
            spans = sorted((c.year_from, c.year_to or 9999, c.id) for c in catalogues.values()
                           if kind in c.structure_kinds)
            for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
                if start <= end:
                    raise CatalogueError(f"catalogues {first} and {second} overlap for {kind}")
        return cls(catalogues, pass_table)

    def all(self) -> list[Catalogue]:
        tables = list(self.catalogues.values()) + ([self.pass_table] if self.pass_table else [])
        return sorted(tables, key=lambda c: (c.scheme, c.year_from, c.id))

    def by_id(self, catalogue_id: str) -> Catalogue | None:
        if self.pass_table is not None and catalogue_id == self.pass_table.id:
            return self.pass_table
        return self.catalogues.get(catalogue_id)

    def for_year(self, kind: str, year: int, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Catalogue:
        """The catalogue in force for a structure kind and a year, overrides applied; a year
        without one is bad input (400 naming ``year``)."""
        found = next((c for c in self.catalogues.values() if kind in c.structure_kinds and c.covers(year)), None)
        if found is None:
            known = sorted((c.year_from, c.year_to) for c in self.catalogues.values() if kind in c.structure_kinds)
            first = known[0][0] if known else None
            raise Invalid(f"No ACI catalogue for a {kind} in {year}.",
                          {"year": f"No catalogue applies to {year}" + (f" (the first year is {first})." if first
                                                                        else ".")})
        return found.with_overrides((overrides or {}).get(found.id, {}))

    def pass_cents(self, year: int, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[int | None, int | None]:
        """(PASS in cents, the year it is for): the latest known year ≤ ``year``."""
        if self.pass_table is None:
            return None, None
        table = self.pass_table.with_overrides((overrides or {}).get(self.pass_table.id, {}))
        known = sorted(int(path.split(".")[1]) for path, v in table.values.items()
                       if path.startswith("values.") and v.value is not None)
        usable = [y for y in known if y <= year]
        if not usable:
            return None, None
        chosen = usable[-1]
        return table.number(f"values.{chosen}"), chosen
