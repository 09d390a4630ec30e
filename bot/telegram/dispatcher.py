"""The aiogram Dispatcher: routes private-chat updates to the conversation core."""

import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.parse import callback_to_incoming, message_to_incoming
from handlers.conversation import ConversationCore
from storage.models import IntakeItem

log = logging.getLogger(__name__)


def build_dispatcher(core: ConversationCore) -> Dispatcher:
    router = Router(name="residents")
    private = F.chat.type == "private"

    @router.message(private)
    async def on_message(message: Message, bot: Bot, intake_id: int | None = None) -> None:
        await core.handle(message_to_incoming(message, bot.id, intake_id))

    @router.callback_query(F.message.chat.type == "private")
    async def on_button(query: CallbackQuery, bot: Bot, intake_id: int | None = None) -> None:
        await core.handle(callback_to_incoming(query, bot.id, intake_id))
        try:
            await query.answer()  # stops the button's spinner; harmless if it fails
        except Exception as error:  # noqa: BLE001 - a spinner is not worth failing the update for
            log.debug("answerCallbackQuery failed: %r", error)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def processor(dispatcher: Dispatcher, bots: dict[int, Bot]):
    """The intake processing function for Telegram items: feed the stored update to aiogram."""

    async def process(item: IntakeItem) -> None:
        bot_id = int(item.external_id.split(":")[0])
        bot = bots[bot_id]
        update = Update.model_validate(item.payload, context={"bot": bot})
        await dispatcher.feed_update(bot, update, intake_id=item.id)

    return process
