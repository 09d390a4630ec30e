"""Who asked for the weekly digest (off by default): opting in and out."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.transparency.models import DigestSubscription
from storage.models import Person


async def is_subscribed(session: AsyncSession, person_id: int) -> bool:
    return await session.get(DigestSubscription, person_id) is not None


async def do_subscribe(session: AsyncSession, person_id: int, now: datetime) -> None:
    if not await is_subscribed(session, person_id):
        session.add(DigestSubscription(person_id=person_id, since=now))


async def do_unsubscribe(session: AsyncSession, person_id: int) -> None:
    await session.execute(sa.delete(DigestSubscription).where(DigestSubscription.person_id == person_id))


async def subscribers(session: AsyncSession, municipality_id: int) -> list[Person]:
    query = (sa.select(Person).join(DigestSubscription, DigestSubscription.person_id == Person.id)
             .where(Person.municipality_id == municipality_id).order_by(Person.id))
    return list((await session.scalars(query)).all())
