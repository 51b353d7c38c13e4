"""``flask --app app scrm customers …``: the binding to bank customer numbers (机构内身份认证)
and the import of bank customer records."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits

customers_cli = AppGroup("customers", help="Bank customer records and contact bindings.")


def _actor(userid: str):
    from sqlalchemy import select

    from scrm.db import db
    from scrm.directory.models import Staff

    return db.session.scalar(select(Staff).where(Staff.userid == userid))


@customers_cli.command("bind")
@click.argument("external_userid")
@click.argument("cif_no")
@click.option("--method", required=True, help="counter, mobile_sms, video or import")
@click.option("--by", "by_userid", required=True, help="who verified it (userid)")
@click.option("--note", help="e.g. the counter ticket number")
@click.option("--reason", help="required to change an existing binding or to --move")
@click.option("--move", is_flag=True, help="take the 客户号 from the contact it is bound to")
@with_appcontext
@commits
def bind_command(external_userid, cif_no, method, by_userid, note, reason, move):
    """Bind a contact to a bank customer number (or change it, with --reason)."""
    from scrm.customers.identity.services import BindingError, bind_customer

    try:
        bind_customer(
            external_userid,
            cif_no,
            method=method,
            by=_actor(by_userid),
            by_userid=by_userid,
            note=note,
            reason=reason,
            move=move,
        )
    except BindingError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{external_userid} is bound to 客户号 {cif_no}")


@customers_cli.command("unbind")
@click.argument("external_userid")
@click.option("--by", "by_userid", required=True)
@click.option("--reason", required=True, help="why the binding goes")
@with_appcontext
@commits
def unbind_command(external_userid, by_userid, reason):
    """Remove a contact's binding, with a reason."""
    from scrm.customers.identity.services import BindingError, unbind_customer

    try:
        unbind_customer(external_userid, by=_actor(by_userid), by_userid=by_userid, reason=reason)
    except BindingError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{external_userid} is no longer bound")


@customers_cli.command("binding-history")
@click.argument("external_userid")
@with_appcontext
def history_command(external_userid):
    """Every change to a contact's binding, oldest first."""
    from scrm.customers.identity.services import BindingError, binding_history

    try:
        rows = binding_history(external_userid)
    except BindingError as error:
        raise click.ClickException(str(error)) from None
    if not rows:
        click.echo(f"{external_userid} was never bound")
    for row in rows:
        click.echo(
            f"{row.at:%Y-%m-%d %H:%M} {row.action} {row.old_cif_no or '-'} → "
            f"{row.new_cif_no or '-'} by {row.by_userid} ({row.method or '-'}): {row.reason}"
        )


@customers_cli.command("import-bank-customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@commits
def import_command(path):
    """Import bank customer records from a CSV (UTF-8) or XLSX file, by 客户号."""
    from scrm.customers.identity.bank_import import BankImportError, import_bank_customers

    try:
        report = import_bank_customers(path)
    except BankImportError as error:
        raise click.ClickException(str(error)) from None
    if report.errors:
        for line in report.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(report.errors)} line(s) wrong; nothing imported")
    click.echo(f"imported: {report.created} new, {report.updated} updated")
