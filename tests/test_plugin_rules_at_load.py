"""A plugin whose tables break the tenancy or naming rules is refused when it loads, with a
message naming the table, the rule and the fix; the platform starts without it.

The throwaway plugins are written to a temporary folder and loaded in a child process: their
models would otherwise stay in the shared metadata (and in every later test's schema).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PLUGIN = '''
from core.sdk import PluginInfo

plugin_info = PluginInfo(name="{name}", title="{name}", requires_core=">=0.1,<1")
'''

MODELS = {
    # Compliant in every way but the name: a plugin's tables are <plugin>_….
    "kit_prefix": '''
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantModel, db


class KitPrefixThing(db.Model, TenantModel):
    __tablename__ = "things"
    title: Mapped[str] = mapped_column(String(20))
''',
    # A tenant table keyed by id alone, with a unique number across tenants.
    "kit_keys": '''
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import db


class KitKeysThing(db.Model):
    __tablename__ = "kit_keys_thing"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenants.id"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
''',
    "kit_fine": '''
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.sdk import TenantModel, db


class KitFineThing(db.Model, TenantModel):
    __tablename__ = "kit_fine_thing"
    title: Mapped[str] = mapped_column(String(20))
''',
}

LOADER = '''
import json, sys
sys.path.insert(0, sys.argv[1])
import importlib
from core.plugins.manager import module_source
from core.testing.apps import installed_plugin_sources, make_app

sources = installed_plugin_sources(["fatong"])
for name in sys.argv[2:]:
    sources.append(module_source(importlib.import_module(name + ".plugin"), builtin=False))
app = make_app("sqlite://", PLUGIN_SOURCES=sources)
records = app.extensions["fatong.plugins"].records
print(json.dumps({name: [records[name].status.value, records[name].error]
                  for name in sys.argv[2:] + ["mediation"]}))
'''


def load_in_child(tmp_path: Path) -> dict[str, list[str]]:
    for name, models in MODELS.items():
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "plugin.py").write_text(textwrap.dedent(PLUGIN.format(name=name)))
        (package / "models.py").write_text(models)
    result = subprocess.run(
        [sys.executable, "-c", LOADER, str(tmp_path), *MODELS], capture_output=True,
        text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "FATONG_INSTANCE_PATH": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rule_breakers_are_refused_with_the_rule_and_the_fix(tmp_path: Path) -> None:
    records = load_in_child(tmp_path)

    status, error = records["kit_prefix"]
    assert status == "failed"
    assert "things: belongs to plugin 'kit_prefix' but is not named kit_prefix_…" in error
    assert "[table-prefix]" in error and 'rename it to "kit_prefix_things"' in error

    status, error = records["kit_keys"]
    assert status == "failed"
    assert "kit_keys_thing: primary key is (id), tenant_id must be its FIRST column" in error
    assert "[pk-tenant-first]" in error and "[unique-tenant]" in error
    assert "[model-base]" in error and "does not derive from TenantModel" in error

    # A compliant plugin loads beside them, and so does everything bundled.
    assert records["kit_fine"] == ["loaded", ""]
    assert records["mediation"] == ["loaded", ""]
