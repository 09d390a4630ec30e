"""Texts the back office's Python code shows (the templates hold the rest)."""

from handlers.i18n import N_, n_
from storage.enums import RequestSource

LOGIN_REFUSED = N_("The login or the password is wrong.")
LOGIN_LOCKED = N_("Too many failed attempts: this account is locked until {time}. Please try again later.")
LOGIN_NO_ROLE = N_("This account has no staff role any more. Please ask the administrator.")
LOGIN_FORM_EXPIRED = N_("The log-in form had expired. Please enter your login and password again.")
FORGED_FORM = N_("This form was not sent from the back office page (its security token is missing or wrong), "
                 "so nothing was done. Please open the page again and repeat.")
NOT_FOUND = N_("There is no such page, or you have no access to it.")
NOT_ALLOWED = N_("Your role does not allow this action. The attempt was recorded.")
INVALID_TEXT = N_("The text is empty or too long to send. Please check it and try again.")
INVALID_DAYS = N_("Give the number of days (1 to 30) and the reason for the extension.")
INVALID_CHOICE = N_("Please choose one of the offered options.")
INVALID_ACTION = N_("This cannot be done with the request in its present state.")
STATUS_REFUSED = N_("The request is «{current}»: it cannot become «{wanted}». Nothing was changed.")
REQUEST_CLOSED = N_("The request is closed («{current}»): this cannot be done with it any more. Nothing was changed.")
BAD_FILTERS = N_("Some filters could not be read and were ignored: {fields}.")
FOUND_ONE, FOUND_MANY = n_("{n} request found", "{n} requests found")
FOUND_MORE = N_("More than {n} requests found: narrow the filters to count them exactly.")
ATTACHMENT_UNAVAILABLE = N_("The file cannot be fetched from the messenger right now.")

DONE = {
    "take": N_("You have taken the request."),
    "answer": N_("The answer has been sent to the resident."),
    "ask": N_("The question has been sent to the resident."),
    "forward": N_("The request has been forwarded."),
    "resolve": N_("The request is marked as resolved."),
    "reject": N_("The request is rejected; the resident has been told the reason."),
    "extend": N_("The deadline has been extended; the resident has been told."),
    "note": N_("The internal note is saved. The resident does not see it."),
    "erase": N_("The applicant's personal data are erased; the request stays in the register without them."),
    "register": N_("The appeal is registered. Print the receipt for the applicant."),
    "answered": N_("The answer given outside the messengers is recorded; the deadline counts it as answered."),
    "merge": N_("The request is merged. Its residents now follow the other request and have been told."),
}
MERGE_INVALID = N_("This request cannot be merged there. Give the number of another open request of your "
                   "municipality (not this one, not a closed or merged one).")
ERASE_UNCONFIRMED = N_("Tick the box to confirm that the applicant asked to erase their data.")
REGISTER_INCOMPLETE = N_("Please give the applicant's name, village and quarter, the language, how and when the "
                         "appeal arrived, its category and its text.")
REGISTER_INVALID = N_("The appeal could not be registered: check the name, the phone number (+996 and 9 digits), "
                      "the text, and that the date of receipt is not in the future.")
REGISTER_SIGNATORIES = N_("The number of signatories of a collective appeal is a whole number, at least 2.")
SCAN_TOO_LARGE = N_("The file «{name}» is larger than 5 MB. Please scan it at a lower resolution and upload it "
                    "again. Nothing was registered.")
SCAN_WRONG_TYPE = N_("The file «{name}» is not a PDF, JPEG, PNG or WebP image. Please upload a scan or a photo. "
                     "Nothing was registered.")
SCAN_TOO_MANY = N_("At most 10 files can be attached to one appeal. Nothing was registered.")
UPLOAD_TOO_LARGE = N_("The files sent together are too large (more than 25 MB). Please upload fewer or smaller "
                      "files. Nothing was registered.")
BACKDATE_REFUSED = N_("Your role allows dating the receipt of an appeal at most 3 days back. Ask the head of the "
                      "aiyl okmotu to register it. The attempt was recorded.")
BACKDATE_NEEDS_REASON = N_("Dating the receipt more than 3 days back needs a reason: it is kept in the history.")
ANSWER_GIVEN_INVALID = N_("Choose how the answer was given, its date (not before the appeal, not in the future) "
                          "and write what was answered. An answered request cannot be answered again here.")

EXPORT_COLUMNS = (N_("Ticket"), N_("Created"), N_("Category"), N_("Quarter"), N_("Department"), N_("Status"),
                  N_("Answer due"), N_("Overdue"), N_("Assignee"), N_("Text"))
YES = N_("yes")
NO = N_("no")

SOURCE_NAMES = {
    RequestSource.MESSENGER: N_("In the messenger"), RequestSource.RECEPTION: N_("In person at the reception"),
    RequestSource.PAPER: N_("On paper (letter, mailbox)"), RequestSource.PHONE: N_("By phone"),
    RequestSource.EMAIL: N_("By e-mail"), RequestSource.KVARTALKOM: N_("Through the kvartalkom head"),
}
ANSWER_FORM_NAMES = {"messenger": N_("In the messenger"), "paper": N_("On paper"), "phone": N_("By phone"),
                     "in_person": N_("In person")}
