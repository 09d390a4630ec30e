"""The topics' labels, in the order askers see them (the LSG Union's most frequent first)."""

from handlers.i18n import N_, gettext
from storage.enums import Language, LegalTopic

TOPIC_LABELS = {
    LegalTopic.EMERGENCIES: N_("🚨 Emergencies: prevention and response"),
    LegalTopic.LABOUR: N_("💼 Labour law and municipal service (vacation pay, payments)"),
    LegalTopic.HEAD_DISMISSAL: N_("🏛 Early dismissal of the aiyl okmotu head"),
    LegalTopic.PROPERTY: N_("🏢 Municipal property"),
    LegalTopic.LAND: N_("🌾 Land"),
    LegalTopic.BUDGET: N_("💰 Local budget"),
    LegalTopic.COUNCIL: N_("🗳 Local council"),
    LegalTopic.OTHER: N_("📌 Other"),
}


def topic_label(topic: LegalTopic, language: Language) -> str:
    return gettext(language, TOPIC_LABELS[topic])


def question_ref(question_id: int) -> str:
    """How a question is named to people: «Q-42»."""
    return f"Q-{question_id}"
