"""Constants of the Microsoft Graph source."""

DEFAULT_BASE_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_LOOKBACK_DAYS = 180
PAGE_SIZE = 250  # Prefer: odata.maxpagesize; the service's default is 10
MAX_CONCURRENT_REQUESTS = 4  # per mailbox, Outlook's documented limit
MAX_RETRY_WAIT_SECONDS = 300.0  # total Retry-After / backoff sleep per mailbox before giving up
FILTER_CAP = 5000  # a delta round with $filter returns at most this many messages
BATCH_LIMIT = 20  # requests in one JSON $batch, the documented maximum
PROGRESS_EVERY_SECONDS = 10.0
ROWS_PER_TABLE = 5000  # observation rows batched into one arrow table

# Only what the models read; internetMessageHeaders is returned only when selected.
MESSAGE_FIELDS = (
    "id",
    "conversationId",
    "internetMessageId",
    "from",
    "sender",
    "toRecipients",
    "ccRecipients",
    "subject",
    "receivedDateTime",
    "sentDateTime",
    "createdDateTime",
    "lastModifiedDateTime",
    "isDraft",
    "categories",
    "parentFolderId",
    "internetMessageHeaders",
)

# Well-known folder names resolved per mailbox (v1.0 mailFolder has no wellKnownName).
WELL_KNOWN_FOLDERS = (
    "inbox",
    "sentitems",
    "drafts",
    "deleteditems",
    "junkemail",
    "outbox",
    "archive",
    "conversationhistory",
)

# Error codes meaning "this delta token is no longer usable: start the folder again".
RESYNC_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})

# Sign-in authority per Graph host (national clouds); anything else uses the global one.
AUTHORITIES = {
    "graph.microsoft.us": "login.microsoftonline.us",
    "dod-graph.microsoft.us": "login.microsoftonline.us",
    "microsoftgraph.chinacloudapi.cn": "login.chinacloudapi.cn",
}
GLOBAL_AUTHORITY = "login.microsoftonline.com"
AUTH_RECORD_PATH = ".dlt/.token_cache_record.json"  # device-code sign-in, git-ignored
