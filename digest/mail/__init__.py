"""`digest send`: the issue emailed to each subscriber exactly once.

The message is built once (text and HTML versions of the issue, the PDF when it is attached,
every shared header) and serialized once; each recipient's copy is those bytes behind its own
To and Message-ID headers. Every header value is checked for line breaks and control
characters before the email package sees it. Every link in it is absolute (a relative link is
dead in a mailbox), the HTML part stays under Gmail's clipping limit, and the text part is
read off the HTML (digest.mailtext).

    body.py    the HTML and text parts, cut to fit Gmail's clipping limit
    letter.py  the headers and the message (Letter), composed once
    send.py    the PDF, the plan (who gets it), delivery and its log, the test copy, dry runs
"""

from digest.mail.body import GMAIL_CLIP_BYTES, MAIL_POLICY, Body, email_body, encoded_size
from digest.mail.letter import Letter, compose, format_subject, message_parts
from digest.mail.send import (
    Delivery,
    Plan,
    SendReport,
    dry_run,
    issue_pdf,
    plan,
    send_issue,
    send_lock,
    send_test,
)

__all__ = [
    "GMAIL_CLIP_BYTES",
    "MAIL_POLICY",
    "Body",
    "Delivery",
    "Letter",
    "Plan",
    "SendReport",
    "compose",
    "dry_run",
    "email_body",
    "encoded_size",
    "format_subject",
    "issue_pdf",
    "message_parts",
    "plan",
    "send_issue",
    "send_lock",
    "send_test",
]
