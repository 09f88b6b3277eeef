"""`traceapp audit verify|show`, and tampering with the trail the way a person with shell access
would: the sqlite3 or psql client, the append-only triggers dropped first, then raw SQL."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from traceapp.cli import main
from traceapp.db.engine import make_engine
from traceapp.db.models import AuditEntry
from traceapp.db.uow import UnitOfWork
from traceapp.domain.audit import chain_hash
from traceapp.services import audit as audit_service

AUDIT_TRIGGERS = ("audit_entries_no_update", "audit_entries_no_delete")
FIELDS = (
    "seq", "id", "recorded_at", "username", "station", "action", "entity", "entity_id",
    "old_value", "new_value", "reason", "rule",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEAPP_DB", raising=False)
    monkeypatch.setenv("TRACEAPP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRACEAPP_DATA_DIR", str(tmp_path / "data"))


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = call(capsys, "--json", *args)
    assert code == 0, err
    return json.loads(out)


def raw_sql(url: str, script: str) -> str:
    """Run SQL with the database's own command-line client, as someone at a shell would."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        client = shutil.which("sqlite3")
        if client is None:
            pytest.skip("the sqlite3 command-line client is not installed")
        command = [client, "-bail", str(parsed.database)]
    else:
        client = shutil.which("psql")
        if client is None:
            pytest.skip("the psql command-line client is not installed")
        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        command = [client, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", conninfo]
    done = subprocess.run(
        command, input=script, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def drop_guards(url: str) -> str:
    """What a tamperer types first: the triggers that refuse UPDATE and DELETE must go."""
    if make_url(url).get_backend_name() == "sqlite":
        return "".join(f"DROP TRIGGER {name};\n" for name in AUDIT_TRIGGERS)
    return "".join(f"DROP TRIGGER {name} ON audit_entries;\n" for name in AUDIT_TRIGGERS)


@pytest.fixture
def trail(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A database whose trail holds a dozen entries or so."""
    for args in (
        ["location", "add", "SITE1", "--name", "Main plant", "--kind", "site"],
        ["product", "add", "FLOUR", "--name", "Flour", "--unit", "kg", "--kind", "raw"],
        ["product", "add", "SUGAR", "--name", "Sugar", "--unit", "kg", "--kind", "raw"],
        ["party", "add", "MILL", "--name", "Mill", "--kind", "supplier"],
        ["party", "add", "SHOP", "--name", "Shop", "--kind", "customer"],
        ["receive", "--supplier", "MILL", "--supplier-lot", "F-1", "--product", "FLOUR",
         "--qty", "100kg"],
    ):  # fmt: skip
        code, _, err = call(capsys, "--db", db_url, *args)
        assert code == 0, err
    verdict = call_json(capsys, "--db", db_url, "audit", "verify")
    assert verdict["intact"] is True
    assert verdict["entries"] >= 8
    return db_url


def verify(capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, str, Any]:
    code, out, _ = call(capsys, "--db", url, "audit", "verify")
    json_code, json_out, _ = call(capsys, "--db", url, "--json", "audit", "verify")
    assert json_code == code
    return code, out, json.loads(json_out)


def entry_count(capsys: pytest.CaptureFixture[str], url: str) -> int:
    lines = call_json(capsys, "--db", url, "audit", "show", "--limit", "1")
    return int(lines[0]["seq"])


def test_an_intact_trail_verifies_with_its_entry_count(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, verdict = verify(capsys, trail)
    assert code == 0
    assert out.splitlines()[0] == f"Audit trail intact: {verdict['entries']} entries."
    assert f"anchor: {verdict['anchor']}" in out
    assert verdict["anchor"].startswith(f"{verdict['entries']}:")
    assert verdict["first_broken_seq"] is None


@pytest.mark.parametrize("seq", [1, 4, -1])
def test_an_edited_entry_is_named(trail: str, capsys: pytest.CaptureFixture[str], seq: int) -> None:
    last = entry_count(capsys, trail)
    target = last if seq == -1 else seq
    raw_sql(
        trail,
        drop_guards(trail)
        + f"UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = {target};\n",
    )
    code, out, verdict = verify(capsys, trail)
    assert code == 1
    assert verdict["intact"] is False
    assert verdict["first_broken_seq"] == target
    assert verdict["breach"] == "edited"
    assert f"first broken entry: {target} (edited)" in out


def test_an_entry_moved_to_another_user_is_named(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_sql(
        trail, drop_guards(trail) + "UPDATE audit_entries SET username = 'olga' WHERE seq = 5;\n"
    )
    code, _, verdict = verify(capsys, trail)
    assert code == 1
    assert (verdict["first_broken_seq"], verdict["breach"]) == (5, "edited")


def test_a_deleted_entry_is_named(trail: str, capsys: pytest.CaptureFixture[str]) -> None:
    raw_sql(trail, drop_guards(trail) + "DELETE FROM audit_entries WHERE seq = 3;\n")
    code, out, verdict = verify(capsys, trail)
    assert code == 1
    assert (verdict["first_broken_seq"], verdict["breach"]) == (3, "deleted")
    assert "first broken entry: 3 (deleted)" in out


def test_deleting_the_newest_entries_is_caught_by_the_anchor(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    last = entry_count(capsys, trail)
    raw_sql(trail, drop_guards(trail) + f"DELETE FROM audit_entries WHERE seq >= {last - 1};\n")
    code, _, verdict = verify(capsys, trail)
    assert code == 1
    assert (verdict["first_broken_seq"], verdict["breach"]) == (last - 1, "deleted")


def test_deleting_the_newest_entries_and_moving_the_anchor_back_is_caught_by_a_kept_anchor(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The anchor lives in the same database: someone who also drops its guard and moves it
    back leaves a chain that checks out, unless an anchor kept elsewhere is passed back."""
    kept = verify(capsys, trail)[2]["anchor"]
    last = int(kept.split(":")[0])
    head_guard = (
        "DROP TRIGGER audit_head_forward;\n"
        if make_url(trail).get_backend_name() == "sqlite"
        else "DROP TRIGGER audit_head_forward ON audit_head;\n"
    )
    raw_sql(
        trail,
        drop_guards(trail)
        + head_guard
        + f"DELETE FROM audit_entries WHERE seq >= {last - 1};\n"
        + "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_entries), "
        "hash = (SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1);\n",
    )
    assert verify(capsys, trail)[0] == 0  # the limit of an anchor inside the database
    code, out, _ = call(capsys, "--db", trail, "audit", "verify", "--anchor", kept)
    assert code == 1
    assert f"first broken entry: {last - 1} (deleted)" in out
    # An anchor that does not match the entry it names: the chain was rewritten from there.
    code, out, _ = call(capsys, "--db", trail, "audit", "verify", "--anchor", f"2:{'0' * 64}")
    assert code == 1
    assert "first broken entry: 2 (edited)" in out


def test_an_inserted_copy_at_the_end_is_named(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    last = entry_count(capsys, trail)
    # A plausible row: the newest one copied under the next number and a new id.
    columns = (
        "recorded_at, user_id, username, station, action, entity, entity_id, old_value, "
        "new_value, reason, rule, prev_hash, hash"
    )
    new_id = "0b8c3d2e-6f1a-4c5e-9a7b-2d4e6f8a0c1e"
    if make_url(trail).get_backend_name() == "sqlite":
        new_id = new_id.replace("-", "")
    raw_sql(
        trail,
        f"INSERT INTO audit_entries (seq, id, {columns}) "
        f"SELECT seq + 1, '{new_id}', {columns.replace('prev_hash', 'hash AS prev_hash')} "
        f"FROM audit_entries WHERE seq = {last};\n",
    )
    code, _, verdict = verify(capsys, trail)
    assert code == 1
    assert verdict["first_broken_seq"] == last + 1
    assert verdict["breach"] in ("inserted", "edited")


def test_an_entry_forged_with_a_correct_hash_is_caught_by_the_anchor(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone who read the code computes the chain hash; the head anchor still disagrees."""
    last = entry_count(capsys, trail)
    prev_hash = raw_sql(trail, f"SELECT hash FROM audit_entries WHERE seq = {last};\n").strip()
    new_id = "0b8c3d2e6f1a4c5e9a7b2d4e6f8a0c1e"
    if make_url(trail).get_backend_name() != "sqlite":
        new_id = str(uuid.UUID(new_id))
    raw_sql(
        trail,
        "INSERT INTO audit_entries (seq, id, recorded_at, username, action, entity, entity_id, "
        f"reason, prev_hash, hash) SELECT {last + 1}, '{new_id}', recorded_at, 'admin', "
        f"'delete', 'lots', 'x', 'cleanup', hash, 'placeholder' FROM audit_entries "
        f"WHERE seq = {last};\n",
    )
    # The hash as the app computes it, over the row as the app reads it back.
    engine = make_engine(trail)
    try:
        with UnitOfWork(engine, write=False) as uow:
            row = uow.session.execute(
                audit_service._ENTRY_COLUMNS.where(AuditEntry.seq == last + 1)
            ).one()
            forged = chain_hash(prev_hash, audit_service._stored(row).fields)
    finally:
        engine.dispose()
    raw_sql(
        trail,
        drop_guards(trail)
        + f"UPDATE audit_entries SET hash = '{forged}' WHERE seq = {last + 1};\n",
    )
    code, out, verdict = verify(capsys, trail)
    assert code == 1
    assert (verdict["first_broken_seq"], verdict["breach"]) == (last + 1, "inserted")
    assert "behind the app's back" in out


def test_an_entry_replaced_in_the_middle_is_named(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_sql(
        trail,
        drop_guards(trail)
        + "UPDATE audit_entries SET prev_hash = (SELECT hash FROM audit_entries WHERE seq = 2) "
        "WHERE seq = 4;\n",
    )
    code, _, verdict = verify(capsys, trail)
    assert code == 1
    assert (verdict["first_broken_seq"], verdict["breach"]) == (4, "inserted")


def test_the_trail_refuses_changes_while_its_triggers_stand(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parsed = make_url(trail)
    client = "sqlite3" if parsed.get_backend_name() == "sqlite" else "psql"
    if shutil.which(client) is None:
        pytest.skip(f"{client} is not installed")
    with pytest.raises(AssertionError, match="append-only"):
        raw_sql(trail, "UPDATE audit_entries SET reason = 'x' WHERE seq = 2;\n")
    assert verify(capsys, trail)[0] == 0


def test_show_lists_entries_with_old_and_new_values(
    trail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "--db", trail, "audit", "show", "--entity", "products")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["SEQ", "TIME", "(UTC)"]
    assert len(rows) == 2
    assert all("→" in row for row in rows)
    assert "SUGAR" in rows[0]
    lines = call_json(
        capsys, "--db", trail, "audit", "show", "--entity", "products", "--limit", "1"
    )
    assert len(lines) == 1
    assert json.loads(lines[0]["new_value"])["part_number"] == "SUGAR"
    one = call_json(capsys, "--db", trail, "audit", "show", "--id", lines[0]["entity_id"])
    assert {line["entity_id"] for line in one} == {lines[0]["entity_id"]}
    with pytest.raises(SystemExit) as stopped:
        main(["--db", trail, "audit", "show", "--limit", "0"])
    assert stopped.value.code == 2
    assert "--limit: must be between 1 and 100000" in capsys.readouterr().err


def test_reading_the_trail_needs_a_login(
    trail: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACEAPP_USER")
    for args in (["audit", "verify"], ["audit", "show"], ["user", "list"]):
        code, out, err = call(capsys, "--db", trail, *args)
        assert code == 5, args
        assert out == ""
        assert "TRACEAPP_USER" in err
