"""How ``create_app`` puts the packages together: each package registers its own blueprints,
``scrm`` commands and clock jobs, once, and the order of ``scrm.PACKAGES`` changes nothing."""

from __future__ import annotations

import importlib
import inspect
import random
from collections import Counter
from pathlib import Path

import click
import flask
import pytest

import scrm
from scrm import create_app
from scrm.worker.schedule import ClockJob, add_clock_jobs, clock_jobs, every

SCRM = Path(scrm.__file__).resolve().parent

#: The clock's job ids: stable, so a restarted scheduler replaces a job instead of adding it.
JOB_IDS = {
    "sync.nightly_full_sync",
    "archive.pull_conversation_archive",
    "archive.index_for_search",
    "sop.materialise_due_tasks",
    "sop.run_due_tasks",
    "sop.run_checkins",
    "sop.poll_mass_message_results",
    "sop.recompute_todays_group_metrics",
    "sop.finalise_yesterdays_group_metrics",
    "dashboards.roll_up_rm_daily_metrics",
    "moments.pull_engagement",
    "moments.poll_publications",
    "moments.remind_unpublished",
    "compliance.snapshot_lexicon",
    "acquisition.settle_welcome_messages",
    "acquisition.remind_pending_adds",
    "acquisition.attribute_synced_follows",
    "campaigns.poll",
    "campaigns.remind_unconfirmed",
    "custody.poll",
}


def _app(tmp_path) -> flask.Flask:
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path)
    )


def _modules(filename: str) -> list:
    """Every production module called ``filename`` (the simulator is not the app's)."""
    paths = sorted(SCRM.rglob(filename))
    names = [
        ".".join(path.relative_to(SCRM.parent).with_suffix("").parts)
        for path in paths
        if "simulator" not in path.parts
    ]
    return [importlib.import_module(name) for name in names]


def _command_paths(command: click.Command, path: str = "scrm") -> list[str]:
    paths = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, f"{path} {name}")
    return sorted(paths)


def _wiring(app: flask.Flask) -> dict:
    """What the packages put into ``app``, in a form that does not depend on their order."""
    return {
        "commands": _command_paths(app.cli.commands["scrm"]),
        "blueprints": sorted(app.blueprints),
        "rules": sorted(
            (r.rule, r.endpoint, tuple(sorted(r.methods))) for r in app.url_map.iter_rules()
        ),
        "jobs": sorted(job.id for job in clock_jobs(app)),
    }


def test_every_blueprint_is_registered_once_by_the_package_that_owns_it(tmp_path, monkeypatch):
    calls = []
    register = flask.Flask.register_blueprint

    def recording(self, blueprint, **options):
        calls.append((blueprint, inspect.currentframe().f_back.f_globals["__name__"]))
        return register(self, blueprint, **options)

    monkeypatch.setattr(flask.Flask, "register_blueprint", recording)
    _app(tmp_path)

    counts = Counter(blueprint for blueprint, _ in calls)
    modules = [m for m in _modules("api.py") + _modules("pages.py") if hasattr(m, "bp")]
    assert modules, "no blueprint modules found"
    assert {m.__name__: counts[m.bp] for m in modules} == {m.__name__: 1 for m in modules}
    assert all(n == 1 for n in counts.values()), counts
    strangers = [
        f"{caller} registers {blueprint.import_name}"
        for blueprint, caller in calls
        if not (blueprint.import_name == caller or blueprint.import_name.startswith(caller + "."))
    ]
    assert strangers == []


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_the_order_of_the_packages_changes_nothing(tmp_path, monkeypatch, order):
    expected = _wiring(_app(tmp_path))
    packages = list(scrm.PACKAGES)
    if order == "reversed":
        packages.reverse()
    else:
        random.Random(2026).shuffle(packages)
    assert packages != list(scrm.PACKAGES)
    monkeypatch.setattr(scrm, "PACKAGES", tuple(packages))

    assert _wiring(_app(tmp_path)) == expected


def test_every_command_of_every_cli_module_is_in_the_scrm_group(tmp_path):
    reachable, stack = set(), [_app(tmp_path).cli.commands["scrm"]]
    while stack:
        command = stack.pop()
        reachable.add(command)
        if isinstance(command, click.Group):
            stack.extend(command.commands.values())
    defined = {
        f"{module.__name__}.{name}": value
        for module in _modules("cli.py")
        for name, value in vars(module).items()
        if isinstance(value, click.Command)
    }
    assert defined, "no commands found"
    missing = sorted(name for name, command in defined.items() if command not in reachable)
    assert missing == [], f"commands no package adds: {missing}"


def test_every_clock_job_is_present_once_with_its_stable_id(tmp_path):
    app = _app(tmp_path)
    ids = [job.id for job in clock_jobs(app)]
    assert len(ids) == len(set(ids))
    assert set(ids) == JOB_IDS
    declared = {
        job.id for module in _modules("jobs.py") for job in getattr(module, "CLOCK_JOBS", ())
    }
    assert declared == JOB_IDS


def test_a_taken_clock_job_id_is_refused(tmp_path):
    app = _app(tmp_path)
    twin = ClockJob("custody.poll", "a second poll", func=lambda: None, trigger=every(minutes=1))
    with pytest.raises(ValueError, match="custody.poll"):
        add_clock_jobs(app, [twin])
