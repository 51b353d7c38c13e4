"""One place commits: a request once it has answered (scrm.db's hooks), a command or a demo step
around its body (``@commits``). Handlers and commands never commit themselves; domain errors
render with their own status and message."""

from __future__ import annotations

import click
import pytest
from flask import request
from flask.cli import with_appcontext
from sqlalchemy import func, select

from scrm.compliance.vocabulary import InvalidMessage
from scrm.customers.identity.services import BindingError
from scrm.db import commits, db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.errors import Conflict, NotFound, ScrmError


def committed_departments() -> list[int]:
    # A connection of its own sees only what was committed, never the session's pending rows.
    with db.engine.connect() as connection:
        return list(connection.scalars(select(Department.id).order_by(Department.id)))


def departments_in_session() -> int:
    return db.session.scalar(select(func.count()).select_from(Department))


@pytest.fixture
def writer(app):
    """``POST /test/departments/<id>?then=…``: writes a department, never commits, then
    answers 201 or fails as ``then`` says."""

    @app.post("/test/departments/<int:department_id>")
    def write_department(department_id: int):
        db.session.add(Department(id=department_id, name=f"测试支行{department_id}"))
        db.session.flush()
        then = request.args.get("then", "answer")
        if then == "refuse":
            raise NotFound(f"no department {department_id} after all; see the test")
        if then == "answer_409":
            return {"written": department_id}, 409
        if then == "crash":
            raise RuntimeError("a bug after the write")
        return {"written": department_id}, 201

    return app


def test_a_request_that_succeeds_is_committed_without_the_handler_committing(
    writer, app_ctx, client
):
    answer = client.post("/test/departments/7")

    assert answer.status_code == 201
    assert committed_departments() == [7]


@pytest.mark.parametrize("then", ["refuse", "answer_409"])
def test_a_request_that_fails_after_writing_leaves_nothing(writer, app_ctx, client, then):
    answer = client.post(f"/test/departments/8?then={then}")
    client.post("/test/departments/9")  # a later request's commit must not carry the write

    assert answer.status_code in (404, 409)
    assert committed_departments() == [9]
    assert departments_in_session() == 1


def test_a_request_that_raises_after_writing_leaves_nothing(writer, app_ctx, client):
    with pytest.raises(RuntimeError, match="a bug after the write"):
        client.post("/test/departments/8?then=crash")  # TESTING propagates the exception
    client.post("/test/departments/9")

    assert committed_departments() == [9]
    assert departments_in_session() == 1


def test_an_unhandled_error_answers_500_and_writes_nothing(writer, app_ctx, client):
    app_ctx.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    answer = client.post("/test/departments/8?then=crash")

    assert answer.status_code == 500
    assert answer.get_json()["error"]["message"] == "internal error; the request was not applied"
    assert committed_departments() == []
    assert departments_in_session() == 0


def _command(name: str, fail: bool):
    @click.command(name)
    @with_appcontext
    @commits
    def write_department() -> None:
        db.session.add(Department(id=11, name="测试支行11"))
        db.session.flush()
        if fail:
            raise click.ClickException("refused after writing")
        click.echo("written")

    return write_department


def test_a_command_that_fails_writes_nothing(app_ctx, runner):
    app_ctx.cli.add_command(_command("write-then-fail", fail=True))

    result = runner.invoke(args=["write-then-fail"])

    assert result.exit_code == 1 and "refused after writing" in result.output
    assert committed_departments() == []
    assert departments_in_session() == 0  # rolled back, not merely left uncommitted


def test_a_command_that_succeeds_is_committed_without_committing_itself(app_ctx, runner):
    app_ctx.cli.add_command(_command("write", fail=False))

    result = runner.invoke(args=["write"])

    assert result.exit_code == 0 and "written" in result.output
    assert committed_departments() == [11]


def test_a_real_command_commits_through_the_decorator(app_ctx, runner):
    db.session.add(Staff(userid="commitrm01", name="测试客户经理"))
    db.session.commit()

    result = runner.invoke(args=["scrm", "grant-role", "commitrm01", "rm"])

    assert result.exit_code == 0, result.output
    with db.engine.connect() as connection:
        assert list(connection.scalars(select(StaffRole.role))) == ["rm"]


@pytest.fixture
def raiser(app):
    """``GET /test/errors/<kind>``: raises one domain error, for the one error handler."""
    errors = {
        "binding": BindingError("客户号 1234 is bound to another contact; unbind it there", 409),
        "invalid": InvalidMessage("message is empty (nothing but spaces); write some text"),
        "not_found": NotFound("no such customer; check the id"),
        "conflict": Conflict("someone else holds the case"),
    }

    @app.get("/test/errors/<kind>")
    def raise_error(kind: str):
        raise errors[kind]

    return app


@pytest.mark.parametrize(
    "kind, status, message",
    [
        ("binding", 409, "客户号 1234 is bound to another contact; unbind it there"),
        ("invalid", 400, "message is empty (nothing but spaces); write some text"),
        ("not_found", 404, "no such customer; check the id"),
        ("conflict", 409, "someone else holds the case"),
    ],
)
def test_domain_errors_render_their_own_status_and_message(raiser, client, kind, status, message):
    answer = client.get(f"/test/errors/{kind}")

    assert answer.status_code == status
    assert answer.get_json() == {"error": {"status": status, "message": message}}


def test_input_errors_stay_value_errors_for_the_pure_code():
    error = InvalidMessage("message is empty (nothing but spaces); write some text")

    assert isinstance(error, ValueError) and isinstance(error, ScrmError)
    assert str(error) == error.message and error.status_code == 400
