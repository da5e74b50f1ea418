# Run by .ci/schemathesis.sh inside `busbar shell -c` (Django is set up; the demo is loaded).
#
# Creates one API token named "schemathesis" for the demo participant and one for the demo desk analyst
# (who has TOTP set up by the demo, so the token is not refused with 403 mfa-required), and writes the
# raw tokens to the file named by ST_TOKEN_FILE as `label<TAB>email<TAB>token_id<TAB>raw` lines (mode 600).
# Nothing is printed: `busbar shell` writes its own banner to stdout.
import os
from pathlib import Path

from django.contrib.auth import get_user_model

from busbar.accounts.actions import create_api_token
from busbar.lib.actions import Actor

USERS = [("participant", "supplier@brightwater.example"), ("desk", "analyst@operator.example")]

_lines = []
for _label, _email in USERS:
    _user = get_user_model().objects.get(email=_email)
    _token, _raw = create_api_token(actor=Actor(user=_user), user=_user, name="schemathesis")
    _lines.append(f"{_label}\t{_email}\t{_token.pk}\t{_raw}\n")
_path = Path(os.environ["ST_TOKEN_FILE"])
_path.touch(mode=0o600)
_path.write_text("".join(_lines))
