"""The claim rounds' plans on PostgreSQL stay cheap whatever the statistics say.

A claim round is a prepared statement: after a few runs PostgreSQL keeps one generic plan for it
(no parameter values known), often made while the tables were small. These tests ask for that
generic plan on tables nobody has analysed, the state of a new deployment, and check that a
candidate's older rows (of its address, of its chat) are looked up row by row in the index of the
rows that wait, not by an anti-join over everything the table ever held. On the earlier statements
the outbox's plan could not use that index at all (statuses were parameters) and the intake's read
the whole index for every candidate (bench figures in the commit that added this)."""

from datetime import datetime

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.sql import visitors

from bot.delivery.worker import claim_parameters, claimable, claiming_waiting
from bot.intake_claims import claiming_heads, heads_parameters
from bot.wakeups import asyncpg_dsn
from storage.db import Database
from storage.enums import Channel, IntakeStatus, OutboxStatus
from storage.models import ChannelIdentity, IntakeItem, OutboxMessage
from storage.types import utcnow

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])  # SQLite plans every statement anew
LANE = "telegram:123456:"


def _literal(value: object) -> str:
    """A parameter's value as a literal EXECUTE can take (the prepared statement's types apply)."""
    if value is None:
        return "NULL"
    if isinstance(value, list):
        value = "{" + ",".join(str(each) for each in value) + "}"
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)  # a StrEnum's is its value
    return "'" + text.replace("'", "''") + "'"


def _with_values(statement: sa.Executable, parameters: dict) -> sa.Executable:
    """The statement with its named parameters' values in it (``params()`` does not take an UPDATE)."""
    def valued(element):
        if isinstance(element, sa.BindParameter) and element.key in parameters:
            return sa.bindparam(element.key, parameters[element.key], type_=element.type)
        return None
    return visitors.replacement_traverse(statement, {}, valued)


async def _generic_plan(db: Database, statement: sa.Executable, parameters: dict) -> str:
    compiled = _with_values(statement, parameters).compile(dialect=db.engine.dialect,
                                                            compile_kwargs={"render_postcompile": True})
    values = [_literal(compiled.params[name]) for name in compiled.positiontup]
    connection = await asyncpg.connect(asyncpg_dsn(db.url))
    try:
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE claim AS {compiled.string}")
        rows = await connection.fetch(f"EXPLAIN EXECUTE claim({', '.join(values)})")
    finally:
        await connection.close()
    return "\n".join(row[0] for row in rows)


async def _a_lane_with_history(db: Database) -> None:
    """Residents with sent messages and a few waiting, as after a while of use (not analysed)."""
    now = utcnow()
    async with db.transaction() as session:
        for resident in range(40):
            address = f"{LANE}{1000 + resident}"
            identity = ChannelIdentity(address=address, channel=Channel.TELEGRAM)
            session.add(identity)
            await session.flush()
            for index in range(12):
                status = OutboxStatus.PENDING if index >= 10 else OutboxStatus.SENT
                session.add(OutboxMessage(identity_id=identity.id, channel=Channel.TELEGRAM, address=address,
                                          payload={"text": f"{index}"}, status=status, next_attempt_at=now))
                session.add(IntakeItem(channel=Channel.TELEGRAM, external_id=f"{resident}-{index}",
                                       routing_key=address, payload={"n": index},
                                       status=IntakeStatus.PENDING if index >= 10 else IntakeStatus.DONE))


def _older_rows_probed_by_index(plan: str, index: str, key: str) -> bool:
    return (f"using {index}" in plan and f"Index Cond: (({key} = " in plan
            and "Anti Join" not in plan)


async def test_the_delivery_claims_generic_plan_probes_each_addresss_waiting_rows_by_index(db):
    await _a_lane_with_history(db)
    now = utcnow()
    plan = await _generic_plan(db, claimable(LANE, locking=True), claim_parameters(30, "vm:1:me", now))
    assert _older_rows_probed_by_index(plan, "ix_outbox_waiting", "(address)::text"), plan
    assert "Seq Scan on outbox" not in plan, plan


async def test_the_claim_of_waiting_rows_probes_each_addresss_waiting_rows_by_index(db):
    await _a_lane_with_history(db)
    plan = await _generic_plan(db, claiming_waiting(LANE), claim_parameters(30, "vm:1:me", utcnow()))
    assert _older_rows_probed_by_index(plan, "ix_outbox_waiting", "(address)::text"), plan
    assert "Seq Scan on outbox" not in plan, plan


async def test_the_intake_claims_generic_plan_probes_each_chats_pending_items_by_index(db):
    await _a_lane_with_history(db)
    now = utcnow()
    plan = await _generic_plan(db, claiming_heads((Channel.TELEGRAM,)),
                               heads_parameters("vm:1:me", now, 64, {1, 2}, recorded=[3, 4]))
    assert _older_rows_probed_by_index(plan, "ix_intake_chat_pending", "routing_key"), plan
    assert "Seq Scan on intake" not in plan, plan
    # Whether an update recorded here waits: each id probed in (status, id), not a scan of the pending per id.
    look = plan[plan.index("Function Scan on unnest"):]
    assert "Index Cond: (((status)::text = $" in look and "(id = anon_1.id))" in look, plan
