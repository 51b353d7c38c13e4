"""``flask --app app scrm scan``: compliance staff try messages against the active lexicon."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator

import click
from flask.cli import with_appcontext

from scrm.compliance.lexicon.active import LexiconError, current_lexicon
from scrm.compliance.scanning.scanner import scan
from scrm.compliance.vocabulary import CHANNELS, InvalidMessage, Lexicon


def _result(text: str | bytes, channel: str, lexicon: Lexicon) -> dict:
    result = scan(text, channel, lexicon)
    return {
        "decision": result.decision,
        "lexicon_version": result.lexicon_version,
        "hits": [hit.as_dict() for hit in result.hits],
    }


def _message_from_line(raw: bytes) -> str | bytes:
    """The message on one input line: a JSON string, or an object with a ``text`` string.

    :raise InvalidMessage: the line is empty or not such JSON
    """
    line = raw.rstrip(b"\r\n")
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        return line  # the scanner names the bad byte
    if not decoded.strip():
        raise InvalidMessage('empty line; write one JSON string or {"text": "…"} per line')
    try:
        value = json.loads(decoded)
    except json.JSONDecodeError as error:
        raise InvalidMessage(
            f"not JSON ({error.msg}, column {error.colno}); write the message as a JSON "
            'string ("…") or object ({"text": "…"})'
        ) from None
    if isinstance(value, dict):
        value = value.get("text")
    if not isinstance(value, str):
        raise InvalidMessage('expected a JSON string or an object {"text": "<a string>"}')
    return value


def _scan_lines(lines: Iterable[bytes], channel: str, lexicon: Lexicon) -> Iterator[dict]:
    for number, raw in enumerate(lines, start=1):
        try:
            yield _result(_message_from_line(raw), channel, lexicon)
        except InvalidMessage as error:
            yield {"error": f"line {number}: {error}"}


@click.command("scan")
@click.option(
    "--channel",
    type=click.Choice(CHANNELS),
    required=True,
    help="Where the message would go: single (1v1 chat), group, or moments.",
)
@click.option(
    "--jsonl",
    is_flag=True,
    help='Read one message per line from standard input, each line a JSON string ("…") '
    'or a JSON object with a "text" field ({"text": "…"}).',
)
@click.argument("texts", nargs=-1)
@with_appcontext
def scan_command(channel: str, jsonl: bool, texts: tuple[str, ...]) -> None:
    """Scan each TEXT (or each line of standard input with --jsonl) against the active
    lexicon and print one JSON object per message: decision, lexicon_version and hits.

    A message that cannot be scanned prints {"error": "…"} in its place; the exit status is
    then 1.
    """
    if jsonl and texts:
        raise click.UsageError("give TEXT arguments or --jsonl with standard input, not both")
    if not jsonl and not texts:
        raise click.UsageError("give the messages as TEXT arguments, or one per line with --jsonl")
    try:
        lexicon = current_lexicon()
    except LexiconError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo("no valid lexicon to scan with; fix the files above", err=True)
        raise SystemExit(2) from None
    if jsonl:
        results: Iterable[dict] = _scan_lines(sys.stdin.buffer, channel, lexicon)
    else:
        results = (_safe_result(text, channel, lexicon) for text in texts)
    failed = False
    for output in results:
        failed = failed or "error" in output
        click.echo(json.dumps(output, ensure_ascii=False))
    if failed:
        raise SystemExit(1)


def _safe_result(text: str, channel: str, lexicon: Lexicon) -> dict:
    try:
        return _result(text, channel, lexicon)
    except InvalidMessage as error:
        return {"error": str(error)}
