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
    email = forms.EmailField()
    full_name = forms.CharField(
        max_length=150, label="Name", required=False, help_text="Needed for a new person"
    )
    role = forms.ChoiceField(choices=MembershipRole.choices)

    def __init__(self, *args: object, allowed_roles: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if allowed_roles is not None:
            self.fields["role"].choices = [c for c in MembershipRole.choices if c[0] in allowed_roles]


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MembershipRole.choices)
