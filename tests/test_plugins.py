"""The plugin platform (issue #2, point 5), seen from outside: loading in isolation, the three
gates (installed -> allowed -> enabled), per-tenant hooks, lifecycle hooks and the CLI.

Throwaway plugins live in ``tests/testkit_plugins``; each test builds an app that loads the
chosen ones next to core's built-in modules, on the shared test database.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest
from flask import Flask
from sqlalchemy import select

import tenants.plugin as tenants_plugin
from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.enablement import (
    PluginToggleError,
    TenantPlugin,
    disable_plugin,
    enable_plugin,
    hooks_for,
)
from core.plugins.manager import (
    PluginManager,
    PluginSource,
    PluginStatus,
    entry_point_sources,
    module_source,
)
from core.plugins.markers import ENTRY_POINT_GROUP
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

from conftest import login, make_app, provision
from testkit_plugins import (
    CALLS,
    bad_core_range,
    bad_name,
    calls_of,
    claims_always_on,
    duplicate,
    future_core,
    good,
    mismatch,
    misnamed_blueprint,
    needs_absent,
    needs_good,
    needs_register_error,
    other,
    register_error,
    reserved_name,
    unknown_hook,
    wrong_arg,
)

# Core's built-in modules (as core.app declares them) and the tenants module: always loaded.
ALWAYS_ON = frozenset({m.plugin_info.name for m in builtin_modules()} | {"tenants"})

GOOD = (good, needs_good, other)
KitFactory = Callable[..., Flask]


def builtin_sources() -> list[PluginSource]:
    """Core's always-on modules plus the tenants module, as the real app loads them."""
    return [module_source(m, version=__version__) for m in [*builtin_modules(), tenants_plugin]]


def vendor_source(name: str, load: Callable[[], ModuleType], distribution: str = "kit-vendor",
                  version: str = "0.9") -> PluginSource:
    """What ``entry_point_sources()`` would build for an entry point of a vendor package."""
    return PluginSource(name=name, load=load, distribution=distribution, version=version,
                        builtin=False)


def _import(module: str) -> Callable[[], ModuleType]:
    return lambda: importlib.import_module(module)


def broken_sources() -> list[PluginSource]:
    """Every kind of broken plugin, plus the good ones that must survive next to them."""
    modules = [*GOOD, register_error, needs_register_error, unknown_hook, wrong_arg, bad_name,
               reserved_name, future_core, bad_core_range, misnamed_blueprint, needs_absent,
               claims_always_on]
    return [
        *builtin_sources(),
        *(module_source(m, builtin=False) for m in modules),
        vendor_source("kit_import_error", _import("testkit_plugins.import_error")),
        vendor_source("kit_gone", _import("kit_vendor_package_that_was_uninstalled")),
        vendor_source("kit_alias", lambda: mismatch),
        vendor_source("kit_dup", lambda: duplicate, distribution="kit-dup-one"),
        vendor_source("kit_dup", lambda: duplicate, distribution="kit-dup-two"),
    ]


def _dispose(application: Flask) -> None:
    # Each app has its own pool; on PostgreSQL idle connections would pile up otherwise.
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


@pytest.fixture
def kit_app(app: Flask, database_url: str) -> Iterator[KitFactory]:
    """``kit_app(*modules, **config)``: an app loading built-ins plus the given plugins."""
    built: list[Flask] = []

    def build(*modules: ModuleType, extra_sources: tuple[PluginSource, ...] = (),
              **config: object) -> Flask:
        sources = [*builtin_sources(), *(module_source(m, builtin=False) for m in modules),
                   *extra_sources]
        application = make_app(database_url, PLUGIN_SOURCES=sources, **config)
        built.append(application)
        return application

    yield build
    for application in built:
        _dispose(application)


@pytest.fixture(scope="module")
def broken_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """One app loading every broken plugin; ``app`` first, so the schema is migrated."""
    application = make_app(database_url, PLUGIN_SOURCES=broken_sources())
    yield application
    _dispose(application)


def manager_of(application: Flask) -> PluginManager:
    return application.extensions["fatong.plugins"]


def tenant_of(fixture) -> Tenant:
    """The tenant row in the current app context's session."""
    return db.session.get(Tenant, fixture.id)


def enable(application: Flask, fixture, name: str) -> list[str]:
    with application.app_context():
        newly = enable_plugin(tenant_of(fixture), name, actor="test")
        db.session.commit()
        return newly


def disable(application: Flask, fixture, name: str) -> bool:
    with application.app_context():
        changed = disable_plugin(tenant_of(fixture), name, actor="test")
        db.session.commit()
        return changed


def plugin_rows(application: Flask, fixture) -> dict[str, bool]:
    """The tenant's enablement table: plugin name -> enabled."""
    with application.app_context(), tenant_context(fixture.id):
        return {row.plugin: row.enabled for row in db.session.scalars(select(TenantPlugin))}


def client_for(application: Flask, fixture):
    client = application.test_client()
    login(client, fixture)
    return client


def nav_html(page: str) -> str:
    """The side navigation of a rendered page."""
    start = page.index('data-testid="main-nav"')
    return page[start:page.index("</nav>", start)]


def lifecycle_calls() -> list[tuple[str, str, str]]:
    return [c for c in CALLS if c[1] in {"plugin_enabled", "plugin_disabled"}]


# --- loading in isolation ----------------------------------------------------------------

BROKEN = [
    ("kit_import_error", PluginStatus.FAILED,
     "RuntimeError: kit_import_error explodes on import (", "import_error.py:"),
    ("kit_gone", PluginStatus.FAILED,
     "ModuleNotFoundError: No module named 'kit_vendor_package_that_was_uninstalled'", ""),
    ("kit_register_error", PluginStatus.FAILED,
     "LookupError: kit_register_error cannot build its blueprint (", "register_error.py:"),
    ("kit_needs_broken", PluginStatus.FAILED,
     "requires plugins that are not available: kit_register_error", ""),
    ("kit_unknown_hook", PluginStatus.FAILED, "unknown hook 'nav_itemz'", ""),
    ("kit_wrong_arg", PluginStatus.FAILED,
     "{'usr'} are declared in the hookimpl but can not be found in the hookspec", "nav_items"),
    ("Kit-Bad", PluginStatus.FAILED,
     "plugin name 'Kit-Bad' must be 2-40 lowercase letters, digits or underscores", ""),
    ("platform", PluginStatus.FAILED, "plugin name 'platform' is reserved by the core", ""),
    ("kit_alias", PluginStatus.FAILED,
     "entry point name 'kit_alias' differs from plugin_info.name 'kit_mismatch'", ""),
    ("kit_future_core", PluginStatus.INCOMPATIBLE,
     f"needs core >=99, this core is {__version__}", ""),
    ("kit_bad_core_range", PluginStatus.FAILED,
     "requires_core 'version two or so' is not a version range", ""),
    ("kit_misnamed_bp", PluginStatus.FAILED,
     "blueprint 'kit_somebody_else' must be named 'kit_misnamed_bp'", ""),
    ("kit_needs_absent", PluginStatus.FAILED,
     "requires plugins that are not available: kit_absent", ""),
    ("kit_dup", PluginStatus.FAILED,
     "plugin name 'kit_dup' is installed twice (kit-dup-one and kit-dup-two)", ""),
    ("kit_always_on", PluginStatus.FAILED, "only built-in modules may be always_on", ""),
]


@pytest.mark.parametrize(("name", "status", "error", "also"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_plugin_is_recorded_with_its_error(broken_app: Flask, name: str,
                                                  status: PluginStatus, error: str,
                                                  also: str) -> None:
    manager = manager_of(broken_app)
    record = manager.records[name]
    assert record.status is status
    assert error in record.error
    assert also in record.error
    assert not manager.is_loaded(name)
    # Out of pluggy: no hook of it can ever be called.
    assert manager.pm.get_plugin(name) is None
    assert name not in broken_app.extensions["fatong.blueprint_plugins"].values()


def test_broken_plugins_never_ran_hooks_and_good_ones_are_loaded(broken_app: Flask) -> None:
    manager = manager_of(broken_app)
    assert {r.name for r in manager.loaded()} == {
        *ALWAYS_ON, "kit_good", "kit_needs_good", "kit_other"}
    assert manager.records["kit_good"].version == "1.2.3"
    assert manager.records["kit_alias"].version == "0.9"  # from the (simulated) entry point
    rules = {rule.rule for rule in broken_app.url_map.iter_rules()}
    assert "/t/<tenant>/kit_good/" in rules
    assert not any("kit_misnamed_bp" in rule or "kit_somebody_else" in rule for rule in rules)


def test_the_platform_serves_good_plugins_next_to_broken_ones(broken_app: Flask) -> None:
    tenant = provision(broken_app, "jiange", "剑阁县司法局", "510823",
                       plugins=["kit_good", "kit_other"])
    client = client_for(broken_app, tenant)

    page = client.get("/t/jiange/kit_good/")
    assert page.status_code == 200
    assert page.get_data(as_text=True) == "kit_good page of jiange"

    home = client.get("/t/jiange/").get_data(as_text=True)
    nav = nav_html(home)
    assert "Kit Good Menu" in nav and "Kit Other Menu" in nav
    assert "Kit Register Error Menu" not in nav and "Kit Needs Broken Menu" not in nav
    assert "Kit Good Card" in home and "4242" in home
    assert client.get("/t/jiange/kit_misnamed_bp/").status_code == 404
    assert not calls_of("kit_register_error") and not calls_of("kit_needs_broken")


@pytest.mark.parametrize("name", ["kit_register_error", "kit_needs_broken", "kit_future_core"])
def test_a_plugin_that_did_not_load_cannot_be_enabled(broken_app: Flask, name: str) -> None:
    tenant = provision(broken_app, "jiange", "剑阁县司法局", "510823", plugins=[])
    with broken_app.app_context(), pytest.raises(PluginToggleError) as refused:
        enable_plugin(tenant_of(tenant), name)
    assert name in str(refused.value)
    assert plugin_rows(broken_app, tenant) == {}


# --- gate one: installed (entry points) --------------------------------------------------


def test_entry_points_discover_the_bundled_plugins_with_versions(app: Flask) -> None:
    version = importlib.metadata.version("fatong")
    declared = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert {"tenants", "notices"} <= declared.keys()

    sources = {source.name: source for source in entry_point_sources()}
    for name in ("tenants", "notices"):
        source = sources[name]
        assert (source.distribution, source.version, source.builtin) == ("fatong", version, True)
        assert source.load().plugin_info.name == name

    # The real app (no PLUGIN_SOURCES) loads them from there, with the distribution's version.
    manager = manager_of(app)
    for name in ("tenants", "notices"):
        assert manager.records[name].status is PluginStatus.LOADED
        assert manager.records[name].version == version
    assert manager.records["tenants"].always_on
    assert "notices" in {r.name for r in manager.toggleable()}
    assert "/t/<tenant>/notices/" in {rule.rule for rule in app.url_map.iter_rules()}


# --- gate two: allowed on this deployment ------------------------------------------------


def test_a_blocked_plugin_serves_nothing_and_is_never_called(kit_app: KitFactory) -> None:
    # Enabled for the tenant while the deployment still allowed it...
    open_app = kit_app(*GOOD)
    tenant = provision(open_app, "jiange", "剑阁县司法局", "510823", plugins=["kit_good"])
    assert client_for(open_app, tenant).get("/t/jiange/kit_good/").status_code == 200

    # ...then the operator blocks it: the enabled row no longer counts.
    CALLS.clear()
    blocked = kit_app(*GOOD, PLUGINS_BLOCK=["kit_good", "auth"])
    manager = manager_of(blocked)
    assert manager.records["kit_good"].status is PluginStatus.BLOCKED
    assert manager.records["kit_needs_good"].status is PluginStatus.FAILED
    assert "kit_good" in manager.records["kit_needs_good"].error
    assert manager.records["auth"].loaded  # built-in modules cannot be blocked

    client = client_for(blocked, tenant)
    assert client.get("/t/jiange/kit_good/").status_code == 404
    home = client.get("/t/jiange/")
    assert home.status_code == 200
    assert "Kit Good" not in home.get_data(as_text=True)
    with blocked.app_context(), pytest.raises(PluginToggleError, match="blocked"):
        enable_plugin(tenant_of(tenant), "kit_good")
    assert "kit-good-hello" not in blocked.test_cli_runner().invoke(args=["--help"]).output
    assert calls_of("kit_good") == []

    listing = blocked.test_cli_runner().invoke(args=["plugins", "list"]).output
    assert [line for line in listing.splitlines() if line.startswith("kit_good ")][0].split()[
        1:4] == ["1.2.3", "blocked", "not"]


def test_allow_list_keeps_out_everything_else(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD, PLUGINS_ALLOW=["kit_other"])
    statuses = {r.name: r.status for r in manager_of(application).records.values()}
    assert statuses == {
        **{name: PluginStatus.LOADED for name in ALWAYS_ON},
        "kit_other": PluginStatus.LOADED,
        "kit_good": PluginStatus.BLOCKED, "kit_needs_good": PluginStatus.BLOCKED,
    }
    assert calls_of("kit_good") == []


def test_block_list_wins_over_allow_list(kit_app: KitFactory) -> None:
    application = kit_app(good, PLUGINS_ALLOW=["kit_good"], PLUGINS_BLOCK=["kit_good"])
    assert manager_of(application).records["kit_good"].status is PluginStatus.BLOCKED


def test_block_list_from_the_environment(kit_app: KitFactory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FATONG_PLUGINS_BLOCK", "kit_good,kit_other")
    application = kit_app(*GOOD)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    manager = manager_of(application)
    assert manager.records["kit_good"].status is PluginStatus.BLOCKED
    assert manager.records["kit_other"].status is PluginStatus.BLOCKED
    client = client_for(application, tenant)
    assert client.get("/t/jiange/kit_other/").status_code == 404
    assert calls_of("kit_good") == [] and calls_of("kit_other") == []


# --- gate three: enabled for the tenant --------------------------------------------------


def test_plugin_pages_answer_only_for_tenants_that_enabled_it(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    a = provision(application, "jiange", "剑阁县司法局", "510823", plugins=["kit_good"])
    b = provision(application, "cangxi", "苍溪县司法局", "510824", plugins=[])
    client_a, client_b = client_for(application, a), client_for(application, b)

    assert client_a.get("/t/jiange/kit_good/").get_data(as_text=True) == "kit_good page of jiange"
    assert client_b.get("/t/cangxi/kit_good/").status_code == 404
    # Not even a redirect to the login page tells a stranger the plugin is there.
    assert application.test_client().get("/t/cangxi/kit_good/").status_code == 404

    enable(application, b, "kit_good")
    assert client_b.get("/t/cangxi/kit_good/").get_data(as_text=True) == "kit_good page of cangxi"
    assert client_a.get("/t/jiange/kit_good/").status_code == 200

    disable(application, a, "kit_good")
    assert client_a.get("/t/jiange/kit_good/").status_code == 404
    assert client_b.get("/t/cangxi/kit_good/").status_code == 200


def test_navigation_and_cards_come_only_from_enabled_plugins(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    a = provision(application, "jiange", "剑阁县司法局", "510823",
                  plugins=["kit_good", "kit_other"])
    b = provision(application, "cangxi", "苍溪县司法局", "510824", plugins=["kit_other"])

    page_a = client_for(application, a).get("/t/jiange/").get_data(as_text=True)
    nav_a = nav_html(page_a)
    assert 'href="/t/jiange/kit_good/"' in nav_a and "Kit Good Menu" in nav_a
    assert 'href="/t/jiange/kit_other/"' in nav_a and "Kit Other Menu" in nav_a
    assert "Kit Needs Good Menu" not in nav_a
    assert "Kit Good Card" in page_a

    page_b = client_for(application, b).get("/t/cangxi/").get_data(as_text=True)
    nav_b = nav_html(page_b)
    assert 'href="/t/cangxi/kit_other/"' in nav_b
    assert "Kit Good" not in page_b and "kit_good" not in page_b
    # The built-in workbench link is there for everyone.
    assert 'href="/t/cangxi/"' in nav_b
    asked = {(c[1], c[2]) for c in CALLS
             if c[0] == "kit_good" and c[1] in {"nav_items", "dashboard_cards"}}
    assert asked == {("nav_items", "jiange"), ("dashboard_cards", "jiange")}


def test_enabling_pulls_in_what_a_plugin_requires(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])

    assert enable(application, tenant, "kit_needs_good") == ["kit_good", "kit_needs_good"]
    assert plugin_rows(application, tenant) == {"kit_good": True, "kit_needs_good": True}
    client = client_for(application, tenant)
    assert client.get("/t/jiange/kit_good/").status_code == 200
    assert client.get("/t/jiange/kit_needs_good/").status_code == 200
    with application.app_context(), tenant_context(tenant.id):
        rows = db.session.scalars(select(TenantPlugin)).all()
        assert {row.changed_by for row in rows} == {"test"}


def test_disabling_a_required_plugin_is_refused_naming_the_dependent(
        kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823",
                       plugins=["kit_needs_good"])

    with pytest.raises(PluginToggleError) as refused:
        disable(application, tenant, "kit_good")
    assert "kit_needs_good" in str(refused.value) and "kit_good" in str(refused.value)
    assert plugin_rows(application, tenant) == {"kit_good": True, "kit_needs_good": True}
    assert client_for(application, tenant).get("/t/jiange/kit_good/").status_code == 200

    assert disable(application, tenant, "kit_needs_good") is True
    assert disable(application, tenant, "kit_good") is True
    assert plugin_rows(application, tenant) == {"kit_good": False, "kit_needs_good": False}


@pytest.mark.parametrize("name", ["auth", "home", "tenants"])
def test_always_on_modules_cannot_be_toggled(kit_app: KitFactory, name: str) -> None:
    application = kit_app(good)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    with pytest.raises(PluginToggleError, match=name):
        disable(application, tenant, name)
    with pytest.raises(PluginToggleError, match=name):
        enable(application, tenant, name)
    assert plugin_rows(application, tenant) == {}
    with application.app_context():
        assert name in hooks_for(tenant_of(tenant)).names


def test_disabling_keeps_the_data_and_reenabling_brings_it_back(app: Flask, tenant_a,
                                                                 client_a) -> None:
    from plugins.notices.models import Notice

    created = client_a.post("/t/jiange/notices/new", data={
        "title": "关于做好年度普法考核的通知", "category": "notice",
        "body": "各司法所：请于月底前报送材料。", "pinned": "y"})
    assert created.status_code == 302
    with app.app_context(), tenant_context(tenant_a.id):
        notice = db.session.scalars(select(Notice)).one()
        before = (notice.id, notice.title, notice.body, notice.pinned, notice.updated_at)
    detail = f"/t/jiange/notices/{before[0]}"
    assert client_a.get(detail).status_code == 200

    assert disable(app, tenant_a, "notices") is True
    assert client_a.get(detail).status_code == 404
    assert client_a.get("/t/jiange/notices/").status_code == 404
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalars(select(Notice)).one().title == before[1]

    assert enable(app, tenant_a, "notices") == ["notices"]
    page = client_a.get(detail)
    assert page.status_code == 200
    assert "关于做好年度普法考核的通知" in page.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a.id):
        notice = db.session.scalars(select(Notice)).one()
        assert (notice.id, notice.title, notice.body, notice.pinned,
                notice.updated_at) == before


# --- hooks_for(tenant) -------------------------------------------------------------------


def test_hooks_for_is_cached_per_enabled_set_and_reaches_only_enabled_plugins(
        kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    a = provision(application, "jiange", "剑阁县司法局", "510823", plugins=["kit_good"])
    b = provision(application, "cangxi", "苍溪县司法局", "510824", plugins=["kit_good"])
    c = provision(application, "wangcang", "旺苍县司法局", "510821", plugins=["kit_other"])

    with application.app_context():
        tenant_a = tenant_of(a)
        hooks_a = hooks_for(tenant_a)
        assert hooks_for(tenant_a) is hooks_a
        assert hooks_for(tenant_of(b)) is hooks_a  # same enabled set, same object
        assert hooks_for(tenant_of(c)) is not hooks_a
        assert hooks_a.names == {*ALWAYS_ON, "kit_good"}

        CALLS.clear()
        items = [item for batch in hooks_a.nav_items(tenant=tenant_a, user=None)
                 for item in batch]
        assert {str(item.title) for item in items} >= {"Kit Good Menu"}
        assert not {"Kit Other Menu", "Kit Needs Good Menu"} & {str(i.title) for i in items}
        assert [(c[0], c[1]) for c in CALLS] == [("kit_good", "nav_items")]

    enable(application, a, "kit_other")
    with application.app_context():
        hooks_now = hooks_for(tenant_of(a))
        assert hooks_now is not hooks_a
        assert hooks_now.names == {*ALWAYS_ON, "kit_good", "kit_other"}
        assert hooks_for(tenant_of(b)) is hooks_a  # b's set did not change


def test_lifecycle_hooks_run_for_the_toggled_plugin_only(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    CALLS.clear()

    enable(application, tenant, "kit_needs_good")
    assert lifecycle_calls() == [("kit_good", "plugin_enabled", "jiange"),
                                 ("kit_needs_good", "plugin_enabled", "jiange")]
    CALLS.clear()
    disable(application, tenant, "kit_needs_good")
    assert lifecycle_calls() == [("kit_needs_good", "plugin_disabled", "jiange")]
    CALLS.clear()
    assert disable(application, tenant, "kit_needs_good") is False  # already off: no hook
    assert enable(application, tenant, "kit_needs_good") == ["kit_needs_good"]
    assert lifecycle_calls() == [("kit_needs_good", "plugin_enabled", "jiange")]


# --- the command line --------------------------------------------------------------------


def _line(output: str, name: str) -> str:
    found = [line for line in output.splitlines() if line.split()[:1] == [name]]
    assert len(found) == 1, output
    return found[0]


def test_cli_plugins_list_shows_status_versions_and_errors(broken_app: Flask) -> None:
    result = broken_app.test_cli_runner().invoke(args=["plugins", "list"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert _line(out, "kit_good").split()[:4] == ["kit_good", "1.2.3", "loaded", "allowed"]
    assert "Kit Good" in _line(out, "kit_good")
    assert "built-in, always on" in _line(out, "auth")
    assert _line(out, "kit_future_core").split()[2] == "incompatible"
    assert _line(out, "kit_alias").split()[1:3] == ["0.9", "failed"]
    assert _line(out, "kit_import_error").split()[2] == "failed"
    lines = out.splitlines()
    error_line = lines[lines.index(_line(out, "kit_import_error")) + 1]
    assert error_line.strip().startswith("error: RuntimeError: kit_import_error explodes")


def test_cli_plugins_list_for_a_tenant(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    provision(application, "jiange", "剑阁县司法局", "510823", plugins=["kit_good"])
    result = application.test_cli_runner().invoke(args=["plugins", "list", "--tenant", "jiange"])
    assert result.exit_code == 0, result.output
    assert " enabled " in f"{_line(result.output, 'kit_good')} "
    assert " disabled " in f"{_line(result.output, 'kit_other')} "
    assert " enabled " in f"{_line(result.output, 'auth')} "


def test_cli_enable_and_disable(kit_app: KitFactory) -> None:
    application = kit_app(*GOOD)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    cli = application.test_cli_runner()

    result = cli.invoke(args=["plugins", "enable", "jiange", "kit_needs_good"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "enabled for jiange: kit_good, kit_needs_good"
    assert plugin_rows(application, tenant) == {"kit_good": True, "kit_needs_good": True}
    with application.app_context(), tenant_context(tenant.id):
        assert {r.changed_by for r in db.session.scalars(select(TenantPlugin))} == {"cli"}

    result = cli.invoke(args=["plugins", "enable", "jiange", "kit_needs_good"])
    assert result.output.strip() == "enabled for jiange: (already enabled)"

    result = cli.invoke(args=["plugins", "disable", "jiange", "kit_good"])
    assert result.exit_code != 0
    assert "kit_needs_good" in result.output
    assert plugin_rows(application, tenant) == {"kit_good": True, "kit_needs_good": True}

    result = cli.invoke(args=["plugins", "disable", "jiange", "kit_needs_good"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "disabled for jiange: kit_needs_good"
    assert plugin_rows(application, tenant) == {"kit_good": True, "kit_needs_good": False}
    assert client_for(application, tenant).get("/t/jiange/kit_needs_good/").status_code == 404

    result = cli.invoke(args=["plugins", "disable", "jiange", "auth"])
    assert result.exit_code != 0 and "auth" in result.output


@pytest.mark.parametrize("args", [
    ["plugins", "enable", "nowhere", "kit_good"],
    ["plugins", "disable", "nowhere", "kit_good"],
    ["plugins", "list", "--tenant", "nowhere"],
], ids=["enable", "disable", "list"])
def test_cli_unknown_tenant_is_an_error(kit_app: KitFactory, args: list[str]) -> None:
    application = kit_app(good)
    result = application.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "no tenant with slug 'nowhere'" in result.output


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_cli_unknown_plugin_is_an_error(kit_app: KitFactory, action: str) -> None:
    application = kit_app(good)
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    result = application.test_cli_runner().invoke(
        args=["plugins", action, "jiange", "kit_no_such_plugin"])
    assert result.exit_code != 0
    assert "kit_no_such_plugin" in result.output
    assert plugin_rows(application, tenant) == {}


def test_cli_can_switch_off_a_plugin_that_was_uninstalled(kit_app: KitFactory) -> None:
    before = kit_app(good, other)
    tenant = provision(before, "jiange", "剑阁县司法局", "510823", plugins=["kit_other"])
    after = kit_app(good)  # kit_other's package is gone; its row is still there
    result = after.test_cli_runner().invoke(args=["plugins", "disable", "jiange", "kit_other"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "disabled for jiange: kit_other"
    assert plugin_rows(after, tenant) == {"kit_other": False}


def test_vendor_plugin_cannot_take_a_builtin_name(kit_app: KitFactory, tenant_a) -> None:
    """A vendor package naming itself ``auth`` is refused; login keeps working."""
    application = kit_app(extra_sources=(vendor_source("auth", lambda: good,
                                                       distribution="kit-impostor"),))
    records = manager_of(application).records
    assert records["auth"].status is PluginStatus.LOADED and records["auth"].builtin
    impostor = records["auth@kit-impostor"]
    assert impostor.status is PluginStatus.FAILED
    assert "belongs to a built-in module" in impostor.error
    client = application.test_client()
    login(client, tenant_a)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
