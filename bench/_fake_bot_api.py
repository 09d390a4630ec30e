"""The fake Bot API in a process of its own, for bench/broadcast.py (as in production, the
server is not in the bot's process).

    python -m bench._fake_bot_api LIMIT TOKEN [TOKEN …]

Prints its base URL; on a line "stats" on stdin prints, as JSON per token, the server time
and chat of every sendMessage with ``text`` containing the notice, and its 429 count; then exits.
"""

import asyncio
import json
import sys

from tests.fakes.telegram_api import FakeTelegramAPI


async def main(limit: int, tokens: list[str]) -> None:
    api = FakeTelegramAPI(rate_limit_per_second=limit, per_chat_per_second=1)
    await api.start()
    for token in tokens:
        api.add_bot(token)
    print(api.base_url, flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "stats":
        pass
    stats = {token: {"sent": [(m.at, m.chat_id, m.text) for m in api.bot(token).sent
                              if m.method.lower() == "sendmessage"],
                     "too_many_requests": api.bot(token).too_many_requests} for token in tokens}
    print(json.dumps(stats, ensure_ascii=False), flush=True)
    await api.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2:]))
