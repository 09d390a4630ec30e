"""The optional participation profile: gender and age group, asked once (with the reason) when a
resident first joins a group, used only for participation statistics (e.g. women at a hearing)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import AgeGroup, Gender
from storage.models import ParticipantProfile


async def profile_asked(session: AsyncSession, person_id: int) -> bool:
    return await session.get(ParticipantProfile, person_id) is not None


async def do_save_profile(session: AsyncSession, person_id: int, gender: Gender | None, age_group: AgeGroup | None,
                          now: datetime) -> ParticipantProfile:
    """Keeps the answers (``None``: not told); a row means the question was asked and is not asked again."""
    profile = await session.get(ParticipantProfile, person_id)
    if profile is None:
        profile = ParticipantProfile(person_id=person_id, asked_at=now)
        session.add(profile)
    profile.gender, profile.age_group = gender, age_group
    return profile
