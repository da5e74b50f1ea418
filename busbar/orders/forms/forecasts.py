"""The forecast forms: a grid of the horizon's months × regions × variants, and a CSV upload."""

from __future__ import annotations

import datetime as dt

from django import forms

from busbar.orders.models import HubVariant, Region


def cell_name(month: dt.date, region: str, variant: HubVariant) -> str:
    return f"q_{month:%Y-%m}_{region}_{variant.code}"


class ForecastGridForm(forms.Form):
    """One number per cell (blank: not forecast); cells of a frozen month already forecast are shown but
    cannot be changed."""

    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, months, variants, current, frozen, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.months, self.variants = months, variants
        self.rows = []
        for month in months:
            for region, label in Region.choices:
                cells = []
                for variant in variants:
                    name = cell_name(month, region, variant)
                    value = current.get((month, region, variant.pk))
                    locked = month in frozen and value is not None
                    field = forms.IntegerField(
                        min_value=0,
                        max_value=1_000_000,
                        required=False,
                        initial=value,
                        disabled=locked,
                        label=f"{month:%b %Y} {label} {variant.name}",
                        widget=forms.NumberInput(attrs={"class": "narrow"}),
                    )
                    self.fields[name] = field
                    cells.append(name)
                self.rows.append(
                    {"month": month, "region": label, "locked_month": month in frozen, "cells": cells}
                )

    def row_fields(self):
        for row in self.rows:
            yield {**row, "fields": [self[name] for name in row["cells"]]}

    def lines(self) -> list[dict]:
        out = []
        for month in self.months:
            for region, region_label in Region.choices:
                for variant in self.variants:
                    value = self.cleaned_data.get(cell_name(month, region, variant))
                    if value is not None:
                        out.append(
                            {
                                "month": f"{month:%Y-%m}",
                                "region": region,
                                "variant": variant.code,
                                "quantity": value,
                                "label": f"{month:%b %Y} {region_label} {variant.name}",
                            }
                        )
        return out


class ForecastUploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV with the header month,region,variant,quantity (e.g. 2027-08,north,4g-single-int,1200)"
    )
    note = forms.CharField(max_length=200, required=False)
