"""The house rules of issue 13, checked over the source so they stay true:

- one clock: nothing outside `chalicelib/services/clock.py` reads the time;
- one settings object: nothing outside `chalicelib/config.py` reads `os.environ`;
- one status per error code, wherever it is raised;
- one sender: only `chalicelib/services/notify.py` hands mail to the SES adapter;
- services depend on store functions, never on the store's PynamoDB model classes.

Each test walks the syntax trees of `app.py` and `chalicelib/` (no import, no run) and
names every offending line, so a new violation says where it is.
"""

from __future__ import annotations

import ast
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
