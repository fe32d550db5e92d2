"""How one value crosses the wire, by its botocore shape: JSON, query form and XML.

Each converter is compiled once per shape and cached (`ShapeCache`). On the way
in, a request's wire values become parameter values (epoch numbers and ISO 8601
become datetimes, base64 becomes bytes, wire names become member names); on the
way out, the reverse. `slrkit._fake._wire` puts them to work per operation.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, cast
from urllib.parse import quote

from botocore.model import ListShape, MapShape, StructureShape
from botocore.utils import parse_timestamp

from slrkit._fake._shapes import ShapeCache, View

if TYPE_CHECKING:
    from botocore.model import Shape

__all__ = [
    "Convert",
    "JsonConverters",
    "QueryRead",
    "QueryReaders",
    "WireFormatError",
    "XmlWrite",
    "XmlWriters",
    "identity",
    "scalar_from_text",
    "wire_name",
    "xml_text",
]


class WireFormatError(ValueError):
    """A request the service could not read (bad JSON, a non-number where one belongs)."""


_POLICY_DOCUMENT_SHAPE = "policyDocumentType"  # IAM sends these URL-encoded (botocore decodes)
_MISSING: Final = object()


def wire_name(name: str, shape: Shape) -> str:
    wire = shape.serialization.get("name")
    return wire if isinstance(wire, str) else name


# --- scalar conversions ---------------------------------------------------------------


def scalar_from_text(shape: Shape, text: str) -> object:
    """Read a scalar sent as text (query parameters and URI labels)."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("double", "float"):
            return float(text)
        if kind == "boolean":
            if text not in ("true", "false"):
                raise WireFormatError(f"'{text}' is not a boolean")
            return text == "true"
        if kind == "timestamp":
            return parse_timestamp(text).astimezone(dt.timezone.utc)
        if kind == "blob":
            return base64.b64decode(text)
    except (ValueError, TypeError) as exc:
        raise WireFormatError(f"'{text}' is not a valid {kind}") from exc
    return text


def _iso8601(value: dt.datetime) -> str:
    if value.tzinfo is not dt.timezone.utc:
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat()[:-6] + "Z"  # drop "+00:00": AWS writes UTC as "Z"


# --- JSON bodies ----------------------------------------------------------------------

Convert = Callable[[object], object]


def identity(value: object) -> object:
    return value


def _as_mapping(value: object) -> Mapping[object, object]:
    """*value*, which the model says is a structure or map (checked before writing)."""
    return cast("Mapping[object, object]", value)


def _as_fields(value: object) -> Mapping[str, object]:
    """*value*, which the model says is a structure (member name -> value)."""
    return cast("Mapping[str, object]", value)


def _as_list(value: object) -> Sequence[object]:
    """*value*, which the model says is a list (checked before writing)."""
    return cast("Sequence[object]", value)


class JsonConverters(ShapeCache[Convert]):
    """Per-shape converters between wire JSON and parameter dicts.

    On the way in, epoch numbers become datetimes, base64 becomes bytes and wire key
    names become member names; on the way out, the reverse. Shapes that need none of
    that convert by identity, which keeps the hot path free of copies.
    """

    def __init__(self, *, reading: bool) -> None:
        super().__init__()
        self._reading = reading

    def _compile(self, shape: Shape) -> Convert:  # noqa: PLR0911  # one return per shape type
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            member = self.get(shape.member)
            if member is identity:
                return identity
            return lambda value: [member(item) for item in _as_list(value)]
        if isinstance(shape, MapShape):
            item_convert = self.get(shape.value)
            if item_convert is identity:
                return identity
            return lambda value: {k: item_convert(v) for k, v in _as_mapping(value).items()}
        if kind == "timestamp":
            return _epoch_to_datetime if self._reading else _datetime_to_epoch
        if kind == "blob":
            return _b64_to_bytes if self._reading else _bytes_to_b64
        return identity

    def _structure(self, shape: StructureShape) -> Convert:
        # (wire key, member name, converter) for body members only.
        fields: list[tuple[str, str, Convert]] = []
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue
            json_name = member.serialization.get("name", name)
            fields.append((json_name, name, self.get(member)))
        if all(wire == name and conv is identity for wire, name, conv in fields):
            return identity
        if self._reading:
            table = {wire: (name, conv) for wire, name, conv in fields}
        else:
            table = {name: (wire, conv) for wire, name, conv in fields}

        def convert(value: object) -> object:
            out: dict[str, object] = {}
            for key, item in _as_fields(value).items():
                target, conv = table.get(key, (key, identity))
                out[target] = conv(item)
            return out

        return convert


def _epoch_to_datetime(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, str):
        return _scalar_from_text_timestamp(value)
    return value


def _scalar_from_text_timestamp(text: str) -> dt.datetime:
    try:
        return parse_timestamp(text).astimezone(dt.timezone.utc)
    except (ValueError, TypeError) as exc:
        raise WireFormatError(f"'{text}' is not a valid timestamp") from exc


def _datetime_to_epoch(value: object) -> object:
    return value.timestamp() if isinstance(value, dt.datetime) else value


def _b64_to_bytes(value: object) -> object:
    return base64.b64decode(value) if isinstance(value, str) else value


def _bytes_to_b64(value: object) -> object:
    return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else value


# --- query (form-encoded) requests and XML responses ------------------------------------

QueryRead = Callable[[Mapping[str, str], str], object]


class QueryReaders(ShapeCache[QueryRead]):
    """Per-shape readers of flattened query parameters (`X.member.N`, `X.entry.N.key`)."""

    def _compile(self, shape: Shape) -> QueryRead:
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            return self._list(shape)
        if isinstance(shape, MapShape):
            return self._map(shape)

        def read(flat: Mapping[str, str], prefix: str) -> object:
            text = flat.get(prefix)
            return _MISSING if text is None else scalar_from_text(shape, text)

        return read

    def _structure(self, shape: StructureShape) -> QueryRead:
        fields = [
            (name, wire_name(name, member), self.get(member))
            for name, member in shape.members.items()
        ]

        def read(flat: Mapping[str, str], prefix: str) -> object:
            out: dict[str, object] = {}
            head = f"{prefix}." if prefix else ""
            for name, wire, member_read in fields:
                value = member_read(flat, head + wire)
                if value is not _MISSING:
                    out[name] = value
            return out if out or not prefix else _MISSING

        return read

    def _list(self, shape: ListShape) -> QueryRead:
        member_read = self.get(shape.member)
        flattened = bool(shape.serialization.get("flattened"))
        member_name = shape.member.serialization.get("name", "member")

        def read(flat: Mapping[str, str], prefix: str) -> object:
            if flat.get(prefix) == "":
                return []  # botocore sends an empty list as `Name=`
            base = f"{prefix}." if flattened else f"{prefix}.{member_name}."
            items: list[object] = []
            while (item := member_read(flat, f"{base}{len(items) + 1}")) is not _MISSING:
                items.append(item)
            return items or _MISSING

        return read

    def _map(self, shape: MapShape) -> QueryRead:
        key_read = self.get(shape.key)
        value_read = self.get(shape.value)
        flattened = bool(shape.serialization.get("flattened"))
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")

        def read(flat: Mapping[str, str], prefix: str) -> object:
            base = f"{prefix}." if flattened else f"{prefix}.entry."
            out: dict[object, object] = {}
            index = 1
            while (key := key_read(flat, f"{base}{index}.{key_name}")) is not _MISSING:
                out[key] = value_read(flat, f"{base}{index}.{value_name}")
                index += 1
            return out or _MISSING

        return read


XmlWrite = Callable[[object, list[str]], None]

_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def xml_text(text: str) -> str:
    """*text* escaped for an XML element's content."""
    return text.translate(_XML_ESCAPES)


def _xml_scalar(shape: Shape) -> Callable[[object], str]:
    """The text of one scalar in query XML, chosen once per shape (this is the hot path)."""
    kind = shape.type_name
    if kind == "timestamp":
        return lambda value: _iso8601(cast("dt.datetime", value))
    if kind == "boolean":
        return lambda value: "true" if value else "false"
    if kind == "blob":
        return lambda value: base64.b64encode(cast("bytes", value)).decode()
    if kind in ("integer", "long", "double", "float"):
        return str
    if shape.name == _POLICY_DOCUMENT_SHAPE:
        return lambda value: _quote_policy(cast("str", value))
    return lambda value: cast("str", value).translate(_XML_ESCAPES)


@functools.lru_cache(maxsize=1024)
def _quote_policy(document: str) -> str:
    # `quote` costs ~10 µs for a trust policy, and the same few documents repeat.
    return quote(document, safe="")


class XmlWriters(ShapeCache[XmlWrite]):
    """Per-shape writers of query-protocol XML (`member` lists, `entry` maps)."""

    def _compile(self, shape: Shape) -> XmlWrite:
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            return self._list(shape, shape.member.serialization.get("name", "member"))
        if isinstance(shape, MapShape):
            return self._map(shape, "entry")
        text = _xml_scalar(shape)
        return lambda value, parts: parts.append(text(value))

    def _structure(self, shape: StructureShape) -> XmlWrite:
        fields: dict[str, tuple[str, str, XmlWrite]] = {}
        for name, member in shape.members.items():
            tag = wire_name(name, member)
            if member.serialization.get("flattened") and isinstance(member, ListShape):
                # A flattened list repeats its element in place of a wrapper of `member`s.
                element = member.member.serialization.get("name", tag)
                fields[name] = ("", "", self._list(member, element))
            elif member.serialization.get("flattened") and isinstance(member, MapShape):
                fields[name] = ("", "", self._map(member, tag))
            else:
                fields[name] = (f"<{tag}>", f"</{tag}>", self.get(member))

        def write_fields(value: object, parts: list[str]) -> None:
            for name, item in _as_fields(value).items():
                if item is not None:
                    start, end, member_write = fields[name]
                    parts.append(start)
                    member_write(item, parts)
                    parts.append(end)

        written = f"xml:{shape.name}"

        def write(value: object, parts: list[str]) -> None:
            if type(value) is View:
                text = value.memo.get(written)
                if text is None:
                    own: list[str] = []
                    write_fields(value, own)
                    text = value.memo[written] = "".join(own)
                parts.append(cast("str", text))
                return
            write_fields(value, parts)

        return write

    def _list(self, shape: ListShape, element: str) -> XmlWrite:
        member_write = self.get(shape.member)
        start, end = f"<{element}>", f"</{element}>"

        def write(value: object, parts: list[str]) -> None:
            for item in _as_list(value):
                parts.append(start)
                member_write(item, parts)
                parts.append(end)

        return write

    def _map(self, shape: MapShape, element: str) -> XmlWrite:
        key_write = self.get(shape.key)
        value_write = self.get(shape.value)
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        start, middle, end = (
            f"<{element}><{key_tag}>",
            f"</{key_tag}><{value_tag}>",
            (f"</{value_tag}></{element}>"),
        )

        def write(value: object, parts: list[str]) -> None:
            for key, item in _as_mapping(value).items():
                parts.append(start)
                key_write(key, parts)
                parts.append(middle)
                value_write(item, parts)
                parts.append(end)

        return write
