"""Load Chongqing's 38 districts and counties and 3 development zones from fixtures/districts.csv."""

import csv
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "districts.csv"


def load(apps, schema_editor):
    District = apps.get_model("catalog", "District")
    with FIXTURE.open(encoding="utf-8") as handle:
        for order, row in enumerate(csv.DictReader(handle), start=1):
            District.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"], "sort_order": order}
            )


def unload(apps, schema_editor):
    apps.get_model("catalog", "District").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
