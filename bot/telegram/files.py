"""Fetching a file a resident sent on Telegram (``getFile`` and the download), for staff."""

import mimetypes
from collections.abc import Mapping

from aiogram import Bot

from bot.adapter import FileFetcher


def file_fetcher(bots: Mapping[int, Bot]) -> FileFetcher:
    async def fetch(file_id: str) -> tuple[bytes, str]:
        """A file id belongs to the bot that received it: with several bots, the one that knows it answers."""
        failures = []
        for bot in bots.values():
            try:
                found = await bot.get_file(file_id)
            except Exception as error:  # aiogram's TelegramBadRequest: not this bot's file
                failures.append(error)
                continue
            if not found.file_path:
                raise LookupError("Telegram gave no file path")
            data = await bot.download_file(found.file_path)
            return data.read(), mimetypes.guess_type(found.file_path)[0] or "application/octet-stream"
        raise LookupError(f"no bot could fetch the file: {failures}")

    return fetch
