from __future__ import annotations

from django import forms

from busbar.parties.models import IdentifierScheme, IndustryRole, MembershipRole


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contact_email = forms.EmailField(
        required=False, help_text="Where Busbar writes to the organisation as a whole"
    )
    roles = forms.MultipleChoiceField(choices=IndustryRole.choices, widget=forms.CheckboxSelectMultiple)
    identifiers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One per line as scheme:value, e.g. mpid:BGAS. Schemes: "
        + ", ".join(IdentifierScheme.values),
    )

    def clean_identifiers(self) -> list[tuple[str, str]]:
        pairs = []
        for number, line in enumerate(self.cleaned_data["identifiers"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            scheme, sep, value = line.partition(":")
            if not sep or scheme.strip() not in IdentifierScheme.values or not value.strip():
                raise forms.ValidationError(
                    f"Line {number}: write scheme:value with a known scheme ({line!r})"
                )
            pairs.append((scheme.strip(), value.strip()))
        return pairs


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")
    full_name = forms.CharField(
        max_length=150,
        label="Name",
        required=False,
        help_text="Suggested name, used only if they create a new account; they can change it",
    )
    role = forms.ChoiceField(choices=MembershipRole.choices)

    def __init__(self, *args: object, allowed_roles: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if allowed_roles is not None:
            self.fields["role"].choices = [c for c in MembershipRole.choices if c[0] in allowed_roles]


#: Passwords are bounded so hashing a hostile megabyte never happens.
PASSWORD_MAX = 256


def _password_field(label: str, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


#: One-time codes are short; anything longer is not one.
CODE_MAX = 64
CODE_LABELS = {
    "totp": "Code from your authenticator app (or one of your recovery codes)",
    "recovery_codes": "One of your recovery codes",
}


class _SecondFactorForm(forms.Form):
    """An answer that, for an account with a second factor, also asks for a code on the same form."""

    def __init__(self, *args: object, second_factor: str = "none", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if second_factor in CODE_LABELS:
            self.fields["code"] = forms.CharField(
                label=CODE_LABELS[second_factor],
                max_length=CODE_MAX,
                widget=forms.TextInput(
                    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
                ),
            )


class _ChoosePasswordMixin(_SecondFactorForm):
    password = _password_field("Choose a password", "new-password")
    password_again = _password_field("Password again", "new-password")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ")
        return data


class InvitationNewAccountForm(_ChoosePasswordMixin):
    """Accepting with no account yet: the invitee names themself and chooses a password."""

    full_name = forms.CharField(max_length=150, label="Your name")
    field_order = ["full_name", "password", "password_again"]


class InvitationChoosePasswordForm(_ChoosePasswordMixin):
    """Accepting with a deactivated account that never had a password."""


class InvitationPasswordForm(_SecondFactorForm):
    """Accepting with a deactivated account: its password (and second factor, if any) is the owner's
    proof."""

    password = _password_field("Your Busbar password", "current-password")


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MembershipRole.choices)


class CannedResponseForm(forms.Form):
    """A canned response; ``organisation`` is asked only of someone who keeps more than one organisation's."""

    organisation = forms.ModelChoiceField(queryset=None, empty_label=None)
    title = forms.CharField(max_length=120, help_text="What it is for, e.g. “Asked for logs”")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Text",
        help_text="Markdown, as in any update. Inserted into the update form, to edit before sending.",
    )

    def __init__(self, *args: object, organisations: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from busbar.parties.models import Organisation

        ids = [o.pk for o in organisations]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=ids)
        self._only = organisations[0] if len(organisations) == 1 else None
        if self._only is not None:
            del self.fields["organisation"]

    def clean(self) -> dict:
        data = super().clean()
        if self._only is not None:
            data["organisation"] = self._only
        return data
