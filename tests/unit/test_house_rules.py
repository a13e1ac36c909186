"""The house rules of issue 13, checked over the source so they stay true:

- one clock: nothing outside `chalicelib/services/clock.py` reads the time;
- one settings object: nothing outside `chalicelib/config.py` reads `os.environ`;
- one status per error code, wherever it is raised;
- one sender: only `chalicelib/services/notify.py` hands mail to the SES adapter;
- services depend on store functions, never on the store's PynamoDB model classes;
- keys live in the store: every DynamoDB key (and key prefix) is spelled in
  `chalicelib/store/keys.py`, every S3 object key layout in `chalicelib/store/object_keys.py`;
- no business rules (user-facing errors) in the store: store functions answer False or
  None and the service raises the error.

Each test walks the syntax trees of `app.py` and `chalicelib/` (no import, no run) and
names every offending line, so a new violation says where it is.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from chalicelib.domain import errors

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"


def _sources() -> dict[str, ast.Module]:
    files = [ROOT / "app.py", *sorted(PACKAGE.rglob("*.py"))]
    return {str(f.relative_to(ROOT)): ast.parse(f.read_text(), filename=str(f)) for f in files}


SOURCES = _sources()


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _where(path: str, node: ast.AST) -> str:
    return f"{path}:{node.lineno}"


# ------------------------------------------------------------------ one clock

CLOCK = "chalicelib/services/clock.py"
# Reading the wall clock through datetime/date: datetime.now(), datetime.utcnow(), date.today(), ...
_DATETIME_READS = {"now", "utcnow", "today"}


def test_only_the_services_clock_reads_the_time():
    found = []
    for path, tree in SOURCES.items():
        if path == CLOCK:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "time" for a in node.names):
                found.append(f"{_where(path, node)} imports time")
            elif isinstance(node, ast.ImportFrom) and node.module == "time":
                found.append(f"{_where(path, node)} imports from time")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _DATETIME_READS \
                    and _dotted(node.func.value).split(".")[-1] in ("datetime", "date"):
                found.append(f"{_where(path, node)} calls {_dotted(node.func)}()")
    assert found == [], "read the time through chalicelib.services.clock:\n" + "\n".join(found)


def test_services_read_the_clock_through_the_module_so_one_patch_freezes_them_all():
    """`from .clock import utcnow` binds the function at import: patching `clock.utcnow`
    would then miss that module. Services call `clock.utcnow()`."""
    found = []
    for path, tree in SOURCES.items():
        package = path.rsplit("/", 1)[0].replace("/", ".")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                module = ".".join(p for p in (base, node.module or "") if p)
                if module == "chalicelib.services.clock":
                    found.append(f"{_where(path, node)} imports names from services.clock")
    assert found == [], "use `from . import clock` and `clock.utcnow()`:\n" + "\n".join(found)


# ------------------------------------------------------------------ one settings object

CONFIG = "chalicelib/config.py"


def test_only_config_reads_the_environment():
    found = []
    for path, tree in SOURCES.items():
        if path == CONFIG:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _dotted(node) in ("os.environ", "os.getenv", "os.putenv"):
                found.append(f"{_where(path, node)} uses {_dotted(node)}")
            elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                    and {a.name for a in node.names} & {"environ", "getenv"}:
                found.append(f"{_where(path, node)} imports os.environ/getenv")
    assert found == [], "add a field to chalicelib.config.Settings instead:\n" + "\n".join(found)


# ------------------------------------------------------------------ one status per error code

ERROR_CLASSES = {name: cls for name, cls in vars(errors).items()
                 if isinstance(cls, type) and issubclass(cls, errors.LaurelError)}


def _codes(call: ast.Call, cls: type) -> list[str] | None:
    """The code(s) a raise names: its `code=` (a literal, or either branch of a literal
    conditional), or the class's default. None when the code is computed elsewhere."""
    for keyword in call.keywords:
        if keyword.arg != "code":
            continue
        value = keyword.value
        if isinstance(value, ast.Constant):
            return [value.value]
        if isinstance(value, ast.IfExp) and isinstance(value.body, ast.Constant) \
                and isinstance(value.orelse, ast.Constant):
            return [value.body.value, value.orelse.value]
        return None
    return [cls.code]


def error_code_statuses() -> dict[str, dict[int, list[str]]]:
    """code -> status -> where: every `XxxError(..., code="c")` in the code base."""
    table: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func).split(".")[-1]
            cls = ERROR_CLASSES.get(name)
            if cls is None or cls is errors.LaurelError:
                continue
            for code in _codes(node, cls) or []:
                table[code][cls.status].append(_where(path, node))
    return table


def test_the_scan_sees_the_raises_it_is_meant_to_police():
    table = error_code_statuses()
    assert 404 in table["credential_not_found"] or len(table) > 50, sorted(table)
    assert table["mail_not_sent"], "the refused-mail code is raised somewhere"


def test_every_error_code_answers_one_status_everywhere():
    table = error_code_statuses()
    clashes = {code: {status: where for status, where in statuses.items()}
               for code, statuses in table.items() if len(statuses) > 1}
    assert clashes == {}, "one status per code; these answer more than one:\n" + "\n".join(
        f"{code}: " + "; ".join(f"{status} at {', '.join(where)}" for status, where in sorted(statuses.items()))
        for code, statuses in sorted(clashes.items()))


# ------------------------------------------------------------------ one sender

NOTIFY = "chalicelib/services/notify.py"


def test_only_notify_hands_mail_to_ses():
    found = []
    for path, tree in SOURCES.items():
        if path in (NOTIFY, "chalicelib/adapters/mail.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in ("mail.send", "mail.Message"):
                found.append(f"{_where(path, node)} calls {_dotted(node.func)}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("adapters.mail") \
                    and {a.name for a in node.names} & {"send", "Message"}:
                found.append(f"{_where(path, node)} imports the SES adapter's send")
    assert found == [], "send mail through chalicelib.services.notify:\n" + "\n".join(found)


# ------------------------------------------------------------------ services use store functions


def _is_model_module(module: str) -> bool:
    last = module.split(".")[-1]
    return "store" in module.split(".") and (last == "models" or last.endswith("_models"))


@pytest.mark.parametrize("path", sorted(p for p in SOURCES if p.startswith("chalicelib/services/")))
def test_services_build_no_store_model_items(path):
    found = []
    for node in ast.walk(SOURCES[path]):
        if isinstance(node, ast.ImportFrom) and _is_model_module(node.module or ""):
            found.append(f"{_where(path, node)} imports {node.module}")
        elif isinstance(node, ast.ImportFrom) and "store" in (node.module or "").split(".") \
                and any(a.name[:1].isupper() for a in node.names):
            found.append(f"{_where(path, node)} imports a class from {node.module}")
        elif isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1].endswith("Item") \
                and _dotted(node.func).split(".")[-1][:1].isupper():
            found.append(f"{_where(path, node)} builds {_dotted(node.func)}")
    assert found == [], "call a store function with plain values instead:\n" + "\n".join(found)


# ------------------------------------------------------------------ keys live in the store

KEYS = "chalicelib/store/keys.py"
OBJECT_KEYS = "chalicelib/store/object_keys.py"
# A DynamoDB key or key prefix: `T#`, `TPL#`, `X#IMPORT#`, or a piece after a placeholder (`#LMSEV#`).
_KEY_PREFIX = re.compile(r"^#?[A-Z][A-Z_]*#")
# An S3 object key layout: the bucket's top-level prefixes.
_OBJECT_PREFIX = re.compile(r"^/?(assets|exports|reports|uploads|photos)/")


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants (documentation may describe the layout)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            found.add(id(node.body[0].value))
    return found


def _strings(tree: ast.Module):
    """Every string literal and every literal piece of an f-string, docstrings aside."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node


def test_the_key_scans_see_what_they_are_meant_to_police():
    """The patterns match the layouts keys.py and object_keys.py spell (else the scans
    below would pass on anything)."""
    assert [s.value for s in _strings(SOURCES[KEYS]) if _KEY_PREFIX.match(s.value)], "keys.py spells key prefixes"
    assert all(_KEY_PREFIX.match(k) for k in ("T#", "TPL#", "X#IMPORT#", "#LMSEV#", "RATE#"))
    assert not any(_KEY_PREFIX.match(k) for k in ("#E5E5E5", "Bearer ", "T-1", "ok"))
    assert all(_OBJECT_PREFIX.match(k) for k in ("assets/baked/", "exports/", "/assets/", "reports/"))


def test_only_store_keys_spells_dynamodb_keys():
    found = [f"{_where(path, node)} spells {node.value!r}"
             for path, tree in SOURCES.items() if path != KEYS
             for node in _strings(tree) if _KEY_PREFIX.match(node.value)]
    assert found == [], "build the key with a function or constant of chalicelib/store/keys.py:\n" + "\n".join(found)


_KEY_ATTRIBUTES = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"}
# a variable or constant holding a key: `sk = ...`, `OFFBOARDING_SK = ...`, `ENDPOINT_PREFIX = ...`
_KEY_NAME = re.compile(r"(^|_)(pk|sk|PK|SK|PREFIX)$")


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


@pytest.mark.parametrize("path", sorted(p for p in SOURCES if p.startswith("chalicelib/store/")
                                         and p not in (KEYS, OBJECT_KEYS)))
def test_store_modules_take_every_key_from_keys_py(path):
    """Keys without a `#` too (`PROFILE`, `ISSUERS`, sort keys such as `C` or `S`, and
    composite sort keys such as `<created>#<id>`): an item's key, its index keys, a key
    condition and a cursor's expected key are never spelled in place."""
    found = []
    for node in ast.walk(SOURCES[path]):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.split(".")[-1]
        model_call = last.endswith("Item") or (last in ("get", "query") and name.split(".")[0].endswith("Item"))
        if model_call and any(_literal(a) for a in node.args):
            found.append(f"{_where(path, node)} passes a literal key to {name}")
        for keyword in node.keywords:
            if keyword.arg in _KEY_ATTRIBUTES and _literal(keyword.value):
                found.append(f"{_where(path, node)} spells {keyword.arg}= in place")
            if name == "paging.decode" and keyword.arg in ("expected", "prefixes") \
                    and isinstance(keyword.value, ast.Dict) and any(_literal(v) for v in keyword.value.values):
                found.append(f"{_where(path, node)} spells a cursor's {keyword.arg} key in place")
        if last == "startswith" and _dotted(node.func.value).split(".")[-1] in _KEY_ATTRIBUTES \
                and any(_literal(a) for a in node.args):
            found.append(f"{_where(path, node)} spells a key condition in place")
    for node in ast.walk(SOURCES[path]):
        if isinstance(node, ast.Assign) and _literal(node.value) and any(
                isinstance(t, ast.Attribute) and t.attr in _KEY_ATTRIBUTES
                or isinstance(t, ast.Tuple) and any(isinstance(e, ast.Attribute) and e.attr in _KEY_ATTRIBUTES
                                                    for e in t.elts) for t in node.targets):
            found.append(f"{_where(path, node)} assigns a key spelled in place")
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple) and any(
                isinstance(t, ast.Tuple) and any(isinstance(e, ast.Attribute) and e.attr in _KEY_ATTRIBUTES
                                                 for e in t.elts) for t in node.targets) \
                and any(_literal(v) for v in node.value.elts):
            found.append(f"{_where(path, node)} assigns a key spelled in place")
        if isinstance(node, ast.Assign) and _literal(node.value) and any(
                isinstance(t, ast.Name) and _KEY_NAME.search(t.id) for t in node.targets):
            found.append(f"{_where(path, node)} names a key spelled in place")
        if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value in _KEY_ATTRIBUTES and _literal(v)
                for k, v in zip(node.keys, node.values)):
            found.append(f"{_where(path, node)} spells index keys in place")
        if isinstance(node, ast.FunctionDef) and ("key" in node.name or node.name.endswith(("_pk", "_sk"))):
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
            if any(_literal(v) or isinstance(v, ast.Tuple) and any(_literal(e) for e in v.elts) for v in returns):
                found.append(f"{_where(path, node)} {node.name}() builds a key outside keys.py")
    assert found == [], "take the key from chalicelib/store/keys.py:\n" + "\n".join(found)


def _object_calls(tree: ast.Module):
    """Calls into the S3 adapter (`objects.put(...)`, `objects.delete_prefix(...)`, ...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _dotted(node.func).startswith("objects.") and node.args:
            yield node


def test_only_object_keys_lays_out_the_bucket():
    found = [f"{_where(path, node)} spells the object key layout {node.value!r}"
             for path, tree in SOURCES.items() if path != OBJECT_KEYS
             for node in _strings(tree) if _OBJECT_PREFIX.match(node.value)]
    found += [f"{_where(path, call)} builds the object key of {_dotted(call.func)}() in place"
              for path, tree in SOURCES.items() if path.startswith("chalicelib/services/")
              for call in _object_calls(tree) if _literal(call.args[0]) or isinstance(call.args[0], ast.BinOp)]
    assert found == [], "take object keys from chalicelib/store/object_keys.py:\n" + "\n".join(found)


# ------------------------------------------------------------------ no business rules in the store

# A malformed page cursor is the one error a store module raises itself: the cursor is
# the caller's input, only the store knows what a key looks like, and every listing
# answers it the same way (400 invalid_cursor); passing it up through every service
# would only repeat that mapping in each of them.
STORE_MAY_RAISE = {"chalicelib/store/paging.py": {"BadRequest"}}


@pytest.mark.parametrize("path", sorted(p for p in SOURCES if p.startswith("chalicelib/store/")))
def test_store_modules_raise_no_user_facing_errors(path):
    allowed = STORE_MAY_RAISE.get(path, set())
    found = []
    for node in ast.walk(SOURCES[path]):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("domain.errors"):
            found += [f"{_where(path, node)} imports {a.name}" for a in node.names if a.name not in allowed]
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = _dotted(exc).split(".")[-1]
            if name in ERROR_CLASSES and name not in allowed:
                found.append(f"{_where(path, node)} raises {name}")
    assert found == [], "return False/None and let the service raise the error:\n" + "\n".join(found)
