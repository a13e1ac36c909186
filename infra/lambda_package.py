"""The Lambda deployment package, with its bytecode compiled in.

`chalice package` zips app.py, chalicelib/ and the site-packages of the pinned
requirements as sources only (wheels carry no `.pyc`, and any `__pycache__` of the
working tree holds bytecode of whatever interpreter ran the tests, checked against
timestamps a zip does not keep). Lambda unpacks the zip into a read-only /var/task,
so every cold container compiled every module it imported, again and again: the
first verification page cost 0.83 s from the package against 0.39 s with bytecode.

`compile_into_zip` rewrites the package: working-tree bytecode out, the Jinja templates
compiled to Python modules (chalicelib/web/compiled/), then every module compiled by
this interpreter with `unchecked-hash` invalidation (PEP 552:
the loader trusts the `.pyc` without looking at the source's mtime, which the zip
does not preserve). The interpreter must be the runtime's minor version (Chalice
picks the runtime from it too), which `compile_into_zip` checks.
"""

from __future__ import annotations

import os
import py_compile
import shutil
import sys
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def _compile(paths: list[str]) -> list[str]:
    failed = []
    for path in paths:
        try:
            py_compile.compile(path, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except py_compile.PyCompileError:  # a module for another Python version (e.g. a vendored py2 file)
            failed.append(path)
    return failed


def compile_tree(root: Path, workers: int = 2) -> int:
    """Compile every `.py` under `root` next to its source (`__pycache__`); returns how many."""
    sources = sorted(str(p) for p in root.rglob("*.py"))
    batches = [sources[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        failed = [f for batch in pool.map(_compile, batches) for f in batch]
    return len(sources) - len(failed)


def _compile_web_templates(tree: Path) -> None:
    """The Jinja templates as Python modules (chalicelib/web/__init__.py loads them from
    `compiled/` when present): no template is parsed or compiled on a cold start."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_laurel_web", tree / "chalicelib" / "web" / "__init__.py")
    web = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    # the module imports `chalicelib.i18n` by its absolute name: from the tree being packaged
    # when the caller has no chalicelib on its path (benchmarks/cold_start.py runs from infra/)
    sys.path.append(str(tree))
    try:
        spec.loader.exec_module(web)
        target = tree / "chalicelib" / "web" / "compiled"
        target.mkdir(exist_ok=True)
        web.compile_templates(target)
    finally:
        sys.path.remove(str(tree))


def _compile_catalogs(tree: Path) -> None:
    """The gettext catalogs (chalicelib/locale/*/LC_MESSAGES/messages.po) as `.mo`: a cold
    container loads a compiled catalog instead of parsing its `.po`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_laurel_i18n", tree / "chalicelib" / "i18n.py")
    i18n = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(i18n)
    i18n.compile_catalogs(tree / "chalicelib" / "locale")


def _esco_index(tree: Path) -> None:
    """The ESCO skills index (issue 20, scripts/esco_index.py) in the package: `chalice package`
    copies the working tree's (git-ignored, built by `make install`); built here when missing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_laurel_esco_index", ROOT / "scripts" / "esco_index.py")
    esco = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(esco)
    esco.ensure(tree / "chalicelib" / "data")


def compile_into_zip(zip_path: str | os.PathLike, runtime: str = RUNTIME) -> int:
    """Rewrite the deployment zip with compiled bytecode; returns the number of modules compiled."""
    if runtime != RUNTIME:
        raise SystemExit(f"the package targets {runtime} but this is {RUNTIME}: bytecode would not load")
    zip_path = Path(zip_path)
    with tempfile.TemporaryDirectory(prefix="laurel-pkg-") as tmp:
        tree = Path(tmp) / "tree"
        with zipfile.ZipFile(zip_path) as z:
            infos = [i for i in z.infolist() if "__pycache__/" not in i.filename and not i.filename.endswith(".pyc")]
            for info in infos:
                z.extract(info, tree)
                # keep the permissions the zip recorded (executables, read-only data)
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(tree / info.filename, mode)
        _compile_web_templates(tree)
        _compile_catalogs(tree)
        _esco_index(tree)
        compiled = compile_tree(tree)
        rebuilt = Path(tmp) / "deployment.zip"
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(str(path.relative_to(tree)), date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = (path.stat().st_mode & 0xFFFF) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, path.read_bytes())
        shutil.move(str(rebuilt), zip_path)
    return compiled
