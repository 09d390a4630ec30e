"""Back office accounts: scrypt hashes, the administrator's commands, log-in outcomes in the audit log."""

import io
from datetime import timedelta

import sqlalchemy as sa

from backoffice.admin_cli import run_admin
from handlers.staff import accounts
from storage.db import Database
from storage.enums import AuditOutcome
from storage.models import AuditEntry, StaffAccount, StaffSession
from storage.types import utcnow


def test_passwords_are_salted_scrypt_hashes():
    first, second = accounts.hash_password("correct horse"), accounts.hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second and "correct horse" not in first
    assert accounts.password_matches("correct horse", first) and accounts.password_matches("correct horse", second)
    assert not accounts.password_matches("correct horsE", first)
    assert not accounts.password_matches("correct horse", "plain$text") and not accounts.password_matches("x", "")


async def _admin(db_url: str, capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))

    async def open_db() -> Database:
        return Database(db_url)

    code = await run_admin(list(argv), open_db)
    printed = capsys.readouterr()
    return code, printed.out + printed.err


async def test_the_administrator_gives_a_staff_member_a_login(db, db_url, capsys, monkeypatch):
    phone = "+996 555 100 200"
    code, out = await _admin(db_url, capsys, monkeypatch, "account", "add", "--login", "Bakyt", "--phone", phone,
                             stdin="long enough password\n")
    assert code == 2 and "no staff role" in out  # a login is only for staff
    await _admin(db_url, capsys, monkeypatch, "staff", "add", "ALM", "--role", "head", "--phone", phone)
    code, out = await _admin(db_url, capsys, monkeypatch, "account", "add", "--login", "Bakyt", "--phone", phone,
                             "--language", "ru", stdin="short\n")
    assert code == 2 and "10 to 200 characters" in out
    code, out = await _admin(db_url, capsys, monkeypatch, "account", "add", "--login", "Bakyt", "--phone", phone,
                             "--language", "ru", stdin="long enough password\n")
    assert code == 0 and out.startswith("account bakyt added")
    now = utcnow()
    async with db.transaction() as session:
        assert (await accounts.do_log_in(session, "BAKYT", "long enough password", now=now)).token
        for _ in range(accounts.MAX_FAILED_LOGINS):
            outcome = await accounts.do_log_in(session, "bakyt", "wrong", now=now)
        assert outcome.refused == accounts.Refusal.LOCKED and outcome.locked_until == now + accounts.LOCK_OUT
    code, out = await _admin(db_url, capsys, monkeypatch, "account", "password", "--login", "bakyt",
                             stdin="a brand new password\n")
    assert code == 0
    async with db.transaction() as session:
        account = await session.scalar(sa.select(StaffAccount))
        assert account.locked_until is None and account.language == "ru"
        assert await session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0
        assert (await accounts.do_log_in(session, "bakyt", "long enough password", now=now)).refused
        outcome = await accounts.do_log_in(session, "bakyt", "a brand new password", now=now + timedelta(seconds=1))
        assert outcome.token and outcome.municipalities == (1,)
        found = await accounts.signed_in(session, outcome.token, now=now)
        assert found.account.id == account.id and found.session.token_hash != outcome.token
        assert await accounts.signed_in(session, outcome.token, now=now + accounts.SESSION_LIFETIME * 2) is None
    async with db.reader() as session:
        log = (await session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.outcome, e.detail.get("reason")) for e in log] == (
        [(AuditOutcome.ALLOWED, None)] + [(AuditOutcome.REFUSED, "wrong_password")] * 4
        + [(AuditOutcome.REFUSED, "locked"), (AuditOutcome.REFUSED, "wrong_password"), (AuditOutcome.ALLOWED, None)])
