"""Reading and writing instance and plan files (YAML or JSON), with errors a person can act on.

Every problem is reported as ``FILE: path.inside.file: message``. Loading reports every problem it
finds, not just the first: field-level problems of every item, then whole-network problems
(references, duplicate ids, coverage) among the items that were well formed.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from servopt.models.entities import Arc
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import COLLECTIONS, ServiceNetwork
from servopt.models.plan import Plan

#: Instance files larger than this are refused before they are read (override with the
#: environment variable ``SERVOPT_MAX_FILE_MB``).
MAX_FILE_MB = 64.0


# ---------------------------------------------------------------------------- raw reading
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader (libyaml when present) that refuses duplicate keys."""


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"unhashable key {key!r}", key_node.start_mark
            ) from None
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of ``path``, or :class:`BadInputError` naming the file and what is wrong."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise BadInputError(f"no such file (looked in {p.resolve().parent})", name)
    if p.is_dir():
        raise BadInputError("is a directory; expected an instance file", name)
    limit_mb = float(os.environ.get("SERVOPT_MAX_FILE_MB", MAX_FILE_MB))
    size = p.stat().st_size
    if size > limit_mb * 1024 * 1024:
        raise BadInputError(
            f"file is {size / 1024 / 1024:.1f} MB; servopt reads instance files up to "
            f"{limit_mb:g} MB (set SERVOPT_MAX_FILE_MB to raise the limit)",
            name,
        )
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise BadInputError(f"cannot read file: {e.strerror}", name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise BadInputError(
            f"line {line}, column {col}: invalid UTF-8 (byte 0x{raw[e.start]:02x}); "
            "instance files must be UTF-8 text",
            name,
        ) from None


def read_data(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML or JSON file (chosen by suffix; YAML for anything else)."""
    name = str(path)
    text = read_text(path)
    if Path(path).suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise BadInputError(
                f"line {e.lineno}, column {e.colno}: malformed JSON: {e.msg}", name
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise BadInputError(f"{where}malformed YAML: {what}", name) from None
    except yaml.YAMLError as e:
        raise BadInputError(f"malformed YAML: {e}", name) from None


# ------------------------------------------------------------------------ error wording
def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_problems(
    err: ValidationError, prefix: tuple[Any, ...] = (), model: type[BaseModel] | None = None
) -> list[Problem]:
    """Turn pydantic's errors into problems worded for a planner, each with the value found."""
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and "[" in x and "]" in x))
        kind, ctx = e["type"], e.get("ctx", {})
        shown = "input" in e and not isinstance(e["input"], dict | list)
        got = f", got {_show(e['input'])}" if shown else ""
        if kind == "missing":
            msg = "required field is missing"
        elif kind == "extra_forbidden":
            msg = f"unknown field{_allowed(model, loc[:-1] if loc else loc)}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            op = {
                "greater_than_equal": ">=",
                "greater_than": ">",
                "less_than_equal": "<=",
                "less_than": "<",
            }[kind]
            bound = next(iter(ctx.values()))
            msg = f"must be {op} {bound:g}{got}"
        elif kind == "finite_number":
            msg = f"must be a finite number{got}"
        elif kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
            msg = f"must be a {'whole ' if 'int' in kind else ''}number{got}"
        elif kind in ("string_type",):
            msg = f"must be a string{got}"
        elif kind == "enum":
            msg = f"must be one of {ctx.get('expected')}{got}"
        elif kind == "literal_error":
            msg = f"must be {ctx.get('expected')}{got}"
        elif kind in ("tuple_type", "list_type"):
            msg = f"must be a list{got}"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            msg = f"must be a mapping (key: value){got}"
        elif kind == "string_pattern_mismatch":
            msg = f"must be a non-empty id without leading or trailing spaces{got}"
        elif kind == "value_error":
            msg = str(ctx.get("error", e["msg"]))
        else:
            msg = f"{e['msg']}{got}"
        out.append(Problem(_path(prefix + loc), msg))
    return out


def _allowed(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """`` (expected one of: a, b, c)`` for the model at ``loc`` when it can be found."""
    if model is None:
        return ""
    cls: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(cls, "model_fields", {}).get(part)
        if field is None:
            return ""
        ann = field.annotation
        inner = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)]
        cls = next((a for a in inner if issubclass(a, BaseModel)), None)
        if cls is None:
            return ""
    return f" (expected one of: {', '.join(cls.model_fields)})"


# ----------------------------------------------------------------------- networks
_ITEM_MODELS: dict[str, type[BaseModel]] = {**COLLECTIONS, "arcs": Arc}
_ITEM_ADAPTERS: dict[str, TypeAdapter[Any]] = {n: TypeAdapter(c) for n, c in _ITEM_MODELS.items()}


def network_from_data(data: Any, file: str | None = None) -> ServiceNetwork:
    """Validate parsed data as a network, reporting every problem found."""
    if not isinstance(data, Mapping):
        raise BadInputError(
            f"expected a mapping with a network (name, depots, sites, ...), got "
            f"{type(data).__name__ if data is not None else 'an empty file'}",
            file,
        )
    if data.get("kind") == "plan":
        raise BadInputError("this is a plan file; expected a network (kind: network)", file)
    try:
        return ServiceNetwork.model_validate(data)
    except BadInputError as e:
        raise BadInputError(e.problems, file) from None
    except ValidationError as e:
        problems = pydantic_problems(e, model=ServiceNetwork)
    problems += _checks_on_valid_part(data)
    raise BadInputError(problems, file) from None


def _checks_on_valid_part(data: Mapping[str, Any]) -> list[Problem]:
    """Whole-network checks over the items that passed field validation.

    Items that failed keep their ids known (when readable), so references to them are not
    reported twice.
    """
    from servopt.models.checks import check_network

    valid: dict[str, Any] = {}
    extra: dict[str, set[str]] = {}
    for name, adapter in _ITEM_ADAPTERS.items():
        items = data.get(name, [])
        valid[name] = []
        if not isinstance(items, list):
            extra[name] = set()
            continue
        for item in items:
            try:
                valid[name].append(adapter.validate_python(item))
            except ValidationError:
                failed = extra.setdefault(name, set())
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    failed.add(item["id"])
    partial = ServiceNetwork.model_construct(**valid)  # only the validated items
    return check_network(partial, extra)


#: The keys by which a solve's result file (``servopt solve ... --json``,
#: ``Result.to_dict()``) is recognised: it has no ``kind`` and holds these.
RESULT_KEYS = frozenset({"status", "objective", "kpis", "plan"})


def is_result_data(data: Any) -> bool:
    """Whether parsed data is a solve's result (``Result.to_dict()``) rather than a plan."""
    return isinstance(data, Mapping) and "kind" not in data and set(data) >= RESULT_KEYS


def plan_from_data(data: Any, file: str | None = None) -> Plan:
    """Validate parsed data as a plan: a plan file (``kind: plan``), or a solve's result file
    (``--json`` of ``servopt solve``), whose ``plan`` is taken."""
    if is_result_data(data):
        if data["plan"] is None:
            raise BadInputError(
                f"a solve result with status {data.get('status')!r} and no plan; "
                "nothing to evaluate",
                file,
            )
        return _plan_model(data["plan"], file, ("plan",))
    if not isinstance(data, Mapping):
        raise BadInputError("expected a mapping with a plan (kind: plan)", file)
    return _plan_model(data, file, ())


def _plan_model(data: Any, file: str | None, prefix: tuple[str, ...]) -> Plan:
    if not isinstance(data, Mapping):
        raise BadInputError([Problem(_path(prefix), "must be a mapping with a plan")], file)
    try:
        return Plan.model_validate(data)
    except ValidationError as e:
        raise BadInputError(pydantic_problems(e, prefix, model=Plan), file) from None


def load_plan(path: str | os.PathLike[str], network: ServiceNetwork | None = None) -> Plan:
    """Load a plan file (or a solve's result file: its plan, see :func:`plan_from_data`); with
    ``network``, also check that it fits that network."""
    plan = plan_from_data(read_data(path), str(path))
    if network is not None:
        problems = plan.check_against(network)
        if problems:
            raise BadInputError(problems, str(path))
    return plan


def plan_network_path(plan_path: str | os.PathLike[str], plan: Plan) -> Path | None:
    """The network file a plan names, resolved relative to the plan file."""
    if plan.network is None:
        return None
    return (Path(plan_path).parent / plan.network).resolve()


def detect_kind(data: Any) -> str:
    """``"plan"`` or ``"network"`` for parsed file data (by its ``kind`` field); a solve's
    result file (:func:`is_result_data`) counts as a plan, its ``plan``."""
    if is_result_data(data):
        return "plan"
    return "plan" if isinstance(data, Mapping) and data.get("kind") == "plan" else "network"


# ----------------------------------------------------------------------- writing
def to_data(obj: BaseModel) -> dict[str, Any]:
    """Plain data (JSON types only) for a network or plan, without fields left at default."""
    return obj.model_dump(mode="json", exclude_defaults=True) | {
        "kind": obj.kind,  # type: ignore[attr-defined]
        "schema_version": 1,
    }


def dump_text(obj: BaseModel, fmt: str = "yaml") -> str:
    """The text of a network or plan file: JSON when ``fmt`` is ``"json"``, else YAML.

    The data is :func:`to_data` (fields left at their default omitted) with ``kind`` and
    ``schema_version`` first, then the fields in model order. JSON is indented by one space
    and ends with a newline; YAML keeps that key order (no sorting). Non-ASCII text is
    written as is in both. :func:`save` writes this text to a file.
    """
    data = to_data(obj)
    ordered = {"kind": data.pop("kind"), "schema_version": data.pop("schema_version"), **data}
    if fmt == "json":
        return json.dumps(ordered, indent=1, ensure_ascii=False) + "\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(ordered, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


def _umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, an output path that cannot be written.

    Raises :class:`BadInputError` naming ``path`` as given when it is a directory, when its
    folder does not exist or is not a folder, or when no file can be created in the folder
    (probed by creating and removing an empty hidden file).
    """
    name = str(path)
    p = Path(path)
    folder = p.parent
    if p.is_dir():
        raise BadInputError(
            f"cannot write: is a directory ({os.strerror(errno.EISDIR)}); expected a file name",
            name,
        )
    if not folder.exists():
        raise BadInputError(
            f"cannot write: folder {str(folder)!r} does not exist ({os.strerror(errno.ENOENT)})",
            name,
        )
    if not folder.is_dir():
        raise BadInputError(
            f"cannot write: {str(folder)!r} is not a folder ({os.strerror(errno.ENOTDIR)})", name
        )
    try:  # a real probe: permissions, read-only mounts and ACLs all answer it
        fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=folder)
    except OSError as e:
        raise BadInputError(
            f"cannot write: folder {str(folder)!r} is not writable ({e.strerror})", name
        ) from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Write ``text`` (UTF-8), or bytes as they are (an image), to ``path`` through a
    temporary file and a rename: never half a file.

    The file gets the mode a plain ``open(path, "w")`` would give it: a new file
    ``0o666 & ~umask``, an existing file keeps its permission bits. An :class:`OSError` names
    ``path`` as given, never the temporary file.
    """
    p = Path(path)
    try:
        mode = p.stat().st_mode & 0o7777 if p.is_file() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from None
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise


def save(obj: BaseModel, path: str | os.PathLike[str]) -> None:
    """Save a network or plan as YAML, or JSON when ``path`` ends in ``.json``."""
    fmt = "json" if Path(path).suffix.lower() == ".json" else "yaml"
    write_atomic(path, dump_text(obj, fmt))


def json_schema(kind: str = "network") -> dict[str, Any]:
    """The JSON Schema of network (or plan) files."""
    model: type[BaseModel] = Plan if kind == "plan" else ServiceNetwork
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://servopt.dev/schema/{kind}-v1.json"
    return schema
