"""The aiogram Dispatcher: private chats go to the conversation core, staff group chats to the staff chat.

The filters are coroutine functions, not magic filters (``F.chat.type == …``): aiogram runs a
plain callable filter in a thread (``asyncio.to_thread``), one hop per filter per update.
"""

import asyncio
import logging
from collections.abc import Sequence

from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.intake import Queued
from bot.telegram.parse import address_of, callback_to_incoming, message_to_incoming
from handlers.conversation import ConversationCore
from handlers.envelope import decode_option, sent_together
from handlers.staff.chat import StaffChat
from storage.enums import Channel

log = logging.getLogger(__name__)


async def _stop_spinner(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except Exception as error:  # noqa: BLE001 - a spinner is not worth failing anything for
        log.debug("answerCallbackQuery failed: %r", error)


GROUP_CHATS = frozenset({"group", "supergroup"})


async def in_private_chat(event: Message | ChatMemberUpdated) -> bool:
    return event.chat.type == "private"


async def in_group_chat(event: Message | ChatMemberUpdated) -> bool:
    return event.chat.type in GROUP_CHATS


async def pressed_in_private_chat(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type == "private"


async def pressed_in_group_chat(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type in GROUP_CHATS


async def replies_to_a_bot_in_text(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(message.text) and replied is not None and replied.from_user is not None and replied.from_user.is_bot


def build_dispatcher(core: ConversationCore, staff_chat: StaffChat | None = None, *,
                     spinners_stopped_on_arrival: bool = False) -> Dispatcher:
    """``spinners_stopped_on_arrival``: webhook mode, where a resident's press was answered in the
    answer to its webhook call (``bot/telegram/webhook.py``), so its turn sends no answer of its own."""
    spinners: set[asyncio.Task] = set()
    router = Router(name="residents")

    @router.message(in_private_chat)
    async def on_message(message: Message, bot: Bot, intake_id: int | None = None,
                         album: Sequence[tuple[Message, int]] = ()) -> None:
        others = [message_to_incoming(part, bot.id, part_id) for part, part_id in album]
        await core.handle(sent_together(message_to_incoming(message, bot.id, intake_id), others))

    @router.callback_query(pressed_in_private_chat)
    async def on_button(query: CallbackQuery, bot: Bot, intake_id: int | None = None) -> None:
        await core.handle(callback_to_incoming(query, bot.id, intake_id))
        if spinners_stopped_on_arrival:
            return
        task = asyncio.create_task(_stop_spinner(query))  # not awaited: the reply need not wait for it
        spinners.add(task)
        task.add_done_callback(spinners.discard)

    @router.my_chat_member(in_private_chat)
    async def on_membership(update: ChatMemberUpdated, bot: Bot, intake_id: int | None = None) -> None:
        blocked = update.new_chat_member.status == "kicked"
        await core.note_blocked(Channel.TELEGRAM, address_of(bot.id, update.chat.id), blocked, intake_id)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    if staff_chat is not None:
        dispatcher.include_router(staff_router(staff_chat))
    return dispatcher


def staff_router(staff_chat: StaffChat) -> Router:
    """Group chats: presses on request cards, and replies to the bot's prompts under them."""
    router = Router(name="staff chats")

    @router.callback_query(pressed_in_group_chat)
    async def on_card_button(query: CallbackQuery, bot: Bot, intake_id: int | None = None) -> None:
        _nonce, value = decode_option(query.data or "")
        if not await staff_chat.claim(intake_id):
            return
        answer = await staff_chat.press(address_of(bot.id, query.message.chat.id),
                                        address_of(bot.id, query.from_user.id), value, query.from_user.full_name)
        try:
            await query.answer(answer, show_alert=bool(answer and len(answer) > 60))
        except Exception as error:  # noqa: BLE001 - the press is done; a lost toast is not worth failing it
            log.debug("answerCallbackQuery failed: %r", error)

    @router.message(in_group_chat, replies_to_a_bot_in_text)
    async def on_reply(message: Message, bot: Bot, intake_id: int | None = None) -> None:
        if not await staff_chat.claim(intake_id) or message.reply_to_message.from_user.id != bot.id:
            return
        await staff_chat.reply(address_of(bot.id, message.chat.id), address_of(bot.id, message.from_user.id),
                               str(message.reply_to_message.message_id), message.text)

    @router.my_chat_member(in_group_chat)
    async def on_added(update: ChatMemberUpdated, bot: Bot, intake_id: int | None = None) -> None:
        # Claimed first, as every staff update is: a recorded update left pending would be taken up
        # again by the intake's next scan, and each time the group would get a new code (the one
        # shown before stops working).
        if not await staff_chat.claim(intake_id):
            return
        if update.new_chat_member.status in ("member", "administrator") and \
                update.old_chat_member.status in ("left", "kicked"):
            await staff_chat.introduce(address_of(bot.id, update.chat.id))

    return router


def processor(dispatcher: Dispatcher, bots: dict[int, Bot]):
    """The intake processing function for Telegram items: feed the stored update to aiogram."""

    async def process(item: Queued) -> bool:
        """An album's other photos go with its first (``album``: each message with its intake id)."""
        bot_id = int(item.external_id.split(":")[0])
        bot = bots[bot_id]

        def update_of(each: Queued) -> Update:
            return each.parsed or Update.model_validate(each.payload, context={"bot": bot})

        album = [(update_of(part).message, part.id) for part in item.album]
        return await dispatcher.feed_update(bot, update_of(item), intake_id=item.id, album=album) is not UNHANDLED

    return process
