"""Constants of the demo tenant: window, size, load schedule, scenario rates, name pools."""

from __future__ import annotations

import datetime as dt

DEMO_START = dt.date(2026, 5, 18)
DEMO_END = dt.date(2026, 11, 16)
DEFAULT_SEED = 7
DEFAULT_MESSAGES = 12_000
# `messages` is a rate: about that many messages over the default window. A longer window gets
# proportionally more, so a later `end` only adds nights and never rewrites earlier ones.
DEFAULT_WINDOW_DAYS = (DEMO_END - DEMO_START).days
MESSAGES_PER_THREAD = 3.6  # measured mean over all scenarios, to turn `messages` into threads

LOAD_TIME_UTC = dt.time(1, 0)  # the nightly load
BATCH_ROWS = 50_000  # rows per arrow table handed to dlt (whole nights per batch)
HORIZON_DAYS = 120  # business hours are computed this far past the window for late replies

# Arrival weight of one local hour.
OPEN_HOUR_WEIGHT = 1.0
EDGE_HOUR_WEIGHT = 0.25  # two hours either side of opening hours
CLOSED_HOUR_WEIGHT = 0.04
WEEKEND_HOUR_WEIGHT = 0.05
HOLIDAY_WEIGHT_FACTOR = 0.2

# Exchange setting MessageCopyForSentAsEnabled / MessageCopyForSendOnBehalfEnabled: switched on
# in the team mailboxes on this date; before it, Send As / on-behalf copies are only in the
# agent's own Sent Items.
SENT_COPIES_FROM = dt.date(2026, 7, 20)

# Thread scenarios of a shared mailbox (weights).
SHARED_SCENARIOS = {
    "customer": 0.80,
    "team_started": 0.06,
    "newsletter": 0.04,
    "notification": 0.03,
    "junk": 0.03,
    "draft": 0.02,
    "personal": 0.02,  # an agent's own mail in their Sent Items: not the team's
}
# Thread scenarios of a distribution list (weights).
LIST_SCENARIOS = {
    "customer": 0.78,
    "team_started": 0.06,
    "newsletter": 0.04,
    "personal": 0.12,  # mail to one agent, not to the list: must not count
}

# How agents reply from a shared mailbox (weights); `alias` only when the customer wrote to one.
REPLY_MODES = {"on_behalf": 0.40, "send_as": 0.25, "own": 0.25, "alias": 0.10}

P_TO_ALIAS = 0.15  # customer writes to an alias instead of the mailbox address
P_KEY_ACCOUNT = 0.15  # customer from an SLA-tier domain
P_INTERNAL = 0.05  # a colleague from an internal domain writes in
P_CC_COLLEAGUE = 0.10  # the customer copies a colleague
P_OWN_REPLY_CC_TEAM = 0.5  # an agent replying from their own mailbox copies the team address
P_CUSTOMER_CC_TEAM = 0.8  # a customer answering an agent's own-mailbox reply copies the team
P_LIST_REPLY_CC = 0.75  # a distribution-list agent keeps the list in Cc
P_ASSIGNED = 0.88  # categories/folders assignment: the thread gets an agent
P_TOPIC = 0.6  # the thread gets a topic category
P_REASSIGNED = 0.10
P_NEVER_ANSWERED = 0.015
P_FOLLOW_UP = 0.10  # customer writes twice before the answer
P_COLLISION = 0.04
P_AUTO_REPLY = 0.04  # customer's out-of-office answers the team's reply
P_BOUNCE = 0.01
P_NEXT_TURN = 0.45  # the customer writes again after a reply (decays per turn)
MAX_TURNS = 6
P_THANKS = 0.2  # a last "thanks" after the final reply
P_RESOLVED = 0.8  # the thread is moved into a resolved folder
P_REOPEN_BY_CUSTOMER = 0.08  # the customer writes after the move
P_MOVED_BACK = 0.03  # an agent moves the thread back to the Inbox
P_LIST_COPY_DELETED = 0.08  # a list agent deletes their copy of a customer's first message
P_AFTER_HOURS_REPLY = 0.12
P_DRAFT_IN_INBOX = 0.25  # an abandoned draft dragged into the Inbox instead of left in Drafts
P_CATEGORY_READ = 0.6  # categorised messages are also read (a separate change)

# Delays: lognormal with this median (minutes) and sigma.
REPLY_DELAY = (75, 1.1)  # business minutes to the first answer of a turn
KEY_ACCOUNT_REPLY_DELAY = (30, 0.9)
AFTER_HOURS_REPLY_DELAY = (40, 0.8)  # calendar minutes, an agent answering out of hours
TRIAGE_DELAY = (20, 1.0)  # business minutes to categorise/assign
HANDOVER_DELAY = (480, 0.4)  # business minutes from assignment to reassignment
CUSTOMER_DELAY = (300, 1.3)  # calendar minutes before the customer writes again
RESOLVE_DELAY = (240, 1.0)  # business minutes from the last activity to the move
REOPEN_DELAY = (2880, 0.8)  # calendar minutes from the move to the customer's next message
MAX_DELAY_MINUTES = 60 * 24 * 30

TOPICS = ("Billing", "Technical", "Account", "Feature request")
SUBJECTS = {
    "Billing": ("Invoice {n} looks wrong", "Refund for order {n}", "Charged twice in {m}"),
    "Technical": ("Error {n} when syncing", "App crashes on start", "Cannot log in since {m}"),
    "Account": ("Change the owner of account {n}", "Add a user to our plan", "Close account {n}"),
    "Feature request": ("Export to CSV?", "Dark mode please", "API rate limit for plan {n}"),
}
TEAM_STARTED_SUBJECTS = ("Your renewal in {m}", "Follow-up on case {n}", "Survey: how did we do?")
LIST_SUBJECTS = ("Quote for {n} seats", "Pricing for the {m} promotion", "Demo request", "PO {n}")
PERSONAL_SUBJECTS = ("Lunch on Friday?", "1:1 notes", "Team offsite", "Expense report {m}")
NEWSLETTER_SENDERS = (
    ("news@industryweekly.example", "Industry Weekly"),
    ("digest@saasnews.example", "SaaS News Digest"),
)
NOTIFICATION_SENDERS = (
    ("noreply@status.example", "Status Page"),
    ("no-reply@billing-system.example", "Billing System"),
    ("donotreply@monitoring.example", "Monitoring"),
)
BOUNCE_SENDERS = (
    ("mailer-daemon@mail.example", "Mail Delivery Subsystem"),
    ("postmaster@outlook.com", "Microsoft Outlook"),
)
JUNK_SENDERS = (("winner@prizes.example", "Prize Team"), ("sales@cheap-meds.example", "Offers"))
DAILY_DIGEST_SENDER = ("noreply@status.example", "Status Page")
DAILY_DIGEST_HOUR = 6  # local: a daily status mail, so every night observes something

CUSTOMER_DOMAINS = (
    "adatum.com", "alpineskihouse.com", "blueyonderairlines.com", "cohowinery.com",
    "consolidatedmessenger.com", "fourthcoffee.com", "graphicdesigninstitute.com",
    "humongousinsurance.com", "litwareinc.com", "lucernepublishing.com", "margiestravel.com",
    "proseware.com", "relecloud.com", "southridgevideo.com", "tailspintoys.com",
    "treyresearch.net", "wideworldimporters.com", "wingtiptoys.com", "woodgrovebank.com",
    "gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "icloud.com", "proton.me",
)  # fmt: skip
FIRST_NAMES = (
    "Aiden", "Amara", "Ben", "Chen", "Chloe", "Diego", "Elena", "Farah", "Finn", "Grace",
    "Hana", "Ivan", "Jonas", "Kai", "Leila", "Lucas", "Maya", "Nadia", "Noah", "Olga",
    "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Kowalski", "Lopez", "Meyer", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt",
    "Tanaka", "Walsh",
)  # fmt: skip
CUSTOMERS_PER_DOMAIN = 12
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
UNANSWERED_SCENARIOS = ("newsletter", "notification", "junk")  # for a mailbox without agents
GRAPH_PAGE_SIZE = 100  # items per delta page (Prefer: odata.maxpagesize), for sync_runs.requests
